// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/clustermanager.h"

#include "core/stallwatch.h"
#include "core/urlpath.h"
#include "store/clusterstatestore.h"
#include "store/postgresschema.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace jobfirst {

namespace {

constexpr int HousekeepingMs = 250;
constexpr qint64 StoreRetryMs = 1000; ///< unwritten health, passive failures: store re-tries

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

QString isoTime(qint64 ms)
{
    return ms ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) : QString();
}

QString compact(const QJsonObject &o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }

} // namespace

QJsonObject nodeSpecToJson(const NodeSpec &s)
{
    QJsonObject o{{QStringLiteral("id"), s.id},
                  {QStringLiteral("url"), s.url},
                  {QStringLiteral("health_path"), s.healthPath},
                  {QStringLiteral("weight"), s.weight},
                  {QStringLiteral("tags"), QJsonArray::fromStringList(s.tags)},
                  {QStringLiteral("admin_state"), adminStateName(s.adminState)}};
    // TLS and authentication keys only when set (paths, never the token itself).
    const std::pair<const char *, QString> files[] = {{"ca_file", s.caFile},
                                                      {"client_cert", s.clientCert},
                                                      {"client_key", s.clientKey},
                                                      {"token_file", s.tokenFile}};
    for (const auto &[key, value] : files)
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    if (s.tlsInsecure)
        o.insert(QStringLiteral("tls_insecure"), true);
    return o;
}

QJsonObject nodeStatusToJson(const NodeStatus &n)
{
    QJsonObject o = nodeSpecToJson(n.spec);
    o.insert(QStringLiteral("status"), healthStateName(n.health));
    o.insert(QStringLiteral("eligible"), n.eligible);
    o.insert(QStringLiteral("effective_weight"), n.effectiveWeight);
    o.insert(QStringLiteral("connections"), n.activeConnections);
    o.insert(QStringLiteral("response_time_ms"),
             n.hasResponseTime() ? QJsonValue(n.responseTimeMs) : QJsonValue());
    o.insert(QStringLiteral("success_rate"),
             std::isnan(n.successRate) ? QJsonValue() : QJsonValue(n.successRate));
    o.insert(QStringLiteral("requests"), n.requests);
    o.insert(QStringLiteral("failures"), n.failures);
    o.insert(QStringLiteral("last_check"), isoTime(n.lastCheckAt));
    o.insert(QStringLiteral("last_check_result"), n.lastCheckResult);
    o.insert(QStringLiteral("last_change"), isoTime(n.lastChangeAt));
    return o;
}

QJsonObject healthEventToJson(const HealthEvent &e)
{
    return {{QStringLiteral("node"), e.nodeId},
            {QStringLiteral("from"), healthStateName(e.from)},
            {QStringLiteral("to"), healthStateName(e.to)},
            {QStringLiteral("reason"), e.reason},
            {QStringLiteral("latency_ms"), e.latencyMs},
            {QStringLiteral("timestamp"), isoTime(e.timestamp)}};
}

ClusterManager::ClusterManager(ClusterStateStore *store, const ClusterConfig &config,
                               QObject *parent)
    : QObject(parent), m_store(store), m_config(config), m_checker(new HealthChecker(this)),
      m_housekeeping(new QTimer(this)), m_stallWatch(StallWatch::shared()),
      m_balancer(config.loadBalanceStrategy)
{
    m_checker->setTimeoutMs(config.healthCheckTimeoutMs);
    m_checker->setJitterPercent(config.checkJitterPercent);
    m_checker->setIntervalPolicy([this](const QString &id) { return intervalFor(id); });
    connect(m_checker, &HealthChecker::checkFinished, this, &ClusterManager::onChecked);
    connect(m_checker, &HealthChecker::connectionLost, this, &ClusterManager::onConnectionLost);
    m_housekeeping->setInterval(HousekeepingMs);
    connect(m_housekeeping, &QTimer::timeout, this, &ClusterManager::housekeeping);
}

ClusterManager::~ClusterManager() = default;

Status ClusterManager::load()
{
    auto specs = m_store->loadNodes();
    if (!specs)
        return specs.error();
    auto health = m_store->loadHealthStates();
    if (!health)
        return health.error();
    m_nodes.clear();
    for (const NodeSpec &spec : specs.value()) {
        Runtime r;
        r.status.spec = spec;
        takeStoredHealth(r, health->value(spec.id, {HealthState::Unknown, 0}));
        m_nodes.push_back(std::move(r));
    }
    rebuildBalancer();
    return {};
}

