// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/histogram.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <memory>

namespace jobfirst {

/// Figures the engine keeps only for monitoring (what snapshots do not already carry):
/// health-check durations and counts, delivery latencies by target, the last consistency
/// ratio by target. Recording is thread-safe.
class EngineMetrics final
{
public:
    EngineMetrics();

    void recordCheck(const QString &nodeId, bool ok, double latencyMs);
    void recordDelivery(const QString &target, double latencyMs);
    void recordConsistency(const QString &target, double ratio);
    void forgetNode(const QString &nodeId);

    struct NodeChecks
    {
        unsigned long long checks = 0;
        unsigned long long failures = 0;
    };
    Histogram::Snapshot checkDuration() const { return m_checkDuration.snapshot(); }
    QHash<QString, NodeChecks> nodeChecks() const;
    QHash<QString, Histogram::Snapshot> deliveryLatency() const;
    QHash<QString, double> consistency() const;

private:
    Histogram m_checkDuration;
    mutable QMutex m_mutex;
    QHash<QString, NodeChecks> m_nodeChecks;
    QHash<QString, std::shared_ptr<Histogram>> m_deliveryLatency;
    QHash<QString, double> m_consistency;
};

} // namespace jobfirst
