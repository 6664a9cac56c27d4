// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>

namespace jobfirst {

class PostgresUrl;

/// The outbox's tables in PostgreSQL (events, deliveries, attempts, ledger, target_state,
/// outbox_meta) and the cluster's shared state (nodes, health, config versions, audit),
/// created and migrated by version number, in one transaction under an advisory lock so
/// daemons starting together do not race. The same tables and columns as the SQLite store,
/// in PostgreSQL's types (BIGSERIAL, BYTEA payloads).
class PostgresSchema final
{
public:
    static constexpr int Version = 11;
    /// Deliveries are split into this many partitions by a hash of the user id (a user lives
    /// in one partition, so per-user order holds); each has a lease (partition_leases). 60
    /// splits evenly over 1, 2, 3, 4, 5 and 6 daemons (16 split 6/6/4 over three: the busiest
    /// had 37.5 % of the work, capping three daemons at 2.67x one). Schema step 5 moved the
    /// stored rows from 16.
    static constexpr int Partitions = 60;
    /// The partition of a user's rows (FNV-1a of the UTF-8 id; the same in every daemon).
    /// A bulk row of many users ("") goes by its first event's seq.
    static int partitionOf(const QString &user, qint64 seq);
    /// Migrates `db` to Version (tests: to `upTo`, to make a store of an older schema);
    /// "store.too_new" when a newer engine has written it.
    static Status migrate(QSqlDatabase db, const QString &where, int upTo = Version);
    /// Opens a connection named `connection` to `url` and migrates it.
    static Result<QSqlDatabase> open(const PostgresUrl &url, const QString &connection);
    /// A connection name of its own for every call (connections are per thread and object).
    static QString newConnectionName(const char *purpose);
};

} // namespace jobfirst
