// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "requestframer.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QTimer>

namespace jobfirst {

/// How long a connection may wait for its client, or sit idle, before a RequestGuard closes it.
struct ConnectionTimeouts
{
    /// A new connection (after its TLS handshake) sends its first byte by then, or is closed
    /// without an answer: every client of the API sends its request at once, and HAProxy's
    /// `timeout http-request` counts this wait as part of the request's too.
    int firstByteMs = 10000;
    /// A keep-alive connection whose requests are all answered (and sent) is closed after this
    /// long without a byte either way. Longer than the 60 s Prometheus scrapes at by default, so
    /// a scraper keeps its connection, as nginx's keepalive_timeout (75 s) is.
    int idleMs = 75000;
    int headMs = 10000; ///< a begun request line and headers must be complete by then
    /// A body must be complete this long after its headers, plus a second for each
    /// bodyBytesPerSecond bytes its Content-Length announces (a large upload on a slow link).
    int bodyMs = 10000;
    qint64 bodyBytesPerSecond = 64 * 1024;
};

/// What a RequestGuard enforces on each connection.
struct RequestRules
{
    BodyLimit bodyLimit;
    ConnectionTimeouts timeouts;
};

/// The socket QHttpServer reads instead of the client's: it reads the client's socket (plain
/// or TLS) itself, checks each request's head with a RequestFramer, and passes on only the
/// bytes of requests that passed. A request that breaks a rule (or whose head or body is too
/// slow) is answered with a 4xx in the API's JSON error shape, after the server's answers to the
/// requests before it on the connection, and the connection is closed: QHttpServer never sees it
/// (6.4 closes without an answer, reads a bad Content-Length as none, or waits forever). What
/// QHttpServer writes goes to the client's socket. A connection that sends nothing at first, or
/// sits idle with every request answered, is closed quietly (QHttpServer 6.4 keeps it forever); one
/// whose answer is still being made (an event stream, a slow call) is never idle.
///
/// Standing in for the socket (rather than peeking at the client's buffer) is what makes this
/// work on keep-alive connections: QHttpServer reads each request inside a read transaction,
/// so what a peek shows depends on how far it got.
class RequestGuard final : public QTcpSocket
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestGuard)

public:
    /// After a refusal the connection reads and drops what the client still sends, and closes
    /// once the client has been silent this long: closing with unread bytes resets it, and a
    /// client still uploading (Qt's reads no answer before its body is sent) would lose the answer.
    static constexpr int LingerMs = 1000;
    /// ...or after this long in all, however much the client still sends.
    static constexpr int MaxDrainMs = 60000;

    /// Takes the client's socket (null gives null) and answers the guard to hand to the server.
    static QTcpSocket *guard(QTcpSocket *client, const RequestRules &rules);
    /// The server has written its whole answer to one request on `socket` (or will write none):
    /// a refusal of a later request on that connection waits for the answers before it.
    static void answered(QTcpSocket *socket);
    ~RequestGuard() override;

    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override;
    void disconnectFromHost() override;
    /// Ends the client's connection at once (QAbstractSocket::abort() lands here).
    void close() override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    RequestGuard(QTcpSocket *client, const RequestRules &rules);

    /// Takes the client's addresses and state, as the socket the server sees.
    void standIn();
    void setUpTimers(const ConnectionTimeouts &timeouts);
    void onClientBytes();
    void onClientGone();
    /// Passes on the bytes of the requests the framer accepted.
    void release();
    /// Times a head that has begun and a body that has not arrived yet.
    void timeRequest();
    /// Starts the idle clock when nothing is owed either way: no request begun or unanswered.
    void timeIdleness();
    /// Ends a connection that stayed idle: quietly, and said once in the log.
    void closeIdle();
    void refuse(const RequestRefusal &refusal);
    /// Writes the refusal once the server has answered every request before it.
    void answerRefusalWhenDue();
    /// After a refusal: what the client still sends is dropped; closes when it is done.
    void drain();

    QTcpSocket *m_client;
    RequestFramer m_framer;
    QByteArray m_held;   ///< from the client, not checked yet (a partial head)
    QByteArray m_passed; ///< checked, not read by the server yet
    qint64 m_released = 0; ///< bytes passed on so far
    qint64 m_answers = 0;  ///< requests the server has answered
    QByteArray m_refusal;  ///< the refusal's answer, until it is written
    QTimer m_headTimer;
    QTimer m_bodyTimer;
    QTimer m_idleTimer; ///< runs while the connection owes nothing: no request begun or unanswered
    int m_bodyTimeoutMs;
    qint64 m_bodyBytesPerSecond;
    int m_idleTimeoutMs;
    QTimer m_lingerTimer;           ///< after a refusal: the client's silence
    QDeadlineTimer m_drainDeadline; ///< after a refusal: when the drain ends at the latest
    qint64 m_timedHead = -1;        ///< which head the timer runs for (by headsAccepted())
    qint64 m_timedBody = -1;        ///< which body the timer runs for (by headsAccepted())
    bool m_heardFrom = false;       ///< the client has sent a byte
    bool m_refused = false;         ///< nothing more the client sends is passed on
    bool m_refusalWritten = false;  ///< the connection's last answer is written
};

} // namespace jobfirst
