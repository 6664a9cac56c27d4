// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/enginemetrics.h"

namespace jobfirst {

EngineMetrics::EngineMetrics() : m_checkDuration(Histogram::latencyBounds()) {}

void EngineMetrics::recordCheck(const QString &nodeId, bool ok, double latencyMs)
{
    m_checkDuration.observe(latencyMs / 1000.0);
    QMutexLocker lock(&m_mutex);
    NodeChecks &c = m_nodeChecks[nodeId];
    ++c.checks;
    c.failures += ok ? 0 : 1;
}

void EngineMetrics::recordDelivery(const QString &target, double latencyMs)
{
    std::shared_ptr<Histogram> h;
    {
        QMutexLocker lock(&m_mutex);
        auto &slot = m_deliveryLatency[target];
        if (!slot)
            slot = std::make_shared<Histogram>(Histogram::latencyBounds());
        h = slot;
    }
    h->observe(latencyMs / 1000.0);
}

void EngineMetrics::recordConsistency(const QString &target, double ratio)
{
    QMutexLocker lock(&m_mutex);
    m_consistency.insert(target, ratio);
}

void EngineMetrics::forgetNode(const QString &nodeId)
{
    QMutexLocker lock(&m_mutex);
    m_nodeChecks.remove(nodeId);
}

QHash<QString, EngineMetrics::NodeChecks> EngineMetrics::nodeChecks() const
{
    QMutexLocker lock(&m_mutex);
    return m_nodeChecks;
}

QHash<QString, Histogram::Snapshot> EngineMetrics::deliveryLatency() const
{
    QHash<QString, std::shared_ptr<Histogram>> copy;
    {
        QMutexLocker lock(&m_mutex);
        copy = m_deliveryLatency;
    }
    QHash<QString, Histogram::Snapshot> out;
    for (auto it = copy.cbegin(); it != copy.cend(); ++it)
        out.insert(it.key(), it.value()->snapshot());
    return out;
}

QHash<QString, double> EngineMetrics::consistency() const
{
    QMutexLocker lock(&m_mutex);
    return m_consistency;
}

} // namespace jobfirst
