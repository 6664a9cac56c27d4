// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QMetaType>
#include <QString>

#include <cmath>
#include <limits>

namespace jobfirst {

/// Cluster-wide figures in the shape of the plan's GetClusterStats, plus the same figures
/// over a recent window: lifetime totals hardly move when a node fails, the window does.
struct ClusterStats
{
    QString clusterId;
    int totalNodes = 0;
    int activeNodes = 0;  ///< up and ready: taking traffic
    int failedNodes = 0;  ///< down or failed
    qint64 totalRequests = 0; ///< since the engine started: real requests through the balancer
    qint64 successfulRequests = 0;
    qint64 failedRequests = 0;
    double averageResponseTimeMs = 0;

    qint64 windowMs = 0;       ///< the length of the recent window the window* figures cover
    qint64 windowRequests = 0; ///< requests that finished in the window
    qint64 windowSuccessfulRequests = 0;
    qint64 windowFailedRequests = 0;
    /// Percent of the window's requests that succeeded; NaN when there were none.
    double windowSuccessRate = std::numeric_limits<double>::quiet_NaN();
    /// Mean latency of the window's successful requests; NaN when there were none.
    double windowAverageResponseTimeMs = std::numeric_limits<double>::quiet_NaN();
    /// The request figures are this engine's own count: false in one that routes no requests
    /// (a one-shot jobfirstctl on the store a console or jobfirstd uses). The store keeps no
    /// such count, so they are not known there: null in JSON, never a made-up 0.
    bool requestsKnown = true;

    QJsonObject toJson() const
    {
        QJsonObject o = countsJson();
        if (!requestsKnown) {
            for (const char *key :
                 {"total_requests", "successful_requests", "failed_requests",
                  "average_response_time", "average_response_time_ms", "window_requests",
                  "window_successful_requests", "window_failed_requests", "window_success_rate",
                  "window_average_response_time_ms"})
                o.insert(QLatin1String(key), QJsonValue::Null);
            o.insert(QStringLiteral("requests_counted_by"), RequestsCountedBy);
        }
        return o;
    }

    /// Who knows the request figures where they are not known ("requests_counted_by").
    static constexpr QLatin1String RequestsCountedBy{
        "the running console or jobfirstd that routes them"};

private:
    QJsonObject countsJson() const
    {
        const auto number = [](double v) { return std::isnan(v) ? QJsonValue() : QJsonValue(v); };
        return {{QStringLiteral("cluster_id"), clusterId},
                {QStringLiteral("total_nodes"), totalNodes},
                {QStringLiteral("active_nodes"), activeNodes},
                {QStringLiteral("failed_nodes"), failedNodes},
                {QStringLiteral("total_requests"), totalRequests},
                {QStringLiteral("successful_requests"), successfulRequests},
                {QStringLiteral("failed_requests"), failedRequests},
                {QStringLiteral("average_response_time"),
                 QStringLiteral("%1ms").arg(qRound64(averageResponseTimeMs))},
                {QStringLiteral("average_response_time_ms"), averageResponseTimeMs},
                {QStringLiteral("window_seconds"), double(windowMs) / 1000.0},
                {QStringLiteral("window_requests"), windowRequests},
                {QStringLiteral("window_successful_requests"), windowSuccessfulRequests},
                {QStringLiteral("window_failed_requests"), windowFailedRequests},
                {QStringLiteral("window_success_rate"), number(windowSuccessRate)},
                {QStringLiteral("window_average_response_time_ms"),
                 number(windowAverageResponseTimeMs)}};
    }
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::ClusterStats)
