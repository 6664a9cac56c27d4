// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliveryengine.h"

#include "store/store.h"
#include "sync/httpdeliveryclient.h"
#include "sync/outboxwriter.h"
#include "sync/retrypolicy.h"
#include "sync/webhooksignature.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlError>
#include <QSysInfo>
#include <QSqlQuery>

#include <algorithm>
#include <future>
#include <numeric>
#include <random>

namespace jobfirst {

namespace {

constexpr int BreakerThreshold = 5;       // consecutive failures that open a circuit
constexpr std::size_t LatencyWindow = 8192;
constexpr int CommitEvery = 512;          // results per transaction at most
constexpr qint64 CommitAfterMs = 5;       // or this long after the first waiting result
constexpr qint64 LeaseTtlMs = 15000;      // the delivery lease lapses this long after a renewal
constexpr qint64 StandbyPollMs = 1000;    // a standby engine asks for the lease this often

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

} // namespace

/// A pending delivery row read ahead from the store, with its (first) event.
struct PendingRow
{
    qint64 id = 0;
    QString user;
    qint64 due = 0;
    int attempts = 0;
    qint64 seq = 0;
    int count = 1;
    QString eventId;
    QByteArray payload;
    qint64 createdAt = 0;
};

struct DeliveryEngine::Runtime
{
    DeliveryTarget config;
    // Read-ahead: pending rows in id order, read once through a cursor instead of re-reading
    // the head of the queue (and the rows in flight) on every turn.
    std::deque<PendingRow> ready;
    qint64 cursor = 0;            // highest id read into `ready`
    bool rescan = true;           // re-read from the start: rows behind the cursor changed
    qint64 rescanAt = 0;          // a waiting row falls due then: re-read it fresh
    int inFlight = 0;
    QSet<QString> busyUsers;      // users with a delivery in flight or awaiting commit
    int consecutiveFailures = 0;
    CircuitState circuit = CircuitState::Closed;
    qint64 openUntil = 0;
    int opens = 0;
    double tokens = 0;
    qint64 tokensAt = 0;
    bool gone = false;            // 410 seen
    qint64 nextDue = 0;           // earliest not-yet-due delivery seen in the last scan
};

struct DeliveryEngine::Flight
{
    QString target;
    std::vector<qint64> ids;
    std::vector<QString> users;
    std::vector<QString> eventIds;
    std::vector<qint64> versions;
    std::vector<qint64> createdAt;
    std::vector<int> attempts;
    std::vector<int> counts;      // events per row (bulk rows cover many)

