// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/localenginesession.h"

#include "balance/pickplanner.h"
#include "cluster/clustermanager.h"
#include "config/configdiff.h"
#include "config/secretmask.h"
#include "core/backgroundpool.h"
#include "core/whenfinished.h"
#include "host/enginehost.h"
#include "host/storelocation.h"
#include "metrics/metricsrenderer.h"
#include "store/apitokenstore.h"
#include "store/postgresstatestore.h"
#include "store/slostore.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QDateTime>
#include <QMutex>
#include <QPromise>
#include <QtConcurrent>

#include <vector>

namespace jobfirst {

namespace {

Error closedError()
{
    return makeError(QStringLiteral("engine.closed"), QStringLiteral("the engine is not running (no store is open)"));
}

Error forbidden(Permission permission, Role role)
{
    return makeError(QStringLiteral("auth.forbidden"),
                     QStringLiteral("the %1 role may not do this; it needs the %2 role")
                         .arg(roleName(role), roleName(lowestRoleFor(permission))));
}

template <typename T>
Status toStatus(const Result<T> &r)
{
    return r ? Status() : Status(r.error());
}

} // namespace

struct LocalEngineSession::Shared
{
    EngineHost host;
    QMutex mutex;
    EngineOptions options;
    bool started = false;
    std::atomic_bool stopped{false};
    /// How the engine's last open() came by its config file (SessionInfo), set on its thread.
    std::atomic_bool configFileMade{false};
    std::atomic_int configFileFromVersion{0};
    std::vector<QFuture<void>> jobs;
    std::vector<std::shared_ptr<JobControl>> cancels;
    void track(QFuture<void> job, std::shared_ptr<JobControl> cancel)
    {
        QMutexLocker lock(&mutex);
        for (std::size_t i = jobs.size(); i-- > 0;) {
            if (jobs[i].isFinished()) {
                jobs.erase(jobs.begin() + std::ptrdiff_t(i));
                cancels.erase(cancels.begin() + std::ptrdiff_t(i));
            }
        }
        jobs.push_back(std::move(job));
        cancels.push_back(std::move(cancel));
    }

