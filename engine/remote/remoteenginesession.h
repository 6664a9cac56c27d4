// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesession.h"
#include "remote/apitransport.h"
#include "remote/snapshotdecoder.h"

#include <QMutex>
#include <QThread>

#include <atomic>
#include <memory>
#include <optional>

namespace jobfirst {

/// An engine in another process (a jobfirstd), over its admin API. Calls and the live stream
/// run on the session's own thread, where answers are also parsed; results come back through
/// QFuture and signals like those of the embedded engine.
class RemoteEngineSession final : public EngineSession
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteEngineSession)

public:
    explicit RemoteEngineSession(const RemoteOptions &options, QObject *parent = nullptr);
    ~RemoteEngineSession() override;

    /// Asks the server who this token is (role, name); the live stream opens when it answers.
    QFuture<Status> connectToEngine(bool liveStream = true);
    /// Reads a bearer token from a file: one line, surrounding whitespace dropped. The error
    /// names the file, and says so when the file may be read by others.
    static Result<QByteArray> readTokenFile(const QString &path);
    /// Checks a server URL: http or https, a host, no path, query or credentials.
    static Result<QUrl> parseServerUrl(const QString &text);
    bool isConnected() const { return m_connected.load(); }

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
    QFuture<Result<QJsonValue>> call(const ApiRequest &request);
    QFuture<Result<QJsonValue>> call(const QByteArray &method, const QString &path, const QJsonValue &body = {});
    /// The future of decode(answer), decoded on the transport's thread as the answer arrives
    /// (QFuture::then() on the future that thread finishes would race with it).
    template <typename Decode>
    auto call(const ApiRequest &request, Decode decode)
        -> QFuture<std::invoke_result_t<Decode, const Result<QJsonValue> &>>;
    template <typename Decode>
    auto call(const QByteArray &method, const QString &path, const QJsonValue &body, Decode decode)
        -> QFuture<std::invoke_result_t<Decode, const Result<QJsonValue> &>>;
    template <typename T>
    QFuture<Result<T>> get(const QString &path, const QUrlQuery &query = {});
    template <typename T>
    QFuture<Result<T>> send(const QByteArray &method, const QString &path, const QJsonValue &body = {});
    QFuture<Status> act(const QByteArray &method, const QString &path, const QJsonValue &body = {});
    QFuture<Result<int>> count(const QString &path, const QJsonValue &body, const char *field);
    void onStreamEvent(const QByteArray &event, const QByteArray &data);
    void deliverSnapshot(EngineSnapshot decoded);

    RemoteOptions m_options;
    QThread m_thread;
    ApiTransport *m_transport;
    SessionInfo m_info;
    QList<HealthEvent> m_pendingEvents; ///< stream thread only
    QList<Alert> m_pendingAlerts;       ///< stream thread only
    std::unique_ptr<SnapshotDecoder> m_decoder;
    QMutex m_readyMutex;
    std::optional<EngineSnapshot> m_ready; ///< decoded, not yet handed over; m_readyMutex
    bool m_readyPosted = false;            ///< m_readyMutex
    std::atomic_bool m_connected{false};
    bool m_liveStream = false;
    int m_refreshMs = 1000;
};

} // namespace jobfirst
