// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/plainhttpclient.h"

#include "core/connectionbudget.h"
#include "http/httpresponseparser.h"

#include <QHostAddress>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

namespace jobfirst {

namespace {

constexpr std::uint32_t ReadEvents = EPOLLIN | EPOLLRDHUP;
// The same as libcurl's low-speed limit in HttpDeliveryClient.
constexpr qint64 LowSpeedBytesPerSecond = HttpDeliveryClient::LowSpeedBytesPerSecond;

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 nowMs()
{
    return nowNs() / 1000000;
}

QByteArray errorText(int error)
{
    return QByteArray(std::strerror(error));
}

std::string_view keyOf(const sockaddr_storage &address, socklen_t length)
{
    return std::string_view(reinterpret_cast<const char *>(&address), length);
}

} // namespace

PlainHttpClient::PlainHttpClient()
{
    m_capacity = idleConnectionBudget();
}

PlainHttpClient::~PlainHttpClient()
{
    for (const auto &[fd, c] : m_connections)
        ::close(fd);
}

bool PlainHttpClient::endpoint(const QByteArray &url, Endpoint &e)
{
    const QUrl u = QUrl::fromEncoded(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != u"http" || !u.userInfo().isEmpty())
        return false;
    const QHostAddress host(u.host());
    if (host.isNull())
        return false; // a name: libcurl resolves it
    const quint16 port = quint16(u.port(80));
    sockaddr_storage &a = e.address;
    a = {};
    if (host.protocol() == QAbstractSocket::IPv4Protocol) {
        auto *v4 = reinterpret_cast<sockaddr_in *>(&a);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        v4->sin_addr.s_addr = htonl(host.toIPv4Address());
        e.addressLength = sizeof(sockaddr_in);
    } else if (host.protocol() == QAbstractSocket::IPv6Protocol && host.scopeId().isEmpty()) {
        auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&v6->sin6_addr, &bytes, sizeof bytes);
        e.addressLength = sizeof(sockaddr_in6);
    } else {
        return false;
    }
    e.hostHeader = u.authority(QUrl::FullyEncoded).toLatin1();
    e.target = u.path(QUrl::FullyEncoded).toLatin1();
    if (e.target.isEmpty())
        e.target = "/";
    if (u.hasQuery())
        e.target += '?' + u.query(QUrl::FullyEncoded).toLatin1();
    return true;
}

void PlainHttpClient::wake()
{
    m_loop.wake();
}

void PlainHttpClient::submit(Request request)
{
    start(std::move(request));
}

void PlainHttpClient::poll(int timeoutMs, std::vector<HttpResult> &done)
{
    int wait = waitMs();
    if (wait < 0 || (timeoutMs >= 0 && timeoutMs < wait))
        wait = timeoutMs;
    for (const epoll_event &e : m_loop.wait(wait))
        onEvent(int(e.data.u64), e.events);
    expire();
    if (done.empty())
        done.swap(m_ready);
    else
        std::move(m_ready.begin(), m_ready.end(), std::back_inserter(done));
    m_ready.clear();
}

int PlainHttpClient::waitMs() const
{
    if (!m_ready.empty())
        return 0;
    qint64 next = -1;
    for (const Connection *c : m_busy) {
        const qint64 d = c->deadline;
        if (next < 0 || d < next)
            next = d;
    }
    return next < 0 ? -1 : int(std::clamp<qint64>(next - nowMs() + 1, 0, 60000));
}

void PlainHttpClient::setDeadline(Connection &c) const
{
    const qint64 started = c.startedNs / 1000000;
    qint64 d = started + c.request.timeoutMs;
    if (c.phase == Phase::Connecting && c.request.connectTimeoutMs > 0)
        d = std::min(d, started + c.request.connectTimeoutMs);
    if (c.request.lowSpeedSeconds > 0)
        d = std::min(d, c.speedFrom + c.request.lowSpeedSeconds * 1000);
    c.deadline = d;
}

void PlainHttpClient::start(Request &&request)
{
    // Looked up by the address's bytes where they lie, and an address's list is kept while
    // empty: a string, a list and a map node were made and freed again for most requests.
    const auto idle = m_idle.find(keyOf(request.address, request.addressLength));
    if (idle == m_idle.end() || idle->second.empty()) {
        const std::string key(keyOf(request.address, request.addressLength));
        open(std::move(request), key, nowNs());
        return;
    }
    const int fd = idle->second.back();
    idle->second.pop_back();
    --m_idleCount;
    Connection &c = *m_connections.at(fd);
    c.phase = Phase::Connecting; // not Idle any more; send() moves it on
    c.reused = true;
    c.request = std::move(request);
    c.startedNs = nowNs();
    c.moved = c.speedMoved = 0;
    c.speedFrom = c.startedNs / 1000000;
    markBusy(c);
    send(c);
}

