// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/sqlitemultirow.h"
#include "sync/deliveryoutcome.h"

#include <QString>

#include <vector>

struct sqlite3;

namespace jobfirst {

/// Records delivered single-event rows on the outbox writer's connection: the rows marked
/// done per attempt count, a run of at least MinRangeRows consecutive ids by one UPDATE ...
/// WHERE id BETWEEN, the others by one UPDATE ... WHERE id IN (...) per up to MaxRows rows
/// (statements for each row count prepared when first needed); and their acknowledgements as
/// ranges of event seqs per target (LedgerRanges), one for each run of consecutive seqs a
/// target acknowledged, which extends the target's range that ends where it begins. A
/// per-user upsert into the ledger cost a B-tree insert per delivery; a range is a row per
/// target and batch, or none. Runs inside the caller's transaction, on a connection whose
/// temp_store is MEMORY (SqliteOutboxStore's): the statement journal of an UPDATE whose rows
/// are far apart then stays in memory instead of a temporary file written in each commit.
class SqliteDoneMarker final
{
public:
    static constexpr int MaxRows = SqliteMultiRow::MaxRows;
    /// Consecutive ids from this many on are marked by a range instead of a list.
    static constexpr int MinRangeRows = 4;

    explicit SqliteDoneMarker(sqlite3 *db);
    SqliteDoneMarker(const SqliteDoneMarker &) = delete;
    SqliteDoneMarker &operator=(const SqliteDoneMarker &) = delete;

    /// Marks `rows` (Done outcomes that cover one event each) at `now`. False, with `error`
    /// naming the rows, when a statement fails; the caller rolls the transaction back.
    bool mark(const std::vector<const DeliveryOutcome *> &rows, qint64 now, QString &error);

private:
    using Statement = bool (SqliteDoneMarker::*)(const DeliveryOutcome *const *rows, int count,
                                                 qint64 now);
    /// Runs `statement` (update or acknowledge) over `rows`, up to MaxRows at a time.
    bool inStatements(const std::vector<const DeliveryOutcome *> &rows, Statement statement,
                      qint64 now, QString &error);
    /// Marks the rows of one attempt count done (sorted by id).
    bool updateAll(const DeliveryOutcome *const *rows, int count, qint64 now, QString &error);
    /// Marks `count` rows of the same attempt count done.
    bool update(const DeliveryOutcome *const *rows, int count, qint64 now);
    /// Marks the `count` rows with consecutive ids from `rows[0]` done.
    bool updateRange(const DeliveryOutcome *const *rows, int count, qint64 now);
    /// Acknowledges the rows' events, per target, as ranges of consecutive seqs.
    bool acknowledge(const std::vector<const DeliveryOutcome *> &rows, qint64 now, QString &error);
    /// Acknowledges seqs first .. end - 1 of `target`.
    bool acknowledgeRange(const QString &target, qint64 first, qint64 end, qint64 now);
    void fail(const DeliveryOutcome *const *rows, int count, QString &error) const;

    sqlite3 *m_db;
    SqliteMultiRow m_updates;
    SqliteStatement m_updateRange;
    SqliteStatement m_extendRange;
    SqliteStatement m_insertRange;
    /// Reused: per target met in a call, the seqs it acknowledged.
    std::vector<std::pair<const QString *, std::vector<qint64>>> m_seqs;
    std::vector<const DeliveryOutcome *> m_byAttempts; ///< reused: no allocation per call
    std::vector<const DeliveryOutcome *> m_scattered;  ///< rows not in a range, likewise
};

} // namespace jobfirst
