// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "cluster/healthchecker.h"
#include "config/clusterconfig.h"
#include "config/configversion.h"
#include "core/result.h"
#include "host/engineoptions.h"
#include "logs/logentry.h"
#include "metrics/enginemetrics.h"
#include "store/daemonstatus.h"

#include <QHash>
#include <QSet>
#include <QObject>
#include <QPromise>

#include <atomic>
#include <memory>
#include <optional>

class QFileSystemWatcher;
class QTimer;

namespace jobfirst {

class ClusterManager;
class ClusterStateStore;
class PostgresStateStore;
class StateChangeWatcher;
class DemoWorkload;
class Store;
class SyncService;
class StoreUpkeep;

/// The whole engine behind one object: store, cluster, sync, config (validated, versioned,
/// hot-reloaded) and the per-tick snapshot. It lives on one thread (see EngineHost); every
/// method is called there. Front ends (console, jobfirstctl, a daemon) talk to this API.
class Engine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Engine)

public:
    explicit Engine(QObject *parent = nullptr);
    ~Engine() override;

    Status open(const EngineOptions &options);
    void shutdown();

    /// True between a successful open() and shutdown(); safe to read from any thread.
    bool isOpen() const { return m_open.load(); }
    /// This engine's SQLite file: logs, import checkpoints (and, without a PostgreSQL
    /// URL, everything).
    Store *store() const { return m_store.get(); }
    /// Nodes, health, config versions and the audit chain: the SQLite store, or PostgreSQL
    /// shared with every daemon on it.
    ClusterStateStore *state() const { return m_state; }
    ClusterManager *cluster() const { return m_cluster; }
    /// The nodes as the snapshots show them: each one another daemon checks says which.
    QList<NodeStatus> nodes() const;
    SyncService *sync() const { return m_sync; }
    /// Retention, scheduled backups and the background quick_check of this store.
    StoreUpkeep *upkeep() const { return m_upkeep; }
    const ClusterConfig &config() const { return m_config; }
    const EngineOptions &options() const { return m_options; }
    /// Whether open() wrote the missing config file (createConfig), and from which of the
    /// store's config versions (0: a new config with fresh secrets, the store had none).
    bool madeConfigFile() const { return m_madeConfigFile; }
    int configMadeFromVersion() const { return m_configMadeFromVersion; }
    /// Monitoring figures (thread-safe to record into).
    EngineMetrics &metrics() { return m_metrics; }

    /// Checks a valid config against the running cluster (e.g. max_nodes against the nodes).
    Status checkConfig(const ClusterConfig &config) const;
    /// Validated config in, applied everywhere, saved to the config file and as a version;
    /// answers the version. Masked secrets keep the running config's secrets.
    Result<int> applyConfig(const ClusterConfig &config, const QString &actor);
    Result<int> applyConfigJson(const QByteArray &json, const QString &actor);
    Result<int> rollbackConfig(int version, const QString &actor);

    /// Reads the config file again now (SIGHUP); a bad file keeps the running config.
    void reloadConfig() { reloadConfigFile(); }
    void setRefreshInterval(int ms);
    void setDemoRate(int eventsPerSecond, int requestsPerSecond);
    /// One health check of any URL (the console's "Test connection").
    void probe(const QUrl &url, std::shared_ptr<QPromise<CheckResult>> promise);
    /// Every engine working on the store (SyncService::daemons()); on a SQLite store also the
    /// other process that holds its delivery lease, known only by that lease.
    Result<QList<DaemonStatus>> daemons() const;
    /// Removes the row of a daemon that is gone (SyncService::forgetDaemon), audited as
    /// "daemon.forget" by `actor`.
    Status forgetDaemon(const QString &id, const QString &actor);
    /// The log, newest first (what is buffered is written first).
    Result<QList<LogEntry>> logs(const LogQuery &query);
    /// Builds and emits a snapshot now.
    void emitSnapshot();
    /// The delivery figures with the dead letters in the store now (fillDeadLetters()), as
    /// the snapshot carries them: what /metrics reports.
    SyncStats syncStats();

signals:
    void snapshot(const jobfirst::EngineSnapshot &snapshot);
    void healthChanged(const jobfirst::HealthEvent &event);
    void configApplied(int version, const QString &actor);
    /// The config file changed but could not be used: what is wrong (path, detail) and the
    /// error's code (config.syntax, config.invalid, ...), for a console to word it.
    void configReloadFailed(const QString &message, const QString &code);

