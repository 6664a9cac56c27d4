// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresstatestore.h"

#include "store/auditchain.h"
#include "store/postgresnotices.h"
#include "store/postgrespipeline.h"
#include "store/postgresschema.h"
#include "store/postgressilencewatch.h"
#include "store/statereports.h"
#include "store/staterows.h"
#include "store/store.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace jobfirst {

namespace {

constexpr qint64 AuditLock = 0x6a666175; // "jfau": pg_advisory_xact_lock key of the chain

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

PostgresStateStore::PostgresStateStore(PostgresUrl url)
    : m_url(std::move(url)), m_probe(m_url.libpqConnInfo(), m_url.toString())
{
    PostgresSilenceWatch::startWatching(); // from the opening thread, not a bulk one
}

Result<std::unique_ptr<PostgresStateStore>> PostgresStateStore::open(const QString &text)
{
    auto url = PostgresUrl::parse(text);
    if (!url)
        return url.error();
    std::unique_ptr<PostgresStateStore> store(new PostgresStateStore(url.value()));
    store->m_connection = PostgresSchema::newConnectionName("state");
    auto db = PostgresSchema::open(url.value(), store->m_connection);
    if (!db)
        return db.error();
    return store;
}

PostgresStateStore::~PostgresStateStore()
{
    m_silence.reset();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase PostgresStateStore::database(QString *error) const
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.isOpen()) {
        // While the server is away each connect would hold this thread (the engine's) for
        // up to connect_timeout: a probe finds out off it when the server answers again,
        // and calls meanwhile fail at once.
        QString reason;
        if (m_silence && m_silence->cut()) // dropped under another user of this connection
            m_probe.start(QStringLiteral("PostgreSQL store %1: %2").arg(location(), m_silence->reason()));
        m_silence.reset();
        if (!m_probe.waiting(&reason) && !db.open()) {
            reason = QStringLiteral("PostgreSQL store %1 cannot be reached: %2")
                         .arg(location(), PostgresUrl::errorText(db.lastError()));
            m_probe.start(reason);
        }
        if (!reason.isEmpty()) {
            if (error)
                *error = reason;
            return {};
        }
        routePostgresNotices(db);
        QSqlQuery(db).exec(QStringLiteral("SET synchronous_commit = on"));
    }
    if (!m_silence)
        m_silence = std::make_unique<PostgresSilenceWatch>(
            PostgresPipeline::connectionOf(db), PostgresUrl::silenceLimitMs(), location());
    return db;
}

PostgresSilenceWatch::Busy PostgresStateStore::busy() const
{
    return m_silence ? m_silence->busy() : PostgresSilenceWatch::Busy();
}

Error PostgresStateStore::queryError(const QString &what, QSqlQuery &q) const
{
    if (m_silence && m_silence->cut()) {
        // The server answered nothing: the connection is dropped, and the next call opens
        // it again only once the probe has found the server answering.
        const QString reason = QStringLiteral("%1: %2").arg(what, m_silence->reason());
        m_silence.reset();
        QSqlDatabase::database(m_connection, false).close();
        m_probe.start(QStringLiteral("PostgreSQL store %1: %2").arg(location(), reason));
        return makeError(QStringLiteral("store.unavailable"),
                         QStringLiteral("store unavailable: PostgreSQL store %1: %2").arg(location(), reason));
    }
    const QString detail = q.lastError().text();
    // A query that failed because the server went away: open the connection again at the
    // next call. A failed statement inside a transaction aborts it (the probe then fails with
    // 25P02): that connection is fine, and the caller rolls back.
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery probe(db);
    if (db.isOpen() && !probe.exec(QStringLiteral("SELECT 1")) &&
        probe.lastError().nativeErrorCode() != QLatin1String("25P02")) {
        m_silence.reset();
        db.close();
    }
    return storeError(location(), what, detail);
}

#define JF_STATE_QUERY(q)                                                                          \
    QString dbError;                                                                               \
    QSqlDatabase db = database(&dbError);                                                          \
    if (!db.isValid())                                                                             \
        return makeError(QStringLiteral("store.unavailable"),                                      \
                         QStringLiteral("store unavailable: %1").arg(dbError));                    \
    const auto busyCall = busy();                                                                  \
    QSqlQuery q(db);