void ClusterManager::takeStoredHealth(Runtime &r, const std::pair<HealthState, qint64> &stored)
{
    r.status.health = stored.first;
    r.status.lastChangeAt = stored.second;
    r.downFromStore = stored.first == HealthState::Down;
}

void ClusterManager::watchFrom(Runtime &r, qint64 now)
{
    if (!r.downFromStore || r.status.health != HealthState::Down)
        return;
    r.status.stalledWhileDownMs = std::max<qint64>(0, now - r.status.lastChangeAt);
    r.stalledSince = r.status.lastChangeAt;
}

Status ClusterManager::reloadNodes()
{
    auto specs = m_store->loadNodes();
    if (!specs)
        return specs.error();
    QHash<QString, const NodeSpec *> stored;
    for (const NodeSpec &spec : specs.value())
        stored.insert(spec.id, &spec);
    const bool checking = m_housekeeping->isActive();
    bool changed = false;
    for (Runtime &r : m_nodes) {
        const NodeSpec *spec = stored.value(r.status.spec.id);
        if (!spec || *spec == r.status.spec)
            continue;
        const NodeSpec &was = r.status.spec;
        const bool checkChanged =
            spec->url != was.url || spec->healthPath != was.healthPath ||
            spec->caFile != was.caFile || spec->clientCert != was.clientCert ||
            spec->clientKey != was.clientKey || spec->tlsInsecure != was.tlsInsecure ||
            spec->tokenFile != was.tokenFile;
        r.status.spec = *spec;
        if (checkChanged && checking && checksHere(spec->id))
            m_checker->setNode(spec->id, checkUrl(*spec), 0, spec->security());
        changed = true;
    }
    for (const Runtime &r : m_nodes)
        if (!stored.contains(r.status.spec.id)) {
            m_checker->removeNode(r.status.spec.id);
            changed = true;
        }
    m_nodes.erase(std::remove_if(m_nodes.begin(), m_nodes.end(),
                                 [&](const Runtime &r) { return !stored.contains(r.status.spec.id); }),
                  m_nodes.end());
    QList<const NodeSpec *> added;
    for (const NodeSpec &spec : specs.value())
        if (!m_index.contains(spec.id))
            added << &spec;
    if (!added.isEmpty()) {
        auto health = m_store->loadHealthStates();
        if (!health)
            return health.error();
        const qint64 now = nowMs();
        for (const NodeSpec *spec : added) {
            Runtime r;
            r.status.spec = *spec;
            takeStoredHealth(r, health->value(spec->id, {HealthState::Unknown, 0}));
            const bool watched = checking && checksHere(spec->id);
            if (watched)
                watchFrom(r, now);
            m_nodes.push_back(std::move(r));
            if (watched)
                m_checker->setNode(spec->id, checkUrl(*spec), 0, spec->security());
        }
        changed = true;
    }
    if (!changed)
        return {};
    rebuildBalancer();
    emit nodesChanged();
    return {};
}

bool ClusterManager::checksHere(const QString &id) const
{
    return !m_partitioned || m_partitions.contains(PostgresSchema::partitionOf(id, 0));
}

void ClusterManager::setCheckedPartitions(const QList<int> &partitions, const QString &leaseHolder)
{
    const QSet<int> now(partitions.cbegin(), partitions.cend());
    if (m_partitioned && now == m_partitions && leaseHolder == m_leaseHolder)
        return;
    QSet<QString> before;
    for (const Runtime &r : m_nodes)
        if (checksHere(r.status.spec.id))
            before.insert(r.status.spec.id);
    m_partitioned = true;
    m_partitions = now;
    m_leaseHolder = leaseHolder;
    const bool checking = m_housekeeping->isActive();
    const qint64 takenAt = nowMs();
    for (Runtime &r : m_nodes) {
        const QString &id = r.status.spec.id;
        const bool mine = checksHere(id);
        if (mine && !before.contains(id) && checking) {
            // As Nomad restarts a node's heartbeat timer when a new leader takes over.
            watchFrom(r, takenAt);
            m_checker->setNode(id, checkUrl(r.status.spec), 0, r.status.spec.security());
        } else if (!mine && before.contains(id)) {
            m_checker->removeNode(id);
            // What this daemon measured is no longer measured: kept, it stood still for as
            // long as another daemon checked the node, drawn on as if live (session 25).
            r.hadEwma = false;
            publishLatency(r);
        }
    }
}

