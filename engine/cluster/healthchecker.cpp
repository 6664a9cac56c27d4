// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/healthchecker.h"

#include "cluster/checkrunner.h"
#include "cluster/connectionwatcher.h"
#include "core/stallwatch.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace jobfirst {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

CheckResult classifyResponse(int httpStatus, const QByteArray &body)
{
    CheckResult r;
    r.httpStatus = httpStatus;
    if (httpStatus < 200 || httpStatus > 299) {
        r.outcome = CheckOutcome::BadStatus;
        r.detail = QStringLiteral("bad status %1").arg(httpStatus);
        return r;
    }
    if (body.trimmed().startsWith('{')) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
        if (pe.error != QJsonParseError::NoError) {
            r.outcome = CheckOutcome::BadBody;
            r.detail = QStringLiteral("bad body: not valid JSON (%1)").arg(pe.errorString());
            return r;
        }
        const QString status = doc.object().value(QStringLiteral("status")).toString().toLower();
        static const QStringList healthy = {QString(), QStringLiteral("ok"), QStringLiteral("up"),
                                            QStringLiteral("healthy"), QStringLiteral("pass")};
        if (!healthy.contains(status)) {
            r.outcome = CheckOutcome::BadBody;
            r.detail = QStringLiteral("bad body: status \"%1\"").arg(status);
            return r;
        }
    }
    r.outcome = CheckOutcome::Ok;
    r.detail = QStringLiteral("ok");
    return r;
}

CheckResult classifyHttpResult(const HttpResult &result, qint64 timeoutMs)
{
    CheckResult r;
    if (result.timedOut)
        r = CheckResult{QString(),
                        CheckOutcome::Timeout,
                        0,
                        0,
                        QStringLiteral("timeout after %1 ms").arg(timeoutMs),
                        0};
    else if (result.refused)
        r = CheckResult{QString(), CheckOutcome::ConnectionRefused,      0,
                        0,         QStringLiteral("connection refused"), 0};
    else if (result.status == 0)
        r = CheckResult{QString(), CheckOutcome::NetworkError,      0,
                        0,         QString::fromUtf8(result.error), 0};
    else
        r = classifyResponse(result.status, result.bodyHead);
    // tls_insecure is said on every check, so it cannot be forgotten.
    if (result.insecure)
        r.detail += QStringLiteral(" (WARNING: TLS certificate not verified, tls_insecure)");
    r.latencyMs = result.durationMs;
    r.at = nowMs();
    return r;
}

HealthChecker::HealthChecker(QObject *parent)
    : QObject(parent), m_timer(new QTimer(this)), m_stallWatch(StallWatch::shared())
{
    // Results come back on the runner thread and are handed to this object's thread.
    // One hand-over per poll of the runner, not one per check.
    m_runner = std::make_unique<CheckRunner>([this](std::vector<HttpResult> &&results) {
        const qint64 timeout = m_timeoutMs;
        std::vector<std::pair<quint64, CheckResult>> batch;
        batch.reserve(results.size());
        for (const HttpResult &r : results)
            batch.emplace_back(r.tag, classifyHttpResult(r, timeout));
        QMetaObject::invokeMethod(
            this,
            [this, batch = std::move(batch)] {
                for (const auto &[tag, r] : batch)
                    onRunnerResult(tag, r);
            },
            Qt::QueuedConnection);
    });
    m_watcher = std::make_unique<ConnectionWatcher>([this](const ConnectionWatcher::Lost &lost) {
        QMetaObject::invokeMethod(
            this, [this, lost] { onConnectionLost(lost.key, lost.wasOpen, lost.reason); },
            Qt::QueuedConnection);
    });
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &HealthChecker::runDue);
}

HealthChecker::~HealthChecker()
{
    stop();
}

void HealthChecker::setNode(const QString &nodeId, const QUrl &checkUrl, qint64 firstCheckWithinMs,
                            std::shared_ptr<const HttpSecurity> security)
{
    const bool existed = m_nodes.contains(nodeId);
    Entry &e = m_nodes[nodeId];
    if (existed && e.url != checkUrl)
        unwatch(e);
    e.url = checkUrl;
    e.encodedUrl = checkUrl.toEncoded();
    e.security = std::move(security);
    if (!existed || !e.inFlight) {
        std::uniform_int_distribution<qint64> spread(0, std::max<qint64>(0, firstCheckWithinMs));
        schedule(nodeId, nowMs() + spread(m_random));
    }
}

