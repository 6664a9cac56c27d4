// SPDX-License-Identifier: GPL-3.0-or-later
#include "noderegistration.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace jobfirst::sim {

NodeRegistration::NodeRegistration(QUrl engine, QByteArray token, QString nodeId, QString nodeUrl)
    : m_engine(std::move(engine)), m_token(std::move(token)), m_nodeId(std::move(nodeId)), m_nodeUrl(std::move(nodeUrl))
{
}

Result<int> NodeRegistration::send(const QByteArray &method, const QString &path, const QByteArray &body, int timeoutMs) const
{
    QNetworkAccessManager nam;
    QUrl url = m_engine;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return makeError(QStringLiteral("register.unreachable"),
                         QStringLiteral("cannot reach the engine at %1: %2").arg(m_engine.toString(), reply->errorString()));
    if (status >= 400 && status != 409) {
        const QString why = QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("error")).toString();
        return makeError(QStringLiteral("register.refused"), QStringLiteral("the engine refused (HTTP %1): %2").arg(status).arg(why));
    }
    return status;
}

Status NodeRegistration::registerNode(int timeoutMs) const
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("id"), m_nodeId}, {QStringLiteral("url"), m_nodeUrl}})
                                .toJson(QJsonDocument::Compact);
    auto posted = send("POST", QStringLiteral("/api/v1/nodes"), body, timeoutMs);
    if (!posted)
        return posted.error();
    if (posted.value() != 409)
        return {};
    // Registered before (a restart): say where it is now.
    auto put = send("PUT", QStringLiteral("/api/v1/nodes/") + m_nodeId, body, timeoutMs);
    return put ? Status() : Status(put.error());
}

Status NodeRegistration::deregister(int timeoutMs) const
{
    auto deleted = send("DELETE", QStringLiteral("/api/v1/nodes/") + m_nodeId, {}, timeoutMs);
    return deleted ? Status() : Status(deleted.error());
}

} // namespace jobfirst::sim
