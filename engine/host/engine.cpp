// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/engine.h"

#include "host/configlocation.h"

#include "cluster/clustermanager.h"
#include "config/secretmask.h"
#include "demo/demoworkload.h"
#include "logs/logbook.h"
#include "store/deliverylease.h"
#include "store/incidentstore.h"
#include "store/logstore.h"
#include "store/postgresschema.h"
#include "store/postgresstatestore.h"
#include "store/statechangewatcher.h"
#include "store/store.h"
#include "store/storeupkeep.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSysInfo>
#include <QTimer>

#include <optional>

namespace jobfirst {

namespace {
qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

/// Sorted partitions as ranges: "0-29,45".
QString partitionList(const QList<int> &sorted)
{
    QStringList parts;
    for (qsizetype i = 0; i < sorted.size();) {
        qsizetype j = i;
        while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1)
            ++j;
        parts << (j == i ? QString::number(sorted[i])
                         : QStringLiteral("%1-%2").arg(sorted[i]).arg(sorted[j]));
        i = j + 1;
    }
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(u',');
}

/// Who delivers, less when the store is tried again ("(trying again in 47 ms)",
/// ConnectBackoff): that countdown changes at every claim, and a PostgreSQL outage logged a
/// "stands by" line each second.
QString withoutRetryWait(const QString &delivery)
{
    static const QRegularExpression wait(QStringLiteral(" \\(trying again in \\d+ ms\\)"));
    return QString(delivery).remove(wait);
}

/// The backlog an operator is warned about: what waits to be sent. Deliveries held for a
/// target that is down, paused or disabled are left out, as the Overview's backlog card leaves
/// them out; those conditions raise incidents of their own (walk36: a "10,012 deliveries wait"
/// warning beside a card reading 4).
qint64 behind(const SyncStats &sync) { return sync.queueDepth - sync.heldDeliveries; }
} // namespace

Engine::Engine(QObject *parent) : QObject(parent) {}

Engine::~Engine()
{
    shutdown();
}

Status Engine::open(const EngineOptions &options)
{
    if (m_store)
        return makeError(QStringLiteral("engine.open"), QStringLiteral("the engine is already open"));
    m_options = options;
    DeliveryLease::setTtlMs(options.leaseMs); // before any store connection is made
    m_madeConfigFile = false;
    m_configMadeFromVersion = 0;
    if (Status s = loadConfigFile(options); !s)
        return s;
    if (Status s = openStores(options); !s)
        return s;
    if (Status s = takeStoredConfig(options); !s)
        return s;
    m_logBook = new LogBook(m_store.get(), m_config.logRetentionMs, this);
    if (Status s = takeOpenIncidents(); !s)
        return s;
    m_cluster = new ClusterManager(m_state, m_config, this);
    m_cluster->setRequestsCounted(options.countsRequests);
    if (Status s = m_cluster->load(); !s)
        return s;
    m_sync = new SyncService(m_store.get(), options.outboxUrl, m_config, this, m_state);
    m_sync->setNodes(m_cluster->nodes());
    m_sync->setDeliveryObserver(
        [metrics = &m_metrics](const QString &target, const float *ms, std::size_t count) {
            for (std::size_t i = 0; i < count; ++i)
                metrics->recordDelivery(target, ms[i]);
        });
    if (Status s = m_sync->start(options.deliver); !s)
        return s;
    m_upkeep = new StoreUpkeep(m_store->path(), this);
    m_upkeep->apply(m_config);
    m_upkeep->setSharedStore(options.outboxUrl);
    connectParts();
    if (!options.configPath.isEmpty() && options.watchConfig)
        watchConfigFile(options.configPath);
    if (m_sharedState && (options.healthChecks || options.deliver))
        followOtherDaemons(options);
    if (options.healthChecks || options.deliver)
        followOtherProcesses();
    startLoops(options);
    m_open = true;
    // A one-shot command (no loops running) is not an engine starting: it is not logged.
    if (options.healthChecks || options.deliver) {
        m_logBook->record(QStringLiteral("info"), QStringLiteral("engine"),
                          QStringLiteral("engine.started"),
                          QStringLiteral("engine started on %1").arg(options.dbPath),
                          {{QStringLiteral("store"), options.dbPath},
                           {QStringLiteral("config"), options.configPath},
                           {QStringLiteral("delivers"), options.deliver},
                           {QStringLiteral("checks"), options.healthChecks}});
        logConfigWarnings();
    }
    // The first picture goes out at once, not a refresh interval later (cold start).
    QTimer::singleShot(0, this, &Engine::emitSnapshot);
    return {};
}

/// The config file, if one is named: read and checked, or to be made where the options allow
/// (takeStoredConfig writes it once the store says what goes in it). Without one, the
/// built-in defaults with random secrets, until the store's latest version.
Status Engine::loadConfigFile(const EngineOptions &options)
{
    // No secret is built in: a config made here gets random ones.
    m_config = ClusterConfig::makeNew();
    if (options.configPath.isEmpty())
        return {};
    if (!QFileInfo::exists(options.configPath)) {
        if (Status s = checkConfigLocation(options); !s)
            return s;
        m_madeConfigFile = true; // written once the store says what goes in it
        return {};
    }
    auto config = ClusterConfig::fromFile(options.configPath);
    if (!config)
        return config.error();
    if (config->hasMaskedSecrets())
        return makeError(QStringLiteral("config.masked_secret"),
                         QStringLiteral("%1 holds a masked secret (••••…); write the secret itself")
                             .arg(options.configPath));
    if (Status s = config->checkFiles(); !s)
        return makeError(s.error().code,
                         QStringLiteral("%1: %2").arg(options.configPath, s.error().message));
    m_config = config.value();
    QFile f(options.configPath);
    if (f.open(QIODevice::ReadOnly))
        m_appliedFileContent = f.readAll();
    return {};
}

