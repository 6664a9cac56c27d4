// SPDX-License-Identifier: GPL-3.0-or-later
#include "apicall.h"

#include "requestguard.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace jobfirst {

ApiCall::ApiCall(QHttpServerResponder &&responder, QTcpSocket *socket)
    : m_responder(std::make_shared<QHttpServerResponder>(std::move(responder))), m_socket(socket)
{
}

ApiCall::~ApiCall()
{
    if (!m_answered)
        RequestGuard::answered(m_socket);
}

std::optional<QJsonObject> ApiCall::jsonObject()
{
    if (body.trimmed().isEmpty())
        return QJsonObject();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        error(400, QStringLiteral("json.syntax"), QStringLiteral("the body is not JSON: %1 at offset %2").arg(pe.errorString()).arg(pe.offset));
        return std::nullopt;
    }
    if (!doc.isObject()) {
        error(400, QStringLiteral("json.type"), QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return doc.object();
}

std::optional<qint64> ApiCall::queryInt(const QString &name, qint64 fallback, qint64 lo, qint64 hi)
{
    if (!query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 v = query.queryItemValue(name).toLongLong(&ok);
    if (!ok || v < lo || v > hi) {
        error(400, QStringLiteral("query.invalid"),
              QStringLiteral("query parameter '%1' must be a whole number from %2 to %3").arg(name).arg(lo).arg(hi), name);
        return std::nullopt;
    }
    return v;
}

void ApiCall::bytes(int status, const QByteArray &body, const QByteArray &contentType)
{
    if (m_answered)
        return;
    m_answered = true;
    if (!m_socket || !m_responder)
        return; // the client left
    m_responder->write(body, {{"Content-Type", contentType}, {"Cache-Control", "no-store"}},
                       QHttpServerResponder::StatusCode(status));
    RequestGuard::answered(m_socket);
}

void ApiCall::json(int status, const QJsonValue &value)
{
    const QByteArray text = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                            : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    bytes(status, text, "application/json");
}

void ApiCall::error(int status, const QString &code, const QString &message, const QString &field,
                    const Sentence &sentence)
{
    QJsonObject o{{QStringLiteral("error"), message}, {QStringLiteral("code"), code}};
    if (!field.isEmpty())
        o.insert(QStringLiteral("field"), field);
    // The message with its values apart, so that a remote console says it in its language.
    if (!sentence.isEmpty())
        o.insert(QStringLiteral("sentence"), sentence.toJson());
    json(status, o);
}

void ApiCall::fail(const Error &e)
{
    error(httpStatusFor(e), e.code, e.message, e.field, e.sentence);
}

std::shared_ptr<QHttpServerResponder> ApiCall::takeResponder()
{
    m_answered = true;
    return std::exchange(m_responder, nullptr);
}

int httpStatusFor(const Error &e)
{
    const QString &c = e.code;
    if (c == QLatin1String("auth.forbidden"))
        return 403;
    if (c.endsWith(QLatin1String(".unknown")) || c == QLatin1String("sync.unknown_target") || c == QLatin1String("config.no_version"))
        return 404;
    if (c.endsWith(QLatin1String(".duplicate")) || c == QLatin1String("cluster.full") ||
        c == QLatin1String("sync.not_dead") || c == QLatin1String("backup.held") ||
        c == QLatin1String("backup.exists") || c == QLatin1String("backup.postgres") ||
        c == QLatin1String("daemon.alive") || c == QLatin1String("daemon.not_shared"))
        return 409;
    // A wrong passphrase or a file that is not a (good) backup is the caller's input.
    if (c == QLatin1String("backup.passphrase") || c.startsWith(QLatin1String("backup.corrupt.")) ||
        c.startsWith(QLatin1String("backup.format.")))
        return 400;
    if (c == QLatin1String("engine.closed") || c == QLatin1String("sync.stopped") || c == QLatin1String("sync.queue_full")
        || c.endsWith(QLatin1String("no_node")) || c.startsWith(QLatin1String("store.")))
        return 503;
    if (c.contains(QLatin1String("invalid")) || c.endsWith(QLatin1String(".syntax")) || c.endsWith(QLatin1String(".unknown_key"))
        || c.startsWith(QLatin1String("duration.")) || c.startsWith(QLatin1String("json.")) || c.startsWith(QLatin1String("event."))
        || c == QLatin1String("pick.count") || c.startsWith(QLatin1String("import.")))
        return 400;
    if (c.startsWith(QLatin1String("consistency.")))
        return 502;
    return 500;
}

} // namespace jobfirst
