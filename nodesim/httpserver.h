// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>

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
    /// Answers one byte every `intervalMs` (a peer too slow to be worth waiting for).
    void respondTrickle(int status, const QByteArray &body, int intervalMs);
    void drop();
    bool answered() const { return m_answered; }

private:
    QPointer<QTcpSocket> m_socket;
    std::shared_ptr<bool> m_alive;
    bool m_keepAlive;
    bool m_answered = false;
};

/// A small HTTP/1.1 server with keep-alive, enough for health checks and webhook deliveries,
/// over plain TCP or TLS (optionally requiring a client certificate). Requests of one
/// connection are answered in order.
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    using Handler = std::function<void(const HttpRequest &, std::shared_ptr<HttpResponder>)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    /// Serve TLS with this configuration (certificate, key, and for mTLS the client CAs with
    /// peer verification); call before listen().
    void setTls(const QSslConfiguration &tls)
    {
        m_tls = tls;
        m_useTls = true;
    }
    bool listen(const QHostAddress &address, quint16 port);
    quint16 port() const;
    QString errorString() const;

private:
    void onConnection();
    void onReadyRead(QTcpSocket *socket);

    Handler m_handler;
    QTcpServer *m_server = nullptr;
    QSslConfiguration m_tls;
    bool m_useTls = false;
};

} // namespace jobfirst::sim
