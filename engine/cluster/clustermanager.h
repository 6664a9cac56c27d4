// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "balance/loadbalancer.h"
#include "cluster/clusterstats.h"
#include "cluster/healthchecker.h"
#include "cluster/node.h"
#include "cluster/requestwindow.h"
#include "config/clusterconfig.h"
#include "core/result.h"

#include <QHash>
#include <QSet>
#include <QObject>
#include <QUrl>

#include <memory>
#include <vector>

class QTimer;

namespace jobfirst {

class ClusterStateStore;
class StallWatch;

/// Where a request goes: returned by selectNode, handed back with reportResult.
struct NodePick
{
    QString nodeId;
    QUrl url;
};

/// Knows which nodes exist (persisted in the ClusterStateStore), which are healthy now (HealthChecker plus
/// passive results from real traffic) and where a request would go (LoadBalancer).
/// Lives on the engine thread.
class ClusterManager final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClusterManager)

public:
    ClusterManager(ClusterStateStore *store, const ClusterConfig &config,
                   QObject *parent = nullptr);
    ~ClusterManager() override;

    /// Loads nodes and their last known health from the store.
    Status load();
    /// Takes the nodes as they are in the store now (another daemon added, edited or removed
    /// some): new ones are added with their stored health and checked, removed ones dropped,
    /// changed ones updated; what this engine learnt about the others (health, figures) stays.
    Status reloadNodes();
    /// Several daemons on one store split the health checks: from now on this one checks only
    /// the nodes in `partitions` (PostgresSchema::partitionOf of the node id: the partitions
    /// of the delivery leases it holds) and records their transitions only while
    /// `leaseHolder` (the lease owner "host:pid:nonce") holds the node's partition. The others'
    /// health comes from the store (reloadHealth). Without a call every node is checked here.
    void setCheckedPartitions(const QList<int> &partitions, const QString &leaseHolder);
    /// Takes the health that other daemons recorded for the nodes this one does not check
    /// (all changes applied, the balancer rebuilt once, then healthChanged for each). A node
    /// that real traffic took out of rotation here keeps that for one check interval, unless
    /// its checker records something newer.
    Status reloadHealth();
    /// Transitions found here that could not be written to the store yet (kept in order and
    /// written again at housekeeping).
    int unwrittenHealth() const { return int(m_unwritten.size()); }
    /// True when this engine checks the node (all of them unless partitions were set).
    bool checksHere(const QString &id) const;
    /// Several daemons split the checks (setCheckedPartitions was called).
    bool splitsChecks() const { return m_partitioned; }
    void start();
    void stop();

    /// The error every call naming a node that is not registered answers with.
    static Error unknownNode(const QString &id);

    Result<NodeStatus> registerNode(const NodeSpec &spec, const QString &actor);
    /// Changes URL, health path, weight or tags of an existing node.
    Status editNode(const NodeSpec &spec, const QString &actor);
    Status unregisterNode(const QString &id, const QString &actor);
    Status updateNodeWeight(const QString &id, int weight, const QString &actor);
    Status setAdminState(const QString &id, AdminState state, const QString &actor);
    /// Marks a node failed (down longer than node_timeout, or on an operator's word).
    Status handleNodeFailure(const QString &id, const QString &reason = {});
    void checkNow(const QString &id);

    Result<NodePick> selectNode(const QString &clientIp = {});
    /// The outcome of a real request sent to a picked node: releases its connection, feeds the
    /// stats, and a failure takes the node out of rotation at once (passive detection).
    void reportResult(const NodePick &pick, bool ok, double latencyMs, const QString &failure = {});
    /// A request to a picked node whose outcome says nothing of the node (it timed out while
    /// this process was stalled): releases its connection and counts nothing.
    void releasePick(const NodePick &pick);
    /// A failure seen on real traffic to a node that was not picked by this balancer.
    void reportPassiveFailure(const QString &nodeId, const QString &reason);

    QList<NodeStatus> nodes() const;
    std::optional<NodeStatus> node(const QString &id) const;
    ClusterStats stats() const;
    /// The length of the recent window of ClusterStats' window* figures (default 5 minutes).
    /// Changing it forgets the window's requests; the lifetime totals stay.
    void setRequestWindowMs(qint64 windowMs);
    /// Whether requests are routed here and so counted (default true). A one-shot jobfirstctl
    /// routes none: its stats say the request figures are not known, never 0.
    void setRequestsCounted(bool counted) { m_requestsCounted = counted; }
    /// How often an up node with no failure is checked: health_check_interval less room for
    /// the fall-1 fast re-checks that confirm a failure, so that a node whose checks start
    /// failing is down within health_check_interval (never below half of it).
    qint64 steadyCheckIntervalMs() const;
    const ClusterConfig &config() const { return m_config; }
    /// Applies a new config: strategy, intervals, thresholds; nodes stay as they are.
    void applyConfig(const ClusterConfig &config);
    HealthChecker *healthChecker() const { return m_checker; }
    /// Where a node's health is checked: its URL and health path.
    QUrl checkUrl(const NodeSpec &spec) const;

