// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/claimafteroutage.h"
#include "store/outboxstore.h"
#include "store/postgresprobe.h"
#include "store/postgresurl.h"

#include <QSqlDatabase>
#include <QSqlQuery>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jobfirst {

/// OutboxStore on PostgreSQL through QtSql's QPSQL driver: the outbox writer's connections.
/// Each group is one transaction and its COMMIT returns once the server has flushed its WAL
/// (synchronous_commit = on). commit() runs a group's statements and leaves its COMMIT to
/// finish(), which sends it on a thread of the connection's own while the writer builds the
/// next group on another connection (as WalSyncer syncs the SQLite WAL while the next group
/// commits); several COMMITs in flight share the server's WAL flushes. A group of plain
/// enqueues (nearly all) goes instead with its COMMIT in the same round trip (commitWhole()),
/// answered on the connection's thread. Callers are answered only after their COMMIT. An enqueue
/// holds a marker until it ends (a shared advisory lock keyed -(the next delivery id when it
/// began)) instead of taking turns: readers do not read past the smallest open marker
/// (PostgresOutboxReader), so the delivery engine's id cursor never passes a row that is not
/// visible yet, whichever commits first. Deliveries are partitioned by user
/// (PostgresSchema::partitionOf); claimLease() holds a fair share of the partitions' leases, and an
/// outcome is recorded only while its row's partition is held (fencing). A lost connection is
/// opened again at the next call. Used from one thread (the writer's); each connection is opened,
/// used and closed only by a thread of its own (commit() and claimLease() run there and wait), and
/// finish()'s answers run on it.
class PostgresOutboxStore final : public OutboxStore
{
public:
    static Result<std::unique_ptr<PostgresOutboxStore>> open(const PostgresUrl &url);
    ~PostgresOutboxStore() override;

    QString location() const override { return m_url.toString(); }
    Result<Summary> commit(const std::vector<OutboxRequest *> &group, qint64 now) override;
    void finish(std::function<void(bool ok, const QString &error)> answer) override;
    /// Groups of plain enqueues (no bulk rows, no coalescing): BEGIN, the marker, jf_enqueue
    /// and COMMIT in one round trip on a connection's thread, which answers `done`; returns
    /// once jf_enqueue has answered, so the next group's ids follow this one's.
    bool commitWhole(const std::vector<OutboxRequest *> &group, qint64 now,
                     std::function<void(Result<Summary>)> done) override;
    bool ready(std::size_t queued) const override;
    std::optional<std::chrono::steady_clock::time_point> readyAt(std::size_t queued) const override;
    void setReadyHook(std::function<void()> hook) override { m_readyHook = std::move(hook); }
    QString claimLease(const QString &owner, qint64 ttlMs, qint64 now) override;
    QList<int> heldPartitions() const override { return m_held; }
    bool sharesDelivery() const override;
    std::optional<QHash<QString, qint64>> countPending() override;
    qint64 lastDeliveryId() override;

