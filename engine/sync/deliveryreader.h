// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/pendingdelivery.h"
#include "sync/sqlitestatement.h"

#include <QString>

#include <memory>
#include <utility>
#include <vector>

namespace jobfirst {

class Store;

/// Reads the outbox for the delivery engine on a connection of its own: pending rows of a
/// target after a cursor with their events joined, and the events of a bulk row. Statements
/// are prepared once. Used from one thread.
class DeliveryReader final
{
public:
    static Result<std::unique_ptr<DeliveryReader>> open(const QString &path);
    ~DeliveryReader();
    DeliveryReader(const DeliveryReader &) = delete;
    DeliveryReader &operator=(const DeliveryReader &) = delete;

    /// Up to `limit` pending rows of `target` with ids above `afterId`, in id order.
    Status readPending(const QString &target, qint64 afterId, int limit,
                       std::vector<PendingDelivery> &out);
    /// SQLite's data_version: changes whenever another connection (the outbox writer) has
    /// committed. A queue read empty stays empty while it is unchanged: no need to read again.
    qint64 dataVersion();
    /// Queue reads so far (readPending calls): what an idle engine should not spend.
    qint64 pendingReads() const { return m_pendingReads; }
    /// The `count` events from `firstSeq` on, as (version, payload), in order.
    Status readEvents(qint64 firstSeq, int count, std::vector<std::pair<qint64, QByteArray>> &out);

private:
    explicit DeliveryReader(std::unique_ptr<Store> store);

    std::unique_ptr<Store> m_store;
    SqliteStatement m_pending, m_events, m_dataVersion;
    qint64 m_pendingReads = 0;
};

} // namespace jobfirst
