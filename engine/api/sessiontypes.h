// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/role.h"
#include "balance/balancingsimulator.h"
#include "balance/strategy.h"
#include "cluster/healthchecker.h"
#include "store/daemonstatus.h"

#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <optional>

namespace jobfirst {

/// Which engine a session talks to, as the console's status bar and `jobfirstctl` say it.
struct SessionInfo
{
    bool remote = false;
    QString endpoint;   ///< "embedded", or the server's URL
    Role role = Role::Admin;
    QString actor;      ///< whom changes are attributed to (a token's name on a remote engine)
    QString dbPath;     ///< embedded: the store file
    QString configPath; ///< embedded: the config file (may be empty)
    bool demo = false;
};

/// `lb pick`: where `count` requests would go now.
struct PickRequest
{
    std::optional<Strategy> strategy; ///< default: the cluster's strategy
    qint64 count = 1;
    QString clientIp;                 ///< for ip-hash
};

struct PickReport
{
    Strategy strategy = Strategy::RoundRobin;
    qint64 count = 0;
    QList<QPair<QString, qint64>> picks; ///< per eligible node, in node order
    QStringList firstPicks;              ///< the first 64 picks in order
    QStringList assumedUp;               ///< ready nodes never checked, counted as up
};

/// `lb simulate`: the parameters, and what each cluster node looks like when `params.nodes`
/// is empty (then the cluster's nodes and weights are used).
struct SimulationRequest
{
    SimulationParams params;
    SimNode nodeDefaults;
};

/// A health check run on request ("check now", `health --once`).
struct NodeCheck
{
    QString nodeId;
    CheckResult result;
};

struct AuditQuery
{
    int limit = 100;
    QString filter; ///< text in actor, action or subject
};

/// An admin API token as listed (the token itself is shown once, at creation).
struct ApiToken
{
    QString name;
    Role role = Role::Viewer;
    QString nodeId;     ///< the node a node token may register as
    qint64 createdAt = 0;
    QString createdBy;
    qint64 lastUsedAt = 0;
};

struct CreatedToken
{
    ApiToken token;
    QString secret; ///< the bearer token; printed once, only its hash is stored
};

/// Two config versions side by side (0 is the running config), and their line diff.
struct ConfigDiff
{
    int from = 0;
    int to = 0;
    QString diff; ///< "- old line" / "+ new line" / "  same line"

    /// Some line is only in one of them ("- " or "+ "): with none, every line reads "  " and
    /// a reader sees a whole config with nothing marked, so callers say "no differences".
    bool hasDifferences() const
    {
        const QStringList lines = diff.split(u'\n');
        return std::any_of(lines.cbegin(), lines.cend(), [](const QString &line) {
            return line.startsWith(QLatin1String("- ")) || line.startsWith(QLatin1String("+ "));
        });
    }
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::SessionInfo)
