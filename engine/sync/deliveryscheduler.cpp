// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliveryscheduler.h"

#include "store/outboxreader.h"

#include <QSet>

#include <cmath>

namespace jobfirst {

namespace {

void addRow(DeliveryFlight &flight, PendingDelivery &row)
{
    flight.rows.push_back(DeliveryFlight::Row{row.id, row.seq, row.createdAt, row.attempts,
                                              row.count, row.user, row.eventId});
}

} // namespace

void DeliveryScheduler::beginPass()
{
    m_reader.beginPass();
    m_inPass = true;
    m_versionRead = false;
    m_dataVersion = -1;
}

void DeliveryScheduler::endPass()
{
    m_reader.endPass();
    m_inPass = false;
    m_dataVersion = -1;
}

qint64 DeliveryScheduler::passVersion()
{
    // Read once per pass, before its first queue read (PostgreSQL: with the horizon of open
    // enqueues that bounds those reads). A pass that reads no queue (every target's read-ahead
    // is full, as it is through a backlog) asks the store nothing: the question is a round trip
    // and a scan of the server's lock table there.
    if (m_inPass && !m_versionRead) {
        m_dataVersion = m_reader.dataVersion();
        m_versionRead = true;
    }
    return m_dataVersion;
}

Status DeliveryScheduler::bulkEvents(qint64 seq, int count,
                                     std::vector<std::pair<qint64, QByteArray>> &out)
{
    // Events never change once written (seqs are not reused), so a copy read for one target
    // serves the others.
    for (const CachedRow &row : m_bulkCache) {
        if (row.seq == seq && row.count == count) {
            out.insert(out.end(), row.events.begin(), row.events.end());
            return {};
        }
    }
    const std::size_t from = out.size();
    if (Status s = m_reader.readEvents(seq, count, out); !s)
        return s;
    if (out.size() - from != std::size_t(count) || count > BulkCacheEvents)
        return {};
    m_bulkCache.push_back(CachedRow{seq, count, {out.begin() + std::ptrdiff_t(from), out.end()}});
    m_bulkCached += count;
    while (m_bulkCached > BulkCacheEvents) {
        m_bulkCached -= m_bulkCache.front().count;
        m_bulkCache.pop_front();
    }
    return {};
}

DeliveryScheduler::Result DeliveryScheduler::refill(TargetRuntime &rt, int wanted, qint64 now)
{
    Result result;
    if (rt.rescan || (rt.rescanAt > 0 && now >= rt.rescanAt)) {
        rt.ready.clear();
        rt.cursor = 0;
        rt.rescan = false;
        rt.rescanAt = 0;
        rt.drainedAt = -1;
    }
    if (qsizetype(rt.ready.size()) >= wanted)
        return result;
    const qint64 version = passVersion();
    if (version >= 0 && rt.drainedAt == version)
        return result; // read to its end, and nothing was written since
    m_read.clear();
    const int limit = 2 * wanted - int(rt.ready.size());
    if (Status s = m_reader.readPending(rt.config.name, rt.cursor, limit, m_read); !s) {
        result.error = s.error().message;
        return result;
    }
    rt.drainedAt = int(m_read.size()) < limit ? version : -1;
    for (PendingDelivery &row : m_read) {
        rt.cursor = row.id;
        if (!rt.busyRows.contains(row.id)) // else in flight or awaiting commit
            rt.ready.push_back(std::move(row));
    }
    return result;
}

/// How many requests the target may start now: its free workers, one probe while its circuit
/// is half open, its rate limit's tokens and the room sync_queue_size leaves in memory. Moves
/// an open circuit whose time is up to half open (`circuitChanged`), and sets `nextDue` when
/// the circuit or the rate limit is what holds it.
int DeliveryScheduler::freeSlots(TargetRuntime &rt, qint64 now, const Limits &limits,
                                 bool &circuitChanged)
{
    const DeliveryTarget &c = rt.config;
    int free = c.workers - rt.inFlight;
    if (rt.circuit == CircuitState::Open) {
        if (now < rt.openUntil) {
            rt.nextDue = rt.openUntil;
            return 0;
        }
        rt.circuit = CircuitState::HalfOpen;
        circuitChanged = true;
    }
    if (rt.circuit == CircuitState::HalfOpen)
        free = std::min(free, 1 - rt.inFlight); // one probe at a time
    if (c.rateLimit > 0) {
        rt.tokens = std::min(std::max(1.0, c.rateLimit),
                             rt.tokens + double(now - rt.tokensAt) * c.rateLimit / 1000.0);
        rt.tokensAt = now;
        free = std::min(free, int(rt.tokens));
        if (free <= 0)
            rt.nextDue = now + qint64(std::ceil(1000.0 / c.rateLimit));
    }
    // sync_queue_size bounds the events held in memory (in flight or awaiting commit).
    const int perRequest = std::max(1, c.batchSize);
    const qint64 room = limits.queueLimit - limits.held;
    if (room < perRequest)
        return std::min(free, limits.held == 0 ? 1 : 0);
    return int(std::min<qint64>(free, room / perRequest));
}

/// One target's requests being filled by one schedule() call.
struct DeliveryScheduler::Fill
{
    TargetRuntime &rt;
    const qint64 now;
    const Limits &limits;
    std::vector<DeliveryFlight> &out;
    Result result;
    int free = 0;          ///< requests the target may still start
    int perRequest = 1;    ///< events a batch holds at most
    QSet<QString> seen;    ///< users met in this pass: their later rows stay behind the first
    DeliveryFlight flight; ///< the batch being filled

