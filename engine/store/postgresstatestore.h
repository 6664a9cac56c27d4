// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/clusterstatestore.h"
#include "store/postgresprobe.h"
#include "store/postgressilencewatch.h"
#include "store/postgresurl.h"

#include <QSqlDatabase>

#include <memory>

class QSqlQuery;

namespace jobfirst {

/// ClusterStateStore in PostgreSQL, shared by every daemon on that database: nodes, health,
/// config versions and one audit chain. An audit row is appended under a transaction-scoped
/// advisory lock, so two daemons never fork the chain (each reads the head the other wrote).
/// Every change of nodes, health or config counts up its row in cluster_marks and sends
/// NOTIFY on channel `jobfirst_state` (payload "nodes", "health" or "config"), both with its
/// transaction: StateChangeWatcher turns them into signals. The connection is opened again at
/// the next call after it was lost; after a failed connect, or once the server stopped
/// answering (PostgresSilenceWatch), calls fail at once with "store.unavailable" until a
/// PostgresProbe finds the server answering again. Used from one thread.
class PostgresStateStore final : public ClusterStateStore
{
public:
    static constexpr const char *Channel = "jobfirst_state";

    /// Connects (migrating the schema); the error names the server and why.
    static Result<std::unique_ptr<PostgresStateStore>> open(const QString &url);
    ~PostgresStateStore() override;
    PostgresStateStore(const PostgresStateStore &) = delete;
    PostgresStateStore &operator=(const PostgresStateStore &) = delete;

    QString location() const override { return m_url.toString(); }
    /// The QtSql connection name: SyncRecords shares it, so an operator's change to the outbox
    /// and its audit row commit in one transaction, as with the SQLite store.
    QString connectionName() const { return m_connection; }
    /// The connection, opened again if it was lost; invalid (and `error` set) if it cannot be.
    QSqlDatabase database(QString *error = nullptr) const;

    Result<QList<NodeSpec>> loadNodes(QStringList *rejected = nullptr) const override;
    Status insertNode(const NodeSpec &spec) override;
    Status updateNode(const NodeSpec &spec) override;
    Status deleteNode(const QString &id) override;
    Result<QHash<QString, std::pair<HealthState, qint64>>> loadHealthStates() const override;
    Status recordHealthTransition(const HealthEvent &event, const QString &leaseHolder) override;
    Result<QList<HealthEvent>> healthEvents(const QString &nodeId, int limit) const override;
    Result<QList<NodeHistory>> nodeHistories(qint64 from, qint64 to) const override;
    Result<QList<qint64>> realTimeLatencies(qint64 from, qint64 to, int limit) const override;
    Status recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords,
                             qint64 consistentRecords) override;
    Result<ConsistencySummary> latestConsistency(qint64 from, qint64 to) const override;
    Result<QList<LogEntry>> logLines(const LogQuery &query) const override;
    Status appendAudit(const AuditEntry &entry) override;
    Status audited(AuditEntry entry, const std::function<Status(AuditEntry &)> &change) override;
    Result<QList<AuditEntry>> auditLog(int limit, const QString &filter = {}) const override;
    Result<AuditVerification> verifyAuditChain() const override;
    Result<int> saveConfigVersion(const QByteArray &json, const QString &actor) override;
    Result<QList<ConfigVersion>> configVersions(int limit) const override;
    Result<ConfigVersion> configVersion(int version) const override;
    QSqlDatabase tokenDatabase(QString *error) const override { return database(error); }
    PostgresSilenceWatch::Busy busy() const override;

    /// How often each kind ("nodes", "health", "config") has changed: a daemon that compares
    /// them with what it saw last finds a change whose NOTIFY it missed.
    Result<QHash<QString, qint64>> changeMarks() const;

private:
    explicit PostgresStateStore(PostgresUrl url);
    Error queryError(const QString &what, QSqlQuery &q) const;
    /// Counts up `kind` in cluster_marks and sends its NOTIFY, in the current transaction
    /// (or its own statement's, outside one).
    Status markChanged(QSqlQuery &q, const char *kind);
    /// Runs `body` in a transaction (or inside the one already open).
    Status inTransaction(const QString &what, const std::function<Status(QSqlQuery &)> &body);
    Status appendAuditRow(QSqlQuery &q, AuditEntry &entry);

    PostgresUrl m_url;
    QString m_connection;
    int m_transactionDepth = 0;
    /// Finds out when a lost server answers again, off this thread.
    mutable PostgresProbe m_probe;
    /// Drops the connection when the server stops answering (one per opened connection).
    mutable std::unique_ptr<PostgresSilenceWatch> m_silence;
};

} // namespace jobfirst
