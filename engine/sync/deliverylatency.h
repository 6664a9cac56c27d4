// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace jobfirst {

/// Percentiles of recent enqueue-to-acknowledged latencies (ms), as the sync figures show them:
/// the value at index p * n of the sorted samples.
struct DeliveryLatency
{
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;

    /// From `samples`, which it reorders; all 0 when there are none. Each percentile is selected
    /// among the samples above the one before (at most half of them, then a twentieth), not
    /// among all of them again: the figures are read several times a second while deliveries
    /// run, and three selections over the whole window were a third of what reading them cost.
    static DeliveryLatency of(std::vector<float> &samples)
    {
        DeliveryLatency r;
        if (samples.empty())
            return r;
        const std::size_t n = samples.size();
        auto from = samples.begin();
        const std::pair<double, double *> wanted[] = {
            {0.50, &r.p50}, {0.95, &r.p95}, {0.99, &r.p99}};
        for (const auto &[p, out] : wanted) {
            const auto k =
                samples.begin() + std::ptrdiff_t(std::min(n - 1, std::size_t(p * double(n))));
            // Everything from `from` on is at least the percentile before; a k before `from` is
            // that percentile's own place (few samples), already selected.
            if (k >= from)
                std::nth_element(from, k, samples.end());
            *out = *k;
            from = std::max(from, k + 1);
        }
        return r;
    }
};

} // namespace jobfirst
