// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/requestwindow.h"

#include <algorithm>

namespace jobfirst {

namespace {
constexpr int Buckets = 60;
}

RequestWindow::RequestWindow(qint64 windowMs)
{
    setWindowMs(windowMs);
}

void RequestWindow::setWindowMs(qint64 windowMs)
{
    m_windowMs = std::max<qint64>(Buckets, windowMs);
    m_bucketMs = m_windowMs / Buckets;
    m_buckets.assign(Buckets, Bucket{});
}

void RequestWindow::record(qint64 nowMs, bool ok, double latencyMs)
{
    const qint64 slot = nowMs / m_bucketMs;
    Bucket &b = m_buckets[std::size_t(slot % Buckets)];
    if (b.slot != slot)
        b = Bucket{slot, {}};
    ++b.totals.requests;
    if (ok)
        b.totals.latencySumMs += latencyMs;
    else
        ++b.totals.failed;
}

RequestWindow::Totals RequestWindow::totals(qint64 nowMs) const
{
    const qint64 slot = nowMs / m_bucketMs;
    Totals t;
    for (const Bucket &b : m_buckets) {
        if (b.slot <= slot - Buckets || b.slot > slot)
            continue;
        t.requests += b.totals.requests;
        t.failed += b.totals.failed;
        t.latencySumMs += b.totals.latencySumMs;
    }
    return t;
}

} // namespace jobfirst