    void add(const PendingRow &row)
    {
        ids.push_back(row.id);
        users.push_back(row.user);
        eventIds.push_back(row.eventId);
        versions.push_back(row.seq);
        createdAt.push_back(row.createdAt);
        attempts.push_back(row.attempts);
        counts.push_back(row.count);
    }
};

namespace {

/// The stored event as sent: its version (the outbox sequence) goes first in the object.
QByteArray withVersion(QByteArray payload, qint64 version)
{
    payload.insert(1, "\"version\":" + QByteArray::number(version) + ',');
    return payload;
}

} // namespace


DeliveryEngine::DeliveryEngine(QString dbPath, OutboxWriter *writer)
    : m_dbPath(std::move(dbPath)), m_writer(writer)
{
    m_latencies.reserve(LatencyWindow);
}

DeliveryEngine::~DeliveryEngine()
{
    stop();
}

Status DeliveryEngine::start()
{
    if (m_thread.joinable())
        return {};
    m_stop = false;
    std::promise<Status> started;
    auto future = started.get_future();
    m_thread = std::thread([this, p = std::move(started)]() mutable { run(std::move(p)); });
    Status s = future.get();
    if (!s)
        m_thread.join();
    return s;
}

void DeliveryEngine::stop()
{
    if (!m_thread.joinable())
        return;
    m_stop = true;
    wake();
    m_thread.join();
}

void DeliveryEngine::setTargets(const QList<DeliveryTarget> &targets)
{
    {
        std::lock_guard lock(m_mutex);
        m_newTargets = targets;
        m_targetsChanged = true;
    }
    wake();
}

void DeliveryEngine::wake()
{
    m_dirty = true;
    std::lock_guard lock(m_mutex);
    if (m_http)
        static_cast<HttpDeliveryClient *>(m_http)->wake();
}

QHash<QString, TargetStatus> DeliveryEngine::targetStatuses() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

void DeliveryEngine::latency(double *p50, double *p95, double *p99, double *perSecond) const
{
    std::vector<float> copy;
    qint64 lastSecond = 0;
    {
        std::lock_guard lock(m_mutex);
        copy = m_latencies;
        const qint64 second = nowMs() / 1000 - 1;
        for (const auto &c : m_completions)
            if (c.first == second)
                lastSecond = c.second;
    }
    auto pct = [&copy](double p) -> double {
        if (copy.empty())
            return 0;
        const std::size_t k = std::min(copy.size() - 1, std::size_t(p * double(copy.size())));
        std::nth_element(copy.begin(), copy.begin() + std::ptrdiff_t(k), copy.end());
        return copy[k];
    };
    *p50 = pct(0.50);
    *p95 = pct(0.95);
    *p99 = pct(0.99);
    *perSecond = double(lastSecond);
}

void DeliveryEngine::run(std::promise<Status> started)
{
    auto opened = Store::open(m_dbPath);
    if (!opened) {
        started.set_value(opened.error());
        return;
    }
    std::unique_ptr<Store> store = std::move(opened).value();
    QSqlDatabase db = store->database();
    HttpDeliveryClient http;
    {
        std::lock_guard lock(m_mutex);
        m_http = &http;
    }
    started.set_value(Status());

    // Reads pending rows after the cursor with their (first) event, in id order.
    QSqlQuery scan(db);
    scan.setForwardOnly(true);
    scan.prepare(QStringLiteral("SELECT d.id, d.user_id, d.next_at, d.attempts, d.event_seq, d.event_count,"
                                " e.event_id, e.payload, e.created_at"
                                " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
                                " WHERE d.target = ? AND d.state = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?"));
    QSqlQuery eventsOf(db);
    eventsOf.setForwardOnly(true);
    eventsOf.prepare(QStringLiteral("SELECT seq, event_id, payload, created_at FROM events WHERE seq >= ? AND seq < ? ORDER BY seq"));

    QHash<QString, Runtime> targets;
    QSet<qint64> busyIds;
    std::unordered_map<std::uint64_t, Flight> flights;
    std::uint64_t nextTag = 1;
    std::vector<HttpResult> results;
    std::vector<DeliveryOutcome> outcomes;
    qint64 firstWaitingAt = 0;
    std::mt19937_64 random{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    auto publish = [&](Runtime &rt, const std::function<void(TargetStatus &)> &change) {
        std::lock_guard lock(m_mutex);
        TargetStatus &s = m_status[rt.config.name];
        s.name = rt.config.name;
        s.url = QString::fromUtf8(rt.config.url);
        s.paused = rt.config.paused;
        s.held = rt.config.held;
        s.enabled = rt.config.enabled && !rt.gone;
        s.circuit = rt.circuit;
        s.inFlight = rt.inFlight;
        if (change)
            change(s);
    };

    auto setCircuit = [&](Runtime &rt, CircuitState state) {
        if (rt.circuit == state)
            return;
        rt.circuit = state;
        publish(rt, {});
        if (onCircuitChanged)
            onCircuitChanged(rt.config.name, state);
    };

    auto dispatch = [&](Runtime &rt, Flight &&flight, std::vector<QByteArray> &&payloads) {
        HttpPost post;
        post.tag = nextTag++;
        post.url = rt.config.url;
        post.timeoutMs = rt.config.timeoutMs;
        post.security = rt.config.security;
        if (payloads.size() == 1 && rt.config.batchSize == 1) {
            post.body = std::move(payloads.front());
        } else {
            post.body = "{\"events\":[";
            for (std::size_t i = 0; i < payloads.size(); ++i) {
                if (i)
                    post.body += ',';
                post.body += payloads[i];
            }
            post.body += "]}";
        }
        const qint64 events = std::accumulate(flight.counts.begin(), flight.counts.end(), qint64(0));
        const QByteArray id = flight.ids.size() == 1 && flight.counts.front() == 1 && rt.config.batchSize == 1
                                  ? flight.eventIds.front().toUtf8()
                                  : "batch_" + QByteArray::number(flight.ids.front()) + '_' + QByteArray::number(events);
        const qint64 ts = QDateTime::currentSecsSinceEpoch();
        post.headers << "webhook-id: " + id << "webhook-timestamp: " + QByteArray::number(ts);
        if (!rt.config.secret.isEmpty())
            post.headers << "webhook-signature: " + WebhookSignature::sign(rt.config.secret, id, ts, post.body);
        for (std::size_t i = 0; i < flight.ids.size(); ++i) {
            busyIds.insert(flight.ids[i]);
            if (!flight.users[i].isEmpty())
                rt.busyUsers.insert(flight.users[i]);
        }
        m_held += events;
        ++rt.inFlight;
        ++m_inFlightTotal;
        flight.target = rt.config.name;
        flights.emplace(post.tag, std::move(flight));
        http.submit(std::move(post));
    };

    auto scanTarget = [&](Runtime &rt, qint64 now) {
        const DeliveryTarget &c = rt.config;
        rt.nextDue = 0;
        if (!c.enabled || c.paused || c.held || rt.gone)
            return;
        int free = c.workers - rt.inFlight;
        if (rt.circuit == CircuitState::Open) {
            if (now < rt.openUntil) {
                rt.nextDue = rt.openUntil;
                return;
            }
            setCircuit(rt, CircuitState::HalfOpen);
        }
        if (rt.circuit == CircuitState::HalfOpen)
            free = std::min(free, 1 - rt.inFlight); // one probe at a time
        if (c.rateLimit > 0) {
            rt.tokens = std::min(std::max(1.0, c.rateLimit), rt.tokens + double(now - rt.tokensAt) * c.rateLimit / 1000.0);
            rt.tokensAt = now;
            free = std::min(free, int(rt.tokens));
            if (free <= 0)
                rt.nextDue = now + qint64(std::ceil(1000.0 / c.rateLimit));
        }
        const int perRequest = std::max(1, c.batchSize);
        // sync_queue_size bounds the events held in memory (in flight or awaiting commit).
        const qint64 room = m_queueLimit.load() - m_held.load();
        if (room < perRequest)
            free = std::min(free, m_held.load() == 0 ? 1 : 0);
        else
            free = std::min<qint64>(free, room / perRequest);
        if (free <= 0)
            return;
        if (rt.rescan || (rt.rescanAt > 0 && now >= rt.rescanAt)) {
            rt.ready.clear();
            rt.cursor = 0;
            rt.rescan = false;
            rt.rescanAt = 0;
        }
        // Top up the read-ahead; rows of busy users wait in it, so look further past them.
        const qsizetype want = 64 + qsizetype(free) * perRequest * 2 + rt.busyUsers.size();
        if (qsizetype(rt.ready.size()) < want) {
            scan.addBindValue(c.name);
            scan.addBindValue(rt.cursor);
            scan.addBindValue(2 * want - qsizetype(rt.ready.size()));
            if (!scan.exec()) {
                qWarning("sync: scan of %s failed: %s", qPrintable(c.name), qPrintable(scan.lastError().text()));
                return;
            }
            while (scan.next()) {
                PendingRow row;
                row.id = scan.value(0).toLongLong();
                rt.cursor = row.id;
                if (busyIds.contains(row.id))
                    continue; // in flight or awaiting commit
                row.user = scan.value(1).toString();
                row.due = scan.value(2).toLongLong();
                row.attempts = scan.value(3).toInt();
                row.seq = scan.value(4).toLongLong();
                row.count = scan.value(5).toInt();
                row.eventId = scan.value(6).toString();
                row.payload = scan.value(7).toByteArray();
                row.createdAt = scan.value(8).toLongLong();
                rt.ready.push_back(std::move(row));
            }
            scan.finish();
        }
        QSet<QString> seen;
        Flight flight;
        std::vector<QByteArray> payloads;
        const auto waitFor = [&rt](qint64 due) {
            rt.nextDue = rt.nextDue ? std::min(rt.nextDue, due) : due;
            rt.rescanAt = rt.rescanAt ? std::min(rt.rescanAt, due) : due;
        };
        for (auto it = rt.ready.begin(); it != rt.ready.end() && free > 0;) {
            PendingRow &row = *it;
            if (row.count > 1) {
                // A bulk row: its events go together as one request of their own.
                if (row.due > now) {
                    waitFor(row.due);
                    ++it;
                    continue;
                }
                Flight bulk;
                std::vector<QByteArray> bodies;
                bodies.reserve(std::size_t(row.count));
                eventsOf.addBindValue(row.seq);
                eventsOf.addBindValue(row.seq + row.count);
                if (!eventsOf.exec()) {
                    ++it;
                    continue;
                }
                while (eventsOf.next())
                    bodies.push_back(withVersion(eventsOf.value(2).toByteArray(), eventsOf.value(0).toLongLong()));
                eventsOf.finish();
                if (int(bodies.size()) != row.count) {
                    it = rt.ready.erase(it); // event rows are gone (cannot happen short of manual edits)
                    continue;
                }
                bulk.add(row);
                it = rt.ready.erase(it);
                dispatch(rt, std::move(bulk), std::move(bodies));
                --free;
                if (c.rateLimit > 0)
                    rt.tokens -= 1;
                continue;
            }
            if (rt.busyUsers.contains(row.user) || seen.contains(row.user)) {
                seen.insert(row.user); // keeps this user's later events behind the earlier one
                ++it;
                continue;
            }
            seen.insert(row.user);
            if (row.due > now) {
                waitFor(row.due);
                ++it;
                continue;
            }
            payloads.push_back(withVersion(std::move(row.payload), row.seq));
            flight.add(row);
            it = rt.ready.erase(it);
            if (int(flight.ids.size()) == perRequest) {
                dispatch(rt, std::move(flight), std::move(payloads));
                flight = Flight{};
                payloads.clear();
                --free;
                if (c.rateLimit > 0)
                    rt.tokens -= 1;
            }
        }
        if (!flight.ids.empty()) {
            dispatch(rt, std::move(flight), std::move(payloads));
            if (c.rateLimit > 0)
                rt.tokens -= 1;
        }
        publish(rt, {});
    };

    auto settle = [&](const HttpResult &r) {
        auto fit = flights.find(r.tag);
        if (fit == flights.end())
            return;
        Flight flight = std::move(fit->second);
        flights.erase(fit);
        --m_inFlightTotal;
        auto rit = targets.find(flight.target);
        Runtime *rt = rit == targets.end() ? nullptr : &rit.value();
        if (rt)
            --rt->inFlight;
        m_dirty = true; // a slot is free: look for more work on the next turn
        const bool ok = r.status >= 200 && r.status < 300;
        const qint64 now = nowMs();
        QString error;
        if (!ok)
            error = r.status ? QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.bodyHead.left(200)))
                             : QString::fromUtf8(r.error);
        const FailureKind kind = ok ? FailureKind::Retry : classifyFailure(r.status);
        if (rt && flight.target.startsWith(QLatin1String("node:")) && onNodeResult)
            onNodeResult(flight.target, ok || r.status != 0, error);
        for (std::size_t i = 0; i < flight.ids.size(); ++i) {
            DeliveryOutcome o;
            o.id = flight.ids[i];
            o.target = flight.target;
            o.user = flight.users[i];
            o.eventId = flight.eventIds[i];
            o.version = flight.versions[i];
            o.count = flight.counts[i];
            o.attempts = flight.attempts[i] + 1;
            o.status = r.status;
            o.durationMs = r.durationMs;
            o.error = error;
            o.bodyHead = QString::fromUtf8(r.bodyHead.left(300));
            if (ok) {
                o.kind = DeliveryOutcome::Done;
                std::lock_guard lock(m_mutex);
                const float latency = float(now - flight.createdAt[i]);
                if (m_latencies.size() < LatencyWindow)
                    m_latencies.push_back(latency);
                else
                    m_latencies[m_latencyPos++ % LatencyWindow] = latency;
            } else if (kind == FailureKind::TargetGone) {
                o.kind = DeliveryOutcome::Hold;
                o.attempts = flight.attempts[i];
            } else if (kind == FailureKind::Permanent) {
                o.kind = DeliveryOutcome::Dead;
            } else {
                const int maxRetries = rt ? rt->config.maxRetries : 3;
                if (o.attempts > maxRetries) {
                    o.kind = DeliveryOutcome::Dead;
                } else {
                    o.kind = DeliveryOutcome::Retry;
                    o.nextAt = now + retryDelayMs(rt ? rt->config.retryIntervalMs : 5000, o.attempts, unit(random),
                                                  r.retryAfterSeconds);
                }
            }
            outcomes.push_back(std::move(o));
        }
        if (!rt)
            return;
        if (ok) {
            rt->consecutiveFailures = 0;
            if (rt->circuit != CircuitState::Closed) {
                rt->opens = 0;
                setCircuit(*rt, CircuitState::Closed);
            }
        } else if (kind == FailureKind::TargetGone) {
            if (rt->gone)
                return; // parallel requests answered 410 too; report the transition once
            rt->gone = true;
            publish(*rt, [&](TargetStatus &s) {
                s.disabledReason = QStringLiteral("410 Gone from the receiver");
                s.lastError = error;
                s.lastErrorAt = now;
            });
            if (onTargetDisabled)
                onTargetDisabled(rt->config.name, error);
        } else if (kind == FailureKind::Retry) {
            ++rt->consecutiveFailures;
            if (rt->circuit == CircuitState::HalfOpen || rt->consecutiveFailures >= BreakerThreshold) {
                ++rt->opens;
                const qint64 cooldown = std::min<qint64>(60000, std::max<qint64>(1000, rt->config.retryIntervalMs)
                                                                      * (qint64(1) << std::min(rt->opens - 1, 6)));
                rt->openUntil = now + cooldown;
                rt->circuit = CircuitState::Closed; // force the notification below
                setCircuit(*rt, CircuitState::Open);
            }
        }
    };

