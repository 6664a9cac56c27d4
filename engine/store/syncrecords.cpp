// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/syncrecords.h"

#include "store/ledgerranges.h"
#include "store/postgresnotices.h"
#include "store/postgresschema.h"
#include "store/postgresstatestore.h"
#include "store/postgresurl.h"
#include "store/store.h"
#include "sync/syncevent.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <algorithm>

namespace jobfirst {

namespace {

Error notDead(qint64 deliveryId)
{
    return makeError(QStringLiteral("sync.not_dead"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "delivery %1 is not a dead letter"),
                              {Sentence::value(deliveryId)}));
}

} // namespace

Result<std::unique_ptr<SyncRecords>> SyncRecords::open(const QString &location, Store *store,
                                                       ClusterStateStore *state)
{
    std::unique_ptr<SyncRecords> r(new SyncRecords);
    r->m_store = store;
    r->m_location = location;
    if (!PostgresUrl::isUrl(location))
        return r;
    auto url = PostgresUrl::parse(location);
    if (!url)
        return url.error();
    r->m_postgres = true;
    r->m_location = url->toString();
    r->m_url = location;
    if (auto *shared = dynamic_cast<PostgresStateStore *>(state);
        shared && shared->location() == r->m_location) {
        r->m_connection = shared->connectionName();
        r->m_shared = shared;
        return r;
    }
    r->m_ownsConnection = true;
    r->m_connection = PostgresSchema::newConnectionName("records");
    auto db = PostgresSchema::open(url.value(), r->m_connection);
    if (!db)
        return db.error();
    return r;
}

SyncRecords::~SyncRecords()
{
    m_oldestPending.reset(); // before its connection goes
    if (m_ownsConnection) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            if (db.isValid())
                db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QSqlDatabase SyncRecords::db(QString *error)
{
    if (!m_postgres)
        return m_store->database();
    if (m_shared) // its connection, with its watch and its probe while the server is away
        return m_shared->database(error);
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.isOpen()) {
        if (!db.open()) {
            if (error)
                *error = QStringLiteral("PostgreSQL store %1 cannot be reached: %2")
                             .arg(m_location, PostgresUrl::errorText(db.lastError()));
            return {};
        }
        routePostgresNotices(db);
        QSqlQuery(db).exec(QStringLiteral("SET synchronous_commit = on"));
    }
    return db;
}

Error SyncRecords::queryError(const QString &what, const QString &detail)
{
    if (m_postgres) {
        // A query that failed because the server went away: open the connection again at
        // the next call. Inside an audited change (the shared connection) a failed statement
        // aborts the transaction: the probe then fails with 25P02 and the caller rolls back.
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        QSqlQuery probe(db);
        if (!probe.exec(QStringLiteral("SELECT 1")) &&
            probe.lastError().nativeErrorCode() != QLatin1String("25P02"))
            db.close();
    }
    return storeError(m_location, what, detail);
}

#define JF_RECORDS_DB(db)                                                                          \
    QString dbError;                                                                               \
    QSqlDatabase db = this->db(&dbError);                                                          \
    if (!db.isValid())                                                                             \
        return makeError(QStringLiteral("store.unavailable"), dbError);                            \
    const auto busyCall = m_shared ? m_shared->busy() : PostgresSilenceWatch::Busy();

Result<QHash<QString, SyncRecords::TargetState>> SyncRecords::targetStates()
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT name, paused, disabled, reason FROM target_state")))
        return queryError(QStringLiteral("read target state"), q.lastError().text());
    QHash<QString, TargetState> states;
    while (q.next())
        states.insert(
            q.value(0).toString(),
            TargetState{q.value(1).toInt() != 0, q.value(2).toInt() != 0, q.value(3).toString()});
    return states;
}

Status SyncRecords::saveTargetState(const QString &name, const TargetState &state, qint64 now)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "INSERT INTO target_state(name, paused, disabled, reason, updated_at) VALUES (?, ?, ?, ?, "
        "?)"
        " ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, disabled = excluded.disabled,"
        " reason = excluded.reason, updated_at = excluded.updated_at"));
    q.addBindValue(name);
    q.addBindValue(state.paused ? 1 : 0);
    q.addBindValue(state.disabled ? 1 : 0);
    q.addBindValue(sqlText(state.reason));
    q.addBindValue(now);
    if (!q.exec())
        return queryError(QStringLiteral("save target state"), q.lastError().text());
    return {};
}

