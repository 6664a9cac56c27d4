// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliverysettler.h"

#include "sync/retrypolicy.h"

#include <algorithm>

namespace jobfirst {

DeliverySettler::Result DeliverySettler::settle(TargetRuntime *rt, const DeliveryFlight &flight,
                                                const HttpResult &r, qint64 now,
                                                std::vector<DeliveryOutcome> &outcomes,
                                                std::vector<float> &latencies)
{
    Result result;
    result.ok = r.status >= 200 && r.status < 300;
    result.reached = r.status != 0;
    if (!result.ok)
        result.error = r.status ? QStringLiteral("HTTP %1: %2")
                                      .arg(r.status)
                                      .arg(QString::fromUtf8(r.bodyHead.left(200)))
                                : QString::fromUtf8(r.error);
    const FailureKind kind = result.ok ? FailureKind::Retry : classifyFailure(r.status);
    // Only failures keep the answer's start (in the attempt log); a success writes none.
    const QString bodyHead = result.ok ? QString() : QString::fromUtf8(r.bodyHead.left(300));
    for (const DeliveryFlight::Row &row : flight.rows) {
        DeliveryOutcome o;
        o.id = row.id;
        o.target = flight.target;
        o.user = row.user;
        o.eventId = row.eventId;
        o.version = row.version;
        o.count = row.count;
        o.attempts = row.attempts + 1;
        o.status = r.status;
        o.durationMs = r.durationMs;
        o.error = result.error;
        o.bodyHead = bodyHead;
        if (result.ok) {
            o.kind = DeliveryOutcome::Done;
            latencies.push_back(float(now - row.createdAt));
        } else if (kind == FailureKind::TargetGone) {
            o.kind = DeliveryOutcome::Hold;
            o.attempts = row.attempts;
        } else if (kind == FailureKind::Permanent) {
            o.kind = DeliveryOutcome::Dead;
        } else {
            const int maxRetries = rt ? rt->config.maxRetries : 3;
            if (o.attempts > maxRetries) {
                o.kind = DeliveryOutcome::Dead;
            } else {
                o.kind = DeliveryOutcome::Retry;
                o.nextAt = now + retryDelayMs(rt ? rt->config.retryIntervalMs : 5000, o.attempts,
                                              m_unit(m_random), r.retryAfterSeconds);
            }
        }
        outcomes.push_back(std::move(o));
    }
    if (!rt)
        return result;
    if (result.ok) {
        rt->consecutiveFailures = 0;
        if (rt->circuit != CircuitState::Closed) {
            rt->opens = 0;
            rt->circuit = CircuitState::Closed;
            result.circuitChanged = true;
        }
    } else if (kind == FailureKind::TargetGone) {
        // Parallel requests may answer 410 too: the transition is reported once.
        result.becameGone = !rt->gone;
        rt->gone = true;
    } else if (kind == FailureKind::Retry) {
        ++rt->consecutiveFailures;
        if (rt->circuit == CircuitState::HalfOpen || rt->consecutiveFailures >= BreakerThreshold) {
            ++rt->opens;
            const qint64 cooldown =
                std::min<qint64>(60000, std::max<qint64>(1000, rt->config.retryIntervalMs) *
                                            (qint64(1) << std::min(rt->opens - 1, 6)));
            rt->openUntil = now + cooldown;
            rt->circuit = CircuitState::Open;
            result.circuitChanged = true; // reported again when it stays open longer
        }
    }
    return result;
}

} // namespace jobfirst
