// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/walsyncer.h"
#include "sync/deliveryoutcome.h"
#include "sync/outboxitem.h"
#include "sync/outboxrequest.h"
#include "sync/pendingcounters.h"
#include "sync/syncevent.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace jobfirst {

/// The one writer of the outbox. Accepted events and delivery outcomes are committed with
/// group commit: everything waiting at the same moment shares one transaction, and one sync
/// of the WAL (WalSyncer) covers every group committed while the previous sync ran, so the
/// next group is written while the last one goes to disk. One writer thread means no two
/// SQLite writers wait on each other's locks (SQLite's busy handler sleeps in coarse steps,
/// which showed as seconds of delivery latency). Checkpoints run on their own thread.
/// write() returns only once its events are durable, or with an error and nothing written.
/// A group of events is made durable by its record in an intent log next to the store
/// (IntentLog), written and synced on the sync thread while the group commits here; callers
/// are answered once both are done, and the WAL is synced later (when the log starts over).
/// Groups of delivery outcomes, and groups whose record would be over MaxLoggedBytes (bulk
/// imports), are made durable by syncing the WAL.
/// A lone caller (nothing queued, the writer and the sync thread idle) writes and syncs its
/// record itself instead, on its own thread, while the writer commits: the thread already
/// awake does the sync, as the leader of a group commit does in MySQL's binlog.
/// Thread-safe.
class OutboxWriter final
{
public:
    explicit OutboxWriter(QString dbPath);
    ~OutboxWriter();
    OutboxWriter(const OutboxWriter &) = delete;
    OutboxWriter &operator=(const OutboxWriter &) = delete;

    /// Opens the store on the writer thread; the error says why it cannot.
    Status start(qint64 backlogLimit);
    void stop();
    void setBacklogLimit(qint64 limit) { m_backlogLimit = limit; }
    /// sync_max_event_bytes: write() refuses a batch holding a larger event (naming it).
    void setMaxEventBytes(qint64 bytes) { m_maxEventBytes = bytes; }
    /// Size of the intent log made for a store that has none (before start()); 0: no log,
    /// every group is made durable by syncing the WAL.
    void setIntentLogBytes(qint64 bytes) { m_intentLogBytes = bytes; }
    /// Its default: a few seconds of small groups at full speed, replayed in well under one.
    static constexpr qint64 DefaultIntentLogBytes = 4 * 1024 * 1024;
    /// Groups whose record would be larger than this are made durable by syncing the WAL:
    /// their commits write fewer bytes per event than their records would (bulk imports).
    static constexpr qsizetype MaxLoggedBytes = 64 * 1024;
    /// A caller leads (writes its own record) only after this many groups of one request in a
    /// row: callers that come one at a time, not many submitted from one thread.
    static constexpr int LoneGroupsBeforeLeading = 8;
    /// The longest a group waits for callers still to come back after a sync started
    /// (settleEnd()): a sync that took long once does not hold the next group for as long.
    static constexpr std::chrono::microseconds MaxSettle{1000};
    /// Once the WAL holds this many frames (16 MiB), the writer copies what the checkpointer
    /// has not, so the WAL starts over instead of growing.
    static constexpr int WalFramesCopiedHere = 4000;
    /// With records in the intent log and nothing to write for this long, the WAL is synced
    /// and the log starts over (so a restart replays little).
    static constexpr int IdleRollOverMs = 1000;
    /// How long an epoch of the intent log may last (before start()): the first logged group
    /// after it syncs the WAL and starts the next epoch, whatever the traffic.
    void setMaxEpochMs(qint64 ms) { m_maxEpochMs = ms; }
    /// Its default: a replay then never brings back an event that retention (an hour at
    /// least) has deleted since it was logged.
    static constexpr qint64 DefaultMaxEpochMs = 60 * 1000;

    using Answer = std::function<void(Result<QList<SyncEvent>>)>;
    /// Queues items for the next group commit without waiting: `answer` runs once they are
    /// durable (the events as stored, ids and versions assigned) or refused (nothing written).
    /// It runs on the writer's or the sync thread, and on the caller's thread when the items
    /// are refused before they are queued, or when a lone caller's own record was the last
    /// to be done (see the class): it must be quick and must not wait on the writer. A lone
    /// caller's submit() returns once its record is synced (about one fdatasync). Items submitted
    /// one after another are stored in that order. No thread waits per caller, so many callers cost
    /// one wake-up per group, not one each.
    void submit(QList<OutboxItem> items, Answer answer);

