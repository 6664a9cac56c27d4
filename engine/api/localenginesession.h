// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesession.h"
#include "host/engineoptions.h"

#include <memory>

namespace jobfirst {

/// The engine in this process (the embedded default): an Engine on its own thread, reached
/// through queued calls; long work (imports, simulations, consistency checks) runs on pool
/// threads. Sessions made with asActor() share the one engine and differ in whom they act as
/// (the admin API makes one per token).
class LocalEngineSession final : public EngineSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalEngineSession)

public:
    /// A new engine, not yet started; changes are attributed to `actor`.
    explicit LocalEngineSession(const QString &actor, QObject *parent = nullptr);
    ~LocalEngineSession() override;

    /// Opens the store and starts the engine's loops; the future carries the error if not.
    QFuture<Status> start(const EngineOptions &options);
    /// Closes the engine and opens it again with other options (File → Open store).
    QFuture<Status> restart(const EngineOptions &options);
    /// Cancels long jobs, waits for them, and stops the engine (quit-then-wait).
    void stop();
    bool isOpen() const;
    /// Once start() answered: whether the engine wrote the missing config file (createConfig),
    /// and from which of the store's config versions (0: a new config, the store had none).
    bool madeConfigFile() const;
    int configMadeFromVersion() const;
    /// Another session on this engine, acting as `actor` with `role`.
    std::unique_ptr<LocalEngineSession> asActor(const QString &actor, Role role) const;
    /// Reads the config file again (SIGHUP).
    void reloadConfig();
    /// Emits a snapshot now (after a change made through the admin API, so readers see it).
    void refreshNow();
    /// Demo workload rates (demo engines only).
    void setDemoRate(int eventsPerSecond, int requestsPerSecond);
    /// Prometheus text of the engine's metrics.
    QFuture<QByteArray> metrics();
    /// The token a bearer secret belongs to (the admin API's authentication).
    QFuture<Result<std::optional<ApiToken>>> authenticate(const QByteArray &secret);
    /// Records an action that was refused (for example a role too low for it).
    QFuture<Status> auditRefusal(const QString &action, const QString &subject, const QString &why);

    SessionInfo info() const override;

    QFuture<Result<QList<NodeStatus>>> nodes() override;
    QFuture<Result<NodeStatus>> addNode(const NodeSpec &spec) override;
    QFuture<Result<NodeStatus>> editNode(const NodeSpec &spec) override;
    QFuture<Status> removeNode(const QString &id) override;
    QFuture<Status> setNodeWeight(const QString &id, int weight) override;
    QFuture<Status> setAdminState(const QString &id, AdminState state) override;
    QFuture<Result<QList<HealthEvent>>> nodeHistory(const QString &id, int limit) override;
    QFuture<Result<QList<NodeCheck>>> checkNodes(const QStringList &ids) override;
    QFuture<Result<CheckResult>> probe(const QUrl &url) override;
    QFuture<Result<ClusterStats>> clusterStats() override;

    QFuture<Result<PickReport>> pick(const PickRequest &request) override;
    QFuture<Result<SimulationReport>> simulate(const SimulationRequest &request,
                                               std::shared_ptr<JobControl> control) override;

    QFuture<Result<QList<SyncEvent>>> sendEvents(const QList<SyncEvent> &events, SyncMode mode,
                                                 const QString &target) override;
    QFuture<Result<ImportProgress>> importUsers(const QString &path, int batchSize,
                                                std::shared_ptr<JobControl> control) override;
    QFuture<Result<SyncStats>> syncStats() override;
    QFuture<Result<QList<DaemonStatus>>> daemons() override;
    QFuture<Status> forgetDaemon(const QString &id) override;
    /// The admin API this engine serves (jobfirstd), shown in the daemons view.
    void setAdminUrl(const QString &url);
    QFuture<Result<TargetStatus>> targetStatus(const QString &target) override;
    QFuture<Result<QList<QueuedDelivery>>> queue(const QString &target, int limit) override;
    QFuture<Result<QList<DeadLetter>>> deadLetters(const QString &target, int limit) override;
    QFuture<Result<QList<DeliveryAttempt>>> attempts(qint64 deliveryId) override;
    QFuture<Result<int>> retryDeadLetters(const QList<qint64> &ids) override;
    QFuture<Result<int>> discardDeadLetters(const QList<qint64> &ids) override;
    QFuture<Result<int>> replay(const QString &target, qint64 sinceMs, qint64 untilMs) override;
    QFuture<Result<QList<ConsistencyReport>>> checkConsistency(const QStringList &targets, bool repair) override;
    QFuture<Status> setTargetPaused(const QString &target, bool paused) override;
    QFuture<Status> setTargetEnabled(const QString &target, bool enabled) override;

    QFuture<Result<ClusterConfig>> config(bool revealSecrets) override;
    QFuture<Status> checkConfig(const QByteArray &json) override;
    QFuture<Result<int>> applyConfig(const QByteArray &json) override;
    QFuture<Result<QList<ConfigVersion>>> configVersions(int limit) override;
    QFuture<Result<ConfigDiff>> configDiff(int from, int to) override;
    QFuture<Result<int>> rollbackConfig(int version) override;

    QFuture<Result<SloReport>> slo() override;
    QFuture<Result<QList<LogEntry>>> logs(const LogQuery &query) override;
    QFuture<Result<QList<AuditEntry>>> audit(const AuditQuery &query) override;
    QFuture<Result<AuditVerification>> verifyAudit() override;
    QFuture<Result<BackupInfo>> createBackup(const QString &path, const QByteArray &passphrase) override;
    QFuture<Result<BackupInfo>> verifyBackup(const QString &path,
                                             const QByteArray &passphrase) override;
    QFuture<Result<BackupInfo>> restoreBackup(const QString &path, const QByteArray &passphrase,
                                              const QString &newDbPath) override;
    QFuture<Result<CreatedToken>> createToken(const QString &name, Role role, const QString &nodeId) override;
    QFuture<Result<QList<ApiToken>>> tokens() override;
    QFuture<Status> revokeToken(const QString &name) override;

    void setRefreshInterval(int ms) override;

private:
    struct Shared;
    LocalEngineSession(std::shared_ptr<Shared> shared, const QString &actor, Role role);
    void connectSignals();
    /// Runs f(Engine &) on the engine thread; a closed engine answers with an error.
    template <typename R, typename F>
    QFuture<R> onEngine(F &&f);
    /// Runs f() on a pool thread, tracked so stop() can wait for it.
    template <typename R, typename F>
    QFuture<R> inBackground(F &&f);

    std::shared_ptr<Shared> m_shared;
    QString m_actor;
    Role m_role = Role::Admin;
};

} // namespace jobfirst
