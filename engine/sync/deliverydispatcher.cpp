// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliverydispatcher.h"

#include "core/bulkwork.h"
#include "core/secrets.h"
#include "sync/webhooksignature.h"

#include <QDateTime>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <future>

namespace jobfirst {

namespace {

/// Appends `bytes` to `out`, whose room was reserved: QByteArray::append is an insert at the
/// end, which checks for overlap and growth on each of a request's dozen or so pieces.
void put(QByteArray &out, QByteArrayView bytes)
{
    const qsizetype at = out.size();
    out.resize(at + bytes.size());
    std::memcpy(out.data() + at, bytes.data(), std::size_t(bytes.size()));
}

void appendNumber(QByteArray &out, qint64 n)
{
    char digits[24];
    put(out, QByteArrayView(digits, std::to_chars(digits, digits + sizeof digits, n).ptr));
}

/// The stored event with its version (the outbox sequence) first in the object.
void appendWithVersion(QByteArray &body, qint64 version, const QByteArray &payload)
{
    put(body, "{\"version\":");
    appendNumber(body, version);
    if (payload.size() > 2) { // "{}" has no member to follow
        put(body, ",");
        put(body, QByteArrayView(payload.constData() + 1, payload.size() - 1));
    } else {
        put(body, "}");
    }
}

/// "Name: value" in one allocation (concatenating took two or three per header).
QByteArray header(QByteArrayView name, QByteArrayView value)
{
    QByteArray h;
    h.reserve(name.size() + value.size());
    h.append(name).append(value);
    return h;
}

/// The request's body: one event with its version first, or {"events": [...]}.
void appendBody(QByteArray &body, const DeliveryFlight &f)
{
    qsizetype size = 16;
    for (const auto &e : f.events)
        size += e.second.size() + 24;
    body.reserve(size);
    if (f.single && f.events.size() == 1) {
        appendWithVersion(body, f.events.front().first, f.events.front().second);
    } else {
        put(body, "{\"events\":[");
        for (std::size_t i = 0; i < f.events.size(); ++i) {
            if (i)
                put(body, ",");
            appendWithVersion(body, f.events[i].first, f.events[i].second);
        }
        put(body, "]}");
    }
}

/// The webhook-id: one event's request carries its id; a batch is named by its first row and
/// size.
void appendWebhookId(QByteArray &out, const DeliveryFlight &f)
{
    if (f.single) {
        const QString &id = f.rows.front().eventId;
        // Event ids are ASCII but for a caller's own: those bytes go as they are, without a
        // converted copy.
        const bool ascii =
            std::all_of(id.cbegin(), id.cend(), [](QChar c) { return c.unicode() < 0x80; });
        if (!ascii) {
            out += id.toUtf8();
            return;
        }
        const qsizetype at = out.size();
        out.resize(at + id.size());
        std::transform(id.cbegin(), id.cend(), out.data() + at,
                       [](QChar c) { return char(c.unicode()); });
        return;
    }
    out += "batch_";
    appendNumber(out, f.rows.front().id);
    out += '_';
    appendNumber(out, f.eventCount());
}

/// libcurl sends requests through a proxy when one of these is set (it reads no upper-case
/// HTTP_PROXY for http): such requests stay with libcurl.
bool proxySet()
{
    for (const char *name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
        const char *value = std::getenv(name);
        if (value && *value)
            return true;
    }
    return false;
}

bool plainSwitchedOff()
{
    const char *value = std::getenv("JOBFIRST_DELIVERY_HTTP");
    return value && QByteArray(value) == "curl";
}

} // namespace

DeliveryDispatcher::DeliveryDispatcher(std::function<void()> finished)
    : m_finishedCallback(std::move(finished)), m_plainAllowed(!proxySet() && !plainSwitchedOff())
{
    std::promise<void> started;
    auto ready = started.get_future();
    m_thread = std::thread([this, &started] {
        beginBulkWorkThread("jf-dispatch");
        HttpDeliveryClient http;
        PlainHttpClient plain;
        {
            std::lock_guard lock(m_mutex);
            m_http = &http;
            m_plain = &plain;
        }
        started.set_value();
        run();
        std::lock_guard lock(m_mutex);
        m_http = nullptr;
        m_plain = nullptr;
    });
    ready.wait();
}

DeliveryDispatcher::~DeliveryDispatcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (m_plain)
            m_plain->wake(); // libcurl's wait watches it too
    }
    m_thread.join();
}

