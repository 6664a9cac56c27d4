// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"

#include <QHttpServerResponder>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace jobfirst {

/// The token a stream was opened with: its name, and when it was made.
struct StreamToken
{
    QString name;
    qint64 createdAt = 0;
};

/// The admin API's live stream (Server-Sent Events): every connected client gets each
/// snapshot (no more often than it asked) and each health change and config change as it
/// happens. A snapshot is encoded once for all clients. Events are handed to the socket at
/// once and flushed; a snapshot waits while the client has not read the previous one (and
/// is replaced by a newer one meanwhile), so an event never queues behind snapshots a slow
/// client has not read. Clients that leave, or stop reading, are dropped.
class EventStreamHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStreamHub)

public:
    explicit EventStreamHub(QObject *parent = nullptr);

    /// Starts the stream on a request's responder, with the latest snapshot when there is
    /// one. intervalMs 0: events only, no snapshots.
    /// `latestJson` (may be empty): the latest snapshot as snapshotJson() encodes it.
    void add(std::shared_ptr<QHttpServerResponder> responder, QTcpSocket *socket,
             const StreamToken &token, int intervalMs, qint64 latestAt = 0,
             const std::function<QByteArray()> &latestJson = {});
    /// Ends the streams whose token `revoked` says is gone, with a "revoked" event first.
    void endRevoked(const std::function<bool(const StreamToken &)> &revoked);
    int clientCount() const { return int(m_clients.size()); }

    /// Sends the snapshot to the clients due one; `json` encodes it (called at most once, and
    /// only when some client wants it).
    void publishSnapshot(const EngineSnapshot &snapshot, const std::function<QByteArray()> &json);
    void publishHealth(const HealthEvent &event);
    void publishConfig(int version, const QString &actor);
    void publishConfigError(const QString &message, const QString &code);

private:
    struct Client
    {
        std::shared_ptr<QHttpServerResponder> responder;
        QPointer<QTcpSocket> socket;
        StreamToken token;
        int intervalMs = 1000;
        qint64 lastSnapshotAt = 0;
        bool owesChange = false; ///< a health change it has had no snapshot of yet
        QByteArray waiting;      ///< a snapshot frame held until the client reads the last one
    };
    /// An event (or comment): handed to the socket and flushed at once.
    void write(Client &client, const QByteArray &bytes);
    /// A snapshot frame: written when the client has read what it was sent, else held
    /// (replacing one held before).
    void writeSnapshot(Client &client, const QByteArray &frame);
    void onBytesWritten(QTcpSocket *socket);
    /// Sends the latest snapshot to the clients that owe a change and may have one now; arms
    /// the timer for the others.
    void sendOwed(qint64 now);
    void broadcast(const QByteArray &bytes);
    void prune();
    static QByteArray frame(const char *event, const QByteArray &json);

    std::vector<Client> m_clients;
    QTimer *m_keepAlive;
    QTimer *m_owed;         ///< when the next client that owes a change may have a snapshot
    QByteArray m_owedFrame; ///< the latest snapshot, while some client owes a change
};

} // namespace jobfirst
