// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
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
};

/// Writes accepted events to the SQLite outbox with group commit: every caller waiting at
/// the same moment shares one transaction (one fsync). A call returns only once its events
/// are durable, or with an error and nothing written. Thread-safe.
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

    /// Blocks until durable. Returns the events as stored (ids and versions assigned).
    Result<QList<SyncEvent>> write(QList<OutboxItem> items);

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
    };
    void run(std::promise<Status> started);

    QString m_dbPath;
    std::atomic<qint64> m_backlogLimit{1000000};
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Batch *> m_queue;
    bool m_stopping = false;
    bool m_running = false;
};

} // namespace jobfirst