private:
    /// Says of each node another daemon checks which one does (NodeStatus::checkedBy).
    void markCheckers(QList<NodeStatus> &nodes) const;
    Status loadConfigFile(const EngineOptions &options);
    Status openStores(const EngineOptions &options);
    Status takeStoredConfig(const EngineOptions &options);
    void connectParts();
    void onHealthChanged(const HealthEvent &e);
    void watchConfigFile(const QString &path);
    void followOtherDaemons(const EngineOptions &options);
    /// Other processes on this store (jobfirstctl --db, a standby console, other daemons)
    /// change nodes, the config and the targets' states: this engine takes them within
    /// StoreFollowMs. SQLite: read again when PRAGMA data_version says another connection
    /// committed; PostgreSQL: nodes and config come by StateChangeWatcher, the targets' states
    /// by this poll.
    void followOtherProcesses();
    void followStoreChanges();
    void startLoops(const EngineOptions &options);
    /// Writes the missing config file: the store's latest version when it has one.
    Status makeConfigFile(const QList<ConfigVersion> &latest);
    void reloadConfigFile();
    /// The config file now holds the store's latest version, which another process applied
    /// and wrote there (jobfirstctl config apply --config): runs it as that version, with no
    /// new one. False when the latest version is another config or already runs.
    bool adoptLatestVersion(const ClusterConfig &config);
    /// Makes `config` the running config everywhere in this engine (already checked, saved
    /// and audited: here or, on a shared store, by another daemon).
    void activateConfig(const ClusterConfig &config, int version, const QString &actor);
    /// Logs what the running config accepts but should not (unsigned deliveries), one line
    /// each, to the log book and stderr; never a secret.
    void logConfigWarnings();
    /// Another daemon changed the shared state: take its nodes and config.
    void followSharedState(const QSet<QString> &kinds);
    void followPartitions(const QString &holder);
    void logDeliveryChanges(const SyncStats &now);
    /// A long-lived engine (one that checks or delivers) takes back the incidents the last
    /// engine on this store left open; one-shot commands neither take nor save them.
    Status takeOpenIncidents();
    /// The id of a new incident: taken from the store when this engine keeps its incidents
    /// there, so that two engines on one file never give the same one.
    qint64 takeIncidentId();
    /// Saves the incidents changed since the last snapshot (with any a failed save left), before
    /// a snapshot tells them: an id a console saw is never given again.
    void saveIncidents(const QList<Alert> &changed);
    /// Raises an incident, or counts it again while the same (kind, subject) is open. `since`:
    /// when its condition began, if before now; `code`: the error code of its cause, if any.
    void raise(Alert::Severity severity, const QString &kind, const QString &subject,
               const QString &message, qint64 since = 0, const QString &code = {});
    /// A check here found a node down or failed again: its incident is raised if none is
    /// open (the node was already so when this engine started).
    void raiseStillDown(const QString &nodeId);
    void logAlert(Alert::Severity severity, const QString &kind, const QString &subject,
                  const QString &message);
    /// Ends the open incident of (kind, subject), if any.
    void resolve(const QString &kind, const QString &subject);
    void alertChanged(const Alert &alert);
    /// Ends the incidents whose condition the snapshot shows is over.
    void resolveEndedAlerts(const EngineSnapshot &snapshot);
    void fillDeadLetters(SyncStats &stats);
    /// A target with dead letters has an open "target.dead_letters" incident, counted again
    /// when more arrive; resolveEndedAlerts() ends it when the target has none left.
    void raiseDeadLetters(const SyncStats &stats);

    EngineOptions m_options;
    EngineMetrics m_metrics;
    ClusterConfig m_config;
    QByteArray m_appliedFileContent;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<PostgresStateStore> m_sharedState;
    ClusterStateStore *m_state = nullptr;
    StateChangeWatcher *m_stateWatcher = nullptr;
    /// Follows the partitions this daemon holds, for the health checks it runs.
    QTimer *m_partitionFollower = nullptr;
    QList<int> m_checkedPartitions;
    static constexpr int PartitionFollowMs = 1000;
    QTimer *m_storeFollower = nullptr;
    std::optional<qint64> m_storeDataVersion; ///< SQLite's, at the last look
    static constexpr int StoreFollowMs = 1000;
    int m_appliedVersion = 0; ///< the config version running here (0: none recorded)
    bool m_madeConfigFile = false;
    int m_configMadeFromVersion = 0;
    ClusterManager *m_cluster = nullptr;
    SyncService *m_sync = nullptr;
    StoreUpkeep *m_upkeep = nullptr;
    DemoWorkload *m_demo = nullptr;
    class LogBook *m_logBook = nullptr;
    QHash<QString, qint64> m_deadSeen;
    QString m_deliverySeen;
    static constexpr int SoonSnapshotMs = 50;
    QTimer *m_tick = nullptr;
    QTimer *m_soonSnapshot = nullptr;
    QTimer *m_reloadDebounce = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
    QList<HealthEvent> m_pendingEvents;
    bool m_nodesToSync = false;         ///< a hand-over of the nodes to SyncService is queued
    QList<Alert> m_pendingAlerts;       ///< incidents changed since the last snapshot
    QHash<QString, Alert> m_openAlerts; ///< "kind\nsubject" -> open incident
    qint64 m_nextAlertId = 1;
    bool m_keepsIncidents = false;        ///< takes and saves its open incidents (IncidentStore)
    QHash<qint64, Alert> m_unsavedAlerts; ///< id -> incident change a failed save left
    QHash<QString, qint64> m_deadCounts; ///< target -> dead letters in the store
    QHash<QString, qint64> m_deadAlerted; ///< target -> dead letters its open incident told
    bool m_deadCountsDirty = true;
    qint64 m_deadFailedSeen = -1;
    qint64 m_deadCountedAt = 0;
    bool m_deadCountCheap = true;
    static constexpr qint64 DeadCountMs = 10000;
    bool m_backlogAlerted = false;
    quint64 m_nextProbe = 1;
    QHash<quint64, std::shared_ptr<QPromise<CheckResult>>> m_probes;
    std::atomic_bool m_open{false};
};

} // namespace jobfirst
