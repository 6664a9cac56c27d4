// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/clusterconfig.h"
#include "nodesimprocess.h"
#include "sync/syncevent.h"

/// A cluster config with one target, "t", sent user.created events at `sim`'s /sync (no
/// signing secret): what the sync tests that need just somewhere to deliver to start from.
inline jobfirst::ClusterConfig simTargetConfig(const NodeSimProcess &sim)
{
    jobfirst::TargetConfig t;
    t.name = QStringLiteral("t");
    t.url = sim.url() + QStringLiteral("/sync");
    t.events = {QStringLiteral("user.created")};
    jobfirst::ClusterConfig config;
    config.targets = {t};
    return config;
}

/// `n` user.created events (what simTargetConfig's target takes), of users prefix0, prefix1, ...
inline QList<jobfirst::SyncEvent> newUsers(const QString &prefix, int n)
{
    QList<jobfirst::SyncEvent> events;
    for (int i = 0; i < n; ++i) {
        jobfirst::SyncEvent ev;
        ev.type = QStringLiteral("user.created");
        ev.userId = prefix + QString::number(i);
        events << ev;
    }
    return events;
}
