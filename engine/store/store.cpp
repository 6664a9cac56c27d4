// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/store.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace jobfirst {

namespace {

QAtomicInteger<quint64> s_connectionCounter;

const char *const Magic = "jobfirst-cluster-store";

// Each entry migrates from version (index) to version (index + 1).
const QList<QStringList> &migrations()
{
    static const QList<QStringList> list = {
        {
            QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE nodes (id TEXT PRIMARY KEY, url TEXT NOT NULL, health_path TEXT NOT NULL,"
                           " weight INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '', admin_state TEXT NOT NULL,"
                           " health_state TEXT NOT NULL DEFAULT 'unknown', health_changed_at INTEGER NOT NULL DEFAULT 0,"
                           " created_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE health_events (id INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL,"
                           " ts INTEGER NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
                           " reason TEXT NOT NULL, latency_ms REAL NOT NULL DEFAULT 0)"),
            QStringLiteral("CREATE INDEX health_events_node ON health_events(node_id, id)"),
            QStringLiteral("CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                           " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
                           " before TEXT NOT NULL DEFAULT '', after TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE TABLE config_versions (version INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " ts INTEGER NOT NULL, actor TEXT NOT NULL, json TEXT NOT NULL)"),
            // Sync outbox: one row per accepted event, one row per (event, target) delivery.
            QStringLiteral("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,"
                           " type TEXT NOT NULL, user_id TEXT NOT NULL, version INTEGER NOT NULL,"
                           " payload TEXT NOT NULL, created_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, event_seq INTEGER NOT NULL,"
                           " target TEXT NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL,"
                           " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
                           " last_error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
                           " updated_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX deliveries_state ON deliveries(state, id)"),
            QStringLiteral("CREATE INDEX deliveries_target ON deliveries(target, state, id)"),
            QStringLiteral("CREATE INDEX deliveries_user ON deliveries(target, user_id, state)"),
            QStringLiteral("CREATE TABLE target_state (name TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0,"
                           " disabled INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER NOT NULL,"
                           " ts INTEGER NOT NULL, status INTEGER NOT NULL, duration_ms REAL NOT NULL,"
                           " error TEXT NOT NULL, body_head TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX attempts_delivery ON attempts(delivery_id)"),
            QStringLiteral("CREATE TABLE ledger (target TEXT NOT NULL, user_id TEXT NOT NULL,"
                           " event_id TEXT NOT NULL, version INTEGER NOT NULL, acked_at INTEGER NOT NULL,"
                           " PRIMARY KEY(target, user_id)) WITHOUT ROWID"),
            QStringLiteral("CREATE TABLE import_jobs (path TEXT PRIMARY KEY, offset INTEGER NOT NULL,"
                           " lines INTEGER NOT NULL, done INTEGER NOT NULL, updated_at INTEGER NOT NULL)"),
        },
        {
            // A delivery row covers event_count events with consecutive seqs from event_seq:
            // bulk migration writes one row per request instead of one per event and target.
            QStringLiteral("ALTER TABLE deliveries ADD COLUMN event_count INTEGER NOT NULL DEFAULT 1"),
        },
        {
            // Partial indexes over the rows that are looked up (pending, dead): a delivery that
            // completes leaves them, instead of moving between entries of full indexes.
            QStringLiteral("DROP INDEX IF EXISTS deliveries_state"),
            QStringLiteral("DROP INDEX IF EXISTS deliveries_target"),
            QStringLiteral("DROP INDEX IF EXISTS deliveries_user"),
            QStringLiteral("CREATE INDEX deliveries_pending ON deliveries(target, id) WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_pending_all ON deliveries(id) WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_pending_user ON deliveries(target, user_id) WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_dead ON deliveries(id) WHERE state = 'dead'"),
        },
        {
            // Admin API tokens: only a SHA-256 of each token is kept.
            QStringLiteral("CREATE TABLE api_tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
                           " node_id TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL UNIQUE,"
                           " created_at INTEGER NOT NULL, created_by TEXT NOT NULL DEFAULT '')"),
        },
        {
            // The engine's own log lines (health and audit lines are read from their tables).
            QStringLiteral("CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                           " level TEXT NOT NULL, component TEXT NOT NULL, kind TEXT NOT NULL DEFAULT '',"
                           " node TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', message TEXT NOT NULL,"
                           " fields TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE INDEX logs_ts ON logs(ts)"),
            QStringLiteral("CREATE INDEX health_events_ts ON health_events(ts)"),
            // What the SLO figures are computed from: each consistency check's result, how
            // each delivery was sent (real-time, near-real-time, bulk), and for a node that
            // went down, when it last answered a check (the failure was after that).
            QStringLiteral("CREATE TABLE consistency_checks (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                           " target TEXT NOT NULL, ledger_records INTEGER NOT NULL, consistent_records INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX consistency_checks_ts ON consistency_checks(ts)"),
            QStringLiteral("ALTER TABLE deliveries ADD COLUMN mode TEXT NOT NULL DEFAULT 'real-time'"),
            QStringLiteral("ALTER TABLE health_events ADD COLUMN last_ok_at INTEGER NOT NULL DEFAULT 0"),
        },
    };
    return list;
}

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

} // namespace

Error storeError(const QString &path, const QString &what, const QString &detail)
{
    return makeError(QStringLiteral("store.query"), QStringLiteral("store %1: %2 failed: %3").arg(path, what, detail));
}

Store::Store(QString path, QString connection) : m_path(std::move(path)), m_connection(std::move(connection)) {}

Store::~Store()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase Store::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

Result<std::unique_ptr<Store>> Store::open(const QString &path)
{
    const QFileInfo info(path);
    if (info.exists() && info.isDir())
        return makeError(QStringLiteral("store.invalid"), QStringLiteral("store %1 is a directory, not a file").arg(path));
    if (!info.absoluteDir().exists())
        return makeError(QStringLiteral("store.invalid"),
                         QStringLiteral("store %1: folder %2 does not exist").arg(path, info.absolutePath()));
    const QString connection = QStringLiteral("jobfirst-store-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    }
    std::unique_ptr<Store> store(new Store(path, connection));
    QSqlDatabase db = store->database();
    if (!db.open())
        return makeError(QStringLiteral("store.open"),
                         QStringLiteral("cannot open store %1: %2").arg(path, db.lastError().text()));
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !q.next()) {
        const QString detail = q.lastError().text();
        return makeError(QStringLiteral("store.corrupt"),
                         QStringLiteral("%1 is not a JobFirst store (%2)").arg(path, detail));
    }
    // FULL: a commit is on disk when it returns (one fsync per transaction, so writers group
    // many rows per commit). The delivery engine relaxes this on its own connection.
    q.exec(QStringLiteral("PRAGMA synchronous=FULL"));
    q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    if (Status s = store->migrate(); !s)
        return s.error();
    return store;
}

Status Store::migrate()
{
    QSqlDatabase db = database();
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type='table'")))
        return makeError(QStringLiteral("store.corrupt"),
                         QStringLiteral("%1 is not a JobFirst store (%2)").arg(m_path, q.lastError().text()));
    QStringList tables;
    while (q.next())
        tables << q.value(0).toString();
    int version = 0;
    if (!tables.isEmpty()) {
        if (!tables.contains(QStringLiteral("meta")))
            return makeError(QStringLiteral("store.foreign"),
                             QStringLiteral("%1 is an SQLite file but not a JobFirst store (it has tables %2 and no meta table)")
                                 .arg(m_path, tables.join(u", ")));
        q.exec(QStringLiteral("SELECT key, value FROM meta"));
        QHash<QString, QString> meta;
        while (q.next())
            meta.insert(q.value(0).toString(), q.value(1).toString());
        if (meta.value(QStringLiteral("magic")) != QLatin1String(Magic))
            return makeError(QStringLiteral("store.foreign"),
                             QStringLiteral("%1 is an SQLite file but not a JobFirst store (no store marker)").arg(m_path));
        version = meta.value(QStringLiteral("schema_version")).toInt();
        if (version > SchemaVersion)
            return makeError(QStringLiteral("store.too_new"),
                             QStringLiteral("%1 has schema version %2; this program reads up to %3")
                                 .arg(m_path).arg(version).arg(SchemaVersion));
    }
    for (int v = version; v < SchemaVersion; ++v) {
        if (!db.transaction())
            return storeError(m_path, QStringLiteral("begin migration"), db.lastError().text());
        for (const QString &sql : migrations().at(v)) {
            if (!q.exec(sql)) {
                const QString err = q.lastError().text();
                db.rollback();
                return storeError(m_path, QStringLiteral("migration to version %1").arg(v + 1), err);
            }
        }
        q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES ('magic', ?), ('schema_version', ?)"));
        q.addBindValue(QString::fromLatin1(Magic));
        q.addBindValue(QString::number(v + 1));
        if (!q.exec() || !db.commit()) {
            const QString err = q.lastError().text();
            db.rollback();
            return storeError(m_path, QStringLiteral("migration to version %1").arg(v + 1), err);
        }
    }
    return {};
}

Result<QList<NodeSpec>> Store::loadNodes() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT id, url, health_path, weight, tags, admin_state FROM nodes ORDER BY created_at, id")))
        return storeError(m_path, QStringLiteral("load nodes"), q.lastError().text());
    QList<NodeSpec> nodes;
    while (q.next()) {
        NodeSpec n;
        n.id = q.value(0).toString();
        n.url = q.value(1).toString();
        n.healthPath = q.value(2).toString();
        n.weight = q.value(3).toInt();
        n.tags = q.value(4).toString().split(u',', Qt::SkipEmptyParts);
        n.adminState = adminStateFromName(q.value(5).toString()).value_or(AdminState::Ready);
        nodes << n;
    }
    return nodes;
}

