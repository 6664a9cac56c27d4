// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/slostore.h"

#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>

namespace jobfirst {

namespace {
constexpr qint64 Hour = 3600000;
constexpr qint64 Day = 24 * Hour;
constexpr qint64 Month = 30 * Day;
} // namespace

SloStore::SloStore(Store *store, const ClusterStateStore *state)
    : m_store(store), m_state(state ? state : store)
{
}

Result<SloInputs> SloStore::load(qint64 now) const
{
    SloInputs in;
    in.now = now;
    if (Status s = loadNodes(now, in); !s)
        return s.error();
    if (Status s = loadLatencies(now, in); !s)
        return s.error();
    if (Status s = loadConsistency(now, in); !s)
        return s.error();
    return in;
}

Status SloStore::loadNodes(qint64 now, SloInputs &in) const
{
    auto nodes = m_state->nodeHistories(now - Month, now);
    if (!nodes)
        return nodes.error();
    in.nodes = std::move(nodes).value();
    return {};
}

Result<qint64> SloStore::firstDeliveryAfter(qint64 since) const
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("SELECT MIN(id), MAX(id) FROM deliveries")) || !q.next())
        return storeError(m_store->path(), QStringLiteral("read deliveries"), q.lastError().text());
    qint64 lo = q.value(0).toLongLong(), hi = q.value(1).toLongLong() + 1;
    QSqlQuery probe(m_store->database());
    probe.prepare(QStringLiteral("SELECT created_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1"));
    while (lo < hi) {
        const qint64 mid = lo + (hi - lo) / 2;
        probe.addBindValue(mid);
        if (!probe.exec())
            return storeError(m_store->path(), QStringLiteral("read deliveries"), probe.lastError().text());
        const bool before = probe.next() && probe.value(0).toLongLong() < since;
        probe.finish();
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

Status SloStore::loadLatencies(qint64 now, SloInputs &in) const
{
    // Latency counts from the moment an event was accepted to its acknowledgement; near-real-
    // time and bulk rows wait on purpose and are not real-time deliveries.
    auto first = firstDeliveryAfter(now - 2 * Hour);
    if (!first)
        return first.error();
    QSqlQuery q(m_store->database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT updated_at - created_at FROM deliveries WHERE id >= ? AND state = 'done' AND mode = 'real-time'"
                             " AND event_count = 1 AND updated_at >= ? AND updated_at <= ? ORDER BY id DESC LIMIT ?"));
    q.addBindValue(first.value());
    q.addBindValue(now - Hour);
    q.addBindValue(now);
    q.addBindValue(MaxLatencySamples);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("read delivery latencies"), q.lastError().text());
    while (q.next())
        in.realTimeLatenciesMs << q.value(0).toLongLong();
    return {};
}

Status SloStore::loadConsistency(qint64 now, SloInputs &in) const
{
    QSqlQuery q(m_store->database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT c.ledger_records, c.consistent_records FROM consistency_checks c"
                             " WHERE c.id = (SELECT MAX(id) FROM consistency_checks d WHERE d.target = c.target AND d.ts >= ? AND d.ts <= ?)"));
    q.addBindValue(now - Day);
    q.addBindValue(now);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("read consistency checks"), q.lastError().text());
    while (q.next()) {
        in.ledgerRecords += q.value(0).toLongLong();
        in.consistentRecords += q.value(1).toLongLong();
        ++in.targetsChecked;
    }
    return {};
}

Status SloStore::recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords, qint64 consistentRecords)
{
    QSqlQuery q(m_store->database());
    q.prepare(QStringLiteral("INSERT INTO consistency_checks(ts, target, ledger_records, consistent_records) VALUES (?, ?, ?, ?)"));
    q.addBindValue(at);
    q.addBindValue(target);
    q.addBindValue(ledgerRecords);
    q.addBindValue(consistentRecords);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("record a consistency check"), q.lastError().text());
    return {};
}

} // namespace jobfirst
