// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresoutboxreader.h"

#include "store/deliverylease.h"
#include "store/postgresnotices.h"
#include "store/postgrespipeline.h"
#include "store/postgresschema.h"
#include "store/store.h"

#include <QDateTime>
#include <QSqlError>
#include <QStringList>
#include <QVariant>

namespace jobfirst {

Result<std::unique_ptr<PostgresOutboxReader>> PostgresOutboxReader::open(const PostgresUrl &url)
{
    std::unique_ptr<PostgresOutboxReader> r(new PostgresOutboxReader(url));
    auto db = PostgresSchema::open(url, r->m_connection);
    if (!db)
        return db.error();
    r->m_db = db.value();
    if (const QString error = r->connect(); !error.isEmpty())
        return makeError(QStringLiteral("store.unavailable"), error);
    return r;
}

PostgresOutboxReader::PostgresOutboxReader(PostgresUrl url)
    : m_url(std::move(url)), m_connection(PostgresSchema::newConnectionName("reader")),
      m_probe(m_url.libpqConnInfo(), m_url.toString())
{
}

PostgresOutboxReader::~PostgresOutboxReader()
{
    disconnect();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
}

void PostgresOutboxReader::disconnect()
{
    {
        // Freeing a prepared statement is a round trip too.
        const auto waiting = busy();
        m_pending.reset();
        m_events.reset();
        m_dataVersion.reset();
    }
    if (m_silence && m_silence->cut())
        m_probe.start(
            QStringLiteral("PostgreSQL store %1: %2").arg(m_url.toString(), m_silence->reason()));
    m_silence.reset();
    if (m_db.isValid())
        m_db.close();
    m_connected = false;
}

QString PostgresOutboxReader::connect()
{
    if (m_connected)
        return {};
    // After a failed connect the next try waits; calls meanwhile fail at once.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (QString wait = m_backoff.waiting(now); !wait.isEmpty())
        return wait;
    if (QString reason; m_probe.waiting(&reason))
        return reason;
    if (!m_db.isOpen() && !m_db.open()) {
        const QString reason =
            QStringLiteral("PostgreSQL store %1 cannot be reached: %2")
                .arg(m_url.toString(), PostgresUrl::errorText(m_db.lastError()));
        m_probe.start(reason);
        return m_backoff.failed(now, reason);
    }
    m_backoff.succeeded();
    routePostgresNotices(m_db);
    m_pending = std::make_unique<QSqlQuery>(m_db);
    m_events = std::make_unique<QSqlQuery>(m_db);
    m_dataVersion = std::make_unique<QSqlQuery>(m_db);
    for (auto *q : {m_pending.get(), m_events.get(), m_dataVersion.get()})
        q->setForwardOnly(true);
    const bool ok =
        m_pending->prepare(QStringLiteral(
            "SELECT d.id, d.user_id, d.next_at, d.attempts, d.event_seq, d.event_count,"
            " e.event_id, e.payload, e.created_at"
            " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
            " WHERE d.target = ? AND d.state = 'pending' AND d.id > ?"
            " AND d.id < ? AND d.part = ANY(CAST(? AS INTEGER[])) ORDER BY d.id LIMIT ?")) &&
        m_events->prepare(QStringLiteral(
            "SELECT seq, payload FROM events WHERE seq >= ? AND seq < ? ORDER BY seq")) &&
        // In one round trip and in this order, each step a parameter of the next so that no
        // plan can turn it around: the WAL position (a commit after it moves the next one),
        // then the next delivery id, then the markers of the enqueues still open. An id below
        // the next one was taken by a transaction that held its marker before it took it, so
        // that transaction is either still listed or committed (visible to the reads that
        // follow: a transaction's locks go after it became visible). The horizon is the
        // smallest marker below the next id, else the next id.
        m_dataVersion->prepare(QStringLiteral(
            "SELECT w.v, (SELECT COALESCE((SELECT -MAX(m.k) FROM (SELECT"
            " (CAST(classid AS BIGINT) << 32) | CAST(objid AS BIGINT) AS k FROM pg_locks"
            " WHERE locktype = 'advisory' AND objsubid = 1 AND database = (SELECT oid FROM"
            " pg_database WHERE datname = current_database())) m WHERE m.k < 0 AND"
            " m.k > -s.n), s.n) FROM (SELECT CASE WHEN is_called THEN last_value + 1 ELSE"
            " last_value END AS n FROM deliveries_id_seq WHERE w.v IS NOT NULL) s)"
            " FROM (SELECT CAST(pg_current_wal_insert_lsn() - CAST('0/0' AS pg_lsn) AS BIGINT)"
            " AS v OFFSET 0) w"));
    if (!ok) {
        QString why;
        for (auto *q : {m_pending.get(), m_events.get(), m_dataVersion.get()})
            if (q->lastError().isValid())
                why = q->lastError().text();
        disconnect();
        return QStringLiteral("PostgreSQL store %1: cannot prepare the delivery reads: %2")
            .arg(m_url.toString(), why);
    }
    m_connected = true;
    m_silence = std::make_unique<PostgresSilenceWatch>(
        PostgresPipeline::connectionOf(m_db), DeliveryLease::ttlMs(), m_url.toString());
    return {};
}

PostgresSilenceWatch::Busy PostgresOutboxReader::busy() const
{
    return m_silence ? m_silence->busy() : PostgresSilenceWatch::Busy();
}

Status PostgresOutboxReader::failed(QSqlQuery &q, const QString &what)
{
    const Error error = storeError(m_url.toString(), what, q.lastError().text());
    q.finish();
    QSqlQuery probe(m_db);
    if (!probe.exec(QStringLiteral("SELECT 1")))
        disconnect(); // the connection is gone: open it again next time
    return error;
}

void PostgresOutboxReader::setPartitions(const QList<int> &parts)
{
    QStringList text;
    for (int p : parts)
        text << QString::number(p);
    m_partitions = u'{' + text.join(u',') + u'}';
}

qint64 PostgresOutboxReader::dataVersion()
{
    if (!connect().isEmpty())
        return -1; // unknown: every queue is read
    const auto waiting = busy();
    if (!m_dataVersion->exec() || !m_dataVersion->next()) {
        failed(*m_dataVersion, QStringLiteral("read the WAL position and the open enqueues"));
        return -1;
    }
    const qint64 version = m_dataVersion->value(0).toLongLong();
    const qint64 horizon = m_dataVersion->value(1).toLongLong();
    m_dataVersion->finish();
    m_horizon = horizon;
    return version;
}

Status PostgresOutboxReader::readPending(const QString &target, qint64 afterId, int limit,
                                         std::vector<PendingDelivery> &out)
{
    ++m_pendingReads;
    if (const QString error = connect(); !error.isEmpty())
        return makeError(QStringLiteral("store.unavailable"), error);
    const auto waiting = busy();
    m_pending->bindValue(0, target);
    m_pending->bindValue(1, afterId);
    m_pending->bindValue(2, m_horizon);
    m_pending->bindValue(3, m_partitions);
    m_pending->bindValue(4, limit);
    if (!m_pending->exec())
        return failed(*m_pending, QStringLiteral("read the queue of %1").arg(target));
    while (m_pending->next()) {
        PendingDelivery row;
        row.id = m_pending->value(0).toLongLong();
        row.user = m_pending->value(1).toString();
        row.due = m_pending->value(2).toLongLong();
        row.attempts = m_pending->value(3).toInt();
        row.seq = m_pending->value(4).toLongLong();
        row.count = m_pending->value(5).toInt();
        row.eventId = m_pending->value(6).toString();
        row.payload = m_pending->value(7).toByteArray();
        row.createdAt = m_pending->value(8).toLongLong();
        out.push_back(std::move(row));
    }
    m_pending->finish();
    return {};
}

Status PostgresOutboxReader::readEvents(qint64 firstSeq, int count,
                                        std::vector<std::pair<qint64, QByteArray>> &out)
{
    if (const QString error = connect(); !error.isEmpty())
        return makeError(QStringLiteral("store.unavailable"), error);
    const auto waiting = busy();
    m_events->bindValue(0, firstSeq);
    m_events->bindValue(1, firstSeq + count);
    if (!m_events->exec())
        return failed(*m_events, QStringLiteral("read events from %1").arg(firstSeq));
    while (m_events->next())
        out.emplace_back(m_events->value(0).toLongLong(), m_events->value(1).toByteArray());
    m_events->finish();
    return {};
}

} // namespace jobfirst
