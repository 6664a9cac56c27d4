// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/httpdeliveryclient.h"

#include "core/secrets.h"

#include <curl/curl.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QUrl>

#include <mutex>

namespace jobfirst {

struct HttpDeliveryClient::Transfer
{
    CURL *easy = nullptr;
    curl_slist *headers = nullptr;
    HttpPost post;
    HttpResult result;
    QElapsedTimer clock;
    bool secured = false; ///< TLS or auth options are set: reset the handle before reusing it
    char errorBuffer[CURL_ERROR_SIZE] = {};
};

namespace {

std::once_flag s_curlInit;

// A peer that trickles one byte a second cannot hold a worker for the whole timeout.
constexpr long MinLowSpeedSeconds = 10;

size_t writeBody(char *data, size_t size, size_t n, void *user)
{
    auto *r = static_cast<HttpResult *>(user);
    const qsizetype bytes = qsizetype(size * n);
    r->bodyBytes += bytes;
    if (r->maxResponseBytes > 0 && r->bodyBytes > r->maxResponseBytes)
        return 0; // stops reading: the transfer ends with CURLE_WRITE_ERROR
    const qsizetype room = r->maxBody - r->bodyHead.size();
    if (room > 0)
        r->bodyHead.append(data, std::min<qsizetype>(room, bytes));
    return size * n;
}

size_t readHeader(char *data, size_t size, size_t n, void *user)
{
    // Called for every header line of every answer: only Retry-After is of interest, so
    // other lines are passed over without a copy.
    if (size * n <= 12 || (data[0] != 'R' && data[0] != 'r'))
        return size * n;
    auto *r = static_cast<HttpResult *>(user);
    const QByteArray line = QByteArray(data, qsizetype(size * n)).trimmed();
    if (line.size() > 12 && line.left(12).toLower() == "retry-after:") {
        bool ok = false;
        const qint64 seconds = line.mid(12).trimmed().toLongLong(&ok);
        if (ok && seconds >= 0)
            r->retryAfterSeconds = seconds;
    }
    return size * n;
}

bool isSecured(const HttpSecurity *s)
{
    return s && (!s->caFile.isEmpty() || !s->clientCert.isEmpty() || s->insecure ||
                 !s->bearerToken.isEmpty());
}

} // namespace

HttpDeliveryClient::HttpDeliveryClient(long maxConnections)
{
    std::call_once(s_curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, maxConnections);
    // TLS sessions are shared by the pooled handles, so a new connection to a host this
    // client has talked to resumes its session instead of a full handshake. One thread uses
    // the share: no locks needed.
    m_share = curl_share_init();
    curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

HttpDeliveryClient::~HttpDeliveryClient()
{
    for (Transfer *t : m_all) {
        curl_multi_remove_handle(m_multi, t->easy);
        curl_easy_cleanup(t->easy);
        curl_slist_free_all(t->headers);
        delete t;
    }
    curl_multi_cleanup(m_multi);
    curl_share_cleanup(m_share);
}

namespace {

// Options that do not change between requests; set again after curl_easy_reset().
void setConstantOptions(CURL *e, void *transfer, HttpResult *result, char *errorBuffer,
                        CURLSH *share)
{
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, result);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, readHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, result);
    curl_easy_setopt(e, CURLOPT_PRIVATE, transfer);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jobfirst-sync/" JOBFIRST_VERSION);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(e, CURLOPT_SHARE, share);
    // http and https only, also for redirects (which are not followed anyway): a URL from a
    // tampered store cannot make the engine read file://, gopher:// or smtp://.
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

} // namespace

HttpDeliveryClient::Transfer *HttpDeliveryClient::acquire()
{
    if (!m_idle.empty()) {
        Transfer *t = m_idle.back();
        m_idle.pop_back();
        return t;
    }
    auto *t = new Transfer;
    t->easy = curl_easy_init();
    setConstantOptions(t->easy, t, &t->result, t->errorBuffer, m_share);
    m_all.push_back(t);
    return t;
}

QByteArray HttpDeliveryClient::refusal(const HttpPost &post)
{
    // Refused before anything is sent: a header holding CR or LF would inject headers of its
    // own (event ids become webhook-id), and settings that cannot be used say why.
    QByteArray refusal;
    for (const QByteArray &h : std::as_const(post.headers))
        if (h.contains('\r') || h.contains('\n'))
            refusal = "refused to send: the header " +
                      h.left(std::max<qsizetype>(0, h.indexOf(':'))).left(40) + " holds CR or LF";
    if (refusal.isEmpty() && post.security && !post.security->problem.isEmpty())
        refusal = "not sent: " + post.security->problem.toUtf8();
    return refusal;
}

long HttpDeliveryClient::lowSpeedSeconds(const HttpPost &post)
{
    // Short timeouts bound a slow peer already; long ones get a low-speed limit too.
    return post.lowSpeedSeconds >= 0 ? post.lowSpeedSeconds
           : post.timeoutMs > MinLowSpeedSeconds * 1000
               ? std::max(MinLowSpeedSeconds, post.timeoutMs / 3000)
               : 0L;
}

void HttpDeliveryClient::submit(HttpPost post)
{
    const QByteArray refusal = HttpDeliveryClient::refusal(post);
    if (!refusal.isEmpty()) {
        HttpResult r;
        r.tag = post.tag;
        r.maxBody = post.maxBody;
        r.error = refusal;
        m_refused.push_back(std::move(r));
        ++m_inFlight;
        return;
    }
    Transfer *t = acquire();
    t->post = std::move(post);
    const HttpSecurity *security = t->post.security.get();
    const bool secured = isSecured(security);
    if (t->secured) {
        // Another request's CA, client certificate or verification switch must not linger.
        curl_easy_reset(t->easy);
        setConstantOptions(t->easy, t, &t->result, t->errorBuffer, m_share);
    }
    t->secured = secured;
    t->result = HttpResult{};
    t->result.tag = t->post.tag;
    t->result.maxBody = t->post.maxBody;
    t->result.maxResponseBytes = t->post.maxResponseBytes;
    t->errorBuffer[0] = 0;
    curl_slist_free_all(t->headers);
    t->headers = curl_slist_append(nullptr, "Content-Type: application/json");
    t->headers = curl_slist_append(t->headers, "Expect:"); // no 100-continue round trip
    for (const QByteArray &h : t->post.headers)
        t->headers = curl_slist_append(t->headers, h.constData());
    CURL *e = t->easy;
    if (secured) {
        if (!security->bearerToken.isEmpty())
            t->headers = curl_slist_append(
                t->headers, ("Authorization: Bearer " + security->bearerToken).constData());
        if (!security->caFile.isEmpty())
            curl_easy_setopt(e, CURLOPT_CAINFO, security->caFile.constData());
        if (!security->clientCert.isEmpty()) {
            curl_easy_setopt(e, CURLOPT_SSLCERT, security->clientCert.constData());
            curl_easy_setopt(e, CURLOPT_SSLKEY, security->clientKey.constData());
        }
        if (security->insecure) {
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    curl_easy_setopt(e, CURLOPT_URL, t->post.url.constData());
    if (t->post.get) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->post.body.constData());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(t->post.body.size()));
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->post.timeoutMs);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::min(t->post.timeoutMs, 10000L));
    // A Content-Length over the cap is refused before reading; a body without one is cut off
    // in writeBody.
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     curl_off_t(std::max<qint64>(0, t->post.maxResponseBytes)));
    const long lowSpeedSeconds = HttpDeliveryClient::lowSpeedSeconds(t->post);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, lowSpeedSeconds > 0 ? LowSpeedBytesPerSecond : 0L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, lowSpeedSeconds);
    t->clock.start();
    curl_multi_add_handle(m_multi, e);
    ++m_inFlight;
}

