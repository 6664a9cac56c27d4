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

/// Closes the pass's own connection, whatever way the pass ends.
struct ConnectionCloser
{
    QString name;
    ~ConnectionCloser()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            if (db.isValid())
                db.close(); // also lets go of the advisory lock
        }
        QSqlDatabase::removeDatabase(name);
    }
};

/// One pass on its connection: the statement in flight, the store it names in errors, what
/// it removed so far, and what makes it stop early.
struct PrunePass
{
    QSqlQuery q;
    QString where;
    qint64 cutoffMs = 0;
    int batchRows = 0;
    const std::atomic_bool *stop = nullptr;
    PruneCounts counts;

    bool stopped() const { return stop && stop->load(); }
    /// The open transaction rolled back, and an error naming the step and the store's words.
    Error failed(const QString &what)
    {
        const QString why = q.lastError().text();
        q.exec(QStringLiteral("ROLLBACK"));
        return storeError(where, QStringLiteral("retention: %1").arg(what), why);
    }
};

/// Takes the session lock that elects the one pruning daemon: false when another holds it.
Result<bool> takePruneLock(PrunePass &pass)
{
    if (!pass.q.exec(QStringLiteral("SELECT pg_try_advisory_lock(%1)").arg(PruneLock)) ||
        !pass.q.next())
        return pass.failed(QStringLiteral("take the retention lock"));
    const bool taken = pass.q.value(0).toBool();
    pass.q.finish();
    return taken;
}

/// The event seqs of "first:count,..." ranges, one by one.
QStringList eventSeqs(const QString &ranges)
{
    QStringList seqs;
    for (const QString &range : ranges.split(u',', Qt::SkipEmptyParts)) {
        const qint64 first = range.section(u':', 0, 0).toLongLong();
        const qint64 count = range.section(u':', 1, 1).toLongLong();
        for (qint64 s = first; s < first + count; ++s)
            seqs << QString::number(s);
    }
    return seqs;
}

/// Removes up to batchRows delivered rows after `*cursor` with their attempts (see
/// pruneDeliveredRows); answers how many rows went and moves the cursor past them. The
/// seqs of their events go to `*seqs`.
Result<qint64> removeDeliveredBatch(PrunePass &pass, qint64 *cursor, QStringList *seqs)
{
    QSqlQuery &q = pass.q;
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
    q.addBindValue(*cursor);
    q.addBindValue(pass.cutoffMs);
    q.addBindValue(pass.batchRows);
    if (!q.exec() || !q.next())
        return pass.failed(QStringLiteral("remove delivered rows"));
    const qint64 rows = q.value(0).toLongLong();
    pass.counts.deliveries += rows;
    pass.counts.attempts += q.value(1).toLongLong();
    *cursor = q.value(2).toLongLong();
    *seqs = eventSeqs(q.value(3).toString());
    q.finish();
    return rows;
}

/// Removes the events of `seqs` that no remaining row covers.
Status removeUncoveredEvents(PrunePass &pass, const QStringList &seqs)
{
    if (seqs.isEmpty())
        return {};
    pass.q.prepare(
        QStringLiteral("DELETE FROM events e WHERE e.seq = ANY(CAST(? AS BIGINT[])) AND NOT EXISTS"
                       " (SELECT 1 FROM deliveries d WHERE d.event_seq <= e.seq"
                       " AND d.event_seq + d.event_count > e.seq)"));
    pass.q.addBindValue(u'{' + seqs.join(u',') + u'}');
    if (!pass.q.exec())
        return pass.failed(QStringLiteral("remove delivered events"));
    pass.counts.events += pass.q.numRowsAffected();
    return {};
}

// Delivered rows older than the cutoff, oldest first, a batch per transaction: not one the
// ledger pins (its event, or one of a bulk row's, is a (target, user)'s latest acknowledged
// one, or its range was acknowledged after the fold), with their attempts; then the events of
// those rows that no remaining row covers (the same transaction sees the rows gone).
Status pruneDeliveredRows(PrunePass &pass)
{
    qint64 cursor = 0;
    while (!pass.stopped()) {
        if (!pass.q.exec(QStringLiteral("BEGIN")))
            return pass.failed(QStringLiteral("begin"));
        QStringList seqs;
        const auto rows = removeDeliveredBatch(pass, &cursor, &seqs);
        if (!rows)
            return rows.error();
        if (Status s = removeUncoveredEvents(pass, seqs); !s)
            return s;
        if (!pass.q.exec(QStringLiteral("COMMIT")))
            return pass.failed(QStringLiteral("commit"));
        if (rows.value() < pass.batchRows)
            break;
        std::this_thread::sleep_for(Pause);
    }
    return {};
}

/// Health history older than the cutoff, a batch at a time.
Status pruneHealthEvents(PrunePass &pass)
{
    while (!pass.stopped()) {
        pass.q.prepare(
            QStringLiteral("DELETE FROM health_events WHERE id IN"
                           " (SELECT id FROM health_events WHERE ts < ? ORDER BY id LIMIT ?)"));
        pass.q.addBindValue(pass.cutoffMs);
        pass.q.addBindValue(pass.batchRows);
        if (!pass.q.exec())
            return pass.failed(QStringLiteral("remove old health events"));
        const qint64 removed = pass.q.numRowsAffected();
        pass.counts.healthEvents += removed;
        if (removed < pass.batchRows)
            break;
        std::this_thread::sleep_for(Pause);
    }
    return {};
}

} // namespace

Result<PruneCounts> PostgresRetentionPruner::pruneOnce(const QString &text, qint64 cutoffMs,
                                                       int batchRows, const std::atomic_bool *stop)
{
    auto url = PostgresUrl::parse(text);
    if (!url)
        return url.error();
    const ConnectionCloser closer{PostgresSchema::newConnectionName("retention")};
    auto opened = PostgresSchema::open(url.value(), closer.name);
    if (!opened)
        return opened.error();
    QSqlDatabase db = opened.value();
    PrunePass pass{QSqlQuery(db), url->toString(), cutoffMs, batchRows, stop, {}};
    const auto ours = takePruneLock(pass);
    if (!ours)
        return ours.error();
    if (!ours.value()) {
        pass.counts.elsewhere = true; // another daemon prunes now
        return pass.counts;
    }
    // Bulk rows' acknowledged ranges old enough for their rows to go become per-user ledger
    // rows first: which event is a user's latest is then in one table.
    auto folded = LedgerRanges::fold(db, true, pass.where, cutoffMs, stop);
    if (!folded)
        return folded.error();
    for (const auto prune : {pruneDeliveredRows, pruneHealthEvents})
        if (Status s = prune(pass); !s)
            return s.error();
    pass.q.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(PruneLock));
    return pass.counts;
}

} // namespace jobfirst