signals:
    void healthChanged(const jobfirst::HealthEvent &event);
    void nodeFailed(const QString &nodeId);
    void nodeRecovered(const QString &nodeId);
    void nodesChanged();
    /// Transitions found here wait to be written (the store failed: `reason`); emitted while
    /// writes fail, and with 0 once all are written (or refused as no longer ours).
    void healthWritesPending(int count, const QString &reason);

private:
    static constexpr std::size_t SuccessWindow = 100; ///< results a node's success rate spans
    struct Runtime
    {
        NodeStatus status;
        qint64 upSince = 0;           ///< for slow start; 0 when not ramping
        /// Recent results, 1 = success: filled from empty, then sliding. Only results seen
        /// count, so a node that never answered is at 0 %, not at an assumed 100 % worn down.
        std::vector<char> window = std::vector<char>(SuccessWindow, 0);
        std::size_t windowPos = 0;
        int windowSeen = 0;           ///< results in `window` (up to its size)
        int windowGood = 0;           ///< successes in `window`, kept as it slides
        double ewmaMs = 0;            ///< latency average; shown only while the node is up
        bool hadEwma = false;
        /// Why the current failure streak was checked at once (the watched connection).
        QString lostConnection;
        qint64 lastOkAt = 0; ///< when a check last passed: the failure came after it
        /// The lastChangeAt that status.stalledWhileDownMs counts from.
        qint64 stalledSince = 0;
        /// Down as the store said when this engine took the node (the last run's finding, or
        /// another daemon's), and no check here has found it down since: not a finding of
        /// this run, so node_timeout does not fail it yet.
        bool downFromStore = false;
    };

    Runtime *find(const QString &id);
    /// The picked node's connection given back to the balancer; null when it is gone.
    Runtime *release(const NodePick &pick);
    const Runtime *find(const QString &id) const;
    void onChecked(const CheckResult &result);
    void onConnectionLost(const QString &id, const QString &reason);
    static void publishLatency(Runtime &node);
    /// The node's health as the store keeps it: its state and when it changed.
    static void takeStoredHealth(Runtime &node, const std::pair<HealthState, qint64> &stored);
    /// This engine watches the node from `now`: of a down state taken from the store, the time
    /// before is not counted toward node_timeout (no one watched it).
    static void watchFrom(Runtime &node, qint64 now);
    void transition(Runtime &node, HealthState to, const QString &reason, double latencyMs);
    void recordSample(Runtime &node, bool ok, double latencyMs);
    void housekeeping();
    /// How long this process was stalled since the last housekeeping (0: not stalled).
    qint64 stalledSinceLastTick();
    /// The node has been down for longer than node_timeout, not counting the time this
    /// process was stalled (`stalledMs` more of it since the last housekeeping).
    bool downPastTimeout(Runtime &node, qint64 now, qint64 stalledMs);
    /// Writes the unwritten transitions in order; stops at the first failure (kept for the
    /// next try), drops one refused as fenced (the node's partition is no longer ours).
    void writeHealth();
    void rebuildBalancer();
    qint64 intervalFor(const QString &id) const;
    int computeEffectiveWeight(const Runtime &node, qint64 now) const;
    Status audited(const QString &actor, const QString &action, const QString &subject,
                   const QString &before, const QString &after,
                   const std::function<Status()> &change);
    /// Stores `spec` for the node, audited as `action` from `before` to `after`, then makes it
    /// the node's spec and rebalances.
    Status replaceSpec(Runtime &node, const NodeSpec &spec, const QString &actor,
                       const QString &action, const QString &before, const QString &after);

    ClusterStateStore *m_store;
    ClusterConfig m_config;
    HealthChecker *m_checker;
    QTimer *m_housekeeping;
    std::shared_ptr<StallWatch> m_stallWatch;
    qint64 m_lastTickNs = 0; ///< StallWatch::nowNs() of the last housekeeping (0: none yet)
    std::vector<Runtime> m_nodes;      ///< in balancer order: a node's index is its balancer index
    QHash<QString, int> m_index;       ///< node id -> index in m_nodes, rebuilt with the balancer
    LoadBalancer m_balancer;
    bool m_requestsCounted = true;
    qint64 m_totalRequests = 0;
    qint64 m_successfulRequests = 0;
    qint64 m_failedRequests = 0;
    double m_latencySumMs = 0;
    RequestWindow m_window;
    bool m_partitioned = false;
    QSet<int> m_partitions;
    QString m_leaseHolder;
    std::vector<HealthEvent> m_unwritten; ///< found here, not yet in the store, oldest first
    qint64 m_nextHealthWrite = 0;         ///< no retry of m_unwritten before this
    bool m_healthWriteFailing = false;    ///< the last write of m_unwritten failed
    /// Nodes checked by another daemon that real traffic took out of rotation here, and
    /// when: after one check interval they take the shared state again.
    QHash<QString, qint64> m_passiveDown;
    qint64 m_nextPassiveRead = 0; ///< no re-read of the shared state for them before this
};

QJsonObject nodeSpecToJson(const NodeSpec &spec);
QJsonObject nodeStatusToJson(const NodeStatus &status);
QJsonObject healthEventToJson(const HealthEvent &event);

} // namespace jobfirst
