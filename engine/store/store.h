// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/clusterstatestore.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class QSqlQuery;

namespace jobfirst {

/// The engine's SQLite file (WAL). One Store is one named connection, used from one thread.
/// It is the cluster state of a single engine (ClusterStateStore) and holds what stays per
/// engine (logs, import checkpoints) and, without a PostgreSQL URL, the sync outbox.
/// The schema is created and migrated by version number when the file is opened.
class Store final : public ClusterStateStore
{
public:
    static constexpr int SchemaVersion = 11;

    /// Opens (creating if absent) the store at path, created 0600. Each way it can fail has
    /// its own code and message naming the file: "store.locked" (another process holds it
    /// exclusively), "store.corrupt" (SQLite or quick_check finds damage), "store.foreign"
    /// (not SQLite, or SQLite without the JobFirst marker), "store.too_new" (a newer schema).
    /// A store under 64 MiB is quick_check'ed here; bigger ones by the engine in the
    /// background (see quickCheck()).
    static Result<std::unique_ptr<Store>> open(const QString &path);
    /// Another connection to a store this process has already open()ed (and so migrated and
    /// checked): for background readers that open one per job, such as the SLO refresh.
    /// Neither creates, migrates nor quick_checks the file, which on a 50 MiB store costs
    /// the whole file's reading each time. Fails with "store.missing" if the file is gone,
    /// "store.changed" if it now has another schema version, and as open() otherwise.
    static Result<std::unique_ptr<Store>> openReader(const QString &path);
    /// PRAGMA quick_check: "" when the file is sound, else what SQLite found (first lines).
    /// Reads the whole file: seconds on a large store; run it off the GUI thread.
    Result<QString> quickCheck() const;
    /// SQLite's PRAGMA data_version on this connection: it moves when another connection (of
    /// any process) committed since the last read; none when it cannot be read.
    std::optional<qint64> dataVersion() const;
    /// True while some process other than this one has the store open (or this process
    /// does, through another Store): then a restore must not overwrite it. `who` says which.
    static bool isHeld(const QString &path, QString *who = nullptr);
    /// A size limit, in pages, for every store connection opened afterwards in this process
    /// (PRAGMA max_page_count; 0: none). A full store makes writes fail as a full disk does:
    /// used by tests of that path, and by operators who want to bound the file.
    static void setMaxPageCount(qint64 pages);
    /// The page size of a store this process creates (PRAGMA page_size; an existing store keeps
    /// its own: in WAL mode SQLite changes it only by a VACUUM outside WAL). 4 KiB: at 1 KiB a
    /// lone caller's writer used a quarter fewer instructions an event, but accepting the bulk
    /// benchmark's million events took 7.2-7.9 s instead of 5.6-5.7 s and delivering them
    /// 16.5-17.4 s instead of 13.3-13.6 s (alternating runs, session 16).
    static constexpr int NewStorePageBytes = 4096;
    ~Store() override;
    Q_DISABLE_COPY_MOVE(Store)

    QString path() const { return m_path; }
    QString location() const override { return m_path; }
    QSqlDatabase database() const;

    Result<QList<NodeSpec>> loadNodes(QStringList *rejected = nullptr) const override;
    Status insertNode(const NodeSpec &spec) override;
    Status updateNode(const NodeSpec &spec) override;
    Status deleteNode(const QString &id) override;
    /// The node's last health alone (no event): recordHealthTransition writes both.
    Status saveHealthState(const QString &id, HealthState state, qint64 changedAt);
    Result<QHash<QString, std::pair<HealthState, qint64>>> loadHealthStates() const override;

    /// A history row alone (no state): recordHealthTransition writes both.
    Status appendHealthEvent(const HealthEvent &event);
    /// One engine per file: there is no lease to check.
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
    /// The chain hash of a row: hex SHA-256 over prevHash and the row's fields, each length-
    /// prefixed (so no two rows hash alike by moving text between fields).
    static QString auditHash(const QString &prevHash, const AuditEntry &entry);

    Result<int> saveConfigVersion(const QByteArray &json, const QString &actor) override;
    Result<QList<ConfigVersion>> configVersions(int limit) const override;
    Result<ConfigVersion> configVersion(int version) const override;
    QSqlDatabase tokenDatabase(QString *) const override { return database(); }

private:
    enum class Opening { First, Reader };
    Store(QString path, QString connection);
    static Result<std::unique_ptr<Store>> open(const QString &path, Opening opening);
    /// The schema version in the file (0: empty), after making sure it is a JobFirst store.
    Result<int> schemaVersion();
    Status migrate();
    /// Runs the step from schema version `v` to `v + 1` inside the caller's transaction.
    Status migrationStep(QSqlQuery &q, int v);
    Status appendAuditRow(AuditEntry &entry);

    QString m_path;
    QString m_connection;
    int m_transactionDepth = 0;
};

/// QtSql binds a null QString as SQL NULL; text columns here are NOT NULL, so bind "" instead.
inline QString sqlText(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

/// Error for a failed query, naming the store file and what was being done.
Error storeError(const QString &path, const QString &what, const QString &detail);

} // namespace jobfirst
