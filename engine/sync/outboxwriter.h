// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/deliveryoutcome.h"
#include "sync/pendingcounters.h"
#include "sync/syncevent.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace jobfirst {

/// One event and the targets it must reach.
struct OutboxItem
{
    SyncEvent event;
    QStringList targets;
    qint64 dueAt = 0;        ///< first delivery not before (ms since epoch); 0: now
    bool coalesce = false;   ///< near-real-time: supersede this user's not-yet-sent deliveries
    /// Bulk: per target (parallel to `targets`), how many consecutive events of one write()
    /// may share a delivery row, which the delivery engine sends as one request. Empty: one
    /// row per event and target.
    QList<int> rowLimits;
    QByteArray payload;      ///< set by write() on the caller's thread, not by callers
};

/// The one writer of the outbox. Accepted events and delivery outcomes are committed with
/// group commit: everything waiting at the same moment shares one transaction (one fsync).
/// One writer thread means no two SQLite writers wait on each other's locks (SQLite's busy
/// handler sleeps in coarse steps, which showed as seconds of delivery latency).
/// write() returns only once its events are durable, or with an error and nothing written.
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

    /// Blocks until durable. Returns the events as stored (ids and versions assigned).
    Result<QList<SyncEvent>> write(QList<OutboxItem> items);

    /// Records delivery outcomes; `committed` runs on the writer thread once they are durable
    /// (with false if the commit failed: the rows stay pending and are sent again).
    void submitOutcomes(std::vector<DeliveryOutcome> outcomes, std::function<void(bool)> committed);

    /// The delivery lease: one process at a time delivers from a store. Claims or renews it
    /// for `owner` until now + ttlMs (in its own IMMEDIATE transaction). Returns "" when
    /// `owner` holds it, else the current holder. A holder on this host whose process is
    /// gone (crashed) loses it at once; elsewhere it lapses after its ttl.
    /// ttlMs 0 releases it if `owner` holds it. Blocks until done.
    QString claimLease(const QString &owner, qint64 ttlMs);

    /// Called on the writer thread after each commit (e.g. to wake delivery).
    std::function<void()> onCommitted;
    /// Deliveries waiting per target, kept current by the writer and the delivery engine.
    PendingCounters counters;
    std::atomic<qint64> commits{0};

private:
    struct Batch
    {
        QList<OutboxItem> items;
        std::promise<Result<QList<SyncEvent>>> done;
        std::vector<DeliveryOutcome> outcomes;      ///< an outcome batch when set
        std::function<void(bool)> outcomesCommitted;
        bool isOutcomes = false;
        bool isLease = false;
        QString leaseOwner;
        qint64 leaseTtlMs = 0;
        std::promise<QString> leaseDone;
    };
    void run(std::promise<Status> started);

    QString m_dbPath;
    std::atomic<qint64> m_backlogLimit{1000000};
    std::atomic<qint64> m_maxEventBytes{DefaultMaxEventBytes};
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Batch *> m_queue;
    bool m_stopping = false;
    bool m_running = false;
};

} // namespace jobfirst
