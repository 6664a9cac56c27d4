// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "requestguard.h"

#include <QTcpServer>

namespace jobfirst {

/// The admin API's listening socket, a QTcpServer (plain HTTP) or a TlsServer (HTTPS, the TLS
/// handshake is its own): every connection it hands to the HTTP server is a RequestGuard
/// standing in front of the client's socket. QAbstractHttpServer takes connections with
/// nextPendingConnection(), so the guard is in place before the server reads a byte.
template <typename Server> class GuardedServer final : public Server
{
public:
    explicit GuardedServer(RequestRules rules, QObject *parent = nullptr)
        : Server(parent), m_rules(std::move(rules))
    {
    }

    QTcpSocket *nextPendingConnection() override
    {
        return RequestGuard::guard(Server::nextPendingConnection(), m_rules);
    }

private:
    RequestRules m_rules;
};

} // namespace jobfirst