Status Store::insertNode(const NodeSpec &n)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO nodes(id, url, health_path, weight, tags, admin_state, created_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(n.id);
    q.addBindValue(sqlText(n.url));
    q.addBindValue(sqlText(n.healthPath));
    q.addBindValue(n.weight);
    q.addBindValue(sqlText(n.tags.join(u',')));
    q.addBindValue(adminStateName(n.adminState));
    q.addBindValue(now());
    if (!q.exec())
        return storeError(m_path, QStringLiteral("insert node %1").arg(n.id), q.lastError().text());
    return {};
}

Status Store::updateNode(const NodeSpec &n)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE nodes SET url = ?, health_path = ?, weight = ?, tags = ?, admin_state = ? WHERE id = ?"));
    q.addBindValue(sqlText(n.url));
    q.addBindValue(sqlText(n.healthPath));
    q.addBindValue(n.weight);
    q.addBindValue(sqlText(n.tags.join(u',')));
    q.addBindValue(adminStateName(n.adminState));
    q.addBindValue(n.id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("update node %1").arg(n.id), q.lastError().text());
    return {};
}

Status Store::deleteNode(const QString &id)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM nodes WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("delete node %1").arg(id), q.lastError().text());
    return {};
}

Status Store::saveHealthState(const QString &id, HealthState state, qint64 changedAt)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE nodes SET health_state = ?, health_changed_at = ? WHERE id = ?"));
    q.addBindValue(healthStateName(state));
    q.addBindValue(changedAt);
    q.addBindValue(id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("save health of %1").arg(id), q.lastError().text());
    return {};
}