void HealthChecker::removeNode(const QString &nodeId)
{
    const auto node = m_nodes.constFind(nodeId);
    if (node == m_nodes.cend())
        return;
    m_tags.remove(node->tag);
    if (node->watchKey) {
        m_watcher->unwatch(node->watchKey);
        m_watchKeys.remove(node->watchKey);
    }
    if (node->scheduled) {
        auto [first, last] = m_due.equal_range(node->dueAt);
        for (auto it = first; it != last; ++it) {
            if (it->second == nodeId) {
                m_due.erase(it);
                break;
            }
        }
    }
    m_nodes.erase(node);
}

void HealthChecker::checkNow(const QString &nodeId)
{
    if (!m_nodes.contains(nodeId) || m_nodes[nodeId].inFlight)
        return;
    schedule(nodeId, nowMs());
}

void HealthChecker::start()
{
    m_running = true;
    armTimer();
}

void HealthChecker::stop()
{
    m_running = false;
    m_timer->stop();
    // Checks still in flight are forgotten: their results are dropped when they arrive.
    m_tags.clear();
    m_watcher->clear();
    m_watchKeys.clear();
    for (Entry &e : m_nodes) {
        e.inFlight = false;
        e.watchKey = 0;
        e.triggered = false;
    }
}

void HealthChecker::setWatchConnections(bool on)
{
    m_watchConnections = on;
    if (!on) {
        m_watcher->clear();
        m_watchKeys.clear();
        for (Entry &e : m_nodes)
            e.watchKey = 0;
    }
}

int HealthChecker::watchedConnections() const
{
    return m_watcher->openConnections();
}

void HealthChecker::watch(const QString &nodeId, Entry &entry)
{
    if (entry.watchKey || !m_watchConnections)
        return;
    const QString host = entry.url.host();
    if (host.isEmpty())
        return;
    entry.watchKey = m_nextWatchKey++;
    m_watchKeys.insert(entry.watchKey, nodeId);
    const int port = entry.url.port(entry.url.scheme() == u"https" ? 443 : 80);
    m_watcher->watch(entry.watchKey, host, quint16(port), m_timeoutMs);
}

void HealthChecker::unwatch(Entry &entry)
{
    if (!entry.watchKey)
        return;
    m_watcher->unwatch(entry.watchKey);
    m_watchKeys.remove(entry.watchKey);
    entry.watchKey = 0;
}

void HealthChecker::onConnectionLost(quint64 key, bool wasOpen, const QString &reason)
{
    const QString nodeId = m_watchKeys.take(key);
    auto node = m_nodes.find(nodeId);
    if (nodeId.isEmpty() || node == m_nodes.end() || node->watchKey != key)
        return; // unwatched, removed or stopped since
    node->watchKey = 0;
    if (!wasOpen || !m_running)
        return; // never held a connection: nothing was seen; the next good check tries again
    emit connectionLost(nodeId, reason);
    node = m_nodes.find(nodeId); // a receiver may have removed it
    if (node == m_nodes.end())
        return;
    node->triggered = true;
    if (!node->inFlight)
        schedule(nodeId, nowMs());
}

void HealthChecker::schedule(const QString &nodeId, qint64 dueAt)
{
    Entry &entry = m_nodes[nodeId];
    if (entry.scheduled) {
        auto [first, last] = m_due.equal_range(entry.dueAt);
        for (auto it = first; it != last; ++it) {
            if (it->second == nodeId) {
                m_due.erase(it);
                break;
            }
        }
    }
    entry.scheduled = true;
    entry.dueAt = dueAt;
    m_due.emplace(dueAt, nodeId);
    armTimer();
}

void HealthChecker::armTimer()
{
    if (!m_running || m_due.empty())
        return;
    const qint64 wait = std::max<qint64>(0, m_due.begin()->first - nowMs());
    if (!m_timer->isActive() || m_timer->remainingTime() > wait)
        m_timer->start(int(std::min<qint64>(wait, 3600000)));
}

