// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/deliveryoutcome.h"
#include "sync/deliverytarget.h"
#include "sync/syncstats.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jobfirst {

class OutboxWriter;
class StallWatch;

/// Delivers the outbox. One delivery thread reads the queue and decides what goes
/// (DeliveryScheduler: up to `workers` requests in flight per target, so one slow or dead
/// target cannot hold another's slots; one delivery per user and target at a time, in
/// order), judges how requests ended (DeliverySettler) and records the outcomes in groups
/// (OutcomeRecorder). The HTTP work runs on dispatcher threads, each with its own libcurl
/// multi handle (DeliveryDispatcher), one per core by default. A crash loses no event: what
/// was in flight is still pending in the store and is sent again (receivers de-duplicate by
/// webhook-id).
class DeliveryEngine final
{
public:
    /// `dispatchers`: HTTP threads; 0 chooses one per core (at most 4).
    DeliveryEngine(QString dbPath, OutboxWriter *writer, int dispatchers = 0);
    ~DeliveryEngine();
    DeliveryEngine(const DeliveryEngine &) = delete;
    DeliveryEngine &operator=(const DeliveryEngine &) = delete;

    Status start();
    void stop();
    bool running() const { return m_thread.joinable(); }

    /// Replaces the target set (thread-safe; applied on the next loop turn).
    void setTargets(const QList<DeliveryTarget> &targets);
    /// New work may be waiting (thread-safe).
    void wake();
    /// Rows already read may have changed in the store (retried or replayed dead letters):
    /// read every target's queue from its start again (thread-safe).
    void rescan()
    {
        m_rescanAll = true;
        wake();
    }
    /// sync_queue_size: events held in memory (in flight or awaiting commit) at most.
    /// A request bigger than the limit still goes when nothing else is held.
    void setQueueLimit(int events) { m_queueLimit = std::max(1, events); }

    /// Per-target status without backlog figures (the caller adds those). Thread-safe.
    QHash<QString, TargetStatus> targetStatuses() const;
    /// Latency percentiles (enqueue to acknowledged) over recent deliveries, and the rate.
    void latency(double *p50, double *p95, double *p99, double *perSecond) const;
    qint64 deliveredTotal() const { return m_delivered.load(); }
    /// "" while this engine holds the store's delivery lease; else who holds it (standby).
    QString leaseHolder() const
    {
        std::lock_guard lock(m_mutex);
        return m_leaseHolder;
    }
    /// This engine holds the delivery lease and renewed it recently enough to deliver: a
    /// claim counts from when it was sent, on a monotonic clock, whenever its answer came
    /// (thread-safe). Deliveries and health checks stop when it turns false.
    bool leaseCurrent() const;
    /// "host:pid:nonce": the name under which this engine holds delivery leases.
    QString owner() const { return m_owner; }
    int inFlight() const { return m_inFlightTotal.load(); }
    int dispatchers() const { return m_dispatcherCount; }

    /// Called on the delivery thread: a target answered 410 Gone.
    std::function<void(const QString &target, const QString &reason)> onTargetDisabled;
    /// Called on the delivery thread for every settled request to a "node:<id>" target, but a
    /// timeout across a stall of this process (StallWatch), which says nothing of the node.
    std::function<void(const QString &target, bool ok, const QString &error)> onNodeResult;
    /// Called on the delivery thread when a circuit opens or closes.
    std::function<void(const QString &target, CircuitState state)> onCircuitChanged;
    /// Called on the delivery thread with the latencies (ms, accepted to acknowledged) of
    /// events a target acknowledged: the metrics' per-target histogram. Set before start().
    std::function<void(const QString &target, const float *latenciesMs, std::size_t count)>
        onDelivered;

private:
    struct Loop;
    void run(std::promise<Status> started);

    QString m_dbPath;
    QString m_owner;
    OutboxWriter *m_writer;
    int m_dispatcherCount;
    std::thread m_thread;
    std::atomic_bool m_stop{false};
    std::atomic_bool m_rescanAll{false};
    std::atomic<qint64> m_delivered{0};
    std::atomic<int> m_inFlightTotal{0};
    std::shared_ptr<StallWatch> m_stallWatch;
    std::atomic<int> m_queueLimit{2000};
    std::atomic<qint64> m_activeUntil{0}; // steadyMs(); 0: not holding the lease
    // Wakes the delivery thread: new work, results from a dispatcher, confirmed outcomes.
    std::mutex m_wakeMutex;
    std::condition_variable m_wakeUp;
    bool m_woken = true;
    mutable std::mutex m_mutex;
    QList<DeliveryTarget> m_newTargets;
    bool m_targetsChanged = false;
    QHash<QString, TargetStatus> m_status;
    QString m_leaseHolder = QStringLiteral("(not started)");
    std::vector<float> m_latencies; // ring of recent enqueue-to-ack latencies
    std::size_t m_latencyPos = 0;
    std::deque<std::pair<qint64, int>> m_completions; // (second, count)
};

} // namespace jobfirst