/// The local SQLite store, and the shared PostgreSQL one when the options name it (nodes,
/// health, config and audit then live there).
Status Engine::openStores(const EngineOptions &options)
{
    auto store = Store::open(options.dbPath);
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    m_state = m_store.get();
    if (options.outboxUrl.isEmpty())
        return {};
    auto shared = PostgresStateStore::open(options.outboxUrl);
    if (!shared)
        return shared.error();
    m_sharedState = std::move(shared).value();
    m_state = m_sharedState.get();
    return {};
}

/// Without a config file the store's latest version is the cluster's config (what the last
/// engine on this store ran), not the built-in defaults; a config file to be made gets that
/// version too; a config file's config is recorded as a version when it differs from the latest.
Status Engine::takeStoredConfig(const EngineOptions &options)
{
    auto versions = m_state->configVersions(1);
    if (!versions)
        return versions.error();
    if (m_madeConfigFile)
        if (Status s = makeConfigFile(versions.value()); !s)
            return s;
    const bool sameAsLatest = !versions->isEmpty() && versions->first().json == m_config.toJson();
    if (options.configPath.isEmpty() && !versions->isEmpty()) {
        auto stored = ClusterConfig::fromJson(versions->first().json);
        if (!stored)
            return makeError(QStringLiteral("config.invalid"),
                             QStringLiteral("%1: the latest config version cannot be used: %2")
                                 .arg(m_state->location(), stored.error().message));
        m_config = stored.value();
        m_appliedVersion = versions->first().version;
    } else if (options.recordStartConfig && !sameAsLatest) {
        auto saved = m_state->saveConfigVersion(m_config.toJson(), QStringLiteral("engine:start"));
        if (!saved)
            return saved.error();
        m_appliedVersion = saved.value();
    } else if (sameAsLatest) {
        m_appliedVersion = versions->first().version;
    }
    return {};
}

/// What the parts tell each other, and the incidents they raise and end.
void Engine::connectParts()
{
    connect(m_cluster, &ClusterManager::nodesChanged, this, [this] { m_sync->setNodes(m_cluster->nodes()); });
    connect(m_cluster, &ClusterManager::healthWritesPending, this,
            [this](int count, const QString &reason) {
                // Other daemons do not see what this one found until it is written.
                if (count > 0)
                    raise(Alert::Severity::Warning, QStringLiteral("health.unwritten"),
                          m_state->location(),
                          QStringLiteral("%1 health transitions not yet recorded (written again"
                                         " every second): %2")
                              .arg(count)
                              .arg(reason));
                else
                    resolve(QStringLiteral("health.unwritten"), m_state->location());
            });
    connect(m_cluster, &ClusterManager::healthChanged, this, &Engine::onHealthChanged);
    connect(m_sync, &SyncService::nodeDeliveryFailed, m_cluster,
            &ClusterManager::reportPassiveFailure);
    connect(
        m_upkeep, &StoreUpkeep::problem, this, [this](const QString &kind, const QString &message) {
            raise(kind == u"store.corrupt" ? Alert::Severity::Critical : Alert::Severity::Warning,
                  kind, m_store ? m_store->path() : QString(), message);
        });
    connect(m_sync, &SyncService::circuitChanged, this, [this](const QString &target, CircuitState state) {
        // Open, half-open, open again is one incident; only a closed circuit ends it.
        if (state == CircuitState::Open)
            raise(Alert::Severity::Warning, QStringLiteral("circuit.open"), target,
                  QStringLiteral("deliveries to %1 keep failing; its circuit is open and its events wait").arg(target));
        else if (state == CircuitState::Closed)
            resolve(QStringLiteral("circuit.open"), target);
    });

    connect(m_sync, &SyncService::targetDisabled, this, [this](const QString &target, const QString &reason) {
        raise(Alert::Severity::Critical, QStringLiteral("target.disabled"), target, reason);
    });

    // After ClusterManager's own handler (connected first): the node's state includes this check.
    connect(m_cluster->healthChecker(), &HealthChecker::checkFinished, this, [this](const CheckResult &r) {
        m_metrics.recordCheck(r.nodeId, r.outcome == CheckOutcome::Ok, r.latencyMs);
        if (r.outcome != CheckOutcome::Ok)
            raiseStillDown(r.nodeId);
    });
    connect(m_cluster->healthChecker(), &HealthChecker::probed, this, [this](quint64 token, const CheckResult &r) {
        if (auto p = m_probes.take(token)) {
            p->addResult(r);
            p->finish();
        }
    });
}

/// A node changed state (found here or by another daemon): consoles hear it first, then the
/// delivery engine takes the nodes again and the node's incidents are raised or ended.
void Engine::onHealthChanged(const HealthEvent &e)
{
    // Told first: handing every node to the delivery engine takes milliseconds with a
    // thousand nodes, and consoles and the live stream wait for this.
    m_pendingEvents << e;
    emit healthChanged(e);
    // Once per burst (another daemon's findings arrive many at once), not per node.
    if (!m_nodesToSync) {
        m_nodesToSync = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_nodesToSync = false;
                if (m_sync && m_cluster)
                    m_sync->setNodes(m_cluster->nodes());
            },
            Qt::QueuedConnection);
    }
    // A state change is shown soon, not a whole refresh interval later.
    if (m_tick && m_tick->isActive() && !m_soonSnapshot->isActive())
        m_soonSnapshot->start();
    // The incident began when the node changed (another daemon's finding may be older).
    if (e.to == HealthState::Down)
        raise(Alert::Severity::Warning, QStringLiteral("node.down"), e.nodeId, e.reason,
              e.timestamp);
    else if (e.to == HealthState::Failed)
        raise(Alert::Severity::Critical, QStringLiteral("node.failed"), e.nodeId, e.reason,
              e.timestamp);
    else if (e.to == HealthState::Up) {
        // Back up: the node's incidents end (a first check that finds it up ends none).
        resolve(QStringLiteral("node.down"), e.nodeId);
        resolve(QStringLiteral("node.failed"), e.nodeId);
    }
}

