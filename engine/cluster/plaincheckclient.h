// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/httpdeliveryclient.h"

#include <QByteArray>
#include <QElapsedTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sys/socket.h>

namespace jobfirst {

class HttpResponseParser;

/// Sends health-check GETs to plain-HTTP nodes given by IP address, on its own thread with
/// epoll, over one kept connection per node. Measured with 1,000 nodes checked every 30 s,
/// libcurl spent most of an idle engine's CPU on its caches: it tests every kept connection
/// once a second, walks every cached address when it opens one, and allocates a connection's
/// state afresh for each. Here a check on a kept connection is one send and one receive.
/// https, tokens, client certificates and host names stay with libcurl (CheckRunner chooses).
/// Checks go straight to the node: proxy variables do not apply to them.
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
    int openConnections() const { return m_open; }

private:
    enum class Phase { Connecting, Sending, Reading, Idle };
    struct Connection
    {
        int fd = -1;
        std::string key; ///< the address: kept connections are found by it
        Phase phase = Phase::Connecting;
        bool reused = false;     ///< the request went on a connection kept from an earlier one
        bool writeArmed = false; ///< epoll reports it writable (connecting, or a send blocked)
        Request request;
        QByteArray out;
        qint64 sent = 0;
        std::unique_ptr<HttpResponseParser> parser;
        qint64 deadline = 0;
        QElapsedTimer clock;
    };

    void run();
    void start(Request &&request, std::vector<HttpResult> &done);
    void open(Request &&request, const std::string &key, std::vector<HttpResult> &done);
    void send(Connection &c, std::vector<HttpResult> &done);
    void onEvent(int fd, std::uint32_t events, std::vector<HttpResult> &done);
    void onConnected(Connection &c, std::vector<HttpResult> &done);
    void onReadable(Connection &c, std::vector<HttpResult> &done);
    void finish(Connection &c, std::vector<HttpResult> &done);
    void fail(Connection &c, int error, std::vector<HttpResult> &done);
    void failWith(Connection &c, QByteArray error, bool timedOut, bool refused,
                  std::vector<HttpResult> &done);
    bool retryOnNew(Connection &c, std::vector<HttpResult> &done);
    void keep(Connection &c);
    void close(int fd);
    void expire(std::vector<HttpResult> &done);
    int waitMs() const;

    Done m_done;
    int m_epoll = -1;
    int m_wake = -1;
    std::size_t m_capacity = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> m_connections; ///< by fd
    std::unordered_map<std::string, std::vector<int>> m_idle;           ///< by address
    std::size_t m_idleCount = 0;
    std::unordered_set<int> m_busy;
    std::mutex m_mutex;
    std::vector<Request> m_queue;
    std::atomic_int m_open{0};
    std::atomic_bool m_stop{false};
    std::thread m_thread;
};

} // namespace jobfirst
