// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"
#include "config/configversion.h"
#include "store/auditentry.h"
#include "core/result.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>

namespace jobfirst {

/// The engine's SQLite file (WAL). One Store is one named connection, used from one thread.
/// The schema is created and migrated by version number when the file is opened.
class Store final
{
public:
    static constexpr int SchemaVersion = 8;

    /// Opens (creating if absent) the store at path, created 0600. Each way it can fail has
    /// its own code and message naming the file: "store.locked" (another process holds it
    /// exclusively), "store.corrupt" (SQLite or quick_check finds damage), "store.foreign"
    /// (not SQLite, or SQLite without the JobFirst marker), "store.too_new" (a newer schema).
    /// A store under 64 MiB is quick_check'ed here; bigger ones by the engine in the
    /// background (see quickCheck()).
    static Result<std::unique_ptr<Store>> open(const QString &path);
    /// PRAGMA quick_check: "" when the file is sound, else what SQLite found (first lines).
    /// Reads the whole file: seconds on a large store; run it off the GUI thread.
    Result<QString> quickCheck() const;
    /// True while some process other than this one has the store open (or this process
    /// does, through another Store): then a restore must not overwrite it. `who` says which.
    static bool isHeld(const QString &path, QString *who = nullptr);
    /// A size limit, in pages, for every store connection opened afterwards in this process
    /// (PRAGMA max_page_count; 0: none). A full store makes writes fail as a full disk does:
    /// used by tests of that path, and by operators who want to bound the file.
    static void setMaxPageCount(qint64 pages);
    ~Store();
    Q_DISABLE_COPY_MOVE(Store)

    QString path() const { return m_path; }
    QSqlDatabase database() const;

    /// Nodes as stored. A row whose URL or settings no longer validate (an edited file) is
    /// left out and named in `rejected` ("id: why"), so it cannot make the engine fetch
    /// anything but http(s).
    Result<QList<NodeSpec>> loadNodes(QStringList *rejected = nullptr) const;
    Status insertNode(const NodeSpec &spec);
    Status updateNode(const NodeSpec &spec);
    Status deleteNode(const QString &id);
    Status saveHealthState(const QString &id, HealthState state, qint64 changedAt);
    /// Last known health per node id (persisted so a restart does not forget what was seen).
    Result<QHash<QString, std::pair<HealthState, qint64>>> loadHealthStates() const;

    Status appendHealthEvent(const HealthEvent &event);
    Result<QList<HealthEvent>> healthEvents(const QString &nodeId, int limit) const;

    /// Appends one row to the hash-chained audit log (in its own IMMEDIATE transaction).
    Status appendAudit(const AuditEntry &entry);
    /// Runs `change` and appends `entry` in one transaction: when the audit row cannot be
    /// written, the change is rolled back and the error returned (an action that cannot be
    /// audited does not happen). `change` may fill in the entry (e.g. a new version number).
    Status audited(AuditEntry entry, const std::function<Status(AuditEntry &)> &change);
    Result<QList<AuditEntry>> auditLog(int limit, const QString &filter = {}) const;
    /// Walks the whole chain: every row's prev_hash must be the hash of the row before, its
    /// hash must match its fields, and the last row must be the one the store recorded.
    Result<AuditVerification> verifyAuditChain() const;
    /// The chain hash of a row: hex SHA-256 over prevHash and the row's fields, each length-
    /// prefixed (so no two rows hash alike by moving text between fields).
    static QString auditHash(const QString &prevHash, const AuditEntry &entry);

    Result<int> saveConfigVersion(const QByteArray &json, const QString &actor);
    Result<QList<ConfigVersion>> configVersions(int limit) const;
    Result<ConfigVersion> configVersion(int version) const;

private:
    Store(QString path, QString connection);
    Status migrate();
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
