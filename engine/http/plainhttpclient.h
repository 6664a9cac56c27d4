// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/epollset.h"
#include "sync/httpdeliveryclient.h"

#include <QByteArray>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/socket.h>

namespace jobfirst {

class HttpResponseParser;

/// Plain-HTTP/1.1 requests to IP addresses over kept connections, driven by one epoll loop on
/// its owner's thread (submit, then poll), one request per connection at a time. Shared by the
/// health checks (PlainCheckClient) and the deliveries to http:// targets (DeliveryDispatcher):
/// measured here, libcurl spent three quarters of a delivery's CPU building the request, parsing
/// the URL and matching headers, and most of an idle engine's CPU on its connection caches.
/// https, proxies, host names and credentials stay with libcurl (the callers choose).
/// Not thread-safe except wake() and openConnections().
class PlainHttpClient final
{
public:
    /// Where a URL's requests go: the address, the Host header and the request target.
    struct Endpoint
    {
        sockaddr_storage address{}; ///< the peer's IP address and port
        socklen_t addressLength = 0;
        QByteArray hostHeader; ///< "host:port"
        QByteArray target;     ///< "/path?x=y"
    };
    struct Request
    {
        std::uint64_t tag = 0;
        sockaddr_storage address{};
        socklen_t addressLength = 0;
        QByteArray head; ///< request line and headers, up to and with the empty line
        QByteArray body;
        long timeoutMs = 2000;
        long connectTimeoutMs = 0; ///< 0: the timeout
        /// Fewer than 16 bytes/s moved over this many seconds cuts the request off; 0: no limit.
        long lowSpeedSeconds = 0;
        int maxBody = 512;                   ///< response body bytes kept in bodyHead
        qint64 maxResponseBytes = 64 * 1024; ///< more response body than this fails
    };

    PlainHttpClient();
    ~PlainHttpClient();
    PlainHttpClient(const PlainHttpClient &) = delete;
    PlainHttpClient &operator=(const PlainHttpClient &) = delete;

    /// Splits a URL this client can serve: http, an IP address as host, no user info. False
    /// for anything else.
    static bool endpoint(const QByteArray &url, Endpoint &e);

    /// Starts a request; its result, with the request's tag, comes from a later poll().
    void submit(Request request);
    /// Waits up to `timeoutMs` (-1: until something happens) for activity or wake(), then
    /// appends the requests that ended to `done`.
    void poll(int timeoutMs, std::vector<HttpResult> &done);
    /// Interrupts a poll from another thread.
    void wake();
    /// Readable when poll() has something to do: lets a caller wait on it with other loops.
    int fd() const { return m_loop.fd(); }
    /// Milliseconds until the next request's deadline; -1: none in flight.
    int waitMs() const;
    /// Requests submitted whose results were not handed out yet.
    int inFlight() const { return int(m_busy.size() + m_ready.size()); }
    /// Connections open now, idle or busy (thread-safe; for tests and benchmarks).
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
        qint64 sent = 0; ///< of head and body
        std::unique_ptr<HttpResponseParser> parser; ///< kept with the connection, reset per request
        qint64 startedNs = 0; ///< steady clock, when the request was submitted
        qint64 deadline = 0;  ///< ms: the next moment something must be looked at
        qint64 moved = 0;     ///< bytes sent and received, for the low-speed limit
        qint64 speedFrom = 0;
        qint64 speedMoved = 0;
        std::size_t busyAt = NotBusy; ///< its place in m_busy
    };
    static constexpr std::size_t NotBusy = std::size_t(-1);
    /// Finds kept connections by an address's bytes without making a string of them.
    struct KeyHash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const
        {
            return std::hash<std::string_view>{}(key);
        }
    };

    void start(Request &&request);
    void open(Request &&request, const std::string &key, qint64 startedNs);
    void send(Connection &c);
    void onEvent(int fd, std::uint32_t events);
    void onConnected(Connection &c);
    void onReadable(Connection &c);
    void finish(Connection &c);
    void fail(Connection &c, int error);
    void failWith(Connection &c, QByteArray error, bool timedOut, bool refused);
    bool retryOnNew(Connection &c);
    void keep(Connection &c);
    void close(int fd);
    void expire();
    void setDeadline(Connection &c) const;
    void markBusy(Connection &c);
    void markNotBusy(Connection &c);

    EpollSet m_loop;
    std::size_t m_capacity = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> m_connections; ///< by fd
    /// Kept connections by address; a list a request emptied stays (it is filled again soon).
    std::unordered_map<std::string, std::vector<int>, KeyHash, std::equal_to<>> m_idle;
    std::size_t m_idleCount = 0;
    /// With a request in flight, in no order (each knows its place: no node per request).
    std::vector<Connection *> m_busy;
    std::vector<HttpResult> m_ready; ///< ended, not yet handed out
    std::atomic_int m_open{0};
};

} // namespace jobfirst
