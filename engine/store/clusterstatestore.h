// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/postgressilencewatch.h"

#include "cluster/node.h"
#include "config/configversion.h"
#include "core/result.h"
#include "logs/logentry.h"
#include "slo/slocalculator.h"
#include "store/auditentry.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <functional>
#include <utility>

namespace jobfirst {

/// The state a cluster of engines shares: nodes, their health (last state and history),
/// config versions and the hash-chained audit log. `Store` keeps it in the engine's SQLite
/// file (one engine); `PostgresStateStore` in PostgreSQL, where every daemon on that database
/// reads and writes the same rows and the audit log stays one chain. Used from one thread.
class ClusterStateStore
{
public:
    virtual ~ClusterStateStore() = default;

    /// Where the state is: the SQLite file, or postgresql://user@host:port/db.
    virtual QString location() const = 0;

    /// Nodes as stored. A row whose URL or settings no longer validate (an edited file) is
    /// left out and named in `rejected` ("id: why"), so it cannot make the engine fetch
    /// anything but http(s).
    virtual Result<QList<NodeSpec>> loadNodes(QStringList *rejected = nullptr) const = 0;
    virtual Status insertNode(const NodeSpec &spec) = 0;
    virtual Status updateNode(const NodeSpec &spec) = 0;
    virtual Status deleteNode(const QString &id) = 0;
    /// Last known health per node id (persisted so a restart does not forget what was seen).
    virtual Result<QHash<QString, std::pair<HealthState, qint64>>> loadHealthStates() const = 0;

    /// Records a transition: its event and the node's new state, in one transaction (the only
    /// way health is written). With a `leaseHolder` (the full lease owner "host:pid:nonce",
    /// daemons sharing the store), only while that holder holds the lease of the node's
    /// partition, and with that lease's fencing number: a daemon whose lease passed on (to
    /// another process, or another engine of this process) is refused ("store.fenced") and
    /// cannot overwrite what its successor found.
    virtual Status recordHealthTransition(const HealthEvent &event, const QString &leaseHolder) = 0;
    virtual Result<QList<HealthEvent>> healthEvents(const QString &nodeId, int limit) const = 0;
    /// Every node with the time it was added and its health changes: the last before `from`,
    /// then every one up to `to` (what the SLO's availability is computed from).
    virtual Result<QList<NodeHistory>> nodeHistories(qint64 from, qint64 to) const = 0;
    /// Enqueue-to-acknowledged latencies (ms) of the real-time deliveries acknowledged in
    /// [from, to], newest first, at most `limit`, then the ages of those still waiting
    /// (StateReports::realTimeLatencies): the outbox's rows in the same database, so with
    /// PostgreSQL every daemon's deliveries.
    virtual Result<QList<qint64>> realTimeLatencies(qint64 from, qint64 to, int limit) const = 0;
    /// Consistency checks (the SLO's consistency figure): one is recorded wherever it ran and
    /// read by every engine sharing the state.
    virtual Status recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords,
                                     qint64 consistentRecords) = 0;
    /// The latest check of each target made in [from, to], summed.
    virtual Result<ConsistencySummary> latestConsistency(qint64 from, qint64 to) const = 0;
    /// Health transitions and audited actions as log lines (sources "health" and "audit"),
    /// filtered as `query` says, newest first: the log merges them with its own lines.
    virtual Result<QList<LogEntry>> logLines(const LogQuery &query) const = 0;

    /// Appends one row to the hash-chained audit log (in its own transaction).
    virtual Status appendAudit(const AuditEntry &entry) = 0;
    /// Runs `change` and appends `entry` in one transaction: when the audit row cannot be
    /// written, the change is rolled back and the error returned (an action that cannot be
    /// audited does not happen). `change` may fill in the entry (e.g. a new version number).
    virtual Status audited(AuditEntry entry, const std::function<Status(AuditEntry &)> &change) = 0;
    virtual Result<QList<AuditEntry>> auditLog(int limit, const QString &filter = {}) const = 0;
    /// Walks the whole chain: every row's prev_hash must be the hash of the row before, its
    /// hash must match its fields, and the last row must be the one the store recorded.
    virtual Result<AuditVerification> verifyAuditChain() const = 0;

    virtual Result<int> saveConfigVersion(const QByteArray &json, const QString &actor) = 0;
    virtual Result<QList<ConfigVersion>> configVersions(int limit) const = 0;
    virtual Result<ConfigVersion> configVersion(int version) const = 0;

    /// The connection the admin API's tokens (table api_tokens, the same columns in both
    /// dialects) are read and written on: ApiTokenStore's statements are written once for
    /// both, as SyncRecords' are. With PostgreSQL every daemon sees the same tokens, so a
    /// token made through one works on all and a revoked one is refused by all at once.
    /// Invalid, with `error` set, when the store cannot be reached.
    virtual QSqlDatabase tokenDatabase(QString *error) const = 0;
    /// Marks a call on tokenDatabase() as waiting for the server while the answer lives, so
    /// a server that stops answering is found (PostgresSilenceWatch); nothing for a file.
    virtual PostgresSilenceWatch::Busy busy() const { return {}; }

protected:
    ClusterStateStore() = default;
    ClusterStateStore(const ClusterStateStore &) = default;
    ClusterStateStore &operator=(const ClusterStateStore &) = default;
};

} // namespace jobfirst
