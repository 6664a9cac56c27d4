// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/outboxwriter.h"

#include "core/bulkwork.h"
#include "core/threadstart.h"
#include "store/intentlog.h"
#include "store/outboxstore.h"
#include "store/store.h"
#include "store/walcheckpointer.h"
#include "store/walsyncer.h"
#include <QDateTime>
#include <QFileInfo>
#include <QRandomGenerator>

#include <algorithm>

namespace jobfirst {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

/// A UUID of version 7 (RFC 9562): milliseconds since the epoch, then random bits. Ids made
/// later sort later, so the unique index on event ids grows at its end instead of taking a
/// random page per event (which the WAL must write and sync).
QString timeOrderedEventId(qint64 ms)
{
    quint32 words[4];
    QRandomGenerator::global()->fillRange(words);
    auto *b = reinterpret_cast<quint8 *>(words);
    for (int i = 0; i < 6; ++i)
        b[i] = quint8(quint64(ms) >> (40 - 8 * i));
    b[6] = quint8(0x70 | (b[6] & 0x0f));
    b[8] = quint8(0x80 | (b[8] & 0x3f));
    // "evt_" and the UUID as QUuid::toString(QUuid::WithoutBraces) writes it, written in
    // place: through QUuid and a concatenation it took two allocations and a tenth of an enqueue.
    static constexpr char16_t hex[] = u"0123456789abcdef";
    QString id(40, Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(id.data());
    out = std::copy_n(u"evt_", 4, out);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *out++ = u'-';
        *out++ = hex[b[i] >> 4];
        *out++ = hex[b[i] & 0xf];
    }
    return id;
}

} // namespace

OutboxWriter::Accepted OutboxWriter::refused(Error error)
{
    std::promise<Result<QList<SyncEvent>>> answer;
    answer.set_value(std::move(error));
    return answer.get_future();
}

OutboxWriter::OutboxWriter(QString dbPath) : m_dbPath(std::move(dbPath)) {}

OutboxWriter::~OutboxWriter()
{
    stop();
}

Status OutboxWriter::start(qint64 backlogLimit)
{
    m_backlogLimit = backlogLimit;
    std::promise<Status> started;
    auto future = started.get_future();
    m_stopping = false;
    if (Status s = startThread(QStringLiteral("the outbox writer"), m_thread,
                               [this, p = std::move(started)]() mutable { run(std::move(p)); });
        !s)
        return s;
    Status s = future.get();
    if (!s) {
        m_thread.join();
        return s;
    }
    std::lock_guard lock(m_mutex);
    m_running = true;
    return {};
}

void OutboxWriter::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_thread.joinable())
            return;
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    std::lock_guard lock(m_mutex);
    m_running = false;
}

bool OutboxWriter::nothingQueued() const
{
    std::lock_guard lock(m_mutex);
    return m_queue.empty();
}

bool OutboxWriter::enqueue(std::unique_ptr<OutboxRequest> request)
{
    return enqueueOrKeep(request);
}

bool OutboxWriter::enqueueOrKeep(std::unique_ptr<OutboxRequest> &request)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_running || m_stopping)
            return false;
        m_queue.push_back(std::move(request));
        // The writer is busy (it looks at the queue before it waits again), or waits for a
        // sync to start, or for more of the callers it expects (groupReady()).
        wake = m_queue.size() >= m_wakeAtQueued;
    }
    if (wake)
        m_wake.notify_one();
    return true;
}

std::pair<OutboxWriter::Answer, OutboxWriter::Accepted> OutboxWriter::answerWithFuture()
{
    auto promise = std::make_shared<std::promise<Result<QList<SyncEvent>>>>();
    Accepted accepted = promise->get_future();
    return {[promise](Result<QList<SyncEvent>> stored) { promise->set_value(std::move(stored)); },
            std::move(accepted)};
}

OutboxWriter::Accepted OutboxWriter::submit(QList<OutboxItem> items)
{
    auto [answer, accepted] = answerWithFuture();
    submit(std::move(items), std::move(answer));
    return std::move(accepted);
}

