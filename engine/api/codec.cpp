// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/codec.h"

#include "api/jsonwriter.h"

#include <QDateTime>

#include <cmath>
#include <limits>

namespace jobfirst::codec {

namespace {

QJsonValue number(double v)
{
    // JSON has no NaN: "no figure" (a down node's latency) travels as null.
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

/// Reads the fields of one JSON object, remembering the first one that is of the wrong type.
/// Absent fields read as their defaults, so older and newer peers understand each other.
class Fields
{
public:
    explicit Fields(const QJsonValue &value)
    {
        if (!value.isObject())
            m_error = QStringLiteral("expected a JSON object");
        m_object = value.toObject();
    }

    QString str(const char *key)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isString())
            fail(key, "a string");
        return v.toString();
    }
    double num(const char *key, double fallback = 0)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined())
            return fallback;
        if (v.isNull())
            return std::numeric_limits<double>::quiet_NaN();
        if (!v.isDouble())
            fail(key, "a number");
        return v.toDouble();
    }
    qint64 i64(const char *key, qint64 fallback = 0)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return fallback;
        if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()))
            fail(key, "a whole number");
        return v.toInteger();
    }
    int i32(const char *key, int fallback = 0) { return int(i64(key, fallback)); }
    bool boolean(const char *key, bool fallback = false)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return fallback;
        if (!v.isBool())
            fail(key, "true or false");
        return v.toBool();
    }
    qint64 time(const char *key)
    {
        const QString text = str(key);
        const auto t = parseIsoTime(text);
        if (!t)
            fail(key, "an ISO 8601 time");
        return t.value_or(0);
    }
    QJsonObject object(const char *key)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isNull() && !v.isObject())
            fail(key, "an object");
        return v.toObject();
    }
    QJsonArray array(const char *key)
    {
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isNull() && !v.isArray())
            fail(key, "an array");
        return v.toArray();
    }
    QStringList strings(const char *key)
    {
        QStringList out;
        for (const QJsonValue &v : array(key)) {
            if (!v.isString())
                fail(key, "an array of strings");
            out << v.toString();
        }
        return out;
    }
    template <typename T>
    QList<T> list(const char *key)
    {
        auto items = decodeList<T>(array(key));
        if (!items) {
            failWith(key, QStringLiteral("field \"%1\": %2").arg(QLatin1String(key), items.error().message));
            return {};
        }
        return items.value();
    }
    template <typename T>
    T nested(const char *key)
    {
        auto item = decode<T>(object(key));
        if (!item) {
            failWith(key, QStringLiteral("field \"%1\": %2").arg(QLatin1String(key), item.error().message));
            return T{};
        }
        return item.value();
    }
    void fail(const char *key, const char *expected)
    {
        if (m_error.isEmpty()) {
            m_error = QStringLiteral("field \"%1\" must be %2").arg(QLatin1String(key), QLatin1String(expected));
            m_field = QLatin1String(key);
        }
    }
    void failWith(const char *key, const QString &message)
    {
        if (m_error.isEmpty()) {
            m_error = message;
            m_field = QLatin1String(key);
        }
    }

    template <typename T>
    Result<T> done(T value) const
    {
        if (!m_error.isEmpty())
            return Error{QStringLiteral("json.invalid"), m_error, m_field};
        return value;
    }

private:
    QJsonObject m_object;
    QString m_error;
    QString m_field;
};

} // namespace

QString isoTime(qint64 ms)
{
    return ms ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) : QString();
}

std::optional<qint64> parseIsoTime(const QString &text)
{
    if (text.isEmpty())
        return 0;
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    return t.toMSecsSinceEpoch();
}

// Nodes.

QJsonObject encode(const NodeSpec &s)
{
    return {{QStringLiteral("id"), s.id},
            {QStringLiteral("url"), s.url},
            {QStringLiteral("health_path"), s.healthPath},
            {QStringLiteral("weight"), s.weight},
            {QStringLiteral("tags"), QJsonArray::fromStringList(s.tags)},
            {QStringLiteral("admin_state"), adminStateName(s.adminState)},
            {QStringLiteral("ca_file"), s.caFile},
            {QStringLiteral("client_cert"), s.clientCert},
            {QStringLiteral("client_key"), s.clientKey},
            {QStringLiteral("tls_insecure"), s.tlsInsecure},
            {QStringLiteral("token_file"), s.tokenFile}};
}

template <>
Result<NodeSpec> decode<NodeSpec>(const QJsonValue &value)
{
    Fields f(value);
    NodeSpec s;
    s.id = f.str("id");
    s.url = f.str("url");
    if (const QString p = f.str("health_path"); !p.isEmpty())
        s.healthPath = p;
    s.weight = f.i32("weight", 1);
    s.tags = f.strings("tags");
    if (const QString a = f.str("admin_state"); !a.isEmpty()) {
        const auto state = adminStateFromName(a);
        if (!state)
            f.failWith("admin_state", QStringLiteral("field \"admin_state\" must be ready, drain or maintenance, not \"%1\"").arg(a));
        s.adminState = state.value_or(AdminState::Ready);
    }
    // TLS and authentication: paths on the engine's machine (the files hold the secrets).
    s.caFile = f.str("ca_file");
    s.clientCert = f.str("client_cert");
    s.clientKey = f.str("client_key");
    s.tlsInsecure = f.boolean("tls_insecure");
    s.tokenFile = f.str("token_file");
    return f.done(s);
}

