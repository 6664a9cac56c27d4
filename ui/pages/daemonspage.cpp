// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/daemonspage.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "widgets/columnfitter.h"

#include <QBrush>
#include <QHeaderView>
#include <QLabel>
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

} // namespace

DaemonsPage::DaemonsPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView(this)), m_summary(new QLabel(this)),
      m_timer(new QTimer(this))
{
    using Model = RecordTableModel<DaemonStatus>;
    const auto late = [](const DaemonStatus &d, int role) -> QVariant {
        if (role == Qt::BackgroundRole && d.late())
            return QBrush(QColor(0xfc, 0xf3, 0xcf));
        return {};
    };
    m_model = new Model(
        {{[] { return tr("Daemon"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
              if (role == Qt::DisplayRole) {
                  const QString id = d.id.isEmpty() ? tr("(not delivering)") : d.id;
                  return d.self ? tr("%1 (this one)").arg(id) : id;
              }
              if (role == Qt::ToolTipRole && !d.id.isEmpty())
                  return d.id; // the whole id, when the column cuts it
              return late(d, role);
          }},
         {[] { return tr("Heartbeat"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
              if (role == Qt::DisplayRole)
                  return d.late()               ? tr("%1 ago, late").arg(ageText(d.heartbeatAgeMs))
                         : d.heartbeatAgeMs > 0 ? tr("%1 ago").arg(ageText(d.heartbeatAgeMs))
                                                : tr("just now");
              if (role == Qt::ToolTipRole && d.leaseMs > 0) // its --lease, where known
                  return tr("Its lease: %1 s. Should it stop, what it delivers passes to another "
                            "engine that long after its last claim.")
                      .arg(d.leaseMs / 1000);
              if (role == Qt::UserRole)
                  return d.heartbeatAgeMs;
              return late(d, role);
          }},
         {[] { return tr("Partitions"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
              if (role == Qt::DisplayRole && d.fromLease)
                  return tr("all"); // the one delivery lease of a SQLite store
              if (role == Qt::DisplayRole)
                  return d.partitions.isEmpty() ? tr("none")
                                                : tr("%Ln: %1", nullptr, int(d.partitions.size()))
                                                      .arg(partitionsText(d, 6));
              if (role == Qt::ToolTipRole && !d.partitions.isEmpty())
                  return partitionsText(d);
              if (role == Qt::UserRole)
                  return d.fromLease ? std::numeric_limits<int>::max() // every one
                                     : int(d.partitions.size());
              return late(d, role);
          }},
         {[] { return tr("Delivered"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
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
          }},
         {[] { return tr("Per second"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
              if (role == Qt::DisplayRole)
                  return d.rateKnown() ? QLocale().toString(d.deliveriesPerSecond, 'f', 0)
                                       : unknownCount();
              if (role == Qt::ToolTipRole && !d.fromLease && d.late())
                  return tr("Its heartbeat is late: it is not known to deliver now.");
              if (role == Qt::TextAlignmentRole)
                  return int(Qt::AlignRight | Qt::AlignVCenter);
              return late(d, role);
          }},
         {[] { return tr("Admin API"); },
          [late](const DaemonStatus &d, int role) -> QVariant {
              if (role == Qt::DisplayRole)
                  return d.adminUrl;
              return late(d, role);
          }}},
        [](const DaemonStatus &d) { return d.id; }, this);
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
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &DaemonsPage::refresh);
    retranslate();
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
                        before.at(i).late() != list->at(i).late() ||
                        countsWidth(before.at(i)) != countsWidth(list->at(i)))
                        return true;
                return false;
            }();
            m_model->setRows(list.value());
            if (rowsReworded)
                m_fitter->schedule();
        } else {
            // The last rows would look current with ages that no longer grow: not shown.
            m_error = list.error().message;
            m_model->setRows({});
        }
        updateSummary(); // only the summary: the rows changed through setRows
        emit refreshed();
    });
}

void DaemonsPage::retranslate()
{
    m_model->retranslate();
    updateSummary();
}

void DaemonsPage::updateSummary()
{
    if (!m_error.isEmpty()) {
        m_summary->setText(
            tr("Cannot read the daemons (their last state is not shown): %1").arg(m_error));
        return;
    }
    int late = 0;
    for (const DaemonStatus &d : m_model->rows())
        if (d.late())
            ++late;
    const int n = int(m_model->rows().size());
    m_summary->setText(
        late > 0 ? tr("%Ln engine(s) on this store; %1 with a late heartbeat.", nullptr, n)
                       .arg(countText(late))
                 : tr("%Ln engine(s) on this store.", nullptr, n));
}

} // namespace jobfirst::ui
