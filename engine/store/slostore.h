// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "slo/slocalculator.h"

namespace jobfirst {

class ClusterStateStore;

/// Reads what the SLO figures are computed from, and records consistency check results, all in
/// the cluster state (PostgreSQL when daemons share one, else the engine's file): node health
/// history, real-time delivery latencies and consistency checks.
class SloStore final
{
public:
    /// At most this many recent real-time deliveries go into the latency percentile.
    static constexpr int MaxLatencySamples = 200000;

    /// `state`: the engine's SQLite file (`Store`), or the PostgreSQL state daemons share.
    explicit SloStore(ClusterStateStore *state);

    Result<SloInputs> load(qint64 now) const;
    Status recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords, qint64 consistentRecords);

private:
    Status loadNodes(qint64 now, SloInputs &in) const;
    Status loadLatencies(qint64 now, SloInputs &in) const;
    Status loadConsistency(qint64 now, SloInputs &in) const;

    ClusterStateStore *m_state;
};

} // namespace jobfirst
