// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterstats.h"
#include "cluster/node.h"
#include "sync/syncstats.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// An incident an operator should notice: a node down or failed, a circuit open, a target
/// disabled or with dead letters, the backlog past its threshold, a bad config file. Raised once
/// per incident: while its condition lasts, raising it again only counts (count, lastAt); it is
/// resolved when the condition ends (resolvedAt).
struct Alert
{
    enum class Severity { Info, Warning, Critical };
    qint64 at = 0; ///< when the incident began
    Severity severity = Severity::Info;
    QString kind;     ///< "node.down", "node.failed", "circuit.open", "target.disabled",
                      ///< "target.dead_letters", "backlog", "config", ...
    QString subject;  ///< node id, target name, file
    QString message; ///< English detail of the latest occurrence; the console words the kind itself
    qint64 id = 0;   ///< the incident, unique within one engine run
    qint64 lastAt = 0;     ///< when it was last raised (== at when raised once)
    int count = 1;         ///< how often it was raised while open
    qint64 resolvedAt = 0; ///< 0 while the condition lasts
    /// The error code of what went wrong, where there is one ("config.syntax" for a config
    /// file that is not JSON): the console words the kind of error from it, as for any error.
    QString code = {};

    bool resolved() const { return resolvedAt != 0; }
};

/// Everything the console draws, sent once per refresh tick (one batched signal).
struct EngineSnapshot
{
    qint64 at = 0;
    ClusterStats cluster;
    QList<NodeStatus> nodes;
    SyncStats sync;
    QList<HealthEvent> healthEvents; ///< since the previous snapshot
    QList<Alert>
        alerts; ///< incidents raised, counted again or resolved since the previous snapshot
    QList<Alert> openAlerts; ///< every incident open now (a console that attaches late sees them)
    int maxNodes = 0;
    QString strategy;
    bool demo = false;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::Alert)
Q_DECLARE_METATYPE(jobfirst::EngineSnapshot)
