// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlsserver.h"

#include "core/connectionbudget.h"
#include "core/jsonlog.h"

#include <QSslSocket>
#include <QTimer>

#include <algorithm>

namespace jobfirst {

TlsServer::TlsServer(QObject *parent)
    : QTcpServer(parent), m_capacity(std::max<std::size_t>(idleConnectionBudget(), 1))
{
}

TlsServer::~TlsServer()
{
    for (QSslSocket *socket : m_handshaking)
        socket->disconnect(this);
}

void TlsServer::setSslConfiguration(const QSslConfiguration &configuration)
{
    m_configuration = configuration;
}

void TlsServer::incomingConnection(qintptr handle)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    if (m_handshaking.size() >= m_capacity)
        makeRoom();
    socket->setSslConfiguration(m_configuration);
    watchHandshake(socket);
    socket->startServerEncryption();
}

void TlsServer::watchHandshake(QSslSocket *socket)
{
    m_handshaking.push_back(socket);
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, this, [this, socket] {
        dropHandshake(socket, QStringLiteral("its TLS handshake did not finish within %1 s")
                                  .arg(HandshakeTimeoutMs / 1000));
    });
    deadline->start(HandshakeTimeoutMs);
    connect(socket, &QObject::destroyed, this, [this, socket] { m_handshaking.remove(socket); });
    // All with this as context: once encrypted, the connection is the RequestGuard's.
    connect(socket, &QAbstractSocket::disconnected, this, [socket] { socket->deleteLater(); });
    connect(socket, &QAbstractSocket::errorOccurred, this,
            [this, socket](QAbstractSocket::SocketError error) {
                // A client that connects and leaves (a port check) is not worth a line.
                if (error == QAbstractSocket::SslHandshakeFailedError)
                    dropHandshake(
                        socket,
                        QStringLiteral("its TLS handshake failed: %1").arg(socket->errorString()));
                else
                    socket->deleteLater();
            });
    connect(socket, &QSslSocket::encrypted, this, [this, socket, deadline] {
        delete deadline;
        socket->disconnect(this);
        m_handshaking.remove(socket);
        addPendingConnection(socket);
        emit newConnection();
    });
}

void TlsServer::dropHandshake(QSslSocket *socket, const QString &why)
{
    logJson(QStringLiteral("info"), QStringLiteral("api"),
            QStringLiteral("closed a connection: %1").arg(why),
            {{QStringLiteral("peer"), socket->peerAddress().toString()}});
    socket->disconnect(this);
    m_handshaking.remove(socket);
    socket->abort();
    socket->deleteLater();
}

void TlsServer::makeRoom()
{
    dropHandshake(m_handshaking.front(),
                  QStringLiteral("%1 TLS handshakes were in progress, the most this process "
                                 "takes; it waited longest")
                      .arg(m_handshaking.size()));
}

} // namespace jobfirst
