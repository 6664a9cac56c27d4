// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/httpsecurity.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <cstdint>
#include <memory>
#include <vector>

typedef void CURLM;
typedef void CURL;
typedef void CURLSH;

namespace jobfirst {

/// One POST to send.
struct HttpPost
{
    std::uint64_t tag = 0; ///< the caller's handle, returned with the result
    QByteArray url;
    QByteArray body;
    QList<QByteArray> headers; ///< "Name: value"; one holding CR or LF is refused, not sent
    long timeoutMs = 30000;
    bool get = false;  ///< GET instead of POST (health checks); body is ignored
    int maxBody = 512; ///< bytes of the response body kept in HttpResult::bodyHead
    /// The most response body read: a peer sending more is cut off (the result is an error).
    qint64 maxResponseBytes = 1024 * 1024;
    /// A transfer slower than 16 bytes/s for this long is cut off; -1: 10 s or a third of the
    /// timeout, whichever is longer, for timeouts over 10 s (shorter ones bound a slow peer
    /// already); 0: no low-speed limit.
    long lowSpeedSeconds = -1;
    /// TLS trust, client certificate and bearer token; null: system CAs, no token.
    std::shared_ptr<const HttpSecurity> security;
};

/// What came back.
struct HttpResult
{
    std::uint64_t tag = 0;
    int status = 0; ///< HTTP status; 0 when no (complete) response arrived
    int curlCode = 0;
    QByteArray error; ///< transport error text ("Connection refused", "SSL certificate problem:
                      ///< …"), empty on a response
    bool timedOut = false;
    bool refused = false;
    bool insecure = false; ///< sent with certificate verification off (tls_insecure)
    double durationMs = 0;
    QByteArray bodyHead; ///< start of the response body (HttpPost::maxBody bytes); secrets masked
                         ///< unless 2xx
    int maxBody = 512;
    qint64 bodyBytes = 0; ///< response body bytes read
    qint64 maxResponseBytes = 0;
    qint64 retryAfterSeconds = -1;
};

/// Many concurrent HTTP/1.1 requests (POST, or GET for health checks) on one thread with libcurl's
/// multi interface: keep-alive connections are reused, easy handles are pooled. Not thread-safe
/// except wake(). Chosen over QNetworkAccessManager for the delivery path: measured here, one
/// libcurl multi handle POSTs about 8x faster, and QNAM opens at most 6 connections per host. Only
/// http and https are spoken (also on redirects, which are not followed); response bodies are
/// capped and a peer trickling bytes is cut off (low-speed limit).
class HttpDeliveryClient final
{
public:
    explicit HttpDeliveryClient(long maxConnections = 512);
    ~HttpDeliveryClient();
    HttpDeliveryClient(const HttpDeliveryClient &) = delete;
    HttpDeliveryClient &operator=(const HttpDeliveryClient &) = delete;

    void submit(HttpPost post);
    /// Waits up to timeoutMs for activity (or wake(), or `alsoWaitFor` readable), drives
    /// transfers and appends finished ones to `done`. True when it waited and `alsoWaitFor`
    /// was readable.
    bool poll(int timeoutMs, std::vector<HttpResult> &done, int alsoWaitFor = -1);
    /// Interrupts a poll from another thread.
    void wake();
    int inFlight() const { return m_inFlight; }

    /// One request, blocking until it is done (for occasional requests off the hot paths,
    /// such as the consistency check's digests).
    static HttpResult fetch(HttpPost post);

    /// Why `post` must not be sent at all (a header holding CR or LF, unusable TLS settings);
    /// empty when it may go. The plain-HTTP delivery path refuses the same way.
    static QByteArray refusal(const HttpPost &post);
    /// The low-speed time `post` gets (see HttpPost::lowSpeedSeconds); 0: none.
    static long lowSpeedSeconds(const HttpPost &post);
    /// Below this many bytes a second for lowSpeedSeconds(), a transfer is cut off.
    static constexpr long LowSpeedBytesPerSecond = 16;

private:
    struct Transfer;
    Transfer *acquire();
    /// The requests refused before sending, moved to `done`.
    void reportRefused(std::vector<HttpResult> &done);
    /// The transfers curl finished, moved to `done`; their handles go back to the pool.
    void collectFinished(std::vector<HttpResult> &done);
    /// The result of a transfer curl ended with `curlCode`: status, or what went wrong.
    void finish(Transfer &t, int curlCode);
    void warnInsecure(const QByteArray &url);

    CURLM *m_multi;
    CURLSH *m_share;
    std::vector<Transfer *> m_idle;
    std::vector<Transfer *> m_all;
    std::vector<HttpResult> m_refused; ///< requests refused before sending, reported by poll()
    int m_inFlight = 0;
    QHash<QByteArray, std::pair<qint64, int>>
        m_insecureLog; ///< host -> (last warning, count since)
};

} // namespace jobfirst
