// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/alertspage.h"

#include "widgets/columnfitter.h"

#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QTableView>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {

QColor severityColor(const Alert &a)
{
    if (a.resolved())
        return QColor(0x5d, 0x6d, 0x7e);
    switch (a.severity) {
    case Alert::Severity::Critical:
        return QColor(0xc0, 0x39, 0x2b);
    case Alert::Severity::Warning:
        return QColor(0xb9, 0x77, 0x0e);
    case Alert::Severity::Info:
        return QColor(0x1e, 0x84, 0x49);
    }
    return {};
}

} // namespace

AlertsPage::AlertsPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView), m_summary(new QLabel)
{
    using C = RecordTableModel<Alert>::Column;
    const auto cell = [](auto f) {
        return [f](const Alert &a, int role) -> QVariant {
            if (role == Qt::ForegroundRole)
                return QBrush(severityColor(a));
            if (role == Qt::ToolTipRole)
                return detailText(a); // the engine's own detail, for the curious
            return role == Qt::DisplayRole ? QVariant(f(a)) : QVariant();
        };
    };
    m_model = new RecordTableModel<Alert>(
        {
            C{[] { return tr("Severity"); },
              cell([](const Alert &a) { return severityText(a.severity); })},
            C{[] { return tr("Alert"); }, cell([](const Alert &a) { return alertText(a); })},
            C{[] { return tr("State"); }, cell([](const Alert &a) {
                  return !a.resolved() ? tr("ongoing")
                         : a.resolvedAt == ResolvedWhenNotKnown
                             ? tr("resolved (when is not known)")
                             : tr("resolved %1").arg(timeText(a.resolvedAt));
              })},
            C{[] { return tr("Times"); }, cell([](const Alert &a) { return countText(a.count); })},
            C{[] { return tr("First"); }, cell([](const Alert &a) { return timeText(a.at); })},
            C{[] { return tr("Last"); },
              cell([](const Alert &a) { return timeText(a.lastAt ? a.lastAt : a.at); })},
        },
        [](const Alert &a) { return QString::number(a.id); }, this);
    m_view->setObjectName(QStringLiteral("alertTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setWordWrap(false);
    // Columns fit the rows on screen when those change (ColumnFitter): ResizeToContents
    // measured all 500 rows on every change, even with the page hidden, 25-50 ms of each
    // Overview frame with ~1,000 nodes down. The alert takes the room left, and elides.
    new ColumnFitter(m_view);
    m_view->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_view->verticalHeader()->hide();
    m_summary->setObjectName(QStringLiteral("alertSummary"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    retranslate();
}

QString AlertsPage::title() const
{
    return m_open ? tr("Alerts (%1)").arg(countText(m_open)) : tr("Alerts");
}

void AlertsPage::retranslate()
{
    m_summary->setText(m_open ? tr("%Ln incident(s) open. Each incident is one row: raised once, "
                                   "counted while it lasts, resolved "
                                   "when its condition ends.",
                                   nullptr, m_open)
                              : tr("No incident is open. Each incident is one row: raised once, "
                                   "counted while it lasts, "
                                   "resolved when its condition ends."));
    m_model->retranslate();
    if (!m_rows.isEmpty())
        m_model->setRows(m_rows); // re-worded in the new language
}

QString AlertsPage::severityText(Alert::Severity s)
{
    switch (s) {
    case Alert::Severity::Critical:
        return tr("critical");
    case Alert::Severity::Warning:
        return tr("warning");
    case Alert::Severity::Info:
        return tr("info");
    }
    return {};
}

QString AlertsPage::alertText(const Alert &a)
{
    static const QRegularExpression backlog(
        QStringLiteral("^(\\d+) deliveries wait to be sent \\(threshold (\\d+)\\)$"));
    if (a.kind == u"node.down") {
        // A resolved incident's log line carries no reason: no dangling colon then.
        const QString reason = reasonText(a.message);
        return reason.isEmpty() ? tr("Node %1 is down").arg(a.subject)
                                : tr("Node %1 is down: %2").arg(a.subject, reason);
    }
    if (a.kind == u"node.failed")
        return tr("Node %1 failed (down longer than node_timeout)").arg(a.subject);
    if (a.kind == u"node.up")
        return tr("Node %1 is back up").arg(a.subject);
    if (a.kind == u"circuit.open")
        return tr("Deliveries to %1 keep failing: its circuit is open and its events wait")
            .arg(a.subject);
    if (a.kind == u"target.disabled")
        return tr("Target %1 was disabled").arg(a.subject);
    if (a.kind == u"target.dead_letters") {
        static const QRegularExpression dead(QStringLiteral("^(\\d+) dead letters for "));
        const auto m = dead.match(a.message);
        // A resolved incident's log line carries no figure.
        return m.hasMatch() ? tr("Target %1 has %Ln dead letter(s) waiting to be retried or "
                                 "discarded",
                                 nullptr, m.captured(1).toInt())
                                  .arg(a.subject)
                            : tr("Target %1 has dead letters waiting to be retried or discarded")
                                  .arg(a.subject);
    }
    if (a.kind == u"backlog") {
        const auto m = backlog.match(a.message);
        return m.hasMatch()
                   ? tr("Sync backlog passed its threshold: %1 deliveries wait to be sent, held ones "
                        "apart (threshold %2)")
                         .arg(countText(m.captured(1).toLongLong()),
                              countText(m.captured(2).toLongLong()))
                   : tr("Sync backlog passed its threshold");
    }
    if (a.kind == u"config")
        return tr("Config file %1 rejected; the running config is kept").arg(a.subject);
    if (a.kind.startsWith(QLatin1String("store.")))
        return tr("Store %1 needs attention (%2)").arg(a.subject, a.kind);
    return tr("%1 (%2)").arg(a.kind, a.subject);
}

QString AlertsPage::detailText(const Alert &a)
{
    if (a.kind == u"node.down" || a.kind == u"node.failed" || a.kind == u"node.up") {
        // "<reason> (down since <time>)" when raised for a node found down at start.
        static const QRegularExpression since(
            QStringLiteral("^(.*) \\((down|failed) since (\\S+)\\)$"));
        const auto m = since.match(a.message);
        if (!m.hasMatch())
            return reasonText(a.message);
        return tr("%1 (%2 since %3)")
            .arg(reasonText(m.captured(1)),
                 healthText(m.captured(2) == u"down" ? HealthState::Down : HealthState::Failed),
                 m.captured(3));
    }
    if (a.kind.startsWith(QLatin1String("store.")))
        return errorText(Error{a.kind, a.message});
    // A config file or version that could not be used: the kind of error from its code.
    return errorText(Error{a.code, a.message});
}

void AlertsPage::sortRows()
{
    // Open incidents first, newest first within each group.
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const Alert &a, const Alert &b) {
        if (a.resolved() != b.resolved())
            return !a.resolved();
        return a.id > b.id;
    });
    while (m_rows.size() > MaxRows)
        m_rows.removeLast();
}

void AlertsPage::applySnapshot(const EngineSnapshot &s)
{
    bool changed = false;
    // Open incidents as the engine has them now (a console attached late sees them too),
    // then what changed since the last snapshot (counted again, resolved).
    QList<Alert> updates = s.openAlerts;
    updates += s.alerts;
    for (const Alert &a : std::as_const(updates)) {
        auto it = std::find_if(m_rows.begin(), m_rows.end(),
                               [&](const Alert &r) { return r.id == a.id; });
        if (it == m_rows.end()) {
            m_rows << a;
            changed = true;
        } else if (it->count != a.count || it->resolvedAt != a.resolvedAt ||
                   it->lastAt != a.lastAt || it->message != a.message) {
            // A resolution is final even if an older copy of the incident comes after it.
            if (!it->resolved() || a.resolved()) {
                *it = a;
                changed = true;
            }
        }
    }
    // Incidents this console believes open but the engine no longer lists are over: the
    // engine keeps its open incidents across its restarts, so its list is complete. When they
    // ended went by while this console was not attached (or was behind): it is not known,
    // and not guessed (ResolvedWhenNotKnown).
    QSet<qint64> open;
    for (const Alert &a : s.openAlerts)
        open.insert(a.id);
    for (Alert &r : m_rows)
        if (!r.resolved() && !open.contains(r.id)) {
            r.resolvedAt = ResolvedWhenNotKnown;
            changed = true;
        }
    if (!changed)
        return;
    sortRows();
    const int before = m_open;
    m_open = int(open.size());
    m_model->setRows(m_rows);
    if (before != m_open)
        retranslate();
}

} // namespace jobfirst::ui
