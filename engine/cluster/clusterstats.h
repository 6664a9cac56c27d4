// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// Cluster-wide figures in the shape of the plan's GetClusterStats.
struct ClusterStats
{
    QString clusterId;
    int totalNodes = 0;
    int activeNodes = 0;  ///< up and ready: taking traffic
    int failedNodes = 0;  ///< down or failed
    qint64 totalRequests = 0;
    qint64 successfulRequests = 0;
    qint64 failedRequests = 0;
    double averageResponseTimeMs = 0;

    QJsonObject toJson() const
    {
        return {{QStringLiteral("cluster_id"), clusterId},
                {QStringLiteral("total_nodes"), totalNodes},
                {QStringLiteral("active_nodes"), activeNodes},
                {QStringLiteral("failed_nodes"), failedNodes},
                {QStringLiteral("total_requests"), totalRequests},
                {QStringLiteral("successful_requests"), successfulRequests},
                {QStringLiteral("failed_requests"), failedRequests},
                {QStringLiteral("average_response_time"), QStringLiteral("%1ms").arg(qRound64(averageResponseTimeMs))},
                {QStringLiteral("average_response_time_ms"), averageResponseTimeMs}};
    }
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::ClusterStats)
