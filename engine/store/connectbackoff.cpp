// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/connectbackoff.h"

#include <algorithm>

namespace jobfirst {

QString ConnectBackoff::waiting(qint64 now) const
{
    if (now >= m_retryAt)
        return {};
    return QStringLiteral("%1 (trying again in %2 ms)").arg(m_reason).arg(m_retryAt - now);
}

QString ConnectBackoff::failed(qint64 now, const QString &reason)
{
    m_waitMs = std::clamp(m_waitMs * 2, MinMs, MaxMs);
    m_retryAt = now + m_waitMs;
    m_reason = reason;
    return reason;
}

void ConnectBackoff::succeeded()
{
    m_waitMs = 0;
    m_retryAt = 0;
}

} // namespace jobfirst
