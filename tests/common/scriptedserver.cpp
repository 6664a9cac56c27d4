// SPDX-License-Identifier: GPL-3.0-or-later
#include "scriptedserver.h"

#include <QTcpSocket>

#include <sys/socket.h>

namespace {

/// Ends the connection with a TCP reset instead of the orderly close (no linger time).
void reset(QTcpSocket *socket)
{
    const linger none{1, 0};
    setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &none, sizeof none);
    socket->abort();
}

} // namespace

ScriptedServer::ScriptedServer(QByteArray answer, bool closeAfter)
    : ScriptedServer(std::move(answer), closeAfter ? Ending::Close : Ending::Keep)
{
}

ScriptedServer::ScriptedServer(QByteArray answer, Ending ending)
    : m_answer(std::move(answer)), m_ending(ending)
{
    m_server.listen(QHostAddress::LocalHost);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *s = m_server.nextPendingConnection()) {
            ++m_accepted;
            serve(s);
        }
    });
}

void ScriptedServer::serve(QTcpSocket *s)
{
    if (m_ending == Ending::ResetAtOnce)
        return reset(s);
    connect(s, &QTcpSocket::readyRead, this, [this, s] {
        m_requests += s->readAll();
        if (m_answer.isEmpty() && m_ending == Ending::Keep)
            return; // never answers
        s->write(m_answer);
        s->flush();
        if (m_ending == Ending::Close)
            s->disconnectFromHost();
        else if (m_ending == Ending::Reset)
            reset(s);
    });
}

QString ScriptedServer::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path);
}

void ScriptedServer::closeAll()
{
    for (QTcpSocket *s : m_server.findChildren<QTcpSocket *>())
        s->disconnectFromHost();
}
