// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/metricsrenderer.h"

#include "cluster/clustermanager.h"
#include "host/engine.h"
#include "metrics/enginemetrics.h"
#include "sync/syncservice.h"

#include <QList>
#include <QPair>

namespace jobfirst {

namespace {

using Labels = QList<QPair<QString, QString>>;

/// Writes metric families: HELP and TYPE once per family, then its samples.
class ExpositionWriter
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }

    void sample(const QByteArray &name, const Labels &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty()) {
            m_out += '{';
            for (qsizetype i = 0; i < labels.size(); ++i) {
                if (i)
                    m_out += ',';
                m_out += labels[i].first.toUtf8();
                m_out += "=\"";
                m_out += escape(labels[i].second);
                m_out += '"';
            }
            m_out += '}';
        }
        m_out += ' ';
        m_out += number(value);
        m_out += '\n';
    }

    void histogram(const QByteArray &name, const Labels &labels, const Histogram::Snapshot &h)
    {
        for (std::size_t i = 0; i < h.cumulative.size(); ++i) {
            Labels l = labels;
            l.append({QStringLiteral("le"), i < h.bounds.size() ? QString::number(h.bounds[i]) : QStringLiteral("+Inf")});
            sample(name + "_bucket", l, double(h.cumulative[i]));
        }
        sample(name + "_sum", labels, h.sum);
        sample(name + "_count", labels, double(h.count));
    }

    QByteArray take() { return std::move(m_out); }

private:
    static QByteArray escape(const QString &value)
    {
        QByteArray v = value.toUtf8();
        v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        return v;
    }
    static QByteArray number(double v)
    {
        if (v == double(qint64(v)) && std::abs(v) < 1e15)
            return QByteArray::number(qint64(v));
        return QByteArray::number(v, 'g', 12);
    }

    QByteArray m_out;
};

void writeNodes(ExpositionWriter &w, const QList<NodeStatus> &nodes, const EngineMetrics &metrics)
{
    w.family("jobfirst_nodes", "gauge", "Nodes registered in the cluster.");
    w.sample("jobfirst_nodes", {}, double(nodes.size()));
    w.family("jobfirst_node_up", "gauge", "1 when the node's health checks pass (state up), else 0.");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_node_up", {{QStringLiteral("node"), n.spec.id}}, n.health == HealthState::Up ? 1 : 0);
    w.family("jobfirst_node_health_state", "gauge", "The node's health state: 1 for the state it is in.");
    for (const NodeStatus &n : nodes)
        for (HealthState s : {HealthState::Unknown, HealthState::Up, HealthState::Down, HealthState::Failed})
            w.sample("jobfirst_node_health_state", {{QStringLiteral("node"), n.spec.id}, {QStringLiteral("state"), healthStateName(s)}},
                     n.health == s ? 1 : 0);
    w.family("jobfirst_node_admin_state", "gauge", "What the operator set: 1 for the admin state the node is in.");
    for (const NodeStatus &n : nodes)
        for (AdminState s : {AdminState::Ready, AdminState::Drain, AdminState::Maintenance})
            w.sample("jobfirst_node_admin_state", {{QStringLiteral("node"), n.spec.id}, {QStringLiteral("state"), adminStateName(s)}},
                     n.spec.adminState == s ? 1 : 0);
    w.family("jobfirst_node_effective_weight", "gauge", "The node's weight in the balancer now (0 when out of rotation).");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_node_effective_weight", {{QStringLiteral("node"), n.spec.id}}, n.effectiveWeight);
    w.family("jobfirst_node_requests_total", "counter", "Real requests sent to the node through the balancer.");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_node_requests_total", {{QStringLiteral("node"), n.spec.id}}, double(n.requests));
    w.family("jobfirst_node_request_failures_total", "counter", "Real requests to the node that failed.");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_node_request_failures_total", {{QStringLiteral("node"), n.spec.id}}, double(n.failures));
    const auto checks = metrics.nodeChecks();
    w.family("jobfirst_health_checks_total", "counter", "Active health checks run against the node.");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_health_checks_total", {{QStringLiteral("node"), n.spec.id}}, double(checks.value(n.spec.id).checks));
    w.family("jobfirst_health_check_failures_total", "counter", "Active health checks of the node that failed.");
    for (const NodeStatus &n : nodes)
        w.sample("jobfirst_health_check_failures_total", {{QStringLiteral("node"), n.spec.id}},
                 double(checks.value(n.spec.id).failures));
    w.family("jobfirst_health_check_duration_seconds", "histogram", "How long active health checks took.");
    w.histogram("jobfirst_health_check_duration_seconds", {}, metrics.checkDuration());
}

