// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliveryengine.h"

#include "core/bulkwork.h"
#include "core/stallwatch.h"
#include "core/threadstart.h"
#include "store/deliverylease.h"
#include "store/outboxreader.h"
#include "sync/deliverydispatcher.h"
#include "sync/deliverylatency.h"
#include "sync/deliveryscheduler.h"
#include "sync/deliverysettler.h"
#include "sync/outboxwriter.h"
#include "sync/outcomerecorder.h"
#include "sync/targetruntime.h"
#include "sync/webhooksignature.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <chrono>

namespace jobfirst {

namespace {

constexpr std::size_t LatencyWindow = 8192;
constexpr qint64 StandbyPollMs = 1000; // a standby engine asks for the lease this often
constexpr qint64 ScanEveryMs = 250;    // look at every queue at least this often
// A claim counts from when it was sent, less this margin: a lease may pass on up to this much
// earlier than this process reckons (clocks of daemons apart, a request on its way to a target
// after the dispatch that let it go); a third of a lease shorter than 6 s, so a 3 s lease
// renewed each second (SQLite) or claimed each second (PostgreSQL) is never counted as run out.
constexpr qint64 LeaseMarginMs = 2000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Lease time: a step of the wall clock must not stretch or cut it.
qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

DeliveryEngine::DeliveryEngine(QString dbPath, OutboxWriter *writer, int dispatchers)
    : m_dbPath(std::move(dbPath)),
      m_owner(QStringLiteral("%1:%2:%3")
                  .arg(QSysInfo::machineHostName())
                  .arg(QCoreApplication::applicationPid())
                  .arg(QString::number(QRandomGenerator::global()->generate(), 16))),
      m_writer(writer),
      m_dispatcherCount(dispatchers > 0 ? dispatchers
                                        : std::clamp(QThread::idealThreadCount(), 1, 4))
{
    m_latencies.reserve(LatencyWindow);
}

DeliveryEngine::~DeliveryEngine()
{
    stop();
}

Status DeliveryEngine::start()
{
    if (m_thread.joinable())
        return {};
    m_stop = false;
    m_stallWatch = StallWatch::shared();
    std::promise<Status> started;
    auto future = started.get_future();
    if (Status s = startThread(QStringLiteral("the delivery engine"), m_thread,
                               [this, p = std::move(started)]() mutable { run(std::move(p)); });
        !s)
        return s;
    Status s = future.get();
    if (!s)
        m_thread.join();
    return s;
}

void DeliveryEngine::stop()
{
    if (!m_thread.joinable())
        return;
    m_stop = true;
    wake();
    m_thread.join();
}

void DeliveryEngine::setTargets(const QList<DeliveryTarget> &targets)
{
    {
        std::lock_guard lock(m_mutex);
        m_newTargets = targets;
        m_targetsChanged = true;
    }
    wake();
}

void DeliveryEngine::wake()
{
    {
        std::lock_guard lock(m_wakeMutex);
        m_woken = true;
    }
    m_wakeUp.notify_one();
}

QHash<QString, TargetStatus> DeliveryEngine::targetStatuses() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

void DeliveryEngine::latency(double *p50, double *p95, double *p99, double *perSecond) const
{
    std::vector<float> copy;
    qint64 lastSecond = 0;
    {
        std::lock_guard lock(m_mutex);
        copy = m_latencies;
        const qint64 second = nowMs() / 1000 - 1;
        for (const auto &c : m_completions)
            if (c.first == second)
                lastSecond = c.second;
    }
    const DeliveryLatency l = DeliveryLatency::of(copy);
    *p50 = l.p50;
    *p95 = l.p95;
    *p99 = l.p99;
    *perSecond = double(lastSecond);
}

bool DeliveryEngine::leaseCurrent() const
{
    return steadyMs() < m_activeUntil.load();
}

/// One run of the delivery thread: its parts and what its turns share. Each turn renews the
/// lease, takes new settings and confirmed outcomes, sends what is due, waits for work and
/// settles what came back.
struct DeliveryEngine::Loop
{
    Loop(DeliveryEngine &e, std::unique_ptr<OutboxReader> r);

