// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "logs/logentry.h"
#include "slo/slocalculator.h"

#include <QList>

#include <functional>

class QSqlQuery;

namespace jobfirst {

/// What the SLO and the log read from the cluster-state tables, with one SQL text that both
/// dialects (the SQLite `Store` and `PostgresStateStore`) run: each store hands in a query on
/// its connection and how it turns a failed statement into an error.
namespace StateReports {

using QueryFailed = std::function<Error(const QString &what, QSqlQuery &q)>;

/// Every node with the time it was added, and its health changes: the last one before `from`
/// (the state it was in when the window opened), then every one in [from, to], in the order
/// they were recorded.
Result<QList<NodeHistory>> nodeHistories(QSqlQuery &q, qint64 from, qint64 to,
                                         const QueryFailed &failed);

/// Health transitions and audited actions in the log's shape ("health" and "audit" lines),
/// filtered as `query` says (text case-insensitively), newest first, at most query.limit.
Result<QList<LogEntry>> logLines(QSqlQuery &q, const LogQuery &query, const QueryFailed &failed);

/// The enqueue-to-acknowledged latencies (ms) of real-time deliveries acknowledged in
/// [from, to], the newest first, at most `limit`: the outbox's `deliveries` rows, which are in
/// the same database as the cluster state (with PostgreSQL, every daemon's deliveries).
/// Then the age at `to` of the real-time deliveries still waiting, the oldest
/// WaitingSamplesPerTarget of each target: a wait counts before it ends. Near-real-time and
/// bulk rows wait on purpose and are left out.
constexpr int WaitingSamplesPerTarget = 1000;
Result<QList<qint64>> realTimeLatencies(QSqlQuery &q, qint64 from, qint64 to, int limit,
                                        const QueryFailed &failed);

/// Records the result of a consistency check of `target` at `at` (table consistency_checks).
Status recordConsistency(QSqlQuery &q, qint64 at, const QString &target, qint64 ledgerRecords,
                         qint64 consistentRecords, const QueryFailed &failed);

/// The latest consistency check of each target made in [from, to], summed.
Result<ConsistencySummary> latestConsistency(QSqlQuery &q, qint64 from, qint64 to,
                                             const QueryFailed &failed);

/// The rank of a log level in SQL ("level" the column): 0 debug .. 3 error.
QString levelRankSql();

} // namespace StateReports
} // namespace jobfirst
