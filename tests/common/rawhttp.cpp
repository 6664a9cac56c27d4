// SPDX-License-Identifier: GPL-3.0-or-later
#include "rawhttp.h"

#include <QHostAddress>
#include <QJsonDocument>

RawAnswer takeAnswer(QByteArray &bytes)
{
    RawAnswer a;
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0)
        return a;
    const QByteArray head = bytes.left(end);
    const qsizetype at = head.toLower().indexOf("content-length:");
    const qsizetype length =
        at < 0 ? 0 : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toLongLong();
    if (bytes.size() < end + 4 + length)
        return a;
    a.head = head;
    a.status = head.mid(9, 3).toInt();
    a.json = QJsonDocument::fromJson(bytes.mid(end + 4, length)).object();
    bytes.remove(0, end + 4 + length);
    return a;
}

bool RawConnection::open(quint16 port)
{
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket,
                     [this] { received += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(5000);
}