void HttpDeliveryClient::warnInsecure(const QByteArray &url)
{
    // Every request without verification is counted; the log says so at most every 10 s per
    // host, with the count, instead of one line per request.
    const QByteArray host = QUrl::fromEncoded(url).host().toUtf8();
    auto &[lastAt, count] = m_insecureLog[host];
    ++count;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - lastAt < 10000)
        return;
    qWarning(
        "jobfirst: %d request(s) to %s sent WITHOUT TLS certificate verification (tls_insecure); "
        "anyone on the path can read and change them",
        count, host.constData());
    lastAt = now;
    count = 0;
}

namespace {

/// What went wrong with a transfer curl ended with `code`, in `r`'s error and flags.
void describeFailure(HttpResult &r, const HttpPost &post, CURLcode code, const char *errorBuffer)
{
    // The error buffer names the certificate problem ("certificate has expired", "unable to get
    // local issuer certificate", "no alternative certificate subject name matches"), where
    // curl_easy_strerror only says "SSL peer certificate …".
    r.error = errorBuffer[0] ? QByteArray(errorBuffer) : QByteArray(curl_easy_strerror(code));
    r.refused = code == CURLE_COULDNT_CONNECT;
    if (code == CURLE_OPERATION_TIMEDOUT) {
        r.timedOut = true;
        if (r.durationMs + 50 < double(post.timeoutMs))
            r.error = "too slow: fewer than " +
                      QByteArray::number(qint64(HttpDeliveryClient::LowSpeedBytesPerSecond)) +
                      " bytes/s (low-speed limit), cut off after " +
                      QByteArray::number(qint64(r.durationMs)) + " ms";
        else
            r.error = "timeout after " + QByteArray::number(qint64(post.timeoutMs)) + " ms";
    } else if ((code == CURLE_WRITE_ERROR && r.bodyBytes > r.maxResponseBytes) ||
               code == CURLE_FILESIZE_EXCEEDED) {
        r.error = "response body larger than " + QByteArray::number(r.maxResponseBytes) +
                  " bytes: stopped reading";
    }
}

/// What is kept of a failed answer (attempt logs, dead letters, alerts) holds no secret: a
/// receiver may echo the request or its token back.
void maskSecrets(HttpResult &r, const HttpPost &post, bool secured)
{
    const QStringList known = secured && !post.security->bearerToken.isEmpty()
                                  ? QStringList{QString::fromUtf8(post.security->bearerToken)}
                                  : QStringList{};
    if (!r.bodyHead.isEmpty())
        r.bodyHead = maskSecretsInText(QString::fromUtf8(r.bodyHead), known).toUtf8();
    if (!r.error.isEmpty())
        r.error = maskSecretsInText(QString::fromUtf8(r.error), known).toUtf8();
}

} // namespace

