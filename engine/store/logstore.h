// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "logs/logentry.h"

#include <QList>

namespace jobfirst {

class Store;

/// The log in the store: its own lines, and health and audit lines read from their tables,
/// merged newest first.
class LogStore final
{
public:
    explicit LogStore(Store *store) : m_store(store) {}

    /// Appends lines in one transaction.
    Status append(const QList<LogEntry> &entries);
    Result<QList<LogEntry>> query(const LogQuery &query) const;
    /// Deletes at most `batch` of the log's own lines older than `beforeMs`; answers how many.
    Result<int> prune(qint64 beforeMs, int batch);

private:
    Store *m_store;
};

} // namespace jobfirst
