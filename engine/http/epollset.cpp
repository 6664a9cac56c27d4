// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/epollset.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace jobfirst {

namespace {

constexpr std::uint64_t WakeKey = ~std::uint64_t(0);

} // namespace

EpollSet::EpollSet()
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ok())
        add(m_wake, EPOLLIN, WakeKey);
}

EpollSet::~EpollSet()
{
    if (m_wake >= 0)
        ::close(m_wake);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

void EpollSet::add(int fd, std::uint32_t events, std::uint64_t key)
{
    epoll_event e{};
    e.events = events;
    e.data.u64 = key;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &e);
}

void EpollSet::modify(int fd, std::uint32_t events, std::uint64_t key)
{
    epoll_event e{};
    e.events = events;
    e.data.u64 = key;
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &e);
}

void EpollSet::remove(int fd)
{
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

void EpollSet::wake()
{
    if (m_wake < 0)
        return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(m_wake, &one, sizeof one);
}

std::span<const epoll_event> EpollSet::wait(int timeoutMs)
{
    const int n = epoll_wait(m_epoll, m_events, int(std::size(m_events)), timeoutMs);
    int kept = 0;
    for (int i = 0; i < n; ++i) {
        if (m_events[i].data.u64 == WakeKey) {
            std::uint64_t count = 0;
            [[maybe_unused]] const auto r = ::read(m_wake, &count, sizeof count);
            continue;
        }
        m_events[kept++] = m_events[i];
    }
    return {m_events, std::size_t(kept)};
}

} // namespace jobfirst
