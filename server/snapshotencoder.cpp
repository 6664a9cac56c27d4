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
    return a.spec == b.spec && a.health == b.health && a.effectiveWeight == b.effectiveWeight && a.eligible == b.eligible
           && a.activeConnections == b.activeConnections && sameDouble(a.responseTimeMs, b.responseTimeMs)
           && sameDouble(a.successRate, b.successRate) && a.requests == b.requests && a.failures == b.failures
           && a.lastCheckAt == b.lastCheckAt && a.lastCheckResult == b.lastCheckResult && a.lastChangeAt == b.lastChangeAt
           && a.consecutiveOk == b.consecutiveOk && a.consecutiveFail == b.consecutiveFail;
}

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

QByteArray SnapshotEncoder::snapshotJson(const EngineSnapshot &snapshot)
{
    EngineSnapshot rest = snapshot;
    rest.nodes.clear();
    rest.healthEvents.clear();
    rest.alerts.clear();
    QJsonObject o = codec::encode(rest);
    o.remove(QStringLiteral("nodes"));
    QByteArray json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    json.chop(1); // the closing brace: the nodes go in before it
    json += ",\"nodes\":";
    json += nodesJson(snapshot.nodes);
    json += '}';
    return json;
}

} // namespace jobfirst
