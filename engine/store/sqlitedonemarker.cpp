// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlitedonemarker.h"

#include <sqlite3.h>

#include <algorithm>

namespace jobfirst {

namespace {

// The target's range that ends where this one begins (the last one before it) takes it in. It
// keeps its acked_at, the earliest of what it holds: retention folds a range into per-user
// rows once that time is older than its cutoff, before it removes rows delivered before the
// cutoff, so no row's acknowledgement is left in a range it has not folded. OR IGNORE: when a
// range equal to the extended one is there already (the same events acknowledged twice), the
// new one is inserted instead, and ignored too.
const char *const ExtendRangeSql =
    "UPDATE OR IGNORE ledger_ranges SET end_seq = ?3 WHERE target = ?1 AND end_seq = ?2"
    " AND first_seq = (SELECT MAX(first_seq) FROM ledger_ranges WHERE target = ?1"
    " AND first_seq < ?2)";
const char *const InsertRangeSql = "INSERT INTO ledger_ranges(target, acked_at, first_seq,"
                                   " end_seq) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

} // namespace

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
      m_extendRange(db, ExtendRangeSql), m_insertRange(db, InsertRangeSql)
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
    return acknowledge(rows, now, error);
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

bool SqliteDoneMarker::acknowledge(const std::vector<const DeliveryOutcome *> &rows, qint64 now,
                                   QString &error)
{
    // A batch holds runs of one target's rows: the target's list is found by comparing with
    // the last one's before looking further.
    for (auto &[target, seqs] : m_seqs)
        seqs.clear();
    std::size_t last = 0;
    std::size_t targets = 0;
    for (const DeliveryOutcome *o : rows) {
        if (last >= targets || *m_seqs[last].first != o->target) {
            last = 0;
            while (last < targets && *m_seqs[last].first != o->target)
                ++last;
            if (last == targets) {
                if (targets == m_seqs.size())
                    m_seqs.emplace_back();
                m_seqs[targets++].first = &o->target;
            }
        }
        m_seqs[last].second.push_back(o->version);
    }
    for (std::size_t t = 0; t < targets; ++t) {
        const QString &target = *m_seqs[t].first;
        std::vector<qint64> &seqs = m_seqs[t].second;
        std::sort(seqs.begin(), seqs.end());
        for (std::size_t from = 0; from < seqs.size();) {
            // A seq seen twice (the same event delivered again) stays in the run.
            std::size_t to = from + 1;
            while (to < seqs.size() && seqs[to] - seqs[to - 1] <= 1)
                ++to;
            if (!acknowledgeRange(target, seqs[from], seqs[to - 1] + 1, now)) {
                error = QStringLiteral("recording events %1 to %2 as acknowledged by %3: %4")
                            .arg(seqs[from])
                            .arg(seqs[to - 1])
                            .arg(target, QString::fromUtf8(sqlite3_errmsg(m_db)));
                return false;
            }
            from = to;
        }
    }
    if (m_seqs.size() > 64)
        m_seqs.resize(targets); // targets come and go: the lists cannot grow without end
    return true;
}

bool SqliteDoneMarker::acknowledgeRange(const QString &target, qint64 first, qint64 end, qint64 now)
{
    // Prepared again when they could not be (a store opened before its schema was complete):
    // the connection's error is then this statement's.
    if (!m_extendRange.ok())
        m_extendRange = SqliteStatement(m_db, ExtendRangeSql);
    if (!m_insertRange.ok())
        m_insertRange = SqliteStatement(m_db, InsertRangeSql);
    if (!m_extendRange.ok() || !m_insertRange.ok())
        return false;
    m_extendRange.bind(1, target);
    m_extendRange.bind(2, first);
    m_extendRange.bind(3, end);
    if (!m_extendRange.exec())
        return false;
    if (m_extendRange.changes() > 0)
        return true;
    m_insertRange.bind(1, target);
    m_insertRange.bind(2, now);
    m_insertRange.bind(3, first);
    m_insertRange.bind(4, end);
    return m_insertRange.exec();
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
