// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventstreamhub.h"

#include "api/codec.h"
#include "core/sentence.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace jobfirst {

namespace {
constexpr int KeepAliveMs = 5000;
/// A client this far behind is not reading; drop it rather than hold its backlog.
constexpr qint64 MaxUnsentBytes = 32 * 1024 * 1024;
/// A snapshot waits while the client's socket holds more than this unsent: the client has
/// not read the last one yet. Less than one snapshot of a thousand nodes (about 440 kB), so
/// an event is behind at most one snapshot on its way to a slow client.
constexpr qint64 SnapshotHighWater = 256 * 1024;
/// The least time between two snapshots to one client when the second one is sent early
/// because it shows a health change.
constexpr qint64 MinChangeGapMs = 200;
} // namespace

EventStreamHub::EventStreamHub(QObject *parent)
    : QObject(parent), m_keepAlive(new QTimer(this)), m_owed(new QTimer(this))
{
    m_keepAlive->setInterval(KeepAliveMs);
    connect(m_keepAlive, &QTimer::timeout, this,
            [this] { broadcast(QByteArrayLiteral(": keep-alive\n\n")); });
    m_owed->setSingleShot(true);
    m_owed->setTimerType(Qt::PreciseTimer);
    connect(m_owed, &QTimer::timeout, this, [this] {
        prune();
        sendOwed(QDateTime::currentMSecsSinceEpoch());
    });
}

QByteArray EventStreamHub::frame(const char *event, const QByteArray &json)
{
    return QByteArray("event: ") + event + "\ndata: " + json + "\n\n";
}

void EventStreamHub::add(std::shared_ptr<QHttpServerResponder> responder, QTcpSocket *socket,
                         const StreamToken &token, int intervalMs, qint64 latestAt,
                         const std::function<QByteArray()> &latestJson)
{
    responder->writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    responder->writeHeader("Content-Type", "text/event-stream");
    responder->writeHeader("Cache-Control", "no-store");
    responder->writeHeader("X-Accel-Buffering", "no");
    responder->writeBody("\r\n: stream open\n\n");
    m_clients.push_back(Client{std::move(responder), socket, token, intervalMs, 0});
    if (socket)
        connect(socket, &QTcpSocket::bytesWritten, this,
                [this, socket] { onBytesWritten(socket); });
    if (latestJson && intervalMs > 0) {
        m_clients.back().lastSnapshotAt = latestAt;
        write(m_clients.back(), frame("snapshot", latestJson())); // the first picture at once
    }
    if (!m_keepAlive->isActive())
        m_keepAlive->start();
}

void EventStreamHub::write(Client &client, const QByteArray &bytes)
{
    if (!client.socket)
        return;
    if (client.socket->bytesToWrite() > MaxUnsentBytes) {
        client.socket->abort();
        return;
    }
    client.responder->writeBody(bytes);
    // Out now, not when this thread next returns to its event loop (where a snapshot to
    // encode may come first).
    client.socket->flush();
}

void EventStreamHub::writeSnapshot(Client &client, const QByteArray &frame)
{
    if (client.socket && client.socket->bytesToWrite() > SnapshotHighWater) {
        client.waiting = frame; // the newest picture, once the client has read the last
        return;
    }
    client.waiting.clear();
    write(client, frame);
}

void EventStreamHub::onBytesWritten(QTcpSocket *socket)
{
    for (Client &c : m_clients)
        if (c.socket == socket && !c.waiting.isEmpty() &&
            socket->bytesToWrite() <= SnapshotHighWater)
            write(c, std::exchange(c.waiting, {}));
}

void EventStreamHub::endRevoked(const std::function<bool(const StreamToken &)> &revoked)
{
    prune();
    for (Client &c : m_clients) {
        if (!revoked(c.token))
            continue;
        const Sentence said(
            QT_TRANSLATE_NOOP("EngineSentence",
                              "the token \"%1\" was revoked; this stream has ended"),
            {c.token.name});
        // The sentence too, so that a remote console says it in its language.
        const QJsonObject why{{QStringLiteral("message"), said.english()},
                              {QStringLiteral("sentence"), said.toJson()}};
        write(c, frame("revoked", QJsonDocument(why).toJson(QJsonDocument::Compact)));
        if (c.socket)
            c.socket->disconnectFromHost(); // after what is queued, the event included
    }
    prune();
}

