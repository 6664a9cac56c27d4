// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <span>

#include <sys/epoll.h>

namespace jobfirst {

/// The event loop under the plain-HTTP client and the connection watcher: an epoll set with a
/// wake-up descriptor, so that another thread can interrupt a wait. Linux only.
class EpollSet final
{
public:
    EpollSet();
    ~EpollSet();
    EpollSet(const EpollSet &) = delete;
    EpollSet &operator=(const EpollSet &) = delete;

    /// False when the kernel gave no epoll or eventfd descriptor (errno says why).
    bool ok() const { return m_epoll >= 0 && m_wake >= 0; }
    /// Readable when a wait would return at once: lets a caller wait on it with other loops.
    int fd() const { return m_epoll; }
    /// Watches `fd` for `events`; its events carry `key` (any value but ~0).
    void add(int fd, std::uint32_t events, std::uint64_t key);
    void modify(int fd, std::uint32_t events, std::uint64_t key);
    void remove(int fd);
    /// Thread-safe: ends the current or next wait.
    void wake();
    /// Waits up to `timeoutMs` (-1: until something happens) and returns the watched
    /// descriptors' events; a wake() ends the wait and is not among them. Valid until the
    /// next wait.
    std::span<const epoll_event> wait(int timeoutMs);

private:
    int m_epoll = -1;
    int m_wake = -1;
    epoll_event m_events[256];
};

} // namespace jobfirst
