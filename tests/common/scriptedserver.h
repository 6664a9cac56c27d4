// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QTcpServer>

class QTcpSocket;

/// A real TCP server on loopback that answers each request with the bytes it is given, as
/// misbehaving peers do (an answer that is not HTTP, one cut off in the middle), and then does
/// what the test says: keep the connection, close it, or reset it. Runs on the test's event loop.
class ScriptedServer final : public QObject
{
public:
    /// What becomes of a connection once the first bytes of a request came and were answered.
    enum class Ending {
        Keep,
        Close,
        Reset,       ///< a TCP reset, as a crashed process or a refusing server leaves it
        ResetAtOnce, ///< reset as soon as it is accepted, before any request
    };

    /// `answer` empty: reads requests and answers none (and closes or resets as told).
    explicit ScriptedServer(QByteArray answer, bool closeAfter = false);
    ScriptedServer(QByteArray answer, Ending ending);
    QString url(const QString &path = QStringLiteral("/health")) const;
    int accepted() const { return m_accepted; }
    const QByteArray &requests() const { return m_requests; }
    /// Closes every connection it holds, as a node with an idle timeout does.
    void closeAll();

private:
    void serve(QTcpSocket *socket);

    QTcpServer m_server;
    QByteArray m_answer;
    Ending m_ending;
    int m_accepted = 0;
    QByteArray m_requests;
};
