// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "balance/strategy.h"
#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace jobfirst {

/// One sync target: a JobFirst service that receives user-data events over HTTP.
struct TargetConfig
{
    QString name;
    QString url;
    QStringList events;      ///< event types routed to this target
    qint64 timeoutMs = 0;    ///< 0: use the cluster's sync_timeout
    int maxRetries = -1;     ///< -1: use the cluster's max_sync_retries
    qint64 retryIntervalMs = 0; ///< 0: use the cluster's sync_retry_interval
    int batchSize = 1;       ///< events per POST; 1 sends one event per request
    double rateLimit = 0;    ///< requests per second; 0 is unlimited
    QString secret;          ///< HMAC-SHA256 signing secret; empty sends unsigned
    bool enabled = true;

    bool operator==(const TargetConfig &) const = default;
};

/// The cluster configuration file. Keys and defaults follow the plan the product comes from.
struct ClusterConfig
{
    QString clusterId = QStringLiteral("jobfirst-cluster-1");
    QString nodeId = QStringLiteral("basic-server-node-1");
    int maxNodes = 10;
    Strategy loadBalanceStrategy = Strategy::RoundRobin;
    qint64 healthCheckIntervalMs = 30000;
    qint64 nodeTimeoutMs = 60000;
    int syncWorkers = 5;
    int syncQueueSize = 2000;
    qint64 syncRetryIntervalMs = 5000;
    int maxSyncRetries = 3;
    qint64 syncTimeoutMs = 30000;
    bool metricsEnabled = true;
    QString logLevel = QStringLiteral("info");

    // Health checking (HAProxy's inter/fastinter/downinter/rise/fall/spread-checks/slowstart).
    qint64 healthCheckTimeoutMs = 2000;
    int rise = 2;
    int fall = 3;
    qint64 fastIntervalMs = 2000;
    qint64 downIntervalMs = 60000;
    int checkJitterPercent = 10;
    qint64 slowStartMs = 30000;

    // Sync.
    qint64 syncBatchWindowMs = 5000; ///< near-real-time coalescing window
    int syncBacklogLimit = 10000000; ///< waiting deliveries beyond which enqueue says "queue full"
    QString clusterSecret = QStringLiteral("whsec_am9iZmlyc3QtZGVtby1zaWduaW5nLWtleS0wMDAx"); ///< signs node sync
    QString clusterSyncPath = QStringLiteral("/api/v1/cluster/sync"); ///< where nodes receive cluster sync

    qint64 logRetentionMs = 14ll * 86400000; ///< how long the engine's own log lines are kept

    // Admin API (jobfirstd).
    QString apiTlsCert;          ///< PEM certificate (chain) for the admin API; with the key, TLS is on
    QString apiTlsKey;           ///< PEM private key of apiTlsCert
    bool metricsPublic = false;  ///< /metrics readable without a token

    QList<TargetConfig> targets = defaultTargets();

    static QList<TargetConfig> defaultTargets();

    /// Parses and validates a whole config document. Errors name the key, the value and why.
    static Result<ClusterConfig> fromJson(const QByteArray &json);
    static Result<ClusterConfig> fromJsonObject(const QJsonObject &object);
    /// Reads a file; a missing file is an error (callers decide whether defaults apply).
    static Result<ClusterConfig> fromFile(const QString &path);

    QJsonObject toJsonObject() const;
    QByteArray toJson() const;
    Status saveToFile(const QString &path) const;

    const TargetConfig *target(const QString &name) const;

    bool operator==(const ClusterConfig &) const = default;
};

} // namespace jobfirst
