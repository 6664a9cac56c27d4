// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventstreamhub.h"

#include "api/codec.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTimer>

namespace jobfirst {

namespace {
constexpr int KeepAliveMs = 5000;
/// A client this far behind is not reading; drop it rather than hold its backlog.
constexpr qint64 MaxUnsentBytes = 32 * 1024 * 1024;
} // namespace

EventStreamHub::EventStreamHub(QObject *parent) : QObject(parent), m_keepAlive(new QTimer(this))
{
    m_keepAlive->setInterval(KeepAliveMs);
    connect(m_keepAlive, &QTimer::timeout, this, [this] { broadcast(QByteArrayLiteral(": keep-alive\n\n")); });
}

QByteArray EventStreamHub::frame(const char *event, const QByteArray &json)
{
    return QByteArray("event: ") + event + "\ndata: " + json + "\n\n";
}

void EventStreamHub::add(std::shared_ptr<QHttpServerResponder> responder, QTcpSocket *socket, int intervalMs, qint64 latestAt,
                         const std::function<QByteArray()> &latestJson)
{
    responder->writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    responder->writeHeader("Content-Type", "text/event-stream");
    responder->writeHeader("Cache-Control", "no-store");
    responder->writeHeader("X-Accel-Buffering", "no");
    responder->writeBody("\r\n: stream open\n\n");
    m_clients.push_back(Client{std::move(responder), socket, intervalMs, 0});
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
}

void EventStreamHub::broadcast(const QByteArray &bytes)
{
    prune();
    for (Client &c : m_clients)
        write(c, bytes);
}

void EventStreamHub::prune()
{
    std::erase_if(m_clients, [](const Client &c) { return !c.socket || c.socket->state() != QAbstractSocket::ConnectedState; });
    if (m_clients.empty())
        m_keepAlive->stop();
}

void EventStreamHub::publishSnapshot(const EngineSnapshot &snapshot, const std::function<QByteArray()> &json)
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
        // A little slack so a client at the engine's own rate never skips a tick.
        if (c.intervalMs <= 0 || now - c.lastSnapshotAt < c.intervalMs - 100)
            continue;
        if (bytes.isEmpty())
            bytes = frame("snapshot", json());
        c.lastSnapshotAt = now;
        write(c, bytes);
    }
}

void EventStreamHub::publishHealth(const HealthEvent &event)
{
    if (!m_clients.empty())
        broadcast(frame("health", QJsonDocument(codec::encode(event)).toJson(QJsonDocument::Compact)));
}

void EventStreamHub::publishConfig(int version, const QString &actor)
{
    if (!m_clients.empty())
        broadcast(frame("config", QJsonDocument(QJsonObject{{QStringLiteral("version"), version}, {QStringLiteral("actor"), actor}})
                                      .toJson(QJsonDocument::Compact)));
}

void EventStreamHub::publishConfigError(const QString &message)
{
    if (!m_clients.empty())
        broadcast(frame("config_error", QJsonDocument(QJsonObject{{QStringLiteral("message"), message}}).toJson(QJsonDocument::Compact)));
}

} // namespace jobfirst