void DeliveryDispatcher::send(std::vector<Job> &&jobs)
{
    if (jobs.empty())
        return;
    m_load += int(jobs.size());
    std::lock_guard lock(m_mutex);
    // Jobs already waiting mean a wake-up is on its way (the thread takes them all at once):
    // one wake per batch of jobs, not one per send.
    const bool waiting = !m_incoming.empty();
    if (!waiting)
        m_incoming = std::move(jobs);
    else
        std::move(jobs.begin(), jobs.end(), std::back_inserter(m_incoming));
    jobs.clear();
    // One wake-up descriptor per dispatcher, the plain client's: libcurl's wait watches it
    // too (waitForResults), so a batch of work costs one wake, not one per client.
    if (m_plain && !waiting)
        m_plain->wake();
}

void DeliveryDispatcher::takeFinished(Finished &out)
{
    std::lock_guard lock(m_mutex);
    m_load -= int(m_finished.size());
    if (out.empty())
        out.swap(m_finished);
    else
        std::move(m_finished.begin(), m_finished.end(), std::back_inserter(out));
    m_finished.clear();
}

HttpPost DeliveryDispatcher::buildPost(const Job &job, std::uint64_t tag, qint64 nowSeconds)
{
    const DeliveryFlight &f = job.flight;
    HttpPost post;
    post.tag = tag;
    post.url = job.url;
    post.timeoutMs = job.timeoutMs;
    post.security = job.security;
    appendBody(post.body, f);
    QByteArray id;
    appendWebhookId(id, f);
    char stamp[24];
    const QByteArrayView timestamp(stamp,
                                   std::to_chars(stamp, stamp + sizeof stamp, nowSeconds).ptr);
    post.headers.reserve(3);
    post.headers << header("webhook-id: ", id) << header("webhook-timestamp: ", timestamp);
    if (!job.signingKey.isEmpty())
        post.headers << header(
            "webhook-signature: ",
            WebhookSignature::signWithKey(job.signingKey, id, nowSeconds, post.body));
    return post;
}

bool DeliveryDispatcher::sendsPlain(const QByteArray &url, const HttpSecurity *security) const
{
    PlainHttpClient::Endpoint e;
    return m_plainAllowed && !security && PlainHttpClient::endpoint(url, e);
}

bool DeliveryDispatcher::submitPlain(const Job &job, std::uint64_t tag, qint64 nowSeconds)
{
    if (!m_plainAllowed || job.security)
        return false;
    auto known = m_endpoints.constFind(job.url);
    if (known == m_endpoints.cend()) {
        auto e = std::make_shared<PlainHttpClient::Endpoint>();
        if (!PlainHttpClient::endpoint(job.url, *e))
            e.reset();
        if (m_endpoints.size() > 10000)
            m_endpoints.clear(); // targets come and go: the cache cannot grow without end
        known = m_endpoints.insert(job.url, std::move(e));
    }
    const PlainHttpClient::Endpoint *e = known->get();
    if (!e)
        return false;
    const DeliveryFlight &f = job.flight;
    PlainHttpClient::Request r;
    r.tag = tag;
    r.address = e->address;
    r.addressLength = e->addressLength;
    HttpPost limits; // the same limits as libcurl's path
    limits.timeoutMs = job.timeoutMs;
    r.timeoutMs = limits.timeoutMs;
    r.connectTimeoutMs = std::min(limits.timeoutMs, 10000L); // as libcurl's connect timeout
    r.lowSpeedSeconds = HttpDeliveryClient::lowSpeedSeconds(limits);
    r.maxBody = limits.maxBody;
    r.maxResponseBytes = limits.maxResponseBytes;
    appendBody(r.body, f);
    // The same request libcurl sends (buildPost()'s headers, in its order, Content-Length
    // last), written into one buffer: the id, the timestamp and the signature go straight in,
    // not through a list of headers made first (an allocation each).
    QByteArray &head = r.head;
    const qsizetype idRoom = f.single ? 3 * f.rows.front().eventId.size() : 48;
    head.reserve(256 + e->target.size() + e->hostHeader.size() + idRoom);
    put(head, "POST ");
    put(head, e->target);
    put(head, " HTTP/1.1\r\nHost: ");
    put(head, e->hostHeader);
    put(head, "\r\nUser-Agent: jobfirst-sync/" JOBFIRST_VERSION
              "\r\nAccept: */*\r\nContent-Type: application/json\r\nwebhook-id: ");
    const qsizetype idAt = head.size();
    appendWebhookId(head, f);
    const qsizetype idSize = head.size() - idAt;
    if (QByteArrayView(head.constData() + idAt, idSize).contains('\r') ||
        QByteArrayView(head.constData() + idAt, idSize).contains('\n'))
        return false; // libcurl's path refuses it before anything is sent, and says why
    put(head, "\r\nwebhook-timestamp: ");
    appendNumber(head, nowSeconds);
    if (!job.signingKey.isEmpty()) {
        put(head, "\r\nwebhook-signature: ");
        // The id is signed where it stands in the head (taken after the appends above, which
        // may have moved the head).
        WebhookSignature::appendSignature(head, job.signingKey,
                                          QByteArrayView(head.constData() + idAt, idSize),
                                          nowSeconds, r.body);
    }
    put(head, "\r\nContent-Length: ");
    appendNumber(head, r.body.size());
    put(head, "\r\n\r\n");
    m_plain->submit(std::move(r));
    return true;
}

