// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlitedonemarker.h"

#include <sqlite3.h>

#include <algorithm>

namespace jobfirst {

namespace {

/// `count` copies of `tuple`, comma-separated.
QByteArray repeated(const char *tuple, int count)
{
    QByteArray out;
    for (int i = 0; i < count; ++i) {
        if (i)
            out += ',';
        out += tuple;
    }
    return out;
}

} // namespace

SqliteStatement *SqliteDoneMarker::update(int count)
{
    SqliteStatement &s = m_updates[std::size_t(count - 1)];
    if (!s.ok()) {
        // ?1 is the time; each (?, ?) is a row's id and attempts.
        const QByteArray sql = "UPDATE deliveries SET state = 'done', attempts = v.column2,"
                               " last_error = '', updated_at = ?1 FROM (VALUES " +
                               repeated("(?, ?)", count) + ") AS v WHERE deliveries.id = v.column1";
        s = SqliteStatement(m_db, sql.constData());
    }
    return s.ok() ? &s : nullptr;
}

SqliteStatement *SqliteDoneMarker::ledger(int count)
{
    SqliteStatement &s = m_ledgers[std::size_t(count - 1)];
    if (!s.ok()) {
        const QByteArray sql =
            "INSERT INTO ledger(target, user_id, event_id, version, acked_at) VALUES " +
            repeated("(?, ?, ?, ?, ?)", count) +
            " ON CONFLICT(target, user_id) DO UPDATE SET event_id = excluded.event_id,"
            " version = excluded.version, acked_at = excluded.acked_at"
            " WHERE excluded.version > ledger.version";
        s = SqliteStatement(m_db, sql.constData());
    }
    return s.ok() ? &s : nullptr;
}

bool SqliteDoneMarker::mark(const std::vector<const DeliveryOutcome *> &rows, qint64 now,
                            QString &error)
{
    for (std::size_t from = 0; from < rows.size(); from += MaxRows) {
        const int count = int(std::min<std::size_t>(MaxRows, rows.size() - from));
        if (!markChunk(rows.data() + from, count, now, error))
            return false;
    }
    return true;
}

bool SqliteDoneMarker::markChunk(const DeliveryOutcome *const *rows, int count, qint64 now,
                                 QString &error)
{
    SqliteStatement *u = update(count);
    SqliteStatement *l = u ? ledger(count) : nullptr;
    bool ok = u && l;
    if (ok) {
        u->bind(1, now);
        for (int i = 0; i < count; ++i) {
            u->bind(2 + 2 * i, rows[i]->id);
            u->bind(3 + 2 * i, rows[i]->attempts);
        }
        ok = u->exec();
    }
    if (ok) {
        for (int i = 0; i < count; ++i) {
            const DeliveryOutcome &o = *rows[i];
            const int p = 1 + 5 * i;
            l->bind(p, o.target);
            l->bind(p + 1, o.user);
            l->bind(p + 2, o.eventId);
            l->bind(p + 3, o.version);
            l->bind(p + 4, now);
        }
        ok = l->exec();
    }
    if (!ok)
        error = QStringLiteral("recording deliveries %1 to %2 as delivered: %3")
                    .arg(rows[0]->id)
                    .arg(rows[count - 1]->id)
                    .arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
    return ok;
}

} // namespace jobfirst
