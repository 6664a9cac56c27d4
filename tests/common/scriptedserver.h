// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QTcpServer>

/// A real TCP server on loopback that answers each request with the bytes it is given, as
/// misbehaving peers do (an answer that is not HTTP, one cut off in the middle), and then does
/// what the test says: keep the connection, or close it. Runs on the test's event loop.
class ScriptedServer final : public QObject
{
public:
    /// `answer` empty: reads requests and never answers.
    explicit ScriptedServer(QByteArray answer, bool closeAfter = false);
    QString url(const QString &path = QStringLiteral("/health")) const;
    int accepted() const { return m_accepted; }
    const QByteArray &requests() const { return m_requests; }
    /// Closes every connection it holds, as a node with an idle timeout does.
    void closeAll();

private:
    QTcpServer m_server;
    QByteArray m_answer;
    bool m_closeAfter;
    int m_accepted = 0;
    QByteArray m_requests;
};
