// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QString>

#include <atomic>

namespace jobfirst {

/// The ledger keeps the highest acknowledged version per (target, user) in two forms: a row
/// per user (`ledger`: PostgreSQL's single deliveries, and what folding writes) and ranges of
/// event seqs per target (`ledger_ranges`: first_seq inclusive, end_seq exclusive), each
/// standing for "every event in it is acknowledged", instead of one upsert per user and
/// target: a bulk row's, and on SQLite single deliveries' too (SqliteDoneMarker), whose range
/// grows with the target's queue. Ranges may overlap. A user's acknowledged version is the
/// highest of both. The SQL here reads that in either dialect and
/// folds ranges into per-user rows where a reader needs them there (retention, before it
/// decides which events are pinned).
class LedgerRanges final
{
public:
    LedgerRanges() = delete;

    /// One target's acknowledged (user, version, event id) rows from both forms, sorted by user
    /// and newest first: the first row of each user is the one that counts (binds: the target
    /// twice).
    static QString acknowledgedRowsSql();
    /// (target, user, highest version) over every target, both forms (no binds).
    static QString latestVersionsSql();
    /// Folds the ranges acknowledged before `ackedBefore` into per-user ledger rows (the higher
    /// version wins, as when they were written), a few ranges per transaction, and deletes
    /// them. `postgres` picks the dialect. Returns the ranges folded.
    static Result<qint64> fold(QSqlDatabase db, bool postgres, const QString &where,
                               qint64 ackedBefore, const std::atomic_bool *stop = nullptr);
};

} // namespace jobfirst
