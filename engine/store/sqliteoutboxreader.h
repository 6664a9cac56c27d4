// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/outboxreader.h"
#include "store/sqlitestatement.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>
#include <utility>
#include <vector>

namespace jobfirst {

class Store;

/// OutboxReader on a store file, on a connection of its own; statements are prepared once.
class SqliteOutboxReader final : public OutboxReader
{
public:
    static Result<std::unique_ptr<SqliteOutboxReader>> open(const QString &path);
    ~SqliteOutboxReader();
    SqliteOutboxReader(const SqliteOutboxReader &) = delete;
    SqliteOutboxReader &operator=(const SqliteOutboxReader &) = delete;

    /// Up to `limit` pending rows of `target` with ids above `afterId`, in id order.
    Status readPending(const QString &target, qint64 afterId, int limit,
                       std::vector<PendingDelivery> &out) override;
    /// SQLite's data_version: changes whenever another connection (the outbox writer) has
    /// committed.
    qint64 dataVersion() override;
    void beginPass() override;
    void endPass() override;
    Status readEvents(qint64 firstSeq, int count,
                      std::vector<std::pair<qint64, QByteArray>> &out) override;

private:
    explicit SqliteOutboxReader(std::unique_ptr<Store> store);

    /// An event read lately: its id, payload and time, shared (implicitly) by every target's row of
    /// it. Events never change once written and seqs are not reused, so a slot whose seq
    /// matches holds what the join would give.
    struct RecentEvent
    {
        qint64 seq = 0;
        QString eventId;
        QByteArray payload;
        qint64 createdAt = 0;
    };
    /// Slots, by seq modulo their number: six targets read the same events a few hundred
    /// rows apart, and each is converted from SQLite's bytes once, not once per target.
    static constexpr std::size_t RecentEvents = 4096;
    std::vector<RecentEvent> m_recent;

    /// Fills in the events of the rows in m_missing (from `out`); a row whose event is not in
    /// the store is dropped. False, with `error`, when the read fails.
    bool pendingEvents(std::vector<PendingDelivery> &out, QString &error);

    std::unique_ptr<Store> m_store;
    SqliteStatement m_pendingJoined, m_pending, m_pendingEvents, m_events, m_dataVersion, m_begin,
        m_end;
    /// Per target: whether its next read joins the events (fewer than three in ten of its last
    /// read's events were in a slot: a row read apart costs about a third of what a slot saves),
    /// or reads them apart (pendingEvents()).
    QHash<QString, bool> m_joined;
    std::vector<std::pair<qint64, std::size_t>> m_missing; ///< (seq, row in out): not in a slot
    std::vector<std::size_t> m_lost;                       ///< rows in out whose event is gone
    bool m_inPass = false;
};

} // namespace jobfirst
