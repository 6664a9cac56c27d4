// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/retentionpruner.h"

#include <QString>

#include <atomic>

namespace jobfirst {

/// Retention on a PostgreSQL store: what RetentionPruner does for a SQLite file (delivered
/// rows older than the cutoff with their attempts and the events no remaining row covers,
/// health events older than it), never the ledger, the audit log, a pending or dead row or
/// the event the ledger names as a (target, user)'s latest acknowledged one.
///
/// Every daemon on the store runs its hourly pass; one at a time prunes, elected by a session
/// advisory lock (pg_try_advisory_lock): a daemon that finds it taken skips this pass
/// (PruneCounts::elsewhere). Small transactions (batchRows rows each) on a connection of its
/// own, with a pause between them, so deliveries and enqueues are not held up. An event's
/// rows are found through the deliveries(event_seq) index (schema step 7): on PostgreSQL the
/// rows of one write need not have consecutive ids (several writers take ids at once).
/// Blocking: run it on a worker.
class PostgresRetentionPruner final
{
public:
    /// The session advisory lock key the pruning daemon holds ("jfrp").
    static constexpr qint64 Lock = 0x6a667270;
    static Result<PruneCounts> pruneOnce(const QString &url, qint64 cutoffMs, int batchRows = 500,
                                         const std::atomic_bool *stop = nullptr);
};

} // namespace jobfirst
