// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/retentionpruner.h"

#include "store/ledgerranges.h"
#include "store/store.h"

#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <span>
#include <thread>
#include <vector>

namespace jobfirst {

namespace {

constexpr auto Pause = std::chrono::milliseconds(5); // between transactions: the writer goes first

struct Row
{
    qint64 id = 0;
    qint64 seq = 0;
    int count = 1;
    QString target;
    QString user;
    QString state;
    qint64 updatedAt = 0;
    qint64 createdAt = 0;
};

bool delivered(const QString &state)
{
    return state == u"done" || state == u"coalesced" || state == u"discarded";
}

// Runs `work` in its own IMMEDIATE transaction.
Status inTransaction(QSqlDatabase db, const QString &path,
                     const std::function<Status(QSqlQuery &)> &work)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return storeError(path, QStringLiteral("retention"), q.lastError().text());
    Status s = work(q);
    if (s && !q.exec(QStringLiteral("COMMIT")))
        s = storeError(path, QStringLiteral("retention"), q.lastError().text());
    if (!s)
        q.exec(QStringLiteral("ROLLBACK"));
    std::this_thread::sleep_for(Pause);
    return s;
}

/// One retention pass over one SQLite store, on its own connection.
class RetentionPass
{
public:
    RetentionPass(QSqlDatabase db, const QString &path, qint64 cutoffMs, int batchRows,
                  const std::atomic_bool *stop)
        : m_db(db), m_path(path), m_cutoffMs(cutoffMs), m_batchRows(batchRows), m_stop(stop),
          m_pinnedSingle(db), m_pinnedRange(db), m_scan(db)
    {
    }

    Result<PruneCounts> run()
    {
        // Bulk rows' acknowledged ranges old enough for their rows to go become per-user
        // ledger rows first: which event is a user's latest is then in one table.
        auto folded = LedgerRanges::fold(m_db, false, m_path, m_cutoffMs, m_stop);
        if (!folded)
            return folded.error();
        prepare();
        if (Status s = pruneDeliveries(); !s)
            return s.error();
        if (Status s = pruneHealthHistory(); !s)
            return s.error();
        return m_counts;
    }

private:
    bool stopped() const { return m_stop && m_stop->load(); }

    void prepare()
    {
        // The ledger's latest acknowledged event of a (target, user) stays, with its row; so
        // does a row with an event in a range acknowledged after the fold (kept until the
        // next pass folds it). Single rows' ranges grow (SqliteDoneMarker): a row's range may
        // begin before its events and end after them.
        m_pinnedSingle.prepare(
            QStringLiteral("SELECT 1 FROM ledger l JOIN events e ON e.event_id = l.event_id"
                           " WHERE l.target = ? AND l.user_id = ? AND e.seq = ?"
                           " UNION ALL SELECT 1 FROM ledger_ranges WHERE target = ? AND"
                           " first_seq <= ? AND end_seq > ? LIMIT 1"));
        m_pinnedRange.prepare(QStringLiteral(
            "SELECT 1 FROM events e JOIN ledger l ON l.target = ? AND l.user_id = e.user_id"
            " AND l.event_id = e.event_id WHERE e.seq >= ? AND e.seq < ?"
            " UNION ALL SELECT 1 FROM ledger_ranges WHERE target = ? AND first_seq < ? AND "
            "end_seq > ? LIMIT 1"));
        m_scan.prepare(QStringLiteral("SELECT ") + RowColumns +
                       QStringLiteral(" FROM deliveries WHERE id > ? ORDER BY id LIMIT ?"));
    }

    bool pinned(const Row &r)
    {
        QSqlQuery &q = r.count > 1 ? m_pinnedRange : m_pinnedSingle;
        q.addBindValue(r.target);
        if (r.count > 1) {
            q.addBindValue(r.seq);
            q.addBindValue(r.seq + r.count);
            q.addBindValue(r.target);
            q.addBindValue(r.seq + r.count);
            q.addBindValue(r.seq);
        } else {
            q.addBindValue(r.user);
            q.addBindValue(r.seq);
            q.addBindValue(r.target);
            q.addBindValue(r.seq);
            q.addBindValue(r.seq);
        }
        const bool found = q.exec() && q.next();
        q.finish();
        return found;
    }

    static Row rowAt(const QSqlQuery &q)
    {
        return Row{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toInt(),
                   q.value(3).toString(),   q.value(4).toString(),   q.value(5).toString(),
                   q.value(6).toLongLong(), q.value(7).toLongLong()};
    }

    /// Delivery rows (and their events) in runs of one created_at, oldest first.
    Status pruneDeliveries()
    {
        qint64 cursor = 0;
        bool more = true;
        while (more && !stopped()) {
            std::vector<Row> rows;
            if (Status s = readWindow(cursor, rows, more); !s)
                return s;
            if (rows.empty())
                break;
            cursor = rows.back().id;
            for (std::size_t from = 0; from < rows.size() && !stopped();) {
                std::size_t to = from;
                while (to < rows.size() && rows[to].createdAt == rows[from].createdAt)
                    ++to;
                if (Status s = pruneRun(rows, from, to); !s)
                    return s;
                from = to;
            }
        }
        return {};
    }

