// SPDX-License-Identifier: GPL-3.0-or-later
#include "nodesimulator.h"

#include "sync/recorddigest.h"
#include "sync/webhooksignature.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>

namespace jobfirst::sim {

namespace {

QByteArray json(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

QByteArray errorBody(const QString &message) { return json({{QStringLiteral("error"), message}}); }

// A value as it was sent (JSON text, cut short), for an error that names it.
QString shown(const QJsonValue &value)
{
    const QByteArray text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    const QString inner = QString::fromUtf8(text.mid(1, text.size() - 2));
    return inner.size() > 60 ? inner.left(60) + QStringLiteral("…") : inner;
}

jobfirst::Error badValue(const QString &key, const QJsonValue &value, const QString &expected)
{
    return {QStringLiteral("control.invalid"),
            QStringLiteral("\"%1\": %2 is not %3").arg(key, shown(value), expected), key};
}

// A whole number from lo to hi at `key`, when the body has it.
jobfirst::Status readWhole(const QJsonObject &o, const QString &key, int lo, int hi, int *out)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return {};
    // Compared as a double first: casting 1e300 to int is undefined.
    const double d = v.toDouble();
    if (!v.isDouble() || d != std::trunc(d) || d < lo || d > hi)
        return badValue(key, v, QStringLiteral("a whole number from %1 to %2").arg(lo).arg(hi));
    *out = int(d);
    return {};
}

// An HTTP status (100-599) at `key`; with `zeroBehaves`, 0 too ("answer as usual").
jobfirst::Status readStatus(const QJsonObject &o, const QString &key, bool zeroBehaves, int *out)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return {};
    const double d = v.toDouble();
    if (!v.isDouble() || d != std::trunc(d) || d > 599 || (d < 100 && !(zeroBehaves && d == 0)))
        return badValue(key, v,
                        zeroBehaves ? QStringLiteral("an HTTP status (100-599, or 0 to behave)")
                                    : QStringLiteral("an HTTP status (100-599)"));
    *out = int(d);
    return {};
}

jobfirst::Status readFraction(const QJsonObject &o, const QString &key, double *out)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return {};
    if (!v.isDouble() || !(v.toDouble() >= 0 && v.toDouble() <= 1))
        return badValue(key, v, QStringLiteral("a fraction from 0 to 1"));
    *out = v.toDouble();
    return {};
}

jobfirst::Status readFlag(const QJsonObject &o, const QString &key, bool *out)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return {};
    if (!v.isBool())
        return badValue(key, v, QStringLiteral("true or false"));
    *out = v.toBool();
    return {};
}

// A mistyped key would otherwise change nothing, and the fault asked for would not be there.
jobfirst::Status refuseUnknownKeys(const QJsonObject &o)
{
    QStringList known = Faults{}.toJson().keys();
    known << QStringLiteral("reset");
    QStringList unknown, named;
    for (const QString &key : o.keys()) {
        if (!known.contains(key)) {
            unknown << key;
            named << shown(key);
        }
    }
    if (unknown.isEmpty())
        return {};
    known.sort();
    return jobfirst::Error{QStringLiteral("control.unknown_key"),
                           QStringLiteral("unknown key%1 %2 (known: %3)")
                               .arg(unknown.size() > 1 ? QStringLiteral("s") : QString(),
                                    named.join(QStringLiteral(", ")),
                                    known.join(QStringLiteral(", "))),
                           unknown.join(QStringLiteral(", "))};
}

} // namespace

QJsonObject Faults::toJson() const
{
    return {{QStringLiteral("latency_ms"), latencyMs},
            {QStringLiteral("status"), status},
            {QStringLiteral("error_rate"), errorRate},
            {QStringLiteral("error_status"), errorStatus},
            {QStringLiteral("retry_after"), retryAfter},
            {QStringLiteral("hang"), hang},
            {QStringLiteral("drop"), drop},
            {QStringLiteral("body_bytes"), bodyBytes},
            {QStringLiteral("trickle_ms"), trickleMs}};
}

