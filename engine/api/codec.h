// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "api/sessiontypes.h"
#include "cluster/clusterstats.h"
#include "cluster/node.h"
#include "config/configversion.h"
#include "core/result.h"
#include "logs/logentry.h"
#include "slo/sloreport.h"
#include "store/auditentry.h"
#include "store/backup.h"
#include "sync/bulkimporter.h"
#include "sync/consistencychecker.h"
#include "sync/deliveryrecords.h"
#include "sync/syncevent.h"
#include "sync/syncstats.h"

#include <QJsonArray>
#include <QJsonObject>

namespace jobfirst::codec {

/// The JSON of the engine's types: what the admin API answers, what jobfirstctl prints, and
/// what the remote session reads back. encode() and decode() of a type are inverse of each
/// other for every field the JSON carries; times are ISO 8601 UTC with milliseconds.
QJsonObject encode(const NodeSpec &spec);
QJsonObject encode(const NodeStatus &status);
QJsonObject encode(const HealthEvent &event);
QJsonObject encode(const CheckResult &result);
QJsonObject encode(const NodeCheck &check);
QJsonObject encode(const ClusterStats &stats);
QJsonObject encode(const PickRequest &request);
QJsonObject encode(const PickReport &report);
QJsonObject encode(const SimulationRequest &request);
QJsonObject encode(const SimulationReport &report, const QStringList &nodeIds);
QJsonObject encode(const SyncEvent &event);
QJsonObject encode(const TargetStatus &status);
QJsonObject encode(const SyncStats &stats);
QJsonObject encode(const QueuedDelivery &delivery);
QJsonObject encode(const DeadLetter &letter);
QJsonObject encode(const DeliveryAttempt &attempt);
QJsonObject encode(const ConsistencyReport &report);
QJsonObject encode(const ImportProgress &progress);
QJsonObject encode(const ConfigVersion &version, bool withJson);
QJsonObject encode(const ConfigDiff &diff);
QJsonObject encode(const AuditEntry &entry);
QJsonObject encode(const ApiToken &token);
QJsonObject encode(const DaemonStatus &daemon);
QJsonObject encode(const CreatedToken &token);
QJsonObject encode(const Alert &alert);
QJsonObject encode(const EngineSnapshot &snapshot);
QJsonObject encode(const SessionInfo &info);
QJsonObject encode(const LogEntry &entry);
QJsonObject encode(const SloReport &report);
QJsonObject encode(const AuditVerification &verification);
QJsonObject encode(const BackupInfo &info);

/// The same JSON as encode(NodeStatus), written straight into bytes (snapshots of large
/// clusters go to every console each second).
QByteArray nodeJson(const NodeStatus &status);

template <typename T>
QJsonArray encodeList(const QList<T> &items)
{
    QJsonArray a;
    for (const T &item : items)
        a.append(encode(item));
    return a;
}

/// Reads a T from JSON; the error names the field that is missing or of the wrong type.
template <typename T>
Result<T> decode(const QJsonValue &value);

template <>
Result<NodeSpec> decode<NodeSpec>(const QJsonValue &value);
template <>
Result<NodeStatus> decode<NodeStatus>(const QJsonValue &value);
template <>
Result<HealthEvent> decode<HealthEvent>(const QJsonValue &value);
template <>
Result<CheckResult> decode<CheckResult>(const QJsonValue &value);
template <>
Result<NodeCheck> decode<NodeCheck>(const QJsonValue &value);
template <>
Result<ClusterStats> decode<ClusterStats>(const QJsonValue &value);
template <>
Result<PickRequest> decode<PickRequest>(const QJsonValue &value);
template <>
Result<PickReport> decode<PickReport>(const QJsonValue &value);
template <>
Result<SimulationRequest> decode<SimulationRequest>(const QJsonValue &value);
template <>
Result<SimulationReport> decode<SimulationReport>(const QJsonValue &value);
template <>
Result<SyncEvent> decode<SyncEvent>(const QJsonValue &value);
template <>
Result<TargetStatus> decode<TargetStatus>(const QJsonValue &value);
template <>
Result<SyncStats> decode<SyncStats>(const QJsonValue &value);
template <>
Result<QueuedDelivery> decode<QueuedDelivery>(const QJsonValue &value);
template <>
Result<DeadLetter> decode<DeadLetter>(const QJsonValue &value);
template <>
Result<DeliveryAttempt> decode<DeliveryAttempt>(const QJsonValue &value);
template <>
Result<ConsistencyReport> decode<ConsistencyReport>(const QJsonValue &value);
template <>
Result<ImportProgress> decode<ImportProgress>(const QJsonValue &value);
template <>
Result<ConfigVersion> decode<ConfigVersion>(const QJsonValue &value);
template <>
Result<ConfigDiff> decode<ConfigDiff>(const QJsonValue &value);
template <>
Result<AuditEntry> decode<AuditEntry>(const QJsonValue &value);
template <>
Result<ApiToken> decode<ApiToken>(const QJsonValue &value);
template <>
Result<DaemonStatus> decode<DaemonStatus>(const QJsonValue &value);
template <>
Result<CreatedToken> decode<CreatedToken>(const QJsonValue &value);
template <>
Result<Alert> decode<Alert>(const QJsonValue &value);
template <>
Result<EngineSnapshot> decode<EngineSnapshot>(const QJsonValue &value);
template <>
Result<SessionInfo> decode<SessionInfo>(const QJsonValue &value);
template <>
Result<LogEntry> decode<LogEntry>(const QJsonValue &value);
template <>
Result<SloReport> decode<SloReport>(const QJsonValue &value);
template <>
Result<AuditVerification> decode<AuditVerification>(const QJsonValue &value);
template <>
Result<BackupInfo> decode<BackupInfo>(const QJsonValue &value);

template <typename T>
Result<QList<T>> decodeList(const QJsonValue &value)
{
    if (!value.isArray())
        return makeError(QStringLiteral("json.type"), QStringLiteral("expected a JSON array"));
    QList<T> out;
    const QJsonArray a = value.toArray();
    out.reserve(a.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        auto item = decode<T>(a.at(i));
        if (!item)
            return makeError(item.error().code, QStringLiteral("item %1: %2").arg(i).arg(item.error().message));
        out << std::move(item).value();
    }
    return out;
}

/// ISO 8601 UTC with milliseconds, or "" for 0.
QString isoTime(qint64 msSinceEpoch);
/// The inverse of isoTime: "" is 0; anything else that is not a time is nullopt.
std::optional<qint64> parseIsoTime(const QString &text);

} // namespace jobfirst::codec
