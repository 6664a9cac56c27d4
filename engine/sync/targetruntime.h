// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliverytarget.h"
#include "sync/pendingdelivery.h"
#include "sync/syncstats.h"

#include <QByteArray>
#include <QSet>
#include <QString>

#include <deque>

namespace jobfirst {

/// What the delivery engine knows of one target while it runs: its settings, the rows read
/// ahead, what is in flight, and its circuit breaker and rate limit. Owned by the delivery
/// thread; the scheduler, settler and outcome recorder change it.
struct TargetRuntime
{
    DeliveryTarget config;
    QByteArray signingKey; ///< decoded once from config.secret; empty: requests are not signed

    // Read-ahead: pending rows in id order, read once through a cursor instead of re-reading
    // the head of the queue (and the rows in flight) on every turn.
    std::deque<PendingDelivery> ready;
    qint64 cursor = 0;   ///< highest id read into `ready`
    bool rescan = true;  ///< re-read from the start: rows behind the cursor changed
    qint64 rescanAt = 0; ///< a waiting row falls due then: re-read it fresh
    qint64 nextDue = 0;  ///< earliest not-yet-due row (or circuit/rate wait) seen last time
    qint64 drainedAt = -1; ///< store data_version when a read found nothing more past the cursor

    int inFlight = 0;
    int shownInFlight = -1; ///< inFlight as last published in the target's status
    QSet<qint64> busyRows;   ///< in flight or awaiting commit: skipped when read again
    QSet<QString> busyUsers; ///< one delivery per user at a time, in order

    int consecutiveFailures = 0;
    CircuitState circuit = CircuitState::Closed;
    qint64 openUntil = 0;
    int opens = 0;

    double tokens = 1;
    qint64 tokensAt = 0;
    bool gone = false; ///< answered 410: waits for an operator
    bool tried = false; ///< a delivery to it settled since the engine started

    bool sendable() const { return config.enabled && !config.paused && !config.held && !gone; }
};

} // namespace jobfirst
