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

#include <memory>

namespace jobfirst {

/// The engine's SQLite file (WAL). One Store is one named connection, used from one thread.
/// The schema is created and migrated by version number when the file is opened.
class Store final
{
public:
    static constexpr int SchemaVersion = 5;

    /// Opens (creating if absent) the store at path. A file that is not a JobFirst store,
    /// or one written by a newer version, is refused with an error naming the file.
    static Result<std::unique_ptr<Store>> open(const QString &path);
    ~Store();
    Q_DISABLE_COPY_MOVE(Store)

    QString path() const { return m_path; }
    QSqlDatabase database() const;

    Result<QList<NodeSpec>> loadNodes() const;
    Status insertNode(const NodeSpec &spec);
    Status updateNode(const NodeSpec &spec);
    Status deleteNode(const QString &id);
    Status saveHealthState(const QString &id, HealthState state, qint64 changedAt);
    /// Last known health per node id (persisted so a restart does not forget what was seen).
    Result<QHash<QString, std::pair<HealthState, qint64>>> loadHealthStates() const;

    Status appendHealthEvent(const HealthEvent &event);
    Result<QList<HealthEvent>> healthEvents(const QString &nodeId, int limit) const;

    Status appendAudit(const AuditEntry &entry);
    Result<QList<AuditEntry>> auditLog(int limit, const QString &filter = {}) const;

    Result<int> saveConfigVersion(const QByteArray &json, const QString &actor);
    Result<QList<ConfigVersion>> configVersions(int limit) const;
    Result<ConfigVersion> configVersion(int version) const;

private:
    Store(QString path, QString connection);
    Status migrate();

    QString m_path;
    QString m_connection;
};

/// QtSql binds a null QString as SQL NULL; text columns here are NOT NULL, so bind "" instead.
inline QString sqlText(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

/// Error for a failed query, naming the store file and what was being done.
Error storeError(const QString &path, const QString &what, const QString &detail);

} // namespace jobfirst
