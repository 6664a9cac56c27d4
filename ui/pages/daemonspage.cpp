// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/daemonspage.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "widgets/columnfitter.h"

#include <QBrush>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <tuple>

namespace jobfirst::ui {

namespace {

/// "0–15, 32, 40–47": runs of partitions as ranges. With `most`, at most that many pieces,
/// then "…" (the whole list is in the tooltip): 32 partitions one by one made a column
/// wider than the window.
QString partitionsText(const DaemonStatus &d, qsizetype most = -1)
{
    QStringList pieces = d.partitionRuns(u'–');
    if (most >= 0 && pieces.size() > most) {
        pieces.resize(most);
        pieces << QStringLiteral("…");
    }
    return pieces.join(QStringLiteral(", "));
}

/// A count this store does not know (another process's own).
QString unknownCount()
{
    return QStringLiteral("—");
}

int digitsOf(qint64 n)
{
    int digits = 1;
    for (; n >= 10; n /= 10)
        ++digits;
    return digits;
}

/// What makes the "Delivered" words ("1,234 since 14:02") and the rate wider or narrower: the
/// digits, the start time, whether the counts are known. Counting up within the same number of
/// digits keeps the width, so most refreshes do not refit the columns. (The rate's digits
/// were left out: in zh_CN, whose "每秒" title is narrow, a rate of 116 read "1…".)
std::tuple<bool, qint64, int, int> countsWidth(const DaemonStatus &d)
{
    return {d.fromLease, d.startedAt, digitsOf(d.delivered),
            d.rateKnown() ? digitsOf(qint64(d.deliveriesPerSecond + 0.5)) : 0};
}

/// A heartbeat as its state says it: a live one by its age, a late or gone one in words, never
/// like a live one.
QString heartbeatText(const DaemonStatus &d)
{
    switch (d.state()) {
    case DaemonState::Live:
        return d.heartbeatAgeMs > 0 ? DaemonsPage::tr("%1 ago").arg(ageText(d.heartbeatAgeMs))
                                    : DaemonsPage::tr("just now");
    case DaemonState::Late:
        return DaemonsPage::tr("late: not heard from for %1").arg(ageText(d.heartbeatAgeMs));
    case DaemonState::Gone:
        return DaemonsPage::tr("gone: not heard from for %1").arg(ageText(d.heartbeatAgeMs));
    }
    return {};
}

/// What makes the heartbeat's words wider or narrower: its state, and the length of a late
/// or gone one's age ("not heard from for 9 s" grows to "… 10 s": cut to "…" unless refitted).
std::pair<DaemonState, qsizetype> heartbeatWidth(const DaemonStatus &d)
{
    return {d.state(), d.state() == DaemonState::Live ? 0 : heartbeatText(d).size()};
}

QString heartbeatTip(const DaemonStatus &d)
{
    switch (d.state()) {
    case DaemonState::Live:
        return {};
    case DaemonState::Late:
        return DaemonsPage::tr("Its heartbeat is late: it may be stopped, paused or cut off from "
                               "the store. Its partitions pass to the others once its lease "
                               "has lapsed.");
    case DaemonState::Gone:
        return DaemonsPage::tr("Late, and its partition leases have lapsed: its partitions have "
                               "passed to the others. An admin can forget it; else its row "
                               "goes after an hour.");
    }
    return {};
}

/// A late daemon's row is marked: its background.
QVariant late(const DaemonStatus &d, int role)
{
    if (role == Qt::BackgroundRole && d.late())
        return QBrush(QColor(0xfc, 0xf3, 0xcf));
    return {};
}

} // namespace

DaemonsPage::DaemonsPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView(this)), m_summary(new QLabel(this)),
      m_forget(new QPushButton(this)), m_timer(new QTimer(this))
{
    m_model = new RecordTableModel<DaemonStatus>(
        {daemonColumn(), heartbeatColumn(), partitionsColumn(), deliveredColumn(), rateColumn(),
         adminApiColumn()},
        [](const DaemonStatus &d) { return d.id; }, this);
    setUpView();
    layOut();
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &DaemonsPage::refresh);
    retranslate();
}

