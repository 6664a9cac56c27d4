// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/claimafteroutage.h"

#include "store/connectbackoff.h"

namespace jobfirst {

void ClaimAfterOutage::beforeClaim(qint64 now, qint64 ttlMs)
{
    if (ttlMs <= 0)
        return; // giving the share up: nothing is taken
    // A claim failed since the last one went through: the others' shares may have lapsed
    // meanwhile, through no fault of theirs. Extended at each try until one goes through. (A
    // claim that merely comes late, with none failing, is no sign of an outage: a daemon
    // whose share lapsed while this one was paused stopped claiming by itself, and its
    // partitions are taken at once, as before.)
    if (m_lastClaimAt > 0 && m_unanswered) {
        m_outageFrom = m_lastClaimAt;
        m_graceUntil = now + ttlMs + ConnectBackoff::MaxMs;
    }
    m_unanswered = true;
}

void ClaimAfterOutage::claimed(qint64 now)
{
    m_lastClaimAt = now;
    m_unanswered = false;
}

bool ClaimAfterOutage::countsAlive(qint64 until, qint64 now) const
{
    return until > now || (now < m_graceUntil && until > m_outageFrom);
}

} // namespace jobfirst
