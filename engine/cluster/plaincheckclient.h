// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/plainhttpclient.h"
#include "sync/httpdeliveryclient.h"

#include <QByteArray>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace jobfirst {

/// Sends health-check GETs to plain-HTTP nodes given by IP address, on its own thread, over
/// one kept connection per node (PlainHttpClient's epoll loop). Measured with 1,000 nodes
/// checked every 30 s, libcurl spent most of an idle engine's CPU on its caches: it tests every
/// kept connection once a second, walks every cached address when it opens one, and allocates
/// a connection's state afresh for each. Here a check on a kept connection is one send and one
/// receive. https, tokens, client certificates and host names stay with libcurl (CheckRunner
/// chooses). Checks go straight to the node: proxy variables do not apply to them.
class PlainCheckClient final
{
public:
    struct Request
    {
        std::uint64_t tag = 0;
        sockaddr_storage address{}; ///< the node's IP address and port
        socklen_t addressLength = 0;
        QByteArray hostHeader; ///< "host:port"
        QByteArray target;     ///< "/health?x=y"
        long timeoutMs = 2000;
        int maxBody = 64 * 1024;
        qint64 maxResponseBytes = 64 * 1024;
    };
    using Done = std::function<void(std::vector<HttpResult> &&results)>;

    /// `done` is called on the client's thread with the checks finished in one wakeup.
    explicit PlainCheckClient(Done done);
    ~PlainCheckClient();
    PlainCheckClient(const PlainCheckClient &) = delete;
    PlainCheckClient &operator=(const PlainCheckClient &) = delete;

    /// Fills `request`'s address, host header and target from a URL this client can serve:
    /// http, an IP address as host. False for anything else.
    static bool prepare(const QByteArray &url, Request &request);
    /// Thread-safe: queues one GET; its result carries the request's tag.
    void submit(Request request);
    /// Connections open now, idle or busy (for tests and benchmarks).
    int openConnections() const { return m_http.openConnections(); }

private:
    void run();

    Done m_done;
    PlainHttpClient m_http; ///< used on m_thread only, but for wake() and openConnections()
    std::mutex m_mutex;
    std::vector<Request> m_queue;
    std::atomic_bool m_stop{false};
    std::thread m_thread;
};

} // namespace jobfirst
