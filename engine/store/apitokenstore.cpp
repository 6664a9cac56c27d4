// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/apitokenstore.h"

#include "store/clusterstatestore.h"
#include "store/store.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace jobfirst {

namespace {

ApiToken tokenFromRow(const QSqlQuery &q)
{
    ApiToken t;
    t.name = q.value(0).toString();
    t.role = roleFromName(q.value(1).toString()).value_or(Role::Viewer);
    t.nodeId = q.value(2).toString();
    t.createdAt = q.value(3).toLongLong();
    t.createdBy = q.value(4).toString();
    return t;
}

Status validateName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!re.match(name).hasMatch())
        return makeError(QStringLiteral("token.invalid"),
                         QStringLiteral("token name \"%1\" must be 1-64 letters, digits, '.', '_' or '-'").arg(name.left(80)));
    return {};
}

} // namespace

QSqlDatabase ApiTokenStore::database(QString &error) const
{
    return m_store->tokenDatabase(&error);
}

Error ApiTokenStore::failure(const QString &what, const QString &why) const
{
    // A statement that failed because the server went away (PostgreSQL restarted): the
    // connection is closed, so the next call opens it again.
    // Said as the store being unavailable, as every other call says it then.
    QString ignored;
    QSqlDatabase db = database(ignored);
    Error error = storeError(m_store->location(), what, why);
    if (db.isOpen() && !QSqlQuery(db).exec(QStringLiteral("SELECT 1"))) {
        db.close();
        error.code = QStringLiteral("store.unavailable");
    }
    return error;
}

#define JF_TOKEN_DB(db)                                                                            \
    QString dbError;                                                                               \
    const QSqlDatabase db = database(dbError);                                                     \
    if (!db.isValid())                                                                             \
        return makeError(QStringLiteral("store.unavailable"), dbError);                            \
    const auto busyCall = m_store->busy();

QByteArray ApiTokenStore::hash(const QByteArray &secret)
{
    return QCryptographicHash::hash(secret, QCryptographicHash::Sha256).toHex();
}

