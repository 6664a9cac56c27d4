// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSslConfiguration>
#include <QTcpServer>

#include <list>

class QSslSocket;

namespace jobfirst {

/// The admin API's HTTPS listener: it hands a connection out once its TLS handshake is done,
/// and closes one whose handshake is not done within HandshakeTimeoutMs (logged once, at info,
/// with the peer).
///
/// Not QSslServer: in Qt 6.4 a connection still in its handshake counts against
/// maxPendingConnections (30), so 30 clients that open a connection and send nothing stop it
/// accepting, and one that sends something other than a ClientHello leaves it stopped for good.
/// Here handshakes in progress never stop accepting; they are bounded by the process's file
/// limit (idleConnectionBudget()), the oldest closed first to make room for a new one.
class TlsServer : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TlsServer)

public:
    static constexpr int HandshakeTimeoutMs = 10000;

    explicit TlsServer(QObject *parent = nullptr);
    ~TlsServer() override;

    void setSslConfiguration(const QSslConfiguration &configuration);

protected:
    void incomingConnection(qintptr handle) override;

private:
    void watchHandshake(QSslSocket *socket);
    /// Closes the connection whose handshake did not finish; `why` goes to the log.
    void dropHandshake(QSslSocket *socket, const QString &why);
    void makeRoom();

    QSslConfiguration m_configuration;
    std::list<QSslSocket *> m_handshaking; ///< oldest first
    std::size_t m_capacity;
};

} // namespace jobfirst
