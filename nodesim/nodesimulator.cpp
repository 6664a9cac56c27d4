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

Faults Faults::fromJson(const QJsonObject &o, const Faults &base)
{
    Faults f = base;
    f.latencyMs = o.value(QStringLiteral("latency_ms")).toInt(f.latencyMs);
    f.status = o.value(QStringLiteral("status")).toInt(f.status);
    f.errorRate = o.value(QStringLiteral("error_rate")).toDouble(f.errorRate);
    f.errorStatus = o.value(QStringLiteral("error_status")).toInt(f.errorStatus);
    f.retryAfter = o.value(QStringLiteral("retry_after")).toInt(f.retryAfter);
    f.hang = o.value(QStringLiteral("hang")).toBool(f.hang);
    f.drop = o.value(QStringLiteral("drop")).toBool(f.drop);
    f.bodyBytes =
        std::clamp(o.value(QStringLiteral("body_bytes")).toInt(f.bodyBytes), 0, 256 * 1024 * 1024);
    f.trickleMs = std::max(0, o.value(QStringLiteral("trickle_ms")).toInt(f.trickleMs));
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
        if (request.method == "POST") {
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(request.body, &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                responder->respond(400, errorBody(QStringLiteral("control body must be a JSON object")));
                return;
            }
            m_faults = doc.object().value(QStringLiteral("reset")).toBool() ? Faults{} : Faults::fromJson(doc.object(), m_faults);
        }
        responder->respond(200, json(m_faults.toJson()));
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
