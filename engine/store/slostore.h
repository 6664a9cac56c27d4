// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "slo/slocalculator.h"

namespace jobfirst {

class ClusterStateStore;
class Store;

/// Reads what the SLO figures are computed from, and records consistency check results: node
/// health history and real-time delivery latencies from the cluster state (PostgreSQL when
/// daemons share one, else the file), consistency checks from this engine's own file.
class SloStore final
{
public:
    /// At most this many recent real-time deliveries go into the latency percentile.
    static constexpr int MaxLatencySamples = 200000;

    /// `state` null: the cluster state is `store` (one engine on its SQLite file).
    explicit SloStore(Store *store, const ClusterStateStore *state = nullptr);

    Result<SloInputs> load(qint64 now) const;
    Status recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords, qint64 consistentRecords);

private:
    Status loadNodes(qint64 now, SloInputs &in) const;
    Status loadLatencies(qint64 now, SloInputs &in) const;
    Status loadConsistency(qint64 now, SloInputs &in) const;

    Store *m_store;
    const ClusterStateStore *m_state;
};

} // namespace jobfirst
