// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/syncevent.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace jobfirst {

QStringList knownEventTypes()
{
    static const QStringList types{QStringLiteral("user.created"),     QStringLiteral("user.updated"), QStringLiteral("user.status"),
                                   QStringLiteral("user.login"),       QStringLiteral("user.logout"),  QStringLiteral("user.permissions"),
                                   QStringLiteral("user.quota"),       QStringLiteral("session"),      QStringLiteral("config"),
                                   QStringLiteral("state")};
    return types;
}

bool isClusterEventType(const QString &type)
{
    return type == u"session" || type == u"config" || type == u"state";
}

QString idProblem(const QString &id)
{
    if (id.size() > MaxIdBytes || id.toUtf8().size() > MaxIdBytes)
        return QStringLiteral("is longer than %1 bytes").arg(MaxIdBytes);
    for (const QChar c : id) {
        // Control characters (CR/LF would end up in the webhook-id header), format characters
        // (bidi overrides that make a log lie) and unassigned code points are refused.
        switch (c.category()) {
        case QChar::Other_Control:
        case QChar::Other_Format:
        case QChar::Other_Surrogate:
        case QChar::Other_NotAssigned:
        case QChar::Separator_Line:
        case QChar::Separator_Paragraph:
            return QStringLiteral("holds a non-printable character (U+%1)")
                .arg(c.unicode(), 4, 16, QLatin1Char('0'));
        default:
            break;
        }
    }
    return {};
}

namespace {

// A shortened, printable form of an id for messages: the id itself may be what is wrong.
QString shown(const QString &id)
{
    QString out;
    for (const QChar c : id.left(60))
        out += c.isPrint() ? QString(c)
                           : QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
    return id.size() > 60 ? out + QStringLiteral("…") : out;
}

} // namespace

Status SyncEvent::validate() const
{
    if (!knownEventTypes().contains(type))
        return makeError(QStringLiteral("event.invalid_type"),
                         QStringLiteral("event type \"%1\" is not known (%2)")
                             .arg(shown(type), knownEventTypes().join(u", ")));
    if (userId.trimmed().isEmpty())
        return makeError(QStringLiteral("event.invalid_user"),
                         QStringLiteral("event user id is empty"));
    if (const QString why = idProblem(userId); !why.isEmpty())
        return makeError(QStringLiteral("event.invalid_user"),
                         QStringLiteral("event user id \"%1\" %2").arg(shown(userId), why));
    if (const QString why = idProblem(eventId); !why.isEmpty())
        return makeError(QStringLiteral("event.invalid_id"),
                         QStringLiteral("event id \"%1\" %2").arg(shown(eventId), why));
    return {};
}

QByteArray SyncEvent::toPayload() const
{
    QJsonObject o{{QStringLiteral("id"), eventId},
                  {QStringLiteral("type"), type},
                  {QStringLiteral("user_id"), userId},
                  {QStringLiteral("timestamp"), QDateTime::fromMSecsSinceEpoch(createdAt, Qt::UTC).toString(Qt::ISODateWithMs)},
                  {QStringLiteral("data"), data}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<SyncEvent> SyncEvent::fromJson(const QJsonObject &o)
{
    SyncEvent e;
    e.eventId = o.value(QStringLiteral("id")).toString();
    e.type = o.value(QStringLiteral("type")).toString();
    e.userId = o.value(QStringLiteral("user_id")).toVariant().toString();
    const QJsonValue data = o.value(QStringLiteral("data"));
    if (!data.isUndefined() && !data.isObject())
        return makeError(QStringLiteral("event.invalid_data"), QStringLiteral("event \"data\" must be a JSON object"));
    e.data = data.toObject();
    if (Status s = e.validate(); !s)
        return s.error();
    return e;
}

QJsonObject redactSecrets(const QJsonObject &data)
{
    static const QStringList secretKeys = {QStringLiteral("token"), QStringLiteral("password"), QStringLiteral("secret"),
                                           QStringLiteral("refresh_token"), QStringLiteral("access_token"),
                                           QStringLiteral("api_key")};
    QJsonObject out;
    for (auto it = data.begin(); it != data.end(); ++it) {
        if (secretKeys.contains(it.key().toLower()) && it.value().isString()) {
            const QString v = it.value().toString();
            out.insert(it.key(), v.size() > 8 ? QStringLiteral("••••") + v.right(4) : QStringLiteral("••••"));
        } else if (it.value().isObject()) {
            out.insert(it.key(), redactSecrets(it.value().toObject()));
        } else {
            out.insert(it.key(), it.value());
        }
    }
    return out;
}

} // namespace jobfirst
