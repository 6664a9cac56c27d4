// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "api/jobcontrol.h"
#include "api/sessiontypes.h"
#include "cluster/node.h"
#include "config/clusterconfig.h"
#include "config/configversion.h"
#include "core/result.h"
#include "logs/logentry.h"
#include "slo/sloreport.h"
#include "store/auditentry.h"
#include "store/backup.h"
#include "sync/consistencychecker.h"
#include "sync/deliveryrecords.h"
#include "sync/syncevent.h"
#include "sync/syncstats.h"

#include <QFuture>
#include <QObject>
#include <QUrl>

#include <memory>

namespace jobfirst {

/// The one way into an engine. Every console page and every jobfirstctl command goes through
/// it; the admin API serves it. Two implementations: LocalEngineSession (the engine in this
/// process, on its own thread) and RemoteEngineSession (a jobfirstd over its admin API).
///
/// Every operation is whole and asynchronous: it returns a QFuture that finishes with the
/// answer or an Error naming what went wrong, and never blocks the caller's thread.
/// Changes are attributed to the session's actor (SessionInfo::actor).
class EngineSession : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~EngineSession() override;

    virtual SessionInfo info() const = 0;
    bool allows(Permission permission) const { return roleAllows(info().role, permission); }

    // Nodes.
    virtual QFuture<Result<QList<NodeStatus>>> nodes() = 0;
    virtual QFuture<Result<NodeStatus>> addNode(const NodeSpec &spec) = 0;
    /// Changes URL, health path, weight, tags (the node with spec.id must exist).
    virtual QFuture<Result<NodeStatus>> editNode(const NodeSpec &spec) = 0;
    virtual QFuture<Status> removeNode(const QString &id) = 0;
    virtual QFuture<Status> setNodeWeight(const QString &id, int weight) = 0;
    /// Drain, maintenance or ready.
    virtual QFuture<Status> setAdminState(const QString &id, AdminState state) = 0;
    virtual QFuture<Result<QList<HealthEvent>>> nodeHistory(const QString &id, int limit) = 0;
    /// Checks the nodes now (empty: every node) and answers with what each check saw; the
    /// regular health state follows the same checks.
    virtual QFuture<Result<QList<NodeCheck>>> checkNodes(const QStringList &ids) = 0;
    /// One health check of any URL ("Test connection" before a node is added).
    virtual QFuture<Result<CheckResult>> probe(const QUrl &url) = 0;
    virtual QFuture<Result<ClusterStats>> clusterStats() = 0;

    // Balancing.
    virtual QFuture<Result<PickReport>> pick(const PickRequest &request) = 0;
    virtual QFuture<Result<SimulationReport>> simulate(const SimulationRequest &request,
                                                       std::shared_ptr<JobControl> control = {}) = 0;

    // Sync.
    /// Queues events durably: to `target` only when given, else to every target of their type.
    virtual QFuture<Result<QList<SyncEvent>>> sendEvents(const QList<SyncEvent> &events,
                                                         SyncMode mode = SyncMode::RealTime,
                                                         const QString &target = {}) = 0;
    /// Bulk migration of users from a JSON Lines or CSV file (resumable).
    virtual QFuture<Result<ImportProgress>> importUsers(const QString &path, int batchSize,
                                                        std::shared_ptr<JobControl> control = {}) = 0;
    /// Figures over the whole store, and every target's state.
    virtual QFuture<Result<SyncStats>> syncStats() = 0;
    /// Every engine working on the store (issue 13): the daemons sharing a PostgreSQL outbox,
    /// with the partitions each holds, its heartbeat age and delivery rate; the one embedded
    /// engine on SQLite.
    virtual QFuture<Result<QList<DaemonStatus>>> daemons() = 0;
    /// Removes the row of a daemon that is gone (silent longer than its lease), as Consul's
    /// force-leave does; refused while its heartbeat is fresh (it would list itself again).
    virtual QFuture<Status> forgetDaemon(const QString &id) = 0;
    virtual QFuture<Result<TargetStatus>> targetStatus(const QString &target) = 0;
    virtual QFuture<Result<QList<QueuedDelivery>>> queue(const QString &target, int limit) = 0;
    virtual QFuture<Result<QList<DeadLetter>>> deadLetters(const QString &target, int limit) = 0;
    virtual QFuture<Result<QList<DeliveryAttempt>>> attempts(qint64 deliveryId) = 0;
    /// Sends dead letters again; answers how many were requeued.
    virtual QFuture<Result<int>> retryDeadLetters(const QList<qint64> &ids) = 0;
    virtual QFuture<Result<int>> discardDeadLetters(const QList<qint64> &ids) = 0;
    /// Sends again every dead letter of `target` (empty: all) that failed in [since, until].
    virtual QFuture<Result<int>> replay(const QString &target, qint64 sinceMs, qint64 untilMs) = 0;
    /// Compares targets (empty: every target) with the ledger, and repairs what differs
    /// when asked. A target that cannot be checked gets a report with its error.
    virtual QFuture<Result<QList<ConsistencyReport>>> checkConsistency(const QStringList &targets,
                                                                       bool repair) = 0;
    virtual QFuture<Status> setTargetPaused(const QString &target, bool paused) = 0;
    virtual QFuture<Status> setTargetEnabled(const QString &target, bool enabled) = 0;