    /// rt is scheduled again (and its queue read again) by `due`.
    void waitFor(qint64 due)
    {
        rt.nextDue = rt.nextDue ? std::min(rt.nextDue, due) : due;
        rt.rescanAt = rt.rescanAt ? std::min(rt.rescanAt, due) : due;
    }
    /// Sends `f`: its rows and users are busy until it is settled.
    void launch(DeliveryFlight &&f)
    {
        for (const DeliveryFlight::Row &row : f.rows) {
            rt.busyRows.insert(row.id);
            if (!row.user.isEmpty())
                rt.busyUsers.insert(row.user);
        }
        f.target = rt.config.name;
        ++rt.inFlight;
        --free;
        if (rt.config.rateLimit > 0)
            rt.tokens -= 1;
        out.push_back(std::move(f));
    }
    /// Sends the batch being filled and starts another.
    void launchBatch()
    {
        launch(std::move(flight));
        flight = DeliveryFlight{};
    }
};

DeliveryScheduler::Result DeliveryScheduler::schedule(TargetRuntime &rt, qint64 now,
                                                      const Limits &limits,
                                                      std::vector<DeliveryFlight> &out)
{
    Fill fill{rt, now, limits, out, {}};
    rt.nextDue = 0;
    if (!rt.sendable())
        return fill.result;
    fill.free = freeSlots(rt, now, limits, fill.result.circuitChanged);
    if (fill.free <= 0)
        return fill.result;
    fill.perRequest = std::max(1, rt.config.batchSize);
    // Top up the read-ahead; rows of busy users wait in it, so look further past them.
    const int wanted = 64 + fill.free * fill.perRequest * 2 + int(rt.busyUsers.size());
    if (Result r = refill(rt, wanted, now); !r.error.isEmpty()) {
        fill.result.error = r.error;
        return fill.result;
    }
    takeReadyRows(fill);
    if (!fill.flight.rows.empty()) {
        fill.flight.single = false; // a partial batch still goes as a batch
        fill.launch(std::move(fill.flight));
    }
    return fill.result;
}

void DeliveryScheduler::takeReadyRows(Fill &fill)
{
    TargetRuntime &rt = fill.rt;
    for (auto it = rt.ready.begin(); it != rt.ready.end() && fill.free > 0;) {
        // Rows are visible once committed, a moment before they are on disk: none that is
        // not durable yet goes out (later rows have higher ids).
        if (it->id > fill.limits.durableId) {
            fill.result.needDurable = true;
            break;
        }
        if (it->count > 1) {
            if (!takeBulkRow(fill, it))
                break;
        } else {
            takeEventRow(fill, it);
        }
    }
}

bool DeliveryScheduler::takeBulkRow(Fill &fill, std::deque<PendingDelivery>::iterator &it)
{
    PendingDelivery &row = *it;
    // A bulk row: its events go together as one request of their own.
    if (row.due > fill.now) {
        fill.waitFor(row.due);
        ++it;
        return true;
    }
    if (!fill.flight.rows.empty()) {
        // Earlier rows first, and never more requests than free slots.
        fill.launchBatch();
        if (fill.free <= 0)
            return false;
    }
    DeliveryFlight bulk;
    bulk.events.reserve(std::size_t(row.count));
    if (Status s = bulkEvents(row.seq, row.count, bulk.events); !s) {
        fill.result.error = s.error().message;
        return false;
    }
    if (int(bulk.events.size()) != row.count) {
        it = fill.rt.ready.erase(it); // event rows are gone (cannot happen short of manual edits)
        return true;
    }
    addRow(bulk, row);
    it = fill.rt.ready.erase(it);
    fill.launch(std::move(bulk));
    return true;
}

void DeliveryScheduler::takeEventRow(Fill &fill, std::deque<PendingDelivery>::iterator &it)
{
    PendingDelivery &row = *it;
    // A user met earlier in this pass keeps its later rows behind the first: a busy user
    // is in busyUsers, one waiting or in the unsent batch in `seen` (a launched row's
    // user goes to busyUsers, so most rows cost no second set).
    if (fill.rt.busyUsers.contains(row.user) ||
        (!fill.seen.isEmpty() && fill.seen.contains(row.user))) {
        ++it;
        return;
    }
    if (row.due > fill.now) {
        fill.seen.insert(row.user);
        fill.waitFor(row.due);
        ++it;
        return;
    }
    fill.flight.events.emplace_back(row.seq, std::move(row.payload));
    addRow(fill.flight, row);
    it = fill.rt.ready.erase(it);
    if (int(fill.flight.rows.size()) == fill.perRequest) {
        fill.flight.single = fill.perRequest == 1;
        fill.launchBatch();
    } else {
        fill.seen.insert(fill.flight.rows.back().user);
    }
}

} // namespace jobfirst
