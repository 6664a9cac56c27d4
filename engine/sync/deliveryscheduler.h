// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliveryflight.h"
#include "sync/targetruntime.h"

#include <QString>

#include <deque>
#include <utility>
#include <vector>

namespace jobfirst {

class OutboxReader;

/// Decides what goes to a target now: reads its queue ahead, keeps one delivery per user at
/// a time in id order, fills at most `workers` requests (one probe while the circuit is
/// half-open, fewer under a rate limit), groups events into requests of `batch_size`, sends
/// a bulk row as a request of its own, and holds back rows that are not yet durable or due.
class DeliveryScheduler final
{
public:
    struct Limits
    {
        qint64 durableId = 0;  ///< rows above this id are not on disk yet
        qint64 held = 0;       ///< events held in memory now (in flight or awaiting commit)
        qint64 queueLimit = 0; ///< sync_queue_size: events held at most
    };
    struct Result
    {
        bool circuitChanged = false; ///< open -> half-open: a probe may go
        bool needDurable = false;    ///< rows wait for the writer to sync them
        QString error;               ///< the queue could not be read
    };

    explicit DeliveryScheduler(OutboxReader &reader) : m_reader(reader) {}

    /// Starts a pass over the targets. Its first queue read notes whether the store changed
    /// since, so that an idle target's queue is not read again when nothing was written (a
    /// thousand idle node targets cost no reads).
    void beginPass();
    /// Ends the pass (and the reader's snapshot of it).
    void endPass();

    /// Appends the requests to send to `rt`'s target now to `out`, and marks their rows and
    /// users busy. rt.nextDue says when a row (or the circuit, or the rate limit) is due next.
    Result schedule(TargetRuntime &rt, qint64 now, const Limits &limits,
                    std::vector<DeliveryFlight> &out);

    /// Events of recent bulk rows kept for other targets' rows of the same events, at most.
    static constexpr qint64 BulkCacheEvents = 20000;

private:
    struct Fill;
    static int freeSlots(TargetRuntime &rt, qint64 now, const Limits &limits, bool &circuitChanged);
    /// Fills requests from the read-ahead, in id order, while slots are free.
    void takeReadyRows(Fill &fill);
    /// A bulk row goes alone, once due, after the batch before it; false when no more go now
    /// (no slot left, or its events could not be read).
    bool takeBulkRow(Fill &fill, std::deque<PendingDelivery>::iterator &it);
    /// A row of one event joins the batch, unless it is not due or its user has a row ahead of
    /// it; a full batch goes.
    static void takeEventRow(Fill &fill, std::deque<PendingDelivery>::iterator &it);
    Result refill(TargetRuntime &rt, int wanted, qint64 now);
    /// The store's data version for this pass, read at its first call in the pass; -1
    /// (unknown: read) outside a pass.
    qint64 passVersion();
    /// The events of a bulk row: from the recent ones (a migration sends the same rows to
    /// every target at about the same time) or read.
    Status bulkEvents(qint64 seq, int count, std::vector<std::pair<qint64, QByteArray>> &out);

    struct CachedRow
    {
        qint64 seq = 0;
        int count = 0;
        std::vector<std::pair<qint64, QByteArray>> events;
    };
    std::deque<CachedRow> m_bulkCache;
    qint64 m_bulkCached = 0; ///< events in m_bulkCache

    OutboxReader &m_reader;
    std::vector<PendingDelivery> m_read;
    qint64 m_dataVersion = -1;
    bool m_inPass = false;
    bool m_versionRead = false; ///< m_dataVersion is this pass's
};

} // namespace jobfirst
