// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/plaincheckclient.h"

#include "cluster/httpresponseparser.h"
#include "core/connectionbudget.h"

#include <QDateTime>
#include <QHostAddress>
#include <QUrl>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace jobfirst {

namespace {

constexpr std::uint64_t WakeKey = ~std::uint64_t(0);
constexpr std::uint32_t ReadEvents = EPOLLIN | EPOLLRDHUP;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray errorText(int error)
{
    return QByteArray(std::strerror(error));
}

std::string keyOf(const sockaddr_storage &address, socklen_t length)
{
    return std::string(reinterpret_cast<const char *>(&address), length);
}

} // namespace

PlainCheckClient::PlainCheckClient(Done done) : m_done(std::move(done))
{
    m_capacity = idleConnectionBudget();
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = WakeKey;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &e);
    m_thread = std::thread([this] { run(); });
}

PlainCheckClient::~PlainCheckClient()
{
    m_stop = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(m_wake, &one, sizeof one);
    m_thread.join();
    for (const auto &[fd, c] : m_connections)
        ::close(fd);
    ::close(m_wake);
    ::close(m_epoll);
}

bool PlainCheckClient::prepare(const QByteArray &url, Request &request)
{
    const QUrl u = QUrl::fromEncoded(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != u"http" || !u.userInfo().isEmpty())
        return false;
    const QHostAddress host(u.host());
    if (host.isNull())
        return false; // a name: libcurl resolves it
    const quint16 port = quint16(u.port(80));
    sockaddr_storage &a = request.address;
    a = {};
    if (host.protocol() == QAbstractSocket::IPv4Protocol) {
        auto *v4 = reinterpret_cast<sockaddr_in *>(&a);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        v4->sin_addr.s_addr = htonl(host.toIPv4Address());
        request.addressLength = sizeof(sockaddr_in);
    } else if (host.protocol() == QAbstractSocket::IPv6Protocol && host.scopeId().isEmpty()) {
        auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = host.toIPv6Address();
        std::memcpy(&v6->sin6_addr, &bytes, sizeof bytes);
        request.addressLength = sizeof(sockaddr_in6);
    } else {
        return false;
    }
    request.hostHeader = u.authority(QUrl::FullyEncoded).toLatin1();
    request.target = u.path(QUrl::FullyEncoded).toLatin1();
    if (request.target.isEmpty())
        request.target = "/";
    if (u.hasQuery())
        request.target += '?' + u.query(QUrl::FullyEncoded).toLatin1();
    return true;
}

void PlainCheckClient::submit(Request request)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(request));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(m_wake, &one, sizeof one);
}

void PlainCheckClient::run()
{
    std::vector<Request> queued;
    std::vector<HttpResult> done;
    std::vector<epoll_event> events(256);
    while (!m_stop) {
        {
            std::lock_guard lock(m_mutex);
            queued.swap(m_queue);
        }
        for (Request &r : queued)
            start(std::move(r), done);
        queued.clear();
        if (done.empty()) {
            const int n = epoll_wait(m_epoll, events.data(), int(events.size()), waitMs());
            for (int i = 0; i < n; ++i) {
                const epoll_event &e = events[std::size_t(i)];
                if (e.data.u64 == WakeKey) {
                    std::uint64_t count = 0;
                    [[maybe_unused]] const auto r = ::read(m_wake, &count, sizeof count);
                    continue;
                }
                onEvent(int(e.data.u64), e.events, done);
            }
        }
        expire(done);
        if (!done.empty()) {
            m_done(std::move(done));
            done.clear();
        }
    }
}

int PlainCheckClient::waitMs() const
{
    qint64 next = -1;
    for (int fd : m_busy) {
        const qint64 d = m_connections.at(fd)->deadline;
        if (next < 0 || d < next)
            next = d;
    }
    return next < 0 ? -1 : int(std::clamp<qint64>(next - nowMs() + 1, 0, 60000));
}