QJsonObject encode(const NodeStatus &n)
{
    QJsonObject o = encode(n.spec);
    o.insert(QStringLiteral("status"), healthStateName(n.health));
    o.insert(QStringLiteral("eligible"), n.eligible);
    o.insert(QStringLiteral("effective_weight"), n.effectiveWeight);
    o.insert(QStringLiteral("connections"), n.activeConnections);
    o.insert(QStringLiteral("response_time_ms"), number(n.responseTimeMs));
    o.insert(QStringLiteral("success_rate"), number(n.successRate));
    o.insert(QStringLiteral("requests"), n.requests);
    o.insert(QStringLiteral("failures"), n.failures);
    o.insert(QStringLiteral("last_check"), isoTime(n.lastCheckAt));
    o.insert(QStringLiteral("last_check_result"), n.lastCheckResult);
    o.insert(QStringLiteral("last_change"), isoTime(n.lastChangeAt));
    o.insert(QStringLiteral("stalled_while_down_ms"), n.stalledWhileDownMs);
    o.insert(QStringLiteral("consecutive_ok"), n.consecutiveOk);
    o.insert(QStringLiteral("consecutive_fail"), n.consecutiveFail);
    o.insert(QStringLiteral("checked_here"), n.checkedHere);
    o.insert(QStringLiteral("checked_by"), n.checkedBy);
    return o;
}

QByteArray nodeJson(const NodeStatus &n)
{
    QByteArray out;
    out.reserve(420);
    JsonWriter w(out);
    w.beginObject()
        .key("id").value(n.spec.id)
        .key("url").value(n.spec.url)
        .key("health_path").value(n.spec.healthPath)
        .key("weight").value(n.spec.weight)
        .key("tags").value(n.spec.tags)
        .key("admin_state").value(adminStateName(n.spec.adminState))
        .key("ca_file").value(n.spec.caFile)
        .key("client_cert").value(n.spec.clientCert)
        .key("client_key").value(n.spec.clientKey)
        .key("tls_insecure").value(n.spec.tlsInsecure)
        .key("token_file").value(n.spec.tokenFile)
        .key("status").value(healthStateName(n.health))
        .key("eligible").value(n.eligible)
        .key("effective_weight").value(n.effectiveWeight)
        .key("connections").value(n.activeConnections)
        .key("response_time_ms").value(n.responseTimeMs)
        .key("success_rate").value(n.successRate)
        .key("requests").value(n.requests)
        .key("failures").value(n.failures)
        .key("last_check").value(isoTime(n.lastCheckAt))
        .key("last_check_result").value(n.lastCheckResult)
        .key("last_change").value(isoTime(n.lastChangeAt))
        .key("stalled_while_down_ms").value(n.stalledWhileDownMs)
        .key("consecutive_ok").value(n.consecutiveOk)
        .key("consecutive_fail").value(n.consecutiveFail)
        .key("checked_here").value(n.checkedHere)
        .key("checked_by").value(n.checkedBy)
        .endObject();
    return out;
}

template <>
Result<NodeStatus> decode<NodeStatus>(const QJsonValue &value)
{
    auto spec = decode<NodeSpec>(value);
    if (!spec)
        return spec.error();
    Fields f(value);
    NodeStatus n;
    n.spec = spec.value();
    n.health = healthStateFromName(f.str("status"));
    n.eligible = f.boolean("eligible");
    n.effectiveWeight = f.i32("effective_weight");
    n.activeConnections = f.i32("connections");
    n.responseTimeMs = f.num("response_time_ms");
    n.successRate = f.num("success_rate", 100);
    n.requests = f.i64("requests");
    n.failures = f.i64("failures");
    n.lastCheckAt = f.time("last_check");
    n.lastCheckResult = f.str("last_check_result");
    n.lastChangeAt = f.time("last_change");
    n.stalledWhileDownMs = f.i64("stalled_while_down_ms");
    n.consecutiveOk = f.i32("consecutive_ok");
    n.consecutiveFail = f.i32("consecutive_fail");
    // A daemon of an older version says nothing: it checked every node itself.
    n.checkedHere = f.boolean("checked_here", true);
    n.checkedBy = f.str("checked_by");
    return f.done(n);
}

QJsonObject encode(const HealthEvent &e)
{
    return {{QStringLiteral("id"), e.id},
            {QStringLiteral("node"), e.nodeId},
            {QStringLiteral("from"), healthStateName(e.from)},
            {QStringLiteral("to"), healthStateName(e.to)},
            {QStringLiteral("reason"), e.reason},
            {QStringLiteral("latency_ms"), number(e.latencyMs)},
            {QStringLiteral("timestamp"), isoTime(e.timestamp)}};
}

template <>
Result<HealthEvent> decode<HealthEvent>(const QJsonValue &value)
{
    Fields f(value);
    HealthEvent e;
    e.id = f.i64("id");
    e.nodeId = f.str("node");
    e.from = healthStateFromName(f.str("from"));
    e.to = healthStateFromName(f.str("to"));
    e.reason = f.str("reason");
    e.latencyMs = f.num("latency_ms");
    e.timestamp = f.time("timestamp");
    return f.done(e);
}

QJsonObject encode(const CheckResult &r)
{
    return {{QStringLiteral("node"), r.nodeId},
            {QStringLiteral("ok"), r.outcome == CheckOutcome::Ok},
            {QStringLiteral("outcome"), checkOutcomeName(r.outcome)},
            {QStringLiteral("reason"), r.detail},
            {QStringLiteral("http_status"), r.httpStatus},
            {QStringLiteral("latency_ms"), number(r.latencyMs)},
            {QStringLiteral("at"), isoTime(r.at)}};
}

template <>
Result<CheckResult> decode<CheckResult>(const QJsonValue &value)
{
    Fields f(value);
    CheckResult r;
    r.nodeId = f.str("node");
    const QString outcome = f.str("outcome");
    r.outcome = CheckOutcome::NetworkError;
    for (CheckOutcome o : {CheckOutcome::Ok, CheckOutcome::ConnectionRefused, CheckOutcome::Timeout, CheckOutcome::BadStatus,
                           CheckOutcome::BadBody, CheckOutcome::NetworkError, CheckOutcome::Passive})
        if (checkOutcomeName(o) == outcome)
            r.outcome = o;
    r.detail = f.str("reason");
    r.httpStatus = f.i32("http_status");
    r.latencyMs = f.num("latency_ms");
    r.at = f.time("at");
    return f.done(r);
}

