// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/statereports.h"

#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <algorithm>
#include <limits>

namespace jobfirst::StateReports {

namespace {

// Health transitions and audited actions in the log's shape, with their fields as columns
// (a, b, c, n): the JSON is built here, not in SQL, whose JSON functions differ by dialect.
const char *const Lines =
    "SELECT 'health' AS source, id, ts,"
    " CASE to_state WHEN 'up' THEN 'info' WHEN 'failed' THEN 'error' ELSE 'warning' END AS level,"
    " 'health' AS component, 'health.' || to_state AS kind, node_id AS node, '' AS target,"
    " 'node ' || node_id || ' ' || from_state || ' -> ' || to_state || ': ' || reason AS message,"
    " from_state AS a, to_state AS b, reason AS c, latency_ms AS n FROM health_events"
    " UNION ALL"
    " SELECT 'audit', id, ts, CASE WHEN action LIKE 'refused:%' THEN 'warning' ELSE 'info' END,"
    " 'audit', 'audit.' || action, CASE WHEN action LIKE 'node.%' THEN subject ELSE '' END,"
    " CASE WHEN action LIKE 'target.%' OR action LIKE 'dlq.%' THEN subject ELSE '' END,"
    " actor || ' ' || action || ' ' || subject, actor, action, subject, 0 FROM audit";

/// The first delivery id created at or after `since` (ids grow with time), found by bisection
/// on the primary key: a bound that keeps the latency query to the window of a large table.
Result<qint64> firstDeliveryAfter(QSqlQuery &q, qint64 since, const QueryFailed &failed)
{
    if (!q.exec(QStringLiteral("SELECT MIN(id), MAX(id) FROM deliveries")) || !q.next())
        return failed(QStringLiteral("read deliveries"), q);
    qint64 lo = q.value(0).toLongLong(), hi = q.value(1).toLongLong() + 1;
    q.finish();
    q.prepare(
        QStringLiteral("SELECT created_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1"));
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        q.addBindValue(mid);
        if (!q.exec())
            return failed(QStringLiteral("read deliveries"), q);
        const bool before = q.next() && q.value(0).toLongLong() < since;
        q.finish();
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/// The targets with deliveries waiting, each found by the partial index on pending rows.
Result<QStringList> targetsWaiting(QSqlQuery &q, const QueryFailed &failed)
{
    QStringList targets;
    const QString first =
        QStringLiteral("SELECT MIN(target) FROM deliveries WHERE state = 'pending'");
    // A null QString would bind as NULL, and "target > NULL" matches nothing.
    for (bool next = false;; next = true) {
        q.prepare(next ? first + QStringLiteral(" AND target > ?") : first);
        if (next)
            q.addBindValue(targets.last());
        if (!q.exec() || !q.next())
            return failed(QStringLiteral("read waiting targets"), q);
        if (q.isNull(0))
            return targets;
        targets << q.value(0).toString();
        q.finish();
    }
}

/// Appends how long the oldest real-time deliveries still waiting have waited by `to`, at
/// most `perTarget` a target (the oldest: the tail a p99 reads).
Status appendWaitingAges(QSqlQuery &q, qint64 to, int perTarget, QList<qint64> &ages,
                         const QueryFailed &failed)
{
    auto targets = targetsWaiting(q, failed);
    if (!targets)
        return targets.error();
    q.prepare(QStringLiteral("SELECT created_at, mode, event_count FROM deliveries WHERE state ="
                             " 'pending' AND target = ? ORDER BY id LIMIT ?"));
    for (const QString &target : std::as_const(targets.value())) {
        q.addBindValue(target);
        q.addBindValue(perTarget);
        if (!q.exec())
            return failed(QStringLiteral("read waiting deliveries"), q);
        while (q.next()) {
            const qint64 created = q.value(0).toLongLong();
            if (q.value(1).toString() == QLatin1String("real-time") && q.value(2).toInt() == 1 &&
                created <= to)
                ages << to - created;
        }
    }
    return {};
}

} // namespace

QString levelRankSql()
{
    return QStringLiteral(
        "(CASE level WHEN 'debug' THEN 0 WHEN 'info' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END)");
}

Result<QList<NodeHistory>> nodeHistories(QSqlQuery &q, qint64 from, qint64 to,
                                         const QueryFailed &failed)
{
    QList<NodeHistory> nodes;
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT id, created_at FROM nodes ORDER BY id")))
        return failed(QStringLiteral("read nodes"), q);
    QHash<QString, int> index;
    while (q.next()) {
        index.insert(q.value(0).toString(), int(nodes.size()));
        nodes << NodeHistory{q.value(0).toString(), q.value(1).toLongLong(), {}};
    }
    // The state each node was in when the window opened (its last event before, in the order
    // events were recorded), then every change since.
    const QString sql[] = {
        QStringLiteral("SELECT node_id, ts, to_state, last_ok_at FROM health_events WHERE id IN"
                       " (SELECT MAX(id) FROM health_events WHERE ts < ? GROUP BY node_id)"
                       " ORDER BY id"),
        QStringLiteral("SELECT node_id, ts, to_state, last_ok_at FROM health_events"
                       " WHERE ts >= ? AND ts <= ? ORDER BY id")};
    for (int part = 0; part < 2; ++part) {
        q.prepare(sql[part]);
        q.addBindValue(from);
        if (part == 1)
            q.addBindValue(to);
        if (!q.exec())
            return failed(QStringLiteral("read health history"), q);
        while (q.next()) {
            const auto it = index.constFind(q.value(0).toString());
            if (it != index.cend())
                nodes[*it].changes << NodeHistory::Change{
                    q.value(1).toLongLong(), q.value(2).toString(), q.value(3).toLongLong()};
        }
    }
    return nodes;
}

Result<QList<LogEntry>> logLines(QSqlQuery &q, const LogQuery &query, const QueryFailed &failed)
{
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT source, id, ts, level, component, kind, node, target, message,"
                             " a, b, c, n FROM (%1) AS lines WHERE %2 >= ?"
                             " AND (? = '' OR node = ?) AND (? = '' OR target = ?)"
                             " AND (? = '' OR LOWER(message) LIKE LOWER(?) OR LOWER(kind) LIKE"
                             " LOWER(?) OR LOWER(component) LIKE LOWER(?))"
                             " AND ts >= ? AND ts <= ?"
                             " ORDER BY ts DESC, source, id DESC LIMIT ?")
                  .arg(QLatin1String(Lines), levelRankSql()));
    const QString text = query.text.isNull() ? QStringLiteral("") : query.text;
    const QString like = u'%' + text + u'%';
    const QString node = query.node.isNull() ? QStringLiteral("") : query.node;
    const QString target = query.target.isNull() ? QStringLiteral("") : query.target;
    q.addBindValue(std::max(0, logLevelRank(query.minLevel)));
    q.addBindValue(node);
    q.addBindValue(node);
    q.addBindValue(target);
    q.addBindValue(target);
    q.addBindValue(text);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(query.since);
    q.addBindValue(query.until ? query.until : std::numeric_limits<qint64>::max());
    q.addBindValue(std::clamp(query.limit, 1, 100000));
    if (!q.exec())
        return failed(QStringLiteral("read the health and audit log"), q);
    QList<LogEntry> entries;
    while (q.next()) {
        LogEntry e;
        e.source = q.value(0).toString();
        e.id = q.value(1).toLongLong();
        e.at = q.value(2).toLongLong();
        e.level = q.value(3).toString();
        e.component = q.value(4).toString();
        e.kind = q.value(5).toString();
        e.node = q.value(6).toString();
        e.target = q.value(7).toString();
        e.message = q.value(8).toString();
        if (e.source == QLatin1String("health"))
            e.fields = {{QStringLiteral("from"), q.value(9).toString()},
                        {QStringLiteral("to"), q.value(10).toString()},
                        {QStringLiteral("reason"), q.value(11).toString()},
                        {QStringLiteral("latency_ms"), q.value(12).toDouble()}};
        else
            e.fields = {{QStringLiteral("actor"), q.value(9).toString()},
                        {QStringLiteral("action"), q.value(10).toString()},
                        {QStringLiteral("subject"), q.value(11).toString()}};
        entries << e;
    }
    return entries;
}

