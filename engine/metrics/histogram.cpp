// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/histogram.h"

#include <algorithm>

namespace jobfirst {

Histogram::Histogram(std::vector<double> bounds)
    : m_bounds(std::move(bounds)), m_buckets(new std::atomic<unsigned long long>[m_bounds.size() + 1])
{
    for (std::size_t i = 0; i <= m_bounds.size(); ++i)
        m_buckets[i] = 0;
}

std::vector<double> Histogram::latencyBounds()
{
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

void Histogram::observe(double seconds)
{
    const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), seconds);
    m_buckets[std::size_t(it - m_bounds.begin())].fetch_add(1, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
    double sum = m_sum.load(std::memory_order_relaxed);
    while (!m_sum.compare_exchange_weak(sum, sum + seconds, std::memory_order_relaxed)) {
    }
}

Histogram::Snapshot Histogram::snapshot() const
{
    Snapshot s;
    s.bounds = m_bounds;
    unsigned long long running = 0;
    for (std::size_t i = 0; i <= m_bounds.size(); ++i) {
        running += m_buckets[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    // Read after the buckets: the count never says less than the buckets add up to.
    s.count = std::max(running, m_count.load(std::memory_order_relaxed));
    s.cumulative.back() = s.count;
    s.sum = m_sum.load(std::memory_order_relaxed);
    return s;
}

} // namespace jobfirst
