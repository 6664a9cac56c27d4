// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqliteoutboxreader.h"

#include "store/store.h"

#include <algorithm>

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
    // A target that found three in ten or more of its rows' events already read (six targets:
    // five of each event's six rows find it in a slot) reads its rows alone, and the events not
    // in a slot in one walk over the events table per run of nearby seqs (pendingEvents()): the
    // join looked each one up again. The first target to read events (or the only one) keeps
    // the join, which finds the next event from where the last one left it.
    r->m_pendingJoined = SqliteStatement(
        db, "SELECT d.id, d.user_id, d.next_at, d.attempts, d.event_seq, d.event_count,"
            " e.event_id, e.payload, e.created_at"
            " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
            " WHERE d.target = ? AND d.state = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?");
    r->m_pending = SqliteStatement(
        db, "SELECT id, user_id, next_at, attempts, event_seq, event_count FROM deliveries"
            " WHERE target = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT ?");
    r->m_pendingEvents = SqliteStatement(
        db, "SELECT seq, event_id, payload, created_at FROM events WHERE seq >= ? AND seq <= ?"
            " ORDER BY seq");
    r->m_events = SqliteStatement(
        db, "SELECT seq, payload FROM events WHERE seq >= ? AND seq < ? ORDER BY seq");
    r->m_dataVersion = SqliteStatement(db, "PRAGMA data_version");
    r->m_begin = SqliteStatement(db, "BEGIN");
    r->m_end = SqliteStatement(db, "COMMIT");
    if (!r->m_dataVersion.ok())
        return storeError(path, QStringLiteral("prepare the delivery reads"),
                          r->m_dataVersion.error());
    for (const SqliteStatement *st :
         {&r->m_pendingJoined, &r->m_pending, &r->m_pendingEvents, &r->m_events}) {
        if (!st->ok())
            return storeError(path, QStringLiteral("prepare the delivery reads"), st->error());
    }
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
    const std::size_t first = out.size();
    m_missing.clear();
    if (m_joined.size() > 10000)
        m_joined.clear(); // targets come and go: the map cannot grow without end
    const auto known = m_joined.constFind(target);
    const bool joined = known == m_joined.cend() || known.value();
    SqliteStatement &q = joined ? m_pendingJoined : m_pending;
    q.bind(1, target);
    q.bind(2, afterId);
    q.bind(3, limit);
    std::size_t found = 0;
    while (q.next()) {
        PendingDelivery row;
        row.id = q.int64(0);
        row.user = q.text(1);
        row.due = q.int64(2);
        row.attempts = int(q.int64(3));
        row.seq = q.int64(4);
        row.count = int(q.int64(5));
        RecentEvent &event = m_recent[std::size_t(row.seq) % RecentEvents];
        if (event.seq == row.seq) {
            ++found;
        } else if (joined) {
            event.seq = row.seq;
            event.eventId = q.text(6);
            event.payload = q.bytes(7);
            event.createdAt = q.int64(8);
        } else {
            m_missing.emplace_back(row.seq, out.size());
            out.push_back(std::move(row));
            continue;
        }
        row.eventId = event.eventId;
        row.payload = event.payload;
        row.createdAt = event.createdAt;
        out.push_back(std::move(row));
    }
    if (const std::size_t rows = out.size() - first; rows > 0)
        m_joined.insert(target, 10 * found < 3 * rows);
    bool failed = q.failed();
    QString error = failed ? q.error() : QString();
    q.reset(); // ends the read transaction, unless a pass holds one
    if (!failed && !m_missing.empty() && !pendingEvents(out, error))
        failed = true;
    if (failed) {
        out.resize(first);
        return storeError(m_store->path(), QStringLiteral("read the queue of %1").arg(target),
                          error);
    }
    return {};
}

bool SqliteOutboxReader::pendingEvents(std::vector<PendingDelivery> &out, QString &error)
{
    // By seq; a run of seqs no further apart than MaxGap is read in one walk (a queue's rows
    // mostly follow the events' order), a lone one by itself.
    constexpr qint64 MaxGap = 64;
    std::sort(m_missing.begin(), m_missing.end());
    m_lost.clear();
    for (std::size_t from = 0; from < m_missing.size();) {
        std::size_t to = from + 1;
        while (to < m_missing.size() && m_missing[to].first - m_missing[to - 1].first <= MaxGap)
            ++to;
        m_pendingEvents.bind(1, m_missing[from].first);
        m_pendingEvents.bind(2, m_missing[to - 1].first);
        std::size_t next = from;
        while (next < to && m_pendingEvents.next()) {
            const qint64 seq = m_pendingEvents.int64(0);
            for (; next < to && m_missing[next].first < seq; ++next)
                m_lost.push_back(m_missing[next].second); // not in the store
            if (next == to || m_missing[next].first != seq)
                continue;
            RecentEvent &event = m_recent[std::size_t(seq) % RecentEvents];
            event.seq = seq;
            event.eventId = m_pendingEvents.text(1);
            event.payload = m_pendingEvents.bytes(2);
            event.createdAt = m_pendingEvents.int64(3);
            for (; next < to && m_missing[next].first == seq; ++next) {
                PendingDelivery &row = out[m_missing[next].second];
                row.eventId = event.eventId;
                row.payload = event.payload;
                row.createdAt = event.createdAt;
            }
        }
        for (; next < to; ++next)
            m_lost.push_back(m_missing[next].second);
        const bool failed = m_pendingEvents.failed();
        if (failed)
            error = m_pendingEvents.error();
        m_pendingEvents.reset();
        if (failed)
            return false;
        from = to;
    }
    if (!m_lost.empty()) {
        // A row whose event is not in the store is left out, as the join left it out.
        std::sort(m_lost.begin(), m_lost.end());
        std::size_t kept = m_lost.front(), lost = 0;
        for (std::size_t i = m_lost.front(); i < out.size(); ++i) {
            if (lost < m_lost.size() && m_lost[lost] == i) {
                ++lost;
                continue;
            }
            out[kept++] = std::move(out[i]);
        }
        out.resize(kept);
    }
    return true;
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
