// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterstats.h"
#include "cluster/node.h"
#include "sync/syncstats.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// Something an operator should notice: a node down or failed, a circuit open, a target
/// disabled, the backlog past its threshold, a bad config file.
struct Alert
{
    enum class Severity { Info, Warning, Critical };
    qint64 at = 0;
    Severity severity = Severity::Info;
    QString kind;     ///< "node.down", "node.failed", "node.up", "circuit.open", "target.disabled", "backlog", "config"
    QString subject;  ///< node id, target name, file
    QString message;  ///< English; the console translates by kind
};

/// Everything the console draws, sent once per refresh tick (one batched signal).
struct EngineSnapshot
{
    qint64 at = 0;
    ClusterStats cluster;
    QList<NodeStatus> nodes;
    SyncStats sync;
    QList<HealthEvent> healthEvents; ///< since the previous snapshot
    QList<Alert> alerts;             ///< since the previous snapshot
    int maxNodes = 0;
    QString strategy;
    bool demo = false;
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::Alert)
Q_DECLARE_METATYPE(jobfirst::EngineSnapshot)