/// Editors often replace the file: the folder is watched too and the file added again.
void Engine::watchConfigFile(const QString &path)
{
    m_watcher = new QFileSystemWatcher(this);
    m_watcher->addPath(path);
    m_watcher->addPath(QFileInfo(path).absolutePath());
    m_reloadDebounce = new QTimer(this);
    m_reloadDebounce->setSingleShot(true);
    m_reloadDebounce->setInterval(200);
    connect(m_reloadDebounce, &QTimer::timeout, this, &Engine::reloadConfigFile);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, m_reloadDebounce,
            qOverload<>(&QTimer::start));
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_reloadDebounce,
            qOverload<>(&QTimer::start));
}

/// Daemons sharing one PostgreSQL follow each other's nodes, health and config (one-shot
/// commands read the store as it is and need not), and split the health checks as they
/// split deliveries: a node is checked by the daemon holding its partition's lease.
void Engine::followOtherDaemons(const EngineOptions &options)
{
    m_stateWatcher = new StateChangeWatcher(m_sharedState.get(), options.statePollMs, this);
    connect(m_stateWatcher, &StateChangeWatcher::changed, this, &Engine::followSharedState);
    // While the shared store does not answer, what the snapshot says of it (backlog, dead
    // letters, other daemons) is not current: an open incident says so.
    connect(m_stateWatcher, &StateChangeWatcher::lost, this, [this](const QString &why) {
        raise(Alert::Severity::Critical, QStringLiteral("store"), m_state->location(), why, 0,
              QStringLiteral("store.unavailable"));
    });
    connect(m_stateWatcher, &StateChangeWatcher::back, this,
            [this] { resolve(QStringLiteral("store"), m_state->location()); });
    m_stateWatcher->start();
    // The full lease owner: the store fences health writes by that exact name.
    const QString holder = m_sync->leaseOwner();
    m_cluster->setCheckedPartitions({}, holder);
    m_partitionFollower = new QTimer(this);
    m_partitionFollower->setInterval(PartitionFollowMs);
    connect(m_partitionFollower, &QTimer::timeout, this,
            [this, holder] { followPartitions(holder); });
    m_partitionFollower->start();
}

void Engine::startLoops(const EngineOptions &options)
{
    m_tick = new QTimer(this);
    connect(m_tick, &QTimer::timeout, this, &Engine::emitSnapshot);
    m_soonSnapshot = new QTimer(this);
    m_soonSnapshot->setSingleShot(true);
    m_soonSnapshot->setInterval(SoonSnapshotMs);
    connect(m_soonSnapshot, &QTimer::timeout, this, &Engine::emitSnapshot);
    setRefreshInterval(options.refreshMs);
    if (options.healthChecks)
        m_cluster->start();
    // Retention, scheduled backups and the background quick_check run in the long-lived
    // engines (those that deliver), not in one-shot commands.
    if (options.deliver)
        m_upkeep->start();
    if (options.demo) {
        m_demo = new DemoWorkload(m_cluster, m_sync, this);
        m_demo->start();
    }
}

Status Engine::makeConfigFile(const QList<ConfigVersion> &latest)
{
    // A store that has a config keeps it (and its secrets): a new file with fresh secrets
    // would have signed every delivery with keys no target knows. Only a store with no
    // version gets a new config.
    if (!latest.isEmpty()) {
        auto stored = ClusterConfig::fromJson(latest.first().json);
        if (!stored)
            return makeError(QStringLiteral("config.invalid"),
                             QStringLiteral("%1: the latest config version cannot be used: %2")
                                 .arg(m_state->location(), stored.error().message));
        m_config = stored.value();
        m_configMadeFromVersion = latest.first().version;
    }
    if (Status s = m_config.saveToFile(m_options.configPath); !s)
        return s;
    m_appliedFileContent = m_config.toJson(); // our own write is not a change to reload
    return {};
}

void Engine::shutdown()
{
    // What changed since the last snapshot: the next engine on the store goes on from it.
    saveIncidents(std::exchange(m_pendingAlerts, {}));
    if (m_logBook && m_open && (m_options.healthChecks || m_options.deliver)) {
        m_logBook->record(QStringLiteral("info"), QStringLiteral("engine"), QStringLiteral("engine.stopped"), QStringLiteral("engine stopped"));
        m_logBook->flush();
    }
    m_open = false;
    if (m_tick)
        m_tick->stop();
    if (m_demo)
        m_demo->stop();
    if (m_stateWatcher)
        m_stateWatcher->stop();
    if (m_partitionFollower)
        m_partitionFollower->stop();
    if (m_storeFollower)
        m_storeFollower->stop();
    if (m_cluster)
        m_cluster->stop();
    if (m_upkeep)
        m_upkeep->stop();
    if (m_sync)
        m_sync->stop();
    for (auto &p : m_probes) {
        p->addResult(CheckResult{QString(), CheckOutcome::NetworkError, 0, 0, QStringLiteral("engine stopped"), nowMs()});
        p->finish();
    }
    m_probes.clear();
    delete m_demo;
    m_demo = nullptr;
    delete m_upkeep;
    m_upkeep = nullptr;
    delete m_sync;
    m_sync = nullptr;
    delete m_cluster;
    m_cluster = nullptr;
    delete m_logBook;
    m_logBook = nullptr;
    delete m_stateWatcher;
    m_stateWatcher = nullptr;
    delete m_partitionFollower;
    m_partitionFollower = nullptr;
    delete m_storeFollower;
    m_storeFollower = nullptr;
    m_storeDataVersion.reset();
    m_deadSeen.clear();
    m_deliverySeen.clear();
    m_openAlerts.clear();
    m_pendingAlerts.clear();
    m_unsavedAlerts.clear();
    m_keepsIncidents = false;
    m_backlogAlerted = false;
    m_deadCounts.clear();
    m_deadAlerted.clear();
    m_deadCountsDirty = true;
    m_appliedVersion = 0;
    m_madeConfigFile = false;
    m_configMadeFromVersion = 0;
    m_state = nullptr;
    m_sharedState.reset();
    m_store.reset();
}