void PlainHttpClient::open(Request &&request, const std::string &key, qint64 startedNs)
{
    auto owned = std::make_unique<Connection>();
    Connection &c = *owned;
    c.key = key;
    c.request = std::move(request);
    c.startedNs = startedNs;
    c.speedFrom = nowMs();
    c.fd = ::socket(c.request.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        const int error = errno;
        HttpResult r;
        r.tag = c.request.tag;
        r.error = errorText(error);
        r.maxBody = c.request.maxBody;
        r.maxResponseBytes = c.request.maxResponseBytes;
        m_ready.push_back(std::move(r));
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int fd = c.fd;
    m_connections.emplace(fd, std::move(owned));
    markBusy(c);
    ++m_open;
    setDeadline(c);
    m_loop.add(fd, EPOLLOUT | ReadEvents, std::uint64_t(fd));
    c.writeArmed = true;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&c.request.address),
                  c.request.addressLength) == 0) {
        onConnected(c);
    } else if (errno != EINPROGRESS) {
        fail(c, errno);
    }
}

void PlainHttpClient::send(Connection &c)
{
    const qint64 headSize = c.request.head.size();
    const qint64 total = headSize + c.request.body.size();
    if (c.phase != Phase::Sending) {
        c.phase = Phase::Sending;
        c.sent = 0;
        if (c.parser) // a kept connection's: reset in place, not made again
            *c.parser = HttpResponseParser(c.request.maxBody, c.request.maxResponseBytes);
        else
            c.parser =
                std::make_unique<HttpResponseParser>(c.request.maxBody, c.request.maxResponseBytes);
        setDeadline(c);
    }
    while (c.sent < total) {
        // Head and body leave in one call, without copying the body after the head.
        iovec parts[2];
        int count = 0;
        if (c.sent < headSize)
            parts[count++] = {const_cast<char *>(c.request.head.constData()) + c.sent,
                              size_t(headSize - c.sent)};
        const qint64 bodyFrom = std::max<qint64>(0, c.sent - headSize);
        if (bodyFrom < c.request.body.size())
            parts[count++] = {const_cast<char *>(c.request.body.constData()) + bodyFrom,
                              size_t(c.request.body.size() - bodyFrom)};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = size_t(count);
        const ssize_t n = ::sendmsg(c.fd, &message, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            if (!c.writeArmed) {
                m_loop.modify(c.fd, EPOLLOUT | ReadEvents, std::uint64_t(c.fd));
                c.writeArmed = true;
            }
            return;
        }
        if (n < 0) {
            const int error = errno;
            if (!retryOnNew(c))
                fail(c, error);
            return;
        }
        c.sent += n;
        c.moved += n;
    }
    c.phase = Phase::Reading;
    if (c.writeArmed) { // a kept connection is only ever watched for reading: no call here
        m_loop.modify(c.fd, ReadEvents, std::uint64_t(c.fd));
        c.writeArmed = false;
    }
}

void PlainHttpClient::onEvent(int fd, std::uint32_t events)
{
    const auto it = m_connections.find(fd);
    if (it == m_connections.end())
        return;
    Connection &c = *it->second;
    switch (c.phase) {
    case Phase::Idle:
        // A kept connection has nothing to say: the peer closed it (or sent what nobody
        // asked for). The next request opens a new one.
        close(fd);
        return;
    case Phase::Connecting:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            onConnected(c);
        return;
    case Phase::Sending:
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
            onReadable(c); // an early answer or a close
        else if (events & EPOLLOUT)
            send(c);
        return;
    case Phase::Reading:
        onReadable(c);
        return;
    }
}

void PlainHttpClient::onConnected(Connection &c)
{
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        fail(c, error);
        return;
    }
    send(c);
}

void PlainHttpClient::onReadable(Connection &c)
{
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            c.moved += n;
            const auto state = c.parser->feed(buffer, n);
            if (state == HttpResponseParser::State::NeedMore)
                continue;
            finish(c);
            return;
        }
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0 && errno != ECONNRESET) {
            fail(c, errno);
            return;
        }
        // Closed (or reset) by the peer. A kept connection that closes before any answer was
        // closed while idle: the request goes again on a new one, as libcurl does.
        if (retryOnNew(c))
            return;
        c.parser->closed();
        finish(c);
        return;
    }
}