void OutboxWriter::submit(QList<OutboxItem> items, Answer answer)
{
    qint64 deliveries = 0;
    const qint64 now = nowMs();
    for (OutboxItem &item : items) {
        if (Status s = item.event.validate(); !s)
            return answer(s.error());
        deliveries += item.targets.size();
        // Ids, times and JSON are made here, on the callers' threads, so the one writer
        // thread only writes.
        SyncEvent &e = item.event;
        if (e.eventId.isEmpty())
            e.eventId = timeOrderedEventId(now);
        if (e.createdAt == 0)
            e.createdAt = now;
        item.payload = e.toPayload();
        if (item.payload.size() > m_maxEventBytes.load())
            return answer(makeError(
                QStringLiteral("event.too_large"),
                QStringLiteral(
                    "event %1 of user %2 (number %3 of %4) is %5 bytes; sync_max_event_bytes "
                    "is %6; nothing was accepted")
                    .arg(e.eventId.left(60), e.userId.left(60))
                    .arg(&item - items.data() + 1)
                    .arg(items.size())
                    .arg(item.payload.size())
                    .arg(m_maxEventBytes.load())));
    }
    if (counters.total() + deliveries > m_backlogLimit.load())
        return answer(
            makeError(QStringLiteral("sync.queue_full"),
                      Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                 "queue full: %1 deliveries wait and the backlog "
                                                 "limit is %2; nothing was accepted, try again "
                                                 "later"),
                               {Sentence::value(counters.total()),
                                Sentence::value(m_backlogLimit.load())})));
    QString failure;
    {
        std::lock_guard lock(m_mutex);
        failure = m_failure;
    }
    if (!failure.isEmpty()) // answered outside the lock: the answer may submit again
        return answer(makeError(QStringLiteral("sync.store_failed"), failure));
    auto request = std::make_unique<OutboxRequest>(std::in_place_type<EventWrite>);
    auto &w = std::get<EventWrite>(*request);
    w.items = std::move(items);
    w.answer = std::move(answer); // not copied: copying a large callable allocates
    if (!lead(request) && !enqueueOrKeep(request))
        w.answer(makeError(QStringLiteral("sync.stopped"),
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the sync outbox is not running"))));
}

void OutboxWriter::submitOutcomes(std::shared_ptr<const std::vector<DeliveryOutcome>> outcomes,
                                  std::function<void(OutcomesCommitted)> committed)
{
    auto request = std::make_unique<OutboxRequest>(OutcomeWrite{std::move(outcomes), committed});
    if (!enqueue(std::move(request)) && committed)
        committed({});
}

QString OutboxWriter::claimLease(const QString &owner, qint64 ttlMs)
{
    auto request = std::make_unique<OutboxRequest>(std::in_place_type<LeaseClaim>);
    auto &claim = std::get<LeaseClaim>(*request);
    claim.owner = owner;
    claim.ttlMs = ttlMs;
    auto future = claim.done.get_future();
    if (!enqueue(std::move(request)))
        return QStringLiteral("(the sync outbox is not running)");
    return future.get();
}

void OutboxWriter::requestDurable()
{
    if (m_barrierQueued.exchange(true))
        return; // one is on its way
    auto request = std::make_unique<OutboxRequest>(DurabilityBarrier{});
    if (!enqueue(std::move(request)))
        m_barrierQueued = false;
}

/// The writer thread's parts: the store it commits to and, for SQLite, the thread that syncs
/// the WAL and the one that checkpoints it.
struct OutboxWriter::Parts
{
    std::unique_ptr<OutboxStore> committer;
    std::unique_ptr<IntentLog> log; ///< none: another process holds it, or it is switched off
    std::unique_ptr<WalCheckpointer> checkpointer;
    std::unique_ptr<WalSyncer> syncer;
    qint64 countedAt = 0;   ///< when the pending counts were last read from the store
    qint64 countTookMs = 0; ///< how long that read took
    /// Something other than this writer changed the outbox since the counts were read.
    bool changedElsewhere = false;
    /// Highest delivery id the groups committed so far make durable once they are answered.
    /// A logged group makes durable only its own rows: when another process committed rows
    /// just before it, the bound stays below them until a WAL sync covers them.
    qint64 safeBound = 0;
    int loneGroups = 0;         ///< groups of one request in a row, up to the last one taken
    qint64 epochStartedAt = 0;  ///< when the intent log last started over
};

/// Requests taken from the queue together, and what committing them gave: its callers are
/// answered once it is durable (answer()).
struct OutboxWriter::Group
{
    std::vector<std::unique_ptr<OutboxRequest>> requests;
    std::vector<QString> leaseAnswers; ///< per LeaseClaim, in order
    std::vector<QList<SyncEvent>> stored;
    /// Per EventWrite/OutcomeWrite: the rows the store refused (their partition passed on).
    std::vector<std::vector<qint64>> refused;
    qint64 bound = 0;          ///< highest delivery id it committed (or a barrier covers)
    bool open = false;         ///< committed, its end is the store's finish() (PostgreSQL)
    /// An open group's change of the waiting deliveries: counted once its COMMIT succeeded, so
    /// the backlog never counts rows no reader can see yet, nor those of a failed COMMIT.
    QHash<QString, qint64> pendingDelta;
    bool unwritten = false;    ///< a failed end wrote nothing (PostgreSQL), else not synced
    /// Logged: its record's sync and its commit, whichever ends last answers.
    std::atomic<int> pending{0};
    bool synced = true; ///< the record was written and synced
    QString syncError;
    /// Led (its caller syncs the record): the record's epoch, and why the WAL could not be
    /// synced instead when that epoch had ended before the group was committed.
    quint64 ledEpoch = 0;
    bool led = false;
    QString walError;
};

Status OutboxWriter::openParts(Parts &parts)
{
    auto opened = OutboxStore::open(m_dbPath);
    if (!opened)
        return opened.error();
    parts.committer = std::move(opened).value();
    OutboxStore &committer = *parts.committer;
    // SQLite: a commit is durable once the WAL is synced, on the syncer's thread, while the
    // next group commits; the checkpointer copies the WAL back. PostgreSQL: COMMIT returns
    // once the server has flushed its WAL, so groups are answered at once.
    if (!committer.walPath().isEmpty()) {
        parts.checkpointer = std::make_unique<WalCheckpointer>(m_dbPath);
        committer.setWalHook([cp = parts.checkpointer.get()](int frames) { cp->walGrew(frames); });
        parts.syncer = std::make_unique<WalSyncer>(committer.walPath());
        parts.syncer->onSyncStarted = [this] { wakeWriter(); };
        if (Status s = openLog(parts); !s)
            return s;
    }
    // PostgreSQL: the next group is built while earlier COMMITs are in flight, as long as the
    // store has a connection free; it says when one is.
    committer.setReadyHook([this] { wakeWriter(); });
    recount(parts);
    m_durableDeliveryId = committer.lastDeliveryId(); // committed before this process started
    parts.safeBound = m_durableDeliveryId;
    return {};
}

Status OutboxWriter::openLog(Parts &parts)
{
    if (m_intentLogBytes <= 0)
        return {};
    OutboxStore &committer = *parts.committer;
    const QString path = committer.location() + QStringLiteral("-intent");
    auto id = committer.intentLogId();
    if (!id) {
        // A store that cannot take its id (full, say) still accepts, by syncing the WAL; but
        // a log it may need to replay must not be passed over.
        if (QFileInfo::exists(path))
            return id.error();
        qWarning("sync: no intent log: %s; events are made durable by syncing the store's WAL",
                 qPrintable(id.error().message));
        return {};
    }
    if (id->isEmpty())
        return {};
    auto opened = IntentLog::open(path, id.value(), m_intentLogBytes);
    if (!opened) {
        const QString &code = opened.error().code;
        if (code == QLatin1String("intentlog.busy"))
            return {}; // another process writing to the store logs; this one syncs the WAL
        if (code == QLatin1String("intentlog.create")) { // a new one: nothing in it to lose
            qWarning("sync: %s; events are made durable by syncing the store's WAL instead",
                     qPrintable(opened.error().message));
            return {};
        }
        return opened.error(); // unreadable, malformed, or another store's: nothing changed
    }
    std::unique_ptr<IntentLog> log = std::move(opened).value();
    // Events whose group was durable by its record alone when the process (or machine)
    // stopped; those already in the store are ignored by event id, as a resent one is.
    if (!log->replay().isEmpty()) {
        OutboxRequest request(std::in_place_type<EventWrite>);
        std::get<EventWrite>(request).items = log->replay();
        const std::vector<OutboxRequest *> writes{&request};
        auto replayed = committer.commit(writes, nowMs());
        if (!replayed)
            return makeError(QStringLiteral("intentlog.replay"),
                             QStringLiteral("cannot replay the %1 events of intent log %2: %3")
                                 .arg(log->replay().size())
                                 .arg(path, replayed.error().message));
    }
    QString error;
    if (!parts.syncer->syncNow(error))
        return makeError(QStringLiteral("sync.store_failed"), error);
    if (Status s = log->restart(); !s)
        return s;
    parts.syncer->setIntentLog(log.get());
    parts.log = std::move(log);
    parts.epochStartedAt = nowMs();
    return {};
}

bool OutboxWriter::rollOver(Parts &parts)
{
    QString error;
    if (!parts.syncer->syncNow(error))
        return false; // the next group's sync fails too, and says why
    parts.epochStartedAt = nowMs();
    if (Status s = parts.log->restart(); !s) {
        // Its header may still name the epoch just ended, whose records are all in the store
        // now: replaying them is harmless. Groups go the WAL's way from here on.
        qWarning("sync: %s; events are made durable by syncing the store's WAL instead",
                 qPrintable(s.error().message));
        parts.syncer->setIntentLog(nullptr);
        parts.log.reset();
        return false;
    }
    return true;
}

bool OutboxWriter::eventWrites(const Group &group, std::vector<OutboxRequest *> &writes)
{
    writes.reserve(group.requests.size());
    for (const auto &r : group.requests) {
        if (!std::holds_alternative<EventWrite>(*r))
            return false;
        writes.push_back(r.get());
    }
    return true;
}

bool OutboxWriter::writeLogged(Parts &parts, const std::shared_ptr<Group> &group)
{
    // Every group of events whose record fits: its record (a few hundred bytes an event) is
    // synced while the group commits, so a group waits for the longer of the two, not their
    // sum, and the sync writes one or two pages instead of the commit's dozen or so. With 50
    // callers this gave 1.34-1.55x Redis against 1.23-1.29x when only groups of up to four
    // callers were logged (session 27, docs/benchmarks.md). Groups of delivery outcomes, and
    // bulk groups whose records would outweigh their pages, sync the WAL.
    if (!parts.log)
        return false;
    std::vector<OutboxRequest *> writes;
    if (!eventWrites(*group, writes))
        return false;
    if (IntentLog::recordBytes(writes) > MaxLoggedBytes)
        return false;
    if (nowMs() - parts.epochStartedAt >= m_maxEpochMs && !rollOver(parts))
        return false;
    IntentLog::Record record = IntentLog::encode(writes);
    if (!parts.log->place(record) && !(rollOver(parts) && parts.log->place(record)))
        return false;
    group->pending = 2;
    ++loggedCommits;
    parts.syncer->submitLogged(
        std::move(record),
        [this, group](bool ok, const QString &error) {
            group->synced = ok;
            group->syncError = error;
            settle(*group);
        },
        int(group->requests.size()));
    commit(parts, *group, writes, nowMs(), true);
    settle(*group);
    return true;
}

void OutboxWriter::settle(Group &group)
{
    if (group.pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
        answer(group, group.synced && group.walError.isEmpty(),
               group.synced ? group.walError : group.syncError);
}

bool OutboxWriter::lead(std::unique_ptr<OutboxRequest> &request)
{
    // The hint spares the record's encoding while groups are large or the writer is busy.
    if (!m_leader.load(std::memory_order_relaxed))
        return false;
    OutboxRequest *const writes[] = {request.get()};
    if (IntentLog::recordBytes(writes) > MaxLoggedBytes)
        return false;
    IntentLog::Record record = IntentLog::encode(writes);
    auto group = std::make_shared<Group>();
    WalSyncer *syncer = nullptr;
    {
        std::lock_guard lock(m_mutex);
        // An empty queue and a waiting writer: no group committed before this one can still
        // be waiting for its answer, so answers (and durableDeliveryId) keep their order.
        syncer = m_leader.load(std::memory_order_relaxed);
        if (!syncer || !m_queue.empty() || !m_running || m_stopping || !syncer->placeHere(record))
            return false;
        group->pending = 2; // the record's sync here, the commit on the writer thread
        group->led = true;
        group->ledEpoch = record.epoch;
        m_led = group;
        m_queue.push_back(std::move(request));
    }
    m_wake.notify_one();
    QString error;
    group->synced = syncer->writeHere(record, error);
    group->syncError = error;
    settle(*group);
    return true;
}

void OutboxWriter::writeLed(Parts &parts, const std::shared_ptr<Group> &group)
{
    ++loggedCommits;
    const std::vector<OutboxRequest *> writes{group->requests.front().get()};
    // The log starts over only on this thread, and never while a caller may place a record
    // (takeGroup()), so the record's epoch is still the log's; should it not be, the record
    // would not be replayed, and the WAL makes the group durable instead.
    const bool current = parts.log && parts.log->epoch() == group->ledEpoch;
    commit(parts, *group, writes, nowMs(), current);
    if (!current) {
        QString error;
        if (!parts.syncer->syncNow(error))
            group->walError = error;
    }
    settle(*group);
}

void OutboxWriter::wakeWriter()
{
    { // under the lock, so the writer cannot miss it between its check and its wait
        std::lock_guard lock(m_mutex);
    }
    m_wake.notify_one();
}

void OutboxWriter::applyPending(const QHash<QString, qint64> &delta)
{
    bool fell = false; // only a delivered or dead row can take a count below zero
    for (auto it = delta.cbegin(); it != delta.cend(); ++it) {
        counters.add(it.key(), it.value());
        fell = fell || it.value() < 0;
    }
    if (!fell || !counters.anyNegative())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_recountWanted = true;
    }
    m_wake.notify_one();
}

void OutboxWriter::recount(Parts &parts)
{
    // The counts are kept in memory; they are read from the store at start, and again when
    // another process sharing the store has changed them (a count went negative, or other
    // processes deliver: this one stands by, or holds only some partitions). A store that
    // cannot be read keeps the last counts (all 0 would say nothing waits) until it can.
    const qint64 startedAt = nowMs();
    const std::optional<QHash<QString, qint64>> stored = parts.committer->countPending();
    if (!stored)
        return;
    counters.reset();
    for (auto it = stored->cbegin(); it != stored->cend(); ++it)
        counters.add(it.key(), it.value());
    parts.countedAt = nowMs();
    parts.countTookMs = parts.countedAt - startedAt;
    parts.changedElsewhere = false;
}

qint64 OutboxWriter::recountEveryMs(const Parts &parts)
{
    // At each claim (one a second on PostgreSQL) while the count is quick; a large backlog,
    // whose count takes longer, less often (at most every 5 s), so counting takes at most
    // about a fiftieth of the writer's time.
    return std::clamp<qint64>(50 * parts.countTookMs, 1000, 5000);
}

bool OutboxWriter::recountDue(const Parts &parts)
{
    // The 200 ms let a claim that comes a little early count too.
    return nowMs() - parts.countedAt + 200 >= recountEveryMs(parts);
}

std::optional<OutboxWriter::Clock::time_point> OutboxWriter::ownRecountAt(const Parts &parts) const
{
    if (!m_followsOthers)
        return std::nullopt;
    const qint64 left = parts.countedAt + recountEveryMs(parts) - nowMs();
    return Clock::now() + std::chrono::milliseconds(std::max<qint64>(0, left));
}

std::optional<OutboxWriter::Clock::time_point>
OutboxWriter::settleEnd(const WalSyncer::Progress &sync, std::size_t queued, Clock::time_point now)
{
    // A sync answers its callers as it ends, just as the next one starts and the writer takes
    // its next group; they come back one by one, and a group taken at the first of them left
    // the rest a whole sync behind (50 callers: 20 events a commit, not the 25 two groups
    // in turn allow). So the group waits until as many are back as the last sync answered,
    // for half as long as that sync took at most: the group's commit then still ends before
    // the running sync does, so the next sync starts no later.
    if (!sync.syncing || queued >= std::size_t(sync.lastCallers))
        return std::nullopt;
    const auto wait = std::min<Clock::duration>(sync.lastDuration / 2, MaxSettle);
    const Clock::time_point end = sync.startedAt + wait;
    if (now >= end)
        return std::nullopt;
    return end;
}

bool OutboxWriter::groupReady(Parts &parts, std::optional<Clock::time_point> &retryAt)
{
    retryAt.reset();
    m_wakeAtQueued = 1;
    if (m_stopping || m_recountWanted)
        return true;
    if (m_queue.empty())
        return false;
    if (parts.syncer) {
        const WalSyncer::Progress sync = parts.syncer->progress();
        // One commit per sync: while a committed group still waits for its sync to start,
        // what arrives joins the next group instead of committing on its own (each commit
        // writes the same few pages again). The syncer wakes this loop when it starts a sync.
        if (sync.waiting) {
            m_wakeAtQueued = NoWake;
            return false;
        }
        if ((retryAt = settleEnd(sync, m_queue.size(), Clock::now()))) {
            m_wakeAtQueued = std::size_t(sync.lastCallers);
            return false;
        }
    }
    retryAt = parts.committer->readyAt(m_queue.size());
    return parts.committer->ready(m_queue.size());
}

std::shared_ptr<OutboxWriter::Group> OutboxWriter::takeGroup(Parts &parts)
{
    auto group = std::make_shared<Group>();
    std::unique_lock lock(m_mutex);
    // While this thread waits, a lone caller may write its own group's record (lead()): only
    // after a run of groups of one request, and not past the epoch's end. With many callers,
    // one thread often submits for several (an event loop, the benchmark): one that leads
    // holds the others back for a sync, their next one leads again, and groups of one follow
    // one another instead of one group of all. Such a run rarely starts by itself.
    const bool mayLead = parts.log && parts.loneGroups >= LoneGroupsBeforeLeading &&
                         nowMs() - parts.epochStartedAt < m_maxEpochMs;
    m_leader = mayLead ? parts.syncer.get() : nullptr;
    // Records in the intent log and nothing more to write for a while: an empty group, on
    // which the log starts over.
    const bool mayRollOver = parts.log && !parts.log->empty();
    const auto idleEnd = Clock::now() + std::chrono::milliseconds(IdleRollOverMs);
    // Not delivering, it reads the counts again by itself, waiting or busy.
    const std::optional<Clock::time_point> recountAt = ownRecountAt(parts);
    const auto until = [&recountAt](Clock::time_point t) {
        return recountAt ? std::min(t, *recountAt) : t;
    };
    std::optional<Clock::time_point> retryAt;
    while (!groupReady(parts, retryAt)) {
        if (recountAt && Clock::now() >= *recountAt) {
            m_recountWanted = true; // groupReady() takes it at once
        } else if (mayRollOver && m_queue.empty()) {
            if (Clock::now() >= idleEnd) {
                m_wakeAtQueued = NoWake;
                m_leader = nullptr; // the log starts over
                return group;
            }
            m_wake.wait_until(lock, until(idleEnd));
        } else if (retryAt || recountAt) {
            m_wake.wait_until(lock, until(retryAt.value_or(Clock::time_point::max())));
        } else {
            m_wake.wait(lock);
        }
    }
    if (recountAt && Clock::now() >= *recountAt)
        m_recountWanted = true;
    m_wakeAtQueued = NoWake; // busy: it looks at the queue again before it waits
    m_leader = nullptr;
    if (std::exchange(m_recountWanted, false)) {
        lock.unlock();
        recount(parts);
        lock.lock();
        std::optional<Clock::time_point> retryAt;
        const bool writable = m_led || groupReady(parts, retryAt);
        m_wakeAtQueued = NoWake;
        if (!writable)
            return group; // nothing to write yet: the caller comes back
    }
    if (m_led) { // a group of its own: its record covers it alone
        group = std::exchange(m_led, nullptr);
        group->requests.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
        parts.loneGroups = LoneGroupsBeforeLeading; // as many as it counts
        return group;
    }
    if (m_queue.empty() && m_stopping)
        return nullptr;
    group->requests.reserve(m_queue.size());
    for (auto &r : m_queue)
        group->requests.push_back(std::move(r));
    m_queue.clear();
    parts.loneGroups =
        group->requests.size() == 1 ? std::min(parts.loneGroups + 1, LoneGroupsBeforeLeading) : 0;
    return group;
}

bool OutboxWriter::writeWhole(Parts &parts, const std::shared_ptr<Group> &group)
{
    std::vector<OutboxRequest *> writes;
    if (parts.syncer || !eventWrites(*group, writes))
        return false; // SQLite: committed here, made durable by the WAL's sync
    // Answered on the store's thread once the COMMIT has ended.
    const auto ended = [this, group](Result<OutboxStore::Summary> committed) {
        if (!committed) {
            for (auto &r : group->requests)
                std::get<EventWrite>(*r).answer(committed.error());
            return;
        }
        ++commits;
        if (committed->retried) { // what its first try added is not known
            {
                std::lock_guard lock(m_mutex);
                m_recountWanted = true;
            }
            m_wake.notify_one();
        }
        group->stored = std::move(committed->stored);
        group->pendingDelta = std::move(committed->pendingDelta);
        group->bound = committed->lastDeliveryId;
        answer(*group, true, {});
    };
    return parts.committer->commitWhole(writes, nowMs(), ended);
}

void OutboxWriter::writeGroup(Parts &parts, Group &group)
{
    const qint64 now = nowMs();
    std::vector<OutboxRequest *> writes;
    bool barrier = false;
    for (auto &r : group.requests) {
        if (auto *claim = std::get_if<LeaseClaim>(r.get())) {
            // Lease claims run in transactions of their own, before the group commit.
            group.leaseAnswers.push_back(
                parts.committer->claimLease(claim->owner, claim->ttlMs, now));
            {
                std::lock_guard lock(m_mutex);
                m_partitions = parts.committer->heldPartitions();
            }
            // Others' deliveries (and, where this one delivers only some partitions, the
            // deliveries of its own events that others make) change the counts unseen: a
            // daemon taking the events of all users counted up for good, past the backlog
            // alert, while nothing waited. So do events another process on the store accepted
            // (jobfirstctl --db … sync send) while this one delivers everything: its backlog
            // read 0 for as long as they were retried (session 24).
            parts.changedElsewhere |= parts.committer->changedElsewhere();
            if ((!group.leaseAnswers.back().isEmpty() || parts.committer->sharesDelivery() ||
                 parts.changedElsewhere) &&
                recountDue(parts))
                recount(parts);
        } else if (std::holds_alternative<DurabilityBarrier>(*r)) {
            barrier = true;
        } else {
            writes.push_back(r.get());
        }
    }
    if (!writes.empty())
        commit(parts, group, writes, now);
    if (barrier) {
        m_barrierQueued = false;
        group.bound = std::max(group.bound, parts.committer->lastDeliveryId());
        parts.safeBound = std::max(parts.safeBound, group.bound);
    }
    group.unwritten = !parts.syncer;
}

void OutboxWriter::commit(Parts &parts, Group &group, const std::vector<OutboxRequest *> &writes,
                          qint64 now, bool logged)
{
    OutboxStore &committer = *parts.committer;
    auto committed = committer.commit(writes, now);
    if (!committed) {
        // Nothing of the group was written. A logged group's record must not be replayed
        // once its callers have heard so: the log starts over first (after its write).
        if (logged)
            rollOver(parts);
        // Say so now; the rest still waits for sync.
        for (OutboxRequest *r : writes) {
            if (auto *w = std::get_if<EventWrite>(r))
                w->answer(committed.error());
            else if (auto *o = std::get_if<OutcomeWrite>(r); o && o->committed)
                o->committed({});
        }
        std::erase_if(group.requests, [](const std::unique_ptr<OutboxRequest> &r) {
            return std::holds_alternative<EventWrite>(*r) ||
                   std::holds_alternative<OutcomeWrite>(*r);
        });
        return;
    }
    OutboxStore::Summary summary = std::move(committed).value();
    group.open = true;
    // SQLite: committed now (and made durable before anyone is answered); PostgreSQL: its
    // COMMIT is still to be sent (finish()), and counted in answer() once it succeeded.
    if (parts.syncer) {
        applyPending(summary.pendingDelta);
    } else {
        for (auto it = summary.pendingDelta.cbegin(); it != summary.pendingDelta.cend(); ++it)
            group.pendingDelta[it.key()] += it.value();
    }
    ++commits;
    if (!logged || summary.lastDeliveryIdBefore == parts.safeBound)
        parts.safeBound = summary.lastDeliveryId;
    group.bound = parts.safeBound;
    // The checkpointer copies the WAL in the background but cannot catch up with a writer
    // that never pauses; once the WAL is this long, the writer copies the rest itself (little
    // is left), so the WAL starts over.
    if (committer.walFrames() >= WalFramesCopiedHere)
        committer.checkpoint();
    group.stored = std::move(summary.stored);
    group.refused = std::move(summary.refused);
}

void OutboxWriter::answer(Group &group, bool ok, const QString &error)
{
    ++syncs;
    // PostgreSQL: a failed COMMIT wrote nothing of the group, and the store connects again
    // for the next one; SQLite: written but not on disk, so nothing more is taken.
    if (!ok && !group.unwritten) {
        std::lock_guard lock(m_mutex);
        m_failure = QStringLiteral("store %1 could not be synced to disk (%2); restart to "
                                   "accept events again")
                        .arg(m_dbPath, error);
    }
    if (ok && !group.pendingDelta.isEmpty())
        applyPending(group.pendingDelta);
    // COMMITs of PostgreSQL groups may end in any order.
    for (qint64 seen = m_durableDeliveryId.load();
         ok && group.bound > seen &&
         !m_durableDeliveryId.compare_exchange_weak(seen, group.bound);) {
    }
    std::size_t lease = 0, item = 0;
    for (auto &r : group.requests) {
        if (auto *w = std::get_if<EventWrite>(r.get())) {
            if (ok)
                w->answer(std::move(group.stored[item]));
            else if (group.unwritten)
                w->answer(makeError(QStringLiteral("store.unavailable"), error));
            else
                w->answer(makeError(QStringLiteral("sync.store_failed"),
                                    QStringLiteral("store %1: events were written but could not "
                                                   "be synced to disk: %2")
                                        .arg(m_dbPath, error)));
        } else if (auto *o = std::get_if<OutcomeWrite>(r.get())) {
            // Outcomes the store refused (their partition passed on) are another process's.
            if (o->committed) {
                OutcomesCommitted result{ok, {}};
                if (ok && item < group.refused.size())
                    result.refused = std::move(group.refused[item]);
                o->committed(std::move(result));
            }
        } else if (auto *claim = std::get_if<LeaseClaim>(r.get())) {
            claim->done.set_value(ok || group.unwritten
                                      ? group.leaseAnswers[lease]
                                      : QStringLiteral("(store not synced: %1)").arg(error));
            ++lease;
        }
        if (!std::holds_alternative<LeaseClaim>(*r) &&
            !std::holds_alternative<DurabilityBarrier>(*r))
            ++item;
    }
    if (ok && onCommitted)
        onCommitted();
}

void OutboxWriter::handOver(Parts &parts, std::shared_ptr<Group> group)
{
    WalSyncer::Done done = [this, group](bool ok, const QString &error) {
        answer(*group, ok, error);
    };
    if (parts.syncer) {
        // Nothing else waiting: this thread syncs and answers itself (no hand-off);
        // otherwise the sync thread does while the next group commits.
        const int requests = int(group->requests.size());
        if (!(nothingQueued() && parts.syncer->syncHere(done)))
            parts.syncer->submit(std::move(done), requests);
    } else if (group->open) {
        parts.committer->finish(std::move(done)); // after COMMIT, on the store's thread
    } else {
        done(true, {});
    }
}

void OutboxWriter::run(std::promise<Status> started)
{
    beginBulkWorkThread("jf-outbox");
    Parts parts;
    if (Status s = startingThreads(QStringLiteral("the outbox store's threads"),
                                   [&] { return openParts(parts); });
        !s) {
        started.set_value(s);
        return;
    }
    started.set_value(Status());
    while (std::shared_ptr<Group> group = takeGroup(parts)) {
        if (group->requests.empty()) { // idle, or only a recount
            if (parts.log && !parts.log->empty())
                rollOver(parts);
            continue;
        }
        if (group->led) {
            writeLed(parts, group);
            continue;
        }
        if (writeLogged(parts, group) || writeWhole(parts, group))
            continue;
        writeGroup(parts, *group);
        if (!group->requests.empty())
            handOver(parts, std::move(group));
    }
    if (parts.log && !parts.log->empty())
        rollOver(parts);  // a restart has nothing to replay
    parts.syncer.reset(); // answers what is still waiting
    parts.checkpointer.reset();
}

} // namespace jobfirst