    using Accepted = std::future<Result<QList<SyncEvent>>>;
    /// submit() with a future that answers instead of a function.
    Accepted submit(QList<OutboxItem> items);
    /// A refusal answered at once (nothing was queued).
    static Accepted refused(Error error);
    /// An answer that fulfils the future it comes with.
    static std::pair<Answer, Accepted> answerWithFuture();
    /// submit(), then waits until durable.
    Result<QList<SyncEvent>> write(QList<OutboxItem> items)
    {
        return submit(std::move(items)).get();
    }

    /// Records delivery outcomes; `committed` runs once they are durable, naming the rows the
    /// store refused (their partition passed on), or with ok false if the commit failed: the
    /// rows stay pending and are sent again.
    void submitOutcomes(std::shared_ptr<const std::vector<DeliveryOutcome>> outcomes,
                        std::function<void(OutcomesCommitted)> committed);

    /// The delivery lease: one process at a time delivers from a store. Claims or renews it
    /// for `owner` until now + ttlMs (in its own IMMEDIATE transaction). Returns "" when
    /// `owner` holds it, else the current holder. A holder on this host whose process is
    /// gone (crashed) loses it at once; elsewhere it lapses after its ttl.
    /// ttlMs 0 releases it if `owner` holds it. Blocks until done.
    QString claimLease(const QString &owner, qint64 ttlMs);
    /// No delivery engine claims leases through this writer (EngineOptions::deliver off): no
    /// claim then reads the counts again while other processes deliver, so the writer does
    /// it by itself, as often as at claims (about each second, less often for a slow count).
    void setFollowsOthersDeliveries(bool follows) { m_followsOthers = follows; }
    /// The partitions the last claimLease() left this process holding (PostgreSQL); empty
    /// when the outbox is not partitioned (SQLite).
    QList<int> heldPartitions() const
    {
        std::lock_guard lock(m_mutex);
        return m_partitions;
    }

    using Clock = std::chrono::steady_clock;
    /// While `sync` runs and `queued` requests wait: until when the next group waits for the
    /// rest of the callers the last sync answered (at most half as long as that sync took,
    /// and MaxSettle); none: it is taken now.
    static std::optional<Clock::time_point> settleEnd(const WalSyncer::Progress &sync,
                                                      std::size_t queued, Clock::time_point now);

    /// Highest delivery row id known to be on disk. Rows are visible to readers once
    /// committed, a moment before they are synced: the delivery engine sends none beyond this.
    qint64 durableDeliveryId() const { return m_durableDeliveryId.load(); }
    /// Makes everything committed so far durable, also what other processes committed, and
    /// raises durableDeliveryId() to cover it; onCommitted runs when done. Does not block.
    void requestDurable();

    /// Called once committed work is durable (on the sync thread), e.g. to wake delivery.
    std::function<void()> onCommitted;
    /// Deliveries waiting per target, kept current by the writer and the delivery engine.
    PendingCounters counters;
    /// Group commits (transactions) and WAL syncs so far.
    std::atomic<qint64> commits{0};
    std::atomic<qint64> syncs{0};
    /// Of the commits, those made durable by their intent-log record.
    std::atomic<qint64> loggedCommits{0};

private:
    struct Parts;
    struct Group;

