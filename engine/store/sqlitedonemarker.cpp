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
    // Rows of one attempt count share an UPDATE (all of them, unless some were retried).
    m_byAttempts.assign(rows.begin(), rows.end());
    std::stable_sort(m_byAttempts.begin(), m_byAttempts.end(),
                     [](const DeliveryOutcome *a, const DeliveryOutcome *b) {
                         return a->attempts < b->attempts;
                     });
    for (std::size_t from = 0; from < m_byAttempts.size();) {
        const DeliveryOutcome *const *run = m_byAttempts.data() + from;
        int count = 1;
        while (count < MaxRows && from + std::size_t(count) < m_byAttempts.size() &&
               run[count]->attempts == run[0]->attempts)
            ++count;
        if (!update(run, count, now)) {
            fail(run, count, error);
            return false;
        }
        from += std::size_t(count);
    }
    for (std::size_t from = 0; from < rows.size(); from += MaxRows) {
        const int count = int(std::min<std::size_t>(MaxRows, rows.size() - from));
        if (!acknowledge(rows.data() + from, count, now)) {
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

bool SqliteDoneMarker::acknowledge(const DeliveryOutcome *const *rows, int count, qint64 now)
{
    SqliteStatement *l = m_ledgers.rows(count);
    if (!l)
        return false;
    for (int i = 0; i < count; ++i) {
        const DeliveryOutcome &o = *rows[i];
        const int p = 1 + 5 * i;
        l->bind(p, o.target);
        l->bind(p + 1, o.user);
        l->bind(p + 2, o.eventId);
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
