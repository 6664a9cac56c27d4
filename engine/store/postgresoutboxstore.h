// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/outboxstore.h"
#include "store/postgresurl.h"

#include <QSqlDatabase>
#include <QSqlQuery>

#include <functional>
#include <map>
#include <memory>

namespace jobfirst {

/// OutboxStore on PostgreSQL through QtSql's QPSQL driver: the outbox writer's connection.
/// Each group is one transaction and its COMMIT returns once the server has flushed its WAL
/// (synchronous_commit = on), so a group is durable when commit() returns: the callers of a
/// group share one flush, as in the SQLite store. Groups that accept events take a
/// transaction-scoped advisory lock first, so delivery ids become visible in id order even
/// with several daemons writing (the delivery engine reads each queue through an id cursor).
/// Deliveries are partitioned by user (PostgresSchema::partitionOf); claimLease() holds a fair
/// share of the partitions' leases, and an outcome is recorded only while its row's partition
/// is held (fencing). A lost connection is opened again at the next call. Used from one thread.
class PostgresOutboxStore final : public OutboxStore
{
public:
    static Result<std::unique_ptr<PostgresOutboxStore>> open(const PostgresUrl &url);
    ~PostgresOutboxStore() override;

    QString location() const override { return m_url.toString(); }
    Result<Summary> commit(const std::vector<OutboxRequest *> &group, qint64 now) override;
    QString claimLease(const QString &owner, qint64 ttlMs, qint64 now) override;
    QList<int> heldPartitions() const override { return m_held; }
    QHash<QString, qint64> countPending() override;
    qint64 lastDeliveryId() override;

private:
    explicit PostgresOutboxStore(PostgresUrl url);
    /// Connects (again) and prepares the statements; "" or why it cannot.
    QString connect();
    void disconnect();
    /// Records outcomes of rows in `held` partitions ("{1,2}"); the others are counted in
    /// `refused` and not written.
    bool writeOutcomes(const OutcomeWrite &write, const QString &held, Summary &summary, qint64 now,
                       QString &error, int &refused);
    QString fail(QSqlQuery &q, const QString &what);

    /// The partitions m_leaseOwner holds, locked FOR SHARE (they cannot pass on before this
    /// transaction ends), as an array literal "{1,2}".
    QString lockHeldPartitions(QString &error);

    PostgresUrl m_url;
    QString m_leaseOwner; ///< who this writer last claimed the lease for ("" none)
    QList<int> m_held;    ///< partitions held after the last claim
    QString m_connection;
    QSqlDatabase m_db;
    bool m_connected = false;
    struct Rows;
    /// The multi-row INSERT of `rows` rows, prepared once per size on this connection.
    QSqlQuery &chunk(std::map<int, std::unique_ptr<QSqlQuery>> &cache, int rows,
                     const std::function<QString(int)> &sql);
    /// Inserts the events of a write: the seq of each new one by event id.
    bool insertEvents(const QList<OutboxItem> &items, QHash<QString, qint64> &seqs, QString &error);

    std::unique_ptr<QSqlQuery> m_supersede, m_markDone, m_markRetry, m_markDead, m_markHold,
        m_ledger, m_ledgerRange, m_logAttempt;
    std::map<int, std::unique_ptr<QSqlQuery>> m_eventChunks, m_deliveryChunks;
};

} // namespace jobfirst
