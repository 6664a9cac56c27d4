// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/httpdeliveryclient.h"

#include <curl/curl.h>

#include <QElapsedTimer>

#include <mutex>

namespace jobfirst {

struct HttpDeliveryClient::Transfer
{
    CURL *easy = nullptr;
    curl_slist *headers = nullptr;
    HttpPost post;
    HttpResult result;
    QElapsedTimer clock;
};

namespace {

std::once_flag s_curlInit;

size_t writeBody(char *data, size_t size, size_t n, void *user)
{
    auto *r = static_cast<HttpResult *>(user);
    const qsizetype room = r->maxBody - r->bodyHead.size();
    if (room > 0)
        r->bodyHead.append(data, std::min<qsizetype>(room, qsizetype(size * n)));
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

} // namespace

HttpDeliveryClient::HttpDeliveryClient(long maxConnections)
{
    std::call_once(s_curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, maxConnections);
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
}

HttpDeliveryClient::Transfer *HttpDeliveryClient::acquire()
{
    if (!m_idle.empty()) {
        Transfer *t = m_idle.back();
        m_idle.pop_back();
        return t;
    }
    auto *t = new Transfer;
    t->easy = curl_easy_init();
    m_all.push_back(t);
    return t;
}

void HttpDeliveryClient::submit(HttpPost post)
{
    Transfer *t = acquire();
    t->post = std::move(post);
    t->result = HttpResult{};
    t->result.tag = t->post.tag;
    t->result.maxBody = t->post.maxBody;
    curl_slist_free_all(t->headers);
    t->headers = curl_slist_append(nullptr, "Content-Type: application/json");
    t->headers = curl_slist_append(t->headers, "Expect:"); // no 100-continue round trip
    for (const QByteArray &h : t->post.headers)
        t->headers = curl_slist_append(t->headers, h.constData());
    CURL *e = t->easy;
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
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->result);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, readHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->result);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jobfirst-sync/" JOBFIRST_VERSION);
    t->clock.start();
    curl_multi_add_handle(m_multi, e);
    ++m_inFlight;
}

void HttpDeliveryClient::poll(int timeoutMs, std::vector<HttpResult> &done)
{
    int running = 0;
    curl_multi_perform(m_multi, &running);
    int queued = 0;
    bool any = false;
    auto drain = [&] {
        while (CURLMsg *msg = curl_multi_info_read(m_multi, &queued)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            Transfer *t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            const CURLcode code = msg->data.result;
            HttpResult &r = t->result;
            r.durationMs = double(t->clock.nsecsElapsed()) / 1e6;
            r.curlCode = int(code);
            if (code == CURLE_OK) {
                long status = 0;
                curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
                r.status = int(status);
            } else {
                r.error = curl_easy_strerror(code);
                r.timedOut = code == CURLE_OPERATION_TIMEDOUT;
                r.refused = code == CURLE_COULDNT_CONNECT;
                if (r.timedOut)
                    r.error = "timeout after " + QByteArray::number(qint64(t->post.timeoutMs)) + " ms";
            }
            curl_multi_remove_handle(m_multi, t->easy);
            done.push_back(std::move(r));
            t->post = HttpPost{};
            m_idle.push_back(t);
            --m_inFlight;
            any = true;
        }
    };
    drain();
    if (any)
        return;
    curl_multi_poll(m_multi, nullptr, 0, timeoutMs, nullptr);
    curl_multi_perform(m_multi, &running);
    drain();
}

void HttpDeliveryClient::wake()
{
    curl_multi_wakeup(m_multi);
}

} // namespace jobfirst