    /// Cancels and waits for every background job (they may call the engine meanwhile).
    void drainJobs()
    {
        std::vector<QFuture<void>> running;
        {
            QMutexLocker lock(&mutex);
            for (auto &c : cancels)
                if (c)
                    c->cancel();
            running.swap(jobs);
            cancels.clear();
        }
        for (QFuture<void> &f : running)
            f.waitForFinished();
    }
};

LocalEngineSession::LocalEngineSession(const QString &actor, QObject *parent)
    : EngineSession(parent), m_shared(std::make_shared<Shared>()), m_actor(actor)
{
    connectSignals();
}

LocalEngineSession::LocalEngineSession(std::shared_ptr<Shared> shared, const QString &actor, Role role)
    : m_shared(std::move(shared)), m_actor(actor), m_role(role)
{
    connectSignals();
}

LocalEngineSession::~LocalEngineSession()
{
    // The last session of an engine stops it.
    if (m_shared.use_count() == 1)
        stop();
}

void LocalEngineSession::connectSignals()
{
    EngineHost *host = &m_shared->host;
    connect(host, &EngineHost::snapshot, this, &EngineSession::snapshot);
    connect(host, &EngineHost::healthChanged, this, &EngineSession::healthChanged);
    connect(host, &EngineHost::configApplied, this, &EngineSession::configApplied);
    connect(host, &EngineHost::configReloadFailed, this, &EngineSession::configReloadFailed);
}

template <typename R, typename F>
QFuture<R> LocalEngineSession::onEngine(F &&f)
{
    if (m_shared->stopped.load() || !m_shared->started)
        return QtFuture::makeReadyFuture(R(closedError()));
    return m_shared->host.call([fn = std::forward<F>(f)](Engine &e) mutable -> R {
        if (!e.isOpen())
            return R(closedError());
        return fn(e);
    });
}

template <typename R, typename F>
QFuture<R> LocalEngineSession::inBackground(F &&f)
{
    if (m_shared->stopped.load() || !m_shared->started)
        return QtFuture::makeReadyFuture(R(closedError()));
    QFuture<R> future = QtConcurrent::run(backgroundPool(), std::forward<F>(f));
    m_shared->track(QFuture<void>(future), nullptr);
    return future;
}

QFuture<Status> LocalEngineSession::start(const EngineOptions &options)
{
    m_shared->options = options;
    m_shared->started = true;
    m_shared->stopped = false;
    // Opened on the engine thread; how it came by its config file is kept for the caller.
    return m_shared->host.call([options, shared = m_shared.get()](Engine &e) {
        Status opened = e.open(options);
        shared->configFileMade = e.madeConfigFile();
        shared->configFileFromVersion = e.configMadeFromVersion();
        return opened;
    });
}

QFuture<Status> LocalEngineSession::restart(const EngineOptions &options)
{
    m_shared->drainJobs();
    m_shared->options = options;
    m_shared->started = true;
    return m_shared->host.call([options](Engine &e) {
        e.shutdown();
        return e.open(options);
    });
}

void LocalEngineSession::stop()
{
    if (m_shared->stopped.exchange(true))
        return;
    m_shared->drainJobs();
    m_shared->host.stop();
}

bool LocalEngineSession::madeConfigFile() const
{
    return m_shared->configFileMade.load();
}

int LocalEngineSession::configMadeFromVersion() const
{
    return m_shared->configFileFromVersion.load();
}

bool LocalEngineSession::isOpen() const
{
    return !m_shared->stopped.load() && m_shared->host.isOpen();
}

std::unique_ptr<LocalEngineSession> LocalEngineSession::asActor(const QString &actor, Role role) const
{
    return std::unique_ptr<LocalEngineSession>(new LocalEngineSession(m_shared, actor, role));
}

void LocalEngineSession::refreshNow()
{
    if (isOpen())
        m_shared->host.call([](Engine &e) { e.emitSnapshot(); });
}

void LocalEngineSession::reloadConfig()
{
    if (isOpen())
        m_shared->host.call([](Engine &e) { e.reloadConfig(); });
}

void LocalEngineSession::setDemoRate(int eventsPerSecond, int requestsPerSecond)
{
    if (isOpen())
        m_shared->host.call([eventsPerSecond, requestsPerSecond](Engine &e) { e.setDemoRate(eventsPerSecond, requestsPerSecond); });
}

void LocalEngineSession::setRefreshInterval(int ms)
{
    if (isOpen())
        m_shared->host.call([ms](Engine &e) { e.setRefreshInterval(ms); });
}

QFuture<QByteArray> LocalEngineSession::metrics()
{
    if (!isOpen())
        return QtFuture::makeReadyFuture(QByteArray());
    return m_shared->host.call([](Engine &e) { return e.isOpen() ? renderMetrics(e) : QByteArray(); });
}

QFuture<Result<std::optional<ApiToken>>> LocalEngineSession::authenticate(const QByteArray &secret)
{
    return onEngine<Result<std::optional<ApiToken>>>(
        [secret](Engine &e) { return ApiTokenStore(e.state()).authenticate(secret); });
}

QFuture<Status> LocalEngineSession::auditRefusal(const QString &action, const QString &subject, const QString &why)
{
    return onEngine<Status>([actor = m_actor, action, subject, why](Engine &e) {
        return e.state()->appendAudit(AuditEntry{0, 0, actor, QStringLiteral("refused:") + action, subject, QString(), why});
    });
}

SessionInfo LocalEngineSession::info() const
{
    SessionInfo i;
    i.remote = false;
    i.endpoint = QStringLiteral("embedded");
    i.role = m_role;
    i.actor = m_actor;
    i.dbPath = m_shared->options.dbPath;
    i.configPath = m_shared->options.configPath;
    i.demo = m_shared->options.demo;
    return i;
}

// Nodes.

QFuture<Result<QList<NodeStatus>>> LocalEngineSession::nodes()
{
    return onEngine<Result<QList<NodeStatus>>>([](Engine &e) { return e.nodes(); });
}

QFuture<Result<NodeStatus>> LocalEngineSession::addNode(const NodeSpec &spec)
{
    return onEngine<Result<NodeStatus>>([spec, actor = m_actor](Engine &e) { return e.cluster()->registerNode(spec, actor); });
}

QFuture<Result<NodeStatus>> LocalEngineSession::editNode(const NodeSpec &spec)
{
    return onEngine<Result<NodeStatus>>([spec, actor = m_actor](Engine &e) -> Result<NodeStatus> {
        if (Status s = e.cluster()->editNode(spec, actor); !s)
            return s.error();
        return *e.cluster()->node(spec.id);
    });
}

QFuture<Status> LocalEngineSession::removeNode(const QString &id)
{
    return onEngine<Status>([id, actor = m_actor](Engine &e) { return e.cluster()->unregisterNode(id, actor); });
}

QFuture<Status> LocalEngineSession::setNodeWeight(const QString &id, int weight)
{
    return onEngine<Status>([id, weight, actor = m_actor](Engine &e) { return e.cluster()->updateNodeWeight(id, weight, actor); });
}

QFuture<Status> LocalEngineSession::setAdminState(const QString &id, AdminState state)
{
    return onEngine<Status>([id, state, actor = m_actor](Engine &e) { return e.cluster()->setAdminState(id, state, actor); });
}

QFuture<Result<QList<HealthEvent>>> LocalEngineSession::nodeHistory(const QString &id, int limit)
{
    return onEngine<Result<QList<HealthEvent>>>([id, limit](Engine &e) -> Result<QList<HealthEvent>> {
        if (!e.cluster()->node(id))
            return ClusterManager::unknownNode(id);
        return e.state()->healthEvents(id, limit);
    });
}

QFuture<Result<QList<NodeCheck>>> LocalEngineSession::checkNodes(const QStringList &ids)
{
    using Probes = QList<std::pair<QString, QFuture<CheckResult>>>;
    auto shared = m_shared;
    return inBackground<Result<QList<NodeCheck>>>([shared, ids]() -> Result<QList<NodeCheck>> {
        // Start every probe on the engine thread, then wait for them here, off that thread.
        const Result<Probes> started = shared->host.call([ids](Engine &e) -> Result<Probes> {
            if (!e.isOpen())
                return closedError();
            Probes probes;
            for (const NodeStatus &n : e.cluster()->nodes()) {
                if (!ids.isEmpty() && !ids.contains(n.spec.id))
                    continue;
                auto promise = std::make_shared<QPromise<CheckResult>>();
                promise->start();
                probes.append({n.spec.id, promise->future()});
                e.probe(e.cluster()->checkUrl(n.spec), promise);
                e.cluster()->checkNow(n.spec.id);
            }
            for (const QString &id : ids)
                if (!e.cluster()->node(id))
                    return ClusterManager::unknownNode(id);
            return probes;
        }).result();
        if (!started)
            return started.error();
        QList<NodeCheck> checks;
        for (const auto &[id, future] : started.value()) {
            CheckResult r = future.result();
            r.nodeId = id;
            checks << NodeCheck{id, r};
        }
        return checks;
    });
}

QFuture<Result<CheckResult>> LocalEngineSession::probe(const QUrl &url)
{
    if (!isOpen())
        return QtFuture::makeReadyFuture(Result<CheckResult>(closedError()));
    return whenFinishedThen(m_shared->host.probe(url), this,
                            [](const CheckResult &r) { return Result<CheckResult>(r); });
}

QFuture<Result<ClusterStats>> LocalEngineSession::clusterStats()
{
    return onEngine<Result<ClusterStats>>([](Engine &e) { return e.cluster()->stats(); });
}

// Balancing.

QFuture<Result<PickReport>> LocalEngineSession::pick(const PickRequest &request)
{
    return onEngine<Result<PickReport>>([request](Engine &e) {
        return planPicks(e.cluster()->nodes(), request, e.config().loadBalanceStrategy);
    });
}

QFuture<Result<SimulationReport>> LocalEngineSession::simulate(const SimulationRequest &request,
                                                               std::shared_ptr<JobControl> control)
{
    if (m_shared->stopped.load() || !m_shared->started)
        return QtFuture::makeReadyFuture(Result<SimulationReport>(closedError()));
    if (!control)
        control = std::make_shared<JobControl>();
    auto shared = m_shared;
    QFuture<Result<SimulationReport>> future = QtConcurrent::run(
        backgroundPool(), [shared, request, control]() -> Result<SimulationReport> {
            SimulationParams p = request.params;
            if (p.nodes.isEmpty()) {
                const auto nodes = shared->host
                                       .call([](Engine &e) -> Result<QList<NodeStatus>> {
                                           if (!e.isOpen())
                                               return closedError();
                                           return e.cluster()->nodes();
                                       })
                                       .result();
                if (!nodes)
                    return nodes.error();
                for (const NodeStatus &n : nodes.value()) {
                    SimNode s = request.nodeDefaults;
                    s.id = n.spec.id;
                    s.weight = n.spec.weight;
                    p.nodes << s;
                }
            }
            return BalancingSimulator::run(
                p, [control](double v) { control->report(v); }, control->cancelFlag());
        });
    m_shared->track(QFuture<void>(future), control);
    return future;
}

// Sync.

QFuture<Result<QList<SyncEvent>>> LocalEngineSession::sendEvents(const QList<SyncEvent> &events, SyncMode mode,
                                                                 const QString &target)
{
    using Stored = Result<QList<SyncEvent>>;
    // Routed and queued on the engine thread, in the order the calls were made; answered by
    // the outbox once durable, so no thread waits for the disk per call.
    auto promise = std::make_shared<QPromise<Stored>>();
    QFuture<Stored> stored = promise->future();
    promise->start();
    const OutboxWriter::Answer answer = [promise](Stored result) {
        promise->addResult(std::move(result));
        promise->finish();
    };
    // The engine thread itself answers a closed engine: a continuation on the call's future
    // would be attached here while that thread may be finishing it, which Qt 6.4 can run
    // twice and crash (core/whenfinished.h).
    if (m_shared->stopped.load() || !m_shared->started) {
        answer(closedError());
    } else {
        m_shared->host.call([events, mode, target, answer](Engine &e) {
            if (e.isOpen())
                e.sync()->submit(events, mode, target, answer);
            else
                answer(closedError()); // nothing was queued
        });
    }
    m_shared->track(QFuture<void>(stored), nullptr);
    return stored;
}

QFuture<Result<ImportProgress>> LocalEngineSession::importUsers(const QString &path, int batchSize,
                                                               std::shared_ptr<JobControl> control)
{
    if (m_shared->stopped.load() || !m_shared->started)
        return QtFuture::makeReadyFuture(Result<ImportProgress>(closedError()));
    if (!control)
        control = std::make_shared<JobControl>();
    auto shared = m_shared;
    QFuture<Result<ImportProgress>> future = QtConcurrent::run(
        backgroundPool(), [shared, path, batchSize, control]() -> Result<ImportProgress> {
            // The service publishes from any thread (it serializes routing itself), and stop()
            // waits for this job before the engine closes, so the pointer outlives the import.
            const auto where = shared->host
                                   .call([](Engine &e) -> std::pair<QString, SyncService *> {
                                       return {e.isOpen() ? e.store()->path() : QString(),
                                               e.isOpen() ? e.sync() : nullptr};
                                   })
                                   .result();
            if (!where.second)
                return closedError();
            // Lines longer than sync_max_event_bytes are refused by number, never read whole.
            const qint64 maxEventBytes =
                shared->host.call([](Engine &e) { return e.config().syncMaxEventBytes; }).result();
            return BulkImporter::run(
                where.first, path, batchSize,
                [sync = where.second](const QList<SyncEvent> &events) {
                    return sync->publish(events, SyncMode::Bulk);
                },
                [control](const ImportProgress &p) {
                    control->report(p.bytesTotal ? double(p.bytesDone) / double(p.bytesTotal) : 1.0,
                                    p);
                },
                control->cancelFlag(), maxEventBytes);
        });
    m_shared->track(QFuture<void>(future), control);
    return future;
}

QFuture<Result<QList<DaemonStatus>>> LocalEngineSession::daemons()
{
    return onEngine<Result<QList<DaemonStatus>>>([](const Engine &e) { return e.daemons(); });
}

QFuture<Status> LocalEngineSession::forgetDaemon(const QString &id)
{
    return onEngine<Status>([id, actor = m_actor](Engine &e) { return e.forgetDaemon(id, actor); });
}

void LocalEngineSession::setAdminUrl(const QString &url)
{
    onEngine<Status>([url](Engine &e) {
        e.sync()->setAdminUrl(url);
        return Status();
    });
}

QFuture<Result<SyncStats>> LocalEngineSession::syncStats()
{
    return onEngine<Result<SyncStats>>([](Engine &e) { return e.sync()->storedStats(); });
}

QFuture<Result<TargetStatus>> LocalEngineSession::targetStatus(const QString &target)
{
    return onEngine<Result<TargetStatus>>([target](Engine &e) { return e.sync()->syncStatus(target); });
}

QFuture<Result<QList<QueuedDelivery>>> LocalEngineSession::queue(const QString &target, int limit)
{
    return onEngine<Result<QList<QueuedDelivery>>>([target, limit](Engine &e) { return e.sync()->queue(target, limit); });
}

QFuture<Result<QList<DeadLetter>>> LocalEngineSession::deadLetters(const QString &target, int limit)
{
    return onEngine<Result<QList<DeadLetter>>>([target, limit](Engine &e) { return e.sync()->deadLetters(target, limit); });
}

QFuture<Result<QList<DeliveryAttempt>>> LocalEngineSession::attempts(qint64 deliveryId)
{
    return onEngine<Result<QList<DeliveryAttempt>>>([deliveryId](Engine &e) { return e.sync()->attempts(deliveryId); });
}

QFuture<Result<int>> LocalEngineSession::retryDeadLetters(const QList<qint64> &ids)
{
    return onEngine<Result<int>>([ids, actor = m_actor](Engine &e) -> Result<int> {
        int done = 0;
        for (qint64 id : ids) {
            if (Status s = e.sync()->retryFailedSync(id, actor); !s)
                return s.error();
            ++done;
        }
        e.emitSnapshot(); // counts on screen follow at once
        return done;
    });
}

QFuture<Result<int>> LocalEngineSession::discardDeadLetters(const QList<qint64> &ids)
{
    return onEngine<Result<int>>([ids, actor = m_actor](Engine &e) -> Result<int> {
        int done = 0;
        for (qint64 id : ids) {
            if (Status s = e.sync()->discard(id, actor); !s)
                return s.error();
            ++done;
        }
        e.emitSnapshot();
        return done;
    });
}

QFuture<Result<int>> LocalEngineSession::replay(const QString &target, qint64 sinceMs, qint64 untilMs)
{
    return onEngine<Result<int>>([target, sinceMs, untilMs, actor = m_actor](Engine &e) {
        auto n = e.sync()->replay(target, sinceMs, untilMs, actor);
        e.emitSnapshot();
        return n;
    });
}

QFuture<Result<QList<ConsistencyReport>>> LocalEngineSession::checkConsistency(const QStringList &targets, bool repair)
{
    // Digest requests are signed with the target's secret and use its TLS settings and token.
    using Where = std::pair<QString, QList<std::pair<QString, Result<DigestEndpoint>>>>;
    auto shared = m_shared;
    return inBackground<Result<QList<ConsistencyReport>>>([shared, targets, repair, actor = m_actor]() -> Result<QList<ConsistencyReport>> {
        const auto where = shared->host.call([targets](Engine &e) -> Result<Where> {
            if (!e.isOpen())
                return closedError();
            QStringList names = targets;
            if (names.isEmpty())
                for (const TargetConfig &t : e.config().targets)
                    names << t.name;
            Where w{e.sync()->outboxLocation(), {}};
            for (const QString &name : names)
                w.second.append({name, e.sync()->digestEndpoint(name)});
            return w;
        }).result();
        if (!where)
            return where.error();
        QList<ConsistencyReport> reports;
        for (const auto &[name, url] : where->second) {
            if (!url)
                return url.error(); // an unknown target name is the caller's mistake
            auto checked = ConsistencyChecker::check(where->first, name, url.value());
            ConsistencyReport r;
            if (!checked) {
                r.target = name;
                r.error = checked.error().message;
                reports << r;
                continue;
            }
            r = checked.value();
            shared->host.call([r](Engine &e) {
                e.metrics().recordConsistency(r.target, r.ratio);
                if (e.isOpen())
                    (void)SloStore(e.state()).recordConsistency(
                        QDateTime::currentMSecsSinceEpoch(), r.target, r.ledgerRecords,
                        std::max<qint64>(0, r.ledgerRecords - r.missing - r.stale));
            });
            if (repair && !r.repairEventIds.isEmpty()) {
                const QStringList ids = r.repairEventIds;
                auto repaired = shared->host.call([name = name, ids, actor](Engine &e) -> Result<int> {
                    if (!e.isOpen())
                        return closedError();
                    return e.sync()->repair(name, ids, actor);
                }).result();
                if (!repaired)
                    return repaired.error();
                r.repaired = repaired.value();
            }
            reports << r;
        }
        return reports;
    });
}

QFuture<Status> LocalEngineSession::setTargetPaused(const QString &target, bool paused)
{
    return onEngine<Status>([target, paused, actor = m_actor](Engine &e) { return e.sync()->setTargetPaused(target, paused, actor); });
}

QFuture<Status> LocalEngineSession::setTargetEnabled(const QString &target, bool enabled)
{
    return onEngine<Status>([target, enabled, actor = m_actor](Engine &e) { return e.sync()->setTargetEnabled(target, enabled, actor); });
}

// Configuration.

QFuture<Result<ClusterConfig>> LocalEngineSession::config(bool revealSecrets)
{
    if (revealSecrets && !roleAllows(m_role, Permission::ReadSecrets))
        return QtFuture::makeReadyFuture(Result<ClusterConfig>(forbidden(Permission::ReadSecrets, m_role)));
    return onEngine<Result<ClusterConfig>>([revealSecrets](Engine &e) {
        return revealSecrets ? e.config() : withMaskedSecrets(e.config());
    });
}

QFuture<Status> LocalEngineSession::checkConfig(const QByteArray &json)
{
    return onEngine<Status>([json](Engine &e) -> Status {
        auto config = ClusterConfig::fromJson(json);
        if (!config)
            return config.error();
        return e.checkConfig(restoreMaskedSecrets(config.value(), e.config()));
    });
}

QFuture<Result<int>> LocalEngineSession::applyConfig(const QByteArray &json)
{
    return onEngine<Result<int>>([json, actor = m_actor](Engine &e) { return e.applyConfigJson(json, actor); });
}

QFuture<Result<QList<ConfigVersion>>> LocalEngineSession::configVersions(int limit)
{
    return onEngine<Result<QList<ConfigVersion>>>([limit](Engine &e) -> Result<QList<ConfigVersion>> {
        auto versions = e.state()->configVersions(limit);
        if (!versions)
            return versions;
        QList<ConfigVersion> masked = versions.value();
        for (ConfigVersion &v : masked) {
            if (auto c = ClusterConfig::fromJson(v.json))
                v.json = withMaskedSecrets(c.value()).toJson();
        }
        return masked;
    });
}

QFuture<Result<ConfigDiff>> LocalEngineSession::configDiff(int from, int to)
{
    return onEngine<Result<ConfigDiff>>([from, to](Engine &e) -> Result<ConfigDiff> {
        const auto text = [&e](int version) -> Result<QByteArray> {
            if (version == 0)
                return withMaskedSecrets(e.config()).toJson();
            auto v = e.state()->configVersion(version);
            if (!v)
                return v.error();
            auto c = ClusterConfig::fromJson(v->json);
            return c ? withMaskedSecrets(c.value()).toJson() : v->json;
        };
        const auto a = text(from);
        if (!a)
            return a.error();
        const auto b = text(to);
        if (!b)
            return b.error();
        return ConfigDiff{from, to, lineDiff(QString::fromUtf8(a.value()).split(u'\n'), QString::fromUtf8(b.value()).split(u'\n'))};
    });
}

QFuture<Result<int>> LocalEngineSession::rollbackConfig(int version)
{
    return onEngine<Result<int>>([version, actor = m_actor](Engine &e) { return e.rollbackConfig(version, actor); });
}

// SLO, logs, audit and tokens.

QFuture<Result<SloReport>> LocalEngineSession::slo()
{
    // Read on a pool thread with its own connection: 30 days of health history and an
    // hour of deliveries are not the engine thread's work. Everything the SLO reads is in the
    // cluster state: PostgreSQL when daemons share one (the engine's own file is not opened
    // then), else the engine's file.
    const QString db = m_shared->options.dbPath;
    const QString url = m_shared->options.outboxUrl;
    // The engine opened and checked the file at start: this refresh, every 30 s, must not
    // quick_check it again (15 ms of a core on a demo store, the whole file on a big one).
    return inBackground<Result<SloReport>>([db, url]() -> Result<SloReport> {
        std::unique_ptr<ClusterStateStore> state;
        if (url.isEmpty()) {
            auto store = Store::openReader(db);
            if (!store)
                return store.error();
            state = std::move(store).value();
        } else {
            auto shared = PostgresStateStore::open(url);
            if (!shared)
                return shared.error();
            state = std::move(shared).value();
        }
        auto inputs = SloStore(state.get()).load(QDateTime::currentMSecsSinceEpoch());
        if (!inputs)
            return inputs.error();
        return SloCalculator::compute(inputs.value());
    });
}

QFuture<Result<QList<LogEntry>>> LocalEngineSession::logs(const LogQuery &query)
{
    return onEngine<Result<QList<LogEntry>>>([query](Engine &e) { return e.logs(query); });
}

QFuture<Result<QList<AuditEntry>>> LocalEngineSession::audit(const AuditQuery &query)
{
    return onEngine<Result<QList<AuditEntry>>>([query](Engine &e) { return e.state()->auditLog(query.limit, query.filter); });
}

QFuture<Result<AuditVerification>> LocalEngineSession::verifyAudit()
{
    // Reads every row: on a pool thread with its own connection, not the engine's.
    const EngineOptions options = m_shared->options;
    return inBackground<Result<AuditVerification>>([options]() -> Result<AuditVerification> {
        if (options.outboxUrl.isEmpty()) {
            // The engine's own file, checked at start: a quick_check would read it all twice.
            auto store = Store::openReader(options.dbPath);
            if (!store)
                return store.error();
            return store.value()->verifyAuditChain();
        }
        auto state = openClusterState(options);
        if (!state)
            return state.error();
        return state.value()->verifyAuditChain();
    });
}

QFuture<Result<BackupInfo>> LocalEngineSession::createBackup(const QString &path, const QByteArray &passphrase)
{
    const EngineOptions options = m_shared->options;
    const QString db = options.dbPath;
    const QString actor = m_actor;
    return inBackground<Result<BackupInfo>>([db, options, path, passphrase,
                                             actor]() -> Result<BackupInfo> {
        if (!options.outboxUrl.isEmpty())
            return Backup::sharedStoreError(options.outboxUrl);
        auto made = Backup::create(db, path, passphrase);
        if (!made)
            return made;
        if (auto store = openClusterState(options))
            (void)store.value()->appendAudit(AuditEntry{0, 0, actor, QStringLiteral("backup.create"), path, QString(),
                                                        QStringLiteral("%1 bytes").arg(made->fileBytes)});
        return made;
    });
}

QFuture<Result<BackupInfo>> LocalEngineSession::verifyBackup(const QString &path,
                                                             const QByteArray &passphrase)
{
    return inBackground<Result<BackupInfo>>(
        [path, passphrase] { return Backup::verify(path, passphrase); });
}

QFuture<Result<BackupInfo>> LocalEngineSession::restoreBackup(const QString &path,
                                                              const QByteArray &passphrase,
                                                              const QString &newDbPath)
{
    const EngineOptions options = m_shared->options;
    const QString actor = m_actor;
    return inBackground<Result<BackupInfo>>(
        [options, path, passphrase, newDbPath, actor]() -> Result<BackupInfo> {
            // Never `replace` through a session: a restore makes a new store beside the running
            // one.
            auto restored = Backup::restore(path, passphrase, newDbPath, false);
            if (!restored)
                return restored;
            if (auto store = openClusterState(options))
                (void)store.value()->appendAudit(
                    AuditEntry{0, 0, actor, QStringLiteral("backup.restore"), path, QString(),
                               QStringLiteral("restored to %1").arg(newDbPath)});
            return restored;
        });
}

QFuture<Result<CreatedToken>> LocalEngineSession::createToken(const QString &name, Role role, const QString &nodeId)
{
    return onEngine<Result<CreatedToken>>([name, role, nodeId,
                                           actor = m_actor](Engine &e) -> Result<CreatedToken> {
        auto created = ApiTokenStore(e.state()).create(name, role, nodeId, actor);
        if (!created)
            return created;
        const QString what = nodeId.isEmpty() ? roleName(role) : QStringLiteral("%1 %2").arg(roleName(role), nodeId);
        if (Status s = e.state()->appendAudit(AuditEntry{0, 0, actor, QStringLiteral("token.create"), name, QString(), what}); !s) {
            (void)ApiTokenStore(e.state()).revoke(name); // an unaudited token must not exist
            return s.error();
        }
        return created;
    });
}

QFuture<Result<QList<ApiToken>>> LocalEngineSession::tokens()
{
    return onEngine<Result<QList<ApiToken>>>(
        [](Engine &e) { return ApiTokenStore(e.state()).list(); });
}

QFuture<Status> LocalEngineSession::revokeToken(const QString &name)
{
    return onEngine<Status>([name, actor = m_actor](Engine &e) -> Status {
        if (Status s = ApiTokenStore(e.state()).revoke(name); !s)
            return s;
        return e.state()->appendAudit(AuditEntry{0, 0, actor, QStringLiteral("token.revoke"), name, QString(), QString()});
    });
}

} // namespace jobfirst