    /// Connections of the writer: one builds a group while the others' COMMITs are in flight
    /// (with a group in two round trips, 5 wrote more events/s than 3 in each of four
    /// adjacent bench_outbox pairs here, at load 14-16; see docs/benchmarks.md).
    static constexpr int Links = 5;
    /// How long a group waits, with no COMMIT in flight, for as many requests as the last
    /// COMMIT answered: its callers come back within it when they call again at once (the
    /// benchmark's 50 answered callers: 49.8 events a COMMIT instead of ~27, and a third less
    /// server CPU an event; see docs/benchmarks.md); other callers' requests wait at most
    /// this long.
    static constexpr std::chrono::microseconds Settle{1000};

private:
    struct Link;
    explicit PostgresOutboxStore(PostgresUrl url);
    /// A connection without a COMMIT in flight (waits for one).
    Link &idleLink();
    /// A link, once no link has a group in flight: every COMMIT sent has ended and been
    /// counted (its answer runs before its link is freed).
    Link &quietLink();
    /// Runs `f` on the thread of `link` (after what is queued there) and answers its result.
    template <class F> auto onLink(Link &link, F &&f) -> decltype(f());
    /// Queues `task` for the thread of `link`.
    void post(Link &link, std::function<void()> task);
    /// The thread of `link`: runs its tasks; at the end closes the connection.
    void linkLoop(Link &link);
    /// Sends the COMMIT of the group open on `link` (its thread), then `answer`s.
    void sendCommit(Link &link, const std::function<void(bool, const QString &)> &answer);
    /// A COMMIT on `link` has ended and been answered: the link takes the next group.
    void linkFreed(Link &link);
    /// commitWhole() on the thread of `link`: `started` once the events have their ids (or
    /// the group failed), then `done`.
    void writeWhole(Link &link, const std::vector<OutboxRequest *> &group, qint64 now, bool idsNew,
                    std::promise<void> &started, const std::function<void(Result<Summary>)> &done);
    /// One try of writeWhole(): false, with why in `error`, its SQLSTATE in `sqlState` and
    /// `broken` when the connection broke (the COMMIT may have run), when it failed.
    bool sendWhole(Link &link, const std::vector<const OutboxItem *> &items, qint64 now,
                   bool idsNew, const std::function<void()> &arrived, QHash<QString, qint64> &seqs,
                   QString &error, QByteArray &sqlState, bool &broken);
    /// commit() on the thread of `link`; `lost` when the connection was found gone at BEGIN
    /// (nothing written: the group may be tried again).
    Result<Summary> commitOn(Link &link, const std::vector<OutboxRequest *> &group, qint64 now,
                             bool &lost);
    struct Rows;
    // The steps of commitOn(), on its connection (m_link).
    /// The statements sent with BEGIN: the enqueue marker, and the fence lock (shared) of the
    /// owner outcomes are written for, who becomes m_fencedBy.
    QStringList beginStatements(const std::vector<OutboxRequest *> &group, bool enqueues);
    /// The items of the group's writes, in order; `rows` learns whether all are plain.
    static std::vector<const OutboxItem *> groupItems(const std::vector<OutboxRequest *> &group,
                                                      Rows &rows);
    /// Opens the group's transaction (beginGroup()), once more when it failed on a live
    /// connection (`error` says why that failed too). The error to answer when the connection
    /// was found gone (`lost`): nothing is written then.
    std::optional<Error> openGroup(const QStringList &begin,
                                   const std::vector<const OutboxItem *> &items, Rows &rows,
                                   qint64 now, QString &error, bool &lost);
    /// Writes the group's events, delivery rows and outcomes in its transaction, until an
    /// `error`; the summary says what was written and which outcomes were refused.
    void writeGroup(const std::vector<OutboxRequest *> &group, Rows &rows, Summary &summary,
                    qint64 now, QString &error);
    /// claimLease() on the thread of `link`.
    QString claimLeaseOn(Link *link, const QString &owner, qint64 ttlMs, qint64 now);
    struct LeaseClaim;
    // The steps of claimLeaseOn(), in its transaction: "" or why the claim failed (then rolled
    // back, and no partition is held: claimFailed()).
    /// Reads every partition's lease and the daemons whose share has not lapsed.
    QString readLeases(Link &link, LeaseClaim &claim);
    /// The owner's fair share: which partitions it keeps, gives up and takes.
    static void divideShare(LeaseClaim &claim);
    /// Locks the partitions passing on, and waits for the groups of their former holders.
    QString passOn(Link &link, const LeaseClaim &claim);
    /// Gives up, renews and takes the partitions of the owner's share.
    QString writeLeases(Link &link, const LeaseClaim &claim);
    QString claimFailed(Link &link, const QString &what, QSqlQuery &failing);
    /// Connects `link` (again) and prepares its statements; "" or why it cannot.
    QString connect(Link &link);
    /// The statements of a new connection, by kind; false when one cannot be prepared (`why`,
    /// or the statement's own error, says why).
    bool prepareEnqueues(Link &link, QString &why);
    bool prepareOutcomes(Link &link);
    bool prepareLeases(Link &link);
    static bool prepareOn(Link &link, std::unique_ptr<QSqlQuery> &q, const QString &sql);
    void disconnect(Link &link);
    /// Ends the transaction open on `link` after a failed statement; a connection that no
    /// longer answers is closed, to be opened again at the next call.
    void rollback(Link &link);
    /// Records an outcome of a row in a partition m_leaseOwner holds; one of another partition
    /// (or of a row gone) is added to `refused` and not written.
    bool writeOutcome(const DeliveryOutcome &o, Summary &summary, qint64 now, QString &error,
                      std::vector<qint64> &refused);
    /// The fenced statement that marks the outcome's row, its values bound.
    QSqlQuery &boundMark(const DeliveryOutcome &o, qint64 now);
    /// The ledger's row (or range of rows) of a success, its values bound.
    QSqlQuery &boundLedgerRow(const DeliveryOutcome &o, qint64 now);
    /// The attempt of an outcome other than a success, its values bound.
    QSqlQuery &boundAttempt(const DeliveryOutcome &o, qint64 now);
    /// Records the successes of single-event rows in `dones` (with the index of their request
    /// in the group) in one statement, and empties it; those of partitions m_leaseOwner does
    /// not hold (or of rows gone) are added to `refused` of their request.
    bool writeDone(std::vector<std::pair<const DeliveryOutcome *, std::size_t>> &dones,
                   Summary &summary, qint64 now, QString &error,
                   std::vector<std::vector<qint64>> &refused);
    /// Keeps in `refused` only the rows that still exist (their partition passed on): an
    /// outcome of a row discarded or pruned meanwhile has nothing left to record.
    bool keepExisting(std::vector<std::vector<qint64>> &refused, QString &error);
    QString fail(QSqlQuery &q, const QString &what);
    /// A connection's server fell silent: probe it, and have the other connections drop theirs.
    void markServerSilent(const QString &why);
    /// Whether the probe still waits for the server (`reason`: why the store is unavailable).
    bool serverAway(QString *reason);

