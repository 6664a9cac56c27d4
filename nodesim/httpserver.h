// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace jobfirst::sim {

struct HttpRequest
{
    QByteArray method;
    QByteArray path;   ///< without the query
    QByteArray query;
    QHash<QByteArray, QByteArray> headers; ///< names lower case
    QByteArray body;
};

/// Answers one request, now or later; may also never answer (hang) or drop the connection.
class HttpResponder
{
public:
    HttpResponder(QTcpSocket *socket, std::shared_ptr<bool> alive, bool keepAlive);
    void respond(int status, const QByteArray &body, const QByteArray &contentType = "application/json",
                 const QList<std::pair<QByteArray, QByteArray>> &extraHeaders = {});
    void drop();
    bool answered() const { return m_answered; }

private:
    QPointer<QTcpSocket> m_socket;
    std::shared_ptr<bool> m_alive;
    bool m_keepAlive;
    bool m_answered = false;
};

/// A small HTTP/1.1 server with keep-alive, enough for health checks and webhook deliveries.
/// Requests of one connection are answered in order.
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    using Handler = std::function<void(const HttpRequest &, std::shared_ptr<HttpResponder>)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    bool listen(const QHostAddress &address, quint16 port);
    quint16 port() const;
    QString errorString() const;

private:
    void onConnection();
    void onReadyRead(QTcpSocket *socket);

    Handler m_handler;
    QTcpServer *m_server;
};

} // namespace jobfirst::sim