    // Outcomes go to the outbox writer (the one SQLite writer); their rows stay busy here
    // until it says they are durable, so nothing is sent twice meanwhile.
    auto commit = [&] {
        if (outcomes.empty())
            return;
        ++m_outstanding;
        auto summary = std::make_shared<std::vector<DeliveryOutcome>>(outcomes);
        m_writer->submitOutcomes(std::move(outcomes), [this, summary](bool ok) {
            {
                std::lock_guard lock(m_mutex);
                m_committed.push_back({summary, ok});
            }
            --m_outstanding;
            wake();
        });
        outcomes.clear();
        firstWaitingAt = 0;
    };

    // Outcomes that cannot be committed (the disk is full) leave their rows pending: sending
    // them again at once would only repeat requests the receiver already has. Sending pauses
    // instead, 0.5 s doubling to 60 s, until a commit goes through.
    int commitFailures = 0;
    qint64 holdUntil = 0;
    auto settleCommitted = [&] {
        std::deque<std::pair<std::shared_ptr<std::vector<DeliveryOutcome>>, bool>> committed;
        {
            std::lock_guard lock(m_mutex);
            committed.swap(m_committed);
        }
        const qint64 now = nowMs();
        for (const auto &entry : committed) {
            if (!entry.second) {
                if (now < holdUntil)
                    continue; // sent before this pause began: not a new failed try
                ++commitFailures;
                holdUntil = now + std::min<qint64>(60000, 500LL << std::min(commitFailures - 1, 7));
                if (commitFailures == 1 || (commitFailures & (commitFailures - 1)) == 0)
                    qWarning("delivery: %d outcome commit(s) failed (disk full?); sending pauses "
                             "for %lld ms",
                             commitFailures, holdUntil - now);
            } else {
                commitFailures = 0;
            }
        }
        for (const auto &[list, ok] : committed) {
            int done = 0;
            QHash<QString, std::array<qint64, 3>> perTarget; // success, dead, retries
            for (const DeliveryOutcome &o : *list) {
                busyIds.remove(o.id);
                m_held -= o.count;
                auto rit = targets.find(o.target);
                if (rit != targets.end()) {
                    if (!o.user.isEmpty())
                        rit->busyUsers.remove(o.user);
                    // The row is pending again behind the read-ahead cursor: read it afresh.
                    if (!ok || o.kind == DeliveryOutcome::Retry || o.kind == DeliveryOutcome::Hold)
                        rit->rescan = true;
                }
                if (!ok)
                    continue; // still pending in the store: sent again (receivers de-duplicate)
                auto &c = perTarget[o.target];
                if (o.kind == DeliveryOutcome::Done) {
                    c[0] += o.count;
                    done += o.count;
                } else if (o.kind == DeliveryOutcome::Dead) {
                    c[1] += o.count;
                } else if (o.kind == DeliveryOutcome::Retry) {
                    c[2] += o.count;
                }
            }
            std::lock_guard lock(m_mutex);
            const qint64 second = now / 1000;
            if (m_completions.empty() || m_completions.back().first != second)
                m_completions.emplace_back(second, 0);
            m_completions.back().second += done;
            while (m_completions.size() > 120)
                m_completions.pop_front();
            for (auto it = perTarget.cbegin(); it != perTarget.cend(); ++it) {
                TargetStatus &s = m_status[it.key()];
                s.success += it.value()[0];
                s.failed += it.value()[1];
                s.retries += it.value()[2];
            }
            for (const DeliveryOutcome &o : *list) {
                if (ok && o.kind != DeliveryOutcome::Done) {
                    TargetStatus &s = m_status[o.target];
                    s.lastError = o.error;
                    s.lastErrorAt = now;
                }
            }
            m_delivered += done;
        }
        if (!committed.empty())
            m_dirty = true;
    };

