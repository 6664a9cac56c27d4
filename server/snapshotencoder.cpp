// SPDX-License-Identifier: GPL-3.0-or-later
#include "snapshotencoder.h"

#include "api/codec.h"

#include <QJsonDocument>

#include <bit>

namespace jobfirst {

namespace {

bool sameDouble(double a, double b)
{
    return std::bit_cast<quint64>(a) == std::bit_cast<quint64>(b); // NaN equals NaN here
}

bool same(const NodeStatus &a, const NodeStatus &b)
{
    return a.spec == b.spec && a.health == b.health && a.effectiveWeight == b.effectiveWeight &&
           a.eligible == b.eligible && a.activeConnections == b.activeConnections &&
           sameDouble(a.responseTimeMs, b.responseTimeMs) &&
           sameDouble(a.successRate, b.successRate) && a.requests == b.requests &&
           a.failures == b.failures && a.lastCheckAt == b.lastCheckAt &&
           a.lastCheckResult == b.lastCheckResult && a.lastChangeAt == b.lastChangeAt &&
           a.stalledWhileDownMs == b.stalledWhileDownMs && a.consecutiveOk == b.consecutiveOk &&
           a.consecutiveFail == b.consecutiveFail && a.checkedHere == b.checkedHere &&
           a.checkedBy == b.checkedBy;
}

/// Every field of TargetStatus: a field added there must be compared here, or a target
/// that changed only in it would keep its old JSON.
bool same(const TargetStatus &a, const TargetStatus &b)
{
    return a.name == b.name && a.url == b.url && a.enabled == b.enabled && a.paused == b.paused &&
           a.held == b.held && a.disabledReason == b.disabledReason &&
           a.tlsInsecure == b.tlsInsecure && a.unsignedDeliveries == b.unsignedDeliveries &&
           a.circuit == b.circuit && a.nextProbeAt == b.nextProbeAt && a.backlog == b.backlog &&
           a.oldestWaitingMs == b.oldestWaitingMs && a.success == b.success &&
           a.failed == b.failed && a.retries == b.retries && a.deadLetters == b.deadLetters &&
           a.inFlight == b.inFlight && a.lastError == b.lastError &&
           a.lastErrorAt == b.lastErrorAt && a.deliveredElsewhere == b.deliveredElsewhere &&
           a.triedSinceStart == b.triedSinceStart;
}
#if Q_PROCESSOR_WORDSIZE == 8
static_assert(sizeof(TargetStatus) == 216,
              "TargetStatus changed: compare its new fields in same()");
#endif

} // namespace

const QByteArray &SnapshotEncoder::nodeJson(const NodeStatus &status)
{
    Cached &c = m_nodes[status.spec.id];
    if (c.json.isEmpty() || !same(c.status, status)) {
        c.status = status;
        c.json = codec::nodeJson(status);
    }
    c.seen = m_generation;
    return c.json;
}

QByteArray SnapshotEncoder::nodesJson(const QList<NodeStatus> &nodes)
{
    ++m_generation;
    QByteArray out;
    out.reserve(qsizetype(nodes.size()) * 440 + 2);
    out += '[';
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        if (i)
            out += ',';
        out += nodeJson(nodes.at(i));
    }
    out += ']';
    // Nodes that left the cluster are forgotten.
    if (m_nodes.size() > nodes.size())
        m_nodes.removeIf([g = m_generation](const auto &it) { return it.value().seen != g; });
    return out;
}

QByteArray SnapshotEncoder::targetsJson(const QList<TargetStatus> &targets)
{
    ++m_targetGeneration;
    QByteArray out;
    out.reserve(qsizetype(targets.size()) * 330 + 2);
    out += '[';
    for (qsizetype i = 0; i < targets.size(); ++i) {
        const TargetStatus &t = targets.at(i);
        CachedTarget &c = m_targets[t.name];
        if (c.json.isEmpty() || !same(c.status, t)) {
            c.status = t;
            c.json = QJsonDocument(codec::encode(t)).toJson(QJsonDocument::Compact);
        }
        c.seen = m_targetGeneration;
        if (i)
            out += ',';
        out += c.json;
    }
    out += ']';
    if (m_targets.size() > targets.size())
        m_targets.removeIf(
            [g = m_targetGeneration](const auto &it) { return it.value().seen != g; });
    return out;
}

QByteArray SnapshotEncoder::snapshotJson(const EngineSnapshot &snapshot)
{
    EngineSnapshot rest = snapshot;
    rest.nodes.clear();
    rest.sync.targets.clear();
    rest.healthEvents.clear();
    rest.alerts.clear();
    QJsonObject o = codec::encode(rest);
    o.remove(QStringLiteral("nodes"));
    QJsonObject sync = o.take(QStringLiteral("sync")).toObject();
    sync.remove(QStringLiteral("targets"));
    QByteArray syncJson = QJsonDocument(sync).toJson(QJsonDocument::Compact);
    syncJson.chop(1); // the closing brace: the targets go in before it
    QByteArray json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    json.chop(1); // the closing brace: sync and the nodes go in before it
    json += ",\"sync\":";
    json += syncJson;
    json += ",\"targets\":";
    json += targetsJson(snapshot.sync.targets);
    json += "},\"nodes\":";
    json += nodesJson(snapshot.nodes);
    json += '}';
    return json;
}

} // namespace jobfirst
