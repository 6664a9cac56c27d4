// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpserver.h"

#include "httprequestparser.h"

#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace jobfirst::sim {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

// Per-connection parse state, kept on the socket as a property-free side table.
struct Connection
{
    QByteArray buffer;
    bool busy = false; // a request is being answered; later ones wait in the buffer
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

QHash<QTcpSocket *, Connection> &connections()
{
    static thread_local QHash<QTcpSocket *, Connection> table;
    return table;
}

} // namespace

HttpResponder::HttpResponder(QTcpSocket *socket, std::shared_ptr<bool> alive, bool keepAlive)
    : m_socket(socket), m_alive(std::move(alive)), m_keepAlive(keepAlive)
{
}

void HttpResponder::respond(int status, const QByteArray &body, const QByteArray &contentType,
                            const QList<std::pair<QByteArray, QByteArray>> &extraHeaders)
{
    if (m_answered || !m_socket || !*m_alive)
        return;
    m_answered = true;
    QByteArray out;
    out.reserve(body.size() + 160);
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    out += "Content-Type: " + contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto &h : extraHeaders)
        out += h.first + ": " + h.second + "\r\n";
    out += m_keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    out += body;
    QTcpSocket *socket = m_socket;
    socket->write(out);
    if (!m_keepAlive) {
        socket->disconnectFromHost();
        return;
    }
    auto it = connections().find(socket);
    if (it != connections().end()) {
        it->busy = false;
        if (!it->buffer.isEmpty())
            QMetaObject::invokeMethod(socket, [socket] { emit socket->readyRead(); }, Qt::QueuedConnection);
    }
}

void HttpResponder::respondTrickle(int status, const QByteArray &body, int intervalMs)
{
    if (m_answered || !m_socket || !*m_alive)
        return;
    m_answered = true;
    auto out = std::make_shared<QByteArray>(
        "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body);
    auto sent = std::make_shared<qsizetype>(0);
    QPointer<QTcpSocket> socket = m_socket;
    auto *timer = new QTimer(socket);
    QObject::connect(timer, &QTimer::timeout, timer, [socket, timer, out, sent] {
        if (!socket || *sent >= out->size()) {
            timer->deleteLater();
            return;
        }
        socket->write(out->constData() + *sent, 1);
        ++*sent;
    });
    timer->start(intervalMs);
}

void HttpResponder::drop()
{
    if (m_answered || !m_socket || !*m_alive)
        return;
    m_answered = true;
    m_socket->abort();
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent), m_handler(std::move(handler))
{
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (m_useTls) {
        // Connections come out of the server once their handshake is done; one that fails it
        // (an untrusted or missing client certificate) is closed by QSslServer.
        auto *server = new QSslServer(this);
        server->setSslConfiguration(m_tls);
        server->setHandshakeTimeout(10000);
        m_server = server;
    } else {
        m_server = new QTcpServer(this);
    }
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onConnection);
    m_server->setMaxPendingConnections(1024);
    return m_server->listen(address, port);
}

quint16 HttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}
QString HttpServer::errorString() const
{
    return m_server ? m_server->errorString() : QString();
}

void HttpServer::onConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        connections().insert(socket, Connection{});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [socket] {
            auto it = connections().find(socket);
            if (it != connections().end()) {
                *it->alive = false;
                connections().erase(it);
            }
            socket->deleteLater();
        });
        // A TLS connection may bring its first request with the end of the handshake.
        if (socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(
                this, [this, socket] { onReadyRead(socket); }, Qt::QueuedConnection);
    }
}

void HttpServer::onReadyRead(QTcpSocket *socket)
{
    auto it = connections().find(socket);
    if (it == connections().end())
        return;
    it->buffer += socket->readAll();
    while (!it->busy) {
        HttpRequestParser::Parsed parsed = HttpRequestParser::parse(it->buffer);
        if (parsed.state == HttpRequestParser::State::Incomplete)
            return;
        if (parsed.state == HttpRequestParser::State::Invalid) {
            socket->write(
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        HttpRequest request = std::move(parsed.request);
        it->buffer.remove(0, parsed.consumed);
        const bool keepAlive = parsed.keepAlive;
        it->busy = true;
        auto responder = std::make_shared<HttpResponder>(socket, it->alive, keepAlive);
        const std::shared_ptr<bool> alive = it->alive;
        m_handler(request, responder);
        if (!*alive)
            return;
        it = connections().find(socket);
        if (it == connections().end())
            return;
    }
}

} // namespace jobfirst::sim
