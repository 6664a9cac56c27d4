// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/outboxrequest.h"
#include "sync/sqlitestatement.h"

#include <QHash>
#include <QString>

#include <memory>
#include <vector>

namespace jobfirst {

class Store;

/// Writes groups of outbox requests to the store, each group in one transaction: accepted
/// events with their delivery rows, and delivery outcomes. Its connection does not sync on
/// commit (synchronous=NORMAL) and does not checkpoint: a commit is visible when commit()
/// returns and durable once the WAL file has been synced (WalSyncer), which lets the next
/// group be written while the previous one is synced. Used from one thread.
class OutboxCommitter final
{
public:
    /// What one group changed.
    struct Summary
    {
        /// Per request of the group: the events as stored (EventWrite), else empty.
        std::vector<QList<SyncEvent>> stored;
        /// Change of the deliveries waiting, per target.
        QHash<QString, qint64> pendingDelta;
        /// Highest delivery row id committed by anyone when this group committed.
        qint64 lastDeliveryId = 0;
    };

    /// Opens the store at `path` on a connection of its own; the error says why it cannot.
    static Result<std::unique_ptr<OutboxCommitter>> open(const QString &path);
    ~OutboxCommitter();
    OutboxCommitter(const OutboxCommitter &) = delete;
    OutboxCommitter &operator=(const OutboxCommitter &) = delete;

    /// Writes every EventWrite and OutcomeWrite of `group` in one transaction, in order
    /// (other kinds are skipped). On an error nothing of the group is written.
    Result<Summary> commit(const std::vector<OutboxRequest *> &group, qint64 now);

    /// Claims, renews or releases the delivery lease for `owner` (see OutboxWriter::claimLease)
    /// in a transaction of its own. Returns "" when `owner` holds it, else the holder.
    QString claimLease(const QString &owner, qint64 ttlMs, qint64 now);

    /// Deliveries waiting per target, as stored.
    QHash<QString, qint64> countPending();
    /// Highest delivery row id ever committed to the store (by any process).
    qint64 lastDeliveryId();

    QString path() const;
    /// The connection's WAL file, which WalSyncer syncs.
    QString walPath() const;
    /// Called after each commit with the number of frames in the WAL file.
    void setWalHook(std::function<void(int frames)> hook);
    /// Frames in the WAL after the last commit.
    int walFrames() const { return m_walFrames; }
    /// Copies what the WAL holds into the store file on this connection (PASSIVE: returns
    /// at once if another checkpoint runs). When all of it is copied, the next transaction
    /// writes the WAL from its start again: syncing a file that does not grow is cheaper.
    bool checkpoint();
    /// (SQLite's WAL hook.)
    void walCommitted(int frames);

private:
    explicit OutboxCommitter(std::unique_ptr<Store> store);
    bool writeEvents(EventWrite &write, QList<SyncEvent> &stored, Summary &summary, qint64 now,
                     QString &error);
    bool writeOutcomes(const OutcomeWrite &write, Summary &summary, qint64 now, QString &error);

    std::unique_ptr<Store> m_store;
    sqlite3 *m_db = nullptr;
    std::function<void(int)> m_walHook;
    int m_walFrames = 0;
    SqliteStatement m_begin, m_commit, m_rollback;
    SqliteStatement m_insertEvent, m_insertDelivery, m_supersede, m_lastDelivery;
    SqliteStatement m_markDone, m_markRetry, m_markDead, m_markHold, m_ledger, m_ledgerRange,
        m_logAttempt;
};

} // namespace jobfirst