Result<QHash<QString, std::pair<HealthState, qint64>>> Store::loadHealthStates() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT id, health_state, health_changed_at FROM nodes")))
        return storeError(m_path, QStringLiteral("load health states"), q.lastError().text());
    QHash<QString, std::pair<HealthState, qint64>> states;
    while (q.next())
        states.insert(q.value(0).toString(), {healthStateFromName(q.value(1).toString()), q.value(2).toLongLong()});
    return states;
}

Status Store::appendHealthEvent(const HealthEvent &e)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state, reason, latency_ms)"
                             " VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(sqlText(e.nodeId));
    q.addBindValue(e.timestamp);
    q.addBindValue(healthStateName(e.from));
    q.addBindValue(healthStateName(e.to));
    q.addBindValue(sqlText(e.reason));
    q.addBindValue(e.latencyMs);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("append health event"), q.lastError().text());
    return {};
}

Result<QList<HealthEvent>> Store::healthEvents(const QString &nodeId, int limit) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT id, node_id, ts, from_state, to_state, reason, latency_ms FROM health_events"
                             " WHERE (? = '' OR node_id = ?) ORDER BY id DESC LIMIT ?"));
    q.addBindValue(nodeId);
    q.addBindValue(nodeId);
    q.addBindValue(limit);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read health events"), q.lastError().text());
    QList<HealthEvent> events;
    while (q.next()) {
        HealthEvent e;
        e.id = q.value(0).toLongLong();
        e.nodeId = q.value(1).toString();
        e.timestamp = q.value(2).toLongLong();
        e.from = healthStateFromName(q.value(3).toString());
        e.to = healthStateFromName(q.value(4).toString());
        e.reason = q.value(5).toString();
        e.latencyMs = q.value(6).toDouble();
        events << e;
    }
    return events;
}

