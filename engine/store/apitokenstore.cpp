// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/apitokenstore.h"

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
    QSqlQuery q(m_store->database());
    q.prepare(QStringLiteral("INSERT INTO api_tokens(name, role, node_id, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(name);
    q.addBindValue(roleName(role));
    q.addBindValue(sqlText(nodeId));
    q.addBindValue(QString::fromLatin1(hash(created.secret.toLatin1())));
    q.addBindValue(created.token.createdAt);
    q.addBindValue(sqlText(createdBy));
    if (!q.exec()) {
        if (q.lastError().nativeErrorCode() == QLatin1String("1555") || q.lastError().text().contains(QLatin1String("UNIQUE")))
            return makeError(QStringLiteral("token.duplicate"), QStringLiteral("there is already a token named \"%1\"").arg(name));
        return storeError(m_store->path(), QStringLiteral("create token %1").arg(name), q.lastError().text());
    }
    return created;
}

Result<QList<ApiToken>> ApiTokenStore::list() const
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("SELECT name, role, node_id, created_at, created_by FROM api_tokens ORDER BY name")))
        return storeError(m_store->path(), QStringLiteral("list tokens"), q.lastError().text());
    QList<ApiToken> tokens;
    while (q.next())
        tokens << tokenFromRow(q);
    return tokens;
}

Status ApiTokenStore::revoke(const QString &name)
{
    QSqlQuery q(m_store->database());
    q.prepare(QStringLiteral("DELETE FROM api_tokens WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("revoke token %1").arg(name), q.lastError().text());
    if (q.numRowsAffected() == 0)
        return makeError(QStringLiteral("token.unknown"), QStringLiteral("there is no token named \"%1\"").arg(name));
    return {};
}

Result<std::optional<ApiToken>> ApiTokenStore::authenticate(const QByteArray &secret) const
{
    QSqlQuery q(m_store->database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT name, role, node_id, created_at, created_by FROM api_tokens WHERE hash = ?"));
    q.addBindValue(QString::fromLatin1(hash(secret)));
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("look up a token"), q.lastError().text());
    if (!q.next())
        return std::optional<ApiToken>();
    return std::optional<ApiToken>(tokenFromRow(q));
}

} // namespace jobfirst
