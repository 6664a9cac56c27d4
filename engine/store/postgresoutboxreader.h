// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/connectbackoff.h"
#include "store/postgresprobe.h"
#include "store/postgressilencewatch.h"
#include "store/outboxreader.h"
#include "store/postgresurl.h"

#include <QSqlDatabase>
#include <QSqlQuery>

#include <memory>

namespace jobfirst {

/// OutboxReader on PostgreSQL (the delivery thread's connection): rows of the partitions this
/// process holds only. dataVersion() is the server's WAL insert position: it moves with every
/// commit of any daemon (and with the server's own upkeep, which only costs a read).
/// Enqueue transactions of all daemons commit concurrently, so a smaller delivery id can
/// become visible after a larger one; each holds a marker (a shared advisory lock keyed
/// -(the next id when it began)) until it ends, and dataVersion() also reads the horizon:
/// the smallest id that may still appear. Queue reads stop below it, so the delivery
/// engine's id cursor never passes a row that is not visible yet. A lost connection is opened
/// again at the next call. Used from one thread.
class PostgresOutboxReader final : public OutboxReader
{
public:
    static Result<std::unique_ptr<PostgresOutboxReader>> open(const PostgresUrl &url);
    ~PostgresOutboxReader() override;

    Status readPending(const QString &target, qint64 afterId, int limit,
                       std::vector<PendingDelivery> &out) override;
    qint64 dataVersion() override;
    void setPartitions(const QList<int> &parts) override;
    Status readEvents(qint64 firstSeq, int count,
                      std::vector<std::pair<qint64, QByteArray>> &out) override;

private:
    explicit PostgresOutboxReader(PostgresUrl url);
    QString connect();
    /// The connection is waiting for the server while the answer lives.
    PostgresSilenceWatch::Busy busy() const;
    void disconnect();
    Status failed(QSqlQuery &q, const QString &what);

    PostgresUrl m_url;
    QString m_connection;
    QSqlDatabase m_db;
    bool m_connected = false;
    std::unique_ptr<QSqlQuery> m_pending, m_events, m_dataVersion;
    /// Rows with this id or above may still become visible: not read (see dataVersion()).
    qint64 m_horizon = 0;
    /// Drops the connection when a read waits a lease period on a silent server.
    std::unique_ptr<PostgresSilenceWatch> m_silence;
    ConnectBackoff m_backoff;                    ///< no connect for a while after a failed one
    /// Connects fail at once, instead of each waiting connect_timeout on the delivery thread,
    /// from a failed connect or a silent server until the server answers again.
    PostgresProbe m_probe;
    QString m_partitions = QStringLiteral("{}"); ///< held partitions, an array literal
};

} // namespace jobfirst
