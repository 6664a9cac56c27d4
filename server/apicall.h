// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/role.h"
#include "core/result.h"

#include <QHash>
#include <QHostAddress>
#include <QHttpServerResponder>
#include <QJsonObject>
#include <QJsonValue>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <memory>
#include <optional>

namespace jobfirst {

class LocalEngineSession;

/// Who is calling: the token's name and role (a node token also names its node).
struct ApiIdentity
{
    QString name;
    Role role = Role::Viewer;
    QString nodeId;
    qint64 tokenCreatedAt = 0; ///< with the name, which token it is (a name may be made again)
};

/// One admin API request being answered. Answers may come later (from the engine thread's
/// futures); the socket is watched so an answer to a client that left is dropped.
class ApiCall final
{
public:
    ApiCall(QHttpServerResponder &&responder, QTcpSocket *socket);
    /// Never answered: the connection's guard is told that no answer will come.
    ~ApiCall();

    QByteArray method;
    QString path;
    QUrlQuery query;
    QByteArray body;
    QHostAddress peer;
    QHash<QString, QString> params; ///< captures of the route pattern ({id}, {name})
    ApiIdentity identity;
    LocalEngineSession *session = nullptr; ///< acts as the caller (audited under its name)

    /// The body as a JSON object; on failure answers 400 and returns nullopt.
    std::optional<QJsonObject> jsonObject();
    QString param(const QString &name) const { return params.value(name); }
    /// A query parameter as a whole number in [lo, hi]; on failure answers 400.
    std::optional<qint64> queryInt(const QString &name, qint64 fallback, qint64 lo, qint64 hi);

    void json(int status, const QJsonValue &value);
    void bytes(int status, const QByteArray &body, const QByteArray &contentType);
    void error(int status, const QString &code, const QString &message, const QString &field = {},
               const Sentence &sentence = {});
    /// Answers an engine error with the HTTP status its code calls for.
    void fail(const Error &error);
    bool answered() const { return m_answered; }
    QTcpSocket *socket() const { return m_socket; }
    /// Hands the responder over (the event stream keeps writing to it).
    std::shared_ptr<QHttpServerResponder> takeResponder();

private:
    std::shared_ptr<QHttpServerResponder> m_responder;
    QPointer<QTcpSocket> m_socket;
    bool m_answered = false;
};

/// The HTTP status for an engine error code ("node.unknown" is 404, "node.duplicate" 409...).
int httpStatusFor(const Error &error);

} // namespace jobfirst