jobfirst::Result<Faults> Faults::fromJson(const QJsonObject &o, const Faults &base)
{
    if (jobfirst::Status known = refuseUnknownKeys(o); !known)
        return known.error();
    bool reset = false;
    if (jobfirst::Status s = readFlag(o, QStringLiteral("reset"), &reset); !s)
        return s.error();
    Faults f = reset ? Faults{} : base;
    // In the order of toJson(); the first key that is wrong is the one named.
    const jobfirst::Status read[] = {
        readWhole(o, QStringLiteral("latency_ms"), 0, MaxLatencyMs, &f.latencyMs),
        readStatus(o, QStringLiteral("status"), true, &f.status),
        readFraction(o, QStringLiteral("error_rate"), &f.errorRate),
        readStatus(o, QStringLiteral("error_status"), false, &f.errorStatus),
        readWhole(o, QStringLiteral("retry_after"), 0, MaxRetryAfter, &f.retryAfter),
        readFlag(o, QStringLiteral("hang"), &f.hang),
        readFlag(o, QStringLiteral("drop"), &f.drop),
        readWhole(o, QStringLiteral("body_bytes"), 0, MaxBodyBytes, &f.bodyBytes),
        readWhole(o, QStringLiteral("trickle_ms"), 0, MaxTrickleMs, &f.trickleMs),
    };
    for (const jobfirst::Status &s : read)
        if (!s)
            return s.error();
    return f;
}

NodeSimulator::NodeSimulator(QString id, QString secret, QObject *parent)
    : QObject(parent), m_id(std::move(id)), m_secret(std::move(secret)),
      m_server(new HttpServer([this](const HttpRequest &r, std::shared_ptr<HttpResponder> w) { handle(r, std::move(w)); }, this))
{
}

bool NodeSimulator::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

bool NodeSimulator::authorized(const HttpRequest &request, const QByteArray &token) const
{
    if (token.isEmpty())
        return true;
    const QByteArray given = request.headers.value("authorization");
    const QByteArray expected = "Bearer " + token;
    // Constant time: how much of a guess was right must not show in the timing.
    if (given.size() != expected.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given.at(i) ^ expected.at(i));
    return diff == 0;
}

// Standard Webhooks checks; "" when the request is signed with the secret. A GET (digest)
// signs its request target ("GET /path?query") in place of a body.
QString NodeSimulator::checkSignature(const HttpRequest &request, const QByteArray &body) const
{
    const QByteArray id = request.headers.value("webhook-id");
    const QByteArray ts = request.headers.value("webhook-timestamp");
    const QByteArray sig = request.headers.value("webhook-signature");
    bool tsOk = false;
    const qint64 timestamp = ts.toLongLong(&tsOk);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (id.isEmpty() || !tsOk || sig.isEmpty())
        return QStringLiteral("missing webhook-id, webhook-timestamp or webhook-signature");
    if (std::llabs(now - timestamp) > 300)
        return QStringLiteral("webhook-timestamp is more than 5 minutes off");
    if (!jobfirst::WebhookSignature::verify(m_secret, id, timestamp, body, sig))
        return QStringLiteral("bad signature");
    return {};
}

