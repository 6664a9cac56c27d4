// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/retentionpruner.h"

#include "store/ledgerranges.h"
#include "store/store.h"

#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

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

} // namespace

Result<PruneCounts> RetentionPruner::pruneOnce(const QString &dbPath, qint64 cutoffMs,
                                               int batchRows, const std::atomic_bool *stop)
{
    auto opened = Store::open(dbPath);
    if (!opened)
        return opened.error();
    QSqlDatabase db = opened.value()->database();
    PruneCounts counts;
    const auto stopped = [stop] { return stop && stop->load(); };

    // Bulk rows' acknowledged ranges old enough for their rows to go become per-user ledger
    // rows first: which event is a user's latest is then in one table.
    auto folded = LedgerRanges::fold(db, false, dbPath, cutoffMs, stop);
    if (!folded)
        return folded.error();

    // The ledger's latest acknowledged event of a (target, user) stays, with its row; so does a
    // row with an event in a range acknowledged after the fold (kept until the next pass folds
    // it). Single rows' ranges grow (SqliteDoneMarker): a row's range may begin before its
    // events and end after them.
    QSqlQuery pinnedSingle(db), pinnedRange(db);
    pinnedSingle.prepare(
        QStringLiteral("SELECT 1 FROM ledger l JOIN events e ON e.event_id = l.event_id"
                       " WHERE l.target = ? AND l.user_id = ? AND e.seq = ?"
                       " UNION ALL SELECT 1 FROM ledger_ranges WHERE target = ? AND"
                       " first_seq <= ? AND end_seq > ? LIMIT 1"));
    pinnedRange.prepare(QStringLiteral(
        "SELECT 1 FROM events e JOIN ledger l ON l.target = ? AND l.user_id = e.user_id"
        " AND l.event_id = e.event_id WHERE e.seq >= ? AND e.seq < ?"
        " UNION ALL SELECT 1 FROM ledger_ranges WHERE target = ? AND first_seq < ? AND end_seq > ?"
        " LIMIT 1"));
    const auto pinned = [&](const Row &r) {
        QSqlQuery &q = r.count > 1 ? pinnedRange : pinnedSingle;
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
    };

    // Delivery rows (and their events) in runs of one created_at, oldest first.
    QSqlQuery scan(db);
    scan.prepare(QStringLiteral(
        "SELECT id, event_seq, event_count, target, user_id, state, updated_at, created_at"
        " FROM deliveries WHERE id > ? ORDER BY id LIMIT ?"));
    qint64 cursor = 0;
    bool more = true;
    while (more && !stopped()) {
        scan.addBindValue(cursor);
        scan.addBindValue(batchRows * 4);
        if (!scan.exec())
            return storeError(dbPath, QStringLiteral("retention scan"), scan.lastError().text());
        std::vector<Row> rows;
        while (scan.next()) {
            Row r{scan.value(0).toLongLong(), scan.value(1).toLongLong(), scan.value(2).toInt(),
                  scan.value(3).toString(),   scan.value(4).toString(),   scan.value(5).toString(),
                  scan.value(6).toLongLong(), scan.value(7).toLongLong()};
            if (r.createdAt >= cutoffMs) {
                more = false; // ids follow time: nothing after this is old enough
                break;
            }
            rows.push_back(std::move(r));
        }
        scan.finish();
        if (rows.empty())
            break;
        // The last run may go on past this window: leave it for the next one, unless the
        // window is that one run (then read the whole run).
        if (more && rows.size() == std::size_t(batchRows * 4)) {
            const qint64 lastRun = rows.back().createdAt;
            std::size_t end = rows.size();
            while (end > 0 && rows[end - 1].createdAt == lastRun)
                --end;
            if (end > 0) {
                rows.resize(end);
            } else {
                QSqlQuery rest(db);
                rest.prepare(
                    QStringLiteral("SELECT id, event_seq, event_count, target, user_id, state, "
                                   "updated_at, created_at"
                                   " FROM deliveries WHERE id > ? AND created_at = ? ORDER BY id"));
                rest.addBindValue(rows.back().id);
                rest.addBindValue(lastRun);
                if (!rest.exec())
                    return storeError(dbPath, QStringLiteral("retention scan"),
                                      rest.lastError().text());
                while (rest.next())
                    rows.push_back(Row{rest.value(0).toLongLong(), rest.value(1).toLongLong(),
                                       rest.value(2).toInt(), rest.value(3).toString(),
                                       rest.value(4).toString(), rest.value(5).toString(),
                                       rest.value(6).toLongLong(), rest.value(7).toLongLong()});
            }
        }
        cursor = rows.back().id;
        // Judge each run: rows to remove, and events no remaining row of the run covers.
        for (std::size_t from = 0; from < rows.size() && !stopped();) {
            std::size_t to = from;
            while (to < rows.size() && rows[to].createdAt == rows[from].createdAt)
                ++to;
            std::vector<const Row *> remove;
            QSet<qint64> kept;
            for (std::size_t i = from; i < to; ++i) {
                const Row &r = rows[i];
                if (delivered(r.state) && r.updatedAt < cutoffMs && !pinned(r)) {
                    remove.push_back(&r);
                } else {
                    for (qint64 s = r.seq; s < r.seq + r.count; ++s)
                        kept.insert(s);
                }
            }
            from = to;
            for (std::size_t chunk = 0; chunk < remove.size() && !stopped();
                 chunk += std::size_t(batchRows)) {
                const std::size_t end = std::min(remove.size(), chunk + std::size_t(batchRows));
                Status s = inTransaction(db, dbPath, [&](QSqlQuery &q) -> Status {
                    QSqlQuery attempts(db), row(db), event(db);
                    attempts.prepare(QStringLiteral("DELETE FROM attempts WHERE delivery_id = ?"));
                    row.prepare(QStringLiteral("DELETE FROM deliveries WHERE id = ?"));
                    event.prepare(QStringLiteral("DELETE FROM events WHERE seq = ?"));
                    for (std::size_t i = chunk; i < end; ++i) {
                        const Row &r = *remove[i];
                        attempts.addBindValue(r.id);
                        row.addBindValue(r.id);
                        if (!attempts.exec())
                            return storeError(dbPath, QStringLiteral("retention"),
                                              attempts.lastError().text());
                        if (!row.exec())
                            return storeError(dbPath, QStringLiteral("retention"),
                                              row.lastError().text());
                        counts.attempts += attempts.numRowsAffected();
                        counts.deliveries += row.numRowsAffected();
                        for (qint64 seq = r.seq; seq < r.seq + r.count; ++seq) {
                            if (kept.contains(seq))
                                continue;
                            event.addBindValue(seq);
                            if (!event.exec())
                                return storeError(dbPath, QStringLiteral("retention"),
                                                  event.lastError().text());
                            counts.events += event.numRowsAffected();
                        }
                    }
                    return {};
                });
                if (!s)
                    return s.error();
            }
        }
    }

    // Health history older than the cutoff.
    while (!stopped()) {
        qint64 removed = 0;
        Status s = inTransaction(db, dbPath, [&](QSqlQuery &q) -> Status {
            q.prepare(
                QStringLiteral("DELETE FROM health_events WHERE id IN"
                               " (SELECT id FROM health_events WHERE ts < ? ORDER BY id LIMIT ?)"));
            q.addBindValue(cutoffMs);
            q.addBindValue(batchRows);
            if (!q.exec())
                return storeError(dbPath, QStringLiteral("retention"), q.lastError().text());
            removed = q.numRowsAffected();
            return {};
        });
        if (!s)
            return s.error();
        counts.healthEvents += removed;
        if (removed < batchRows)
            break;
    }
    return counts;
}

} // namespace jobfirst
