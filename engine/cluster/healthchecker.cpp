// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/healthchecker.h"

#include "cluster/httpprobe.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace jobfirst {

namespace {

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

qint64 monotonicNs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed();
}

} // namespace

CheckResult classifyReply(QNetworkReply *reply, bool timedOut, qint64 timeoutMs)
{
    CheckResult r;
    r.at = nowMs();
    r.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (timedOut) {
        r.outcome = CheckOutcome::Timeout;
        r.detail = QStringLiteral("timeout after %1 ms").arg(timeoutMs);
        return r;
    }
    const auto error = reply->error();
    if (error == QNetworkReply::ConnectionRefusedError) {
        r.outcome = CheckOutcome::ConnectionRefused;
        r.detail = QStringLiteral("connection refused");
        return r;
    }
    if (r.httpStatus == 0) {
        r.outcome = CheckOutcome::NetworkError;
        r.detail = reply->errorString();
        return r;
    }
    CheckResult classified = classifyResponse(r.httpStatus, reply->read(64 * 1024));
    classified.at = r.at;
    return classified;
}

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

HealthChecker::HealthChecker(QObject *parent)
    : QObject(parent), m_nam(new QNetworkAccessManager(this)), m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &HealthChecker::runDue);
    connect(m_nam, &QNetworkAccessManager::finished, this, &HealthChecker::finished);
}

HealthChecker::~HealthChecker()
{
    stop();
}

void HealthChecker::setNode(const QString &nodeId, const QUrl &checkUrl, qint64 firstCheckWithinMs)
{
    const bool existed = m_nodes.contains(nodeId);
    Entry &e = m_nodes[nodeId];
    e.url = checkUrl;
    if (!e.probe) {
        e.probe = new HttpProbe(this);
        connect(e.probe, &HttpProbe::finished, this, [this, nodeId](const CheckResult &r) { checked(nodeId, r); });
    }
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
    if (node->probe)
        node->probe->deleteLater();
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
    const auto flights = m_inFlight.keys();
    for (QNetworkReply *reply : flights)
        reply->abort();
    for (Entry &e : m_nodes) {
        if (e.probe && e.probe->busy()) {
            delete e.probe; // abandons the check; a new probe is made below
            e.probe = new HttpProbe(this);
        }
        e.inFlight = false;
    }
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        const QString id = it.key();
        disconnect(it->probe, nullptr, this, nullptr);
        connect(it->probe, &HttpProbe::finished, this, [this, id](const CheckResult &r) { checked(id, r); });
    }
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
    const qint64 now = nowMs();
    while (!m_due.empty() && m_due.begin()->first <= now) {
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
        it->probe->check(it->url, m_timeoutMs);
    }
    armTimer();
}

void HealthChecker::probe(const QUrl &url, quint64 token)
{
    startCheck(QString(), url, true, token);
}

void HealthChecker::startCheck(const QString &nodeId, const QUrl &url, bool isProbe, quint64 token)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("User-Agent", "jobfirst-health-checker");
    QNetworkReply *reply = m_nam->get(request);
    Flight flight;
    flight.nodeId = nodeId;
    flight.token = token;
    flight.isProbe = isProbe;
    flight.startedNs = monotonicNs();
    flight.timeout = new QTimer(reply);
    flight.timeout->setSingleShot(true);
    flight.timeout->setTimerType(Qt::PreciseTimer);
    connect(flight.timeout, &QTimer::timeout, reply, [this, reply] {
        auto it = m_inFlight.find(reply);
        if (it != m_inFlight.end()) {
            it->timedOut = true;
            reply->abort();
        }
    });
    flight.timeout->start(int(m_timeoutMs));
    m_inFlight.insert(reply, flight);
}

void HealthChecker::finished(QNetworkReply *reply)
{
    reply->deleteLater();
    const auto it = m_inFlight.find(reply);
    if (it == m_inFlight.end())
        return;
    const Flight flight = *it;
    m_inFlight.erase(it);
    CheckResult result = classifyReply(reply, flight.timedOut, m_timeoutMs);
    result.latencyMs = double(monotonicNs() - flight.startedNs) / 1e6;
    result.nodeId = flight.nodeId;
    if (flight.isProbe)
        emit probed(flight.token, result);
}

void HealthChecker::checked(const QString &nodeId, const CheckResult &r)
{
    auto node = m_nodes.find(nodeId);
    if (node == m_nodes.end())
        return; // removed while the check was in flight
    node->inFlight = false;
    if (!m_running)
        return;
    CheckResult result = r;
    result.nodeId = nodeId;
    emit checkFinished(result);
    // The policy reads the state the result just produced (emit is synchronous).
    const qint64 interval = m_policy ? m_policy(nodeId) : 30000;
    schedule(nodeId, nowMs() + jittered(interval));
}

qint64 HealthChecker::jittered(qint64 interval)
{
    if (m_jitterPercent <= 0)
        return interval;
    const double spread = double(interval) * m_jitterPercent / 100.0;
    std::uniform_real_distribution<double> d(-spread, spread);
    return std::max<qint64>(1, qint64(double(interval) + d(m_random)));
}

} // namespace jobfirst
