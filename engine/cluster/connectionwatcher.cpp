// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/connectionwatcher.h"

#include "core/connectionbudget.h"

#include <QDateTime>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

namespace jobfirst {

namespace {

/// A node that keeps closing connections younger than this closes idle connections on
/// purpose (an idle timeout): the watcher then waits before it opens the next one.
constexpr qint64 ShortLivedMs = 10000;
constexpr int ShortLivedInARow = 3;
constexpr qint64 LongestWaitMs = 60000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString errorText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error)).toLower();
}

} // namespace

ConnectionWatcher::ConnectionWatcher(Report report) : m_report(std::move(report))
{
    m_capacity = idleConnectionBudget();
    if (!m_loop.ok()) {
        // Without epoll nothing is watched; the health checks still run.
        qWarning("connection watcher: %s", qPrintable(errorText(errno)));
        m_capacity = 0;
    }
    m_thread = std::thread([this] { run(); });
}

ConnectionWatcher::~ConnectionWatcher()
{
    m_stop = true;
    m_loop.wake();
    m_thread.join();
    for (auto &[key, w] : m_watches)
        closeSocket(w);
}

void ConnectionWatcher::watch(quint64 key, const QString &host, quint16 port,
                              qint64 connectTimeoutMs)
{
    Command c{Command::Kind::Watch, key, host.toUtf8(), port, connectTimeoutMs};
    {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(c));
    }
    m_loop.wake();
}

void ConnectionWatcher::unwatch(quint64 key)
{
    {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(Command{Command::Kind::Unwatch, key, {}, 0, 0});
    }
    m_loop.wake();
}

void ConnectionWatcher::clear()
{
    {
        std::lock_guard lock(m_mutex);
        m_commands.push_back(Command{Command::Kind::Clear, 0, {}, 0, 0});
    }
    m_loop.wake();
}

void ConnectionWatcher::run()
{
    std::vector<Command> commands;
    std::vector<quint64> due;
    while (!m_stop) {
        {
            std::lock_guard lock(m_mutex);
            commands.swap(m_commands);
        }
        apply(commands);
        commands.clear();
        if (!m_loop.ok()) {
            // Nothing can be watched: only drain the commands, slowly.
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        const auto events = m_loop.wait(waitMs(nowMs()));
        const qint64 now = nowMs();
        for (const epoll_event &e : events)
            onEvent(e.data.u64, e.events, now);
        due.clear();
        for (quint64 key : m_unopened)
            if (m_watches.at(key).deadline <= now)
                due.push_back(key);
        for (quint64 key : due) {
            auto it = m_watches.find(key);
            if (it == m_watches.end())
                continue;
            Watch &w = it->second;
            if (w.phase == Phase::Connecting) {
                onConnectFailed(key, w, ETIMEDOUT, now);
            } else {
                w.afterClose = true;
                connectNext(key, w, now);
            }
        }
    }
}

int ConnectionWatcher::waitMs(qint64 now) const
{
    qint64 next = -1;
    for (quint64 key : m_unopened) {
        const qint64 deadline = m_watches.at(key).deadline;
        if (next < 0 || deadline < next)
            next = deadline;
    }
    if (next < 0)
        return -1;
    return int(std::clamp<qint64>(next - now, 0, 60000));
}

void ConnectionWatcher::apply(std::vector<Command> &commands)
{
    const qint64 now = nowMs();
    for (Command &c : commands) {
        switch (c.kind) {
        case Command::Kind::Watch: {
            auto it = m_watches.find(c.key);
            if (it != m_watches.end()) {
                if (it->second.host == c.host && it->second.port == c.port) {
                    it->second.connectTimeoutMs = c.connectTimeoutMs;
                    continue;
                }
                closeSocket(it->second);
                m_unopened.erase(it->first);
                m_watches.erase(it);
            }
            if (m_watches.size() >= m_capacity) {
                m_report(Lost{c.key, false,
                              QStringLiteral("not watched: %1 connections are watched already")
                                  .arg(m_watches.size())});
                continue;
            }
            Watch &w = m_watches[c.key];
            w.key = c.key;
            w.host = c.host;
            w.port = c.port;
            w.connectTimeoutMs = c.connectTimeoutMs;
            start(c.key, w, now);
            break;
        }
        case Command::Kind::Unwatch:
            if (auto it = m_watches.find(c.key); it != m_watches.end()) {
                closeSocket(it->second);
                m_unopened.erase(it->first);
                m_watches.erase(it);
            }
            break;
        case Command::Kind::Clear:
            for (auto &[key, w] : m_watches)
                closeSocket(w);
            m_watches.clear();
            m_unopened.clear();
            break;
        }
    }
}

void ConnectionWatcher::start(quint64 key, Watch &w, qint64 now)
{
    // Resolved once, on this thread: a slow resolver delays only the watching.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const QByteArray service = QByteArray::number(w.port);
    const int rc = getaddrinfo(w.host.constData(), service.constData(), &hints, &found);
    if (rc != 0 || !found) {
        drop(key, false,
             QStringLiteral("cannot resolve %1: %2")
                 .arg(QString::fromUtf8(w.host), QString::fromLocal8Bit(gai_strerror(rc))));
        return;
    }
    for (addrinfo *a = found; a; a = a->ai_next) {
        sockaddr_storage s{};
        std::memcpy(&s, a->ai_addr, std::min<std::size_t>(a->ai_addrlen, sizeof s));
        w.addresses.push_back(s);
        w.lengths.push_back(a->ai_addrlen);
    }
    freeaddrinfo(found);
    w.address = 0;
    connectNext(key, w, now);
}

void ConnectionWatcher::connectNext(quint64 key, Watch &w, qint64 now)
{
    const sockaddr_storage &address = w.addresses[w.address];
    w.fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w.fd < 0) {
        // Out of descriptors here, not the node's fault: not a sign that it died.
        drop(key, false, QStringLiteral("cannot open a socket: %1").arg(errorText(errno)));
        return;
    }
    setPhase(w, Phase::Connecting);
    w.deadline = now + w.connectTimeoutMs;
    if (::connect(w.fd, reinterpret_cast<const sockaddr *>(&address), w.lengths[w.address]) == 0) {
        m_loop.add(w.fd, EPOLLIN | EPOLLRDHUP, key);
        onOpen(w, now);
        return;
    }
    if (errno != EINPROGRESS) {
        onConnectFailed(key, w, errno, now);
        return;
    }
    m_loop.add(w.fd, EPOLLOUT, key);
}