Status Store::appendAudit(const AuditEntry &a)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO audit(ts, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)"));
    q.addBindValue(a.timestamp ? a.timestamp : now());
    q.addBindValue(sqlText(a.actor));
    q.addBindValue(sqlText(a.action));
    q.addBindValue(sqlText(a.subject));
    q.addBindValue(sqlText(a.before));
    q.addBindValue(sqlText(a.after));
    if (!q.exec())
        return storeError(m_path, QStringLiteral("append audit entry"), q.lastError().text());
    return {};
}

Result<QList<AuditEntry>> Store::auditLog(int limit, const QString &filter) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT id, ts, actor, action, subject, before, after FROM audit"
                             " WHERE (? = '' OR actor LIKE ? OR action LIKE ? OR subject LIKE ?)"
                             " ORDER BY id DESC LIMIT ?"));
    const QString like = u'%' + filter + u'%';
    q.addBindValue(filter);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(limit);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read audit log"), q.lastError().text());
    QList<AuditEntry> entries;
    while (q.next()) {
        AuditEntry a;
        a.id = q.value(0).toLongLong();
        a.timestamp = q.value(1).toLongLong();
        a.actor = q.value(2).toString();
        a.action = q.value(3).toString();
        a.subject = q.value(4).toString();
        a.before = q.value(5).toString();
        a.after = q.value(6).toString();
        entries << a;
    }
    return entries;
}

Result<int> Store::saveConfigVersion(const QByteArray &json, const QString &actor)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO config_versions(ts, actor, json) VALUES (?, ?, ?)"));
    q.addBindValue(now());
    q.addBindValue(sqlText(actor));
    q.addBindValue(QString::fromUtf8(json));
    if (!q.exec())
        return storeError(m_path, QStringLiteral("save config version"), q.lastError().text());
    return q.lastInsertId().toInt();
}

Result<QList<ConfigVersion>> Store::configVersions(int limit) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT version, ts, actor, json FROM config_versions ORDER BY version DESC LIMIT ?"));
    q.addBindValue(limit);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read config versions"), q.lastError().text());
    QList<ConfigVersion> list;
    while (q.next())
        list << ConfigVersion{q.value(0).toInt(), q.value(1).toLongLong(), q.value(2).toString(),
                              q.value(3).toString().toUtf8()};
    return list;
}

Result<ConfigVersion> Store::configVersion(int version) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT version, ts, actor, json FROM config_versions WHERE version = ?"));
    q.addBindValue(version);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read config version"), q.lastError().text());
    if (!q.next())
        return makeError(QStringLiteral("config.no_version"), QStringLiteral("there is no config version %1").arg(version));
    return ConfigVersion{q.value(0).toInt(), q.value(1).toLongLong(), q.value(2).toString(), q.value(3).toString().toUtf8()};
}

} // namespace jobfirst
