// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/outboxstore.h"
#include "store/retentionpruner.h"

#include <QSqlDatabase>
#include <QString>

/// Which outbox the sync tests run against. With JOBFIRST_TEST_OUTBOX=postgresql, a PostgreSQL
/// of the test's own is started once per test process (tests/common/postgresserver) and every
/// call of outbox() makes a fresh database in it; otherwise the outbox is the SQLite store.
class OutboxBackend final
{
public:
    static bool postgres();
    /// Why this run cannot have its PostgreSQL ("" when it can): the server binaries are not
    /// installed (scripts/bootstrap installs them). Never a reason under CI, where the run
    /// must fail instead of passing untested.
    static QString unavailable();
    /// The outbox for a fixture whose SQLite store is `storePath`: the path itself, or the URL
    /// of a new, empty PostgreSQL database ("" and a QWARN when it could not be made).
    static QString outbox(const QString &storePath);
    /// A connection named `name` to the outbox, for a test's own queries (SQLite: a new
    /// connection to the file).
    static QSqlDatabase open(const QString &outbox, const QString &name);
    /// `store`'s commit() of `group` and, when it succeeded, its finish(), waited for: what the
    /// outbox writer does, in one call (PostgreSQL's COMMIT is sent by finish()).
    static jobfirst::Result<jobfirst::OutboxStore::Summary>
    commit(jobfirst::OutboxStore &store, const std::vector<jobfirst::OutboxRequest *> &group,
           qint64 now);
    /// One retention pass of the outbox's own pruner (RetentionPruner or
    /// PostgresRetentionPruner).
    static jobfirst::Result<jobfirst::PruneCounts> prune(const QString &outbox, qint64 cutoffMs,
                                                         int batchRows);
};
