// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/ledgerranges.h"

#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <vector>

namespace jobfirst {

namespace {

constexpr std::size_t RangesPerTransaction = 16;

struct Range
{
    QString target;
    qint64 first = 0;
    qint64 end = 0;
    qint64 ackedAt = 0;
};

// A user seen twice in one range keeps its latest event: PostgreSQL may not update one row
// twice in a statement, SQLite applies the rows in seq order.
QString upsertSql(bool postgres)
{
    const QString select =
        postgres ? QStringLiteral("SELECT DISTINCT ON (user_id) CAST(? AS TEXT), user_id,"
                                  " event_id, seq, CAST(? AS BIGINT) FROM events WHERE seq >= ?"
                                  " AND seq < ? ORDER BY user_id, seq DESC")
                 : QStringLiteral("SELECT ?, user_id, event_id, seq, ? FROM events WHERE seq >= ?"
                                  " AND seq < ? ORDER BY seq");
    return QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at) ") +
           select +
           QStringLiteral(" ON CONFLICT (target, user_id) DO UPDATE SET event_id ="
                          " excluded.event_id, version = excluded.version, acked_at ="
                          " excluded.acked_at WHERE excluded.version > ledger.version");
}

Status foldBatch(QSqlDatabase db, bool postgres, const QString &where,
                 const std::vector<Range> &ranges)
{
    QSqlQuery q(db);
    const auto failed = [&](QSqlQuery &query) {
        const QString why = query.lastError().text();
        q.exec(QStringLiteral("ROLLBACK"));
        return storeError(where, QStringLiteral("fold acknowledged ranges into the ledger"), why);
    };
    if (!q.exec(postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
        return failed(q);
    QSqlQuery upsert(db), remove(db);
    upsert.prepare(upsertSql(postgres));
    remove.prepare(QStringLiteral(
        "DELETE FROM ledger_ranges WHERE target = ? AND first_seq = ? AND end_seq = ?"));
    for (const Range &r : ranges) {
        upsert.addBindValue(r.target);
        upsert.addBindValue(r.ackedAt);
        upsert.addBindValue(r.first);
        upsert.addBindValue(r.end);
        if (!upsert.exec())
            return failed(upsert);
        remove.addBindValue(r.target);
        remove.addBindValue(r.first);
        remove.addBindValue(r.end);
        if (!remove.exec())
            return failed(remove);
    }
    if (!q.exec(QStringLiteral("COMMIT")))
        return failed(q);
    return {};
}

} // namespace

QString LedgerRanges::acknowledgedRowsSql()
{
    return QStringLiteral(
        "SELECT user_id, version, event_id FROM (SELECT user_id, version, event_id FROM ledger"
        " WHERE target = ? UNION ALL SELECT e.user_id, e.seq, e.event_id FROM ledger_ranges r"
        " JOIN events e ON e.seq >= r.first_seq AND e.seq < r.end_seq WHERE r.target = ?) a"
        " ORDER BY user_id, version DESC");
}

QString LedgerRanges::latestVersionsSql()
{
    return QStringLiteral(
        "SELECT target, user_id, MAX(version) FROM (SELECT target, user_id, version FROM ledger"
        " UNION ALL SELECT r.target, e.user_id, e.seq FROM ledger_ranges r JOIN events e ON"
        " e.seq >= r.first_seq AND e.seq < r.end_seq) a GROUP BY target, user_id");
}

Result<qint64> LedgerRanges::fold(QSqlDatabase db, bool postgres, const QString &where,
                                  qint64 ackedBefore, const std::atomic_bool *stop)
{
    // Read once (a range is a few dozen bytes: a million users in bulk rows of 100 are 10,000
    // per target), then folded a few per transaction so the writer is never held up long.
    std::vector<Range> ranges;
    {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT target, first_seq, end_seq, acked_at FROM ledger_ranges"
                                 " WHERE acked_at < ?"));
        q.addBindValue(ackedBefore);
        if (!q.exec())
            return storeError(where, QStringLiteral("read acknowledged ranges"),
                              q.lastError().text());
        while (q.next())
            ranges.push_back(Range{q.value(0).toString(), q.value(1).toLongLong(),
                                   q.value(2).toLongLong(), q.value(3).toLongLong()});
    }
    qint64 folded = 0;
    for (std::size_t from = 0; from < ranges.size() && !(stop && stop->load());
         from += RangesPerTransaction) {
        const std::size_t to = std::min(ranges.size(), from + RangesPerTransaction);
        const std::vector<Range> batch(ranges.begin() + std::ptrdiff_t(from),
                                       ranges.begin() + std::ptrdiff_t(to));
        if (Status s = foldBatch(db, postgres, where, batch); !s)
            return s.error();
        folded += qint64(batch.size());
    }
    return folded;
}

} // namespace jobfirst