QJsonObject encode(const NodeCheck &c)
{
    QJsonObject o = encode(c.result);
    o.insert(QStringLiteral("node"), c.nodeId);
    return o;
}

template <>
Result<NodeCheck> decode<NodeCheck>(const QJsonValue &value)
{
    auto r = decode<CheckResult>(value);
    if (!r)
        return r.error();
    return NodeCheck{r->nodeId, r.value()};
}

QJsonObject encode(const ClusterStats &s)
{
    return s.toJson();
}

template <>
Result<ClusterStats> decode<ClusterStats>(const QJsonValue &value)
{
    Fields f(value);
    ClusterStats s;
    s.clusterId = f.str("cluster_id");
    s.totalNodes = f.i32("total_nodes");
    s.activeNodes = f.i32("active_nodes");
    s.failedNodes = f.i32("failed_nodes");
    s.totalRequests = f.i64("total_requests");
    s.successfulRequests = f.i64("successful_requests");
    s.failedRequests = f.i64("failed_requests");
    s.averageResponseTimeMs = f.num("average_response_time_ms");
    s.windowMs = qRound64(f.num("window_seconds") * 1000.0);
    s.windowRequests = f.i64("window_requests");
    s.windowSuccessfulRequests = f.i64("window_successful_requests");
    s.windowFailedRequests = f.i64("window_failed_requests");
    s.windowSuccessRate = f.num("window_success_rate", std::numeric_limits<double>::quiet_NaN());
    s.windowAverageResponseTimeMs =
        f.num("window_average_response_time_ms", std::numeric_limits<double>::quiet_NaN());
    // Null, not absent: an engine that routes no requests (absent: one from before this).
    s.requestsKnown = !value.toObject().value(QLatin1String("total_requests")).isNull();
    return f.done(s);
}

// Balancing.

QJsonObject encode(const PickRequest &r)
{
    QJsonObject o{{QStringLiteral("count"), r.count}};
    if (r.strategy)
        o.insert(QStringLiteral("strategy"), strategyName(*r.strategy));
    if (!r.clientIp.isEmpty())
        o.insert(QStringLiteral("client_ip"), r.clientIp);
    return o;
}

template <>
Result<PickRequest> decode<PickRequest>(const QJsonValue &value)
{
    Fields f(value);
    PickRequest r;
    r.count = f.i64("count", 1);
    r.clientIp = f.str("client_ip");
    if (const QString s = f.str("strategy"); !s.isEmpty()) {
        r.strategy = strategyFromName(s);
        if (!r.strategy)
            f.failWith("strategy", QStringLiteral("field \"strategy\": unknown strategy \"%1\"").arg(s));
    }
    return f.done(r);
}

QJsonObject encode(const PickReport &r)
{
    QJsonObject perNode;
    for (const auto &[id, n] : r.picks)
        perNode.insert(id, n);
    QStringList order;
    for (const auto &p : r.picks)
        order << p.first;
    return {{QStringLiteral("strategy"), strategyName(r.strategy)},
            {QStringLiteral("count"), r.count},
            {QStringLiteral("picks"), perNode},
            {QStringLiteral("nodes"), QJsonArray::fromStringList(order)},
            {QStringLiteral("first_picks"), QJsonArray::fromStringList(r.firstPicks)},
            {QStringLiteral("assumed_up"), QJsonArray::fromStringList(r.assumedUp)}};
}

template <>
Result<PickReport> decode<PickReport>(const QJsonValue &value)
{
    Fields f(value);
    PickReport r;
    r.strategy = strategyFromName(f.str("strategy")).value_or(Strategy::RoundRobin);
    r.count = f.i64("count");
    const QJsonObject perNode = f.object("picks");
    for (const QString &id : f.strings("nodes"))
        r.picks.append({id, perNode.value(id).toInteger()});
    r.firstPicks = f.strings("first_picks");
    r.assumedUp = f.strings("assumed_up");
    return f.done(r);
}

namespace {

QJsonObject encodeSimNode(const SimNode &n)
{
    return {{QStringLiteral("id"), n.id},
            {QStringLiteral("weight"), n.weight},
            {QStringLiteral("capacity"), n.capacity},
            {QStringLiteral("latency_ms"), n.latencyMs},
            {QStringLiteral("queue_limit"), n.queueLimit}};
}

SimNode decodeSimNode(const QJsonObject &o, const SimNode &defaults)
{
    SimNode n = defaults;
    n.id = o.value(QStringLiteral("id")).toString(n.id);
    n.weight = o.value(QStringLiteral("weight")).toInt(n.weight);
    n.capacity = o.value(QStringLiteral("capacity")).toInt(n.capacity);
    n.latencyMs = o.value(QStringLiteral("latency_ms")).toDouble(n.latencyMs);
    n.queueLimit = o.value(QStringLiteral("queue_limit")).toInt(n.queueLimit);
    return n;
}

} // namespace

QJsonObject encode(const SimulationRequest &r)
{
    QJsonArray nodes;
    for (const SimNode &n : r.params.nodes)
        nodes.append(encodeSimNode(n));
    QJsonArray strategies;
    for (Strategy s : r.params.strategies)
        strategies.append(strategyName(s));
    return {{QStringLiteral("nodes"), nodes},
            {QStringLiteral("node_defaults"), encodeSimNode(r.nodeDefaults)},
            {QStringLiteral("rate"), r.params.arrivalRate},
            {QStringLiteral("requests"), r.params.requests},
            {QStringLiteral("seed"), qint64(r.params.seed)},
            {QStringLiteral("clients"), r.params.clients},
            {QStringLiteral("strategies"), strategies}};
}

