// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/deliverylease.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace jobfirst {

/// How a daemon's heartbeat stands: live, late (stopped, paused or cut off: its partitions are
/// still its own for a while) or gone (late, and its leases have lapsed: its partitions have
/// passed, or may pass, to the others; its row stays until it is forgotten or an hour has
/// passed).
enum class DaemonState { Live, Late, Gone };

/// One engine working on the store (issue 13): every jobfirstd sharing a PostgreSQL outbox
/// heartbeats a row (DaemonHeartbeat); with a SQLite store the one embedded engine.
struct DaemonStatus
{
    /// A heartbeat older than this is late: the daemon is stopped, paused or cut off.
    static constexpr qint64 LateMs = 5000;
    /// How often a delivering daemon on PostgreSQL writes its heartbeat (DaemonHeartbeat).
    static constexpr qint64 HeartbeatMs = 1000;
    /// A rate older than this is not a claim about now. A live daemon's heartbeat, as a view
    /// read once a heartbeat shows it, is up to two heartbeats old (one between its beats, one
    /// between the reads); one more heartbeat is slack for a beat that a busy machine runs
    /// late. Before, a SIGKILLed daemon's last rate stood until it was late (5 s).
    static constexpr qint64 RateFreshMs = 3 * HeartbeatMs;

    QString id;       ///< "host:pid:nonce", the holder name of its partition leases
    QString adminUrl; ///< its admin API ("" when it serves none)
    qint64 startedAt = 0;
    qint64 heartbeatAt = 0;    ///< ms since epoch, by the database server's clock
    qint64 heartbeatAgeMs = 0; ///< how old the heartbeat was when read
    qint64 delivered = 0;      ///< events delivered since it started
    double deliveriesPerSecond = 0;
    QList<int> partitions; ///< partitions whose lease it holds (PostgreSQL)
    /// How much longer the latest of its partition leases runs (PostgreSQL; 0 when none runs):
    /// read from the store, since daemons may run different --lease.
    qint64 leaseLeftMs = 0;
    bool self = false;     ///< the engine that answered
    /// Not known yet whether it delivers: its rate is not current, but its last heartbeat
    /// predates this engine's view coming back after the store was away (a daemon alive through
    /// the outage may not have reconnected yet), it was live when the view was lost, and the
    /// grace after the view came back (DaemonHeartbeat::ReturnGraceMs) has not passed. Such a
    /// daemon is neither counted as delivering nor absent: the count of daemons is not known.
    bool awaited = false;
    /// Its lease time (--lease), in ms: how long after its last claim its partitions (or the
    /// store's one delivery lease) pass on should it stop. 0 when not known.
    qint64 leaseMs = 0;
    /// Known only by the delivery lease of a SQLite store, which another process holds: it
    /// delivers every partition, heartbeatAt is its last renewal of the lease, and its counts
    /// and admin API are its own (not in the store: delivered and deliveriesPerSecond are 0).
    bool fromLease = false;
    /// It delivers from the whole store: it holds a SQLite store's one delivery lease (this
    /// engine, or one known by its lease), which covers everything; such a store has no
    /// partitions, so `partitions` is empty though nothing is left to others.
    bool allPartitions = false;

    /// Its heartbeat (or, known by its lease, its last renewal, a third of its lease time
    /// apart) is too old.
    bool late() const { return heartbeatAgeMs > LateMs + (fromLease ? renewalMs() : 0); }
    /// How far apart the renewals of a lease holder known by its lease come.
    qint64 renewalMs() const { return (leaseMs > 0 ? leaseMs : DeliveryLease::DefaultTtlMs) / 3; }
    /// deliveriesPerSecond is a current rate: its heartbeat is no older than a live daemon's
    /// (RateFreshMs). An older one's is the last it wrote, which a SIGKILLed daemon keeps for as
    /// long as its row stays; one known by its lease has none.
    bool rateKnown() const { return !fromLease && heartbeatAgeMs <= RateFreshMs; }
    DaemonState state() const;
    /// "live", "late" or "gone", as the API and jobfirstctl say it.
    static QString stateName(DaemonState state);
    /// The partitions as sorted runs, each "first<dash>last" or one number: 20 partitions
    /// one by one made a column far wider than the words around it.
    QStringList partitionRuns(QChar dash) const;
};

} // namespace jobfirst