Status ClusterManager::reloadHealth()
{
    if (!m_partitioned)
        return {};
    auto health = m_store->loadHealthStates();
    if (!health)
        return health.error();
    const qint64 now = nowMs();
    std::vector<HealthEvent> events;
    for (Runtime &r : m_nodes) {
        NodeStatus &s = r.status;
        const auto stored = health->constFind(s.spec.id);
        if (stored == health->cend() || checksHere(s.spec.id))
            continue;
        // Out of rotation here after a failure of real traffic: for one check interval,
        // unless its checker recorded something since.
        if (const auto passive = m_passiveDown.constFind(s.spec.id);
            passive != m_passiveDown.cend()) {
            if (now - *passive < m_config.healthCheckIntervalMs && stored->second <= *passive)
                continue;
            m_passiveDown.erase(passive);
        }
        if (stored->first == s.health)
            continue;
        HealthEvent e;
        e.nodeId = s.spec.id;
        e.timestamp = stored->second;
        e.from = s.health;
        e.to = stored->first;
        e.reason = QStringLiteral("checked by another daemon");
        const bool recovering = e.to == HealthState::Up &&
                                (e.from == HealthState::Down || e.from == HealthState::Failed);
        // A recovered node ramps up here as on the daemon that checks it.
        r.upSince = recovering && m_config.slowStartMs > 0 ? now : 0;
        takeStoredHealth(r, *stored);
        s.consecutiveOk = 0;
        s.consecutiveFail = 0;
        if (s.health != HealthState::Up)
            r.hadEwma = false;
        publishLatency(r);
        events.push_back(e);
    }
    if (events.empty())
        return {};
    // All changes first, the balancer once, then who listens (each sees every change).
    rebuildBalancer();
    for (const HealthEvent &e : events)
        emit healthChanged(e);
    emit nodesChanged();
    return {};
}

void ClusterManager::start()
{
    // A node the store says is down has been so for a time no one watched (the engine was not
    // running): node_timeout counts from now, and fails it only once a check of this run has
    // found it down too.
    const qint64 now = nowMs();
    for (Runtime &r : m_nodes) {
        if (!checksHere(r.status.spec.id))
            continue;
        watchFrom(r, now);
        m_checker->setNode(r.status.spec.id, checkUrl(r.status.spec),
                           std::min<qint64>(m_config.healthCheckIntervalMs, 1000),
                           r.status.spec.security());
    }
    m_checker->start();
    m_lastTickNs = 0; // the time it was stopped is not a stall
    m_housekeeping->start();
}

void ClusterManager::stop()
{
    m_housekeeping->stop();
    m_checker->stop();
    // One last try for transitions the store did not take yet; what still fails is said, and
    // the next start checks those nodes again (the store keeps their last written state).
    if (!m_unwritten.empty())
        writeHealth();
    if (!m_unwritten.empty())
        qWarning("health: %zu transitions were not recorded before the stop; their nodes are"
                 " checked again at the next start",
                 m_unwritten.size());
}

ClusterManager::Runtime *ClusterManager::find(const QString &id)
{
    const int i = m_index.value(id, -1);
    return i < 0 ? nullptr : &m_nodes[std::size_t(i)];
}

const ClusterManager::Runtime *ClusterManager::find(const QString &id) const
{
    const int i = m_index.value(id, -1);
    return i < 0 ? nullptr : &m_nodes[std::size_t(i)];
}

QUrl ClusterManager::checkUrl(const NodeSpec &spec) const
{
    return joinUrlPath(spec.url, spec.healthPath);
}

Status ClusterManager::audited(const QString &actor, const QString &action, const QString &subject,
                               const QString &before, const QString &after,
                               const std::function<Status()> &change)
{
    // The change and its audit row commit together: an action that cannot be audited fails.
    return m_store->audited(AuditEntry{0, nowMs(), actor, action, subject, before, after},
                            [&change](AuditEntry &) { return change ? change() : Status(); });
}

