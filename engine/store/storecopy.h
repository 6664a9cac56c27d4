// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

#include <cstdint>

namespace jobfirst {

/// Moves a SQLite store into an empty PostgreSQL database: the sync outbox (events,
/// deliveries, attempts, ledger, target state) and the cluster state (nodes, health, config
/// versions, the audit chain with its head) and the API tokens (hashes), ids kept, in one
/// transaction. What stays per daemon (logs, import checkpoints) is not copied, nor are consistency
/// checks (the SLO's figure looks back a day; the next check refills it). Verified after the commit
/// by the row count of every table and, per target, the ledger's digest (count and XOR of
/// RecordDigest::entryHash over (user, version)) on both sides, and the audit chain.
class StoreCopy final
{
public:
    struct Table
    {
        QString name;
        qint64 source = 0;
        qint64 destination = 0;
    };
    struct Report
    {
        QList<Table> tables;
        qint64 ledgerRows = 0;
        std::uint64_t ledgerDigest = 0; ///< XOR over every target's digest
        qint64 auditRows = 0;
    };

    /// Refuses a store an engine holds ("store.held": what it accepts after the copy would be
    /// lost), a destination that holds any row of these tables ("store.not_empty", naming
    /// them) and a copy that does not verify ("store.copy_mismatch", naming the table).
    static Result<Report> toPostgres(const QString &sqlitePath, const QString &url);
};

} // namespace jobfirst