void PlainCheckClient::start(Request &&request, std::vector<HttpResult> &done)
{
    const std::string key = keyOf(request.address, request.addressLength);
    auto idle = m_idle.find(key);
    if (idle == m_idle.end() || idle->second.empty()) {
        open(std::move(request), key, done);
        return;
    }
    const int fd = idle->second.back();
    idle->second.pop_back();
    --m_idleCount;
    if (idle->second.empty())
        m_idle.erase(idle);
    Connection &c = *m_connections.at(fd);
    c.phase = Phase::Connecting; // not Idle any more; send() moves it on
    c.reused = true;
    c.request = std::move(request);
    c.clock.start();
    c.deadline = nowMs() + c.request.timeoutMs;
    m_busy.insert(fd);
    send(c, done);
}

void PlainCheckClient::open(Request &&request, const std::string &key,
                            std::vector<HttpResult> &done)
{
    auto owned = std::make_unique<Connection>();
    Connection &c = *owned;
    c.key = key;
    c.request = std::move(request);
    c.clock.start();
    c.deadline = nowMs() + c.request.timeoutMs;
    c.fd = ::socket(c.request.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        const int error = errno;
        HttpResult r;
        r.tag = c.request.tag;
        r.error = errorText(error);
        done.push_back(std::move(r));
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int fd = c.fd;
    m_connections.emplace(fd, std::move(owned));
    m_busy.insert(fd);
    ++m_open;
    epoll_event e{};
    e.events = EPOLLOUT | ReadEvents;
    e.data.u64 = std::uint64_t(fd);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
    c.writeArmed = true;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&c.request.address),
                  c.request.addressLength) == 0) {
        onConnected(c, done);
    } else if (errno != EINPROGRESS) {
        fail(c, errno, done);
    }
}

void PlainCheckClient::send(Connection &c, std::vector<HttpResult> &done)
{
    if (c.phase != Phase::Sending) {
        c.phase = Phase::Sending;
        c.sent = 0;
        c.out = "GET " + c.request.target + " HTTP/1.1\r\nHost: " + c.request.hostHeader +
                "\r\nUser-Agent: jobfirst-sync/" JOBFIRST_VERSION "\r\nAccept: */*\r\n\r\n";
        c.parser =
            std::make_unique<HttpResponseParser>(c.request.maxBody, c.request.maxResponseBytes);
    }
    while (c.sent < c.out.size()) {
        const ssize_t n =
            ::send(c.fd, c.out.constData() + c.sent, size_t(c.out.size() - c.sent), MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            if (!c.writeArmed) {
                epoll_event e{};
                e.events = EPOLLOUT | ReadEvents;
                e.data.u64 = std::uint64_t(c.fd);
                epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &e);
                c.writeArmed = true;
            }
            return;
        }
        if (n < 0) {
            const int error = errno;
            if (!retryOnNew(c, done))
                fail(c, error, done);
            return;
        }
        c.sent += n;
    }
    c.phase = Phase::Reading;
    if (c.writeArmed) { // a kept connection is only ever watched for reading: no call here
        epoll_event e{};
        e.events = ReadEvents;
        e.data.u64 = std::uint64_t(c.fd);
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &e);
        c.writeArmed = false;
    }
}

void PlainCheckClient::onEvent(int fd, std::uint32_t events, std::vector<HttpResult> &done)
{
    const auto it = m_connections.find(fd);
    if (it == m_connections.end())
        return;
    Connection &c = *it->second;
    switch (c.phase) {
    case Phase::Idle:
        // A kept connection has nothing to say: the node closed it (or sent what nobody
        // asked for). The next check opens a new one.
        close(fd);
        return;
    case Phase::Connecting:
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            onConnected(c, done);
        return;
    case Phase::Sending:
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
            onReadable(c, done); // an early answer or a close
        else if (events & EPOLLOUT)
            send(c, done);
        return;
    case Phase::Reading:
        onReadable(c, done);
        return;
    }
}

