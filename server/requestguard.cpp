// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestguard.h"

#include "core/jsonlog.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <climits>
#include <cstring>

namespace jobfirst {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Bad Request";
    }
}

/// The whole answer to a refused request; the connection ends after it.
QByteArray refusalAnswer(const RequestRefusal &refusal)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("error"), refusal.message},
                                                      {QStringLiteral("code"), refusal.code}})
                                .toJson(QJsonDocument::Compact);
    return "HTTP/1.1 " + QByteArray::number(refusal.status) + ' ' + reasonPhrase(refusal.status) +
           "\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: "
           "close\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

/// How an idle connection's close is logged.
struct IdleClose
{
    QString level;
    QString why; ///< %1: the seconds it waited
};

/// A keep-alive connection closing is everyday traffic (debug); one that never said a word, or
/// never read its answer, is worth an operator's look (info), as a TLS handshake that never
/// ends is.
IdleClose idleClose(bool unsent, bool heardFrom)
{
    if (unsent)
        return {QStringLiteral("info"),
                QStringLiteral("its client did not read its answer for %1 s")};
    if (heardFrom)
        return {QStringLiteral("debug"),
                QStringLiteral("it was idle for %1 s after its last answer")};
    return {QStringLiteral("info"), QStringLiteral("it sent nothing within %1 s of connecting")};
}

} // namespace

QTcpSocket *RequestGuard::guard(QTcpSocket *client, const RequestRules &rules)
{
    return client ? new RequestGuard(client, rules) : nullptr;
}

RequestGuard::RequestGuard(QTcpSocket *client, const RequestRules &rules)
    : QTcpSocket(client->parent()), m_client(client), m_framer(rules.bodyLimit),
      m_bodyTimeoutMs(rules.timeouts.bodyMs),
      m_bodyBytesPerSecond(std::max<qint64>(rules.timeouts.bodyBytesPerSecond, 1)),
      m_idleTimeoutMs(rules.timeouts.idleMs)
{
    client->setParent(this);
    standIn();
    setUpTimers(rules.timeouts);
    connect(client, &QIODevice::readyRead, this, &RequestGuard::onClientBytes);
    connect(client, &QAbstractSocket::disconnected, this, &RequestGuard::onClientGone);
    connect(client, &QIODevice::bytesWritten, this, &QIODevice::bytesWritten);
    connect(client, &QIODevice::bytesWritten, this, [this] {
        if (m_idleTimer.isActive()) // an answer still leaving: the client is reading it
            m_idleTimer.start();
    });
    m_idleTimer.start(rules.timeouts.firstByteMs);
    if (client->bytesAvailable() > 0) // what arrived with the TLS handshake
        QMetaObject::invokeMethod(this, &RequestGuard::onClientBytes, Qt::QueuedConnection);
}

void RequestGuard::standIn()
{
    setPeerAddress(m_client->peerAddress());
    setPeerPort(m_client->peerPort());
    setPeerName(m_client->peerName());
    setLocalAddress(m_client->localAddress());
    setLocalPort(m_client->localPort());
    setSocketState(ConnectedState);
    setOpenMode(ReadWrite);
}

void RequestGuard::setUpTimers(const ConnectionTimeouts &timeouts)
{
    m_headTimer.setSingleShot(true);
    m_headTimer.setInterval(timeouts.headMs);
    connect(&m_headTimer, &QTimer::timeout, this, [this] {
        refuse({408, QStringLiteral("http.timeout"),
                QStringLiteral("the request line and headers did not arrive within %1 s")
                    .arg(m_headTimer.interval() / 1000.0)});
    });
    m_bodyTimer.setSingleShot(true);
    connect(&m_bodyTimer, &QTimer::timeout, this, [this] {
        const qint64 length = m_framer.bodyLength();
        refuse({408, QStringLiteral("http.body_timeout"),
                QStringLiteral("the body did not arrive within %1 s of the headers: %2 of its "
                               "%3 bytes came")
                    .arg(m_bodyTimer.interval() / 1000.0)
                    .arg(length - m_framer.bodyLeft())
                    .arg(length)});
    });
    m_lingerTimer.setSingleShot(true);
    m_lingerTimer.setInterval(LingerMs);
    connect(&m_lingerTimer, &QTimer::timeout, m_client, &QAbstractSocket::disconnectFromHost);
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &RequestGuard::closeIdle);
}

void RequestGuard::answered(QTcpSocket *socket)
{
    if (auto *guard = qobject_cast<RequestGuard *>(socket)) {
        ++guard->m_answers;
        guard->answerRefusalWhenDue();
        guard->timeIdleness();
    }
}

RequestGuard::~RequestGuard()
{
    m_client->disconnect(this);
    // The client's socket is a child: it goes with this one. Unconnected, the base class
    // does not try to close a socket it never had.
    setSocketState(UnconnectedState);
}

qint64 RequestGuard::bytesAvailable() const
{
    return QTcpSocket::bytesAvailable() + m_passed.size();
}

