// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl status: the cluster's figures, in words for people or as JSON (--json).
#include "api/codec.h"
#include "ctlcontext.h"

#include <cmath>

using namespace jobfirst;

namespace {

/// "5 min", "90 s": the length of the recent window.
QString spanText(qint64 ms)
{
    return ms % 60000 == 0 ? QStringLiteral("%1 min").arg(ms / 60000)
                           : QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'g', 4);
}

/// ", average response 12 ms", or nothing when no request succeeded (NaN or none).
QString averageText(double ms, qint64 succeeded)
{
    return succeeded > 0 && !std::isnan(ms)
               ? QStringLiteral(", average response %1 ms").arg(ms, 0, 'f', 0)
               : QString();
}

QString requestLines(const ClusterStats &s)
{
    if (!s.requestsKnown)
        return QStringLiteral("requests: not known here (counted by %1)\n")
            .arg(ClusterStats::RequestsCountedBy);
    QString text =
        QStringLiteral("requests since the engine started: %1, %2 succeeded, %3 failed%4\n")
            .arg(s.totalRequests)
            .arg(s.successfulRequests)
            .arg(s.failedRequests)
            .arg(averageText(s.averageResponseTimeMs, s.successfulRequests));
    const QString window = spanText(s.windowMs);
    if (s.windowRequests == 0)
        return text + QStringLiteral("requests in the last %1: none\n").arg(window);
    return text + QStringLiteral("requests in the last %1: %2, %3 % succeeded%4\n")
                      .arg(window)
                      .arg(s.windowRequests)
                      .arg(s.windowSuccessRate, 0, 'f', 1)
                      .arg(averageText(s.windowAverageResponseTimeMs, s.windowSuccessfulRequests));
}

void printStatusText(CtlContext &ctx, const ClusterStats &s)
{
    ctx.out << QStringLiteral("cluster %1\n").arg(s.clusterId)
            << QStringLiteral("nodes: %1, %2 taking traffic, %3 down or failed\n")
                   .arg(s.totalNodes)
                   .arg(s.activeNodes)
                   .arg(s.failedNodes)
            << requestLines(s);
    ctx.out.flush();
}

/// The API's encoding, and when it was made.
QJsonObject statusJson(const ClusterStats &s)
{
    QJsonObject o = codec::encode(s);
    o.insert(QStringLiteral("generated_at"), codec::isoTime(QDateTime::currentMSecsSinceEpoch()));
    return o;
}

} // namespace

int runStatusCommand(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(args, ctx.session->clusterStats(), statusJson,
                           [&ctx](const ClusterStats &s) { printStatusText(ctx, s); });
}
