// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliveryflight.h"
#include "sync/deliveryoutcome.h"
#include "sync/httpdeliveryclient.h"
#include "sync/retrypolicy.h"
#include "sync/targetruntime.h"

#include <QString>

#include <random>
#include <vector>

namespace jobfirst {

/// Judges how a request ended: an outcome per row it carried (done, retry at a backed-off
/// time, dead letter, or held after 410 Gone), and what it means for the target: its circuit
/// breaker opens after repeated retryable failures and closes on a success; 410 disables it.
/// A timeout that ran out while this process was stopped (StallWatch) says nothing of the
/// target: it is tried again at once without using up an attempt, and it neither counts
/// toward nor opens the target's circuit.
class DeliverySettler final
{
public:
    static constexpr int BreakerThreshold = 5; ///< consecutive failures that open a circuit

    /// What changed for the target.
    struct Result
    {
        bool ok = false;             ///< answered 2xx
        bool reached = false;        ///< an HTTP answer came back (the receiver is up)
        bool circuitChanged = false; ///< see rt->circuit
        bool becameGone = false;     ///< first 410 from this target
        QString error;               ///< why it failed, "" when ok
    };

    explicit DeliverySettler(std::uint64_t seed = std::random_device{}()) : m_random(seed) {}

    /// Appends one outcome per row of `flight` to `outcomes`; for successes also the
    /// enqueue-to-acknowledged latency (ms) to `latencies`. `rt` is null when the target
    /// was removed meanwhile (its rows are still recorded). `acrossStall`: the request timed
    /// out while this process was stopped.
    Result settle(TargetRuntime *rt, const DeliveryFlight &flight, const HttpResult &r, qint64 now,
                  std::vector<DeliveryOutcome> &outcomes, std::vector<float> &latencies,
                  bool acrossStall = false);

private:
    /// How a request ended, as every row it carried is judged.
    struct Verdict
    {
        FailureKind kind;
        bool stalled; ///< timed out across a stall of this process
        bool ok;
        int maxRetries;
        qint64 retryIntervalMs;
    };
    DeliveryOutcome outcomeOf(const DeliveryFlight::Row &row, const QString &target,
                              const HttpResult &r, const QString &error, const Verdict &verdict,
                              qint64 now);
    void judgeCircuit(TargetRuntime &rt, FailureKind kind, qint64 now, Result &result);

    std::mt19937_64 m_random;
    std::uniform_real_distribution<double> m_unit{0.0, 1.0};
};

} // namespace jobfirst