template <>
Result<SimulationRequest> decode<SimulationRequest>(const QJsonValue &value)
{
    Fields f(value);
    SimulationRequest r;
    r.nodeDefaults = decodeSimNode(f.object("node_defaults"), SimNode{});
    for (const QJsonValue &v : f.array("nodes"))
        r.params.nodes << decodeSimNode(v.toObject(), r.nodeDefaults);
    r.params.arrivalRate = f.num("rate", r.params.arrivalRate);
    r.params.requests = f.i64("requests", r.params.requests);
    r.params.seed = quint64(f.i64("seed", qint64(r.params.seed)));
    r.params.clients = f.i32("clients", r.params.clients);
    const QStringList names = f.strings("strategies");
    if (!names.isEmpty()) {
        r.params.strategies.clear();
        for (const QString &name : names) {
            const auto s = strategyFromName(name);
            if (!s)
                f.failWith("strategies", QStringLiteral("field \"strategies\": unknown strategy \"%1\"").arg(name));
            else
                r.params.strategies << *s;
        }
    }
    return f.done(r);
}

QJsonObject encode(const SimulationReport &report, const QStringList &nodeIds)
{
    SimulationParams params;
    for (const QString &id : nodeIds)
        params.nodes << SimNode{id};
    QJsonObject o = report.toJson(params);
    o.insert(QStringLiteral("nodes"), QJsonArray::fromStringList(nodeIds));
    return o;
}

template <>
Result<SimulationReport> decode<SimulationReport>(const QJsonValue &value)
{
    Fields f(value);
    SimulationReport r;
    r.simulatedRequests = f.i64("simulated_requests");
    r.cancelled = f.boolean("cancelled");
    r.wallSeconds = f.num("wall_seconds");
    const QStringList nodeIds = f.strings("nodes");
    for (const QJsonValue &v : f.array("strategies")) {
        const QJsonObject o = v.toObject();
        StrategyOutcome out;
        out.strategy = strategyFromName(o.value(QStringLiteral("strategy")).toString()).value_or(Strategy::RoundRobin);
        out.served = o.value(QStringLiteral("served")).toInteger();
        out.queued = o.value(QStringLiteral("queued")).toInteger();
        out.rejected = o.value(QStringLiteral("rejected")).toInteger();
        const QJsonObject latency = o.value(QStringLiteral("latency_ms")).toObject();
        out.meanMs = latency.value(QStringLiteral("mean")).toDouble();
        out.p50Ms = latency.value(QStringLiteral("p50")).toDouble();
        out.p95Ms = latency.value(QStringLiteral("p95")).toDouble();
        out.p99Ms = latency.value(QStringLiteral("p99")).toDouble();
        const QJsonObject perNode = o.value(QStringLiteral("nodes")).toObject();
        for (const QString &id : nodeIds) {
            const QJsonObject n = perNode.value(id).toObject();
            out.perNode << n.value(QStringLiteral("requests")).toInteger();
            out.queuedPerNode << n.value(QStringLiteral("queued")).toInteger();
            out.rejectedPerNode << n.value(QStringLiteral("rejected")).toInteger();
        }
        r.outcomes << out;
    }
    return f.done(r);
}

// Sync.

QJsonObject encode(const SyncEvent &e)
{
    QJsonObject o{{QStringLiteral("id"), e.eventId},
                  {QStringLiteral("type"), e.type},
                  {QStringLiteral("user_id"), e.userId},
                  {QStringLiteral("data"), e.data}};
    if (e.version)
        o.insert(QStringLiteral("version"), e.version);
    if (e.createdAt)
        o.insert(QStringLiteral("created_at"), isoTime(e.createdAt));
    return o;
}

template <>
Result<SyncEvent> decode<SyncEvent>(const QJsonValue &value)
{
    if (!value.isObject())
        return makeError(QStringLiteral("json.invalid"), QStringLiteral("an event must be a JSON object"));
    auto e = SyncEvent::fromJson(value.toObject());
    if (!e)
        return e;
    Fields f(value);
    SyncEvent event = e.value();
    event.version = f.i64("version");
    event.createdAt = f.time("created_at");
    return f.done(event);
}

QJsonObject encode(const TargetStatus &t)
{
    QJsonObject o = t.toJson();
    if (t.liveStateKnown()) {
        o.insert(QStringLiteral("last_error_at"), isoTime(t.lastErrorAt));
        o.insert(QStringLiteral("next_probe_at"), isoTime(t.nextProbeAt));
    } else {
        o.insert(QStringLiteral("next_probe_at"), QJsonValue::Null);
    }
    return o;
}

template <>
Result<TargetStatus> decode<TargetStatus>(const QJsonValue &value)
{
    Fields f(value);
    TargetStatus t;
    t.name = f.str("name");
    t.url = f.str("url");
    t.enabled = f.boolean("enabled", true);
    t.paused = f.boolean("paused");
    t.held = f.boolean("held");
    t.disabledReason = f.str("disabled_reason");
    t.tlsInsecure = f.boolean("tls_insecure");
    t.unsignedDeliveries = f.boolean("unsigned");
    const QString circuit = f.str("circuit");
    for (CircuitState c : {CircuitState::Closed, CircuitState::Open, CircuitState::HalfOpen})
        if (circuitStateName(c) == circuit)
            t.circuit = c;
    t.backlog = f.i64("backlog");
    t.oldestWaitingMs = f.i64("oldest_waiting_ms");
    t.success = f.i64("success");
    t.failed = f.i64("failed");
    t.retries = f.i64("retries");
    t.deadLetters = f.i64("dead_letters");
    t.inFlight = f.i32("in_flight");
    t.lastError = f.str("last_error");
    t.lastErrorAt = f.time("last_error_at");
    t.nextProbeAt = f.time("next_probe_at");
    t.triedSinceStart = f.boolean("tried_since_start");
    if (value.toObject().value(QLatin1String("circuit")).isNull()) {
        const QString by = f.str("delivered_by");
        t.forgetLiveState(by.isEmpty() ? QStringLiteral("by another process") : by);
    }
    return f.done(t);
}