Status PostgresStateStore::inTransaction(const QString &what,
                                         const std::function<Status(QSqlQuery &)> &body)
{
    JF_STATE_QUERY(q)
    const bool outer = m_transactionDepth == 0;
    if (outer && !q.exec(QStringLiteral("BEGIN")))
        return queryError(QStringLiteral("begin: %1").arg(what), q);
    ++m_transactionDepth;
    Status s = body(q);
    --m_transactionDepth;
    if (!outer)
        return s;
    if (s && !q.exec(QStringLiteral("COMMIT")))
        s = queryError(QStringLiteral("commit: %1").arg(what), q);
    if (!s && !q.exec(QStringLiteral("ROLLBACK")))
        (void)queryError(QStringLiteral("roll back: %1").arg(what), q);
    return s;
}

Status PostgresStateStore::markChanged(QSqlQuery &q, const char *kind)
{
    q.prepare(QStringLiteral("UPDATE cluster_marks SET mark = mark + 1 WHERE kind = ?"));
    q.addBindValue(QLatin1String(kind));
    if (!q.exec())
        return queryError(QStringLiteral("count a change of %1").arg(QLatin1String(kind)), q);
    // Sent when the transaction commits, and only then.
    if (!q.exec(QStringLiteral("NOTIFY %1, '%2'").arg(QLatin1String(Channel), QLatin1String(kind))))
        return queryError(QStringLiteral("notify a change of %1").arg(QLatin1String(kind)), q);
    return {};
}

Result<QList<NodeSpec>> PostgresStateStore::loadNodes(QStringList *rejected) const
{
    JF_STATE_QUERY(q)
    if (!q.exec(QStringLiteral("SELECT id, url, health_path, weight, tags, admin_state, ca_file,"
                               " client_cert, client_key, tls_insecure, token_file FROM nodes"
                               " ORDER BY created_at, id")))
        return queryError(QStringLiteral("load nodes"), q);
    return StateRows::validNodes(q, location(), rejected);
}

Status PostgresStateStore::insertNode(const NodeSpec &n)
{
    return inTransaction(QStringLiteral("insert node %1").arg(n.id), [&](QSqlQuery &q) -> Status {
        StateRows::prepareInsertNode(q, n, now());
        if (!q.exec())
            return queryError(QStringLiteral("insert node %1").arg(n.id), q);
        return markChanged(q, "nodes");
    });
}

Status PostgresStateStore::updateNode(const NodeSpec &n)
{
    return inTransaction(QStringLiteral("update node %1").arg(n.id), [&](QSqlQuery &q) -> Status {
        q.prepare(QStringLiteral(
            "UPDATE nodes SET url = ?, health_path = ?, weight = ?, tags = ?, admin_state = ?,"
            " ca_file = ?, client_cert = ?, client_key = ?, tls_insecure = ?, token_file = ?"
            " WHERE id = ?"));
        StateRows::bindNodeFields(q, n);
        q.addBindValue(n.id);
        if (!q.exec())
            return queryError(QStringLiteral("update node %1").arg(n.id), q);
        return markChanged(q, "nodes");
    });
}

Status PostgresStateStore::deleteNode(const QString &id)
{
    return inTransaction(QStringLiteral("delete node %1").arg(id), [&](QSqlQuery &q) -> Status {
        q.prepare(QStringLiteral("DELETE FROM nodes WHERE id = ?"));
        q.addBindValue(id);
        if (!q.exec())
            return queryError(QStringLiteral("delete node %1").arg(id), q);
        return markChanged(q, "nodes");
    });
}

Result<QHash<QString, std::pair<HealthState, qint64>>> PostgresStateStore::loadHealthStates() const
{
    JF_STATE_QUERY(q)
    if (!q.exec(QStringLiteral("SELECT id, health_state, health_changed_at FROM nodes")))
        return queryError(QStringLiteral("load health states"), q);
    return StateRows::healthStates(q);
}

