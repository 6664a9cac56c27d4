// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/outboxstore.h"
#include "store/sqlitedonemarker.h"
#include "store/sqliteeventrows.h"
#include "store/sqlitestatement.h"

#include <QHash>
#include <QString>

#include <memory>
#include <vector>

namespace jobfirst {

class Store;

/// OutboxStore on the store file: writes groups of outbox requests, each group in one
/// transaction (SQLite's C API, statements prepared once). Its connection does not sync on
/// commit (synchronous=NORMAL) and does not checkpoint: a commit is visible when commit()
/// returns and durable once the WAL file has been synced (WalSyncer), which lets the next
/// group be written while the previous one is synced. Used from one thread.
class SqliteOutboxStore final : public OutboxStore
{
public:
    /// Opens the store at `path` on a connection of its own; the error says why it cannot.
    static Result<std::unique_ptr<SqliteOutboxStore>> open(const QString &path);
    ~SqliteOutboxStore();
    SqliteOutboxStore(const SqliteOutboxStore &) = delete;
    SqliteOutboxStore &operator=(const SqliteOutboxStore &) = delete;

    /// Writes every EventWrite and OutcomeWrite of `group` in one transaction, in order
    /// (other kinds are skipped). On an error nothing of the group is written.
    Result<Summary> commit(const std::vector<OutboxRequest *> &group, qint64 now) override;

    /// Claims, renews or releases the delivery lease for `owner` (see OutboxWriter::claimLease)
    /// in a transaction of its own. Returns "" when `owner` holds it, else the holder.
    QString claimLease(const QString &owner, qint64 ttlMs, qint64 now) override;

    /// Deliveries waiting per target, as stored.
    std::optional<QHash<QString, qint64>> countPending() override;
    /// Told by PRAGMA data_version, which moves when another connection commits.
    bool changedElsewhere() override;
    /// Highest delivery row id ever committed to the store (by any process).
    qint64 lastDeliveryId() override;

    QString path() const;
    QString location() const override { return path(); }
    /// The connection's WAL file, which WalSyncer syncs.
    QString walPath() const override;
    /// Called after each commit with the number of frames in the WAL file.
    void setWalHook(std::function<void(int frames)> hook) override;
    /// Frames in the WAL after the last commit.
    int walFrames() const override { return m_walFrames; }
    /// Copies what the WAL holds into the store file on this connection (PASSIVE: returns
    /// at once if another checkpoint runs). When all of it is copied, the next transaction
    /// writes the WAL from its start again: syncing a file that does not grow is cheaper.
    bool checkpoint() override;
    /// Read from meta ("store_id"); made, and checkpointed into the store file, when missing.
    Result<QByteArray> intentLogId() override;
    /// (SQLite's WAL hook.)
    void walCommitted(int frames);

private:
    explicit SqliteOutboxStore(std::unique_ptr<Store> store);
    bool writeOutcomes(const OutcomeWrite &write, Summary &summary, qint64 now, QString &error);

    std::unique_ptr<Store> m_store;
    sqlite3 *m_db = nullptr;
    std::function<void(int)> m_walHook;
    int m_walFrames = 0;
    SqliteStatement m_begin, m_commit, m_rollback;
    SqliteStatement m_lastDelivery;
    qint64 m_dataVersion = -1; ///< PRAGMA data_version when changedElsewhere() last asked
    SqliteStatement m_markDone, m_markRetry, m_markDead, m_markHold, m_ledgerRange, m_logAttempt;
    SqliteEventRows m_eventRows;
    SqliteDoneMarker m_doneMarker;
    std::vector<const DeliveryOutcome *> m_doneRows; ///< of the outcome write in hand
};

} // namespace jobfirst