void Engine::setRefreshInterval(int ms)
{
    m_options.refreshMs = ms;
    if (!m_tick)
        return;
    if (ms > 0)
        m_tick->start(ms);
    else
        m_tick->stop();
}

void Engine::setDemoRate(int eventsPerSecond, int requestsPerSecond)
{
    if (m_demo)
        m_demo->setRates(eventsPerSecond, requestsPerSecond);
}

void Engine::probe(const QUrl &url, std::shared_ptr<QPromise<CheckResult>> promise)
{
    if (!m_cluster) {
        promise->addResult(CheckResult{QString(), CheckOutcome::NetworkError, 0, 0, QStringLiteral("engine not running"), nowMs()});
        promise->finish();
        return;
    }
    const quint64 token = m_nextProbe++;
    m_probes.insert(token, std::move(promise));
    m_cluster->healthChecker()->probe(url, token);
}

void Engine::raise(Alert::Severity severity, const QString &kind, const QString &subject,
                   const QString &message, qint64 since, const QString &code)
{
    const qint64 now = nowMs();
    const QString key = kind + QLatin1Char('\n') + subject;
    auto open = m_openAlerts.find(key);
    if (open != m_openAlerts.end()) {
        // The same incident again: count it, do not raise another. A config file rejected
        // again for another reason is logged: the log keeps every reason (other alerts'
        // messages carry counts that change on every repeat).
        const bool newReason = kind == QLatin1String("config") && open->message != message;
        open->count += 1;
        open->lastAt = now;
        open->message = message;
        open->code = code;
        open->severity = std::max(open->severity, severity);
        alertChanged(*open);
        if (newReason)
            logAlert(severity, kind, subject, message);
        return;
    }
    Alert a{since > 0 && since < now ? since : now, severity, kind, subject, message};
    a.id = takeIncidentId();
    a.lastAt = now;
    a.code = code;
    m_openAlerts.insert(key, a);
    alertChanged(a);
    logAlert(severity, kind, subject, message);
}

qint64 Engine::takeIncidentId()
{
    if (!m_keepsIncidents || !m_store)
        return m_nextAlertId++; // kept nowhere: no other engine can see it
    // From the store, in one write transaction: another engine on the file (a standby console
    // beside a daemon) takes its ids there too, and two incidents never share one.
    const Result<qint64> id = IncidentStore(m_store.get()).takeNextId(m_nextAlertId - 1);
    if (!id) {
        // The save of this incident fails too, most likely, and says so as an incident; until
        // the store answers, an engine beside this one may give the same id.
        qWarning("incident id not taken from the store, given by this engine alone: %s",
                 qPrintable(id.error().message));
        return m_nextAlertId++;
    }
    m_nextAlertId = id.value() + 1;
    return id.value();
}

Status Engine::takeOpenIncidents()
{
    m_keepsIncidents = m_options.healthChecks || m_options.deliver;
    if (!m_keepsIncidents)
        return {};
    IncidentStore incidents(m_store.get());
    const Result<qint64> highest = incidents.highestId();
    if (!highest)
        return highest.error();
    const Result<QList<Alert>> open = incidents.openIncidents();
    if (!open)
        return open.error();
    m_nextAlertId = highest.value() + 1;
    for (const Alert &a : open.value()) {
        const QString key = a.kind + QLatin1Char('\n') + a.subject;
        if (m_openAlerts.contains(key)) {
            // Two engines ran on the store at once (a standby console): the older one stays.
            Alert twin = a;
            twin.resolvedAt = nowMs();
            m_unsavedAlerts.insert(twin.id, twin);
            continue;
        }
        m_openAlerts.insert(key, a);
        m_backlogAlerted = m_backlogAlerted || a.kind == u"backlog";
    }
    // This run read and accepted the config file: the last run's incident about it is over.
    if (!m_options.configPath.isEmpty())
        resolve(QStringLiteral("config"), m_options.configPath);
    return {};
}

void Engine::saveIncidents(const QList<Alert> &changed)
{
    if (!m_keepsIncidents || !m_store)
        return;
    for (const Alert &a : changed)
        m_unsavedAlerts.insert(a.id, a);
    if (m_unsavedAlerts.isEmpty())
        return;
    const Status saved =
        IncidentStore(m_store.get()).save(m_unsavedAlerts.values(), m_nextAlertId - 1);
    if (saved) {
        m_unsavedAlerts.clear();
        return;
    }
    // Kept for the next snapshot's try; until then an engine started on the store would not
    // know them, which the operator is told.
    raise(Alert::Severity::Warning, QStringLiteral("store.incidents"), m_store->path(),
          QStringLiteral("open incidents cannot be saved: %1").arg(saved.error().message));
}

void Engine::raiseStillDown(const QString &nodeId)
{
    // A node's incidents are raised on its transitions, and a node the store says is down or
    // failed when this engine starts makes none until it is back: its first failed check here
    // raises the incident an operator expects for every node that is down now.
    const std::optional<NodeStatus> node = m_cluster->node(nodeId);
    if (!node || (node->health != HealthState::Down && node->health != HealthState::Failed))
        return;
    const bool failed = node->health == HealthState::Failed;
    const QString kind = failed ? QStringLiteral("node.failed") : QStringLiteral("node.down");
    if (m_openAlerts.contains(kind + QLatin1Char('\n') + nodeId))
        return;
    QString message = node->lastCheckResult;
    if (node->lastChangeAt > 0)
        message += QStringLiteral(" (%1 since %2)")
                       .arg(healthStateName(node->health),
                            QDateTime::fromMSecsSinceEpoch(node->lastChangeAt, Qt::UTC)
                                .toString(Qt::ISODateWithMs));
    raise(failed ? Alert::Severity::Critical : Alert::Severity::Warning, kind, nodeId, message,
          node->lastChangeAt);
}