void EventStreamHub::broadcast(const QByteArray &bytes)
{
    prune();
    for (Client &c : m_clients)
        write(c, bytes);
}

void EventStreamHub::prune()
{
    std::erase_if(m_clients, [](const Client &c) {
        return !c.socket || c.socket->state() != QAbstractSocket::ConnectedState;
    });
    if (m_clients.empty())
        m_keepAlive->stop();
}

void EventStreamHub::publishSnapshot(const EngineSnapshot &snapshot,
                                     const std::function<QByteArray()> &json)
{
    // Alerts go out at once to every client; health changes went out as they happened
    // (publishHealth). Snapshots then carry neither, so a client that takes fewer snapshots
    // than the engine makes still gets every event exactly once.
    for (const Alert &a : snapshot.alerts)
        broadcast(frame("alert", QJsonDocument(codec::encode(a)).toJson(QJsonDocument::Compact)));
    prune();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QByteArray bytes; // encoded once, and only if some client wants it now
    for (Client &c : m_clients) {
        if (c.intervalMs <= 0)
            continue;
        // A snapshot that shows a health change goes at once (the engine makes one 50 ms after
        // a change): consoles draw snapshots, and one that waited for the client's interval
        // showed the change up to that interval late. At most one early snapshot per
        // MinChangeGapMs; a client that had one too recently gets the latest when the gap ends.
        c.owesChange = c.owesChange || !snapshot.healthEvents.isEmpty();
        const qint64 since = now - c.lastSnapshotAt;
        // A little slack so a client at the engine's own rate never skips a tick.
        if (since < c.intervalMs - 100 && !(c.owesChange && since >= MinChangeGapMs))
            continue;
        if (bytes.isEmpty())
            bytes = frame("snapshot", json());
        c.lastSnapshotAt = now;
        c.owesChange = false;
        writeSnapshot(c, bytes);
    }
    const bool owed = std::any_of(m_clients.begin(), m_clients.end(),
                                  [](const Client &c) { return c.owesChange; });
    if (owed && bytes.isEmpty())
        bytes = frame("snapshot", json());
    m_owedFrame = owed ? bytes : QByteArray();
    sendOwed(now);
}

void EventStreamHub::sendOwed(qint64 now)
{
    qint64 next = -1;
    for (Client &c : m_clients) {
        if (!c.owesChange || c.intervalMs <= 0 || m_owedFrame.isEmpty())
            continue;
        if (now - c.lastSnapshotAt >= MinChangeGapMs) {
            c.lastSnapshotAt = now;
            c.owesChange = false;
            writeSnapshot(c, m_owedFrame);
        } else {
            const qint64 due = c.lastSnapshotAt + MinChangeGapMs;
            next = next < 0 ? due : std::min(next, due);
        }
    }
    if (next >= 0)
        m_owed->start(int(std::max<qint64>(1, next - now)));
    else
        m_owedFrame.clear();
}

void EventStreamHub::publishHealth(const HealthEvent &event)
{
    if (!m_clients.empty())
        broadcast(
            frame("health", QJsonDocument(codec::encode(event)).toJson(QJsonDocument::Compact)));
}

void EventStreamHub::publishConfig(int version, const QString &actor)
{
    if (!m_clients.empty())
        broadcast(frame("config", QJsonDocument(QJsonObject{{QStringLiteral("version"), version},
                                                            {QStringLiteral("actor"), actor}})
                                      .toJson(QJsonDocument::Compact)));
}

void EventStreamHub::publishConfigError(const QString &message, const QString &code)
{
    if (!m_clients.empty())
        broadcast(
            frame("config_error", QJsonDocument(QJsonObject{{QStringLiteral("message"), message},
                                                            {QStringLiteral("code"), code}})
                                      .toJson(QJsonDocument::Compact)));
}

} // namespace jobfirst
