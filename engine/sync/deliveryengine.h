// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/httpsecurity.h"
#include "core/result.h"
#include "sync/deliveryoutcome.h"
#include "sync/syncstats.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <atomic>
#include <deque>
#include <future>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jobfirst {

class OutboxWriter;

/// Delivery settings of one target, resolved from the cluster config (or a node).
struct DeliveryTarget
{
    QString name;
    QByteArray url;
    QString secret;
    long timeoutMs = 30000;
    int maxRetries = 3;
    qint64 retryIntervalMs = 5000;
    int batchSize = 1;
    double rateLimit = 0;   ///< requests per second, 0 unlimited
    int workers = 5;        ///< concurrent requests to this target
    bool enabled = true;
    bool paused = false;
    bool held = false;      ///< node target whose node is down: wait, do not try
    std::shared_ptr<const HttpSecurity> security; ///< TLS settings and bearer token; null: plain
};

/// Delivers the outbox: one thread, libcurl multi, up to `workers` requests in flight per
/// target, so one slow or dead target cannot hold another's slots. Events of one user to one
/// target go in order (the next is sent only after the previous is settled). Results are
/// committed in groups. A crash loses no event: what was in flight is still pending in the
/// store and is sent again (receivers de-duplicate by webhook-id).
class DeliveryEngine final
{
public:
    DeliveryEngine(QString dbPath, OutboxWriter *writer);
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
    int inFlight() const { return m_inFlightTotal.load(); }

    /// Called on the delivery thread: a target answered 410 Gone.
    std::function<void(const QString &target, const QString &reason)> onTargetDisabled;
    /// Called on the delivery thread for every settled request to a "node:<id>" target.
    std::function<void(const QString &target, bool ok, const QString &error)> onNodeResult;
    /// Called on the delivery thread when a circuit opens or closes.
    std::function<void(const QString &target, CircuitState state)> onCircuitChanged;

private:
    struct Runtime;
    struct Flight;
    void run(std::promise<Status> started);

    QString m_dbPath;
    OutboxWriter *m_writer;
    std::atomic<int> m_outstanding{0}; ///< outcome batches handed to the writer, not yet confirmed
    std::deque<std::pair<std::shared_ptr<std::vector<DeliveryOutcome>>, bool>> m_committed;
    std::thread m_thread;
    std::atomic_bool m_stop{false};
    std::atomic_bool m_dirty{true};
    std::atomic_bool m_rescanAll{false};
    std::atomic<qint64> m_delivered{0};
    std::atomic<int> m_inFlightTotal{0};
    std::atomic<qint64> m_held{0};
    std::atomic<int> m_queueLimit{2000};
    void *m_http = nullptr; // HttpDeliveryClient*, valid while running (for wake())
    mutable std::mutex m_mutex;
    QList<DeliveryTarget> m_newTargets;
    bool m_targetsChanged = false;
    QHash<QString, TargetStatus> m_status;
    QString m_leaseHolder = QStringLiteral("(not started)");
    std::vector<float> m_latencies;   // ring of recent enqueue-to-ack latencies
    std::size_t m_latencyPos = 0;
    std::deque<std::pair<qint64, int>> m_completions; // (second, count)
};

} // namespace jobfirst