void Engine::logAlert(Alert::Severity severity, const QString &kind, const QString &subject,
                      const QString &message)
{
    if (!m_logBook)
        return;
    const bool aboutNode = kind.startsWith(QLatin1String("node."));
    const bool aboutTarget =
        kind.startsWith(QLatin1String("circuit.")) || kind.startsWith(QLatin1String("target."));
    m_logBook->record(severity == Alert::Severity::Critical  ? QStringLiteral("error")
                      : severity == Alert::Severity::Warning ? QStringLiteral("warning")
                                                             : QStringLiteral("info"),
                      QStringLiteral("alert"), QStringLiteral("alert.") + kind, message,
                      {{QStringLiteral("subject"), subject}}, aboutNode ? subject : QString(),
                      aboutTarget ? subject : QString());
}

void Engine::resolve(const QString &kind, const QString &subject)
{
    const auto open = m_openAlerts.constFind(kind + QLatin1Char('\n') + subject);
    if (open == m_openAlerts.cend())
        return;
    Alert a = open.value();
    m_openAlerts.erase(open);
    a.resolvedAt = nowMs();
    alertChanged(a);
    if (m_logBook) {
        const bool aboutNode = kind.startsWith(QLatin1String("node."));
        const bool aboutTarget =
            kind.startsWith(QLatin1String("circuit.")) || kind.startsWith(QLatin1String("target."));
        m_logBook->record(
            QStringLiteral("info"), QStringLiteral("alert"), QStringLiteral("alert.resolved"),
            QStringLiteral("resolved: %1 %2 (raised %3 times)").arg(kind, subject).arg(a.count),
            {{QStringLiteral("kind"), kind},
             {QStringLiteral("subject"), subject},
             {QStringLiteral("count"), a.count}},
            aboutNode ? subject : QString(), aboutTarget ? subject : QString());
    }
}

void Engine::alertChanged(const Alert &a)
{
    for (Alert &pending : m_pendingAlerts)
        if (pending.id == a.id) {
            pending = a;
            return;
        }
    m_pendingAlerts << a;
}

void Engine::resolveEndedAlerts(const EngineSnapshot &s)
{
    if (m_openAlerts.isEmpty())
        return;
    QHash<QString, const NodeStatus *> nodes;
    for (const NodeStatus &n : s.nodes)
        nodes.insert(n.spec.id, &n);
    QHash<QString, const TargetStatus *> targets;
    for (const TargetStatus &t : s.sync.targets)
        targets.insert(t.name, &t);
    const QList<Alert> open = m_openAlerts.values();
    for (const Alert &a : open) {
        bool ended = false;
        if (a.kind == u"node.down" || a.kind == u"node.failed") {
            const NodeStatus *n = nodes.value(a.subject);
            ended = !n || n->health == HealthState::Up; // removed, or back
        } else if (a.kind == u"circuit.open") {
            const TargetStatus *t = targets.value(a.subject);
            ended = !t || t->circuit == CircuitState::Closed;
        } else if (a.kind == u"target.disabled") {
            const TargetStatus *t = targets.value(a.subject);
            ended = !t || t->enabled;
        } else if (a.kind == u"target.dead_letters") {
            const TargetStatus *t = targets.value(a.subject);
            ended = !t || t->deadLetters == 0; // retried or discarded, every one
        } else if (a.kind == u"backlog") {
            ended = behind(s.sync) < m_config.syncBacklogAlert / 2;
        } else if (a.kind == u"config") {
            // A rejected config file stays rejected until the file is fixed or put back, and a
            // config version that cannot be used here until another one is: activateConfig()
            // and reloadConfigFile() end these, however long the file stays bad.
            ended = false;
        } else {
            // No condition the engine can watch (a store problem, a failed backup): the
            // incident ends when it has not come back for quietAlertMs.
            ended = s.at - a.lastAt > m_options.quietAlertMs;
        }
        if (ended)
            resolve(a.kind, a.subject);
    }
}

void Engine::fillDeadLetters(SyncStats &stats)
{
    // The dead letters in the store now (what the Dead letters list shows), not the ones
    // made since this process started: a retried or discarded dead letter, here or by
    // another process, leaves the count at the next snapshot. Counted (over the partial
    // index of dead rows) when there are any, when new ones were made, and every
    // DeadCountMs; a count that took long is repeated only every DeadCountMs.
    qint64 failed = 0;
    for (const TargetStatus &t : stats.targets)
        failed += t.failed;
    qint64 known = 0;
    for (qint64 n : std::as_const(m_deadCounts))
        known += n;
    const qint64 now = nowMs();
    const bool due = now - m_deadCountedAt >= DeadCountMs;
    if (m_deadCountsDirty || failed != m_deadFailedSeen || due || (known > 0 && m_deadCountCheap)) {
        QElapsedTimer took;
        took.start();
        if (auto counts = m_sync->deadLetterCounts()) {
            m_deadCounts = counts.value();
            m_deadCountsDirty = false;
            m_deadFailedSeen = failed;
            m_deadCountedAt = now;
            m_deadCountCheap = took.elapsed() < 20;
        }
    }
    for (TargetStatus &t : stats.targets)
        t.deadLetters = m_deadCounts.value(t.name);
}

SyncStats Engine::syncStats()
{
    SyncStats stats = m_sync->stats();
    fillDeadLetters(stats);
    return stats;
}

