// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliverystandby.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

namespace jobfirst {

enum class CircuitState { Closed, Open, HalfOpen };
QString circuitStateName(CircuitState s);

/// One target's delivery state, as the console and `sync status` show it.
struct TargetStatus
{
    QString name;
    QString url;
    bool enabled = true;       ///< config says so and no 410 disabled it
    bool paused = false;       ///< an operator paused it
    bool held = false;         ///< a Basic Server node target whose node is down
    QString disabledReason;    ///< why it is disabled (410 Gone, operator)
    bool tlsInsecure = false;  ///< its certificate is not verified (tls_insecure): shown in red
    /// No signing secret (its `secret`, or `cluster_secret` for a node): sent unsigned.
    bool unsignedDeliveries = false;
    CircuitState circuit = CircuitState::Closed;
    qint64 nextProbeAt = 0;    ///< circuit open: when the half-open probe may go (ms since epoch); else 0
    qint64 backlog = 0;        ///< deliveries waiting
    qint64 oldestWaitingMs = 0; ///< age of the oldest waiting delivery
    qint64 success = 0;
    qint64 failed = 0;         ///< dead-lettered
    qint64 retries = 0;        ///< retries made (attempts beyond the first), not waiting ones
    qint64 deadLetters = 0;    ///< currently in the dead-letter queue
    int inFlight = 0;
    QString lastError;
    qint64 lastErrorAt = 0;
    /// A delivery to it was answered (or failed) since this engine started delivering. Until
    /// then its circuit is the closed one every engine starts with, which says nothing about
    /// the target (a reopened store's targets may have been down all along): not known.
    bool triedSinceStart = false;
    /// Only the delivering process knows the circuit, the requests in flight and the last
    /// error. Empty when this process delivers; else who does ("by another process, lease
    /// held by …"), and those fields are not known here (null in JSON, never a made-up
    /// "closed").
    QString deliveredElsewhere;

    /// The circuit, in-flight count and last error are this process's own, so true.
    bool liveStateKnown() const { return deliveredElsewhere.isEmpty(); }
    /// Its circuit says something about the target: this process delivers and has tried it.
    bool circuitKnown() const { return liveStateKnown() && triedSinceStart; }
    /// This process does not deliver (`deliveredBy` says who does): blanks what only the
    /// delivering process knows.
    void forgetLiveState(const QString &deliveredBy);

    /// Not delivered to at all now: its node down, paused or disabled (its backlog is held).
    bool holdsBacklog() const { return held || paused || !enabled; }

    QJsonObject toJson() const;
};

/// The plan's GetSyncStats shape plus queue and latency figures.
struct SyncStats
{
    qint64 totalSyncTasks = 0;
    qint64 completedSyncTasks = 0;
    qint64 failedSyncTasks = 0;
    qint64 retrySyncTasks = 0; ///< retries made, in all states: a count of the past
    /// Of queueDepth, the deliveries that failed and wait for their retry: what is scheduled
    /// now. Counted from the store's rows (storedStats) only; not known otherwise.
    qint64 retriesScheduled = 0;
    bool retriesScheduledKnown = false;
    qint64 queueDepth = 0;
    /// Of queueDepth, the deliveries no one is working on: their target's node is down, or
    /// the target is paused or disabled. They go when it is back, resumed or enabled.
    qint64 heldDeliveries = 0;
    qint64 oldestWaitingMs = 0;
    double latencyP50Ms = 0, latencyP95Ms = 0, latencyP99Ms = 0; ///< enqueue to acknowledged
    double deliveriesPerSecond = 0; ///< over the last second, by this engine
    /// The latency and deliveriesPerSecond are this engine's measure: it delivers. False when
    /// it does not (a one-shot jobfirstctl on a store that a console or jobfirstd delivers
    /// from): the delivering process measures them and the store keeps neither, so they are
    /// null in JSON, never a made-up 0.
    bool measuredHere = true;
    /// Daemons sharing a PostgreSQL store: how many deliver now (a heartbeat not late, this
    /// one included) and the sum of their rates, which is the cluster's. One daemon, or a
    /// SQLite store: 1 and deliveriesPerSecond (0 and 0 when this engine does not deliver).
    int liveDaemons = 0;
    double clusterDeliveriesPerSecond = 0;
    /// False while the daemons' view cannot be read (the store away, not answering for
    /// DaemonHeartbeat::StaleMs, or its first read after it came back not done yet), or while
    /// a daemon is awaited after it came back (DaemonStatus::awaited): liveDaemons and the
    /// cluster's rate then count this daemon and those heard from, which is not "one daemon
    /// left".
    bool liveDaemonsKnown = true;
    /// clusterDeliveriesPerSecond is known (with liveDaemonsKnown): false when a process that
    /// does not deliver reads a SQLite store that another one delivers from, as that one's
    /// rate is its own and not in the store.
    bool clusterRateKnown = true;
    /// This engine's name as a daemon ("host:pid:nonce"; "" when it does not deliver).
    QString daemonId;
    /// Who delivers: "" when this engine does (or does not deliver at all), else the holder
    /// of the store's delivery lease while this engine stands by.
    QString deliveryStandbyFor;
    /// Who delivers from the store, in words (the "delivery" of the JSON).
    QString delivery;

    /// Delivery stands by because the store failed its lease claim ("(store unavailable: …)",
    /// "(store: …)": PostgreSQL away), not for another holder: queueDepth and heldDeliveries
    /// are then the last counts read, not current ones.
    bool storeUnavailable() const { return deliveryStandbyFor.startsWith(QLatin1String("(store")); }
    /// Why delivery stands by, as a reason and who or what.
    DeliveryStandby standby() const { return DeliveryStandby::of(deliveryStandbyFor); }
    QList<TargetStatus> targets;
    /// When the targets' success, failed and retries counts began (ms since epoch): this
    /// engine's delivery start, as they are kept in memory and start again with the engine.
    /// 0 when they were counted from the store (storedStats) or nothing delivers here.
    qint64 countingSince = 0;

    QJsonObject toJson() const;

private:
    QJsonObject countsJson() const;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::SyncStats)
Q_DECLARE_METATYPE(jobfirst::TargetStatus)