QJsonObject encode(const SyncStats &s)
{
    QJsonObject o = s.toJson();
    o.insert(QStringLiteral("targets"), encodeList(s.targets));
    o.insert(QStringLiteral("delivery_standby_for"), s.deliveryStandbyFor);
    o.insert(QStringLiteral("daemon"), s.daemonId);
    // Not known: null, not the count or rate of those heard from (0 in a one-shot jobfirstctl).
    o.insert(QStringLiteral("live_daemons"),
             s.liveDaemonsKnown ? QJsonValue(s.liveDaemons) : QJsonValue());
    o.insert(QStringLiteral("live_daemons_known"), s.liveDaemonsKnown);
    o.insert(QStringLiteral("cluster_deliveries_per_second"),
             s.liveDaemonsKnown && s.clusterRateKnown ? QJsonValue(s.clusterDeliveriesPerSecond)
                                                      : QJsonValue());
    return o;
}

template <>
Result<SyncStats> decode<SyncStats>(const QJsonValue &value)
{
    Fields f(value);
    SyncStats s;
    s.totalSyncTasks = f.i64("total_sync_tasks");
    s.completedSyncTasks = f.i64("completed_sync_tasks");
    s.failedSyncTasks = f.i64("failed_sync_tasks");
    s.retrySyncTasks = f.i64("retry_sync_tasks");
    // Null or absent (an older engine): not known, never a made-up 0.
    const QJsonValue scheduled = value.toObject().value(QLatin1String("retries_scheduled"));
    s.retriesScheduledKnown = !scheduled.isNull() && !scheduled.isUndefined();
    s.retriesScheduled = f.i64("retries_scheduled");
    s.queueDepth = f.i64("queue_depth");
    s.heldDeliveries = f.i64("queue_held");
    s.oldestWaitingMs = f.i64("oldest_waiting_ms");
    const QJsonObject latency = f.object("latency_ms");
    s.latencyP50Ms = latency.value(QStringLiteral("p50")).toDouble();
    s.latencyP95Ms = latency.value(QStringLiteral("p95")).toDouble();
    s.latencyP99Ms = latency.value(QStringLiteral("p99")).toDouble();
    // Null: not measured by the engine that answered (it does not deliver); 0 in the figures.
    const auto measured = [&value](const char *key) {
        return !value.toObject().value(QLatin1String(key)).isNull();
    };
    s.measuredHere = measured("deliveries_per_second");
    s.deliveriesPerSecond = s.measuredHere ? f.num("deliveries_per_second") : 0;
    s.delivery = f.str("delivery");
    s.deliveryStandbyFor = f.str("delivery_standby_for");
    s.daemonId = f.str("daemon");
    s.liveDaemons = f.i32("live_daemons");
    s.liveDaemonsKnown = f.boolean("live_daemons_known", true);
    s.clusterRateKnown = measured("cluster_deliveries_per_second");
    s.clusterDeliveriesPerSecond = s.clusterRateKnown ? f.num("cluster_deliveries_per_second") : 0;
    s.countingSince = f.time("counting_since");
    s.targets = f.list<TargetStatus>("targets");
    return f.done(s);
}

QJsonObject encode(const QueuedDelivery &q)
{
    return {{QStringLiteral("id"), q.deliveryId},
            {QStringLiteral("target"), q.target},
            {QStringLiteral("user_id"), q.userId},
            {QStringLiteral("type"), q.eventType},
            {QStringLiteral("attempts"), q.attempts},
            {QStringLiteral("next_at"), isoTime(q.nextAt)},
            {QStringLiteral("created_at"), isoTime(q.createdAt)},
            {QStringLiteral("last_error"), q.lastError},
            {QStringLiteral("events"), q.eventCount}};
}

template <>
Result<QueuedDelivery> decode<QueuedDelivery>(const QJsonValue &value)
{
    Fields f(value);
    QueuedDelivery q;
    q.deliveryId = f.i64("id");
    q.target = f.str("target");
    q.userId = f.str("user_id");
    q.eventType = f.str("type");
    q.attempts = f.i32("attempts");
    q.nextAt = f.time("next_at");
    q.createdAt = f.time("created_at");
    q.lastError = f.str("last_error");
    q.eventCount = f.i32("events", 1);
    return f.done(q);
}

QJsonObject encode(const DeadLetter &d)
{
    return {{QStringLiteral("id"), d.deliveryId},       {QStringLiteral("target"), d.target},
            {QStringLiteral("user_id"), d.userId},      {QStringLiteral("event_id"), d.eventId},
            {QStringLiteral("type"), d.eventType},      {QStringLiteral("attempts"), d.attempts},
            {QStringLiteral("last_error"), d.lastError}, {QStringLiteral("failed_at"), isoTime(d.failedAt)},
            {QStringLiteral("payload"), d.payload},     {QStringLiteral("events"), d.eventCount}};
}

template <>
Result<DeadLetter> decode<DeadLetter>(const QJsonValue &value)
{
    Fields f(value);
    DeadLetter d;
    d.deliveryId = f.i64("id");
    d.target = f.str("target");
    d.userId = f.str("user_id");
    d.eventId = f.str("event_id");
    d.eventType = f.str("type");
    d.attempts = f.i32("attempts");
    d.lastError = f.str("last_error");
    d.failedAt = f.time("failed_at");
    d.payload = f.object("payload");
    d.eventCount = f.i32("events", 1);
    return f.done(d);
}

