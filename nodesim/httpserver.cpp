// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpserver.h"

#include <QTcpServer>
#include <QTcpSocket>

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

void HttpResponder::drop()
{
    if (m_answered || !m_socket || !*m_alive)
        return;
    m_answered = true;
    m_socket->abort();
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent), m_handler(std::move(handler)), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onConnection);
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    m_server->setMaxPendingConnections(1024);
    return m_server->listen(address, port);
}

quint16 HttpServer::port() const { return m_server->serverPort(); }
QString HttpServer::errorString() const { return m_server->errorString(); }

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
    }
}

void HttpServer::onReadyRead(QTcpSocket *socket)
{
    auto it = connections().find(socket);
    if (it == connections().end())
        return;
    it->buffer += socket->readAll();
    while (!it->busy) {
        const qsizetype headerEnd = it->buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            if (it->buffer.size() > 64 * 1024)
                socket->abort();
            return;
        }
        HttpRequest request;
        const QList<QByteArray> lines = it->buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() < 3) {
            socket->abort();
            return;
        }
        request.method = requestLine.at(0);
        const QByteArray target = requestLine.at(1);
        const qsizetype q = target.indexOf('?');
        request.path = q < 0 ? target : target.left(q);
        request.query = q < 0 ? QByteArray() : target.mid(q + 1);
        for (int i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                request.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
        }
        const qint64 length = request.headers.value("content-length", "0").toLongLong();
        if (length < 0 || length > 64 * 1024 * 1024) {
            socket->abort();
            return;
        }
        if (it->buffer.size() < headerEnd + 4 + length)
            return; // wait for the rest of the body
        request.body = it->buffer.mid(headerEnd + 4, length);
        it->buffer.remove(0, headerEnd + 4 + length);
        const bool keepAlive = requestLine.at(2) == "HTTP/1.1"
                                   ? request.headers.value("connection").toLower() != "close"
                                   : request.headers.value("connection").toLower() == "keep-alive";
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
