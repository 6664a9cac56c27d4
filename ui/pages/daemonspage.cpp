// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/daemonspage.h"

#include "api/enginesession.h"
#include "store/deliverylease.h"

#include <QBrush>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <limits>

namespace jobfirst::ui {

namespace {

QString partitionsText(const QList<int> &parts)
{
    QStringList text;
    for (int p : parts)
        text << QString::number(p);
    return text.join(QStringLiteral(", "));
}

/// A count this store does not know (another process's own).
QString unknownCount()
{
    return QStringLiteral("—");
}

} // namespace

DaemonsPage::DaemonsPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView(this)), m_summary(new QLabel(this)),
      m_timer(new QTimer(this))
{
    using Model = RecordTableModel<DaemonStatus>;
    const auto late = [](const DaemonStatus &d, int role) -> QVariant {
        if (role == Qt::BackgroundRole && isLate(d))
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
                  return isLate(d)              ? tr("%1 ago, late").arg(ageText(d.heartbeatAgeMs))
                         : d.heartbeatAgeMs > 0 ? tr("%1 ago").arg(ageText(d.heartbeatAgeMs))
                                                : tr("just now");
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
                                                : tr("%n: %1", nullptr, int(d.partitions.size()))
                                                      .arg(partitionsText(d.partitions));
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
                  return d.fromLease ? unknownCount()
                                     : QLocale().toString(d.deliveriesPerSecond, 'f', 0);
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
    m_summary->setObjectName(QStringLiteral("daemonsSummary"));
    m_summary->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &DaemonsPage::refresh);
    retranslate();
}

bool DaemonsPage::isLate(const DaemonStatus &daemon)
{
    return daemon.heartbeatAgeMs > LateMs + (daemon.fromLease ? DeliveryLease::RenewMs : 0);
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
    session()->daemons().then(this, [this](const Result<QList<DaemonStatus>> &list) {
        m_busy = false;
        if (list) {
            m_error.clear();
            m_model->setRows(list.value());
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
        if (isLate(d))
            ++late;
    const int n = int(m_model->rows().size());
    m_summary->setText(
        late > 0 ? tr("%n engine(s) on this store; %1 with a late heartbeat.", nullptr, n).arg(late)
                 : tr("%n engine(s) on this store.", nullptr, n));
}

} // namespace jobfirst::ui