DaemonsPage::DaemonColumn DaemonsPage::daemonColumn()
{
    return {[] { return tr("Daemon"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (role == Qt::DisplayRole) {
                    const QString id = d.id.isEmpty() ? tr("(not delivering)") : d.id;
                    return d.self ? tr("%1 (this one)").arg(id) : id;
                }
                if (role == Qt::ToolTipRole && !d.id.isEmpty())
                    return d.id; // the whole id, when the column cuts it
                return late(d, role);
            }};
}

DaemonsPage::DaemonColumn DaemonsPage::heartbeatColumn()
{
    return {[] { return tr("Heartbeat"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (role == Qt::DisplayRole)
                    return heartbeatText(d);
                if (role == Qt::ToolTipRole && d.late())
                    return heartbeatTip(d);
                if (role == Qt::ToolTipRole && d.leaseMs > 0) // its --lease, where known
                    return tr("Its lease: %1 s. Should it stop, what it delivers passes to another "
                              "engine that long after its last claim.")
                        .arg(d.leaseMs / 1000);
                if (role == Qt::UserRole)
                    return d.heartbeatAgeMs;
                return late(d, role);
            }};
}

DaemonsPage::DaemonColumn DaemonsPage::partitionsColumn()
{
    return {[] { return tr("Partitions"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (role == Qt::DisplayRole && d.allPartitions)
                    return tr("all"); // the one delivery lease of a SQLite store
                if (role == Qt::DisplayRole)
                    return d.partitions.isEmpty() ? tr("none")
                                                  : tr("%Ln: %1", nullptr, int(d.partitions.size()))
                                                        .arg(partitionsText(d, 6));
                if (role == Qt::ToolTipRole && !d.partitions.isEmpty())
                    return partitionsText(d);
                if (role == Qt::UserRole)
                    return d.allPartitions ? std::numeric_limits<int>::max() // every one
                                           : int(d.partitions.size());
                return late(d, role);
            }};
}

DaemonsPage::DaemonColumn DaemonsPage::deliveredColumn()
{
    return {[] { return tr("Delivered"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (d.fromLease && (role == Qt::DisplayRole || role == Qt::ToolTipRole))
                    return role == Qt::DisplayRole ? unknownCount()
                                                   : tr("Another process delivers from this store; "
                                                        "its counts are its own.");
                if (role == Qt::DisplayRole)
                    return d.startedAt
                               ? tr("%1 since %2")
                                     .arg(QLocale().toString(d.delivered), sinceText(d.startedAt))
                               : QLocale().toString(d.delivered);
                if (role == Qt::ToolTipRole && d.startedAt)
                    return tr("Delivered since this daemon started at %1; the count starts again "
                              "when it restarts.")
                        .arg(timeText(d.startedAt));
                if (role == Qt::TextAlignmentRole)
                    return int(Qt::AlignRight | Qt::AlignVCenter);
                return late(d, role);
            }};
}

DaemonsPage::DaemonColumn DaemonsPage::rateColumn()
{
    return {[] { return tr("Per second"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (role == Qt::DisplayRole)
                    return d.rateKnown() ? QLocale().toString(d.deliveriesPerSecond, 'f', 0)
                                         : unknownCount();
                if (role == Qt::ToolTipRole && !d.fromLease && !d.rateKnown())
                    return tr("Not heard from for %1, longer than a live daemon stays silent "
                              "(%2 s): the rate it last wrote is not known to hold now.")
                        .arg(ageText(d.heartbeatAgeMs))
                        .arg(DaemonStatus::RateFreshMs / 1000);
                if (role == Qt::TextAlignmentRole)
                    return int(Qt::AlignRight | Qt::AlignVCenter);
                return late(d, role);
            }};
}

DaemonsPage::DaemonColumn DaemonsPage::adminApiColumn()
{
    return {[] { return tr("Admin API"); },
            [](const DaemonStatus &d, int role) -> QVariant {
                if (role == Qt::DisplayRole)
                    return d.adminUrl;
                return late(d, role);
            }};
}

/// The table, its columns fitted to their rows, and Forget… for an admin.
void DaemonsPage::setUpView()
{
    m_view->setObjectName(QStringLiteral("daemonsTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    // Columns fit their rows when rows come or go, when a daemon's partitions move and when
    // its heartbeat goes late (the default 100 px cut daemon ids to "host:12…").
    m_fitter = new ColumnFitter(m_view);
    m_summary->setObjectName(QStringLiteral("daemonsSummary"));
    m_summary->setWordWrap(true);
    m_forget->setObjectName(QStringLiteral("forgetDaemon"));
    m_forget->setEnabled(false);
    connect(m_forget, &QPushButton::clicked, this, &DaemonsPage::forgetSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DaemonsPage::updateForget);
    gate(m_forget, Permission::Administer);
}

/// The summary and Forget… above the table.
void DaemonsPage::layOut()
{
    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_forget);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
}

void DaemonsPage::applySnapshot(const EngineSnapshot &) {}

void DaemonsPage::showEvent(QShowEvent *event)
{
    refresh();
    m_timer->start();
    Page::showEvent(event);
}

void DaemonsPage::hideEvent(QHideEvent *event)
{
    m_timer->stop();
    // What a forget did is said while the operator looks at it: shown again minutes later
    // (after the daemon or the console was restarted), it read as news.
    m_forgetResult.clear();
    updateSummary();
    Page::hideEvent(event);
}

void DaemonsPage::refresh()
{
    if (m_busy)
        return; // the last answer is still on its way
    m_busy = true;
    whenFinished(session()->daemons(), this, [this](const Result<QList<DaemonStatus>> &list) {
        m_busy = false;
        if (list) {
            m_error.clear();
            // Their words change width without rows coming or going: refit then too.
            const auto rowsReworded = [&] {
                const QList<DaemonStatus> &before = m_model->rows();
                if (before.size() != list->size())
                    return false; // rows come or go: the fitter sees that itself
                for (qsizetype i = 0; i < before.size(); ++i)
                    if (before.at(i).partitions != list->at(i).partitions ||
                        before.at(i).allPartitions != list->at(i).allPartitions ||
                        heartbeatWidth(before.at(i)) != heartbeatWidth(list->at(i)) ||
                        countsWidth(before.at(i)) != countsWidth(list->at(i)))
                        return true;
                return false;
            }();
            m_model->setRows(list.value());
            if (rowsReworded)
                m_fitter->schedule();
            updateForget(); // the selected daemon may have gone, or come back
        } else {
            // The last rows would look current with ages that no longer grow: not shown.
            m_error = errorMessage(list.error());
            m_model->setRows({});
        }
        updateSummary(); // only the summary: the rows changed through setRows
        updateConfirm();
        emit refreshed();
    });
}

void DaemonsPage::retranslate()
{
    m_model->retranslate();
    m_forget->setText(tr("Forget daemon…"));
    updateForget();
    updateSummary();
}

const DaemonStatus *DaemonsPage::selected() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.first().row() >= m_model->rows().size())
        return nullptr;
    return &m_model->rows().at(rows.first().row());
}

void DaemonsPage::updateForget()
{
    if (!allowed(Permission::Administer))
        return; // gate() keeps it disabled, with the role's reason
    // Only a gone daemon: a fresher one may be alive and would list itself again.
    const DaemonStatus *d = selected();
    const bool gone = d && !d->self && !d->fromLease && d->state() == DaemonState::Gone;
    m_forget->setEnabled(gone);
    m_forget->setToolTip(gone ? tr("Removes the row of %1 from the store.").arg(d->id)
                              : tr("Select a daemon that is gone (late, and its partition "
                                   "leases have lapsed) to forget it."));
}

void DaemonsPage::forgetSelected()
{
    const DaemonStatus *d = selected();
    if (!d)
        return;
    m_confirmId = d->id;
    m_confirm = new QMessageBox(QMessageBox::Warning, tr("Forget daemon"), QString(),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    m_confirm->setObjectName(QStringLiteral("confirmForget"));
    connect(m_confirm, &QMessageBox::accepted, this,
            [this, id = m_confirmId] { forgetConfirmed(id); });
    updateConfirm();
    m_confirm->open();
}

const DaemonStatus *DaemonsPage::rowOf(const QString &id) const
{
    for (const DaemonStatus &d : m_model->rows())
        if (d.id == id)
            return &d;
    return nullptr;
}

void DaemonsPage::updateConfirm()
{
    if (!m_confirm)
        return;
    if (!m_error.isEmpty()) {
        m_confirm->setText(tr("The daemons cannot be read now, so daemon %1 is not known to be "
                              "gone: %2")
                               .arg(m_confirmId, m_error));
        m_confirm->button(QMessageBox::Yes)->setEnabled(false);
        return;
    }
    const DaemonStatus *d = rowOf(m_confirmId);
    const bool gone = d && d->state() == DaemonState::Gone;
    // Its age as last read, growing while the operator reads the question (it stood still).
    m_confirm->setText(
        gone ? tr("Forget daemon %1, not heard from for %2? Its row is removed from the store; "
                  "if it runs again, it lists itself again.")
                   .arg(m_confirmId, ageText(d->heartbeatAgeMs))
        : d ? tr("Daemon %1 is heard from again (%2): it is not gone, so it is not forgotten.")
                  .arg(m_confirmId, heartbeatText(*d))
            : tr("Daemon %1 is no longer listed: there is nothing to forget.").arg(m_confirmId));
    m_confirm->button(QMessageBox::Yes)->setEnabled(gone);
}

void DaemonsPage::forgetConfirmed(const QString &id)
{
    // Yes pressed as the daemon came back, before the button was disabled: not forgotten.
    const DaemonStatus *d = rowOf(id);
    if (!m_error.isEmpty() || !d || d->state() != DaemonState::Gone) {
        m_forgetResult = tr("Daemon %1 not forgotten: it is not gone.").arg(id);
        updateSummary();
        return;
    }
    whenFinished(session()->forgetDaemon(id), this, [this, id](const Status &s) {
        m_forgetResult = s ? tr("Daemon %1 forgotten.").arg(id)
                           : tr("Daemon %1 not forgotten: %2").arg(id, errorText(s.error()));
        updateSummary();
        refresh();
    });
}

void DaemonsPage::updateSummary()
{
    if (!m_error.isEmpty()) {
        m_summary->setText(
            tr("Cannot read the daemons (their last state is not shown): %1").arg(m_error));
        return;
    }
    int late = 0;
    int gone = 0;
    for (const DaemonStatus &d : m_model->rows()) {
        late += d.state() == DaemonState::Late;
        gone += d.state() == DaemonState::Gone;
    }
    const int n = int(m_model->rows().size());
    QString text =
        late + gone > 0
            ? tr("%Ln engine(s) on this store; not heard from: %1 late, %2 gone.", nullptr, n)
                  .arg(countText(late), countText(gone))
            : tr("%Ln engine(s) on this store.", nullptr, n);
    if (!m_forgetResult.isEmpty())
        text += u'\n' + m_forgetResult;
    m_summary->setText(text);
}

} // namespace jobfirst::ui
