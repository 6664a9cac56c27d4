// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clustermanager.h"
#include "nodesimprocess.h"
#include "store/store.h"

#include <QTemporaryDir>

#include <memory>

/// Two real jobfirst-nodesim processes, "a" and "b", registered in a ClusterManager over a
/// SQLite store in a temporary folder, health checks started: what the health-detection tests
/// kill, pause and watch.
struct TwoNodeCluster
{
    QTemporaryDir dir;
    std::unique_ptr<jobfirst::Store> store;
    std::unique_ptr<jobfirst::ClusterManager> cluster;
    NodeSimProcess a, b;

    /// Null when a simulator did not start.
    static std::unique_ptr<TwoNodeCluster> start(const jobfirst::ClusterConfig &config)
    {
        using namespace jobfirst;
        auto f = std::make_unique<TwoNodeCluster>();
        f->store = std::move(Store::open(f->dir.filePath(QStringLiteral("c.db")))).value();
        f->cluster = std::make_unique<ClusterManager>(f->store.get(), config);
        if (!f->a.start(QStringLiteral("a")) || !f->b.start(QStringLiteral("b")))
            return nullptr;
        f->cluster->registerNode(NodeSpec{QStringLiteral("a"), f->a.url()}, QStringLiteral("test"));
        f->cluster->registerNode(NodeSpec{QStringLiteral("b"), f->b.url()}, QStringLiteral("test"));
        f->cluster->start();
        return f;
    }
};