void Engine::raiseDeadLetters(const SyncStats &stats)
{
    // Any dead letter is an open incident of its target (as Svix's "endpoint failing"): it
    // waits for an operator to retry or discard it, and nothing else will. More dead letters
    // count the incident again; fewer (some retried) only update the figure it tells.
    const QString kind = QStringLiteral("target.dead_letters");
    for (const TargetStatus &t : stats.targets) {
        if (t.deadLetters <= 0) {
            m_deadAlerted.remove(t.name);
            continue;
        }
        const auto open = m_openAlerts.find(kind + QLatin1Char('\n') + t.name);
        // An incident taken back from the engine's last run is not counted again for the
        // dead letters it told then: only its figure is brought up to date.
        const bool takenBack = open != m_openAlerts.end() && !m_deadAlerted.contains(t.name);
        const qint64 told = takenBack ? t.deadLetters : m_deadAlerted.value(t.name, 0);
        const QString message =
            QStringLiteral("%1 dead letters for %2").arg(t.deadLetters).arg(t.name);
        if (open != m_openAlerts.end() && t.deadLetters <= told) {
            if (open->message != message) {
                open->message = message;
                alertChanged(*open);
            }
        } else {
            raise(Alert::Severity::Warning, kind, t.name, message);
        }
        m_deadAlerted.insert(t.name, t.deadLetters);
    }
}

void Engine::logDeliveryChanges(const SyncStats &now)
{
    // Dead letters and who delivers, as they change from one snapshot to the next.
    for (const TargetStatus &t : now.targets) {
        const qint64 before = m_deadSeen.value(t.name, -1);
        if (before >= 0 && t.failed > before)
            m_logBook->record(QStringLiteral("warning"), QStringLiteral("delivery"), QStringLiteral("delivery.dead_letter"),
                              QStringLiteral("%1 deliveries to %2 became dead letters: %3").arg(t.failed - before).arg(t.name, t.lastError),
                              {{QStringLiteral("count"), t.failed - before}, {QStringLiteral("error"), t.lastError}}, QString(), t.name);
        m_deadSeen.insert(t.name, t.failed);
    }
    if (const QString delivery = withoutRetryWait(now.delivery); delivery != m_deliverySeen) {
        if (!m_deliverySeen.isEmpty())
            m_logBook->record(QStringLiteral("info"), QStringLiteral("delivery"),
                              QStringLiteral("delivery.lease"),
                              QStringLiteral("delivery: %1").arg(now.delivery),
                              {{QStringLiteral("delivery"), now.delivery},
                               {QStringLiteral("standby_for"), now.deliveryStandbyFor}});
        m_deliverySeen = delivery;
    }
}

Result<QList<DaemonStatus>> Engine::daemons() const
{
    if (!m_sync)
        return makeError(QStringLiteral("engine.closed"), QStringLiteral("the engine is not open"));
    Result<QList<DaemonStatus>> list = m_sync->daemons();
    if (!list || !m_options.outboxUrl.isEmpty())
        return list;
    // SQLite: one process delivers from the store, the one holding its delivery lease. When
    // that is not this engine (a one-shot jobfirstctl, a standby), it is named by its lease.
    const qint64 now = nowMs();
    const DeliveryLease lease = DeliveryLease::read(m_store->database());
    if (lease.isFree(now))
        return list;
    for (const DaemonStatus &d : list.value())
        if (d.id == lease.holder)
            return list;
    DaemonStatus holder;
    holder.id = lease.holder;
    // Its last claim of the lease, by its own lease time (another process may run another).
    const qint64 termMs = DeliveryLease::readTermMs(m_store->database());
    holder.leaseMs = termMs > 0 ? termMs : DeliveryLease::DefaultTtlMs;
    holder.heartbeatAt = lease.until - holder.leaseMs;
    holder.heartbeatAgeMs = std::max<qint64>(0, now - holder.heartbeatAt);
    holder.fromLease = true;
    holder.allPartitions = true;
    list.value().prepend(holder);
    return list;
}

Status Engine::forgetDaemon(const QString &id, const QString &actor)
{
    if (!m_sync)
        return makeError(QStringLiteral("engine.closed"), QStringLiteral("the engine is not open"));
    if (Status s = m_sync->forgetDaemon(id); !s)
        return s;
    return m_state->appendAudit(
        AuditEntry{0, 0, actor, QStringLiteral("daemon.forget"), id, QString(), QString()});
}

Result<QList<LogEntry>> Engine::logs(const LogQuery &query)
{
    if (!m_store)
        return makeError(QStringLiteral("engine.closed"), QStringLiteral("the engine is not open"));
    m_logBook->flush();
    return LogStore(m_store.get(), m_state).query(query);
}

QList<NodeStatus> Engine::nodes() const
{
    QList<NodeStatus> list = m_cluster->nodes();
    markCheckers(list);
    return list;
}

void Engine::markCheckers(QList<NodeStatus> &nodes) const
{
    if (!m_cluster->splitsChecks())
        return;
    // Read once a snapshot at most, and only when some node is checked elsewhere.
    std::optional<QHash<int, QString>> holders;
    for (NodeStatus &n : nodes) {
        if (m_cluster->checksHere(n.spec.id))
            continue;
        if (!holders)
            holders = m_sync->partitionHolders();
        n.checkedHere = false;
        n.checkedBy = holders->value(PostgresSchema::partitionOf(n.spec.id, 0));
    }
}

void Engine::emitSnapshot()
{
    if (!m_cluster)
        return;
    EngineSnapshot s;
    s.at = nowMs();
    s.cluster = m_cluster->stats();
    s.nodes = nodes();
    s.sync = m_sync->stats();
    s.maxNodes = m_config.maxNodes;
    s.strategy = strategyName(m_config.loadBalanceStrategy);
    s.demo = m_options.demo;
    if (behind(s.sync) > m_config.syncBacklogAlert && !m_backlogAlerted) {
        m_backlogAlerted = true;
        raise(Alert::Severity::Warning, QStringLiteral("backlog"), QString(),
              QStringLiteral("%1 deliveries wait to be sent (threshold %2)")
                  .arg(behind(s.sync))
                  .arg(m_config.syncBacklogAlert));
    } else if (behind(s.sync) < m_config.syncBacklogAlert / 2) {
        m_backlogAlerted = false;
    }
    fillDeadLetters(s.sync);
    raiseDeadLetters(s.sync);
    logDeliveryChanges(s.sync);
    resolveEndedAlerts(s);
    s.healthEvents = std::exchange(m_pendingEvents, {});
    s.alerts = std::exchange(m_pendingAlerts, {});
    saveIncidents(s.alerts);
    s.openAlerts = m_openAlerts.values();
    std::sort(s.openAlerts.begin(), s.openAlerts.end(),
              [](const Alert &a, const Alert &b) { return a.id < b.id; });
    emit snapshot(s);
}