void writeSync(ExpositionWriter &w, const SyncStats &s, const EngineMetrics &metrics)
{
    const auto target = [](const TargetStatus &t) { return Labels{{QStringLiteral("target"), t.name}}; };
    w.family("jobfirst_sync_deliveries_total", "counter", "Deliveries settled since the engine started, by outcome.");
    for (const TargetStatus &t : s.targets) {
        w.sample("jobfirst_sync_deliveries_total", target(t) + Labels{{QStringLiteral("outcome"), QStringLiteral("delivered")}}, double(t.success));
        w.sample("jobfirst_sync_deliveries_total", target(t) + Labels{{QStringLiteral("outcome"), QStringLiteral("dead_lettered")}}, double(t.failed));
        w.sample("jobfirst_sync_deliveries_total", target(t) + Labels{{QStringLiteral("outcome"), QStringLiteral("retried")}}, double(t.retries));
    }
    w.family("jobfirst_sync_queue_depth", "gauge",
             "Deliveries waiting to be sent, as this engine counts them: its own changes at once, "
             "other daemons' or processes' at its next recount (every 1 to 5 s).");
    for (const TargetStatus &t : s.targets)
        w.sample("jobfirst_sync_queue_depth", target(t), double(t.backlog));
    w.family("jobfirst_sync_oldest_pending_age_seconds", "gauge", "Age of the oldest waiting delivery.");
    for (const TargetStatus &t : s.targets)
        w.sample("jobfirst_sync_oldest_pending_age_seconds", target(t), double(t.oldestWaitingMs) / 1000.0);
    w.family("jobfirst_sync_dead_letters", "gauge", "Deliveries in the dead-letter queue.");
    for (const TargetStatus &t : s.targets)
        w.sample("jobfirst_sync_dead_letters", target(t), double(t.deadLetters));
    w.family("jobfirst_sync_in_flight", "gauge", "Requests to the target in flight now.");
    // Only the delivering process knows in-flight requests and circuits: no sample elsewhere.
    for (const TargetStatus &t : s.targets)
        if (t.liveStateKnown())
            w.sample("jobfirst_sync_in_flight", target(t), t.inFlight);
    w.family("jobfirst_sync_circuit_state", "gauge",
             "The target's circuit breaker: 1 for the state it is in; all 0 while not tried since "
             "the engine started.");
    // A target not tried since start has the closed circuit every engine starts with, which
    // says nothing about it: no state is claimed (all 0), and the series stay.
    for (const TargetStatus &t : s.targets)
        for (CircuitState c : {CircuitState::Closed, CircuitState::Open, CircuitState::HalfOpen})
            if (t.liveStateKnown())
                w.sample("jobfirst_sync_circuit_state",
                         target(t) + Labels{{QStringLiteral("state"), circuitStateName(c)}},
                         t.circuitKnown() && t.circuit == c ? 1 : 0);
    w.family("jobfirst_sync_target_enabled", "gauge", "1 when the target receives deliveries (enabled, not paused, not held).");
    for (const TargetStatus &t : s.targets)
        w.sample("jobfirst_sync_target_enabled", target(t), t.enabled && !t.paused && !t.held ? 1 : 0);
    w.family("jobfirst_sync_delivery_latency_seconds", "histogram", "From enqueue to acknowledged, by target.");
    const auto latency = metrics.deliveryLatency();
    for (auto it = latency.cbegin(); it != latency.cend(); ++it)
        w.histogram("jobfirst_sync_delivery_latency_seconds", {{QStringLiteral("target"), it.key()}}, it.value());
    w.family("jobfirst_sync_consistency_ratio", "gauge", "Consistent records over ledger records at the target's last check.");
    const auto consistency = metrics.consistency();
    for (auto it = consistency.cbegin(); it != consistency.cend(); ++it)
        w.sample("jobfirst_sync_consistency_ratio", {{QStringLiteral("target"), it.key()}}, it.value());
    // "holder" is a stable code (DeliveryStandby::code()): the stand-by text has spaces, process
    // names and store errors, a new series for each.
    w.family("jobfirst_delivery_lease_info", "gauge",
             "Who delivers from the store: this engine (active) or another (standby), and why it "
             "stands by.");
    w.sample("jobfirst_delivery_lease_info",
             {{QStringLiteral("role"), s.deliveryStandbyFor.isEmpty() ? QStringLiteral("active")
                                                                      : QStringLiteral("standby")},
              {QStringLiteral("holder"), s.standby().code()}},
             1);
}

} // namespace

QByteArray renderMetrics(Engine &engine)
{
    ExpositionWriter w;
    w.family("jobfirst_build_info", "gauge", "The engine's version.");
    w.sample("jobfirst_build_info", {{QStringLiteral("version"), QStringLiteral(JOBFIRST_VERSION)}}, 1);
    writeNodes(w, engine.cluster()->nodes(), engine.metrics());
    // Not engine.sync()->stats(): its dead letters are not counted there (walk28: the gauge
    // read 0 while six waited).
    writeSync(w, engine.syncStats(), engine.metrics());
    return w.take();
}

} // namespace jobfirst