Result<QList<qint64>> realTimeLatencies(QSqlQuery &q, qint64 from, qint64 to, int limit,
                                        const QueryFailed &failed)
{
    // A row's created_at is its event's acceptance: rows acknowledged in the window were
    // created at most an hour before it opened, or they are listed below anyway (a bound
    // only, which the updated_at condition makes exact).
    constexpr qint64 Lookback = 3600000;
    auto first = firstDeliveryAfter(q, from - Lookback, failed);
    if (!first)
        return first.error();
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT updated_at - created_at FROM deliveries WHERE id >= ? AND"
                             " state = 'done' AND mode = 'real-time' AND event_count = 1 AND"
                             " updated_at >= ? AND updated_at <= ? ORDER BY id DESC LIMIT ?"));
    q.addBindValue(first.value());
    q.addBindValue(from);
    q.addBindValue(to);
    q.addBindValue(limit);
    if (!q.exec())
        return failed(QStringLiteral("read delivery latencies"), q);
    QList<qint64> latencies;
    while (q.next())
        latencies << q.value(0).toLongLong();
    // A delivery still waiting has waited at least this long: a target down for ten minutes
    // must not leave the figure at the few milliseconds of the deliveries that did arrive.
    if (Status s = appendWaitingAges(q, to, WaitingSamplesPerTarget, latencies, failed); !s)
        return s.error();
    return latencies;
}

Status recordConsistency(QSqlQuery &q, qint64 at, const QString &target, qint64 ledgerRecords,
                         qint64 consistentRecords, const QueryFailed &failed)
{
    q.prepare(QStringLiteral("INSERT INTO consistency_checks(ts, target, ledger_records,"
                             " consistent_records) VALUES (?, ?, ?, ?)"));
    q.addBindValue(at);
    q.addBindValue(target);
    q.addBindValue(ledgerRecords);
    q.addBindValue(consistentRecords);
    if (!q.exec())
        return failed(QStringLiteral("record a consistency check"), q);
    return {};
}

Result<ConsistencySummary> latestConsistency(QSqlQuery &q, qint64 from, qint64 to,
                                             const QueryFailed &failed)
{
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT c.ledger_records, c.consistent_records FROM"
                             " consistency_checks c WHERE c.id = (SELECT MAX(id) FROM"
                             " consistency_checks d WHERE d.target = c.target AND d.ts >= ? AND"
                             " d.ts <= ?)"));
    q.addBindValue(from);
    q.addBindValue(to);
    if (!q.exec())
        return failed(QStringLiteral("read consistency checks"), q);
    ConsistencySummary summary;
    while (q.next()) {
        summary.ledgerRecords += q.value(0).toLongLong();
        summary.consistentRecords += q.value(1).toLongLong();
        ++summary.targetsChecked;
    }
    return summary;
}

} // namespace jobfirst::StateReports