    // One process delivers from a store at a time: the others stand by until its lease is
    // released (clean stop), its process is gone (same host) or it lapses.
    const QString owner = QStringLiteral("%1:%2:%3")
                              .arg(QSysInfo::machineHostName())
                              .arg(QCoreApplication::applicationPid())
                              .arg(QString::number(quint32(random()), 16));
    bool active = false;
    qint64 nextLeaseAt = 0;
    qint64 nextScanAt = 0;
    while (!m_stop) {
        if (nowMs() >= nextLeaseAt) {
            const QString holder = m_writer->claimLease(owner, LeaseTtlMs);
            const bool was = active;
            active = holder.isEmpty();
            nextLeaseAt = nowMs() + (active ? LeaseTtlMs / 3 : StandbyPollMs);
            {
                std::lock_guard lock(m_mutex);
                m_leaseHolder = holder;
            }
            if (active && !was) {
                for (Runtime &rt : targets)
                    rt.rescan = true;
                m_dirty = true;
            }
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_targetsChanged) {
                m_targetsChanged = false;
                QSet<QString> names;
                for (const DeliveryTarget &t : std::as_const(m_newTargets)) {
                    names.insert(t.name);
                    Runtime &rt = targets[t.name];
                    const bool reenabled = t.enabled && !rt.config.enabled;
                    rt.config = t;
                    rt.rescan = true;
                    if (reenabled)
                        rt.gone = false; // an operator enabled it again after a 410
                    if (rt.tokensAt == 0) {
                        rt.tokensAt = nowMs();
                        rt.tokens = 1;
                    }
                    TargetStatus &s = m_status[t.name];
                    s.name = t.name;
                    s.url = QString::fromUtf8(t.url);
                    s.enabled = t.enabled && !rt.gone;
                    s.paused = t.paused;
                    s.held = t.held;
                    if (s.enabled)
                        s.disabledReason.clear();
                }
                for (auto it = targets.begin(); it != targets.end();) {
                    if (!names.contains(it.key()) && it->inFlight == 0) {
                        m_status.remove(it.key());
                        it = targets.erase(it);
                    } else {
                        ++it;
                    }
                }
                m_dirty = true;
            }
        }
        if (m_rescanAll.exchange(false)) {
            for (Runtime &rt : targets)
                rt.rescan = true;
            m_dirty = true;
        }
        settleCommitted();
        qint64 now = nowMs();
        if (active && now >= holdUntil && (m_dirty.exchange(false) || now >= nextScanAt)) {
            nextScanAt = now + 250;
            for (Runtime &rt : targets) {
                scanTarget(rt, now);
                if (rt.nextDue > 0)
                    nextScanAt = std::min(nextScanAt, rt.nextDue);
            }
        }
        now = nowMs();
        int wait = int(std::clamp<qint64>(nextScanAt - now, 0, 50));
        if (now < holdUntil)
            wait = int(std::clamp<qint64>(holdUntil - now, wait, 50));
        if (!outcomes.empty())
            wait = int(std::clamp<qint64>(firstWaitingAt + CommitAfterMs - now, 0, wait));
        results.clear();
        http.poll(wait, results);
        for (const HttpResult &r : results)
            settle(r);
        if (!outcomes.empty() && firstWaitingAt == 0)
            firstWaitingAt = nowMs();
        if (!outcomes.empty()
            && (int(outcomes.size()) >= CommitEvery || nowMs() - firstWaitingAt >= CommitAfterMs || http.inFlight() == 0))
            commit();
    }
    commit();
    // The writer calls back into this object: wait for what was handed to it.
    for (int i = 0; i < 5000 && m_outstanding.load() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (active)
        m_writer->claimLease(owner, 0); // a standby engine takes over at once
    {
        std::lock_guard lock(m_mutex);
        m_http = nullptr;
    }
    m_inFlightTotal = 0;
}

} // namespace jobfirst
