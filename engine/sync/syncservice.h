// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"
#include "config/clusterconfig.h"
#include "core/result.h"
#include "store/daemonstatus.h"
#include "sync/consistencychecker.h"
#include "sync/deliveryrecords.h"
#include "sync/outboxwriter.h"
#include "sync/syncevent.h"
#include "sync/syncstats.h"

#include <QMutex>
#include <QObject>
#include <QUrl>

#include <functional>

#include <memory>

namespace jobfirst {

class DaemonHeartbeat;
class DeliveryEngine;
class ClusterStateStore;
class Store;
class SyncRecords;

/// The user-data sync of the plan (ServiceSyncService + the cluster part of
/// ClusterSyncService): routes events to targets, keeps them durable in the outbox, delivers
/// them, and lets an operator see and act on what failed. Lives on the engine thread; its
/// writer and delivery run on their own threads.
class SyncService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncService)

public:
    /// The outbox lives in `store`'s file.
    SyncService(Store *store, const ClusterConfig &config, QObject *parent = nullptr);
    /// The outbox lives at `outbox`: `store`'s file when empty, else a postgresql:// URL
    /// (logs and import checkpoints stay in `store`). Operator actions are audited in `state`
    /// (`store` when null); on PostgreSQL the outbox shares its connection, so a change and its
    /// audit row commit together. When the server cannot be reached now, every call says so
    /// until it can; start() fails.
    SyncService(Store *store, const QString &outbox, const ClusterConfig &config,
                QObject *parent = nullptr, ClusterStateStore *state = nullptr);
    ~SyncService() override;

    /// Starts the outbox writer and, when `deliver` is true, the delivery engine.
    Status start(bool deliver);
    /// Receives the latencies of acknowledged events per target, on the delivery thread
    /// (must be thread-safe). Takes effect at the next start().
    void setDeliveryObserver(
        std::function<void(const QString &target, const float *latenciesMs, std::size_t count)>
            observer)
    {
        m_deliveryObserver = std::move(observer);
    }
    void stop();
    bool delivering() const;
    void applyConfig(const ClusterConfig &config);
    /// The cluster's nodes: cluster-sync targets, held while their node is not up.
    void setNodes(const QList<NodeStatus> &nodes);

    /// Routes each event to every target that receives its type (cluster types go to every
    /// node), or to `target` alone when one is named, and queues them without waiting for the
    /// disk: the future answers once they are durable. Near-real-time events are coalesced per
    /// user. Events submitted one after another are stored in that order. Thread-safe.
    OutboxWriter::Accepted submit(const QList<SyncEvent> &events,
                                  SyncMode mode = SyncMode::RealTime, const QString &target = {});
    /// submit() with an answer instead of a future (see OutboxWriter::submit): no thread
    /// waits per call.
    void submit(const QList<SyncEvent> &events, SyncMode mode, const QString &target,
                OutboxWriter::Answer answer);
    /// submit(), then waits until durable.
    Result<QList<SyncEvent>> publish(const QList<SyncEvent> &events, SyncMode mode = SyncMode::RealTime);
    Result<SyncEvent> syncToService(const QString &target, const SyncEvent &event);
    Result<QList<SyncEvent>> batchSyncToService(const QString &target, const QList<SyncEvent> &events);
    /// Sessions, configuration and state to every Basic Server node.
    Result<QList<SyncEvent>> syncClusterData(const QList<SyncEvent> &events);

    Result<QList<DeadLetter>> deadLetters(const QString &target, int limit) const;
    /// Events in the dead-letter queue now, per target (a bulk row counts its events).
    Result<QHash<QString, qint64>> deadLetterCounts() const;
    Result<QList<DeliveryAttempt>> attempts(qint64 deliveryId) const;
    Result<QList<QueuedDelivery>> queue(const QString &target, int limit) const;
    /// Sends a dead letter again (the plan's RetryFailedSync).
    Status retryFailedSync(qint64 deliveryId, const QString &actor);
    /// Sends again every dead letter of `target` (empty: all) that failed within the window.
    Result<int> replay(const QString &target, qint64 sinceMs, qint64 untilMs, const QString &actor);
    Status discard(qint64 deliveryId, const QString &actor);

    /// Where a target (or "node:<id>") serves its digest: its sync URL + "/digest".
    Result<QUrl> digestUrl(const QString &target) const;
    /// The digest URL with the secret that signs digest requests and the TLS settings and
    /// token of the target or node (pass it to ConsistencyChecker::check).
    Result<DigestEndpoint> digestEndpoint(const QString &target) const;
    /// Sends again the given acknowledged events to `target` (consistency repair).
    Result<int> repair(const QString &target, const QStringList &eventIds, const QString &actor);

    Status setTargetPaused(const QString &target, bool paused, const QString &actor);
    /// Takes the targets' paused and disabled states as the store has them now, when another
    /// process changed them (jobfirstctl --db, another daemon); false when nothing changed or
    /// the store cannot be read (the states kept are then the last known).
    bool followTargetStates();
    /// Enables a target disabled by a 410 (or by the operator).
    Status setTargetEnabled(const QString &target, bool enabled, const QString &actor);

    /// Figures since this process started, with current backlog per target.
    SyncStats stats() const;
    /// Figures over everything in the store (slower on large stores).
    Result<SyncStats> storedStats() const;
    Result<TargetStatus> syncStatus(const QString &target) const;
    qint64 backlog() const;
    /// The outbox partitions whose delivery lease this process holds (PostgreSQL; empty on
    /// SQLite, before the first claim, or while its last renewal is too old to count).
    QList<int> heldPartitions() const;
    /// The name under which this engine holds delivery leases ("host:pid:nonce"; "" when it
    /// does not deliver): health writes are fenced by that exact name.
    QString leaseOwner() const;
    /// Where the outbox is: the store file or the PostgreSQL URL (nothing secret).
    QString dbPath() const;
    /// The outbox location as given (for connections of other threads).
    QString outboxLocation() const { return m_outbox; }

    /// Every engine working on this store (issue 13): with a PostgreSQL outbox each daemon that
    /// heartbeats (this one as last read by its heartbeat, or read at once when this process
    /// does not deliver); with SQLite this embedded engine alone.
    Result<QList<DaemonStatus>> daemons() const;
    /// Which daemon holds each partition's lease, as this one's heartbeat view last read it
    /// (the gone and this one left out; empty without a view): who checks the nodes this one
    /// does not. Never reads the store.
    QHash<int, QString> partitionHolders() const;
    /// Removes a gone daemon's row from the PostgreSQL store (DaemonHeartbeat::forget); a
    /// SQLite store lists no daemon rows ("daemon.not_shared").
    Status forgetDaemon(const QString &id);
    /// The admin API this engine serves, shown to the other daemons.
    void setAdminUrl(const QString &url);