void HealthChecker::runDue()
{
    // Checks due within the next 100 ms start in this wakeup, a little early (the interval is
    // a promise about the latest a check comes): at 1,000 nodes that is at most ten wakeups a
    // second instead of one per check.
    constexpr qint64 EarlyMs = 100;
    const qint64 now = nowMs();
    while (!m_due.empty() && m_due.begin()->first <= now + EarlyMs) {
        const QString id = m_due.begin()->second;
        m_due.erase(m_due.begin());
        auto it = m_nodes.find(id);
        if (it == m_nodes.end())
            continue;
        it->scheduled = false;
        if (it->inFlight)
            continue;
        it->inFlight = true;
        ++m_checksStarted;
        it->tag = m_nextTag++;
        it->startedNs = StallWatch::nowNs();
        m_tags.insert(it->tag, id);
        m_runner->submit(it->tag, it->encodedUrl, long(m_timeoutMs), it->security);
    }
    armTimer();
}

void HealthChecker::probe(const QUrl &url, quint64 token,
                          std::shared_ptr<const HttpSecurity> security)
{
    // The same runner as scheduled checks: one HTTP client, one classification.
    const quint64 tag = m_nextTag++;
    m_probes.insert(tag, token);
    m_runner->submit(tag, url.toEncoded(), long(m_timeoutMs), std::move(security));
}

void HealthChecker::onRunnerResult(quint64 tag, const CheckResult &result)
{
    if (const auto probe = m_probes.constFind(tag); probe != m_probes.cend()) {
        const quint64 token = *probe;
        m_probes.erase(probe);
        emit probed(token, result);
        return;
    }
    const QString nodeId = m_tags.take(tag);
    if (nodeId.isEmpty())
        return; // removed, re-added or stopped since
    checked(nodeId, result);
}

void HealthChecker::checked(const QString &nodeId, const CheckResult &r)
{
    auto node = m_nodes.find(nodeId);
    if (node == m_nodes.end())
        return; // removed while the check was in flight
    node->inFlight = false;
    if (!m_running || repeatedAfterStall(nodeId, *node, r))
        return;
    // A good check (re)starts the watch, unless it was the check a lost connection asked
    // for: a node that closes and refuses connections yet passes checks would otherwise
    // be checked in a loop. The next scheduled good check watches it again.
    if (r.outcome == CheckOutcome::Ok && !node->triggered)
        watch(nodeId, *node);
    node->triggered = false;
    CheckResult result = r;
    result.nodeId = nodeId;
    emit checkFinished(result);
    if (!m_running || !m_nodes.contains(nodeId))
        return; // a receiver stopped the checker or removed the node
    // The policy reads the state the result just produced (emit is synchronous).
    const qint64 interval = m_policy ? m_policy(nodeId) : 30000;
    schedule(nodeId, nowMs() + jittered(interval));
}

bool HealthChecker::repeatedAfterStall(const QString &nodeId, const Entry &entry,
                                       const CheckResult &result)
{
    // The timeout ran out while this process was not running: the answer may be waiting
    // unread, or the request was never sent. Asked again, the node answers for itself.
    if (result.outcome != CheckOutcome::Timeout || !m_stallWatch->stalledSince(entry.startedNs))
        return false;
    ++m_checksRepeatedAfterStall;
    qInfo("jobfirst: the health check of %s timed out while this process was stalled (%lld ms "
          "without running): not counted, checked again",
          qPrintable(nodeId), qlonglong(m_stallWatch->lastStallMs()));
    schedule(nodeId, nowMs());
    return true;
}

qint64 HealthChecker::jittered(qint64 interval)
{
    // Only ever shortened: the interval is a promise about the latest a check comes.
    if (m_jitterPercent <= 0)
        return interval;
    const double spread = double(interval) * m_jitterPercent / 100.0;
    std::uniform_real_distribution<double> d(0, spread);
    return std::max<qint64>(1, qint64(double(interval) - d(m_random)));
}

} // namespace jobfirst
