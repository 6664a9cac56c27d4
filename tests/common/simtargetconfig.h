// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/clusterconfig.h"
#include "nodesimprocess.h"

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