    // Configuration.
    /// The running config; secrets masked unless revealed (which needs ReadSecrets).
    virtual QFuture<Result<ClusterConfig>> config(bool revealSecrets = false) = 0;
    /// Validates a config document against the running cluster without applying it.
    virtual QFuture<Status> checkConfig(const QByteArray &json) = 0;
    /// Applies, saves and versions a config; answers the new version.
    virtual QFuture<Result<int>> applyConfig(const QByteArray &json) = 0;
    virtual QFuture<Result<QList<ConfigVersion>>> configVersions(int limit) = 0;
    /// Line diff between two versions; 0 means the running config.
    virtual QFuture<Result<ConfigDiff>> configDiff(int from, int to) = 0;
    virtual QFuture<Result<int>> rollbackConfig(int version) = 0;

    /// The plan's success metrics as measured now, each against its target.
    virtual QFuture<Result<SloReport>> slo() = 0;
    // Logs: engine, health, delivery and audit lines in one place, newest first.
    virtual QFuture<Result<QList<LogEntry>>> logs(const LogQuery &query) = 0;

    // Audit and tokens.
    virtual QFuture<Result<QList<AuditEntry>>> audit(const AuditQuery &query) = 0;
    /// Walks the audit log's hash chain and names the first row that does not match.
    virtual QFuture<Result<AuditVerification>> verifyAudit() = 0;
    /// An online, encrypted copy of the store, written at `path` on the engine's machine.
    virtual QFuture<Result<BackupInfo>> createBackup(const QString &path,
                                                     const QByteArray &passphrase) = 0;
    /// Decrypts and checks the backup file at `path` on the engine's machine; writes nothing.
    virtual QFuture<Result<BackupInfo>> verifyBackup(const QString &path,
                                                     const QByteArray &passphrase) = 0;
    /// Restores the backup at `path` into `newDbPath`, a store file that must not exist yet
    /// (never over a store, let alone one an engine holds), on the engine's machine. The
    /// running engine keeps its own store: an engine started on `newDbPath` serves the copy.
    virtual QFuture<Result<BackupInfo>>
    restoreBackup(const QString &path, const QByteArray &passphrase, const QString &newDbPath) = 0;
    virtual QFuture<Result<CreatedToken>> createToken(const QString &name, Role role,
                                                      const QString &nodeId = {}) = 0;
    virtual QFuture<Result<QList<ApiToken>>> tokens() = 0;
    virtual QFuture<Status> revokeToken(const QString &name) = 0;

    /// How often snapshots arrive; 0 pauses them.
    virtual void setRefreshInterval(int ms) = 0;

signals:
    /// Everything the console draws, once per refresh tick (and soon after a health change).
    void snapshot(const jobfirst::EngineSnapshot &snapshot);
    /// A node's health changed (also carried by the next snapshot).
    void healthChanged(const jobfirst::HealthEvent &event);
    void configApplied(int version, const QString &actor);
    /// The config file changed but could not be used; `code` is the error's (config.syntax, ...).
    void configReloadFailed(const QString &message, const QString &code);
    /// Remote sessions: the stream to the engine was lost or is back. While disconnected,
    /// nothing received earlier is live.
    void connectionChanged(bool connected, const jobfirst::Sentence &reason);
    /// Remote sessions, while disconnected: the next try to reconnect is at `nextAttemptAt`
    /// (ms since the epoch); `failedAttempts` tries failed since the loss (0: just lost), the
    /// latest for `reason`. Sent after each loss and after each failed try.
    void reconnectScheduled(const jobfirst::Sentence &reason, int failedAttempts,
                            qint64 nextAttemptAt);
};

} // namespace jobfirst
