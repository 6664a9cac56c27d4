// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/httpsecurity.h"
#include "core/result.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cmath>
#include <limits>

namespace jobfirst {

/// What the operator decided for a node (independent of what health checks see).
enum class AdminState { Ready, Drain, Maintenance };

/// What health checks see. Failed: down for longer than node_timeout.
enum class HealthState { Unknown, Up, Down, Failed };

/// Why a health check (or a real request) succeeded or failed.
enum class CheckOutcome { Ok, ConnectionRefused, Timeout, BadStatus, BadBody, NetworkError, Passive };

QString adminStateName(AdminState s);
std::optional<AdminState> adminStateFromName(const QString &name);
QString healthStateName(HealthState s);
HealthState healthStateFromName(const QString &name);
QString checkOutcomeName(CheckOutcome o);

/// The settings of a node that the operator controls and the store keeps.
struct NodeSpec
{
    QString id;
    QString url;                 ///< base URL, http or https
    QString healthPath = QStringLiteral("/health");
    int weight = 1;              ///< 1..256
    QStringList tags;
    AdminState adminState = AdminState::Ready;
    // TLS and authentication (paths; the files are read when the node is set up).
    QString caFile;           ///< PEM CA bundle trusted for this node instead of the system store
    QString clientCert;       ///< PEM client certificate presented to the node (mTLS)
    QString clientKey;        ///< its private key
    bool tlsInsecure = false; ///< no certificate verification: a warning on every check
    QString tokenFile;        ///< bearer token sent on health checks and cluster sync

    bool operator==(const NodeSpec &) const = default;

    /// Validates id, URL, health path, weight, tags and the TLS settings' form; the error
    /// names the field. Does not touch the disk (see checkFiles()).
    Status validate() const;
    /// Checks that the TLS and token files exist and can be read; the error names the key.
    Status checkFiles() const;
    /// The URL rules alone (http or https, a host, no credentials, at most 2,048 bytes),
    /// applied again to URLs read back from the store.
    static Status validateUrl(const QString &url);
    /// The HttpSecurity of checks and cluster-sync deliveries to this node (null: plain).
    std::shared_ptr<const HttpSecurity> security() const;
};

/// A node as the engine sees it right now.
struct NodeStatus
{
    NodeSpec spec;
    HealthState health = HealthState::Unknown;
    int effectiveWeight = 0;     ///< weight during slow start, 0 when out of rotation
    bool eligible = false;       ///< may take traffic now
    int activeConnections = 0;
    /// Moving average of checks and real requests while the node is up. NaN when it is not
    /// up (down, failed, or not yet checked): a dead node has no latency to show, and its last
    /// one is no longer true. JSON says null.
    double responseTimeMs = std::numeric_limits<double>::quiet_NaN();
    /// Percent of the recent checks and requests (up to 100) that succeeded; NaN before the
    /// first (JSON says null).
    double successRate = std::numeric_limits<double>::quiet_NaN();
    qint64 requests = 0;
    qint64 failures = 0;
    qint64 lastCheckAt = 0;      ///< ms since epoch
    QString lastCheckResult;     ///< "ok", "timeout", "bad_status 503", ...
    qint64 lastChangeAt = 0;     ///< ms since epoch of the last health state change
    /// Of a down node's time since lastChangeAt, how long this process was stalled (Ctrl+Z, a
    /// paused VM): not counted toward node_timeout, which fails it that much later.
    qint64 stalledWhileDownMs = 0;
    int consecutiveOk = 0;
    int consecutiveFail = 0;
    /// False when several daemons split the health checks and another one checks this node:
    /// its state is the one that daemon recorded in the store, and its check figures
    /// (response time, last check) are measured there, not here.
    bool checkedHere = true;
    /// The daemon ("host:pid:nonce") whose lease holds the node's check partition, when
    /// another one checks it ("" when not known: the leases are moving, or no daemon holds it).
    QString checkedBy;

    bool hasResponseTime() const { return !std::isnan(responseTimeMs); }
};

/// One health state change of a node, as kept in the store's history.
struct HealthEvent
{
    qint64 id = 0;
    QString nodeId;
    qint64 timestamp = 0; ///< ms since epoch
    HealthState from = HealthState::Unknown;
    HealthState to = HealthState::Unknown;
    QString reason;
    double latencyMs = 0;
    /// For a change to down or failed: when a check last passed (0: never). The SLO's
    /// "failure to alert" time runs from the failure, which came after it.
    qint64 lastOkAt = 0;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::NodeStatus)
Q_DECLARE_METATYPE(jobfirst::HealthEvent)