void PlainHttpClient::finish(Connection &c)
{
    const HttpResponseParser &p = *c.parser;
    if (p.state() == HttpResponseParser::State::Failed) {
        failWith(c, p.error(), false, false);
        return;
    }
    HttpResult r;
    r.tag = c.request.tag;
    r.status = p.status();
    r.bodyHead = p.body();
    r.bodyBytes = p.bodyBytes();
    r.retryAfterSeconds = p.retryAfterSeconds();
    r.maxBody = c.request.maxBody;
    r.maxResponseBytes = c.request.maxResponseBytes;
    r.durationMs = double(nowNs() - c.startedNs) / 1e6;
    m_ready.push_back(std::move(r));
    // An answer that came before the whole request was sent (a 413, say) leaves the rest of
    // the request unsent: the connection is out of step and is not kept.
    if (p.reusable() && c.phase == Phase::Reading)
        keep(c);
    else
        close(c.fd);
}

void PlainHttpClient::fail(Connection &c, int error)
{
    failWith(c, errorText(error), false, error == ECONNREFUSED);
}

void PlainHttpClient::failWith(Connection &c, QByteArray error, bool timedOut, bool refused)
{
    HttpResult r;
    r.tag = c.request.tag;
    r.error = std::move(error);
    r.timedOut = timedOut;
    r.refused = refused;
    r.maxBody = c.request.maxBody;
    r.maxResponseBytes = c.request.maxResponseBytes;
    if (c.parser)
        r.bodyBytes = c.parser->bodyBytes();
    r.durationMs = double(nowNs() - c.startedNs) / 1e6;
    m_ready.push_back(std::move(r));
    close(c.fd);
}

bool PlainHttpClient::retryOnNew(Connection &c)
{
    if (!c.reused || (c.parser && c.parser->started()))
        return false;
    Request request = std::move(c.request);
    const std::string key = c.key;
    const qint64 startedNs = c.startedNs;
    close(c.fd); // c is gone from here on
    open(std::move(request), key, startedNs);
    return true;
}

void PlainHttpClient::keep(Connection &c)
{
    markNotBusy(c);
    if (m_idleCount >= m_capacity) {
        close(c.fd);
        return;
    }
    c.phase = Phase::Idle;
    c.request.head.clear();
    c.request.body.clear();
    m_idle[c.key].push_back(c.fd);
    ++m_idleCount;
}

void PlainHttpClient::close(int fd)
{
    const auto it = m_connections.find(fd);
    if (it == m_connections.end())
        return;
    if (it->second->phase == Phase::Idle) {
        auto idle = m_idle.find(it->second->key);
        if (idle != m_idle.end()) {
            m_idleCount -= std::erase(idle->second, fd);
            if (idle->second.empty())
                m_idle.erase(idle);
        }
    }
    markNotBusy(*it->second);
    m_loop.remove(fd);
    ::close(fd);
    m_connections.erase(it);
    --m_open;
}

void PlainHttpClient::markBusy(Connection &c)
{
    c.busyAt = m_busy.size();
    m_busy.push_back(&c);
}

void PlainHttpClient::markNotBusy(Connection &c)
{
    if (c.busyAt == NotBusy)
        return;
    Connection *last = m_busy.back(); // takes c's place
    m_busy[c.busyAt] = last;
    last->busyAt = c.busyAt;
    m_busy.pop_back();
    c.busyAt = NotBusy;
}

void PlainHttpClient::expire()
{
    const qint64 now = nowMs();
    std::vector<int> late;
    for (const Connection *c : m_busy)
        if (c->deadline <= now)
            late.push_back(c->fd);
    for (int fd : late) {
        Connection &c = *m_connections.at(fd);
        const Request &q = c.request;
        const qint64 started = c.startedNs / 1000000;
        const qint64 elapsed = now - started;
        if (elapsed >= q.timeoutMs) {
            failWith(c, "timeout after " + QByteArray::number(qint64(q.timeoutMs)) + " ms", true,
                     false);
        } else if (c.phase == Phase::Connecting && q.connectTimeoutMs > 0 &&
                   elapsed >= q.connectTimeoutMs) {
            failWith(c,
                     "connect timeout after " + QByteArray::number(qint64(q.connectTimeoutMs)) +
                         " ms",
                     true, false);
        } else if (q.lowSpeedSeconds > 0 && now >= c.speedFrom + q.lowSpeedSeconds * 1000) {
            if (c.moved - c.speedMoved < LowSpeedBytesPerSecond * q.lowSpeedSeconds) {
                failWith(c,
                         "too slow: fewer than " + QByteArray::number(LowSpeedBytesPerSecond) +
                             " bytes/s (low-speed limit), cut off after " +
                             QByteArray::number(elapsed) + " ms",
                         true, false);
                continue;
            }
            c.speedFrom = now;
            c.speedMoved = c.moved;
            setDeadline(c);
        } else {
            setDeadline(c); // a deadline moved on (the connection was made)
        }
    }
}

} // namespace jobfirst