signals:
    void targetDisabled(const QString &target, const QString &reason);
    void circuitChanged(const QString &target, jobfirst::CircuitState state);
    void nodeDeliveryFailed(const QString &nodeId, const QString &error);

private:
    /// Who delivers from this store, in words; `standbyFor` is the lease holder while this
    /// process stands by.
    QString deliveryText(qint64 now, QString *standbyFor) const;
    std::function<void(const QString &, const float *, std::size_t)> m_deliveryObserver;
    struct TargetOverride
    {
        bool paused = false;
        bool disabled = false;
        QString reason;
        bool operator==(const TargetOverride &) const = default;
    };
    void pushTargets();
    /// The cluster's delivery rate into `s`: this engine's and the live daemons' beside it.
    void addClusterRate(SyncStats &s) const;
    /// This process does not deliver: how many daemons do, and their rate, from the store.
    void addStoredDaemons(SyncStats &s) const;
    // stats()' target rows, one a configured target and one a node target.
    struct TargetRowSources;
    bool insecureNode(const QString &name, const TargetRowSources &from) const;
    void addNodeTargetRows(SyncStats &s, const TargetRowSources &from) const;
    /// The target's row, added to `s` with its counts.
    void addTargetRow(SyncStats &s, const TargetRowSources &from, const QString &name,
                      bool insecure, const TargetConfig *c) const;
    static void addTargetRow(SyncStats &s, const TargetStatus &t);
    TargetStatus targetRow(const TargetRowSources &from, const QString &name, bool insecure,
                           const TargetConfig *c) const;
    Status saveOverride(const QString &target);
    bool knownTarget(const QString &name) const;
    /// The outbox items of `events`: each with the targets that receive it (see submit()).
    Result<QList<OutboxItem>> route(const QList<SyncEvent> &events, SyncMode mode,
                                    const QString &target);
    Status audited(const QString &actor, const QString &action, const QString &subject,
                   const QString &before, const QString &after,
                   const std::function<Status()> &change);

    /// The records connection, or why there is none.
    Result<SyncRecords *> records() const;

    Store *m_store;
    ClusterStateStore *m_state;
    QString m_outbox;
    std::unique_ptr<SyncRecords> m_records;
    QString m_recordsError;
    ClusterConfig m_config;
    QList<NodeStatus> m_nodes;
    /// Each node target's name and URL by the node's id and URL (for clusterSyncPath):
    /// pushTargets() runs on every health change, and made a thousand URLs again each time.
    struct NodeTargetAddress
    {
        QString name;
        QByteArray url;
    };
    QHash<QString, NodeTargetAddress> m_nodeTargetAddresses;
    QString m_nodeTargetPath;
    /// "node:<id>" of each node in m_nodes' order, kept by stats() while the ids stay.
    mutable QStringList m_nodeTargetNames;
    QHash<QString, TargetOverride> m_overrides;
    mutable QMutex m_routeMutex; ///< publish() may be called from import threads
    std::unique_ptr<OutboxWriter> m_writer;
    std::unique_ptr<DeliveryEngine> m_delivery;
    std::unique_ptr<DaemonHeartbeat> m_heartbeat; ///< PostgreSQL, while delivering
    QString m_adminUrl;
    qint64 m_startedAt = 0;
};

QJsonObject deadLetterToJson(const DeadLetter &d);
QJsonObject attemptToJson(const DeliveryAttempt &a);

} // namespace jobfirst