Status Engine::checkConfig(const ClusterConfig &given) const
{
    if (!m_state)
        return makeError(QStringLiteral("engine.closed"), QStringLiteral("the engine is not open"));
    // A config edited from its masked form keeps the current secrets (see ClusterConfig).
    ClusterConfig config = given;
    if (Status s = config.resolveMaskedSecrets(m_config); !s)
        return s;
    if (Status s = config.validate(); !s)
        return s;
    if (Status s = config.checkFiles(); !s)
        return s;
    if (config.maxNodes < int(m_cluster->nodes().size()))
        return makeError(QStringLiteral("config.invalid"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "key 'max_nodes': value %1 is below the %2 "
                                                    "nodes registered now"),
                                  {Sentence::value(config.maxNodes),
                                   Sentence::value(qint64(m_cluster->nodes().size()))}));
    return {};
}

Result<int> Engine::applyConfig(const ClusterConfig &incoming, const QString &actor)
{
    // A config read with masked secrets and applied back keeps the secrets it had; a masked
    // value that matches no current secret is refused, naming its key.
    ClusterConfig config = incoming;
    if (Status s = config.resolveMaskedSecrets(m_config); !s)
        return s.error();
    if (Status s = checkConfig(config); !s)
        return s.error();
    const QByteArray json = config.toJson();
    // Version, file and audit row go together: if the audit row cannot be written, the
    // version is rolled back and the file put back as it was.
    int version = 0;
    std::optional<QByteArray> previousFile;
    const Status applied =
        m_state->audited(AuditEntry{0,
                                    nowMs(),
                                    actor,
                                    QStringLiteral("config.apply"),
                                    {},
                                    QString::fromUtf8(withMaskedSecrets(m_config).toJson()),
                                    QString::fromUtf8(withMaskedSecrets(config).toJson())},
                         [&](AuditEntry &entry) -> Status {
                             auto saved = m_state->saveConfigVersion(json, actor);
                             if (!saved)
                                 return saved.error();
                             version = saved.value();
                             entry.subject = QStringLiteral("version %1").arg(version);
                             if (m_options.configPath.isEmpty())
                                 return {};
                             QFile old(m_options.configPath);
                             previousFile =
                                 old.open(QIODevice::ReadOnly) ? old.readAll() : QByteArray();
                             return config.saveToFile(m_options.configPath);
                         });
    if (!applied) {
        if (previousFile) {
            QSaveFile restore(m_options.configPath);
            if (restore.open(QIODevice::WriteOnly)) {
                restore.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
                restore.write(*previousFile);
                restore.commit();
            }
        }
        return applied.error();
    }
    if (!m_options.configPath.isEmpty())
        m_appliedFileContent = json;
    activateConfig(config, version, actor);
    return version;
}

void Engine::activateConfig(const ClusterConfig &config, int version, const QString &actor)
{
    m_config = config;
    m_appliedVersion = version;
    m_cluster->applyConfig(config);
    m_sync->applyConfig(config);
    m_upkeep->apply(config);
    m_logBook->setRetention(config.logRetentionMs);
    m_logBook->record(QStringLiteral("info"), QStringLiteral("config"), QStringLiteral("config.applied"),
                      QStringLiteral("config version %1 applied by %2").arg(version).arg(actor),
                      {{QStringLiteral("version"), version}, {QStringLiteral("actor"), actor}});
    logConfigWarnings();
    // A good config applied ends a "config file rejected" incident, and one about a shared
    // config version that could not be used here.
    if (!m_options.configPath.isEmpty())
        resolve(QStringLiteral("config"), m_options.configPath);
    resolve(QStringLiteral("config"), m_state->location());
    emit configApplied(version, actor);
}

void Engine::logConfigWarnings()
{
    // Accepted (refusing would break configs that ran before), but never silently.
    for (const ConfigWarning &w : m_config.warnings()) {
        m_logBook->record(QStringLiteral("warning"), QStringLiteral("config"),
                          QStringLiteral("config.unsigned"), w.message,
                          {{QStringLiteral("key"), w.key}}, {}, w.target);
        qWarning("config: %s", qPrintable(w.message));
    }
}

void Engine::followPartitions(const QString &holder)
{
    const QList<int> held = m_sync->heldPartitions();
    if (held == m_checkedPartitions)
        return;
    // Said once per change: which nodes this daemon checks moves with its leases.
    const QString message = QStringLiteral("health checks follow %1 partitions here (were %2): %3")
                                .arg(held.size())
                                .arg(m_checkedPartitions.size())
                                .arg(partitionList(held));
    qInfo("health: %s", qPrintable(message));
    // The counts and the ranges apart too: the console words the line in its own language.
    m_logBook->record(QStringLiteral("info"), QStringLiteral("health"),
                      QStringLiteral("health.partitions"), message,
                      {{QStringLiteral("partitions"), int(held.size())},
                       {QStringLiteral("were"), int(m_checkedPartitions.size())},
                       {QStringLiteral("held"), held.isEmpty() ? QString() : partitionList(held)}});
    m_checkedPartitions = held;
    m_cluster->setCheckedPartitions(held, holder);
}