Result<NodeStatus> ClusterManager::registerNode(const NodeSpec &spec, const QString &actor)
{
    if (Status s = spec.validate(); !s)
        return s.error();
    if (find(spec.id))
        return makeError(QStringLiteral("node.duplicate"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "a node with id \"%1\" is already registered"),
                                  {spec.id}));
    if (int(m_nodes.size()) >= m_config.maxNodes)
        return makeError(QStringLiteral("cluster.full"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "the cluster is full: max_nodes is %1"),
                                  {Sentence::value(m_config.maxNodes)}));
    if (Status s = spec.checkFiles(); !s)
        return s.error();
    if (Status s =
            audited(actor, QStringLiteral("node.add"), spec.id, {}, compact(nodeSpecToJson(spec)),
                    [&] { return m_store->insertNode(spec); });
        !s)
        return s.error();
    Runtime r;
    r.status.spec = spec;
    m_nodes.push_back(std::move(r));
    rebuildBalancer();
    if (m_housekeeping->isActive() && checksHere(spec.id))
        m_checker->setNode(spec.id, checkUrl(spec), 0, spec.security());
    emit nodesChanged();
    return m_nodes.back().status;
}

Error ClusterManager::unknownNode(const QString &id)
{
    return makeError(QStringLiteral("node.unknown"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "there is no node \"%1\""), {id}));
}

Status ClusterManager::editNode(const NodeSpec &spec, const QString &actor)
{
    Runtime *r = find(spec.id);
    if (!r)
        return unknownNode(spec.id);
    if (Status s = spec.validate(); !s)
        return s;
    NodeSpec updated = spec;
    updated.adminState = r->status.spec.adminState;
    if (updated == r->status.spec)
        return {};
    if (Status s = updated.checkFiles(); !s)
        return s;
    if (Status s = audited(
            actor, QStringLiteral("node.edit"), spec.id, compact(nodeSpecToJson(r->status.spec)),
            compact(nodeSpecToJson(updated)), [&] { return m_store->updateNode(updated); });
        !s)
        return s;
    const NodeSpec &was = r->status.spec;
    const bool urlChanged = updated.url != was.url || updated.healthPath != was.healthPath ||
                            updated.caFile != was.caFile || updated.clientCert != was.clientCert ||
                            updated.clientKey != was.clientKey ||
                            updated.tlsInsecure != was.tlsInsecure ||
                            updated.tokenFile != was.tokenFile;
    r->status.spec = updated;
    rebuildBalancer();
    if (urlChanged && m_housekeeping->isActive() && checksHere(spec.id))
        m_checker->setNode(spec.id, checkUrl(updated), 0, updated.security());
    emit nodesChanged();
    return {};
}

Status ClusterManager::unregisterNode(const QString &id, const QString &actor)
{
    Runtime *r = find(id);
    if (!r)
        return unknownNode(id);
    if (Status s = audited(actor, QStringLiteral("node.remove"), id,
                           compact(nodeSpecToJson(r->status.spec)), {},
                           [&] { return m_store->deleteNode(id); });
        !s)
        return s;
    m_nodes.erase(m_nodes.begin() + (r - m_nodes.data()));
    m_checker->removeNode(id);
    rebuildBalancer();
    emit nodesChanged();
    return {};
}

Status ClusterManager::updateNodeWeight(const QString &id, int weight, const QString &actor)
{
    Runtime *r = find(id);
    if (!r)
        return unknownNode(id);
    NodeSpec spec = r->status.spec;
    spec.weight = weight;
    if (Status s = spec.validate(); !s)
        return s;
    return replaceSpec(*r, spec, actor, QStringLiteral("node.weight"),
                       QString::number(r->status.spec.weight), QString::number(weight));
}

Status ClusterManager::setAdminState(const QString &id, AdminState state, const QString &actor)
{
    Runtime *r = find(id);
    if (!r)
        return unknownNode(id);
    NodeSpec spec = r->status.spec;
    spec.adminState = state;
    return replaceSpec(*r, spec, actor, QStringLiteral("node.") + adminStateName(state),
                       adminStateName(r->status.spec.adminState), adminStateName(state));
}

Status ClusterManager::replaceSpec(Runtime &node, const NodeSpec &spec, const QString &actor,
                                   const QString &action, const QString &before,
                                   const QString &after)
{
    if (Status s = audited(actor, action, spec.id, before, after,
                           [&] { return m_store->updateNode(spec); });
        !s)
        return s;
    node.status.spec = spec;
    rebuildBalancer();
    emit nodesChanged();
    return {};
}