void DeliveryDispatcher::waitForResults(bool idle, std::vector<HttpResult> &results)
{
    HttpDeliveryClient &http = *m_http;
    PlainHttpClient &plain = *m_plain;
    const int timeoutMs = idle ? 200 : 50;
    std::vector<HttpResult> fromPlain;
    if (http.inFlight() > 0) {
        // libcurl waits, and wakes for the plain client's sockets, deadlines and wake-ups
        // (send() wakes only the plain client).
        const bool both = plain.inFlight() > 0;
        const int plainWait = both ? plain.waitMs() : -1;
        const bool plainReadable = http.poll(
            plainWait >= 0 ? std::min(plainWait, timeoutMs) : timeoutMs, results, plain.fd());
        if (both || plainReadable)
            plain.poll(0, fromPlain); // also takes the wake-up, so the next wait waits
    } else {
        // Also the idle wait: send() and the destructor wake the plain client.
        plain.poll(timeoutMs, fromPlain);
    }
    // What is kept of a failed answer (attempt logs, dead letters, alerts) holds no secret: a
    // receiver may echo the request back. libcurl's path masks its own results.
    for (HttpResult &r : fromPlain) {
        if (r.status < 200 || r.status > 299) {
            if (!r.bodyHead.isEmpty())
                r.bodyHead = maskSecretsInText(QString::fromUtf8(r.bodyHead)).toUtf8();
            if (!r.error.isEmpty())
                r.error = maskSecretsInText(QString::fromUtf8(r.error)).toUtf8();
        }
        results.push_back(std::move(r));
    }
}

void DeliveryDispatcher::run()
{
    HttpDeliveryClient &http = *m_http;
    std::unordered_map<std::uint64_t, DeliveryFlight> flights;
    std::uint64_t nextTag = 1;
    std::vector<Job> jobs;
    std::vector<HttpResult> results;
    Finished finished;
    while (true) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return; // what is in flight stays pending in the store and is sent again
            jobs.swap(m_incoming);
        }
        const qint64 seconds = QDateTime::currentSecsSinceEpoch();
        for (Job &job : jobs) {
            const std::uint64_t tag = nextTag++;
            if (!submitPlain(job, tag, seconds))
                http.submit(buildPost(job, tag, seconds));
            flights.emplace(tag, std::move(job.flight));
        }
        jobs.clear();
        results.clear();
        waitForResults(flights.empty(), results);
        if (results.empty())
            continue;
        for (HttpResult &r : results) {
            auto it = flights.find(r.tag);
            if (it == flights.end())
                continue;
            finished.emplace_back(std::move(it->second), std::move(r));
            flights.erase(it);
        }
        {
            std::lock_guard lock(m_mutex);
            if (m_finished.empty())
                m_finished.swap(finished);
            else
                std::move(finished.begin(), finished.end(), std::back_inserter(m_finished));
        }
        finished.clear();
        if (m_finishedCallback)
            m_finishedCallback();
    }
}

} // namespace jobfirst