void Engine::followOtherProcesses()
{
    m_storeFollower = new QTimer(this);
    m_storeFollower->setInterval(StoreFollowMs);
    connect(m_storeFollower, &QTimer::timeout, this, &Engine::followStoreChanges);
    m_storeFollower->start();
}

void Engine::followStoreChanges()
{
    if (!m_sync || !m_cluster)
        return;
    if (!m_sharedState) {
        // Moves for this process's other connections too (the outbox's): then a few small
        // reads a second that find nothing new.
        const std::optional<qint64> version = m_store->dataVersion();
        if (!version || version == m_storeDataVersion)
            return;
        const bool first = !m_storeDataVersion;
        m_storeDataVersion = version;
        if (first)
            return; // the store as this engine opened it
        // An engine running a config it did not record (jobfirstctl's --config) keeps it.
        QSet<QString> kinds{QStringLiteral("nodes")};
        if (m_appliedVersion != 0)
            kinds << QStringLiteral("config");
        followSharedState(kinds);
    }
    m_sync->followTargetStates();
}

void Engine::followSharedState(const QSet<QString> &kinds)
{
    if (!m_cluster)
        return;
    if (kinds.contains(QStringLiteral("nodes"))) {
        if (Status s = m_cluster->reloadNodes(); !s)
            raise(Alert::Severity::Warning, QStringLiteral("store"), m_state->location(),
                  QStringLiteral("nodes changed by another process cannot be read: %1")
                      .arg(s.error().message));
    }
    if (kinds.contains(QStringLiteral("health"))) {
        if (Status s = m_cluster->reloadHealth(); !s)
            raise(Alert::Severity::Warning, QStringLiteral("store"), m_state->location(),
                  QStringLiteral("health found by another process cannot be read: %1")
                      .arg(s.error().message));
    }
    if (kinds.contains(QStringLiteral("config"))) {
        auto versions = m_state->configVersions(1);
        if (!versions || versions->isEmpty() || versions->first().version == m_appliedVersion)
            return;
        const ConfigVersion &latest = versions->first();
        auto config = ClusterConfig::fromJson(latest.json);
        if (!config) {
            raise(Alert::Severity::Warning, QStringLiteral("config"), m_state->location(),
                  QStringLiteral("config version %1 (by %2) cannot be used here: %3")
                      .arg(latest.version)
                      .arg(latest.actor, config.error().message),
                  0, config.error().code);
            m_appliedVersion = latest.version; // said once, not at every poll
            return;
        }
        // Checked, saved and audited by the daemon that applied it; this one runs it, and
        // keeps its config file in step so that a restart does not bring the old one back.
        Status saved;
        if (!m_options.configPath.isEmpty()) {
            m_appliedFileContent = latest.json;
            saved = config->saveToFile(m_options.configPath);
        }
        activateConfig(config.value(), latest.version, latest.actor);
        // Raised after activateConfig(), which ends the file's incidents: the file still holds
        // the old config, which a restart would bring back.
        if (!saved)
            raise(Alert::Severity::Warning, QStringLiteral("config"), m_options.configPath,
                  saved.error().message, 0, saved.error().code);
    }
}

Result<int> Engine::applyConfigJson(const QByteArray &json, const QString &actor)
{
    auto config = ClusterConfig::fromJson(json);
    if (!config)
        return config.error();
    return applyConfig(config.value(), actor);
}

Result<int> Engine::rollbackConfig(int version, const QString &actor)
{
    auto v = m_state->configVersion(version);
    if (!v)
        return v.error();
    return applyConfigJson(v->json, QStringLiteral("%1 (rollback to version %2)").arg(actor).arg(version));
}

bool Engine::adoptLatestVersion(const ClusterConfig &config)
{
    // Before, the file's reload saved it again as a version of its own: one change made
    // two versions and two audit rows (walk34).
    auto versions = m_state->configVersions(1);
    if (!versions || versions->isEmpty() || versions->first().version == m_appliedVersion)
        return false;
    const ConfigVersion &latest = versions->first();
    auto stored = ClusterConfig::fromJson(latest.json);
    if (!stored || stored->toJson() != config.toJson())
        return false;
    activateConfig(stored.value(), latest.version, latest.actor);
    return true;
}

void Engine::reloadConfigFile()
{
    if (m_options.configPath.isEmpty() || !m_store)
        return;
    if (m_watcher && !m_watcher->files().contains(m_options.configPath) && QFileInfo::exists(m_options.configPath))
        m_watcher->addPath(m_options.configPath);
    QFile f(m_options.configPath);
    if (!f.open(QIODevice::ReadOnly))
        return; // being replaced; the next change notification reads it
    const QByteArray content = f.readAll();
    if (content == m_appliedFileContent)
        return;
    auto config = ClusterConfig::fromJson(content);
    if (!config) {
        const QString message = QStringLiteral("%1: %2 (the running config is kept)").arg(m_options.configPath, config.error().message);
        raise(Alert::Severity::Warning, QStringLiteral("config"), m_options.configPath, message, 0,
              config.error().code);
        emit configReloadFailed(message, config.error().code);
        m_appliedFileContent = content; // report a bad file once, not on every touch
        return;
    }
    // Back to what runs (a rejected edit undone): nothing to apply, no new version.
    if (config->toJson() == m_config.toJson()) {
        m_appliedFileContent = content;
        resolve(QStringLiteral("config"), m_options.configPath);
        return;
    }
    if (adoptLatestVersion(config.value())) {
        m_appliedFileContent = content;
        resolve(QStringLiteral("config"), m_options.configPath);
        return;
    }
    if (auto applied = applyConfig(config.value(), QStringLiteral("file:") + QFileInfo(m_options.configPath).fileName()); !applied) {
        raise(Alert::Severity::Warning, QStringLiteral("config"), m_options.configPath,
              applied.error().message, 0, applied.error().code);
        emit configReloadFailed(applied.error().message, applied.error().code);
    }
}

} // namespace jobfirst
