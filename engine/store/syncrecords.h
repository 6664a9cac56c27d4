// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/deliverylease.h"
#include "sync/deliveryrecords.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <functional>
#include <memory>

namespace jobfirst {

class ClusterStateStore;
class PostgresStateStore;
class Store;

/// What the sync service reads and changes in the outbox outside the writer's hot path: dead
/// letters and their attempts, the queue, replays, per-target state, figures, the lease and
/// the ledger. One SQL text serves both dialects where they agree (ON CONFLICT, RETURNING);
/// where they differ it says so. On a SQLite outbox it uses the engine's store connection, so
/// a change and its audit row commit together (Store::audited); on PostgreSQL it shares the
/// connection of the cluster state in the same database (PostgresStateStore), so there too a
/// change and its audit row commit together; without one it has its own connection. Either
/// is opened again after a loss. Used from one thread.
class SyncRecords final
{
public:
    struct TargetState
    {
        bool paused = false;
        bool disabled = false;
        QString reason;
    };
    /// Events per (target, state) with retries made (attempts beyond the first), the oldest
    /// pending row's creation time (0 when none) and the events of pending rows that failed
    /// at least once: their retry is scheduled.
    struct StateCount
    {
        QString target;
        QString state;
        qint64 events = 0;
        qint64 retries = 0;
        qint64 oldestPending = 0;
        qint64 retriesScheduled = 0;
    };

    /// `location` is the outbox: `store`'s own file, or a postgresql:// URL. `state`, when it
    /// is a PostgresStateStore on that URL, lends its connection.
    static Result<std::unique_ptr<SyncRecords>> open(const QString &location, Store *store,
                                                     ClusterStateStore *state = nullptr);
    ~SyncRecords();
    SyncRecords(const SyncRecords &) = delete;
    SyncRecords &operator=(const SyncRecords &) = delete;

    QString location() const { return m_location; }
    bool isPostgres() const { return m_postgres; }

    Result<QHash<QString, TargetState>> targetStates();
    Status saveTargetState(const QString &name, const TargetState &state, qint64 now);
    Result<QList<DeadLetter>> deadLetters(const QString &target, int limit);
    Result<QHash<QString, qint64>> deadLetterCounts();
    Result<QList<DeliveryAttempt>> attempts(qint64 deliveryId);
    Result<QList<QueuedDelivery>> queue(const QString &target, int limit);
    /// Makes dead letter `deliveryId` pending again: its target and events ("sync.not_dead"
    /// when it is not a dead letter).
    Result<std::pair<QString, qint64>> retryDead(qint64 deliveryId, qint64 now);
    /// Makes pending again the dead letters of `target` ("" all) that failed in the window:
    /// events per target.
    Result<QHash<QString, qint64>> replayDead(const QString &target, qint64 sinceMs, qint64 untilMs,
                                              qint64 now);
    Status discardDead(qint64 deliveryId, qint64 now);
    /// The stored payload of an event; empty when there is no such event.
    Result<QByteArray> eventPayload(const QString &eventId);
    /// When the oldest pending row of `target` was made; 0 when none waits.
    qint64 oldestPending(const QString &target);
    Result<QList<StateCount>> countsByState();
    DeliveryLease lease();
    /// Streams the ledger of one target, one row per user with its highest acknowledged
    /// version, whether acknowledged alone or in a bulk row's range (forward-only: a million
    /// users are never in memory).
    Status forEachLedgerRow(const QString &target,
                            const std::function<void(const QString &user, qint64 version,
                                                     const QString &eventId)> &row);

private:
    SyncRecords() = default;
    /// The connection, opened again if it was lost; invalid (and `error` set) if it cannot be.
    QSqlDatabase db(QString *error = nullptr);
    Error queryError(const QString &what, const QString &detail);

    QString m_location;
    bool m_postgres = false;
    Store *m_store = nullptr;
    QString m_connection; ///< PostgreSQL: the connection used
    bool m_ownsConnection = false;
    PostgresStateStore *m_shared = nullptr; ///< the cluster state store whose connection it uses
    QString m_url;        ///< PostgreSQL: the URL as given
    std::unique_ptr<QSqlQuery> m_oldestPending; ///< prepared on first use (see oldestPending)
};

} // namespace jobfirst
