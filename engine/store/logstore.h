// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "logs/logentry.h"

#include <QList>

namespace jobfirst {

class ClusterStateStore;
class Store;

/// The log: this engine's own lines (in its file), and health and audit lines read from their
/// tables in the cluster state (PostgreSQL when daemons share one), merged newest first.
class LogStore final
{
public:
    /// `state` null: the cluster state is `store` (one engine on its SQLite file).
    explicit LogStore(Store *store, const ClusterStateStore *state = nullptr);

    /// Appends lines in one transaction.
    Status append(const QList<LogEntry> &entries);
    Result<QList<LogEntry>> query(const LogQuery &query) const;
    /// Deletes at most `batch` of the log's own lines older than `beforeMs`; answers how many.
    Result<int> prune(qint64 beforeMs, int batch);

private:
    Store *m_store;
    const ClusterStateStore *m_state;
};

} // namespace jobfirst
