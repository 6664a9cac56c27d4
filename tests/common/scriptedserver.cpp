// SPDX-License-Identifier: GPL-3.0-or-later
#include "scriptedserver.h"

#include <QTcpSocket>

ScriptedServer::ScriptedServer(QByteArray answer, bool closeAfter)
    : m_answer(std::move(answer)), m_closeAfter(closeAfter)
{
    m_server.listen(QHostAddress::LocalHost);
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *s = m_server.nextPendingConnection()) {
            ++m_accepted;
            connect(s, &QTcpSocket::readyRead, this, [this, s] {
                m_requests += s->readAll();
                if (m_answer.isEmpty())
                    return; // never answers
                s->write(m_answer);
                if (m_closeAfter)
                    s->disconnectFromHost();
            });
        }
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
