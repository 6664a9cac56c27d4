// SPDX-License-Identifier: GPL-3.0-or-later
#include "auththrottle.h"

#include <algorithm>

namespace jobfirst {

int AuthThrottle::failed(const QHostAddress &peer, qint64 nowMs)
{
    if (m_failures.size() > 100000)
        m_failures.clear(); // a flood of addresses must not grow memory without bound
    Failures &f = m_failures[peer.toString()];
    if (nowMs - f.firstAt > WindowMs)
        f = Failures{0, nowMs};
    ++f.count;
    return delayFor(peer, nowMs);
}

void AuthThrottle::succeeded(const QHostAddress &peer)
{
    m_failures.remove(peer.toString());
}

int AuthThrottle::delayFor(const QHostAddress &peer, qint64 nowMs) const
{
    const auto it = m_failures.constFind(peer.toString());
    if (it == m_failures.cend() || nowMs - it->firstAt > WindowMs || it->count <= FreeFailures)
        return 0;
    const int excess = std::min(it->count - FreeFailures, 16);
    return std::min(MaxDelayMs, 100 << (excess - 1));
}

} // namespace jobfirst