    void turn();
    void finish();

private:
    void publish(const TargetRuntime &rt, const std::function<void(TargetStatus &)> &change);
    void circuitChanged(const TargetRuntime &rt);
    void rescanAll();
    void renewLease();
    bool applyTargets();
    bool releaseConfirmed(qint64 now);
    void schedulePass(qint64 now);
    /// Schedules and dispatches what `rt` can send now.
    void scheduleTarget(TargetRuntime &rt, qint64 now, const DeliveryScheduler::Limits &limits);
    void dispatch(TargetRuntime &rt);
    void waitForWork();
    void settleFinished();
    void keepLatencies();

    DeliveryEngine &engine;
    std::unique_ptr<OutboxReader> reader;
    std::vector<std::unique_ptr<DeliveryDispatcher>> dispatchers;
    std::unique_ptr<OutcomeRecorder> recorder;
    DeliveryScheduler scheduler;
    DeliverySettler settler;
    QHash<QString, TargetRuntime> targets;
    qint64 held = 0; ///< events in flight or awaiting commit (sync_queue_size)
    /// One process delivers from a store at a time: the others stand by until its lease is
    /// released (clean stop), its process is gone (same host) or it lapses.
    bool active = false;
    QList<int> heldParts;
    bool dirty = true; ///< something changed: schedule before the next ScanEveryMs
    qint64 nextLeaseAt = 0;
    qint64 nextScanAt = 0;
    quint64 passes = 0; ///< which target goes first in a pass
    std::vector<DeliveryFlight> flights;
    std::vector<std::vector<DeliveryDispatcher::Job>> jobs; ///< per dispatcher, this pass
    std::vector<int> load;                                  ///< per dispatcher, this pass
    DeliveryDispatcher::Finished finished;
    std::vector<DeliveryOutcome> outcomes;
    std::vector<float> latencies;
};

DeliveryEngine::Loop::Loop(DeliveryEngine &e, std::unique_ptr<OutboxReader> r)
    : engine(e), reader(std::move(r)),
      recorder(std::make_unique<OutcomeRecorder>(e.m_writer, [&e] { e.wake(); })),
      scheduler(*reader)
{
    for (int i = 0; i < engine.m_dispatcherCount; ++i)
        dispatchers.push_back(std::make_unique<DeliveryDispatcher>([&e] { e.wake(); }));
    jobs.resize(dispatchers.size());
    load.resize(dispatchers.size(), 0);
}

void DeliveryEngine::Loop::publish(const TargetRuntime &rt,
                                   const std::function<void(TargetStatus &)> &change)
{
    std::lock_guard lock(engine.m_mutex);
    TargetStatus &s = engine.m_status[rt.config.name];
    s.name = rt.config.name;
    s.url = QString::fromUtf8(rt.config.url);
    s.paused = rt.config.paused;
    s.held = rt.config.held;
    s.enabled = rt.config.enabled && !rt.gone;
    s.circuit = rt.circuit;
    s.nextProbeAt = rt.circuit == CircuitState::Open ? rt.openUntil : 0;
    s.inFlight = rt.inFlight;
    s.triedSinceStart = rt.tried;
    if (change)
        change(s);
}

void DeliveryEngine::Loop::circuitChanged(const TargetRuntime &rt)
{
    publish(rt, {});
    if (engine.onCircuitChanged)
        engine.onCircuitChanged(rt.config.name, rt.circuit);
}

void DeliveryEngine::Loop::rescanAll()
{
    for (TargetRuntime &rt : targets)
        rt.rescan = true;
    dirty = true;
}

void DeliveryEngine::Loop::renewLease()
{
    if (nowMs() < nextLeaseAt)
        return;
    const bool was = engine.leaseCurrent();
    // A claim renews the lease to its time (--lease) after it ran, no earlier than when it was
    // sent: this process delivers until then, less a margin, however late the answer comes (a
    // slow server or network). A late answer stops delivery until one comes in time.
    const qint64 sentAt = steadyMs();
    const qint64 ttlMs = DeliveryLease::ttlMs();
    const QString holder = engine.m_writer->claimLease(engine.m_owner, ttlMs);
    active = holder.isEmpty();
    engine.m_activeUntil = active ? sentAt + ttlMs - std::min(LeaseMarginMs, ttlMs / 3) : 0;
    // PostgreSQL: this process delivers the partitions it holds; when they change, every
    // queue is read again from its start.
    if (const QList<int> parts = engine.m_writer->heldPartitions(); parts != heldParts) {
        heldParts = parts;
        reader->setPartitions(parts);
        rescanAll();
    }
    // Partitioned (PostgreSQL): claims come each second, so partitions whose holder died are
    // taken within a second of their lease running out (lease time + 1 s), not at the next
    // renewal; a claim is one short transaction. An answer that came too late to count is
    // followed by another claim at once.
    const bool late = active && !engine.leaseCurrent();
    nextLeaseAt = nowMs() + (late                            ? 0
                             : active && heldParts.isEmpty() ? DeliveryLease::renewMs()
                                                             : StandbyPollMs);
    {
        std::lock_guard lock(engine.m_mutex);
        engine.m_leaseHolder = late ? QStringLiteral("(lease renewal answered too late)") : holder;
    }
    if (engine.leaseCurrent() && !was) // another may have delivered what was read
        rescanAll();
}

bool DeliveryEngine::Loop::applyTargets()
{
    std::lock_guard lock(engine.m_mutex);
    if (!engine.m_targetsChanged)
        return false;
    engine.m_targetsChanged = false;
    QSet<QString> names;
    for (const DeliveryTarget &t : std::as_const(engine.m_newTargets)) {
        names.insert(t.name);
        TargetRuntime &rt = targets[t.name];
        const bool reenabled = t.enabled && !rt.config.enabled;
        rt.config = t;
        rt.signingKey = t.secret.isEmpty() ? QByteArray() : WebhookSignature::key(t.secret);
        rt.rescan = true;
        if (reenabled)
            rt.gone = false; // an operator enabled it again after a 410
        if (rt.tokensAt == 0) {
            rt.tokensAt = nowMs();
            rt.tokens = 1;
        }
        TargetStatus &s = engine.m_status[t.name];
        s.name = t.name;
        s.url = QString::fromUtf8(t.url);
        s.enabled = t.enabled && !rt.gone;
        s.paused = t.paused;
        s.held = t.held;
        if (s.enabled)
            s.disabledReason.clear();
    }
    for (auto it = targets.begin(); it != targets.end();) {
        if (!names.contains(it.key()) && it->inFlight == 0) {
            engine.m_status.remove(it.key());
            it = targets.erase(it);
        } else {
            ++it;
        }
    }
    return true;
}

bool DeliveryEngine::Loop::releaseConfirmed(qint64 now)
{
    OutcomeRecorder::Confirmed confirmed;
    const qint64 freed = recorder->release(targets, now, confirmed);
    if (freed == 0 && confirmed.perTarget.isEmpty())
        return false;
    held -= freed;
    std::lock_guard lock(engine.m_mutex);
    const qint64 second = now / 1000;
    auto &completions = engine.m_completions;
    if (completions.empty() || completions.back().first != second)
        completions.emplace_back(second, 0);
    completions.back().second += int(confirmed.delivered);
    while (completions.size() > 120)
        completions.pop_front();
    for (auto it = confirmed.perTarget.cbegin(); it != confirmed.perTarget.cend(); ++it) {
        TargetStatus &s = engine.m_status[it.key()];
        s.success += it.value()[0];
        s.failed += it.value()[1];
        s.retries += it.value()[2];
    }
    for (auto it = confirmed.lastError.cbegin(); it != confirmed.lastError.cend(); ++it) {
        TargetStatus &s = engine.m_status[it.key()];
        s.lastError = it.value().first;
        s.lastErrorAt = it.value().second;
    }
    engine.m_delivered += confirmed.delivered;
    return true;
}

void DeliveryEngine::Loop::schedulePass(qint64 now)
{
    dirty = false;
    nextScanAt = now + ScanEveryMs;
    const DeliveryScheduler::Limits limits{engine.m_writer->durableDeliveryId(), 0,
                                           engine.m_queueLimit.load()};
    for (std::size_t d = 0; d < dispatchers.size(); ++d)
        load[d] = dispatchers[d]->load();
    scheduler.beginPass();
    // Targets take turns at going first: the first one's requests leave and come back first,
    // and a fixed order made the same targets finish their queues first and the last ones
    // keep fewer requests in flight while the others' slots stood idle.
    auto first = targets.begin();
    if (!targets.isEmpty())
        std::advance(first, qsizetype(++passes % quint64(targets.size())));
    for (auto it = first; it != targets.end(); ++it)
        scheduleTarget(*it, now, limits);
    for (auto it = targets.begin(); it != first; ++it)
        scheduleTarget(*it, now, limits);
    scheduler.endPass();
    for (std::size_t d = 0; d < dispatchers.size(); ++d)
        dispatchers[d]->send(std::move(jobs[d]));
}

void DeliveryEngine::Loop::scheduleTarget(TargetRuntime &rt, qint64 now,
                                          const DeliveryScheduler::Limits &limits)
{
    DeliveryScheduler::Limits l = limits;
    l.held = held;
    const DeliveryScheduler::Result r = scheduler.schedule(rt, now, l, flights);
    if (r.circuitChanged)
        circuitChanged(rt);
    if (r.needDurable)
        engine.m_writer->requestDurable();
    if (!r.error.isEmpty())
        qWarning("sync: %s", qPrintable(r.error));
    dispatch(rt);
    if (rt.nextDue > 0)
        nextScanAt = std::min(nextScanAt, rt.nextDue);
    // Only what changed: a thousand idle targets are not re-published 4 times a second
    // (settings, circuit and 410 publish themselves when they change).
    if (rt.inFlight != rt.shownInFlight) {
        publish(rt, {});
        rt.shownInFlight = rt.inFlight;
    }
}

/// Hands the target's scheduled flights to the least loaded dispatchers.
void DeliveryEngine::Loop::dispatch(TargetRuntime &rt)
{
    for (DeliveryFlight &f : flights) {
        held += f.eventCount();
        const std::size_t d =
            std::size_t(std::min_element(load.begin(), load.end()) - load.begin());
        ++load[d];
        jobs[d].push_back(DeliveryDispatcher::Job{std::move(f), rt.config.url, rt.signingKey,
                                                  rt.config.timeoutMs, rt.config.security});
    }
    engine.m_inFlightTotal += int(flights.size());
    flights.clear();
}

void DeliveryEngine::Loop::waitForWork()
{
    const qint64 now = nowMs();
    qint64 wait = std::clamp<qint64>(nextScanAt - now, 0, 50);
    if (now < recorder->pausedUntil())
        wait = std::clamp<qint64>(recorder->pausedUntil() - now, wait, 50);
    if (recorder->waiting())
        wait = std::clamp<qint64>(recorder->dueAt() - now, 0, wait);
    std::unique_lock lock(engine.m_wakeMutex);
    engine.m_wakeUp.wait_for(lock, std::chrono::milliseconds(wait),
                             [this] { return engine.m_woken; });
    if (engine.m_woken)
        dirty = true; // new work, a free slot, or confirmed outcomes
    engine.m_woken = false;
}

void DeliveryEngine::Loop::settleFinished()
{
    for (auto &d : dispatchers)
        d->takeFinished(finished);
    const qint64 now = nowMs();
    for (auto &[flight, result] : finished) {
        auto rit = targets.find(flight.target);
        TargetRuntime *rt = rit == targets.end() ? nullptr : &rit.value();
        if (rt)
            --rt->inFlight;
        --engine.m_inFlightTotal;
        // A timeout that ran out while this process was stopped is not the target's failure:
        // neither its circuit's nor, for a node, its health's.
        const bool stalled =
            result.timedOut && engine.m_stallWatch->stalledSince(
                                   StallWatch::nowNs() - qint64(result.durationMs * 1e6));
        const std::size_t measured = latencies.size();
        const DeliverySettler::Result s =
            settler.settle(rt, flight, result, now, outcomes, latencies, stalled);
        if (engine.onDelivered && latencies.size() > measured)
            engine.onDelivered(flight.target, latencies.data() + measured,
                               latencies.size() - measured);
        if (rt && flight.target.startsWith(QLatin1String("node:")) && engine.onNodeResult &&
            !stalled)
            engine.onNodeResult(flight.target, s.ok || s.reached, s.error);
        if (!rt)
            continue;
        if (!rt->tried) {
            // Its first answer since the start: its circuit now says something about it.
            rt->tried = true;
            if (!s.circuitChanged)
                publish(*rt, {});
        }
        if (s.circuitChanged)
            circuitChanged(*rt);
        if (s.becameGone) {
            publish(*rt, [&](TargetStatus &st) {
                st.disabledReason = QStringLiteral("410 Gone from the receiver");
                st.lastError = s.error;
                st.lastErrorAt = now;
            });
            if (engine.onTargetDisabled)
                engine.onTargetDisabled(rt->config.name, s.error);
        }
    }
    finished.clear();
    keepLatencies();
    recorder->add(outcomes, now);
    recorder->flushIfDue(nowMs(), engine.m_inFlightTotal.load() == 0);
}

/// The settled latencies go into the ring latency() reads.
void DeliveryEngine::Loop::keepLatencies()
{
    if (latencies.empty())
        return;
    std::lock_guard lock(engine.m_mutex);
    for (float l : latencies) {
        if (engine.m_latencies.size() < LatencyWindow)
            engine.m_latencies.push_back(l);
        else
            engine.m_latencies[engine.m_latencyPos++ % LatencyWindow] = l;
    }
    latencies.clear();
}

void DeliveryEngine::Loop::turn()
{
    renewLease();
    if (applyTargets())
        dirty = true;
    if (engine.m_rescanAll.exchange(false))
        rescanAll();
    const qint64 now = nowMs();
    if (releaseConfirmed(now))
        dirty = true;
    if (engine.leaseCurrent() && now >= recorder->pausedUntil() && (dirty || now >= nextScanAt))
        schedulePass(now);
    waitForWork();
    settleFinished();
}

void DeliveryEngine::Loop::finish()
{
    // What is in flight stays pending in the store and is sent again.
    dispatchers.clear();
    recorder->flush();
    recorder.reset(); // waits for the writer to confirm what it was handed
    engine.m_activeUntil = 0;
    if (active)
        engine.m_writer->claimLease(engine.m_owner, 0); // a standby engine takes over at once
    engine.m_inFlightTotal = 0;
}

void DeliveryEngine::run(std::promise<Status> started)
{
    beginBulkWorkThread("jf-delivery");
    auto opened = OutboxReader::open(m_dbPath);
    if (!opened) {
        started.set_value(opened.error());
        return;
    }
    std::unique_ptr<Loop> loop;
    const Status made = startingThreads(QStringLiteral("the delivery dispatchers"), [&] {
        loop = std::make_unique<Loop>(*this, std::move(opened).value());
        return Status();
    });
    started.set_value(made);
    if (!made)
        return;
    while (!m_stop)
        loop->turn();
    loop->finish();
}

} // namespace jobfirst