    PostgresUrl m_url;
    /// Once a connection's connect failed or its server fell silent, finds out off the
    /// connections' threads when the server answers again; their connects fail at once
    /// meanwhile instead of each waiting connect_timeout (a claim, a stop).
    PostgresProbe m_probe;
    /// The probe runs because a connection's server fell silent (not because a connect was
    /// refused): connected links drop their connections too.
    std::atomic<bool> m_serverSilent{false};
    /// Orders markServerSilent() and serverAway() on the connections' threads: a connection
    /// that saw no probe running cannot clear a silence another has just found.
    std::mutex m_silenceMutex;
    QString m_leaseOwner; ///< who this writer last claimed the lease for ("" none)
    /// The owner whose fence lock the group in commitOn() holds: its outcomes are written for
    /// that owner's partitions (on commitOn()'s thread).
    QString m_fencedBy;
    QList<int> m_held; ///< partitions held after the last claim
    ClaimAfterOutage m_afterOutage; ///< who counts as alive in the claims after an outage
    /// The statement inserting the events of a group's writes; it answers the seq of each
    /// new one with its event id.
    static QString eventsStatement(const std::vector<const OutboxItem *> &items);
    /// The parameters of jf_enqueue (or jf_enqueue_once) inserting those events and their
    /// delivery rows (items without bulk rows or coalescing), in binary format; it answers as
    /// eventsStatement()'s does. jf_enqueue fails (unique_violation) when an event id was
    /// accepted before, instead of checking each.
    static std::vector<QByteArray> enqueueParams(const std::vector<const OutboxItem *> &items,
                                                 qint64 now);
    /// Opens the group's transaction on m_link in one round trip: the statements of `begin`,
    /// then the events of `items` (with their delivery rows when `plain`, through
    /// jf_enqueue or, without `idsNew`, jf_enqueue_once), filling `seqs` (event id → seq of
    /// the events inserted). False, with why in `error` and its SQLSTATE, when a statement
    /// failed: nothing is written then, and the transaction is left to roll back.
    bool beginGroup(const QStringList &begin, const std::vector<const OutboxItem *> &items,
                    bool plain, qint64 now, bool idsNew, QHash<QString, qint64> &seqs,
                    QString &error, QByteArray &sqlState);
    /// Groups still to check each event id against those accepted before (after one came
    /// again, the next ones may too); set on connections' threads.
    std::atomic<int> m_checkIds{0};

    std::vector<std::unique_ptr<Link>> m_links;
    Link *m_link = nullptr;    ///< the connection commitOn() uses (on its thread)
    Link *m_pending = nullptr; ///< the connection whose group waits for finish()
    mutable std::mutex m_mutex;
    std::condition_variable m_linkFree; ///< a COMMIT ended (or the store stops)
    bool m_stopping = false;
    /// The requests of the last COMMIT answered, and when (m_mutex): the next group waits a
    /// moment for as many (settleEnd()).
    std::size_t m_answered = 0;
    std::chrono::steady_clock::time_point m_answeredAt;
    /// While no COMMIT is in flight and fewer than m_answered requests wait: until when the
    /// next group waits for the rest (m_mutex held).
    std::optional<std::chrono::steady_clock::time_point> settleEnd(std::size_t queued) const;
    std::function<void()> m_readyHook;
};

} // namespace jobfirst
