// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/daemonstatus.h"
#include "store/postgresurl.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

class QSqlDatabase;

namespace jobfirst {

/// A daemon's heartbeat in the shared PostgreSQL store (table daemon_heartbeats), and the view
/// of every daemon sharing it. On a thread of its own with its own connection, once a second:
/// writes this daemon's row (admin URL, start, delivered count and rate, the time by the
/// server's clock) and reads every daemon's row with the partitions it holds, which daemons()
/// answers without touching the database. A clean stop removes the row; a daemon that died
/// leaves it, its age growing (rows silent for an hour are removed). While the server is
/// away it connects again with backoff; daemons() answers the last view it read with every
/// age grown by the time since (never a live-looking age), and an error naming why once that
/// view is older than StaleMs, whether its reads failed or still wait for an answer. When the
/// view comes back, a daemon not heard from since is awaited (DaemonStatus::awaited) for
/// ReturnGraceMs: it may be alive and not have reconnected yet.
class DaemonHeartbeat final
{
public:
    /// What the daemon says about itself at each beat.
    struct Figures
    {
        qint64 delivered = 0;
        double perSecond = 0;
    };

    DaemonHeartbeat(PostgresUrl url, QString id, std::function<Figures()> figures);
    ~DaemonHeartbeat();
    DaemonHeartbeat(const DaemonHeartbeat &) = delete;
    DaemonHeartbeat &operator=(const DaemonHeartbeat &) = delete;

    void setAdminUrl(const QString &url);
    /// Every daemon as last read (this one marked self), the newest heartbeat first, ages as
    /// of now, the daemons not heard from since the view came back marked awaited;
    /// "store.unavailable" when no read has succeeded for StaleMs (failed, or not answered).
    Result<QList<DaemonStatus>> daemons() const;
    /// Reads the daemons once through a connection of its own (jobfirstctl with --db URL).
    static Result<QList<DaemonStatus>> read(const PostgresUrl &url);
    /// Removes the row of daemon `id`, through a connection of its own, only when it is gone
    /// (its heartbeat late and none of its partition leases running): one whose lease still
    /// runs may be alive and would write its row again ("daemon.alive"). "daemon.unknown" when
    /// no such row is listed.
    static Status forget(const PostgresUrl &url, const QString &id);
    /// Takes daemon `id` out of the view at once (its row was forgotten), not at the next beat.
    void dropFromView(const QString &id);

    static constexpr int BeatMs = int(DaemonStatus::HeartbeatMs);
    /// A view older than this (its reads failing, or hanging) is not shown as the daemons'
    /// state.
    static constexpr int StaleMs = 3 * BeatMs;
    /// The longest wait between two connects while the server is away.
    static constexpr int MaxBackoffMs = 8000;
    /// How long after this daemon's view comes back the others may take to be heard from
    /// again: their reconnect backoff at its longest, then a beat as old as a live one's.
    static constexpr int ReturnGraceMs = MaxBackoffMs + int(DaemonStatus::RateFreshMs);

private:
    /// Once a second until stopped: a beat, or on a failure the connection closed and opened
    /// again with backoff.
    void run();
    /// `db` (connection `name`) opened when it is not; false with why when it cannot be.
    bool ensureOpen(QSqlDatabase &db, const QString &name, QString *failure) const;
    /// This daemon's row written with its figures, and rows silent for an hour removed.
    bool writeBeat(QSqlDatabase &db, const QString &adminUrl, QString *failure) const;
    /// Every daemon's row read into the view daemons() answers.
    bool readView(QSqlDatabase &db, QString *failure);
    /// Why the last beat failed, for daemons() once the view is stale.
    void recordFailure(const QString &failure);
    /// "store.unavailable": no read for `since` ms, and why (m_mutex held).
    Error staleError(qint64 since) const;
    /// The daemons of `list` (as of `now`) not heard from since the view came back, while
    /// that may be because they have not reconnected yet, marked awaited (m_mutex held).
    void markAwaited(QList<DaemonStatus> &list, qint64 now) const;
    /// This daemon's row removed at a clean stop.
    void leave(QSqlDatabase &db) const;
    static void closeConnection(QSqlDatabase &db, const QString &name);

    PostgresUrl m_url;
    QString m_id;
    std::function<Figures()> m_figures;
    qint64 m_startedAt;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    QString m_adminUrl;
    QList<DaemonStatus> m_daemons;
    qint64 m_readAt;   ///< steady ms when m_daemons was read (or the heartbeat started)
    bool m_everRead = false;
    QString m_failure; ///< why the last beat failed ("" when it did not)
    /// Steady ms when the view came back after it was lost (0: it never was), and of the
    /// last read before it was lost (or the heartbeat's start, when it was lost from the first).
    qint64 m_backAt = 0;
    qint64 m_lostAt = 0;
    std::thread m_thread;
};

} // namespace jobfirst
