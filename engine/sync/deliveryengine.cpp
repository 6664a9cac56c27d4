// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliveryengine.h"

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
#include <pthread.h>
#include <random>

namespace jobfirst {

namespace {

constexpr std::size_t LatencyWindow = 8192;
constexpr qint64 StandbyPollMs = 1000; // a standby engine asks for the lease this often
constexpr qint64 ScanEveryMs = 250;    // look at every queue at least this often
// A claim counts from when it was sent, less this margin: a lease may pass on up to this much
// earlier than this process reckons (clocks of daemons apart, a request on its way to a target
// after the dispatch that let it go).
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
    std::promise<Status> started;
    auto future = started.get_future();
    m_thread = std::thread([this, p = std::move(started)]() mutable { run(std::move(p)); });
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

void DeliveryEngine::run(std::promise<Status> started)
{
    pthread_setname_np(pthread_self(), "jf-delivery"); // names it in top and perf
    auto opened = OutboxReader::open(m_dbPath);
    if (!opened) {
        started.set_value(opened.error());
        return;
    }
    std::unique_ptr<OutboxReader> reader = std::move(opened).value();
    std::vector<std::unique_ptr<DeliveryDispatcher>> dispatchers;
    for (int i = 0; i < m_dispatcherCount; ++i)
        dispatchers.push_back(std::make_unique<DeliveryDispatcher>([this] { wake(); }));
    auto recorder = std::make_unique<OutcomeRecorder>(m_writer, [this] { wake(); });
    DeliveryScheduler scheduler(*reader);
    std::mt19937_64 random{std::random_device{}()};
    DeliverySettler settler(random());
    QHash<QString, TargetRuntime> targets;
    qint64 held = 0; // events in flight or awaiting commit (sync_queue_size)
    started.set_value(Status());

    const auto publish = [this](const TargetRuntime &rt,
                                const std::function<void(TargetStatus &)> &change) {
        std::lock_guard lock(m_mutex);
        TargetStatus &s = m_status[rt.config.name];
        s.name = rt.config.name;
        s.url = QString::fromUtf8(rt.config.url);
        s.paused = rt.config.paused;
        s.held = rt.config.held;
        s.enabled = rt.config.enabled && !rt.gone;
        s.circuit = rt.circuit;
        s.nextProbeAt = rt.circuit == CircuitState::Open ? rt.openUntil : 0;
        s.inFlight = rt.inFlight;
        if (change)
            change(s);
    };
    const auto circuitChanged = [&](const TargetRuntime &rt) {
        publish(rt, {});
        if (onCircuitChanged)
            onCircuitChanged(rt.config.name, rt.circuit);
    };
    const auto applyTargets = [&] {
        std::lock_guard lock(m_mutex);
        if (!m_targetsChanged)
            return false;
        m_targetsChanged = false;
        QSet<QString> names;
        for (const DeliveryTarget &t : std::as_const(m_newTargets)) {
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
            TargetStatus &s = m_status[t.name];
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
                m_status.remove(it.key());
                it = targets.erase(it);
            } else {
                ++it;
            }
        }
        return true;
    };
    const auto releaseConfirmed = [&](qint64 now) {
        OutcomeRecorder::Confirmed confirmed;
        const qint64 freed = recorder->release(targets, now, confirmed);
        if (freed == 0 && confirmed.perTarget.isEmpty())
            return false;
        held -= freed;
        std::lock_guard lock(m_mutex);
        const qint64 second = now / 1000;
        if (m_completions.empty() || m_completions.back().first != second)
            m_completions.emplace_back(second, 0);
        m_completions.back().second += int(confirmed.delivered);
        while (m_completions.size() > 120)
            m_completions.pop_front();
        for (auto it = confirmed.perTarget.cbegin(); it != confirmed.perTarget.cend(); ++it) {
            TargetStatus &s = m_status[it.key()];
            s.success += it.value()[0];
            s.failed += it.value()[1];
            s.retries += it.value()[2];
        }
        for (auto it = confirmed.lastError.cbegin(); it != confirmed.lastError.cend(); ++it) {
            TargetStatus &s = m_status[it.key()];
            s.lastError = it.value().first;
            s.lastErrorAt = it.value().second;
        }
        m_delivered += confirmed.delivered;
        return true;
    };