Result<QList<DeadLetter>> SyncRecords::deadLetters(const QString &target, int limit)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "SELECT d.id, d.target, d.user_id, e.event_id, e.type, d.attempts, d.last_error,"
        " d.updated_at, e.payload, d.event_count"
        " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
        " WHERE d.state = 'dead' AND (? = '' OR d.target = ?) ORDER BY d.id DESC LIMIT ?"));
    q.addBindValue(sqlText(target));
    q.addBindValue(sqlText(target));
    q.addBindValue(limit);
    if (!q.exec())
        return queryError(QStringLiteral("read dead letters"), q.lastError().text());
    QList<DeadLetter> list;
    while (q.next()) {
        DeadLetter d;
        d.deliveryId = q.value(0).toLongLong();
        d.target = q.value(1).toString();
        d.userId = q.value(2).toString();
        d.eventId = q.value(3).toString();
        d.eventType = q.value(4).toString();
        d.attempts = q.value(5).toInt();
        d.lastError = q.value(6).toString();
        d.failedAt = q.value(7).toLongLong();
        QJsonObject payload = QJsonDocument::fromJson(q.value(8).toByteArray()).object();
        payload.insert(QStringLiteral("data"),
                       redactSecrets(payload.value(QStringLiteral("data")).toObject()));
        d.payload = payload;
        d.eventCount = q.value(9).toInt();
        list << d;
    }
    return list;
}

Result<QHash<QString, qint64>> SyncRecords::deadLetterCounts()
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT target, SUM(event_count) FROM deliveries WHERE state = "
                               "'dead' GROUP BY target")))
        return queryError(QStringLiteral("count dead letters"), q.lastError().text());
    QHash<QString, qint64> counts;
    while (q.next())
        counts.insert(q.value(0).toString(), q.value(1).toLongLong());
    return counts;
}

Result<QList<DeliveryAttempt>> SyncRecords::attempts(qint64 deliveryId)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT ts, status, duration_ms, error, body_head FROM attempts"
                             " WHERE delivery_id = ? ORDER BY id"));
    q.addBindValue(deliveryId);
    if (!q.exec())
        return queryError(QStringLiteral("read attempts"), q.lastError().text());
    QList<DeliveryAttempt> list;
    while (q.next())
        list << DeliveryAttempt{q.value(0).toLongLong(), q.value(1).toInt(), q.value(2).toDouble(),
                                q.value(3).toString(), q.value(4).toString()};
    return list;
}

Result<QList<QueuedDelivery>> SyncRecords::queue(const QString &target, int limit)
{
    JF_RECORDS_DB(db)
    // Each target's first rows come from the per-target pending index; all targets (empty) are
    // the targets with pending rows, found by stepping through that index (a lookup a target,
    // however many rows wait), each target's first `limit` rows merged by id.
    QStringList targets{target};
    if (target.isEmpty()) {
        targets.clear();
        QSqlQuery next(db);
        next.prepare(QStringLiteral(
            "SELECT MIN(target) FROM deliveries WHERE state = 'pending' AND target > ?"));
        for (QString last = QStringLiteral("");;) {
            next.addBindValue(last);
            if (!next.exec())
                return queryError(QStringLiteral("read queue"), next.lastError().text());
            if (!next.next() || next.value(0).isNull())
                break;
            last = next.value(0).toString();
            targets << last;
        }
    }
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "SELECT d.id, d.target, d.user_id, e.type, d.attempts, d.next_at, d.created_at,"
        " d.last_error, d.event_count FROM deliveries d JOIN events e ON e.seq = d.event_seq"
        " WHERE d.target = ? AND d.state = 'pending' ORDER BY d.id LIMIT ?"));
    QList<QueuedDelivery> list;
    for (const QString &t : std::as_const(targets)) {
        q.addBindValue(sqlText(t));
        q.addBindValue(limit);
        if (!q.exec())
            return queryError(QStringLiteral("read queue"), q.lastError().text());
        while (q.next())
            list << QueuedDelivery{
                q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(),
                q.value(3).toString(),   q.value(4).toInt(),    q.value(5).toLongLong(),
                q.value(6).toLongLong(), q.value(7).toString(), q.value(8).toInt()};
    }
    std::sort(list.begin(), list.end(), [](const QueuedDelivery &a, const QueuedDelivery &b) {
        return a.deliveryId < b.deliveryId;
    });
    if (list.size() > limit)
        list.resize(std::max(0, limit));
    return list;
}

Result<std::pair<QString, qint64>> SyncRecords::retryDead(qint64 deliveryId, qint64 now)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?, updated_at = ?"
        " WHERE id = ? AND state = 'dead' RETURNING target, event_count"));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(deliveryId);
    if (!q.exec())
        return queryError(QStringLiteral("retry delivery %1").arg(deliveryId),
                          q.lastError().text());
    if (!q.next())
        return notDead(deliveryId);
    std::pair<QString, qint64> row{q.value(0).toString(), q.value(1).toLongLong()};
    q.finish();
    return row;
}

Result<QHash<QString, qint64>> SyncRecords::replayDead(const QString &target, qint64 sinceMs,
                                                       qint64 untilMs, qint64 now)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?, updated_at = ?"
        " WHERE state = 'dead' AND (? = '' OR target = ?) AND updated_at >= ? AND updated_at <= ?"
        " RETURNING target, event_count"));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(sqlText(target));
    q.addBindValue(sqlText(target));
    q.addBindValue(sinceMs);
    q.addBindValue(untilMs);
    if (!q.exec())
        return queryError(QStringLiteral("replay"), q.lastError().text());
    QHash<QString, qint64> perTarget;
    while (q.next())
        perTarget[q.value(0).toString()] += q.value(1).toLongLong();
    q.finish();
    return perTarget;
}

