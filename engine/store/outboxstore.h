// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/outboxrequest.h"

#include <QHash>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace jobfirst {

/// The write side of the sync outbox, one connection used from one thread (the outbox
/// writer's): accepted events with their delivery rows and delivery outcomes, each group in one
/// transaction, and the delivery lease. Two implementations: SqliteOutboxStore (the store
/// file; a commit is durable once WalSyncer has synced the WAL) and PostgresOutboxStore (a
/// commit is durable when it returns: synchronous_commit = on).
class OutboxStore
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
        /// The same when the group began (SQLite): rows between the two are the group's own.
        qint64 lastDeliveryIdBefore = 0;
        /// Per request of the group: the rows of an OutcomeWrite the store refused to record
        /// because their partition's lease has passed to another process (fencing: a paused or
        /// cut off holder cannot overwrite its successor). Rows that no longer exist are not
        /// among them: nothing is left to record. Empty when none was refused.
        std::vector<std::vector<qint64>> refused;
        /// The group was written again after its connection broke with its COMMIT in flight:
        /// events the first try stored are answered as accepted before, and the change of
        /// the deliveries waiting is not known (the counts must be read again).
        bool retried = false;
    };

    /// Opens the outbox at `location`: a SQLite store file, or a postgresql:// URL
    /// (see PostgresUrl). The error names the file or server and what is wrong.
    static Result<std::unique_ptr<OutboxStore>> open(const QString &location);
    virtual ~OutboxStore() = default;

    /// The file or URL (without secrets) it was opened at.
    virtual QString location() const = 0;
    /// Writes every EventWrite and OutcomeWrite of `group` in one transaction, in order
    /// (other kinds are skipped). On an error nothing of the group is written.
    virtual Result<Summary> commit(const std::vector<OutboxRequest *> &group, qint64 now) = 0;
    /// Ends the group the last successful commit() left open: `answer` runs once it is
    /// committed (ok) or not (nothing of it was written), perhaps on another thread, while the
    /// next group can already be built (PostgreSQL). Stores whose commit() is already final
    /// answer at once (SQLite: WalSyncer then makes it durable).
    virtual void finish(std::function<void(bool ok, const QString &error)> answer)
    {
        answer(true, {});
    }
    /// commit() and finish() of `group` in one go, where the store can send the group's
    /// statements and its COMMIT together (PostgreSQL: a group of plain enqueues, in one round
    /// trip): returns once the next group may be started (its rows have taken their ids), and
    /// `done` runs, perhaps on another thread, once the COMMIT has ended: the Summary, or why
    /// the group failed. False, with nothing done, when the store cannot: commit() then.
    virtual bool commitWhole(const std::vector<OutboxRequest *> &group, qint64 now,
                             std::function<void(Result<Summary>)> done)
    {
        (void)group;
        (void)now;
        (void)done;
        return false;
    }
    /// Whether commit() should start a group of the `queued` requests waiting now, or wait
    /// for an earlier group to finish first (PostgreSQL: a connection free, and the group not
    /// smaller than those in flight).
    virtual bool ready(std::size_t queued) const
    {
        (void)queued;
        return true;
    }
    /// When ready(`queued`) turns true by itself, time passing, if it is false now for that
    /// reason (PostgreSQL: the callers just answered are given a moment to come back); none:
    /// only the ready hook or a new request makes it true.
    virtual std::optional<std::chrono::steady_clock::time_point> readyAt(std::size_t queued) const
    {
        (void)queued;
        return std::nullopt;
    }
    /// Called (on any thread) when ready() may have become true.
    virtual void setReadyHook(std::function<void()>) {}
    /// Claims, renews or releases the delivery lease for `owner` (see OutboxWriter::claimLease)
    /// in a transaction of its own. Returns "" when `owner` holds it, else the holder. On
    /// PostgreSQL the lease is one per partition and `owner` holds a fair share of them
    /// (heldPartitions()); "" when it holds any.
    virtual QString claimLease(const QString &owner, qint64 ttlMs, qint64 now) = 0;
    /// The partitions the last claimLease() left this process holding (PostgreSQL); empty
    /// when the store is not partitioned (SQLite: one lease for everything).
    virtual QList<int> heldPartitions() const { return {}; }
    /// Other processes deliver part of this outbox (PostgreSQL: the partitions this process
    /// does not hold), so the deliveries waiting change without this process seeing it.
    virtual bool sharesDelivery() const { return false; }
    /// Something other than this writer (another process on the store, or another connection
    /// of this one) may have changed the outbox since the last ask: the writer reads the
    /// counts again at its next lease claim. True where that cannot be told cheaply.
    virtual bool changedElsewhere() { return true; }
    /// Deliveries waiting per target, as stored; nullopt when the store cannot be read.
    virtual std::optional<QHash<QString, qint64>> countPending() = 0;
    /// Highest delivery row id ever committed (by any process).
    virtual qint64 lastDeliveryId() = 0;

    /// The WAL file to sync after each commit before anything committed is durable (SQLite);
    /// "" when commit() itself is durable (PostgreSQL).
    virtual QString walPath() const { return {}; }
    /// Called after each commit with the number of frames in the WAL file (SQLite).
    virtual void setWalHook(std::function<void(int frames)>) {}
    /// Frames in the WAL after the last commit (SQLite; else 0).
    virtual int walFrames() const { return 0; }
    /// Copies the WAL back into the store file (SQLite; see SqliteOutboxStore::checkpoint).
    virtual bool checkpoint() { return true; }
    /// The store's 16-byte id, made when first asked for and kept in the store file itself
    /// (not only in its WAL), which names the store an intent log belongs to (SQLite);
    /// empty when the store keeps no intent log (PostgreSQL: its commits are durable).
    virtual Result<QByteArray> intentLogId() { return QByteArray(); }

protected:
    OutboxStore() = default;
    OutboxStore(const OutboxStore &) = delete;
    OutboxStore &operator=(const OutboxStore &) = delete;
};

} // namespace jobfirst
