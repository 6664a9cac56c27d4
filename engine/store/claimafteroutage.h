// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace jobfirst {

/// Which daemons a partition claim counts as alive right after this daemon's claims failed for
/// a while (the store was away, or cut off from it). Each daemon's share lapses a lease
/// after its last claim, so after an outage longer than the lease every other daemon's share
/// has lapsed too, and the first to claim took every partition and gave half back a second
/// later, when the others claimed again. For a lease period after its first claim that went
/// through (plus the longest reconnect wait, ConnectBackoff::MaxMs, since the others try to
/// connect again only that long after the store returns), it counts as alive every daemon
/// whose share still ran at its own last claim before the outage: their shares lapsed while
/// nobody could renew them. One that died meanwhile has its partitions taken that much later.
class ClaimAfterOutage final
{
public:
    /// A claim for `ttlMs` (0: giving the share up) is about to be made at `now`.
    void beforeClaim(qint64 now, qint64 ttlMs);
    /// That claim went through.
    void claimed(qint64 now);
    /// Whether a daemon whose share runs until `until` counts as alive in a claim at `now`.
    bool countsAlive(qint64 until, qint64 now) const;

private:
    qint64 m_lastClaimAt = 0;  ///< when the last claim went through (0: none yet)
    bool m_unanswered = false; ///< a claim was tried since then and did not go through
    qint64 m_outageFrom = 0;   ///< the last claim before the latest outage
    qint64 m_graceUntil = 0;   ///< until when shares lapsed in the outage count as alive
};

} // namespace jobfirst
