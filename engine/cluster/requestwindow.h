// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <vector>

namespace jobfirst {

/// Requests, failures and latency over the most recent stretch of time (a sliding window
/// kept in 60 buckets, so it slides in steps of a sixtieth of its length).
class RequestWindow final
{
public:
    struct Totals
    {
        qint64 requests = 0;
        qint64 failed = 0;
        double latencySumMs = 0; ///< of the successful requests
    };

    explicit RequestWindow(qint64 windowMs = 5 * 60 * 1000);

    /// Changes the length and forgets what was counted.
    void setWindowMs(qint64 windowMs);
    qint64 windowMs() const { return m_windowMs; }
    void record(qint64 nowMs, bool ok, double latencyMs);
    /// What was recorded in the window that ends at `nowMs`.
    Totals totals(qint64 nowMs) const;

private:
    struct Bucket
    {
        qint64 slot = -1; ///< now / bucket length when it was filled
        Totals totals;
    };

    qint64 m_windowMs = 0;
    qint64 m_bucketMs = 1;
    std::vector<Bucket> m_buckets;
};

} // namespace jobfirst