QJsonObject encode(const DeliveryAttempt &a)
{
    return {{QStringLiteral("at"), isoTime(a.at)},
            {QStringLiteral("status"), a.httpStatus},
            {QStringLiteral("duration_ms"), a.durationMs},
            {QStringLiteral("error"), a.error},
            {QStringLiteral("body"), a.bodyHead}};
}

template <>
Result<DeliveryAttempt> decode<DeliveryAttempt>(const QJsonValue &value)
{
    Fields f(value);
    DeliveryAttempt a;
    a.at = f.time("at");
    a.httpStatus = f.i32("status");
    a.durationMs = f.num("duration_ms");
    a.error = f.str("error");
    a.bodyHead = f.str("body");
    return f.done(a);
}

QJsonObject encode(const ConsistencyReport &r)
{
    if (!r.error.isEmpty())
        return {{QStringLiteral("target"), r.target}, {QStringLiteral("error"), r.error}};
    return r.toJson();
}

template <>
Result<ConsistencyReport> decode<ConsistencyReport>(const QJsonValue &value)
{
    Fields f(value);
    ConsistencyReport r;
    r.target = f.str("target");
    r.error = f.str("error");
    r.ledgerRecords = f.i64("ledger_records");
    r.targetRecords = f.i64("target_records");
    r.missing = f.i64("missing");
    r.stale = f.i64("stale");
    r.unknown = f.i64("unknown");
    r.bucketsCompared = f.i32("buckets_compared");
    r.bucketsDiffering = f.i32("buckets_differing");
    r.ratio = f.num("consistency_ratio", r.error.isEmpty() ? 1.0 : 0.0);
    r.samples = f.strings("samples");
    r.repaired = f.i32("repaired");
    return f.done(r);
}

QJsonObject encode(const ImportProgress &p)
{
    return {{QStringLiteral("lines"), p.lines},
            {QStringLiteral("accepted"), p.accepted},
            {QStringLiteral("rejected"), p.rejected},
            {QStringLiteral("resumed"), p.resumed},
            {QStringLiteral("first_error"), p.firstError},
            {QStringLiteral("bytes_done"), p.bytesDone},
            {QStringLiteral("bytes_total"), p.bytesTotal}};
}

template <>
Result<ImportProgress> decode<ImportProgress>(const QJsonValue &value)
{
    Fields f(value);
    ImportProgress p;
    p.lines = f.i64("lines");
    p.accepted = f.i64("accepted");
    p.rejected = f.i64("rejected");
    p.resumed = f.boolean("resumed");
    p.firstError = f.str("first_error");
    p.bytesDone = f.i64("bytes_done");
    p.bytesTotal = f.i64("bytes_total");
    return f.done(p);
}

// Configuration, audit and tokens.

QJsonObject encode(const ConfigVersion &v, bool withJson)
{
    QJsonObject o{{QStringLiteral("version"), v.version},
                  {QStringLiteral("timestamp"), isoTime(v.timestamp)},
                  {QStringLiteral("actor"), v.actor}};
    if (withJson)
        o.insert(QStringLiteral("json"), QString::fromUtf8(v.json));
    return o;
}

template <>
Result<ConfigVersion> decode<ConfigVersion>(const QJsonValue &value)
{
    Fields f(value);
    ConfigVersion v;
    v.version = f.i32("version");
    v.timestamp = f.time("timestamp");
    v.actor = f.str("actor");
    v.json = f.str("json").toUtf8();
    return f.done(v);
}

QJsonObject encode(const ConfigDiff &d)
{
    return {{QStringLiteral("from"), d.from}, {QStringLiteral("to"), d.to}, {QStringLiteral("diff"), d.diff}};
}

template <>
Result<ConfigDiff> decode<ConfigDiff>(const QJsonValue &value)
{
    Fields f(value);
    ConfigDiff d;
    d.from = f.i32("from");
    d.to = f.i32("to");
    d.diff = f.str("diff");
    return f.done(d);
}

QJsonObject encode(const AuditEntry &e)
{
    return {{QStringLiteral("id"), e.id},
            {QStringLiteral("timestamp"), isoTime(e.timestamp)},
            {QStringLiteral("actor"), e.actor},
            {QStringLiteral("action"), e.action},
            {QStringLiteral("subject"), e.subject},
            {QStringLiteral("before"), e.before},
            {QStringLiteral("after"), e.after}};
}

template <>
Result<AuditEntry> decode<AuditEntry>(const QJsonValue &value)
{
    Fields f(value);
    AuditEntry e;
    e.id = f.i64("id");
    e.timestamp = f.time("timestamp");
    e.actor = f.str("actor");
    e.action = f.str("action");
    e.subject = f.str("subject");
    e.before = f.str("before");
    e.after = f.str("after");
    return f.done(e);
}

QJsonObject encode(const DaemonStatus &d)
{
    QJsonArray partitions;
    for (int p : d.partitions)
        partitions.append(p);
    // A process known only by its lease: its counts are unknown here (null), not 0.
    const auto count = [&d](auto value) { return d.fromLease ? QJsonValue() : QJsonValue(value); };
    return {{QStringLiteral("id"), d.id},
            {QStringLiteral("admin_url"), d.adminUrl},
            {QStringLiteral("started_at"), isoTime(d.startedAt)},
            {QStringLiteral("heartbeat_at"), isoTime(d.heartbeatAt)},
            {QStringLiteral("heartbeat_age_ms"), d.heartbeatAgeMs},
            {QStringLiteral("state"), DaemonStatus::stateName(d.state())},
            {QStringLiteral("delivered"), count(d.delivered)},
            {QStringLiteral("deliveries_per_second"),
             d.rateKnown() ? QJsonValue(d.deliveriesPerSecond) : QJsonValue()},
            {QStringLiteral("partitions"), partitions},
            {QStringLiteral("lease_left_ms"), d.leaseLeftMs},
            {QStringLiteral("self"), d.self},
            {QStringLiteral("from_lease"), d.fromLease},
            {QStringLiteral("all_partitions"), d.allPartitions},
            // Its --lease in seconds (null when not known: a daemon of an older version).
            {QStringLiteral("lease_seconds"),
             d.leaseMs > 0 ? QJsonValue(d.leaseMs / 1000) : QJsonValue()}};
}

