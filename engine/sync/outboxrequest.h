// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/deliveryoutcome.h"
#include "sync/outboxitem.h"

#include <QList>
#include <QString>

#include <functional>
#include <future>
#include <memory>
#include <variant>
#include <vector>

namespace jobfirst {

/// Accepted events to store; `answer` runs once they are durable (the events as stored) or
/// refused (why none were kept). The caller does not wait on a thread of its own.
struct EventWrite
{
    QList<OutboxItem> items;
    std::function<void(Result<QList<SyncEvent>>)> answer;
};

/// How the store took a batch of outcomes: committed, failed, or committed but for the rows
/// it refused because their partitions passed to another process.
struct OutcomesCommitted
{
    /// false: the commit failed (a full disk, the store gone) and nothing was written; the
    /// rows stay pending and are sent again.
    bool ok = false;
    /// Rows not recorded because their partition's lease passed to another process (fencing):
    /// they are that process's to send now, not a failure here. Empty unless ok.
    std::vector<qint64> refused;
};

/// How delivery attempts ended, to record. `committed` runs once they are durable, or could
/// not be written, or were refused in part (OutcomesCommitted).
struct OutcomeWrite
{
    /// Shared with the delivery engine, which frees the rows once they are durable.
    std::shared_ptr<const std::vector<DeliveryOutcome>> outcomes;
    std::function<void(OutcomesCommitted)> committed;
};

/// A claim, renewal (ttlMs > 0) or release (ttlMs 0) of the store's delivery lease.
struct LeaseClaim
{
    QString owner;
    qint64 ttlMs = 0;
    std::promise<QString> done; ///< "" when `owner` holds it, else the holder or what failed
};

/// Nothing to write: everything committed so far, by any process, is to be made durable
/// (see OutboxWriter::requestDurable).
struct DurabilityBarrier
{
};

/// One kind of write per type: what the outbox writer's queue holds.
using OutboxRequest = std::variant<EventWrite, OutcomeWrite, LeaseClaim, DurabilityBarrier>;

} // namespace jobfirst
