// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/logspage.h"

#include "core/backgroundpool.h"
#include "core/whenfinished.h"
#include "pages/alertspage.h"
#include "pages/auditpage.h"

#include "api/codec.h"
#include "api/enginesession.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <limits>

namespace jobfirst::ui {

namespace {

QVariant levelBrush(const QString &level)
{
    if (level == QLatin1String("error"))
        return QBrush(QColor(0xf5, 0xb7, 0xb1));
    if (level == QLatin1String("warning"))
        return QBrush(QColor(0xfc, 0xf3, 0xcf));
    return {};
}

QString levelText(const QString &level)
{
    if (level == QLatin1String("debug"))
        return LogsPage::tr("debug");
    if (level == QLatin1String("info"))
        return LogsPage::tr("info");
    if (level == QLatin1String("warning"))
        return LogsPage::tr("warning");
    return LogsPage::tr("error");
}

QString componentText(const QString &component)
{
    static const QHash<QString, const char *> words = {
        {QStringLiteral("health"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "health")},
        {QStringLiteral("alert"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "alert")},
        {QStringLiteral("delivery"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "delivery")},
        {QStringLiteral("engine"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "engine")},
        {QStringLiteral("config"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "configuration")},
        {QStringLiteral("sync"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "sync")},
        {QStringLiteral("cluster"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "cluster")},
        {QStringLiteral("store"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "store")},
        {QStringLiteral("audit"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "audit")},
        {QStringLiteral("api"), QT_TRANSLATE_NOOP("jobfirst::ui::LogsPage", "API")},
    };
    const char *text = words.value(component);
    return text ? LogsPage::tr(text) : component;
}

} // namespace

QString LogsPage::lineText(const LogEntry &e)
{
    const QString from = e.fields.value(QStringLiteral("from")).toString();
    const QString to = e.fields.value(QStringLiteral("to")).toString();
    if (e.source == QLatin1String("health"))
        return tr("Node %1: %2 → %3 (%4)")
            .arg(e.node, healthText(healthStateFromName(from)), healthText(healthStateFromName(to)),
                 reasonText(e.fields.value(QStringLiteral("reason")).toString()));
    if (e.source == QLatin1String("audit"))
        return tr("%1: %2 %3")
            .arg(AuditPage::actorText(e.fields.value(QStringLiteral("actor")).toString()),
                 AuditPage::actionText(e.fields.value(QStringLiteral("action")).toString()),
                 AuditPage::subjectText(e.fields.value(QStringLiteral("subject")).toString()));
    if (e.kind == QLatin1String("delivery.lease")) {
        // "active in this process", "standby, lease held by …", "by another process, …".
        const QString d = e.fields.value(QStringLiteral("delivery")).toString();
        static const QString held = QStringLiteral("lease held by ");
        const QString holder = d.contains(held) ? d.mid(d.indexOf(held) + held.size()) : QString();
        if (d.startsWith(QLatin1String("active")))
            return tr("Delivery: this process delivers from the store");
        // Why, from the lease claim's answer ("standby_for"; entries made before it was
        // kept said it after "lease held by ", whatever the reason).
        if (d.startsWith(QLatin1String("standby")))
            return tr("Delivery: this process stands by: %1")
                .arg(standbyText(DeliveryStandby::of(
                    e.fields.value(QStringLiteral("standby_for")).toString(holder))));
        if (d.startsWith(QLatin1String("by another process")))
            return tr("Delivery: another process delivers (%1)").arg(holder);
        if (d.startsWith(QLatin1String("no process")))
            return tr("Delivery: no process delivers from this store");
    }
    if (e.kind == QLatin1String("alert.resolved"))
        return tr("Resolved: %1")
            .arg(AlertsPage::alertText(Alert{
                e.at, Alert::Severity::Info, e.fields.value(QStringLiteral("kind")).toString(),
                e.fields.value(QStringLiteral("subject")).toString(), QString()}));
    if (e.kind.startsWith(QLatin1String("alert.")))
        return AlertsPage::alertText(Alert{e.at, Alert::Severity::Info, e.kind.mid(6),
                                           e.fields.value(QStringLiteral("subject")).toString(),
                                           e.message});
    // Lines written before the ranges were kept apart keep the engine's English words.
    if (e.kind == QLatin1String("health.partitions") && e.fields.contains(QStringLiteral("held"))) {
        const int count = e.fields.value(QStringLiteral("partitions")).toInt();
        const QString held = e.fields.value(QStringLiteral("held")).toString();
        return tr("Health checks follow %Ln partition(s) here (were %1): %2", nullptr, count)
            .arg(QString::number(e.fields.value(QStringLiteral("were")).toInt()),
                 held.isEmpty() ? tr("none") : held);
    }
    if (e.kind == QLatin1String("engine.started"))
        return tr("Engine started on %1").arg(e.fields.value(QStringLiteral("store")).toString());
    if (e.kind == QLatin1String("engine.stopped"))
        return tr("Engine stopped");
    if (e.kind == QLatin1String("config.applied"))
        return tr("Config version %1 applied by %2")
            .arg(QString::number(e.fields.value(QStringLiteral("version")).toInt()),
                 AuditPage::actorText(e.fields.value(QStringLiteral("actor")).toString()));
    if (e.kind == QLatin1String("config.unsigned"))
        return e.target.isEmpty()
                   ? tr("cluster_secret is empty: cluster sync to the nodes goes out unsigned")
                   : tr("Target %1 has no secret: its deliveries go out unsigned").arg(e.target);
    if (e.kind == QLatin1String("delivery.dead_letter")) {
        // "1 deliveries"; and libcurl's English cause in the Chinese console.
        const int count = int(std::min<qint64>(e.fields.value(QStringLiteral("count")).toInteger(),
                                               std::numeric_limits<int>::max()));
        return tr("%Ln delivery(ies) to %1 became dead letters: %2", nullptr, count)
            .arg(e.target, deliveryErrorText(e.fields.value(QStringLiteral("error")).toString()));
    }
    return e.message;
}

LogsPage::LogsPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView), m_level(new QComboBox), m_node(new QLineEdit), m_target(new QLineEdit),
      m_text(new QLineEdit), m_useTime(new QCheckBox), m_from(new QDateTimeEdit), m_to(new QDateTimeEdit), m_follow(new QCheckBox),
      m_apply(new QPushButton), m_export(new QPushButton), m_status(new QLabel)
{
    m_model = logModel();
    setUpView();
    setUpFilters();
    layOut();
    connectFilters();
    retranslate();
}