Result<CreatedToken> ApiTokenStore::create(const QString &name, Role role, const QString &nodeId, const QString &createdBy)
{
    if (Status s = validateName(name); !s)
        return s.error();
    if (role == Role::Node && nodeId.isEmpty())
        return makeError(QStringLiteral("token.invalid"), QStringLiteral("a node token needs the node id it may register as"));
    if (role != Role::Node && !nodeId.isEmpty())
        return makeError(QStringLiteral("token.invalid"), QStringLiteral("only node tokens name a node"));
    QByteArray random(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    CreatedToken created;
    created.secret = QStringLiteral("jft_")
                     + QString::fromLatin1(random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    created.token = ApiToken{name, role, nodeId, QDateTime::currentMSecsSinceEpoch(), createdBy};
    JF_TOKEN_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO api_tokens(name, role, node_id, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(name);
    q.addBindValue(roleName(role));
    q.addBindValue(sqlText(nodeId));
    q.addBindValue(QString::fromLatin1(hash(created.secret.toLatin1())));
    q.addBindValue(created.token.createdAt);
    q.addBindValue(sqlText(createdBy));
    if (!q.exec()) {
        // SQLite: 1555 (primary key), "UNIQUE"; PostgreSQL: 23505 (unique_violation).
        const QString code = q.lastError().nativeErrorCode();
        if (code == QLatin1String("1555") || code == QLatin1String("23505") ||
            q.lastError().text().contains(QLatin1String("UNIQUE")))
            return makeError(QStringLiteral("token.duplicate"), QStringLiteral("there is already a token named \"%1\"").arg(name));
        return failure(QStringLiteral("create token %1").arg(name), q.lastError().text());
    }
    return created;
}

Result<QList<ApiToken>> ApiTokenStore::list() const
{
    JF_TOKEN_DB(db)
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT name, role, node_id, created_at, created_by FROM api_tokens ORDER BY name")))
        return failure(QStringLiteral("list tokens"), q.lastError().text());
    QList<ApiToken> tokens;
    while (q.next())
        tokens << tokenFromRow(q);
    return tokens;
}

Status ApiTokenStore::revoke(const QString &name)
{
    JF_TOKEN_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM api_tokens WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return failure(QStringLiteral("revoke token %1").arg(name), q.lastError().text());
    if (q.numRowsAffected() == 0)
        return makeError(QStringLiteral("token.unknown"), QStringLiteral("there is no token named \"%1\"").arg(name));
    return {};
}

Result<std::optional<ApiToken>> ApiTokenStore::authenticate(const QByteArray &secret) const
{
    // A read: after a lost connection (failure() closed it) it is tried once more on a new one.
    auto found = lookUp(secret);
    if (!found && found.error().code != QLatin1String("store.unavailable"))
        found = lookUp(secret);
    return found;
}

Result<std::optional<ApiToken>> ApiTokenStore::lookUp(const QByteArray &secret) const
{
    JF_TOKEN_DB(db)
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT name, role, node_id, created_at, created_by FROM api_tokens WHERE hash = ?"));
    q.addBindValue(QString::fromLatin1(hash(secret)));
    if (!q.exec())
        return failure(QStringLiteral("look up a token"), q.lastError().text());
    if (!q.next())
        return std::optional<ApiToken>();
    return std::optional<ApiToken>(tokenFromRow(q));
}

Result<int> ApiTokenStore::moveFrom(const ApiTokenStore &from, QStringList *kept)
{
    QString fromError;
    const QSqlDatabase source = from.database(fromError);
    if (!source.isValid())
        return makeError(QStringLiteral("store.unavailable"), fromError);
    JF_TOKEN_DB(db)
    QSqlQuery read(source);
    if (!read.exec(QStringLiteral("SELECT name, role, node_id, hash, created_at, created_by FROM "
                                  "api_tokens ORDER BY name")))
        return from.failure(QStringLiteral("read tokens to move"), read.lastError().text());
    struct Row
    {
        QString name, role, nodeId, hash;
        qint64 createdAt;
        QString createdBy;
    };
    QList<Row> rows;
    while (read.next())
        rows << Row{read.value(0).toString(), read.value(1).toString(),   read.value(2).toString(),
                    read.value(3).toString(), read.value(4).toLongLong(), read.value(5).toString()};
    read.finish();
    int moved = 0;
    for (const Row &r : rows) {
        // Here already (moved before, or the same token): nothing to insert.
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO api_tokens(name, role, node_id, hash, created_at, "
                                 "created_by) VALUES (?, ?, ?, ?, ?, ?)"
                                 " ON CONFLICT DO NOTHING"));
        q.addBindValue(r.name);
        q.addBindValue(r.role);
        q.addBindValue(sqlText(r.nodeId));
        q.addBindValue(r.hash);
        q.addBindValue(r.createdAt);
        q.addBindValue(sqlText(r.createdBy));
        if (!q.exec())
            return failure(QStringLiteral("move token %1").arg(r.name), q.lastError().text());
        q.prepare(QStringLiteral("SELECT name FROM api_tokens WHERE hash = ?"));
        q.addBindValue(r.hash);
        if (!q.exec())
            return failure(QStringLiteral("move token %1").arg(r.name), q.lastError().text());
        if (!q.next() || q.value(0).toString() != r.name) {
            if (kept)
                kept->append(r.name);
            continue;
        }
        QSqlQuery remove(source);
        remove.prepare(QStringLiteral("DELETE FROM api_tokens WHERE name = ?"));
        remove.addBindValue(r.name);
        if (!remove.exec())
            return from.failure(QStringLiteral("remove moved token %1").arg(r.name),
                                remove.lastError().text());
        ++moved;
    }
    return moved;
}

} // namespace jobfirst
