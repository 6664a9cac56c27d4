// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <memory>
#include <vector>

namespace jobfirst {

/// A Prometheus-style cumulative histogram: fixed upper bounds in seconds, one counter per
/// bucket, a count and a sum. observe() is lock-free and safe from any thread.
class Histogram final
{
public:
    /// Upper bounds in seconds, increasing; +Inf is implied.
    explicit Histogram(std::vector<double> bounds);
    /// Bounds suited to latencies from 1 ms to 30 s.
    static std::vector<double> latencyBounds();

    void observe(double seconds);

    struct Snapshot
    {
        std::vector<double> bounds;
        std::vector<unsigned long long> cumulative; ///< per bound, then +Inf (== count)
        unsigned long long count = 0;
        double sum = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> m_bounds;
    std::unique_ptr<std::atomic<unsigned long long>[]> m_buckets; ///< non-cumulative, + one for +Inf
    std::atomic<unsigned long long> m_count{0};
    std::atomic<double> m_sum{0};
};

} // namespace jobfirst