    /// The next rows after `cursor` created before the cutoff, ending at the end of a run;
    /// `more` turns false once a row is not old enough (ids follow time).
    Status readWindow(qint64 cursor, std::vector<Row> &rows, bool &more)
    {
        const int window = m_batchRows * 4;
        m_scan.addBindValue(cursor);
        m_scan.addBindValue(window);
        if (!m_scan.exec())
            return storeError(m_path, QStringLiteral("retention scan"), m_scan.lastError().text());
        while (m_scan.next()) {
            Row r = rowAt(m_scan);
            if (r.createdAt >= m_cutoffMs) {
                more = false;
                break;
            }
            rows.push_back(std::move(r));
        }
        m_scan.finish();
        if (!more || rows.size() != std::size_t(window))
            return {};
        // The last run may go on past this window: leave it for the next one, unless the
        // window is that one run (then read the whole run).
        const qint64 lastRun = rows.back().createdAt;
        std::size_t end = rows.size();
        while (end > 0 && rows[end - 1].createdAt == lastRun)
            --end;
        if (end > 0) {
            rows.resize(end);
            return {};
        }
        return readRestOfRun(rows);
    }

    Status readRestOfRun(std::vector<Row> &rows)
    {
        QSqlQuery rest(m_db);
        rest.prepare(
            QStringLiteral("SELECT ") + RowColumns +
            QStringLiteral(" FROM deliveries WHERE id > ? AND created_at = ? ORDER BY id"));
        rest.addBindValue(rows.back().id);
        rest.addBindValue(rows.back().createdAt);
        if (!rest.exec())
            return storeError(m_path, QStringLiteral("retention scan"), rest.lastError().text());
        while (rest.next())
            rows.push_back(rowAt(rest));
        return {};
    }

    /// Judges one run (rows [from, to) of one created_at): the rows to remove, and the events
    /// no remaining row of the run covers go with them.
    Status pruneRun(const std::vector<Row> &rows, std::size_t from, std::size_t to)
    {
        std::vector<const Row *> remove;
        QSet<qint64> kept;
        for (std::size_t i = from; i < to; ++i) {
            const Row &r = rows[i];
            if (delivered(r.state) && r.updatedAt < m_cutoffMs && !pinned(r)) {
                remove.push_back(&r);
            } else {
                for (qint64 s = r.seq; s < r.seq + r.count; ++s)
                    kept.insert(s);
            }
        }
        const std::size_t batch = std::size_t(m_batchRows);
        for (std::size_t chunk = 0; chunk < remove.size() && !stopped(); chunk += batch) {
            const std::size_t end = std::min(remove.size(), chunk + batch);
            if (Status s = removeRows(std::span(remove).subspan(chunk, end - chunk), kept); !s)
                return s;
        }
        return {};
    }

    /// One transaction: the rows, their attempts and their events but those in `kept`.
    Status removeRows(std::span<const Row *const> rows, const QSet<qint64> &kept)
    {
        return inTransaction(m_db, m_path, [&](QSqlQuery &) -> Status {
            QSqlQuery attempts(m_db), row(m_db), event(m_db);
            attempts.prepare(QStringLiteral("DELETE FROM attempts WHERE delivery_id = ?"));
            row.prepare(QStringLiteral("DELETE FROM deliveries WHERE id = ?"));
            event.prepare(QStringLiteral("DELETE FROM events WHERE seq = ?"));
            for (const Row *r : rows) {
                attempts.addBindValue(r->id);
                row.addBindValue(r->id);
                if (!attempts.exec())
                    return failed(attempts);
                if (!row.exec())
                    return failed(row);
                m_counts.attempts += attempts.numRowsAffected();
                m_counts.deliveries += row.numRowsAffected();
                for (qint64 seq = r->seq; seq < r->seq + r->count; ++seq) {
                    if (kept.contains(seq))
                        continue;
                    event.addBindValue(seq);
                    if (!event.exec())
                        return failed(event);
                    m_counts.events += event.numRowsAffected();
                }
            }
            return {};
        });
    }

    /// Health history older than the cutoff, a batch a transaction.
    Status pruneHealthHistory()
    {
        while (!stopped()) {
            qint64 removed = 0;
            Status s = inTransaction(m_db, m_path, [&](QSqlQuery &q) -> Status {
                q.prepare(QStringLiteral(
                    "DELETE FROM health_events WHERE id IN"
                    " (SELECT id FROM health_events WHERE ts < ? ORDER BY id LIMIT ?)"));
                q.addBindValue(m_cutoffMs);
                q.addBindValue(m_batchRows);
                if (!q.exec())
                    return failed(q);
                removed = q.numRowsAffected();
                return {};
            });
            if (!s)
                return s;
            m_counts.healthEvents += removed;
            if (removed < m_batchRows)
                break;
        }
        return {};
    }

    Error failed(const QSqlQuery &q) const
    {
        return storeError(m_path, QStringLiteral("retention"), q.lastError().text());
    }

    static inline const QString RowColumns = QStringLiteral(
        "id, event_seq, event_count, target, user_id, state, updated_at, created_at");

    QSqlDatabase m_db;
    const QString m_path;
    const qint64 m_cutoffMs;
    const int m_batchRows;
    const std::atomic_bool *m_stop;
    QSqlQuery m_pinnedSingle, m_pinnedRange, m_scan;
    PruneCounts m_counts;
};

} // namespace

Result<PruneCounts> RetentionPruner::pruneOnce(const QString &dbPath, qint64 cutoffMs,
                                               int batchRows, const std::atomic_bool *stop)
{
    auto opened = Store::open(dbPath);
    if (!opened)
        return opened.error();
    return RetentionPass(opened.value()->database(), dbPath, cutoffMs, batchRows, stop).run();
}

} // namespace jobfirst
