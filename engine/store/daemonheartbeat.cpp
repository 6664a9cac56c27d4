// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/daemonheartbeat.h"

#include "store/postgrespipeline.h"
#include "store/postgresschema.h"
#include "store/postgressilencewatch.h"
#include "store/postgresurl.h"
#include "store/store.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <pthread.h>

#include <chrono>

namespace jobfirst {

namespace {

/// Milliseconds of a clock that does not jump (ages are measured with it).
qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

const char *const ServerNowMs = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
constexpr qint64 ForgetAfterMs = 3600000; // rows of daemons silent this long are removed

Result<QList<DaemonStatus>> readDaemons(QSqlDatabase db, const QString &where, const QString &self)
{
    QSqlQuery q(db);
    if (!q.exec(
            QStringLiteral(
                "SELECT h.daemon, h.admin_url, h.started_at, h.heartbeat_at, h.delivered, h.rate, "
                "h.lease_ms, %1 -"
                " h.heartbeat_at, COALESCE((SELECT string_agg(CAST(p.part AS TEXT), ',' ORDER BY"
                " p.part) FROM partition_leases p WHERE p.holder = h.daemon), ''),"
                " COALESCE((SELECT MAX(p.until) FROM partition_leases p WHERE p.holder ="
                " h.daemon), 0) - %1 FROM daemon_heartbeats h ORDER BY h.started_at, h.daemon")
                .arg(QLatin1String(ServerNowMs))))
        return storeError(where, QStringLiteral("read the daemons"), q.lastError().text());
    QList<DaemonStatus> list;
    while (q.next()) {
        DaemonStatus d;
        d.id = q.value(0).toString();
        d.adminUrl = q.value(1).toString();
        d.startedAt = q.value(2).toLongLong();
        d.heartbeatAt = q.value(3).toLongLong();
        d.delivered = q.value(4).toLongLong();
        d.deliveriesPerSecond = q.value(5).toDouble();
        // Its own --lease, as it beats it (0 from a daemon of an older version: not known).
        d.leaseMs = std::max<qint64>(0, q.value(6).toLongLong());
        d.heartbeatAgeMs = std::max<qint64>(0, q.value(7).toLongLong());
        for (const QString &p : q.value(8).toString().split(u',', Qt::SkipEmptyParts))
            d.partitions << p.toInt();
        d.leaseLeftMs = std::max<qint64>(0, q.value(9).toLongLong());
        d.self = d.id == self;
        list << d;
    }
    return list;
}

/// Deletes `id`'s row when it is gone; else says why not (its age read in the same statement's
/// snapshot, so a daemon that beats between the two is refused, never dropped).
Status forgetIn(QSqlDatabase db, const QString &where, const QString &id)
{
    QSqlQuery q(db);
    // Gone: late, and no partition lease of its still runs (DaemonStatus::state()).
    q.prepare(QStringLiteral("WITH gone AS (DELETE FROM daemon_heartbeats WHERE daemon = ? AND"
                             " heartbeat_at < %1 - %2 AND NOT EXISTS (SELECT 1 FROM"
                             " partition_leases p WHERE p.holder = ? AND p.until > %1) RETURNING"
                             " daemon) SELECT (SELECT COUNT(*) FROM gone), (SELECT %1 -"
                             " heartbeat_at FROM daemon_heartbeats WHERE daemon = ?), (SELECT"
                             " MAX(until) - %1 FROM partition_leases WHERE holder = ?)")
                  .arg(QLatin1String(ServerNowMs))
                  .arg(DaemonStatus::LateMs));
    for (int i = 0; i < 4; ++i)
        q.addBindValue(id);
    if (!q.exec() || !q.next())
        return storeError(where, QStringLiteral("forget the daemon"), q.lastError().text());
    if (q.value(0).toInt() > 0)
        return {};
    if (q.value(1).isNull())
        return makeError(
            QStringLiteral("daemon.unknown"),
            QStringLiteral("no daemon \"%1\" is listed (jobfirstctl daemons lists them)").arg(id));
    const qint64 leaseLeft = std::max<qint64>(0, q.value(2).toLongLong());
    return makeError(QStringLiteral("daemon.alive"),
                     QStringLiteral("daemon \"%1\" is not gone: heard from %2 s ago%3; it may be "
                                    "running and would list itself again; stop it, or wait until "
                                    "it is gone")
                         .arg(id)
                         .arg(std::max<qint64>(0, q.value(1).toLongLong()) / 1000)
                         .arg(leaseLeft > 0 ? QStringLiteral(", its partition leases run %1 s more")
                                                  .arg((leaseLeft + 999) / 1000)
                                            : QString()));
}

} // namespace

DaemonHeartbeat::DaemonHeartbeat(PostgresUrl url, QString id, std::function<Figures()> figures)
    : m_url(std::move(url)), m_id(std::move(id)), m_figures(std::move(figures)),
      m_startedAt(QDateTime::currentMSecsSinceEpoch()), m_readAt(steadyMs())
{
    m_thread = std::thread([this] { run(); });
}

DaemonHeartbeat::~DaemonHeartbeat()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void DaemonHeartbeat::setAdminUrl(const QString &url)
{
    {
        std::lock_guard lock(m_mutex);
        m_adminUrl = url;
    }
    m_wake.notify_all(); // shown at once
}

Result<QList<DaemonStatus>> DaemonHeartbeat::daemons() const
{
    std::lock_guard lock(m_mutex);
    // The ages were measured when the view was read: they have grown since.
    const qint64 now = steadyMs();
    const qint64 since = std::max<qint64>(0, now - m_readAt);
    // Stale by the time since the last read that succeeded, not by a failure: a read that
    // hangs on a server that does not answer (stopped, or its host cut off) fails late or
    // never, and its view was drawn as current meanwhile.
    if (since > StaleMs)
        return staleError(since);
    QList<DaemonStatus> list = m_daemons;
    for (DaemonStatus &d : list) {
        d.heartbeatAgeMs += since;
        d.leaseLeftMs = std::max<qint64>(0, d.leaseLeftMs - since);
    }
    markAwaited(list, now);
    return list;
}

Error DaemonHeartbeat::staleError(qint64 since) const
{
    const QString why =
        m_failure.isEmpty() ? QStringLiteral("the store has not answered since") : m_failure;
    return makeError(
        QStringLiteral("store.unavailable"),
        m_everRead
            ? QStringLiteral("the daemons were last read %1 s ago: %2").arg(since / 1000).arg(why)
            : QStringLiteral("the daemons have not been read yet (%1 s): %2")
                  .arg(since / 1000)
                  .arg(why));
}

void DaemonHeartbeat::markAwaited(QList<DaemonStatus> &list, qint64 now) const
{
    if (m_backAt == 0 || now >= m_backAt + ReturnGraceMs)
        return;
    for (DaemonStatus &d : list) {
        // When it beat last, by this clock (its age as now, less the time since now).
        const qint64 beatAt = now - d.heartbeatAgeMs;
        // Silent before the view was lost, it was not live then: not awaited, absent.
        const bool liveWhenLost = beatAt >= m_lostAt - DaemonStatus::RateFreshMs;
        d.awaited = !d.self && !d.rateKnown() && beatAt < m_backAt && liveWhenLost;
    }
}

Result<QList<DaemonStatus>> DaemonHeartbeat::read(const PostgresUrl &url)
{
    const QString name = PostgresSchema::newConnectionName("daemons");
    Result<QList<DaemonStatus>> result = QList<DaemonStatus>();
    {
        auto db = PostgresSchema::open(url, name);
        if (!db)
            return db.error();
        result = readDaemons(db.value(), url.toString(), {});
        db.value().close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Status DaemonHeartbeat::forget(const PostgresUrl &url, const QString &id)
{
    const QString name = PostgresSchema::newConnectionName("forget");
    Status result = Status();
    {
        auto db = PostgresSchema::open(url, name);
        if (!db)
            return db.error();
        result = forgetIn(db.value(), url.toString(), id);
        db.value().close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

void DaemonHeartbeat::dropFromView(const QString &id)
{
    std::lock_guard lock(m_mutex);
    m_daemons.removeIf([&](const DaemonStatus &d) { return d.id == id; });
}

void DaemonHeartbeat::run()
{
    pthread_setname_np(pthread_self(), "jf-heartbeat");
    const QString name = PostgresSchema::newConnectionName("heartbeat");
    QSqlDatabase db;
    std::unique_ptr<PostgresSilenceWatch> silence; ///< a beat on a server that went silent ends
    int backoffMs = 250;
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        const QString adminUrl = m_adminUrl;
        lock.unlock();
        QString failure;
        int waitMs = BeatMs;
        bool beat = ensureOpen(db, name, &failure);
        if (beat && !silence)
            silence = std::make_unique<PostgresSilenceWatch>(
                PostgresPipeline::connectionOf(db), PostgresUrl::silenceLimitMs(), m_url.toString());
        if (beat) {
            const auto waiting = silence->busy();
            beat = writeBeat(db, adminUrl, &failure) && readView(db, &failure);
        }
        if (beat) {
            backoffMs = 250;
        } else {
            recordFailure(failure);
            // The server is away (or restarting): connect again, waiting longer each time.
            silence.reset();
            closeConnection(db, name);
            waitMs = backoffMs;
            backoffMs = std::min(MaxBackoffMs, backoffMs * 2);
        }
        lock.lock();
        m_wake.wait_for(lock, std::chrono::milliseconds(waitMs),
                        [&] { return m_stop || m_adminUrl != adminUrl; });
    }
    lock.unlock();
    if (db.isValid()) {
        // A clean stop: this daemon is gone from the view (its partitions were given back).
        const auto waiting = silence ? silence->busy() : PostgresSilenceWatch::Busy();
        leave(db);
    }
    silence.reset();
    closeConnection(db, name);
}

bool DaemonHeartbeat::ensureOpen(QSqlDatabase &db, const QString &name, QString *failure) const
{
    if (db.isValid())
        return true;
    auto opened = PostgresSchema::open(m_url, name);
    if (!opened) {
        *failure = opened.error().message;
        return false;
    }
    db = opened.value();
    return true;
}

bool DaemonHeartbeat::writeBeat(QSqlDatabase &db, const QString &adminUrl, QString *failure) const
{
    const Figures f = m_figures ? m_figures() : Figures{};
    QSqlQuery q(db);
    q.prepare(
        QStringLiteral("INSERT INTO daemon_heartbeats(daemon, admin_url, started_at, heartbeat_at,"
                       " delivered, rate, lease_ms) VALUES (?, ?, ?, %1, ?, ?, ?) ON CONFLICT"
                       " (daemon) DO UPDATE SET admin_url = excluded.admin_url, heartbeat_at ="
                       " excluded.heartbeat_at, delivered = excluded.delivered, rate ="
                       " excluded.rate, lease_ms = excluded.lease_ms")
            .arg(QLatin1String(ServerNowMs)));
    q.addBindValue(m_id);
    // Not known yet in a daemon's first beat: a NULL failed the beat (NOT NULL), and the
    // connection was closed and opened again.
    q.addBindValue(adminUrl.isNull() ? QStringLiteral("") : adminUrl);
    q.addBindValue(m_startedAt);
    q.addBindValue(f.delivered);
    q.addBindValue(f.perSecond);
    q.addBindValue(DeliveryLease::ttlMs());
    const bool ok =
        q.exec() &&
        q.exec(QStringLiteral("DELETE FROM daemon_heartbeats WHERE heartbeat_at < %1 - %2")
                   .arg(QLatin1String(ServerNowMs))
                   .arg(ForgetAfterMs));
    if (!ok)
        *failure = q.lastError().text();
    q.finish();
    return ok;
}

bool DaemonHeartbeat::readView(QSqlDatabase &db, QString *failure)
{
    auto list = readDaemons(db, m_url.toString(), m_id);
    std::lock_guard guard(m_mutex);
    if (!list) {
        *failure = list.error().message;
        return false;
    }
    const qint64 now = steadyMs();
    // Back after the view was lost (its reads failed, or none succeeded for StaleMs): the
    // others may not have reconnected yet.
    if (!m_failure.isEmpty() || now - m_readAt > StaleMs) {
        m_lostAt = m_readAt;
        m_backAt = now;
    }
    m_daemons = std::move(list).value();
    m_readAt = now;
    m_everRead = true;
    m_failure.clear();
    return true;
}

void DaemonHeartbeat::recordFailure(const QString &failure)
{
    std::lock_guard guard(m_mutex);
    m_failure = failure.isEmpty() ? QStringLiteral("the heartbeat failed") : failure;
}

void DaemonHeartbeat::leave(QSqlDatabase &db) const
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM daemon_heartbeats WHERE daemon = ?"));
    q.addBindValue(m_id);
    q.exec();
}

void DaemonHeartbeat::closeConnection(QSqlDatabase &db, const QString &name)
{
    if (db.isValid())
        db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(name);
}

} // namespace jobfirst
