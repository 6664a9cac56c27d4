// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresretentionpruner.h"

#include "store/ledgerranges.h"
#include "store/postgresschema.h"
#include "store/postgresurl.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <chrono>
#include <thread>

namespace jobfirst {

namespace {

constexpr qint64 PruneLock = PostgresRetentionPruner::Lock;
constexpr auto Pause = std::chrono::milliseconds(5); // between transactions

} // namespace

Result<PruneCounts> PostgresRetentionPruner::pruneOnce(const QString &text, qint64 cutoffMs,
                                                       int batchRows, const std::atomic_bool *stop)
{
    auto url = PostgresUrl::parse(text);
    if (!url)
        return url.error();
    const QString where = url->toString();
    const QString name = PostgresSchema::newConnectionName("retention");
    struct Closer
    {
        QString name;
        ~Closer()
        {
            {
                QSqlDatabase db = QSqlDatabase::database(name, false);
                if (db.isValid())
                    db.close(); // also lets go of the advisory lock
            }
            QSqlDatabase::removeDatabase(name);
        }
    } closer{name};
    auto opened = PostgresSchema::open(url.value(), name);
    if (!opened)
        return opened.error();
    QSqlDatabase db = opened.value();
    const auto stopped = [stop] { return stop && stop->load(); };
    PruneCounts counts;
    QSqlQuery q(db);
    const auto failed = [&](const QString &what) {
        const QString why = q.lastError().text();
        q.exec(QStringLiteral("ROLLBACK"));
        return storeError(where, QStringLiteral("retention: %1").arg(what), why);
    };
    if (!q.exec(QStringLiteral("SELECT pg_try_advisory_lock(%1)").arg(PruneLock)) || !q.next())
        return failed(QStringLiteral("take the retention lock"));
    if (!q.value(0).toBool()) {
        counts.elsewhere = true; // another daemon prunes now
        return counts;
    }
    q.finish();

    // Bulk rows' acknowledged ranges old enough for their rows to go become per-user ledger
    // rows first: which event is a user's latest is then in one table.
    auto folded = LedgerRanges::fold(db, true, where, cutoffMs, stop);
    if (!folded)
        return folded.error();

    // Delivered rows older than the cutoff, oldest first, a batch per transaction: not one
    // the ledger pins (its event, or one of a bulk row's, is a (target, user)'s latest
    // acknowledged one, or its range was acknowledged after the fold), with their attempts;
    // then the events of those rows that no remaining row covers (the same transaction sees
    // the rows gone).
    qint64 cursor = 0;
    while (!stopped()) {
        if (!q.exec(QStringLiteral("BEGIN")))
            return failed(QStringLiteral("begin"));
        q.prepare(QStringLiteral(
            "WITH victim AS (SELECT d.id, d.event_seq, d.event_count FROM deliveries d"
            " WHERE d.id > ? AND d.state IN ('done', 'coalesced', 'discarded') AND d.updated_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM events e JOIN ledger l ON l.target = d.target"
            " AND l.user_id = e.user_id AND l.event_id = e.event_id WHERE e.seq >= d.event_seq"
            " AND e.seq < d.event_seq + d.event_count) AND NOT EXISTS (SELECT 1 FROM"
            " ledger_ranges r WHERE r.target = d.target AND r.first_seq = d.event_seq AND"
            " r.end_seq = d.event_seq + d.event_count)"
            " ORDER BY d.id LIMIT ?),"
            " gone AS (DELETE FROM deliveries WHERE id IN (SELECT id FROM victim)"
            " RETURNING id, event_seq, event_count),"
            " tried AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM gone)"
            " RETURNING 1)"
            " SELECT (SELECT COUNT(*) FROM gone), (SELECT COUNT(*) FROM tried),"
            " (SELECT MAX(id) FROM victim), (SELECT string_agg(event_seq || ':' || event_count,"
            " ',') FROM gone)"));
        q.addBindValue(cursor);
        q.addBindValue(cutoffMs);
        q.addBindValue(batchRows);
        if (!q.exec() || !q.next())
            return failed(QStringLiteral("remove delivered rows"));
        const qint64 rows = q.value(0).toLongLong();
        counts.deliveries += rows;
        counts.attempts += q.value(1).toLongLong();
        cursor = q.value(2).toLongLong();
        QStringList seqs;
        for (const QString &range : q.value(3).toString().split(u',', Qt::SkipEmptyParts)) {
            const qint64 first = range.section(u':', 0, 0).toLongLong();
            const qint64 count = range.section(u':', 1, 1).toLongLong();
            for (qint64 s = first; s < first + count; ++s)
                seqs << QString::number(s);
        }
        q.finish();
        if (!seqs.isEmpty()) {
            q.prepare(QStringLiteral(
                "DELETE FROM events e WHERE e.seq = ANY(CAST(? AS BIGINT[])) AND NOT EXISTS"
                " (SELECT 1 FROM deliveries d WHERE d.event_seq <= e.seq"
                " AND d.event_seq + d.event_count > e.seq)"));
            q.addBindValue(u'{' + seqs.join(u',') + u'}');
            if (!q.exec())
                return failed(QStringLiteral("remove delivered events"));
            counts.events += q.numRowsAffected();
        }
        if (!q.exec(QStringLiteral("COMMIT")))
            return failed(QStringLiteral("commit"));
        if (rows < batchRows)
            break;
        std::this_thread::sleep_for(Pause);
    }

    // Health history older than the cutoff.
    while (!stopped()) {
        q.prepare(
            QStringLiteral("DELETE FROM health_events WHERE id IN"
                           " (SELECT id FROM health_events WHERE ts < ? ORDER BY id LIMIT ?)"));
        q.addBindValue(cutoffMs);
        q.addBindValue(batchRows);
        if (!q.exec())
            return failed(QStringLiteral("remove old health events"));
        const qint64 removed = q.numRowsAffected();
        counts.healthEvents += removed;
        if (removed < batchRows)
            break;
        std::this_thread::sleep_for(Pause);
    }
    q.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(PruneLock));
    return counts;
}

} // namespace jobfirst
