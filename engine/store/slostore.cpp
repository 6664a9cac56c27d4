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

Status SloStore::loadLatencies(qint64 now, SloInputs &in) const
{
    // From the cluster state's database: with PostgreSQL, the deliveries of every daemon
    // (this process's own file has none then).
    auto latencies = m_state->realTimeLatencies(now - Hour, now, MaxLatencySamples);
    if (!latencies)
        return latencies.error();
    in.realTimeLatenciesMs = std::move(latencies).value();
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
