// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresschema.h"

#include "store/postgresurl.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <algorithm>
#include <atomic>

namespace jobfirst {

namespace {

constexpr qint64 MigrationLock = 0x6a6f6266; // "jobf": pg_advisory_xact_lock key

const QList<QStringList> &migrations()
{
    static const QList<QStringList> list = {
        {
            QStringLiteral("CREATE TABLE outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE events (seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL"
                           " UNIQUE, type TEXT NOT NULL, user_id TEXT NOT NULL, version BIGINT NOT"
                           " NULL, payload BYTEA NOT NULL, created_at BIGINT NOT NULL)"),
            QStringLiteral(
                "CREATE TABLE deliveries (id BIGSERIAL PRIMARY KEY, event_seq BIGINT NOT NULL,"
                " target TEXT NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL,"
                " attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL,"
                " last_error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL, event_count INTEGER NOT NULL DEFAULT 1,"
                " mode TEXT NOT NULL DEFAULT 'real-time')"),
            QStringLiteral("CREATE INDEX deliveries_pending ON deliveries(target, id) WHERE state"
                           " = 'pending'"),
            QStringLiteral(
                "CREATE INDEX deliveries_pending_all ON deliveries(id) WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_dead ON deliveries(id) WHERE state = 'dead'"),
            QStringLiteral("CREATE INDEX deliveries_coalescable ON deliveries(target, user_id)"
                           " WHERE state = 'pending' AND attempts = 0 AND next_at > created_at"),
            QStringLiteral("CREATE TABLE target_state (name TEXT PRIMARY KEY, paused INTEGER NOT"
                           " NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0, reason TEXT NOT"
                           " NULL DEFAULT '', updated_at BIGINT NOT NULL)"),
            QStringLiteral("CREATE TABLE attempts (id BIGSERIAL PRIMARY KEY, delivery_id BIGINT"
                           " NOT NULL, ts BIGINT NOT NULL, status INTEGER NOT NULL, duration_ms"
                           " DOUBLE PRECISION NOT NULL, error TEXT NOT NULL, body_head TEXT NOT"
                           " NULL)"),
            QStringLiteral("CREATE INDEX attempts_delivery ON attempts(delivery_id)"),
            QStringLiteral("CREATE TABLE ledger (target TEXT NOT NULL, user_id TEXT NOT NULL,"
                           " event_id TEXT NOT NULL, version BIGINT NOT NULL, acked_at BIGINT NOT"
                           " NULL, PRIMARY KEY(target, user_id))"),
        },
        {
            // Work split by lease: a row's partition, and who holds each partition until
            // when; fence grows each time a partition passes to another holder.
            QStringLiteral("ALTER TABLE deliveries ADD COLUMN part INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("CREATE TABLE partition_leases (part INTEGER PRIMARY KEY, holder TEXT"
                           " NOT NULL DEFAULT '', until BIGINT NOT NULL DEFAULT 0, fence BIGINT"
                           " NOT NULL DEFAULT 0)"),
            // 16 partitions in this step; step 5 moves to PostgresSchema::Partitions.
            QStringLiteral("INSERT INTO partition_leases(part) SELECT generate_series(0, 15)"),
            // The daemons that want partitions, with when their claim lapses: the fair share
            // counts them, including one that holds none yet.
            QStringLiteral("CREATE TABLE outbox_daemons (holder TEXT PRIMARY KEY, until BIGINT NOT"
                           " NULL)"),
        },
        {
            // The cluster's shared state (ClusterStateStore): nodes with their last health,
            // health history, config versions and the one audit chain of every daemon, in the
            // columns of the SQLite store. cluster_meta keeps the audit head ("id hash");
            // cluster_marks counts changes per kind, what a daemon polls when a NOTIFY was missed.
            QStringLiteral("CREATE TABLE nodes (id TEXT PRIMARY KEY, url TEXT NOT NULL, health_path"
                           " TEXT NOT NULL, weight INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '',"
                           " admin_state TEXT NOT NULL, health_state TEXT NOT NULL DEFAULT"
                           " 'unknown', health_changed_at BIGINT NOT NULL DEFAULT 0, created_at"
                           " BIGINT NOT NULL, ca_file TEXT NOT NULL DEFAULT '', client_cert TEXT"
                           " NOT NULL DEFAULT '', client_key TEXT NOT NULL DEFAULT '',"
                           " tls_insecure INTEGER NOT NULL DEFAULT 0, token_file TEXT NOT NULL"
                           " DEFAULT '')"),
            QStringLiteral("CREATE TABLE health_events (id BIGSERIAL PRIMARY KEY, node_id TEXT NOT"
                           " NULL, ts BIGINT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT"
                           " NULL, reason TEXT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL"
                           " DEFAULT 0, last_ok_at BIGINT NOT NULL DEFAULT 0, fence BIGINT NOT NULL"
                           " DEFAULT 0)"),
            QStringLiteral("CREATE INDEX health_events_node ON health_events(node_id, id)"),
            QStringLiteral("CREATE INDEX health_events_ts ON health_events(ts)"),
            QStringLiteral("CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, actor"
                           " TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, before"
                           " TEXT NOT NULL DEFAULT '', after TEXT NOT NULL DEFAULT '', prev_hash"
                           " TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE TABLE config_versions (version SERIAL PRIMARY KEY, ts BIGINT NOT"
                           " NULL, actor TEXT NOT NULL, json TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE cluster_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE cluster_marks (kind TEXT PRIMARY KEY, mark BIGINT NOT NULL"
                           " DEFAULT 0)"),
            QStringLiteral(
                "INSERT INTO cluster_marks(kind) VALUES ('nodes'), ('health'), ('config')"),
        },
        {
            // The daemons view (issue 13 item 3): each daemon's heartbeat, keyed by its lease
            // holder name; times by the server's clock, so ages do not depend on the daemons'.
            QStringLiteral("CREATE TABLE daemon_heartbeats (daemon TEXT PRIMARY KEY, admin_url"
                           " TEXT NOT NULL DEFAULT '', started_at BIGINT NOT NULL, heartbeat_at"
                           " BIGINT NOT NULL, delivered BIGINT NOT NULL DEFAULT 0, rate DOUBLE"
                           " PRECISION NOT NULL DEFAULT 0)"),
        },
        {
            // PostgresSchema::Partitions partitions instead of 16 (16 split 6/6/4 over three
            // daemons). The rows still to deliver (pending, and dead ones a retry makes
            // pending) move to their partition under the new count: FNV-1a of the UTF-8 user
            // id as partitionOf() computes it, a bulk row ("") by its event's seq. Delivered
            // rows keep theirs (nothing reads it). The leases still held are given back and their
            // fences moved on: what a partition number means changed. Daemons are stopped for it
            // (an engine of schema 4 would keep hashing into 16).
            QStringLiteral(
                "CREATE FUNCTION pg_temp.jobfirst_partition(u TEXT, seq BIGINT, n INTEGER)"
                " RETURNS INTEGER LANGUAGE plpgsql IMMUTABLE AS $$"
                " DECLARE b BYTEA := convert_to(u, 'UTF8'); h BIGINT := 2166136261;"
                " BEGIN IF length(b) = 0 THEN RETURN seq % n; END IF;"
                " FOR i IN 0 .. length(b) - 1 LOOP"
                " h := ((h # get_byte(b, i)) * 16777619) % 4294967296; END LOOP;"
                " RETURN h % n; END $$"),
            QStringLiteral("UPDATE deliveries SET part = pg_temp.jobfirst_partition(user_id,"
                           " event_seq, %1) WHERE state IN ('pending', 'dead')")
                .arg(PostgresSchema::Partitions),
            QStringLiteral("DROP FUNCTION pg_temp.jobfirst_partition(TEXT, BIGINT, INTEGER)"),
            QStringLiteral("DELETE FROM partition_leases WHERE part >= %1")
                .arg(PostgresSchema::Partitions),
            QStringLiteral("INSERT INTO partition_leases(part) SELECT generate_series(0, %1)"
                           " ON CONFLICT (part) DO NOTHING")
                .arg(PostgresSchema::Partitions - 1),
            QStringLiteral("UPDATE partition_leases SET holder = '', until = 0, fence = fence + 1"
                           " WHERE holder <> ''"),
        },
        {
            // The admin API's tokens, shared by every daemon (before, each daemon's own file
            // kept them): only a SHA-256 of each, as in the SQLite store.
            QStringLiteral("CREATE TABLE api_tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
                           " node_id TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL UNIQUE,"
                           " created_at BIGINT NOT NULL, created_by TEXT NOT NULL DEFAULT '')"),
        },
        {
            // Retention on PostgreSQL (PostgresRetentionPruner): which rows still cover an
            // event, found without reading the table (the rows of one write need not have
            // consecutive ids here, as they do in SQLite).
            QStringLiteral("CREATE INDEX deliveries_event ON deliveries(event_seq)"),
        },
        {
            // A bulk row's acknowledgement is one range of event seqs per target, not one ledger
            // row per user (LedgerRanges), as in the SQLite store's step 9.
            QStringLiteral("CREATE TABLE ledger_ranges (target TEXT NOT NULL, first_seq BIGINT NOT"
                           " NULL, end_seq BIGINT NOT NULL, acked_at BIGINT NOT NULL,"
                           " PRIMARY KEY(target, first_seq, end_seq))"),
        },
        {
            // Every reader of pending rows names its target (deliveries_pending); the index
            // over all of them cost each accepted and each delivered row an index entry
            // (SQLite's step 10 dropped it too).
            QStringLiteral("DROP INDEX IF EXISTS deliveries_pending_all"),
        },
        {
            // Consistency checks, the SLO's consistency figure, are cluster state: a check run
            // through one daemon counts on every daemon (before, each daemon's own file kept
            // the checks run through it).
            QStringLiteral("CREATE TABLE consistency_checks (id BIGSERIAL PRIMARY KEY, ts BIGINT"
                           " NOT NULL, target TEXT NOT NULL, ledger_records BIGINT NOT NULL,"
                           " consistent_records BIGINT NOT NULL)"),
            QStringLiteral("CREATE INDEX consistency_checks_ts ON consistency_checks(ts)"),
        },
        {
            // Each daemon's --lease beside its heartbeat, so every daemon shows every other's
            // (before, each knew its own alone). 0: not known, a daemon of an older version.
            QStringLiteral("ALTER TABLE daemon_heartbeats ADD COLUMN lease_ms BIGINT NOT NULL"
                           " DEFAULT 0"),
        },
    };
    return list;
}

} // namespace

int PostgresSchema::partitionOf(const QString &user, qint64 seq)
{
    if (user.isEmpty())
        return int(quint64(seq) % Partitions);
    quint32 h = 2166136261u;
    for (const char c : user.toUtf8()) {
        h ^= quint8(c);
        h *= 16777619u;
    }
    return int(h % Partitions);
}

QString PostgresSchema::newConnectionName(const char *purpose)
{
    static std::atomic<int> next{0};
    return QStringLiteral("jobfirst-pg-%1-%2").arg(QLatin1String(purpose)).arg(++next);
}

Status PostgresSchema::migrate(QSqlDatabase db, const QString &where, int upTo)
{
    if (upTo <= 0 || upTo > Version)
        upTo = Version;
    QSqlQuery q(db);
    const auto fail = [&](const QString &what) {
        const QString why = q.lastError().text();
        q.exec(QStringLiteral("ROLLBACK"));
        return storeError(where, what, why);
    };
    if (!q.exec(QStringLiteral("BEGIN")))
        return fail(QStringLiteral("begin the schema migration"));
    if (!q.exec(QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(MigrationLock)))
        return fail(QStringLiteral("lock the schema"));
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS jobfirst_schema (version INTEGER NOT "
                               "NULL)")))
        return fail(QStringLiteral("create the schema table"));
    int version = 0;
    if (!q.exec(QStringLiteral("SELECT version FROM jobfirst_schema")))
        return fail(QStringLiteral("read the schema version"));
    const bool hasRow = q.next();
    if (hasRow)
        version = q.value(0).toInt();
    if (version > Version) {
        q.exec(QStringLiteral("ROLLBACK"));
        return makeError(QStringLiteral("store.too_new"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "store %1 has schema version %2; this engine "
                                                    "knows up to %3: upgrade the engine"),
                                  {where, Sentence::value(version), Sentence::value(Version)}));
    }
    for (int v = version; v < upTo; ++v)
        for (const QString &sql : migrations().at(v))
            if (!q.exec(sql))
                return fail(QStringLiteral("migrate to schema version %1").arg(v + 1));
    if (!q.exec(hasRow ? QStringLiteral("UPDATE jobfirst_schema SET version = %1")
                             .arg(std::max(version, upTo))
                       : QStringLiteral("INSERT INTO jobfirst_schema VALUES (%1)").arg(upTo)))
        return fail(QStringLiteral("record the schema version"));
    if (!q.exec(QStringLiteral("COMMIT")))
        return fail(QStringLiteral("commit the schema migration"));
    return {};
}

Result<QSqlDatabase> PostgresSchema::open(const PostgresUrl &url, const QString &connection)
{
    auto db = url.connect(connection);
    if (!db)
        return db.error();
    if (Status s = migrate(db.value(), url.toString()); !s) {
        db.value().close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connection);
        return s.error();
    }
    return db;
}

} // namespace jobfirst