template <>
Result<DaemonStatus> decode<DaemonStatus>(const QJsonValue &value)
{
    Fields f(value);
    DaemonStatus d;
    d.id = f.str("id");
    d.adminUrl = f.str("admin_url");
    d.startedAt = f.time("started_at");
    d.heartbeatAt = f.time("heartbeat_at");
    d.heartbeatAgeMs = f.i64("heartbeat_age_ms");
    d.delivered = f.i64("delivered");
    d.deliveriesPerSecond = f.num("deliveries_per_second");
    for (const QJsonValue &p : f.array("partitions")) {
        if (!p.isDouble())
            f.failWith("partitions",
                       QStringLiteral("field \"partitions\" must be a list of numbers"));
        d.partitions << p.toInt();
    }
    d.self = f.boolean("self");
    d.fromLease = f.boolean("from_lease");
    // A daemon of an older version said it only of a process known by its lease.
    d.allPartitions = f.boolean("all_partitions", d.fromLease);
    d.leaseMs = f.i64("lease_seconds") * 1000;
    d.leaseLeftMs = f.i64("lease_left_ms");
    if (!d.rateKnown())
        d.deliveriesPerSecond = 0; // null: unknown (see DaemonStatus::rateKnown)
    return f.done(d);
}

QJsonObject encode(const ApiToken &t)
{
    QJsonObject o{{QStringLiteral("name"), t.name},
                  {QStringLiteral("role"), roleName(t.role)},
                  {QStringLiteral("created_at"), isoTime(t.createdAt)},
                  {QStringLiteral("created_by"), t.createdBy}};
    if (!t.nodeId.isEmpty())
        o.insert(QStringLiteral("node"), t.nodeId);
    return o;
}

template <>
Result<ApiToken> decode<ApiToken>(const QJsonValue &value)
{
    Fields f(value);
    ApiToken t;
    t.name = f.str("name");
    const QString role = f.str("role");
    const auto r = roleFromName(role);
    if (!r)
        f.failWith("role", QStringLiteral("field \"role\" must be viewer, operator, admin or node, not \"%1\"").arg(role));
    t.role = r.value_or(Role::Viewer);
    t.nodeId = f.str("node");
    t.createdAt = f.time("created_at");
    t.createdBy = f.str("created_by");
    return f.done(t);
}

QJsonObject encode(const CreatedToken &t)
{
    QJsonObject o = encode(t.token);
    o.insert(QStringLiteral("token"), t.secret);
    return o;
}

template <>
Result<CreatedToken> decode<CreatedToken>(const QJsonValue &value)
{
    auto token = decode<ApiToken>(value);
    if (!token)
        return token.error();
    Fields f(value);
    return f.done(CreatedToken{token.value(), f.str("token")});
}

// The live stream.

QJsonObject encode(const Alert &a)
{
    static const char *const severities[] = {"info", "warning", "critical"};
    return {{QStringLiteral("at"), isoTime(a.at)},
            {QStringLiteral("severity"), QLatin1String(severities[int(a.severity)])},
            {QStringLiteral("kind"), a.kind},
            {QStringLiteral("subject"), a.subject},
            {QStringLiteral("message"), a.message},
            {QStringLiteral("code"), a.code},
            {QStringLiteral("id"), a.id},
            {QStringLiteral("last_at"), isoTime(a.lastAt)},
            {QStringLiteral("count"), a.count},
            {QStringLiteral("resolved_at"), isoTime(a.resolvedAt)}};
}

template <>
Result<Alert> decode<Alert>(const QJsonValue &value)
{
    Fields f(value);
    Alert a;
    a.at = f.time("at");
    const QString severity = f.str("severity");
    a.severity = severity == QLatin1String("critical") ? Alert::Severity::Critical
                 : severity == QLatin1String("warning") ? Alert::Severity::Warning
                                                        : Alert::Severity::Info;
    a.kind = f.str("kind");
    a.subject = f.str("subject");
    a.message = f.str("message");
    a.code = f.str("code");
    a.id = f.i64("id");
    a.lastAt = f.time("last_at");
    a.count = f.i32("count", 1);
    a.resolvedAt = f.time("resolved_at");
    return f.done(a);
}

QJsonObject encode(const EngineSnapshot &s)
{
    return {{QStringLiteral("at"), isoTime(s.at)},
            {QStringLiteral("cluster"), encode(s.cluster)},
            {QStringLiteral("nodes"), encodeList(s.nodes)},
            {QStringLiteral("sync"), encode(s.sync)},
            {QStringLiteral("health_events"), encodeList(s.healthEvents)},
            {QStringLiteral("alerts"), encodeList(s.alerts)},
            {QStringLiteral("open_alerts"), encodeList(s.openAlerts)},
            {QStringLiteral("max_nodes"), s.maxNodes},
            {QStringLiteral("strategy"), s.strategy},
            {QStringLiteral("demo"), s.demo}};
}

template <>
Result<EngineSnapshot> decode<EngineSnapshot>(const QJsonValue &value)
{
    Fields f(value);
    EngineSnapshot s;
    s.at = f.time("at");
    s.cluster = f.nested<ClusterStats>("cluster");
    s.nodes = f.list<NodeStatus>("nodes");
    s.sync = f.nested<SyncStats>("sync");
    s.healthEvents = f.list<HealthEvent>("health_events");
    s.alerts = f.list<Alert>("alerts");
    s.openAlerts = f.list<Alert>("open_alerts");
    s.maxNodes = f.i32("max_nodes");
    s.strategy = f.str("strategy");
    s.demo = f.boolean("demo");
    return f.done(s);
}