void PlainCheckClient::onConnected(Connection &c, std::vector<HttpResult> &done)
{
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        fail(c, error, done);
        return;
    }
    send(c, done);
}

void PlainCheckClient::onReadable(Connection &c, std::vector<HttpResult> &done)
{
    char buffer[16384];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            const auto state = c.parser->feed(buffer, n);
            if (state == HttpResponseParser::State::NeedMore)
                continue;
            finish(c, done);
            return;
        }
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0 && errno != ECONNRESET) {
            fail(c, errno, done);
            return;
        }
        // Closed (or reset) by the node. A kept connection that closes before any answer was
        // closed while idle: the request goes again on a new one, as libcurl does.
        if (retryOnNew(c, done))
            return;
        c.parser->closed();
        finish(c, done);
        return;
    }
}

void PlainCheckClient::finish(Connection &c, std::vector<HttpResult> &done)
{
    const HttpResponseParser &p = *c.parser;
    if (p.state() == HttpResponseParser::State::Failed) {
        failWith(c, p.error(), false, false, done);
        return;
    }
    HttpResult r;
    r.tag = c.request.tag;
    r.status = p.status();
    r.bodyHead = p.body();
    r.bodyBytes = p.bodyBytes();
    r.maxBody = c.request.maxBody;
    r.maxResponseBytes = c.request.maxResponseBytes;
    r.durationMs = double(c.clock.nsecsElapsed()) / 1e6;
    done.push_back(std::move(r));
    if (p.reusable())
        keep(c);
    else
        close(c.fd);
}

void PlainCheckClient::fail(Connection &c, int error, std::vector<HttpResult> &done)
{
    failWith(c, errorText(error), false, error == ECONNREFUSED, done);
}

void PlainCheckClient::failWith(Connection &c, QByteArray error, bool timedOut, bool refused,
                                std::vector<HttpResult> &done)
{
    HttpResult r;
    r.tag = c.request.tag;
    r.error = std::move(error);
    r.timedOut = timedOut;
    r.refused = refused;
    r.maxBody = c.request.maxBody;
    r.maxResponseBytes = c.request.maxResponseBytes;
    r.durationMs = double(c.clock.nsecsElapsed()) / 1e6;
    done.push_back(std::move(r));
    close(c.fd);
}

bool PlainCheckClient::retryOnNew(Connection &c, std::vector<HttpResult> &done)
{
    if (!c.reused || (c.parser && c.parser->started()))
        return false;
    Request request = std::move(c.request);
    const std::string key = c.key;
    const qint64 deadline = c.deadline;
    close(c.fd); // c is gone from here on
    const qint64 left = deadline - nowMs();
    if (left <= 0) {
        HttpResult r;
        r.tag = request.tag;
        r.timedOut = true;
        r.error = "timeout after " + QByteArray::number(qint64(request.timeoutMs)) + " ms";
        done.push_back(std::move(r));
        return true;
    }
    request.timeoutMs = long(left);
    open(std::move(request), key, done);
    return true;
}

void PlainCheckClient::keep(Connection &c)
{
    m_busy.erase(c.fd);
    if (m_idleCount >= m_capacity) {
        close(c.fd);
        return;
    }
    c.phase = Phase::Idle;
    c.parser.reset();
    c.out.clear();
    m_idle[c.key].push_back(c.fd);
    ++m_idleCount;
}

void PlainCheckClient::close(int fd)
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
    m_busy.erase(fd);
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    m_connections.erase(it);
    --m_open;
}

void PlainCheckClient::expire(std::vector<HttpResult> &done)
{
    const qint64 now = nowMs();
    std::vector<int> late;
    for (int fd : m_busy)
        if (m_connections.at(fd)->deadline <= now)
            late.push_back(fd);
    for (int fd : late) {
        Connection &c = *m_connections.at(fd);
        failWith(c, "timeout after " + QByteArray::number(qint64(c.request.timeoutMs)) + " ms",
                 true, false, done);
    }
}

} // namespace jobfirst