Status PostgresStateStore::recordHealthTransition(const HealthEvent &e, const QString &leaseHolder)
{
    return inTransaction(
        QStringLiteral("record health of %1").arg(e.nodeId), [&](QSqlQuery &q) -> Status {
            qint64 fence = 0;
            if (!leaseHolder.isEmpty()) {
                // The lease row stays locked until this transaction ends: it cannot pass to
                // another daemon between the check and the write (a claim passing it on locks
                // it FOR UPDATE; a renewal, which does not conflict with KEY SHARE, need not
                // wait).
                const int part = PostgresSchema::partitionOf(e.nodeId, 0);
                q.prepare(QStringLiteral("SELECT fence FROM partition_leases WHERE part = ? AND"
                                         " holder = ? AND until > ? FOR KEY SHARE"));
                q.addBindValue(part);
                q.addBindValue(leaseHolder);
                q.addBindValue(now());
                if (!q.exec())
                    return queryError(QStringLiteral("check the lease of partition %1").arg(part),
                                      q);
                if (!q.next())
                    return makeError(
                        QStringLiteral("store.fenced"),
                        QStringLiteral("health of node %1 not recorded: the lease of its"
                                       " partition %2 is no longer held by %3")
                            .arg(e.nodeId)
                            .arg(part)
                            .arg(leaseHolder));
                fence = q.value(0).toLongLong();
                q.finish();
            }
            q.prepare(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state,"
                                     " reason, latency_ms, last_ok_at, fence)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
            StateRows::bindHealthEvent(q, e);
            q.addBindValue(fence);
            if (!q.exec())
                return queryError(QStringLiteral("append health event"), q);
            q.prepare(QStringLiteral(
                "UPDATE nodes SET health_state = ?, health_changed_at = ? WHERE id = ?"));
            q.addBindValue(healthStateName(e.to));
            q.addBindValue(e.timestamp);
            q.addBindValue(e.nodeId);
            if (!q.exec())
                return queryError(QStringLiteral("save health of %1").arg(e.nodeId), q);
            return markChanged(q, "health");
        });
}

Result<QList<HealthEvent>> PostgresStateStore::healthEvents(const QString &nodeId, int limit) const
{
    JF_STATE_QUERY(q)
    StateRows::prepareHealthEvents(q, nodeId, limit);
    if (!q.exec())
        return queryError(QStringLiteral("read health events"), q);
    return StateRows::healthEvents(q);
}

Result<QList<NodeHistory>> PostgresStateStore::nodeHistories(qint64 from, qint64 to) const
{
    JF_STATE_QUERY(q)
    return StateReports::nodeHistories(q, from, to, [this](const QString &what, QSqlQuery &failed) {
        return queryError(what, failed);
    });
}

Result<QList<qint64>> PostgresStateStore::realTimeLatencies(qint64 from, qint64 to, int limit) const
{
    JF_STATE_QUERY(q)
    return StateReports::realTimeLatencies(
        q, from, to, limit,
        [this](const QString &what, QSqlQuery &failed) { return queryError(what, failed); });
}

Status PostgresStateStore::recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords,
                                             qint64 consistentRecords)
{
    JF_STATE_QUERY(q)
    return StateReports::recordConsistency(
        q, at, target, ledgerRecords, consistentRecords,
        [this](const QString &what, QSqlQuery &failed) { return queryError(what, failed); });
}

Result<ConsistencySummary> PostgresStateStore::latestConsistency(qint64 from, qint64 to) const
{
    JF_STATE_QUERY(q)
    return StateReports::latestConsistency(
        q, from, to,
        [this](const QString &what, QSqlQuery &failed) { return queryError(what, failed); });
}

Result<QList<LogEntry>> PostgresStateStore::logLines(const LogQuery &query) const
{
    JF_STATE_QUERY(q)
    return StateReports::logLines(q, query, [this](const QString &what, QSqlQuery &failed) {
        return queryError(what, failed);
    });
}

