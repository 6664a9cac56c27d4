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
    // TLS and authentication (paths; the files are read when the target is set up).
    QString caFile;           ///< PEM CA bundle to trust instead of the system store
    QString clientCert;       ///< PEM client certificate presented to the target (mTLS)
    QString clientKey;        ///< its private key
    bool tlsInsecure = false; ///< no certificate verification: a warning on every delivery
    QString tokenFile;        ///< bearer token sent as "Authorization: Bearer …"

    bool operator==(const TargetConfig &) const = default;
};

/// Something a config may hold but should not: which key, the target it belongs to (if
/// any), and a sentence naming both. Never a secret.
struct ConfigWarning
{
    QString key;    ///< "cluster_secret", "targets.NAME.secret"
    QString target; ///< the target's name; empty for cluster-wide keys
    QString message;
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
    /// Deliveries waiting to be sent (held ones apart, as the backlog card counts them) beyond
    /// which a "backlog" warning is raised; it ends under half of this.
    int syncBacklogAlert = 10000;
    QString clusterSecret;           ///< signs node sync; nothing is built in (see makeNew())
    QString clusterSyncPath = QStringLiteral("/api/v1/cluster/sync"); ///< where nodes receive cluster sync
    qint64 syncMaxEventBytes = 1024 * 1024; ///< one event's payload at most (enqueue, import)

    // Store upkeep.
    qint64 retentionMs = 30LL * 24 * 3600 * 1000; ///< delivered events and old health events
    QString backupDir;                            ///< scheduled backups go here; empty: none
    qint64 backupIntervalMs = 24LL * 3600 * 1000;
    int backupKeep = 7;           ///< newest scheduled backups kept
    QString backupPassphraseFile; ///< the passphrase of scheduled backups

    qint64 logRetentionMs = 14ll * 86400000; ///< how long the engine's own log lines are kept

    // Admin API (jobfirstd).
    QString apiTlsCert;          ///< PEM certificate (chain) for the admin API; with the key, TLS is on
    QString apiTlsKey;           ///< PEM private key of apiTlsCert
    bool metricsPublic = false;  ///< /metrics readable without a token

    QList<TargetConfig> targets = defaultTargets();

    /// The plan's six services, without secrets (makeNew() gives them some).
    static QList<TargetConfig> defaultTargets();
    /// A new configuration: the defaults with a random 32-byte whsec_ secret for the cluster
    /// and for each target. Nothing secret is built into the program.
    static ClusterConfig makeNew();

    /// Limits on what a config may hold: the file, ids and URLs.
    static constexpr qint64 MaxFileBytes = 4 * 1024 * 1024;
    static constexpr int MaxIdBytes = 128;
    static constexpr int MaxUrlBytes = 2048;

    /// Parses and validates a whole config document. Errors name the key, the value and why.
    static Result<ClusterConfig> fromJson(const QByteArray &json);
    static Result<ClusterConfig> fromJsonObject(const QJsonObject &object);
    /// Reads a file; a missing file is an error (callers decide whether defaults apply).
    static Result<ClusterConfig> fromFile(const QString &path);

    QJsonObject toJsonObject() const;
    QByteArray toJson() const;
    /// As toJsonObject(), with every secret masked: what audit rows, config versions and
    /// screens hold.
    QJsonObject toMaskedJsonObject() const;
    QByteArray toMaskedJson() const;
    /// Writes the file atomically, created 0600 (its folder 0700 when this creates it).
    /// A config that does not validate, or still holds masked secrets, is refused.
    Status saveToFile(const QString &path) const;

    /// The same checks as reading the config from JSON (for configs built in code).
    Status validate() const;
    /// Checks that the files the config names (TLS files, token files, the backup passphrase
    /// file) exist and can be read; the error names the key.
    Status checkFiles() const;
    /// What is accepted but unsafe, one sentence each naming the key: an empty
    /// `cluster_secret` or target `secret` sends those deliveries unsigned (receivers cannot
    /// tell them from forgeries). Never holds a secret. Empty when there is nothing to say.
    QList<ConfigWarning> warnings() const;
    /// True while a secret holds a masked value (a config edited from its masked form).
    bool hasMaskedSecrets() const;
    /// The masked-value rule: a masked secret ("••••" + last 4) stands for the current secret
    /// of the same key when the last 4 characters match; otherwise the error names the key.
    Status resolveMaskedSecrets(const ClusterConfig &current);

    const TargetConfig *target(const QString &name) const;

    bool operator==(const ClusterConfig &) const = default;
};

} // namespace jobfirst