bool HttpDeliveryClient::poll(int timeoutMs, std::vector<HttpResult> &done, int alsoWaitFor)
{
    if (!m_refused.empty()) {
        reportRefused(done);
        timeoutMs = 0;
    }
    int running = 0;
    curl_multi_perform(m_multi, &running);
    collectFinished(done);
    if (!done.empty())
        return false;
    curl_waitfd extra{};
    extra.fd = alsoWaitFor;
    extra.events = CURL_WAIT_POLLIN;
    curl_multi_poll(m_multi, alsoWaitFor >= 0 ? &extra : nullptr, alsoWaitFor >= 0 ? 1 : 0,
                    timeoutMs, nullptr);
    curl_multi_perform(m_multi, &running);
    collectFinished(done);
    return alsoWaitFor >= 0 && (extra.revents & CURL_WAIT_POLLIN);
}

void HttpDeliveryClient::reportRefused(std::vector<HttpResult> &done)
{
    m_inFlight -= int(m_refused.size());
    for (HttpResult &r : m_refused)
        done.push_back(std::move(r));
    m_refused.clear();
}

void HttpDeliveryClient::collectFinished(std::vector<HttpResult> &done)
{
    int queued = 0;
    while (CURLMsg *msg = curl_multi_info_read(m_multi, &queued)) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        Transfer *t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        finish(*t, msg->data.result);
        curl_multi_remove_handle(m_multi, t->easy);
        done.push_back(std::move(t->result));
        t->post = HttpPost{};
        m_idle.push_back(t);
        --m_inFlight;
    }
}

void HttpDeliveryClient::finish(Transfer &t, int curlCode)
{
    const auto code = CURLcode(curlCode);
    HttpResult &r = t.result;
    r.durationMs = double(t.clock.nsecsElapsed()) / 1e6;
    r.curlCode = curlCode;
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
        r.status = int(status);
    } else {
        describeFailure(r, t.post, code, t.errorBuffer);
    }
    if (t.secured && t.post.security->insecure) {
        r.insecure = true;
        warnInsecure(t.post.url);
    }
    if (r.status < 200 || r.status > 299)
        maskSecrets(r, t.post, t.secured);
}

void HttpDeliveryClient::wake()
{
    curl_multi_wakeup(m_multi);
}

HttpResult HttpDeliveryClient::fetch(HttpPost post)
{
    HttpDeliveryClient client(4);
    client.submit(std::move(post));
    std::vector<HttpResult> done;
    while (done.empty())
        client.poll(100, done);
    return std::move(done.front());
}

} // namespace jobfirst
