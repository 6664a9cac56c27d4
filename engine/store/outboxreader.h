// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/pendingdelivery.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <utility>
#include <vector>

namespace jobfirst {

/// The read side of the sync outbox for the delivery engine, one connection used from one
/// thread: pending rows of a target after a cursor with their events joined, and the events
/// of a bulk row. SqliteOutboxReader and PostgresOutboxReader implement it.
class OutboxReader
{
public:
    /// Opens the outbox at `location` (a store file or a postgresql:// URL).
    static Result<std::unique_ptr<OutboxReader>> open(const QString &location);
    virtual ~OutboxReader() = default;

    /// Up to `limit` pending rows of `target` with ids above `afterId`, in id order.
    virtual Status readPending(const QString &target, qint64 afterId, int limit,
                               std::vector<PendingDelivery> &out) = 0;
    /// Changes whenever another connection may have committed something: a queue read empty
    /// stays empty while it is unchanged, so there is no need to read it again. Asked before
    /// the queue reads it covers (PostgreSQL bounds them by the open enqueues it saw then);
    /// it may cost a round trip, so the scheduler asks only in a pass that reads a queue.
    virtual qint64 dataVersion() = 0;
    /// A scheduling pass begins and ends: what is read between (the data version, every
    /// queue, bulk rows' events) may be read in one snapshot. SQLite reads the pass in one
    /// read transaction: one set of file locks instead of one per statement.
    virtual void beginPass() {}
    virtual void endPass() {}
    /// Reads only rows of these partitions from now on (PostgreSQL; SQLite has none).
    virtual void setPartitions(const QList<int> &) {}
    /// Queue reads so far (readPending calls): what an idle engine should not spend.
    qint64 pendingReads() const { return m_pendingReads; }
    /// The `count` events from `firstSeq` on, as (version, payload), in order.
    virtual Status readEvents(qint64 firstSeq, int count,
                              std::vector<std::pair<qint64, QByteArray>> &out) = 0;

protected:
    OutboxReader() = default;
    OutboxReader(const OutboxReader &) = delete;
    OutboxReader &operator=(const OutboxReader &) = delete;
    qint64 m_pendingReads = 0;
};

} // namespace jobfirst
