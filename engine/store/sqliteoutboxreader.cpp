// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqliteoutboxreader.h"

#include "store/store.h"

namespace jobfirst {

Result<std::unique_ptr<SqliteOutboxReader>> SqliteOutboxReader::open(const QString &path)
{
    auto opened = Store::open(path);
    if (!opened)
        return opened.error();
    std::unique_ptr<SqliteOutboxReader> r(new SqliteOutboxReader(std::move(opened).value()));
    sqlite3 *db = sqliteHandle(r->m_store->database());
    if (!db)
        return makeError(QStringLiteral("store.open"),
                         QStringLiteral("store %1: not an SQLite connection").arg(path));
    r->m_pending = SqliteStatement(
        db, "SELECT d.id, d.user_id, d.next_at, d.attempts, d.event_seq, d.event_count,"
            " e.event_id, e.payload, e.created_at"
            " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
            " WHERE d.target = ? AND d.state = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?");
    r->m_events = SqliteStatement(
        db, "SELECT seq, payload FROM events WHERE seq >= ? AND seq < ? ORDER BY seq");
    r->m_dataVersion = SqliteStatement(db, "PRAGMA data_version");
    r->m_begin = SqliteStatement(db, "BEGIN");
    r->m_end = SqliteStatement(db, "COMMIT");
    if (!r->m_dataVersion.ok())
        return storeError(path, QStringLiteral("prepare the delivery reads"),
                          r->m_dataVersion.error());
    if (!r->m_pending.ok() || !r->m_events.ok())
        return storeError(path, QStringLiteral("prepare the delivery reads"),
                          r->m_pending.ok() ? r->m_events.error() : r->m_pending.error());
    return r;
}

SqliteOutboxReader::SqliteOutboxReader(std::unique_ptr<Store> store) : m_store(std::move(store)) {}

SqliteOutboxReader::~SqliteOutboxReader() = default;

void SqliteOutboxReader::beginPass()
{
    // Deferred: the snapshot is taken by the pass's first read (its data version). A pass
    // left open ends here: its snapshot would hide what was written since.
    endPass();
    m_inPass = m_begin.ok() && m_begin.exec();
}

void SqliteOutboxReader::endPass()
{
    if (m_inPass)
        m_end.exec();
    m_inPass = false;
}

qint64 SqliteOutboxReader::dataVersion()
{
    const qint64 version = m_dataVersion.next() ? m_dataVersion.int64(0) : -1;
    m_dataVersion.reset();
    return version;
}

Status SqliteOutboxReader::readPending(const QString &target, qint64 afterId, int limit,
                                       std::vector<PendingDelivery> &out)
{
    ++m_pendingReads;
    if (m_recent.empty())
        m_recent.resize(RecentEvents);
    m_pending.bind(1, target);
    m_pending.bind(2, afterId);
    m_pending.bind(3, limit);
    while (m_pending.next()) {
        PendingDelivery row;
        row.id = m_pending.int64(0);
        row.user = m_pending.text(1);
        row.due = m_pending.int64(2);
        row.attempts = int(m_pending.int64(3));
        row.seq = m_pending.int64(4);
        row.count = int(m_pending.int64(5));
        RecentEvent &event = m_recent[std::size_t(row.seq) % RecentEvents];
        if (event.seq != row.seq) {
            event.seq = row.seq;
            event.eventId = m_pending.text(6);
            event.payload = m_pending.bytes(7);
        }
        row.eventId = event.eventId;
        row.payload = event.payload;
        row.createdAt = m_pending.int64(8);
        out.push_back(std::move(row));
    }
    const bool failed = m_pending.failed();
    const QString error = failed ? m_pending.error() : QString();
    m_pending.reset(); // ends the read transaction, unless a pass holds one
    if (failed)
        return storeError(m_store->path(), QStringLiteral("read the queue of %1").arg(target),
                          error);
    return {};
}

Status SqliteOutboxReader::readEvents(qint64 firstSeq, int count,
                                      std::vector<std::pair<qint64, QByteArray>> &out)
{
    m_events.bind(1, firstSeq);
    m_events.bind(2, firstSeq + count);
    while (m_events.next())
        out.emplace_back(m_events.int64(0), m_events.bytes(1));
    const bool failed = m_events.failed();
    const QString error = failed ? m_events.error() : QString();
    m_events.reset();
    if (failed)
        return storeError(m_store->path(), QStringLiteral("read events from %1").arg(firstSeq),
                          error);
    return {};
}

} // namespace jobfirst
