// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlitedonemarker.h"

#include <sqlite3.h>

#include <algorithm>

namespace jobfirst {

SqliteDoneMarker::SqliteDoneMarker(sqlite3 *db)
    : m_db(db),
      // ?1 the attempts, ?2 the time, then the ids. Not UPDATE ... FROM (VALUES ...), which
      // materialises its values and the rows to change in temporary tables first and cost
      // more than one UPDATE per row; an IN list of rowids is looked up one by one. OR FAIL:
      // a statement that may fail half-way after changing rows keeps a journal of every page
      // it changes to undo them; this one cannot fail on a constraint (its values are never
      // null), and on any failure the caller rolls the whole transaction back.
      m_updates(db,
                "UPDATE OR FAIL deliveries SET state = 'done', attempts = ?, last_error = '',"
                " updated_at = ? WHERE id IN (",
                "?", ")"),
      // A run of consecutive ids (a target's queue delivered in order) is one range of the
      // table's B-tree walked in order: no temporary table of the ids and no seek per row.
      m_updateRange(db, "UPDATE OR FAIL deliveries SET state = 'done', attempts = ?,"
                        " last_error = '', updated_at = ? WHERE id BETWEEN ? AND ?"),
      m_ledgers(db, "INSERT INTO ledger(target, user_id, event_id, version, acked_at) VALUES",
                "(?, ?, ?, ?, ?)",
                "ON CONFLICT(target, user_id) DO UPDATE SET event_id = excluded.event_id,"
                " version = excluded.version, acked_at = excluded.acked_at"
                " WHERE excluded.version > ledger.version")
{
}

bool SqliteDoneMarker::mark(const std::vector<const DeliveryOutcome *> &rows, qint64 now,
                            QString &error)
{
    // Rows of one attempt count share their UPDATEs (all of them, unless some were retried).
    m_byAttempts.assign(rows.begin(), rows.end());
    std::sort(m_byAttempts.begin(), m_byAttempts.end(),
              [](const DeliveryOutcome *a, const DeliveryOutcome *b) {
                  return a->attempts != b->attempts ? a->attempts < b->attempts : a->id < b->id;
              });
    for (std::size_t from = 0; from < m_byAttempts.size();) {
        std::size_t to = from + 1;
        while (to < m_byAttempts.size() &&
               m_byAttempts[to]->attempts == m_byAttempts[from]->attempts)
            ++to;
        if (!updateAll(m_byAttempts.data() + from, int(to - from), now, error))
            return false;
        from = to;
    }
    return inStatements(rows, &SqliteDoneMarker::acknowledge, now, error);
}

bool SqliteDoneMarker::updateAll(const DeliveryOutcome *const *rows, int count, qint64 now,
                                 QString &error)
{
    m_scattered.clear();
    for (int i = 0; i < count;) {
        int run = 1;
        while (i + run < count && rows[i + run]->id == rows[i]->id + run)
            ++run;
        if (run >= MinRangeRows) {
            if (!updateRange(rows + i, run, now)) {
                fail(rows + i, run, error);
                return false;
            }
        } else {
            m_scattered.insert(m_scattered.end(), rows + i, rows + i + run);
        }
        i += run;
    }
    return inStatements(m_scattered, &SqliteDoneMarker::update, now, error);
}

bool SqliteDoneMarker::inStatements(const std::vector<const DeliveryOutcome *> &rows,
                                    Statement statement, qint64 now, QString &error)
{
    for (std::size_t from = 0; from < rows.size(); from += MaxRows) {
        const int count = int(std::min<std::size_t>(MaxRows, rows.size() - from));
        if (!(this->*statement)(rows.data() + from, count, now)) {
            fail(rows.data() + from, count, error);
            return false;
        }
    }
    return true;
}

bool SqliteDoneMarker::update(const DeliveryOutcome *const *rows, int count, qint64 now)
{
    SqliteStatement *u = m_updates.rows(count);
    if (!u)
        return false;
    u->bind(1, rows[0]->attempts);
    u->bind(2, now);
    for (int i = 0; i < count; ++i)
        u->bind(3 + i, rows[i]->id);
    return u->exec();
}

bool SqliteDoneMarker::updateRange(const DeliveryOutcome *const *rows, int count, qint64 now)
{
    if (!m_updateRange.ok())
        return false;
    m_updateRange.bind(1, rows[0]->attempts);
    m_updateRange.bind(2, now);
    m_updateRange.bind(3, rows[0]->id);
    m_updateRange.bind(4, rows[count - 1]->id);
    return m_updateRange.exec();
}

bool SqliteDoneMarker::acknowledge(const DeliveryOutcome *const *rows, int count, qint64 now)
{
    SqliteStatement *l = m_ledgers.rows(count);
    if (!l)
        return false;
    qsizetype units = 0;
    for (int i = 0; i < count; ++i)
        units += rows[i]->target.size() + rows[i]->user.size() + rows[i]->eventId.size();
    m_text.reset(units);
    for (int i = 0; i < count; ++i) {
        const DeliveryOutcome &o = *rows[i];
        const int p = 1 + 5 * i;
        l->bindUtf8(p, m_text.add(o.target));
        l->bindUtf8(p + 1, m_text.add(o.user));
        l->bindUtf8(p + 2, m_text.add(o.eventId));
        l->bind(p + 3, o.version);
        l->bind(p + 4, now);
    }
    return l->exec();
}

void SqliteDoneMarker::fail(const DeliveryOutcome *const *rows, int count, QString &error) const
{
    const auto [first, last] = std::minmax_element(
        rows, rows + count,
        [](const DeliveryOutcome *a, const DeliveryOutcome *b) { return a->id < b->id; });
    error = QStringLiteral("recording deliveries %1 to %2 as delivered: %3")
                .arg((*first)->id)
                .arg((*last)->id)
                .arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
}

} // namespace jobfirst
