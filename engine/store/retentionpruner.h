// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>

#include <atomic>

namespace jobfirst {

/// What one retention pass removed.
struct PruneCounts
{
    qint64 deliveries = 0;
    qint64 attempts = 0;
    qint64 events = 0;
    qint64 healthEvents = 0;
    /// PostgreSQL: another daemon held the retention lock, so this pass pruned nothing.
    bool elsewhere = false;
};

/// Retention (the config's `retention`, 30 days by default): removes delivered events, their
/// delivery rows and attempt logs, and health events, older than the cutoff. Never the
/// ledger, never the audit log, never a pending or dead (undelivered) delivery or its event,
/// and never the event the ledger names as a (target, user)'s latest acknowledged one (a
/// consistency repair sends it again).
///
/// Works in small transactions (a few hundred rows) with pauses between them on its own
/// connection, so the outbox writer is never held up for long. Blocking: run it on a worker.
///
/// Which events a delivery row covers is found without an index on event_seq: the rows of
/// one event (or one bulk batch) are written in one transaction, share its created_at and
/// have consecutive ids, so each run of equal created_at is judged as a whole.
class RetentionPruner final
{
public:
    static Result<PruneCounts> pruneOnce(const QString &dbPath, qint64 cutoffMs,
                                         int batchRows = 500,
                                         const std::atomic_bool *stop = nullptr);
};

} // namespace jobfirst