Status ClusterManager::handleNodeFailure(const QString &id, const QString &reason)
{
    Runtime *r = find(id);
    if (!r)
        return unknownNode(id);
    if (r->status.health == HealthState::Failed)
        return {};
    transition(*r, HealthState::Failed,
               reason.isEmpty() ? QStringLiteral("down for longer than node_timeout (%1 ms)").arg(m_config.nodeTimeoutMs)
                                : reason,
               0);
    // The engine's own finding: the node is failed either way; the caller hears if its audit
    // row could not be written.
    const Status logged = audited(QStringLiteral("engine"), QStringLiteral("node.failed"), id, {},
                                  r->status.lastCheckResult, {});
    emit nodeFailed(id);
    return logged;
}

void ClusterManager::checkNow(const QString &id)
{
    m_checker->checkNow(id);
}

Result<NodePick> ClusterManager::selectNode(const QString &clientIp)
{
    const int idx = m_balancer.pick(clientIp.isEmpty() ? 0 : LoadBalancer::hashClient(clientIp));
    if (idx < 0) {
        int unknown = 0, down = 0, parked = 0;
        for (const Runtime &r : m_nodes) {
            if (r.status.spec.adminState != AdminState::Ready)
                ++parked;
            else if (r.status.health == HealthState::Unknown)
                ++unknown;
            else
                ++down;
        }
        return makeError(QStringLiteral("balancer.no_node"),
                         QStringLiteral("no node may take traffic (%1 nodes: %2 down or failed, %3 not yet checked, "
                                        "%4 drained or in maintenance)")
                             .arg(m_nodes.size()).arg(down).arg(unknown).arg(parked));
    }
    m_balancer.acquire(idx);
    Runtime &r = m_nodes[std::size_t(idx)];
    r.status.activeConnections = m_balancer.activeConnections(idx);
    return NodePick{r.status.spec.id, QUrl(r.status.spec.url)};
}

ClusterManager::Runtime *ClusterManager::release(const NodePick &pick)
{
    Runtime *r = find(pick.nodeId);
    if (r) {
        const int idx = int(r - m_nodes.data());
        m_balancer.release(idx);
        r->status.activeConnections = m_balancer.activeConnections(idx);
    }
    return r;
}

void ClusterManager::releasePick(const NodePick &pick)
{
    release(pick);
}

void ClusterManager::reportResult(const NodePick &pick, bool ok, double latencyMs, const QString &failure)
{
    Runtime *r = release(pick);
    ++m_totalRequests;
    m_window.record(nowMs(), ok, latencyMs);
    if (ok) {
        ++m_successfulRequests;
        m_latencySumMs += latencyMs;
    } else {
        ++m_failedRequests;
    }
    if (!r)
        return;
    ++r->status.requests;
    recordSample(*r, ok, latencyMs);
    if (!ok) {
        ++r->status.failures;
        reportPassiveFailure(pick.nodeId, failure);
    }
}

void ClusterManager::reportPassiveFailure(const QString &nodeId, const QString &reason)
{
    Runtime *r = find(nodeId);
    if (!r || r->status.health != HealthState::Up)
        return;
    // Checked by another daemon: nothing is written and no check here brings it back, so it
    // takes the shared state again after one check interval (housekeeping).
    if (!checksHere(nodeId))
        m_passiveDown.insert(nodeId, nowMs());
    // A dead node leaves rotation on the first failed real request; active checks bring it
    // back after `rise` good checks.
    r->status.consecutiveOk = 0;
    r->status.consecutiveFail = m_config.fall;
    transition(*r, HealthState::Down, QStringLiteral("passive: %1").arg(reason.isEmpty() ? QStringLiteral("request failed") : reason), 0);
    m_checker->checkNow(nodeId);
}

void ClusterManager::recordSample(Runtime &r, bool ok, double latencyMs)
{
    if (r.windowSeen < int(r.window.size()))
        ++r.windowSeen; // the slot was empty
    r.windowGood += (ok ? 1 : 0) - r.window[r.windowPos];
    r.window[r.windowPos] = ok ? 1 : 0;
    r.windowPos = (r.windowPos + 1) % r.window.size();
    r.status.successRate = 100.0 * r.windowGood / double(r.windowSeen);
    if (ok) {
        r.ewmaMs = r.hadEwma ? 0.8 * r.ewmaMs + 0.2 * latencyMs : latencyMs;
        r.hadEwma = true;
    }
    publishLatency(r);
}

void ClusterManager::publishLatency(Runtime &r)
{
    r.status.responseTimeMs = r.status.health == HealthState::Up && r.hadEwma
                                  ? r.ewmaMs
                                  : std::numeric_limits<double>::quiet_NaN();
}