Status SyncRecords::discardDead(qint64 deliveryId, qint64 now)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE deliveries SET state = 'discarded', updated_at = ?"
                             " WHERE id = ? AND state = 'dead'"));
    q.addBindValue(now);
    q.addBindValue(deliveryId);
    if (!q.exec())
        return queryError(QStringLiteral("discard delivery %1").arg(deliveryId),
                          q.lastError().text());
    if (q.numRowsAffected() == 0)
        return notDead(deliveryId);
    return {};
}

Result<QByteArray> SyncRecords::eventPayload(const QString &eventId)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT payload FROM events WHERE event_id = ?"));
    q.addBindValue(eventId);
    if (!q.exec())
        return queryError(QStringLiteral("repair"), q.lastError().text());
    return q.next() ? q.value(0).toByteArray() : QByteArray();
}

qint64 SyncRecords::oldestPending(const QString &target)
{
    // Asked per target on every stats() call: the statement is prepared once and kept while
    // it runs (a connection opened again after a loss gets it prepared anew).
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!m_oldestPending) {
            QSqlDatabase db = this->db();
            if (!db.isValid())
                return 0;
            m_oldestPending = std::make_unique<QSqlQuery>(db);
            if (!m_oldestPending->prepare(
                    QStringLiteral("SELECT created_at FROM deliveries WHERE target = ? AND state ="
                                   " 'pending' ORDER BY id LIMIT 1"))) {
                m_oldestPending.reset();
                return 0;
            }
        }
        QSqlQuery &q = *m_oldestPending;
        q.bindValue(0, target);
        if (q.exec()) {
            const qint64 oldest = q.next() ? q.value(0).toLongLong() : 0;
            q.finish();
            return oldest;
        }
        m_oldestPending.reset();
    }
    return 0;
}

Result<QList<SyncRecords::StateCount>> SyncRecords::countsByState()
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral(
            "SELECT target, state, SUM(event_count), SUM(CASE WHEN attempts > 1 THEN (attempts -"
            " 1) * event_count ELSE 0 END), MIN(CASE WHEN state = 'pending' THEN created_at END),"
            " SUM(CASE WHEN state = 'pending' AND attempts > 0 THEN event_count ELSE 0 END)"
            " FROM deliveries GROUP BY target, state")))
        return queryError(QStringLiteral("read sync stats"), q.lastError().text());
    QList<StateCount> rows;
    while (q.next())
        rows << StateCount{q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong(),
                           q.value(3).toLongLong(),
                           q.value(4).isNull() ? 0 : q.value(4).toLongLong(),
                           q.value(5).toLongLong()};
    return rows;
}

DeliveryLease SyncRecords::lease()
{
    QSqlDatabase db = this->db();
    if (!db.isValid())
        return {};
    if (!m_postgres)
        return DeliveryLease::read(db);
    // Partitioned: the holders of partitions, and the latest their leases run.
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT holder, MAX(until), COUNT(*) FROM partition_leases"
                               " WHERE holder <> '' GROUP BY holder ORDER BY holder")))
        return {};
    DeliveryLease lease;
    QStringList holders;
    while (q.next()) {
        holders << QStringLiteral("%1 (%2 partitions)")
                       .arg(q.value(0).toString(), q.value(2).toString());
        lease.until = std::max(lease.until, q.value(1).toLongLong());
    }
    lease.holder = holders.join(QStringLiteral(", "));
    return lease;
}

Status SyncRecords::forEachLedgerRow(
    const QString &target,
    const std::function<void(const QString &user, qint64 version, const QString &eventId)> &row)
{
    JF_RECORDS_DB(db)
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Per-user rows and bulk rows' ranges, newest first per user: the first row of a user is
    // its acknowledged version, the rest are older acknowledgements of the same user. Without
    // ranges the rows are read as stored, unsorted (one per user already).
    q.prepare(QStringLiteral("SELECT 1 FROM ledger_ranges WHERE target = ? LIMIT 1"));
    q.addBindValue(target);
    if (!q.exec())
        return queryError(QStringLiteral("read ledger"), q.lastError().text());
    const bool ranges = q.next();
    q.finish();
    q.prepare(
        ranges ? LedgerRanges::acknowledgedRowsSql()
               : QStringLiteral("SELECT user_id, version, event_id FROM ledger WHERE target = ?"));
    q.addBindValue(target);
    if (ranges)
        q.addBindValue(target);
    if (!q.exec())
        return queryError(QStringLiteral("read ledger"), q.lastError().text());
    QString last;
    bool first = true;
    while (q.next()) {
        QString user = q.value(0).toString();
        if (!first && user == last)
            continue;
        first = false;
        row(user, q.value(1).toLongLong(), q.value(2).toString());
        last = std::move(user);
    }
    return {};
}

} // namespace jobfirst