Status PostgresStateStore::appendAuditRow(QSqlQuery &q, AuditEntry &a)
{
    // One chain for every daemon: the lock is held until this transaction ends, so no other
    // daemon reads the same head and appends a second row after it.
    if (!q.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(AuditLock)))
        return queryError(QStringLiteral("lock the audit chain"), q);
    if (!q.exec(QStringLiteral("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")))
        return queryError(QStringLiteral("append audit entry"), q);
    a.prevHash = q.next() ? q.value(0).toString() : QString();
    q.finish();
    StateRows::sealAuditEntry(a, now());
    q.prepare(QStringLiteral(
        "INSERT INTO audit(ts, actor, action, subject, before, after, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    StateRows::bindAuditEntry(q, a);
    if (!q.exec() || !q.next())
        return queryError(QStringLiteral("append audit entry"), q);
    a.id = q.value(0).toLongLong();
    q.finish();
    q.prepare(QStringLiteral("INSERT INTO cluster_meta(key, value) VALUES ('audit_head', ?)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(QStringLiteral("%1 %2").arg(a.id).arg(a.hash));
    if (!q.exec())
        return queryError(QStringLiteral("record the audit head"), q);
    return {};
}

Status PostgresStateStore::audited(AuditEntry entry,
                                   const std::function<Status(AuditEntry &)> &change)
{
    return inTransaction(QStringLiteral("an audited change"), [&](QSqlQuery &q) -> Status {
        if (change)
            if (Status s = change(entry); !s)
                return s;
        return appendAuditRow(q, entry);
    });
}

Status PostgresStateStore::appendAudit(const AuditEntry &a)
{
    return audited(a, {});
}

Result<QList<AuditEntry>> PostgresStateStore::auditLog(int limit, const QString &filter) const
{
    JF_STATE_QUERY(q)
    StateRows::prepareAuditLog(q, limit, filter);
    if (!q.exec())
        return queryError(QStringLiteral("read audit log"), q);
    return StateRows::auditEntries(q);
}

Result<AuditVerification> PostgresStateStore::verifyAuditChain() const
{
    JF_STATE_QUERY(q)
    // One snapshot for the head and the rows: other daemons keep appending meanwhile.
    if (!q.exec(QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")))
        return queryError(QStringLiteral("read audit log"), q);
    const auto rollback = [&db] { QSqlQuery(db).exec(QStringLiteral("ROLLBACK")); };
    if (!q.exec(QStringLiteral("SELECT value FROM cluster_meta WHERE key = 'audit_head'"))) {
        Error e = queryError(QStringLiteral("read the audit head"), q);
        rollback();
        return e;
    }
    const QString head = q.next() ? q.value(0).toString() : QString();
    q.finish();
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT id, ts, actor, action, subject, before, after, prev_hash,"
                               " hash FROM audit ORDER BY id"))) {
        Error e = queryError(QStringLiteral("read audit log"), q);
        rollback();
        return e;
    }
    const AuditVerification v = AuditChain::verify(q, head);
    q.finish();
    rollback();
    return v;
}

Result<int> PostgresStateStore::saveConfigVersion(const QByteArray &json, const QString &actor)
{
    int version = 0;
    const Status s =
        inTransaction(QStringLiteral("save config version"), [&](QSqlQuery &q) -> Status {
            q.prepare(QStringLiteral(
                "INSERT INTO config_versions(ts, actor, json) VALUES (?, ?, ?) RETURNING version"));
            q.addBindValue(now());
            q.addBindValue(sqlText(actor));
            q.addBindValue(QString::fromUtf8(json));
            if (!q.exec() || !q.next())
                return queryError(QStringLiteral("save config version"), q);
            version = q.value(0).toInt();
            q.finish();
            return markChanged(q, "config");
        });
    if (!s)
        return s.error();
    return version;
}

Result<QList<ConfigVersion>> PostgresStateStore::configVersions(int limit) const
{
    JF_STATE_QUERY(q)
    q.prepare(QStringLiteral(
        "SELECT version, ts, actor, json FROM config_versions ORDER BY version DESC LIMIT ?"));
    q.addBindValue(limit);
    if (!q.exec())
        return queryError(QStringLiteral("read config versions"), q);
    return StateRows::configVersions(q);
}

Result<ConfigVersion> PostgresStateStore::configVersion(int version) const
{
    JF_STATE_QUERY(q)
    q.prepare(
        QStringLiteral("SELECT version, ts, actor, json FROM config_versions WHERE version = ?"));
    q.addBindValue(version);
    if (!q.exec())
        return queryError(QStringLiteral("read config version"), q);
    if (!q.next())
        return makeError(QStringLiteral("config.no_version"),
                         QStringLiteral("there is no config version %1").arg(version));
    return StateRows::configVersion(q);
}

Result<QHash<QString, qint64>> PostgresStateStore::changeMarks() const
{
    JF_STATE_QUERY(q)
    if (!q.exec(QStringLiteral("SELECT kind, mark FROM cluster_marks")))
        return queryError(QStringLiteral("read change marks"), q);
    QHash<QString, qint64> marks;
    while (q.next())
        marks.insert(q.value(0).toString(), q.value(1).toLongLong());
    return marks;
}

} // namespace jobfirst