void ClusterManager::onConnectionLost(const QString &id, const QString &reason)
{
    Runtime *r = find(id);
    if (r && r->status.health == HealthState::Up)
        r->lostConnection = reason;
}

void ClusterManager::onChecked(const CheckResult &result)
{
    Runtime *r = find(result.nodeId);
    // A check that was in flight when the node's partition passed to another daemon: that
    // daemon's checks decide now.
    if (!r || !checksHere(result.nodeId))
        return;
    NodeStatus &s = r->status;
    const bool ok = result.outcome == CheckOutcome::Ok;
    s.lastCheckAt = result.at;
    s.lastCheckResult = result.detail;
    recordSample(*r, ok, result.latencyMs);
    if (ok) {
        ++s.consecutiveOk;
        s.consecutiveFail = 0;
        r->lostConnection.clear();
        r->lastOkAt = result.at;
    } else {
        ++s.consecutiveFail;
        s.consecutiveOk = 0;
        r->downFromStore = false; // found down (or still down) by this run
    }
    switch (s.health) {
    case HealthState::Unknown:
        // The first check decides: there is no earlier state to protect with rise/fall.
        transition(*r, ok ? HealthState::Up : HealthState::Down, result.detail, result.latencyMs);
        break;
    case HealthState::Up:
        if (!ok && s.consecutiveFail >= m_config.fall) {
            QString reason = QStringLiteral("%1 (%2 checks failed in a row")
                                 .arg(result.detail)
                                 .arg(s.consecutiveFail);
            reason += r->lostConnection.isEmpty()
                          ? QStringLiteral(")")
                          : QStringLiteral("; checked at once because %1)").arg(r->lostConnection);
            transition(*r, HealthState::Down, reason, result.latencyMs);
        }
        break;
    case HealthState::Down:
    case HealthState::Failed:
        if (ok && s.consecutiveOk >= m_config.rise)
            transition(*r, HealthState::Up, QStringLiteral("ok (%1 checks passed in a row)").arg(s.consecutiveOk), result.latencyMs);
        break;
    }
}

void ClusterManager::transition(Runtime &r, HealthState to, const QString &reason, double latencyMs)
{
    NodeStatus &s = r.status;
    if (s.health == to)
        return;
    HealthEvent e;
    e.nodeId = s.spec.id;
    e.timestamp = nowMs();
    e.from = s.health;
    e.to = to;
    e.reason = reason;
    e.latencyMs = latencyMs;
    e.lastOkAt = r.lastOkAt;
    const bool recovering = to == HealthState::Up && (s.health == HealthState::Down || s.health == HealthState::Failed);
    r.upSince = recovering && m_config.slowStartMs > 0 ? e.timestamp : 0;
    s.health = to;
    if (to != HealthState::Up) {
        // Latency measured before the failure says nothing about the node after it.
        r.hadEwma = false;
        r.lostConnection.clear();
    }
    publishLatency(r);
    s.lastChangeAt = e.timestamp;
    s.stalledWhileDownMs = 0;
    r.downFromStore = false;
    rebuildBalancer();
    // Told before it is written: each write is a commit that waits for the disk (tens to
    // hundreds of ms on a busy one), and consoles and the live stream wait for this. The
    // history is written before this thread returns to its event loop, so a read of it
    // through the engine (nodeHistory) that follows the event sees it.
    emit healthChanged(e);
    // A node checked by another daemon (its partition is not held here) changes only here, on
    // a failure of real traffic: the daemon that checks it records what its checks find.
    // Written in order after any earlier one the store did not take yet.
    if (checksHere(s.spec.id)) {
        m_unwritten.push_back(e);
        writeHealth();
    }
    if (recovering)
        emit nodeRecovered(s.spec.id);
}

void ClusterManager::writeHealth()
{
    const std::size_t before = m_unwritten.size();
    QString failure;
    std::size_t written = 0;
    for (; written < m_unwritten.size(); ++written) {
        const HealthEvent &e = m_unwritten[written];
        const Status st =
            m_store->recordHealthTransition(e, m_partitioned ? m_leaseHolder : QString());
        if (st)
            continue;
        if (st.error().code == QLatin1String("store.fenced")) {
            // Its partition passed to another daemon: that one's checks decide now.
            qWarning("health of %s: %s", qPrintable(e.nodeId), qPrintable(st.error().message));
            continue;
        }
        failure = st.error().message;
        break;
    }
    m_unwritten.erase(m_unwritten.begin(), m_unwritten.begin() + std::ptrdiff_t(written));
    const bool failing = !failure.isEmpty();
    if (failing) {
        m_nextHealthWrite = nowMs() + StoreRetryMs;
        if (!m_healthWriteFailing || m_unwritten.size() != before)
            qWarning("health not recorded (%zu transitions wait, written again): %s",
                     m_unwritten.size(), qPrintable(failure));
    }
    if (failing || m_healthWriteFailing)
        emit healthWritesPending(int(m_unwritten.size()), failure);
    m_healthWriteFailing = failing;
}

