// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliveryflight.h"
#include "sync/httpdeliveryclient.h"

#include <QByteArray>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobfirst {

/// Sends requests on a thread of its own with its own libcurl multi handle: builds each
/// request's body (every event with its version first), its Standard Webhooks id and
/// signature, posts it, and hands back how it ended. The delivery engine runs several so
/// that the HTTP work of one target can use more than one core; which dispatcher sends a
/// request does not matter, the engine's scheduler keeps the order per user.
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

private:
    void run();

    std::function<void()> m_finishedCallback;
    std::atomic<int> m_load{0};
    std::mutex m_mutex;
    std::vector<Job> m_incoming;
    Finished m_finished;
    bool m_stopping = false;
    HttpDeliveryClient *m_http = nullptr; ///< for wake(); valid while the thread runs
    std::thread m_thread;
};

} // namespace jobfirst
