// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "balance/strategy.h"
#include "core/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <atomic>
#include <functional>

namespace jobfirst {

/// A simulated node: how many requests it serves at once, how long one takes, how many wait.
struct SimNode
{
    QString id;
    int weight = 1;
    int capacity = 8;         ///< concurrent requests in service
    double latencyMs = 20;    ///< mean service time (exponentially distributed)
    int queueLimit = 64;      ///< requests that may wait; beyond it a request is rejected
};

struct SimulationParams
{
    QList<SimNode> nodes;
    double arrivalRate = 1000; ///< requests per second (Poisson arrivals)
    qint64 requests = 100000;
    quint64 seed = 1;
    int clients = 10000;       ///< distinct client addresses (ip-hash)
    QList<Strategy> strategies = allStrategies();

    Status validate() const;
};

struct StrategyOutcome
{
    Strategy strategy = Strategy::RoundRobin;
    QList<qint64> perNode;     ///< requests served per node, in SimulationParams::nodes order
    QList<qint64> queuedPerNode;
    QList<qint64> rejectedPerNode;
    double p50Ms = 0, p95Ms = 0, p99Ms = 0, meanMs = 0;
    qint64 served = 0, queued = 0, rejected = 0;
};

struct SimulationReport
{
    QList<StrategyOutcome> outcomes;
    qint64 simulatedRequests = 0;
    double wallSeconds = 0;
    bool cancelled = false;

    QJsonObject toJson(const SimulationParams &params) const;
};

/// Simulates each strategy over the same arrival sequence. Deterministic for a given seed.
/// Runs on the caller's thread; `progress` (0..1) is called now and then and may be empty;
/// `cancel` is polled.
class BalancingSimulator final
{
public:
    static Result<SimulationReport> run(const SimulationParams &params,
                                        const std::function<void(double)> &progress = {},
                                        const std::atomic_bool *cancel = nullptr);
};

} // namespace jobfirst
