// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"

#include <QByteArray>
#include <QHash>

namespace jobfirst {

/// Encodes snapshots for the stream and GET /api/v1/nodes. With the plan's 30 s checks most
/// nodes do not change from one second to the next, so each node's JSON is kept and used
/// again while the node is unchanged; only the nodes that changed are encoded. The same for
/// the sync targets (one per node). An unchanged row is therefore the same bytes in every
/// snapshot, which is what lets the console parse only the rows that changed.
class SnapshotEncoder final
{
public:
    /// The snapshot without its events (those go out as their own stream events).
    QByteArray snapshotJson(const EngineSnapshot &snapshot);
    QByteArray nodesJson(const QList<NodeStatus> &nodes);

private:
    struct Cached
    {
        NodeStatus status;
        QByteArray json;
        quint64 seen = 0;
    };
    struct CachedTarget
    {
        TargetStatus status;
        QByteArray json;
        quint64 seen = 0;
    };
    const QByteArray &nodeJson(const NodeStatus &status);
    QByteArray targetsJson(const QList<TargetStatus> &targets);

    QHash<QString, Cached> m_nodes;
    quint64 m_generation = 0;
    QHash<QString, CachedTarget> m_targets;
    quint64 m_targetGeneration = 0;
};

} // namespace jobfirst