int ClusterManager::computeEffectiveWeight(const Runtime &r, qint64 now) const
{
    const NodeStatus &s = r.status;
    if (s.spec.adminState != AdminState::Ready || s.health != HealthState::Up)
        return 0;
    if (r.upSince == 0 || m_config.slowStartMs <= 0)
        return s.spec.weight;
    const double ramp = std::clamp(double(now - r.upSince) / double(m_config.slowStartMs), 0.0, 1.0);
    return std::max(1, int(std::ceil(s.spec.weight * ramp)));
}

void ClusterManager::rebuildBalancer()
{
    const qint64 now = nowMs();
    std::vector<BalancerNode> nodes;
    nodes.reserve(m_nodes.size());
    m_index.clear();
    for (Runtime &r : m_nodes) {
        m_index.insert(r.status.spec.id, int(nodes.size()));
        r.status.effectiveWeight = computeEffectiveWeight(r, now);
        r.status.eligible = r.status.effectiveWeight > 0;
        nodes.push_back(BalancerNode{r.status.spec.id, std::max(1, r.status.effectiveWeight), r.status.eligible});
    }
    m_balancer.setNodes(nodes);
}

qint64 ClusterManager::stalledSinceLastTick()
{
    const qint64 tickNs = StallWatch::nowNs();
    const qint64 sinceMs = (tickNs - m_lastTickNs) / 1000000;
    // A late tick alone may be this thread being busy; the watch says whether the process
    // itself was not running.
    const bool stalled = m_lastTickNs > 0 && sinceMs > HousekeepingMs + StallWatch::StallMs &&
                         m_stallWatch->stalledSince(m_lastTickNs);
    m_lastTickNs = tickNs;
    return stalled ? sinceMs - HousekeepingMs : 0;
}

bool ClusterManager::downPastTimeout(Runtime &r, qint64 now, qint64 stalledMs)
{
    const qint64 downMs = now - r.status.lastChangeAt;
    qint64 &stalled = r.status.stalledWhileDownMs;
    if (r.stalledSince != r.status.lastChangeAt) { // another spell down: nothing stalled yet
        r.stalledSince = r.status.lastChangeAt;
        stalled = 0;
    }
    stalled += std::clamp<qint64>(stalledMs, 0, std::max<qint64>(0, downMs));
    return downMs - stalled > m_config.nodeTimeoutMs;
}

void ClusterManager::housekeeping()
{
    const qint64 now = nowMs();
    // Resumed from a stall (Ctrl+Z, a paused VM): what nobody could watch is not held against
    // the down nodes (as Nomad restarts every heartbeat timer when a new leader takes over).
    const qint64 stalledMs = stalledSinceLastTick();
    bool weightsChanged = false;
    std::vector<QString> failed;
    int spared = 0; // down nodes the stall was not held against
    for (Runtime &r : m_nodes) {
        if (r.upSince && now - r.upSince >= m_config.slowStartMs)
            r.upSince = 0;
        if (computeEffectiveWeight(r, now) != r.status.effectiveWeight)
            weightsChanged = true;
        if (r.status.health != HealthState::Down || !checksHere(r.status.spec.id))
            continue;
        spared += stalledMs > 0;
        if (downPastTimeout(r, now, stalledMs) && !r.downFromStore)
            failed.push_back(r.status.spec.id);
    }
    if (spared > 0)
        qInfo("this process was stalled for %lld ms: not counted toward node_timeout of %d down "
              "node(s)",
              qlonglong(stalledMs), spared);
    if (weightsChanged)
        rebuildBalancer();
    for (const QString &id : failed)
        handleNodeFailure(id);
    if (!m_unwritten.empty() && now >= m_nextHealthWrite)
        writeHealth();
    // Nodes that real traffic took out of rotation here while another daemon checks them
    // (no longer once they are checked here, or gone).
    for (auto it = m_passiveDown.begin(); it != m_passiveDown.end();)
        it = !find(it.key()) || checksHere(it.key()) ? m_passiveDown.erase(it) : std::next(it);
    bool passiveDue = false;
    for (auto it = m_passiveDown.cbegin(); it != m_passiveDown.cend() && !passiveDue; ++it)
        passiveDue = now - it.value() >= m_config.healthCheckIntervalMs;
    if (passiveDue && now >= m_nextPassiveRead) {
        m_nextPassiveRead = now + StoreRetryMs;
        if (Status s = reloadHealth(); !s)
            qWarning("health of other daemons' nodes: %s", qPrintable(s.error().message));
    }
}

