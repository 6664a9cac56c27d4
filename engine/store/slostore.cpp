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

SloStore::SloStore(ClusterStateStore *state) : m_state(state) {}

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
    auto summary = m_state->latestConsistency(now - Day, now);
    if (!summary)
        return summary.error();
    in.ledgerRecords = summary->ledgerRecords;
    in.consistentRecords = summary->consistentRecords;
    in.targetsChecked = summary->targetsChecked;
    return {};
}

Status SloStore::recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords,
                                   qint64 consistentRecords)
{
    return m_state->recordConsistency(at, target, ledgerRecords, consistentRecords);
}

} // namespace jobfirst