QJsonObject encode(const SessionInfo &i)
{
    return {{QStringLiteral("actor"), i.actor}, {QStringLiteral("role"), roleName(i.role)}, {QStringLiteral("demo"), i.demo}};
}

template <>
Result<SessionInfo> decode<SessionInfo>(const QJsonValue &value)
{
    Fields f(value);
    SessionInfo i;
    i.actor = f.str("actor");
    i.role = roleFromName(f.str("role")).value_or(Role::Viewer);
    i.demo = f.boolean("demo");
    return f.done(i);
}

QJsonObject encode(const LogEntry &e)
{
    QJsonObject o{{QStringLiteral("source"), e.source},   {QStringLiteral("id"), e.id},
                  {QStringLiteral("time"), isoTime(e.at)},  {QStringLiteral("level"), e.level},
                  {QStringLiteral("component"), e.component}, {QStringLiteral("kind"), e.kind},
                  {QStringLiteral("message"), e.message}};
    if (!e.node.isEmpty())
        o.insert(QStringLiteral("node"), e.node);
    if (!e.target.isEmpty())
        o.insert(QStringLiteral("target"), e.target);
    if (!e.fields.isEmpty())
        o.insert(QStringLiteral("fields"), e.fields);
    return o;
}

template <>
Result<LogEntry> decode<LogEntry>(const QJsonValue &value)
{
    Fields f(value);
    LogEntry e;
    e.source = f.str("source");
    e.id = f.i64("id");
    e.at = f.time("time");
    e.level = f.str("level");
    e.component = f.str("component");
    e.kind = f.str("kind");
    e.node = f.str("node");
    e.target = f.str("target");
    e.message = f.str("message");
    e.fields = f.object("fields");
    return f.done(e);
}

QJsonObject encode(const SloReport &r)
{
    QJsonArray figures;
    for (const SloFigure &f : r.figures)
        figures.append(
            QJsonObject{{QStringLiteral("key"), f.key},
                        {QStringLiteral("measured"),
                         f.measuredAny ? QJsonValue(f.measured) : QJsonValue(QJsonValue::Null)},
                        {QStringLiteral("target"), f.target},
                        {QStringLiteral("unit"), f.unit},
                        {QStringLiteral("higher_is_better"), f.higherIsBetter},
                        {QStringLiteral("window_s"), f.windowMs / 1000},
                        {QStringLiteral("observed_s"), f.observedMs / 1000},
                        {QStringLiteral("met"), f.met},
                        {QStringLiteral("samples"), f.samples}});
    QJsonArray nodes;
    for (const NodeAvailability &n : r.nodes)
        nodes.append(QJsonObject{{QStringLiteral("node"), n.node},
                                 {QStringLiteral("availability_1h"), n.hour},
                                 {QStringLiteral("availability_24h"), n.day},
                                 {QStringLiteral("availability_30d"), n.month},
                                 {QStringLiteral("observed_24h_s"), n.dayObservedMs / 1000}});
    return {{QStringLiteral("at"), isoTime(r.at)}, {QStringLiteral("figures"), figures}, {QStringLiteral("nodes"), nodes}};
}

template <>
Result<SloReport> decode<SloReport>(const QJsonValue &value)
{
    Fields f(value);
    SloReport r;
    r.at = f.time("at");
    for (const QJsonValue &v : f.array("figures")) {
        Fields g(v);
        SloFigure fig;
        fig.key = g.str("key");
        const double measured = g.num("measured");
        fig.measuredAny = !std::isnan(measured);
        fig.measured = fig.measuredAny ? measured : 0;
        fig.target = g.num("target");
        fig.unit = g.str("unit");
        fig.higherIsBetter = g.boolean("higher_is_better", true);
        fig.windowMs = g.i64("window_s") * 1000;
        // An engine from before observed_s: its figures were read as over the whole window.
        fig.observedMs = g.i64("observed_s", fig.windowMs / 1000) * 1000;
        fig.met = g.boolean("met");
        fig.samples = g.i64("samples");
        if (auto checked = g.done(0); !checked)
            return checked.error();
        r.figures << fig;
    }
    for (const QJsonValue &v : f.array("nodes")) {
        Fields g(v);
        r.nodes << NodeAvailability{g.str("node"), g.num("availability_1h", 100),
                                    g.num("availability_24h", 100), g.num("availability_30d", 100),
                                    g.i64("observed_24h_s") * 1000};
    }
    return f.done(r);
}

// Audit chain and backups.

QJsonObject encode(const AuditVerification &v)
{
    return {{QStringLiteral("ok"), v.ok},
            {QStringLiteral("rows"), v.rows},
            {QStringLiteral("first_bad_id"), v.firstBadId},
            {QStringLiteral("problem"), v.problem},
            {QStringLiteral("head_hash"), v.headHash}};
}

template <>
Result<AuditVerification> decode<AuditVerification>(const QJsonValue &value)
{
    Fields f(value);
    AuditVerification v;
    v.ok = f.boolean("ok");
    v.rows = f.i64("rows");
    v.firstBadId = f.i64("first_bad_id");
    v.problem = f.str("problem");
    v.headHash = f.str("head_hash");
    return f.done(v);
}

QJsonObject encode(const BackupInfo &b)
{
    return {{QStringLiteral("created_at"), isoTime(b.createdAt)},
            {QStringLiteral("store_bytes"), b.storeBytes},
            {QStringLiteral("file_bytes"), b.fileBytes}};
}

template <>
Result<BackupInfo> decode<BackupInfo>(const QJsonValue &value)
{
    Fields f(value);
    BackupInfo b;
    b.createdAt = f.time("created_at");
    b.storeBytes = f.i64("store_bytes");
    b.fileBytes = f.i64("file_bytes");
    return f.done(b);
}

} // namespace jobfirst::codec