qint64 ClusterManager::intervalFor(const QString &id) const
{
    const Runtime *r = find(id);
    if (!r)
        return m_config.healthCheckIntervalMs;
    const NodeStatus &s = r->status;
    const bool changing = (s.health == HealthState::Up && s.consecutiveFail > 0)
                          || ((s.health == HealthState::Down || s.health == HealthState::Failed) && s.consecutiveOk > 0)
                          || s.health == HealthState::Unknown;
    if (changing)
        return std::min(m_config.fastIntervalMs, m_config.healthCheckIntervalMs);
    if (s.health == HealthState::Down || s.health == HealthState::Failed)
        return m_config.downIntervalMs;
    return steadyCheckIntervalMs();
}

qint64 ClusterManager::steadyCheckIntervalMs() const
{
    // The plan asks for failures detected within 30 s with checks every 30 s, and `fall`
    // failed checks are needed to take a node down. A failure that starts just after a good
    // check is seen by the next check, then confirmed by fall-1 fast re-checks: the steady
    // cadence leaves room for those and a little slack for the checks themselves.
    const qint64 interval = m_config.healthCheckIntervalMs;
    const qint64 fast = std::min(m_config.fastIntervalMs, interval);
    const qint64 slack = std::min<qint64>(1000, interval / 10);
    return std::max(interval / 2, interval - qint64(std::max(0, m_config.fall - 1)) * fast - slack);
}

QList<NodeStatus> ClusterManager::nodes() const
{
    QList<NodeStatus> list;
    list.reserve(qsizetype(m_nodes.size()));
    for (const Runtime &r : m_nodes)
        list << r.status;
    return list;
}

std::optional<NodeStatus> ClusterManager::node(const QString &id) const
{
    const Runtime *r = find(id);
    if (!r)
        return std::nullopt;
    return r->status;
}

ClusterStats ClusterManager::stats() const
{
    ClusterStats s;
    s.clusterId = m_config.clusterId;
    s.totalNodes = int(m_nodes.size());
    for (const Runtime &r : m_nodes) {
        if (r.status.eligible)
            ++s.activeNodes;
        if (r.status.health == HealthState::Down || r.status.health == HealthState::Failed)
            ++s.failedNodes;
    }
    s.requestsKnown = m_requestsCounted;
    s.totalRequests = m_totalRequests;
    s.successfulRequests = m_successfulRequests;
    s.failedRequests = m_failedRequests;
    s.averageResponseTimeMs = m_successfulRequests ? m_latencySumMs / double(m_successfulRequests) : 0;
    const RequestWindow::Totals w = m_window.totals(nowMs());
    s.windowMs = m_window.windowMs();
    s.windowRequests = w.requests;
    s.windowFailedRequests = w.failed;
    s.windowSuccessfulRequests = w.requests - w.failed;
    if (w.requests > 0)
        s.windowSuccessRate = 100.0 * double(s.windowSuccessfulRequests) / double(w.requests);
    if (s.windowSuccessfulRequests > 0)
        s.windowAverageResponseTimeMs = w.latencySumMs / double(s.windowSuccessfulRequests);
    return s;
}

void ClusterManager::setRequestWindowMs(qint64 windowMs)
{
    m_window.setWindowMs(windowMs);
}

void ClusterManager::applyConfig(const ClusterConfig &config)
{
    const bool strategyChanged = config.loadBalanceStrategy != m_config.loadBalanceStrategy;
    m_config = config;
    m_checker->setTimeoutMs(config.healthCheckTimeoutMs);
    m_checker->setJitterPercent(config.checkJitterPercent);
    if (strategyChanged)
        m_balancer.setStrategy(config.loadBalanceStrategy);
    rebuildBalancer();
    emit nodesChanged();
}

} // namespace jobfirst
