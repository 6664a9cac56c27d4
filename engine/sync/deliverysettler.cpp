// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliverysettler.h"

#include <algorithm>

namespace jobfirst {

DeliverySettler::Result DeliverySettler::settle(TargetRuntime *rt, const DeliveryFlight &flight,
                                                const HttpResult &r, qint64 now,
                                                std::vector<DeliveryOutcome> &outcomes,
                                                std::vector<float> &latencies,
                                                bool acrossStall)
{
    Result result;
    result.ok = r.status >= 200 && r.status < 300;
    result.reached = r.status != 0;
    const bool stalled = acrossStall && r.timedOut && !result.ok;
    if (!result.ok)
        result.error = r.status ? QStringLiteral("HTTP %1: %2")
                                      .arg(r.status)
                                      .arg(QString::fromUtf8(r.bodyHead.left(200)))
                                : QString::fromUtf8(r.error);
    if (stalled)
        result.error += QStringLiteral(" (while this process was stopped; tried again, not counted)");
    const Verdict verdict{result.ok ? FailureKind::Retry : classifyFailure(r.status), stalled,
                          result.ok, rt ? rt->config.maxRetries : 3,
                          rt ? rt->config.retryIntervalMs : 5000};
    for (const DeliveryFlight::Row &row : flight.rows) {
        DeliveryOutcome o = outcomeOf(row, flight.target, r, result.error, verdict, now);
        if (o.kind == DeliveryOutcome::Done)
            latencies.push_back(float(now - row.createdAt));
        outcomes.push_back(std::move(o));
    }
    if (rt && !stalled)
        judgeCircuit(*rt, verdict.kind, now, result);
    return result;
}

DeliveryOutcome DeliverySettler::outcomeOf(const DeliveryFlight::Row &row, const QString &target,
                                           const HttpResult &r, const QString &error,
                                           const Verdict &verdict, qint64 now)
{
    DeliveryOutcome o;
    o.id = row.id;
    o.target = target;
    o.user = row.user;
    o.eventId = row.eventId;
    o.version = row.version;
    o.count = row.count;
    o.attempts = row.attempts + 1;
    o.status = r.status;
    o.durationMs = r.durationMs;
    o.error = error;
    // Only failures keep the answer's start (in the attempt log); a success writes none.
    if (!verdict.ok)
        o.bodyHead = QString::fromUtf8(r.bodyHead.left(300));
    if (verdict.ok) {
        o.kind = DeliveryOutcome::Done;
    } else if (verdict.stalled) {
        // Cut short by this process's own pause: it says nothing of the receiver, so it does
        // not use up an attempt (a last attempt would have made it a dead letter).
        o.kind = DeliveryOutcome::Retry;
        o.attempts = row.attempts;
        o.nextAt = now;
    } else if (verdict.kind == FailureKind::TargetGone) {
        o.kind = DeliveryOutcome::Hold;
        o.attempts = row.attempts;
    } else if (verdict.kind == FailureKind::Permanent || o.attempts > verdict.maxRetries) {
        o.kind = DeliveryOutcome::Dead;
    } else {
        o.kind = DeliveryOutcome::Retry;
        o.nextAt = now + retryDelayMs(verdict.retryIntervalMs, o.attempts, m_unit(m_random),
                                      r.retryAfterSeconds);
    }
    return o;
}

void DeliverySettler::judgeCircuit(TargetRuntime &rt, FailureKind kind, qint64 now,
                                   Result &result)
{
    if (result.ok) {
        rt.consecutiveFailures = 0;
        if (rt.circuit != CircuitState::Closed) {
            rt.opens = 0;
            rt.circuit = CircuitState::Closed;
            result.circuitChanged = true;
        }
    } else if (kind == FailureKind::TargetGone) {
        // Parallel requests may answer 410 too: the transition is reported once.
        result.becameGone = !rt.gone;
        rt.gone = true;
    } else if (kind == FailureKind::Retry) {
        ++rt.consecutiveFailures;
        if (rt.circuit == CircuitState::HalfOpen || rt.consecutiveFailures >= BreakerThreshold) {
            ++rt.opens;
            const qint64 cooldown =
                std::min<qint64>(60000, std::max<qint64>(1000, rt.config.retryIntervalMs) *
                                            (qint64(1) << std::min(rt.opens - 1, 6)));
            rt.openUntil = now + cooldown;
            rt.circuit = CircuitState::Open;
            result.circuitChanged = true; // reported again when it stays open longer
        }
    }
}

} // namespace jobfirst