    // One process delivers from a store at a time: the others stand by until its lease is
    // released (clean stop), its process is gone (same host) or it lapses.
    const QString owner = m_owner;
    bool active = false;
    QList<int> heldParts;
    bool dirty = true;
    qint64 nextLeaseAt = 0;
    qint64 nextScanAt = 0;
    std::vector<DeliveryFlight> flights;
    std::vector<std::vector<DeliveryDispatcher::Job>> jobs(dispatchers.size());
    std::vector<int> load(dispatchers.size(), 0);
    DeliveryDispatcher::Finished finished;
    std::vector<DeliveryOutcome> outcomes;
    std::vector<float> latencies;
    while (!m_stop) {
        if (nowMs() >= nextLeaseAt) {
            const bool was = leaseCurrent();
            // A claim renews the lease to TtlMs after it ran, no earlier than when it was sent:
            // this process delivers until then, less a margin, however late the answer comes
            // (a slow server or network). A late answer stops delivery until one comes in time.
            const qint64 sentAt = steadyMs();
            const QString holder = m_writer->claimLease(owner, DeliveryLease::TtlMs);
            active = holder.isEmpty();
            m_activeUntil = active ? sentAt + DeliveryLease::TtlMs - LeaseMarginMs : 0;
            // PostgreSQL: this process delivers the partitions it holds; when they change,
            // every queue is read again from its start.
            if (const QList<int> parts = m_writer->heldPartitions(); parts != heldParts) {
                heldParts = parts;
                reader->setPartitions(parts);
                for (TargetRuntime &rt : targets)
                    rt.rescan = true;
                dirty = true;
            }
            // Partitioned (PostgreSQL): claims come each second, so partitions whose holder
            // died are taken within a second of their lease running out (lease time + 1 s),
            // not at the next renewal; a claim is one short transaction.
            // An answer that came too late to count is followed by another claim at once.
            const bool late = active && !leaseCurrent();
            nextLeaseAt = nowMs() + (late                            ? 0
                                     : active && heldParts.isEmpty() ? DeliveryLease::RenewMs
                                                                     : StandbyPollMs);
            {
                std::lock_guard lock(m_mutex);
                m_leaseHolder = late ? QStringLiteral("(lease renewal answered too late)") : holder;
            }
            if (leaseCurrent() && !was) { // another may have delivered what was read
                for (TargetRuntime &rt : targets)
                    rt.rescan = true;
                dirty = true;
            }
        }
        if (applyTargets())
            dirty = true;
        if (m_rescanAll.exchange(false)) {
            for (TargetRuntime &rt : targets)
                rt.rescan = true;
            dirty = true;
        }
        qint64 now = nowMs();
        if (releaseConfirmed(now))
            dirty = true;
        if (leaseCurrent() && now >= recorder->pausedUntil() && (dirty || now >= nextScanAt)) {
            dirty = false;
            nextScanAt = now + ScanEveryMs;
            const DeliveryScheduler::Limits limits{m_writer->durableDeliveryId(), 0,
                                                   m_queueLimit.load()};
            for (std::size_t d = 0; d < dispatchers.size(); ++d)
                load[d] = dispatchers[d]->load();
            scheduler.beginPass();
            for (TargetRuntime &rt : targets) {
                DeliveryScheduler::Limits l = limits;
                l.held = held;
                const DeliveryScheduler::Result r = scheduler.schedule(rt, now, l, flights);
                if (r.circuitChanged)
                    circuitChanged(rt);
                if (r.needDurable)
                    m_writer->requestDurable();
                if (!r.error.isEmpty())
                    qWarning("sync: %s", qPrintable(r.error));
                for (DeliveryFlight &f : flights) {
                    held += f.eventCount();
                    // The least loaded dispatcher sends it.
                    const std::size_t d =
                        std::size_t(std::min_element(load.begin(), load.end()) - load.begin());
                    ++load[d];
                    jobs[d].push_back(DeliveryDispatcher::Job{std::move(f), rt.config.url,
                                                              rt.signingKey, rt.config.timeoutMs,
                                                              rt.config.security});
                }
                m_inFlightTotal += int(flights.size());
                flights.clear();
                if (rt.nextDue > 0)
                    nextScanAt = std::min(nextScanAt, rt.nextDue);
                // Only what changed: a thousand idle targets are not re-published 4 times a
                // second (settings, circuit and 410 publish themselves when they change).
                if (rt.inFlight != rt.shownInFlight) {
                    publish(rt, {});
                    rt.shownInFlight = rt.inFlight;
                }
            }
            scheduler.endPass();
            for (std::size_t d = 0; d < dispatchers.size(); ++d)
                dispatchers[d]->send(std::move(jobs[d]));
        }
        now = nowMs();
        qint64 wait = std::clamp<qint64>(nextScanAt - now, 0, 50);
        if (now < recorder->pausedUntil())
            wait = std::clamp<qint64>(recorder->pausedUntil() - now, wait, 50);
        if (recorder->waiting())
            wait = std::clamp<qint64>(recorder->dueAt() - now, 0, wait);
        {
            std::unique_lock lock(m_wakeMutex);
            m_wakeUp.wait_for(lock, std::chrono::milliseconds(wait), [this] { return m_woken; });
            if (m_woken)
                dirty = true; // new work, a free slot, or confirmed outcomes
            m_woken = false;
        }
        for (auto &d : dispatchers)
            d->takeFinished(finished);
        now = nowMs();
        for (auto &[flight, result] : finished) {
            auto rit = targets.find(flight.target);
            TargetRuntime *rt = rit == targets.end() ? nullptr : &rit.value();
            if (rt)
                --rt->inFlight;
            --m_inFlightTotal;
            const std::size_t measured = latencies.size();
            const DeliverySettler::Result s =
                settler.settle(rt, flight, result, now, outcomes, latencies);
            if (onDelivered && latencies.size() > measured)
                onDelivered(flight.target, latencies.data() + measured,
                            latencies.size() - measured);
            if (rt && flight.target.startsWith(QLatin1String("node:")) && onNodeResult)
                onNodeResult(flight.target, s.ok || s.reached, s.error);
            if (!rt)
                continue;
            if (s.circuitChanged)
                circuitChanged(*rt);
            if (s.becameGone) {
                publish(*rt, [&](TargetStatus &st) {
                    st.disabledReason = QStringLiteral("410 Gone from the receiver");
                    st.lastError = s.error;
                    st.lastErrorAt = now;
                });
                if (onTargetDisabled)
                    onTargetDisabled(rt->config.name, s.error);
            }
        }
        finished.clear();
        if (!latencies.empty()) {
            std::lock_guard lock(m_mutex);
            for (float l : latencies) {
                if (m_latencies.size() < LatencyWindow)
                    m_latencies.push_back(l);
                else
                    m_latencies[m_latencyPos++ % LatencyWindow] = l;
            }
            latencies.clear();
        }
        recorder->add(outcomes, now);
        recorder->flushIfDue(nowMs(), m_inFlightTotal.load() == 0);
    }
    // What is in flight stays pending in the store and is sent again.
    dispatchers.clear();
    recorder->flush();
    recorder.reset(); // waits for the writer to confirm what it was handed
    m_activeUntil = 0;
    if (active)
        m_writer->claimLease(owner, 0); // a standby engine takes over at once
    m_inFlightTotal = 0;
}

} // namespace jobfirst
