// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <algorithm>
#include <cmath>

namespace jobfirst {

/// What to do after a failed delivery attempt.
enum class FailureKind {
    Retry,         ///< 5xx, 408, 429, timeouts, connection errors: try again later
    Permanent,     ///< other 4xx: the receiver will never accept it; dead letter now
    TargetGone,    ///< 410: disable the target; its deliveries wait for an operator
};

inline FailureKind classifyFailure(int httpStatus)
{
    if (httpStatus == 410)
        return FailureKind::TargetGone;
    if (httpStatus >= 400 && httpStatus < 500 && httpStatus != 408 && httpStatus != 429)
        return FailureKind::Permanent;
    return FailureKind::Retry;
}

/// Delay before retry number `attempt` (1 = first retry): interval * 2^(attempt-1), stretched
/// by up to 25% of jitter (`unit` in [0,1)) so retries of many events do not arrive together,
/// capped at an hour; a receiver's Retry-After wins when it asks for longer.
inline qint64 retryDelayMs(qint64 intervalMs, int attempt, double unit, qint64 retryAfterSeconds = -1)
{
    const double base = double(intervalMs) * std::pow(2.0, std::clamp(attempt - 1, 0, 30));
    qint64 delay = qint64(std::min(base * (1.0 + 0.25 * unit), 3600000.0));
    if (retryAfterSeconds >= 0)
        delay = std::max(delay, std::min<qint64>(retryAfterSeconds * 1000, 3600000));
    return delay;
}

} // namespace jobfirst
