// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqliteeventrows.h"

#include "store/outboxrows.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

namespace jobfirst {

SqliteEventRows::SqliteEventRows(sqlite3 *db)
    : m_db(db),
      // A re-sent event id is accepted once: the second copy is ignored, not an error.
      // OR IGNORE rather than ON CONFLICT(event_id) DO NOTHING: with no constraint left that
      // can abort the statement half-way, SQLite keeps no statement journal, which copied
      // every page a statement of many rows touched that the transaction had already changed
      // (13 % of SQLite's instructions an event in a bulk import). The only other constraints
      // are NOT NULL, and nothing here binds a null; a row ignored for any reason but its id
      // is still caught (insertEventChunk).
      m_events(db,
               "INSERT OR IGNORE INTO events(event_id, type, user_id, version, payload,"
               " created_at) VALUES",
               "(?, ?, ?, 0, ?, ?)"),
      // OR IGNORE for the same reason (no statement journal); a row it skipped fails the
      // statement (flushDeliveryChunk).
      m_deliveries(db,
                   "INSERT OR IGNORE INTO deliveries(event_seq, target, user_id, state, next_at,"
                   " created_at, updated_at, event_count, mode) VALUES",
                   "(?, ?, ?, 'pending', ?, ?, ?, ?, ?)"),
      m_supersede(db, "UPDATE deliveries SET state = 'coalesced', updated_at = ? WHERE target = ?"
                      " AND user_id = ? AND state = 'pending' AND attempts = 0"
                      " AND next_at > created_at AND next_at > ?"),
      m_lastSeq(db, "SELECT MAX(seq) FROM events"),
      m_seqOf(db, "SELECT seq FROM events WHERE event_id = ?")
{
}

bool SqliteEventRows::ok()
{
    return m_supersede.ok() && m_lastSeq.ok() && m_seqOf.ok() && m_events.rows(1) &&
           m_deliveries.rows(1);
}

bool SqliteEventRows::write(std::span<OutboxRequest *const> writes, QList<SyncEvent> *stored,
                            QHash<QString, qint64> &pendingDelta, qint64 now, QString &error)
{
    m_now = now;
    m_rows.clear();
    m_failure.clear();
    if (!insertEvents(writes, error))
        return false;
    for (std::size_t i = 0; i < writes.size(); ++i) {
        if (!writeOutboxRows(std::get<EventWrite>(*writes[i]), stored[i], pendingDelta, now, error,
                             *this))
            return false;
    }
    return flushDeliveries(error);
}

bool SqliteEventRows::insertEvents(std::span<OutboxRequest *const> writes, QString &error)
{
    m_items.clear();
    for (OutboxRequest *r : writes)
        for (const OutboxItem &item : std::get<EventWrite>(*r).items)
            m_items.push_back(&item);
    m_seqs.assign(m_items.size(), 0);
    for (std::size_t from = 0; from < m_items.size(); from += SqliteMultiRow::MaxRows) {
        const int count =
            int(std::min<std::size_t>(SqliteMultiRow::MaxRows, m_items.size() - from));
        if (!insertEventChunk(m_items.data() + from, count, m_seqs.data() + from, error))
            return false;
    }
    m_nextItem = 0; // insertEvent() hands them out in the same order
    return true;
}

bool SqliteEventRows::insertEventChunk(const OutboxItem *const *items, int count, qint64 *seqs,
                                       QString &error)
{
    const auto failed = [&](const QString &why) {
        error = QStringLiteral("events %1 to %2: %3")
                    .arg(items[0]->event.eventId, items[count - 1]->event.eventId, why);
        return false;
    };
    SqliteStatement *s = m_events.rows(count);
    if (!s)
        return failed(QString::fromUtf8(sqlite3_errmsg(m_db)));
    // The highest seq before, to tell new rows from earlier ones if some ids come again (a
    // lone row needs none: it was stored or it was not).
    qint64 before = 0;
    if (count > 1) {
        before = m_lastSeq.next() ? m_lastSeq.int64(0) : 0;
        m_lastSeq.reset();
    }
    qsizetype units = 0;
    for (int i = 0; i < count; ++i) {
        const SyncEvent &e = items[i]->event;
        units += e.eventId.size() + e.type.size() + e.userId.size();
    }
    m_text.reset(units);
    for (int i = 0; i < count; ++i) {
        const SyncEvent &e = items[i]->event;
        const int p = 1 + i * m_events.width();
        s->bindUtf8(p, m_text.add(e.eventId));
        s->bindUtf8(p + 1, m_text.add(e.type));
        s->bindUtf8(p + 2, m_text.add(e.userId));
        // UTF-8 bytes as they go on the wire: no UTF-16 round trip on write or send.
        s->bindBlob(p + 3, items[i]->payload);
        s->bind(p + 4, e.createdAt);
    }
    if (!s->exec())
        return failed(s->error());
    const qint64 inserted = s->changes();
    if (inserted == count) { // the usual case: consecutive seqs, in the order of the rows
        const qint64 last = sqlite3_last_insert_rowid(m_db);
        for (int i = 0; i < count; ++i)
            seqs[i] = last - count + 1 + i;
        return true;
    }
    // Some ids were accepted before, or come twice: a row this statement stored has a seq
    // above the highest one before it (the first of two copies claims it). Every id must be
    // in the store, stored now or before: OR IGNORE would skip any row it cannot store.
    for (int i = 0; i < count; ++i) {
        m_seqOf.bind(1, items[i]->event.eventId);
        const bool found = m_seqOf.next();
        const qint64 seq = found ? m_seqOf.int64(0) : 0;
        m_seqOf.reset();
        if (!found) // ignored, yet not accepted before: never take it as stored
            return failed(QStringLiteral("event %1 was not stored").arg(items[i]->event.eventId));
        if (inserted > 0 && seq > before && std::find(seqs, seqs + i, seq) == seqs + i)
            seqs[i] = seq;
    }
    if (std::count_if(seqs, seqs + count, [](qint64 seq) { return seq > 0; }) != inserted)
        return failed(
            QStringLiteral("the store stored %1 of them but not the ones expected").arg(inserted));
    return true;
}

qint64 SqliteEventRows::insertEvent(const OutboxItem &item, QString &error)
{
    Q_UNUSED(item)
    Q_UNUSED(error)
    return m_seqs[m_nextItem++]; // insertEvents() wrote them, in this order
}

bool SqliteEventRows::insertDelivery(qint64 seq, const QString &target, const QString &user,
                                     qint64 due, int count, const QString &mode, QString &error)
{
    if (!m_failure.isEmpty()) {
        error = m_failure;
        return false;
    }
    m_rows.push_back(DeliveryRow{seq, target, user, due, count, mode});
    return m_rows.size() < std::size_t(SqliteMultiRow::MaxRows) || flushDeliveries(error);
}

qint64 SqliteEventRows::supersede(const QString &target, const QString &user)
{
    // The rows gathered so far may be the ones this supersedes: they go in first.
    if (!m_failure.isEmpty() || !flushDeliveries(m_failure))
        return 0;
    m_supersede.bind(1, m_now);
    m_supersede.bind(2, target);
    m_supersede.bind(3, user);
    m_supersede.bind(4, m_now);
    return m_supersede.exec() ? m_supersede.changes() : 0;
}

bool SqliteEventRows::flushDeliveries(QString &error)
{
    for (std::size_t from = 0; from < m_rows.size(); from += SqliteMultiRow::MaxRows) {
        const int count = int(std::min<std::size_t>(SqliteMultiRow::MaxRows, m_rows.size() - from));
        if (!flushDeliveryChunk(m_rows.data() + from, count, error)) {
            m_rows.clear();
            return false;
        }
    }
    m_rows.clear();
    return true;
}

bool SqliteEventRows::flushDeliveryChunk(const DeliveryRow *rows, int count, QString &error)
{
    SqliteStatement *s = m_deliveries.rows(count);
    qsizetype units = 0;
    for (int i = 0; i < count; ++i)
        units += rows[i].target.size() + rows[i].user.size() + rows[i].mode.size();
    m_text.reset(units);
    for (int i = 0; s && i < count; ++i) {
        const DeliveryRow &r = rows[i];
        const int p = 1 + i * m_deliveries.width();
        s->bind(p, r.seq);
        s->bindUtf8(p + 1, m_text.add(r.target));
        s->bindUtf8(p + 2, m_text.add(r.user));
        s->bind(p + 3, r.due);
        s->bind(p + 4, m_now);
        s->bind(p + 5, m_now);
        s->bind(p + 6, r.count);
        s->bindUtf8(p + 7, m_text.add(r.mode));
    }
    const bool ran = s && s->exec();
    if (ran && s->changes() == count) {
        const qint64 last = sqlite3_last_insert_rowid(m_db); // of the statement's last row
        if (m_firstDelivery == 0)
            m_firstDelivery = last - count + 1;
        m_lastDelivery = last;
        return true;
    }
    error = QStringLiteral("deliveries of events %1 to %2: %3")
                .arg(rows[0].seq)
                .arg(rows[count - 1].seq)
                .arg(ran ? QStringLiteral("%1 of %2 rows stored").arg(s->changes()).arg(count)
                         : QString::fromUtf8(sqlite3_errmsg(m_db)));
    return false;
}

} // namespace jobfirst
