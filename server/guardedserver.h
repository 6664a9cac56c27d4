// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backoffacceptor.h"
#include "requestguard.h"

#include <QTcpServer>

namespace jobfirst {

/// The admin API's listening socket, a QTcpServer (plain HTTP) or a TlsServer (HTTPS, the TLS
/// handshake is its own): every connection it hands to the HTTP server is a RequestGuard
/// standing in front of the client's socket. QAbstractHttpServer takes connections with
/// nextPendingConnection(), so the guard is in place before the server reads a byte. A
/// BackoffAcceptor accepts in Qt's place, so that running out of file descriptors neither
/// spins nor stops the API.
template <typename Server> class GuardedServer final : public Server
{
public:
    explicit GuardedServer(RequestRules rules, QObject *parent = nullptr)
        : Server(parent), m_rules(std::move(rules))
    {
    }

    /// QTcpServer::listen(), and accepting by the BackoffAcceptor from then on.
    bool listenGuarded(const QHostAddress &address, quint16 port)
    {
        if (!Server::listen(address, port))
            return false;
        Server::pauseAccepting(); // Qt's own accepting
        new BackoffAcceptor(
            Server::socketDescriptor(),
            [this](qintptr socket) {
                this->incomingConnection(socket);
                emit this->newConnection(); // as QTcpServer does after each accept
            },
            this);
        return true;
    }

    QTcpSocket *nextPendingConnection() override
    {
        QTcpSocket *next = Server::nextPendingConnection();
        // Qt's nextPendingConnection() turns its own accepting back on: off it stays.
        if (Server::isListening())
            Server::pauseAccepting();
        return RequestGuard::guard(next, m_rules);
    }

private:
    RequestRules m_rules;
};

} // namespace jobfirst