void NodeSimulator::handle(const HttpRequest &request, std::shared_ptr<HttpResponder> responder)
{
    const bool admin = request.path == "/control" || request.path == "/stats" ||
                       request.path.startsWith("/records/");
    if (!authorized(request, admin ? m_controlToken : m_token)) {
        ++m_rejected;
        responder->respond(401,
                           errorBody(admin ? QStringLiteral("this endpoint needs the control token")
                                           : QStringLiteral("missing or wrong bearer token")),
                           "application/json", {{"WWW-Authenticate", "Bearer"}});
        return;
    }
    // Admin endpoints ignore faults so tests can always switch them back.
    if (request.path == "/control") {
        serveControl(request, responder);
        return;
    }
    if (request.path == "/stats") {
        responder->respond(200, json({{QStringLiteral("id"), m_id},
                                      {QStringLiteral("received"), m_requests},
                                      {QStringLiteral("applied"), m_applied},
                                      {QStringLiteral("duplicates"), m_duplicates},
                                      {QStringLiteral("rejected"), m_rejected},
                                      {QStringLiteral("records"), m_records.size()},
                                      {QStringLiteral("health_checks"), m_healthChecks},
                                      {QStringLiteral("out_of_order"), m_outOfOrder}}));
        return;
    }
    if (request.path.startsWith("/records/")) {
        const QString user = QString::fromUtf8(QByteArray::fromPercentEncoding(request.path.mid(9)));
        if (request.method == "DELETE") {
            const bool had = m_records.remove(user) > 0;
            responder->respond(had ? 200 : 404, json({{QStringLiteral("removed"), had}}));
        } else {
            responder->respond(m_records.contains(user) ? 200 : 404,
                               json({{QStringLiteral("user_id"), user}, {QStringLiteral("version"), m_records.value(user, 0)}}));
        }
        return;
    }

    const Faults f = m_faults;
    if (f.hang)
        return; // the responder is dropped unanswered: the client sees a timeout
    if (f.drop) {
        responder->drop();
        return;
    }
    int status = f.status;
    if (!status && f.errorRate > 0 && std::uniform_real_distribution<double>(0, 1)(m_random) < f.errorRate)
        status = f.errorStatus;
    auto answer = [this, request, responder, status, f] {
        if (f.bodyBytes > 0 || f.trickleMs > 0) {
            // A big or slow answer (the status still says what happened).
            ++m_requests;
            QByteArray body = errorBody(QStringLiteral("padded answer"));
            if (body.size() < f.bodyBytes)
                body.append(QByteArray(f.bodyBytes - body.size(), ' '));
            if (f.trickleMs > 0)
                responder->respondTrickle(status ? status : 200, body, f.trickleMs);
            else
                responder->respond(status ? status : 200, body);
            return;
        }
        if (status) {
            QList<std::pair<QByteArray, QByteArray>> headers;
            if (f.retryAfter > 0 && (status == 429 || status == 503))
                headers.append({"Retry-After", QByteArray::number(f.retryAfter)});
            ++m_requests;
            responder->respond(status, errorBody(QStringLiteral("injected fault: status %1").arg(status)),
                               "application/json", headers);
            return;
        }
        serve(request, responder);
    };
    if (f.latencyMs > 0)
        QTimer::singleShot(f.latencyMs, this, answer);
    else
        answer();
}

// GET: the faults; POST: sets the keys given, all of them or (400, naming the key) none.
void NodeSimulator::serveControl(const HttpRequest &request,
                                 const std::shared_ptr<HttpResponder> &responder)
{
    if (request.method == "POST") {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            responder->respond(400,
                               errorBody(QStringLiteral("control body must be a JSON object")));
            return;
        }
        const auto faults = Faults::fromJson(doc.object(), m_faults);
        if (!faults) {
            responder->respond(400, json({{QStringLiteral("error"), faults.error().message},
                                          {QStringLiteral("key"), faults.error().field}}));
            return;
        }
        m_faults = faults.value();
    }
    responder->respond(200, json(m_faults.toJson()));
}

