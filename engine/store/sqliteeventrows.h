// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/sqlitemultirow.h"
#include "store/sqlitestatement.h"
#include "store/sqlitetextscratch.h"
#include "sync/outboxrequest.h"

#include <QHash>
#include <QString>

#include <span>
#include <utility>
#include <vector>

struct sqlite3;

namespace jobfirst {

/// Writes accepted events and their delivery rows on the outbox writer's connection, inside
/// the caller's transaction: events in statements of up to SqliteMultiRow::MaxRows rows, and
/// delivery rows gathered and inserted the same way (before a supersede, which must see them,
/// and at the end). Which rows an event makes is writeOutboxRows()'s, the same for every
/// dialect; this class is its SQLite side. Used from one thread.
class SqliteEventRows final
{
public:
    explicit SqliteEventRows(sqlite3 *db);
    SqliteEventRows(const SqliteEventRows &) = delete;
    SqliteEventRows &operator=(const SqliteEventRows &) = delete;

    /// False when a statement cannot be prepared (the connection's error says why).
    bool ok();

    /// Writes the rows of `writes` (each an EventWrite): `stored[i]` gets the events of the
    /// i-th as stored, `pendingDelta` the deliveries added (and superseded) per target. False,
    /// with `error` naming the events or rows, when a statement fails; the caller rolls the
    /// transaction back.
    bool write(std::span<OutboxRequest *const> writes, QList<SyncEvent> *stored,
               QHash<QString, qint64> &pendingDelta, qint64 now, QString &error);

    /// Delivery rows inserted since the last call: the first and last id (AUTOINCREMENT makes
    /// a transaction's rows consecutive, above every id before), or {0, 0} when none.
    std::pair<qint64, qint64> takeInsertedDeliveries()
    {
        return {std::exchange(m_firstDelivery, 0), std::exchange(m_lastDelivery, 0)};
    }

    // What writeOutboxRows() runs (see there).
    qint64 insertEvent(const OutboxItem &item, QString &error);
    bool insertDelivery(qint64 seq, const QString &target, const QString &user, qint64 due,
                        int count, const QString &mode, QString &error);
    qint64 supersede(const QString &target, const QString &user);

private:
    struct DeliveryRow
    {
        qint64 seq;
        QString target, user;
        qint64 due;
        int count;
        QString mode;
    };

    bool insertEvents(std::span<OutboxRequest *const> writes, QString &error);
    /// Inserts `count` events; `seqs` gets each one's seq, or 0 if it was accepted before.
    bool insertEventChunk(const OutboxItem *const *items, int count, qint64 *seqs, QString &error);
    bool flushDeliveries(QString &error);
    bool flushDeliveryChunk(const DeliveryRow *rows, int count, QString &error);

    sqlite3 *m_db;
    SqliteMultiRow m_events, m_deliveries;
    SqliteStatement m_supersede, m_lastSeq, m_seqOf;
    qint64 m_now = 0;
    std::vector<const OutboxItem *> m_items; ///< of the writes in hand, in order
    std::vector<qint64> m_seqs;              ///< per item: its seq, 0 if accepted before
    std::size_t m_nextItem = 0;
    std::vector<DeliveryRow> m_rows; ///< delivery rows not inserted yet
    QString m_failure;               ///< a flush before a supersede failed
    qint64 m_firstDelivery = 0, m_lastDelivery = 0; ///< ids inserted (takeInsertedDeliveries)
    SqliteTextScratch m_text;                       ///< the text of the statement being bound
};

} // namespace jobfirst