RecordTableModel<LogEntry> *LogsPage::logModel()
{
    using C = RecordTableModel<LogEntry>::Column;
    const auto display = [](auto f) {
        return [f](const LogEntry &e, int role) -> QVariant {
            if (role == Qt::BackgroundRole)
                return levelBrush(e.level);
            return role == Qt::DisplayRole ? QVariant(f(e)) : QVariant();
        };
    };
    return new RecordTableModel<LogEntry>(
        {
            C{[] { return tr("Time"); }, display([](const LogEntry &e) { return timeText(e.at); })},
            C{[] { return tr("Level"); },
              display([](const LogEntry &e) { return levelText(e.level); })},
            C{[] { return tr("Source"); },
              display([](const LogEntry &e) { return componentText(e.component); })},
            C{[] { return tr("Node or target"); }, display([](const LogEntry &e) {
                  return e.node.isEmpty() ? AuditPage::subjectText(e.target) : e.node;
              })},
            C{[] { return tr("Message"); }, display([](const LogEntry &e) { return lineText(e); })},
        },
        [](const LogEntry &e) { return e.source + u':' + QString::number(e.id); }, this);
}

void LogsPage::setUpView()
{
    m_view->setObjectName(QStringLiteral("logTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
}

void LogsPage::setUpFilters()
{
    for (const char *level : {"debug", "info", "warning", "error"})
        m_level->addItem(QString(), QString::fromLatin1(level));
    m_level->setObjectName(QStringLiteral("logLevel"));
    m_node->setObjectName(QStringLiteral("logNode"));
    m_target->setObjectName(QStringLiteral("logTarget"));
    m_text->setObjectName(QStringLiteral("logText"));
    m_follow->setObjectName(QStringLiteral("logFollow"));
    m_follow->setChecked(true);
    m_export->setObjectName(QStringLiteral("logExport"));
    m_status->setObjectName(QStringLiteral("logStatus"));
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        // The form of the Time column, in every language (not "28 11月 2026").
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    m_from->setDateTime(QDateTime::currentDateTime().addDays(-1));
    m_to->setDateTime(QDateTime::currentDateTime().addDays(1));
}

void LogsPage::layOut()
{
    for (int i = 0; i < 4; ++i)
        m_labels << new QLabel;
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_labels[0]);
    filters->addWidget(m_level);
    filters->addWidget(m_labels[1]);
    filters->addWidget(m_node);
    filters->addWidget(m_labels[2]);
    filters->addWidget(m_target);
    filters->addWidget(m_labels[3]);
    filters->addWidget(m_text, 1);
    auto *times = new QHBoxLayout;
    times->addWidget(m_useTime);
    times->addWidget(m_from);
    times->addWidget(m_to);
    times->addStretch();
    times->addWidget(m_follow);
    times->addWidget(m_apply);
    times->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addLayout(times);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
}

void LogsPage::connectFilters()
{
    for (QLineEdit *e : {m_node, m_target, m_text})
        connect(e, &QLineEdit::returnPressed, this, &LogsPage::refresh);
    connect(m_level, &QComboBox::currentIndexChanged, this, &LogsPage::refresh);
    connect(m_useTime, &QCheckBox::toggled, this, &LogsPage::refresh);
    connect(m_apply, &QPushButton::clicked, this, &LogsPage::refresh);
    connect(m_export, &QPushButton::clicked, this, &LogsPage::askExportFile);
}

void LogsPage::askExportFile()
{
    const QString f = QFileDialog::getSaveFileName(this, tr("Export log lines"),
                                                   QStringLiteral("jobfirst-log.jsonl"),
                                                   tr("JSON Lines (*.jsonl)"));
    if (!f.isEmpty())
        exportTo(f);
}

void LogsPage::retranslate()
{
    m_labels[0]->setText(tr("Level at least"));
    m_labels[1]->setText(tr("Node"));
    m_labels[2]->setText(tr("Target"));
    m_labels[3]->setText(tr("Text"));
    const QStringList levels = {tr("debug"), tr("info"), tr("warning"), tr("error")};
    for (int i = 0; i < levels.size(); ++i)
        m_level->setItemText(i, levels.at(i));
    m_useTime->setText(tr("Only from … to"));
    m_follow->setText(tr("Follow live"));
    m_apply->setText(tr("Apply filters"));
    m_export->setText(tr("Export as JSON Lines…"));
    m_text->setPlaceholderText(tr("in the message"));
    emit m_model->headerDataChanged(Qt::Horizontal, 0, m_model->columnCount() - 1);
    emit m_model->dataChanged(m_model->index(0, 0), m_model->index(m_model->rowCount() - 1, m_model->columnCount() - 1));
}

LogQuery LogsPage::query() const
{
    LogQuery q;
    q.minLevel = m_level->currentData().toString();
    q.node = m_node->text().trimmed();
    q.target = m_target->text().trimmed();
    q.text = m_text->text().trimmed();
    if (m_useTime->isChecked()) {
        q.since = m_from->dateTime().toMSecsSinceEpoch();
        q.until = m_to->dateTime().toMSecsSinceEpoch();
    }
    q.limit = 2000;
    return q;
}

void LogsPage::refresh()
{
    if (m_busy)
        return;
    m_busy = true;
    whenFinished(session()->logs(query()), this, [this](const Result<QList<LogEntry>> &lines) {
        m_busy = false;
        if (!lines) {
            m_status->setText(errorMessage(lines.error()));
            return;
        }
        m_model->setRows(lines.value());
        m_status->setText(tr("%Ln line(s), newest first.", nullptr, int(lines->size())));
        emit refreshed();
    });
}

void LogsPage::applySnapshot(const EngineSnapshot &)
{
    // Following: the view re-reads the log with each snapshot while it is on screen.
    if (isVisible() && m_follow->isChecked())
        refresh();
}

void LogsPage::exportTo(const QString &path)
{
    const QList<LogEntry> rows = m_model->rows();
    whenFinished(
        QtConcurrent::run(
            backgroundPool(),
            [path, rows]() -> Result<int> {
                QSaveFile f(path);
                if (!f.open(QIODevice::WriteOnly))
                    return makeError(QStringLiteral("export.io"), f.errorString());
                for (auto it = rows.crbegin(); it != rows.crend(); ++it)
                    f.write(QJsonDocument(codec::encode(*it)).toJson(QJsonDocument::Compact) +
                            '\n');
                if (!f.commit())
                    return makeError(QStringLiteral("export.io"), f.errorString());
                return int(rows.size());
            }),
        this, [this, path](const Result<int> &written) {
            const QString message =
                written ? tr("%Ln line(s) written to %1.", nullptr, written.value()).arg(path)
                        : tr("Cannot write %1: %2").arg(path, errorMessage(written.error()));
            m_status->setText(message);
            emit exported(message);
        });
}

} // namespace jobfirst::ui
