// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/syncstats.h"

#include <QDateTime>

namespace jobfirst {

QString circuitStateName(CircuitState s)
{
    switch (s) {
    case CircuitState::Closed: return QStringLiteral("closed");
    case CircuitState::Open: return QStringLiteral("open");
    case CircuitState::HalfOpen: return QStringLiteral("half-open");
    }
    return {};
}

void TargetStatus::forgetLiveState(const QString &deliveredBy)
{
    deliveredElsewhere = deliveredBy;
    circuit = CircuitState::Closed;
    nextProbeAt = 0;
    inFlight = 0;
    lastError.clear();
    lastErrorAt = 0;
}

QJsonObject TargetStatus::toJson() const
{
    QJsonObject o{
        {QStringLiteral("name"), name},
        {QStringLiteral("url"), url},
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("paused"), paused},
        {QStringLiteral("held"), held},
        {QStringLiteral("disabled_reason"), disabledReason},
        {QStringLiteral("tls_insecure"), tlsInsecure},
        {QStringLiteral("unsigned"), unsignedDeliveries},
        {QStringLiteral("circuit"), circuitStateName(circuit)},
        {QStringLiteral("backlog"), backlog},
        {QStringLiteral("oldest_waiting_ms"), oldestWaitingMs},
        {QStringLiteral("success"), success},
        {QStringLiteral("failed"), failed},
        {QStringLiteral("retries"), retries},
        {QStringLiteral("dead_letters"), deadLetters},
        {QStringLiteral("in_flight"), inFlight},
        {QStringLiteral("tried_since_start"), triedSinceStart},
        {QStringLiteral("last_error"), lastError},
        {QStringLiteral("last_error_at"),
         lastErrorAt
             ? QDateTime::fromMSecsSinceEpoch(lastErrorAt, Qt::UTC).toString(Qt::ISODateWithMs)
             : QString()}};
    if (!liveStateKnown()) {
        // Null, not a made-up "closed" or "": only the delivering process knows them.
        for (const char *key :
             {"circuit", "in_flight", "last_error", "last_error_at", "tried_since_start"})
            o.insert(QLatin1String(key), QJsonValue::Null);
        o.insert(QStringLiteral("delivered_by"), deliveredElsewhere);
    }
    return o;
}

QJsonObject SyncStats::toJson() const
{
    QJsonObject o = countsJson();
    if (!measuredHere) {
        // Null, as a target's circuit is: only the delivering process measures them.
        o.insert(QStringLiteral("latency_ms"),
                 QJsonObject{{QStringLiteral("p50"), QJsonValue::Null},
                             {QStringLiteral("p95"), QJsonValue::Null},
                             {QStringLiteral("p99"), QJsonValue::Null}});
        o.insert(QStringLiteral("deliveries_per_second"), QJsonValue::Null);
    }
    return o;
}

QJsonObject SyncStats::countsJson() const
{
    QJsonObject perTarget;
    for (const TargetStatus &t : targets)
        perTarget.insert(t.name, QJsonObject{{QStringLiteral("success"), t.success}, {QStringLiteral("failed"), t.failed}});
    return {{QStringLiteral("total_sync_tasks"), totalSyncTasks},
            {QStringLiteral("completed_sync_tasks"), completedSyncTasks},
            {QStringLiteral("failed_sync_tasks"), failedSyncTasks},
            {QStringLiteral("retry_sync_tasks"), retrySyncTasks},
            {QStringLiteral("retries_scheduled"),
             retriesScheduledKnown ? QJsonValue(retriesScheduled) : QJsonValue()},
            {QStringLiteral("sync_targets"), perTarget},
            {QStringLiteral("queue_depth"), queueDepth},
            {QStringLiteral("queue_held"), heldDeliveries},
            {QStringLiteral("oldest_waiting_ms"), oldestWaitingMs},
            {QStringLiteral("latency_ms"), QJsonObject{{QStringLiteral("p50"), latencyP50Ms},
                                                       {QStringLiteral("p95"), latencyP95Ms},
                                                       {QStringLiteral("p99"), latencyP99Ms}}},
            {QStringLiteral("deliveries_per_second"), deliveriesPerSecond},
            {QStringLiteral("delivery"), delivery},
            {QStringLiteral("counting_since"),
             countingSince ? QJsonValue(QDateTime::fromMSecsSinceEpoch(countingSince, Qt::UTC)
                                            .toString(Qt::ISODateWithMs))
                           : QJsonValue()}};
}

} // namespace jobfirst
