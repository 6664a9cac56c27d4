// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/slopanel.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "pages/page.h"
#include "slo/slocalculator.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {
constexpr int RefreshMs = 30000;
/// Until the first figures arrive (the engine starting, a slow first read) and while reads fail.
constexpr int RetryMs = 2000;

QString windowText(qint64 ms)
{
    return ms >= 86400000 ? SloPanel::tr("%Ln day(s)", nullptr, int(ms / 86400000))
                          : SloPanel::tr("%Ln hour(s)", nullptr, int(ms / 3600000));
}

/// The figure's window, or the part of it the figure covers when that is less: a cluster
/// watched for 12 minutes has "12 min of 1 day" behind its day's figure, not a day.
QString windowText(const SloFigure &f)
{
    if (!f.measuredAny || f.observedMs >= f.windowMs - 60000)
        return windowText(f.windowMs);
    return SloPanel::tr("%1 observed of %2")
        .arg(ageText(std::max<qint64>(f.observedMs, 1000)), windowText(f.windowMs));
}

QString valueText(const SloFigure &f, double v)
{
    const QLocale locale;
    return f.unit == QLatin1String("percent") ? SloPanel::tr("%1 %").arg(locale.toString(v, 'f', 3))
                                              : SloPanel::tr("%1 ms").arg(locale.toString(v, 'f', 0));
}
} // namespace

SloPanel::SloPanel(EngineSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_table(new QTableWidget(0, 4)), m_title(new QLabel),
      m_worstNode(new QLabel), m_failure(new QLabel)
{
    setObjectName(QStringLiteral("sloPanel"));
    m_table->setObjectName(QStringLiteral("sloTable"));
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // A narrower or wider column wraps the names on more or fewer lines.
    connect(m_table->horizontalHeader(), &QHeaderView::sectionResized, this, &SloPanel::fitRows);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_worstNode->setObjectName(QStringLiteral("sloWorstNode"));
    m_worstNode->setWordWrap(true); // a long node id in a narrow window
    m_failure->setObjectName(QStringLiteral("sloFailure"));
    m_failure->setWordWrap(true);
    m_failure->setStyleSheet(
        QStringLiteral("color: %1").arg(healthColor(HealthState::Failed).name()));
    m_failure->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_failure);
    layout->addWidget(m_table);
    layout->addWidget(m_worstNode);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    timer->start(RefreshMs);
    retranslate();
}

void SloPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void SloPanel::refresh()
{
    if (m_busy)
        return;
    m_busy = true;
    whenFinished(m_session->slo(), this, [this](const Result<SloReport> &r) {
        m_busy = false;
        if (!r) {
            m_readError = r.error();
            showFailure();
            retrySoon();
            emit refreshed();
            return;
        }
        m_readError.reset();
        if (!r->figures.isEmpty()) {
            display(r.value());
        } else {
            retranslate();
            retrySoon();
        }
        emit refreshed();
    });
}

void SloPanel::retrySoon()
{
    QTimer::singleShot(RetryMs, this, [this] {
        if (isVisible() && (m_readError || m_report.figures.isEmpty()))
            refresh();
    });
}

QString SloPanel::figureName(const QString &key)
{
    if (key == QLatin1String("availability_1h") || key == QLatin1String("availability_24h") || key == QLatin1String("availability_30d"))
        return tr("Cluster availability");
    if (key == QLatin1String("sync_latency_p99"))
        return tr("Real-time sync latency (p99)");
    if (key == QLatin1String("consistency"))
        return tr("Data consistency");
    if (key == QLatin1String("recovery_time"))
        return tr("Recovery from down to up (worst)");
    if (key == QLatin1String("alert_delay"))
        return tr("Failure to alert (worst)");
    return key;
}

void SloPanel::display(const SloReport &report)
{
    m_report = report;
    m_failure->hide();
    fill(report, {});
}

SloReport SloPanel::unmeasured()
{
    // The plan's metrics, their targets and windows as the engine states them, none measured.
    SloInputs none;
    none.now = QDateTime::currentMSecsSinceEpoch();
    return SloCalculator::compute(none);
}

void SloPanel::showMeasuring()
{
    m_failure->hide();
    fill(unmeasured(), tr("measuring…"));
}

void SloPanel::showFailure()
{
    // Earlier figures are not shown as if they were current: the metrics, and why none are.
    m_failure->setText(tr("The success metrics could not be read: %1. Trying again…")
                           .arg(errorSummary(*m_readError)));
    m_failure->setToolTip(m_readError->message);
    m_failure->show();
    fill(unmeasured(), tr("could not be read"));
}

void SloPanel::fill(const SloReport &report, const QString &unmeasured)
{
    m_table->setRowCount(int(report.figures.size()));
    for (int row = 0; row < report.figures.size(); ++row) {
        const SloFigure &f = report.figures.at(row);
        const QString target = (f.higherIsBetter ? QStringLiteral("≥ ") : QStringLiteral("≤ ")) + valueText(f, f.target);
        const QString value = !unmeasured.isEmpty() ? unmeasured
                              : f.measuredAny       ? valueText(f, f.measured)
                                                    : tr("nothing to measure");
        const QStringList cells = {figureName(f.key), value, target, windowText(f)};
        const QColor colour = !f.measuredAny ? QColor(0xea, 0xec, 0xee) : f.met ? QColor(0xd5, 0xf5, 0xe3) : QColor(0xf5, 0xb7, 0xb1);
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells.at(c));
            item->setBackground(colour);
            item->setData(Qt::UserRole, f.met);
            m_table->setItem(row, c, item);
        }
    }
    fitRows();
    const auto worst = std::min_element(report.nodes.cbegin(), report.nodes.cend(),
                                        [](const NodeAvailability &a, const NodeAvailability &b) { return a.day < b.day; });
    m_worstNode->setText(worst == report.nodes.cend() ? QString() : worstNodeText(*worst));
}

void SloPanel::fitRows()
{
    // Rows as high as their text (a name wrapped on two lines gets two): the style's 30 px
    // rows left the charts below too low for their legends at 1280×800 (walk21).
    m_table->resizeRowsToContents();
    int rows = 0;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        m_table->setRowHeight(row, m_table->rowHeight(row) + 4);
        rows += m_table->rowHeight(row);
    }
    // Every figure in view at once: the table is as tall as its rows.
    m_table->setFixedHeight(m_table->horizontalHeader()->height() + 2 * m_table->frameWidth() +
                            rows);
}

QString SloPanel::worstNodeText(const NodeAvailability &node)
{
    // The figure is over the part of the day the node was watched: a cluster started an hour
    // ago has an hour behind it, not a day, and the sentence says which.
    const QString percent = QLocale().toString(node.day, 'f', 3);
    constexpr qint64 Day = 86400000;
    if (node.dayObservedMs <= 0 || node.dayObservedMs >= Day - 60000)
        return tr("Least available node over the last day: %1, %2 % (target 99.9 %)")
            .arg(node.node, percent);
    return tr("Least available node over the last %1: %2, %3 % (target 99.9 %)")
        .arg(ageText(std::max<qint64>(node.dayObservedMs, 1000)), node.node, percent);
}

void SloPanel::retranslate()
{
    m_title->setText(tr("Success metrics of the plan"));
    m_table->setHorizontalHeaderLabels({tr("Metric"), tr("Measured"), tr("Target"), tr("Window")});
    if (m_readError)
        showFailure();
    else if (!m_report.figures.isEmpty())
        display(m_report);
    else
        showMeasuring();
}

} // namespace jobfirst::ui
