// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QTcpSocket>

/// One answer read off a raw connection.
struct RawAnswer
{
    int status = 0;
    QByteArray head;
    QJsonObject json; ///< its body
};

/// Takes the first whole answer off `bytes` (empty status while it is not whole).
RawAnswer takeAnswer(QByteArray &bytes);

/// A raw connection to a server, as a hand-written client makes: what it answers collects in
/// `received`.
struct RawConnection
{
    QTcpSocket socket;
    QByteArray received;

    bool open(quint16 port);
};