void NodeSimulator::serve(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder)
{
    if (request.path == "/health") {
        ++m_healthChecks;
        responder->respond(200, json({{QStringLiteral("status"), QStringLiteral("ok")}, {QStringLiteral("node"), m_id}}));
        return;
    }
    ++m_requests;
    if (request.method == "GET" && request.path.endsWith("/digest")) {
        // Digests say who holds what: they are signed like deliveries, over the request target.
        if (!m_secret.isEmpty()) {
            const QByteArray target =
                request.method + ' ' + request.path +
                (request.query.isEmpty() ? QByteArray() : '?' + request.query);
            if (const QString why = checkSignature(request, target); !why.isEmpty()) {
                ++m_rejected;
                responder->respond(401, errorBody(why));
                return;
            }
        }
        serveDigest(request, responder);
        return;
    }
    if (request.method == "POST") {
        applySync(request, responder);
        return;
    }
    responder->respond(200, json({{QStringLiteral("node"), m_id}, {QStringLiteral("path"), QString::fromUtf8(request.path)}}));
}

void NodeSimulator::applySync(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder)
{
    if (!m_secret.isEmpty()) {
        if (const QString why = checkSignature(request, request.body); !why.isEmpty()) {
            ++m_rejected;
            responder->respond(401, errorBody(why));
            return;
        }
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        responder->respond(400, errorBody(QStringLiteral("body is not a JSON object")));
        return;
    }
    const QJsonObject root = doc.object();
    const QJsonArray events = root.contains(QStringLiteral("events")) ? root.value(QStringLiteral("events")).toArray()
                                                                     : QJsonArray{root};
    int applied = 0, duplicates = 0;
    for (const QJsonValue &v : events) {
        const QJsonObject e = v.toObject();
        const QString id = e.value(QStringLiteral("id")).toString();
        const QString user = e.value(QStringLiteral("user_id")).toString();
        const qint64 version = e.value(QStringLiteral("version")).toInteger();
        if (id.isEmpty() || user.isEmpty()) {
            responder->respond(400, errorBody(QStringLiteral("an event lacks id or user_id")));
            return;
        }
        if (m_seen.contains(id)) {
            ++duplicates;
            continue;
        }
        m_seen.insert(id);
        qint64 &held = m_records[user];
        if (version < held)
            ++m_outOfOrder; // an older version after a newer one: ordering per user broke
        held = std::max(held, version);
        ++applied;
    }
    m_applied += applied;
    m_duplicates += duplicates;
    responder->respond(200, json({{QStringLiteral("applied"), applied}, {QStringLiteral("duplicates"), duplicates}}));
}

void NodeSimulator::serveDigest(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder)
{
    const QUrlQuery query(QString::fromUtf8(request.query));
    const int buckets = query.queryItemValue(QStringLiteral("buckets")).toInt();
    if (buckets < 1 || buckets > 1 << 20) {
        responder->respond(400, errorBody(QStringLiteral("buckets must be 1..1048576")));
        return;
    }
    if (query.hasQueryItem(QStringLiteral("bucket"))) {
        const int bucket = query.queryItemValue(QStringLiteral("bucket")).toInt();
        QJsonObject records;
        for (auto it = m_records.cbegin(); it != m_records.cend(); ++it)
            if (jobfirst::RecordDigest::bucketOf(it.key(), buckets) == bucket)
                records.insert(it.key(), it.value());
        responder->respond(200, json({{QStringLiteral("bucket"), bucket}, {QStringLiteral("records"), records}}));
        return;
    }
    std::vector<std::uint64_t> hashes(std::size_t(buckets), 0);
    std::vector<qint64> counts(std::size_t(buckets), 0);
    for (auto it = m_records.cbegin(); it != m_records.cend(); ++it) {
        const int b = jobfirst::RecordDigest::bucketOf(it.key(), buckets);
        hashes[std::size_t(b)] ^= jobfirst::RecordDigest::entryHash(it.key(), it.value());
        ++counts[std::size_t(b)];
    }
    QJsonArray digest;
    for (int b = 0; b < buckets; ++b)
        digest.append(QJsonArray{counts[std::size_t(b)], QString::number(hashes[std::size_t(b)], 16)});
    responder->respond(200, json({{QStringLiteral("buckets"), buckets}, {QStringLiteral("digest"), digest}}));
}

} // namespace jobfirst::sim
