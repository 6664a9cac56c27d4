// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/plainhttpclient.h"
#include "sync/deliveryflight.h"
#include "sync/httpdeliveryclient.h"

#include <QByteArray>
#include <QHash>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobfirst {

/// Sends requests on a thread of its own: builds each request's body (every event with its
/// version first), its Standard Webhooks id and signature, posts it, and hands back how it
/// ended. Requests to plain http:// targets given by IP address go through its own epoll
/// client (PlainHttpClient), the rest (https, host names, tokens, client certificates, and
/// every request when a proxy variable is set) through its libcurl multi handle; both have the
/// same contract: timeouts, low-speed limit, response body cap, the same headers. The delivery
/// engine runs several so that the HTTP work of one target can use more than one core; which
/// dispatcher sends a request does not matter, the engine's scheduler keeps the order per user.
class DeliveryDispatcher final
{
public:
    /// One request to send: the flight and its target's settings.
    struct Job
    {
        DeliveryFlight flight;
        QByteArray url;
        QByteArray signingKey; ///< empty: not signed
        long timeoutMs = 30000;
        std::shared_ptr<const HttpSecurity> security; ///< TLS settings and token; null: plain
    };
    using Finished = std::vector<std::pair<DeliveryFlight, HttpResult>>;

    /// `finished` runs on the dispatcher's thread whenever results wait (takeFinished()).
    explicit DeliveryDispatcher(std::function<void()> finished);
    ~DeliveryDispatcher();
    DeliveryDispatcher(const DeliveryDispatcher &) = delete;
    DeliveryDispatcher &operator=(const DeliveryDispatcher &) = delete;

    /// Queues requests (thread-safe).
    void send(std::vector<Job> &&jobs);
    /// Moves the requests that ended to `out` (thread-safe).
    void takeFinished(Finished &out);
    /// Requests queued or in flight, not yet taken back.
    int load() const { return m_load.load(); }

    /// The request as it goes on the wire (exposed for tests).
    static HttpPost buildPost(const Job &job, std::uint64_t tag, qint64 nowSeconds);
    /// True when requests to `url` go through the plain-HTTP client (exposed for tests): http,
    /// an IP address, no TLS settings or token, no proxy variable set, and
    /// JOBFIRST_DELIVERY_HTTP not "curl".
    bool sendsPlain(const QByteArray &url, const HttpSecurity *security) const;

private:
    void run();
    /// Hands `job` to the plain client when its target allows it; false: libcurl's turn.
    bool submitPlain(const Job &job, std::uint64_t tag, qint64 nowSeconds);
    void waitForResults(bool idle, std::vector<HttpResult> &results);

    std::function<void()> m_finishedCallback;
    std::atomic<int> m_load{0};
    std::mutex m_mutex;
    std::vector<Job> m_incoming;
    Finished m_finished;
    bool m_stopping = false;
    HttpDeliveryClient *m_http = nullptr; ///< valid while the thread runs
    PlainHttpClient *m_plain = nullptr;   ///< the same; its wake() ends either client's wait
    bool m_plainAllowed = true;           ///< no proxy variable, not switched off
    /// Per target URL: where its requests go (null endpoint: libcurl). Dispatcher thread only.
    QHash<QByteArray, std::shared_ptr<const PlainHttpClient::Endpoint>> m_endpoints;
    std::thread m_thread;
};

} // namespace jobfirst