    // The writer thread: takes what is queued as one group, writes it, and hands it over to
    // be answered once durable.
    void run(std::promise<Status> started);
    Status openParts(Parts &parts);
    void recount(Parts &parts);
    /// How often the counts are read again while other processes deliver from the store.
    static qint64 recountEveryMs(const Parts &parts);
    /// Time to read the counts again while other processes deliver from the store.
    static bool recountDue(const Parts &parts);
    /// When the writer next reads the counts again by itself (setFollowsOthersDeliveries());
    /// none when it does not.
    std::optional<Clock::time_point> ownRecountAt(const Parts &parts) const;
    /// Adds a committed group's change of the waiting deliveries to `counters` (on any
    /// thread); a count gone below zero asks the writer thread to recount.
    void applyPending(const QHash<QString, qint64> &delta);
    /// Waits for requests; null once stopping with none left.
    std::shared_ptr<Group> takeGroup(Parts &parts);
    /// The group's requests in `writes`, false when any is not an enqueue.
    static bool eventWrites(const Group &group, std::vector<OutboxRequest *> &writes);
    /// Hands a group of enqueues to the store to be written and committed in one go
    /// (OutboxStore::commitWhole), answered from the store's thread; false when it cannot.
    bool writeWhole(Parts &parts, const std::shared_ptr<Group> &group);
    /// Whether takeGroup() takes what is queued now (under m_mutex); else `retryAt` says
    /// when time alone may change that, and m_wakeAtQueued how many queued requests do.
    bool groupReady(Parts &parts, std::optional<Clock::time_point> &retryAt);

    /// Lease claims, then the group's writes in one transaction.
    void writeGroup(Parts &parts, Group &group);
    void commit(Parts &parts, Group &group, const std::vector<OutboxRequest *> &writes, qint64 now,
                bool logged = false);
    /// Opens the intent log and replays what it holds that the store lacks.
    Status openLog(Parts &parts);
    /// Writes an events-only group whose record fits the intent log: its record is synced
    /// while it commits. False, with nothing done, when the group goes the WAL's way.
    bool writeLogged(Parts &parts, const std::shared_ptr<Group> &group);
    /// Syncs the WAL (everything committed is then on disk), and the log starts over.
    bool rollOver(Parts &parts);
    /// One of a logged group's two parts (its record synced, its commit) is done.
    void settle(Group &group);
    /// Syncs (or has synced) the group, then answer() runs.
    void handOver(Parts &parts, std::shared_ptr<Group> group);
    /// Answers every request of `group`: durable (`ok`) or why not.
    void answer(Group &group, bool ok, const QString &error);
    void wakeWriter();
    /// A lone caller's request: queued, its record written and synced on this thread while
    /// the writer commits it. False, with `request` untouched, when it must wait its turn.
    bool lead(std::unique_ptr<OutboxRequest> &request);
    /// Commits the group of a caller that syncs its record itself (lead()).
    void writeLed(Parts &parts, const std::shared_ptr<Group> &group);

    bool enqueue(std::unique_ptr<OutboxRequest> request);
    /// enqueue(), leaving `request` with the caller when it is refused.
    bool enqueueOrKeep(std::unique_ptr<OutboxRequest> &request);
    bool nothingQueued() const;

    QString m_dbPath;
    std::atomic<qint64> m_backlogLimit{1000000};
    std::atomic<qint64> m_durableDeliveryId{0};
    std::atomic_bool m_barrierQueued{false};
    std::atomic<qint64> m_maxEventBytes{DefaultMaxEventBytes};
    qint64 m_intentLogBytes = DefaultIntentLogBytes;
    qint64 m_maxEpochMs = DefaultMaxEpochMs;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    QList<int> m_partitions;
    std::condition_variable m_wake;
    std::deque<std::unique_ptr<OutboxRequest>> m_queue;
    static constexpr std::size_t NoWake = std::numeric_limits<std::size_t>::max();
    /// A request queued wakes the writer once this many wait (set by groupReady()); NoWake
    /// while it is busy or waits for a sync to start (the syncer wakes it).
    std::size_t m_wakeAtQueued = 1;
    bool m_stopping = false;
    bool m_running = false;
    /// The syncer a lone caller writes its record through (lead()); set while the writer
    /// waits for work and may take a group of one logged request, else null. Changed under
    /// m_mutex; read without it only as a hint.
    std::atomic<WalSyncer *> m_leader{nullptr};
    std::shared_ptr<Group> m_led; ///< the group of m_queue's first request, when it leads
    /// A count went below zero where the writer thread could not read the store (a PostgreSQL
    /// COMMIT's answer, on a connection's thread): it recounts when it next wakes (m_mutex).
    bool m_recountWanted = false;
    std::atomic_bool m_followsOthers{false};
    QString m_failure; ///< set when the store could not be synced: nothing more is accepted
};

} // namespace jobfirst