void ConnectionWatcher::onEvent(quint64 key, std::uint32_t events, qint64 now)
{
    auto it = m_watches.find(key);
    if (it == m_watches.end() || it->second.fd < 0)
        return;
    Watch &w = it->second;
    if (w.phase == Phase::Connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(w.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == 0 && (events & EPOLLHUP))
            error = ECONNREFUSED;
        if (error != 0) {
            onConnectFailed(key, w, error, now);
            return;
        }
        m_loop.modify(w.fd, EPOLLIN | EPOLLRDHUP, key);
        onOpen(w, now);
        return;
    }
    if (w.phase != Phase::Open)
        return;
    // Anything the node sends on an idle connection is read and dropped; only its end counts.
    char buffer[512];
    for (;;) {
        const ssize_t n = ::recv(w.fd, buffer, sizeof buffer, 0);
        if (n > 0)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        onClosed(key, w, now);
        return;
    }
}

void ConnectionWatcher::onOpen(Watch &w, qint64 now)
{
    setPhase(w, Phase::Open);
    w.openedAt = now;
    w.everOpen = true;
    w.afterClose = false;
    ++m_open;
    if (w.probe) {
        // The node answered, so it lives; it closes idle connections soon after they open.
        // Wait before holding the next one, longer each time, rather than reconnect in a loop.
        w.probe = false;
        closeSocket(w);
        setPhase(w, Phase::Waiting);
        const int doublings = std::min(w.shortLived - ShortLivedInARow, 6);
        w.deadline = now + std::min<qint64>(LongestWaitMs, qint64(1000) << doublings);
    }
}

void ConnectionWatcher::onClosed(quint64 key, Watch &w, qint64 now)
{
    w.shortLived = now - w.openedAt < ShortLivedMs ? w.shortLived + 1 : 0;
    closeSocket(w);
    // The node closed it: a live node takes a new connection, a dead process refuses it.
    w.afterClose = true;
    w.probe = w.shortLived >= ShortLivedInARow;
    connectNext(key, w, now);
}

void ConnectionWatcher::onConnectFailed(quint64 key, Watch &w, int error, qint64 now)
{
    closeSocket(w);
    if (!w.everOpen) {
        if (w.address + 1 < w.addresses.size()) {
            ++w.address;
            connectNext(key, w, now);
            return;
        }
        drop(key, false, QStringLiteral("cannot connect: %1").arg(errorText(error)));
        return;
    }
    QString why;
    if (error == ECONNREFUSED)
        why = QStringLiteral("a new connection was refused");
    else if (error == ETIMEDOUT)
        why = QStringLiteral("a new connection got no answer within %1 ms").arg(w.connectTimeoutMs);
    else
        why = QStringLiteral("a new connection failed: %1").arg(errorText(error));
    drop(key, true, QStringLiteral("the node closed its connection and %1").arg(why));
}

void ConnectionWatcher::closeSocket(Watch &w)
{
    if (w.fd < 0)
        return;
    m_loop.remove(w.fd);
    ::close(w.fd);
    w.fd = -1;
    if (w.phase == Phase::Open)
        --m_open;
}

void ConnectionWatcher::setPhase(Watch &w, Phase phase)
{
    w.phase = phase;
    if (phase == Phase::Open)
        m_unopened.erase(w.key);
    else
        m_unopened.insert(w.key);
}

void ConnectionWatcher::drop(quint64 key, bool wasOpen, const QString &reason)
{
    if (auto it = m_watches.find(key); it != m_watches.end()) {
        closeSocket(it->second);
        m_unopened.erase(key);
        m_watches.erase(it);
    }
    m_report(Lost{key, wasOpen, reason});
}

} // namespace jobfirst