qint64 RequestGuard::bytesToWrite() const
{
    return m_client->bytesToWrite();
}

void RequestGuard::disconnectFromHost()
{
    m_client->disconnectFromHost();
}

void RequestGuard::close()
{
    m_client->abort();
    QTcpSocket::close();
}

qint64 RequestGuard::readData(char *data, qint64 maxSize)
{
    const qint64 n = std::min<qint64>(maxSize, m_passed.size());
    std::memcpy(data, m_passed.constData(), size_t(n));
    m_passed.remove(0, n);
    return n;
}

qint64 RequestGuard::writeData(const char *data, qint64 size)
{
    if (m_refusalWritten)
        return size; // the refusal is the connection's last answer
    return m_client->write(data, size);
}

void RequestGuard::onClientBytes()
{
    const QByteArray bytes = m_client->readAll();
    if (m_refused)
        return drain();
    if (bytes.isEmpty())
        return; // TLS records with no data in them: not a byte of a request
    m_heardFrom = true;
    m_held += bytes;
    if (auto refusal = m_framer.feed(bytes))
        return refuse(*refusal);
    timeRequest();
    release();
    timeIdleness();
}

void RequestGuard::release()
{
    const qint64 checked = m_framer.bytesAccepted() - m_released;
    if (checked <= 0)
        return;
    m_passed += m_held.first(checked);
    m_held.remove(0, checked);
    m_released += checked;
    emit readyRead();
}

void RequestGuard::timeRequest()
{
    const qint64 head = m_framer.headsAccepted();
    if (m_framer.headBytesHeld() == 0) {
        m_headTimer.stop();
    } else if (m_timedHead != head) { // a new head began: its time starts
        m_timedHead = head;
        m_headTimer.start();
    }
    if (m_framer.bodyLeft() == 0) {
        m_bodyTimer.stop();
    } else if (m_timedBody != head) { // a new body is due: its time starts
        m_timedBody = head;
        const qint64 allowance = m_framer.bodyLength() * 1000 / m_bodyBytesPerSecond;
        m_bodyTimer.start(int(std::min<qint64>(m_bodyTimeoutMs + allowance, INT_MAX)));
    }
}

void RequestGuard::timeIdleness()
{
    const bool owed = m_refused || m_framer.headBytesHeld() > 0 || m_framer.bodyLeft() > 0 ||
                      m_answers < m_framer.requestsComplete();
    if (owed)
        m_idleTimer.stop();
    else
        m_idleTimer.start(m_idleTimeoutMs);
}

void RequestGuard::closeIdle()
{
    const qint64 unsent = m_client->bytesToWrite();
    const QString seconds = QString::number(m_idleTimer.interval() / 1000.0);
    const IdleClose close = idleClose(unsent > 0, m_heardFrom);
    logJson(close.level, QStringLiteral("api"),
            QStringLiteral("closed a connection: ") + close.why.arg(seconds),
            {{QStringLiteral("peer"), m_client->peerAddress().toString()}});
    // No 408: the client asked for nothing. A client not reading would hold a closing socket
    // open for ever, so its connection is reset.
    if (unsent > 0)
        m_client->abort();
    else
        m_client->disconnectFromHost();
}

void RequestGuard::onClientGone()
{
    m_headTimer.stop();
    m_bodyTimer.stop();
    m_lingerTimer.stop();
    m_idleTimer.stop();
    QTcpSocket::disconnectFromHost(); // no socket of its own: only says it is unconnected
}

void RequestGuard::refuse(const RequestRefusal &refusal)
{
    m_refused = true;
    m_headTimer.stop();
    m_bodyTimer.stop();
    m_idleTimer.stop();
    // Ready before the requests ahead of it go: one answered at once, inside release(),
    // sends the refusal after its own answer.
    m_refusal = refusalAnswer(refusal);
    // Once, with the answer's text: it quotes no body and no header value but the framing
    // ones (Content-Length, Transfer-Encoding), so never a token.
    logJson(QStringLiteral("info"), QStringLiteral("api"),
            QStringLiteral("refused a request: %1").arg(refusal.message),
            {{QStringLiteral("peer"), m_client->peerAddress().toString()},
             {QStringLiteral("status"), refusal.status},
             {QStringLiteral("code"), refusal.code}});
    // The requests before it are answered first: their bytes go to the server, the rest not.
    release();
    m_held.clear();
    answerRefusalWhenDue();
}

void RequestGuard::answerRefusalWhenDue()
{
    if (!m_refused || m_refusalWritten || m_answers < m_framer.requestsComplete())
        return;
    m_refusalWritten = true;
    m_passed.clear();
    m_client->write(std::exchange(m_refusal, {}));
    m_drainDeadline.setRemainingTime(MaxDrainMs);
    m_lingerTimer.start();
}

void RequestGuard::drain()
{
    if (!m_refusalWritten)
        return; // dropped; the drain's clock starts with the refusal
    if (m_drainDeadline.hasExpired())
        return m_client->disconnectFromHost();
    m_lingerTimer.start();
}

} // namespace jobfirst
