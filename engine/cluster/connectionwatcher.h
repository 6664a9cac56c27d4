// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/epollset.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <sys/socket.h>

namespace jobfirst {

/// Holds one idle TCP connection to each watched node, on its own thread (epoll), so that a
/// node whose process dies is noticed between health checks: the kernel closes a dead
/// process's connections at once. On a close the watcher opens a new connection at once; a
/// node that only closed an idle connection accepts it and is not reported, a dead one refuses
/// it (or does not answer within the connect timeout) and is reported as lost.
///
/// A host that vanishes without closing anything is not seen here: its connection stays open
/// and the health checks catch it. Linux only (epoll).
class ConnectionWatcher final
{
public:
    struct Lost
    {
        quint64 key = 0;
        /// True when an open connection closed and a new one failed: the node's process is
        /// likely gone. False when the first connection after watch() could not be opened.
        bool wasOpen = false;
        QString reason; ///< "closed, and a new connection was refused", ...
    };
    /// Called on the watcher thread; the key is no longer watched when it is called.
    using Report = std::function<void(const Lost &lost)>;

    explicit ConnectionWatcher(Report report);
    ~ConnectionWatcher();
    ConnectionWatcher(const ConnectionWatcher &) = delete;
    ConnectionWatcher &operator=(const ConnectionWatcher &) = delete;

    /// Thread-safe: starts watching `host:port` under `key` (a key already watched is
    /// replaced). New connections that do not complete within `connectTimeoutMs` fail.
    void watch(quint64 key, const QString &host, quint16 port, qint64 connectTimeoutMs);
    /// Thread-safe: stops watching `key` and closes its connection; nothing is reported.
    void unwatch(quint64 key);
    /// Thread-safe: stops watching everything.
    void clear();
    /// Connections open now (for tests and benchmarks).
    int openConnections() const { return m_open; }
    /// How many keys may be watched at once: a quarter of the process's file limit, so that
    /// watching never takes the descriptors the health checks and deliveries need.
    std::size_t capacity() const { return m_capacity; }

private:
    enum class Phase { Connecting, Open, Waiting };
    struct Watch
    {
        quint64 key = 0;
        QByteArray host;
        quint16 port = 0;
        qint64 connectTimeoutMs = 2000;
        std::vector<sockaddr_storage> addresses; ///< resolved once; `address` is the one in use
        std::vector<socklen_t> lengths;
        std::size_t address = 0;
        int fd = -1;
        Phase phase = Phase::Connecting;
        bool everOpen = false;   ///< a connection to this node was open since watch()
        bool afterClose = false; ///< the connection being opened replaces one the node closed
        bool probe = false;      ///< opened only to learn that the node lives, then closed
        qint64 deadline = 0;     ///< connect timeout, or the end of a wait
        qint64 openedAt = 0;
        int shortLived = 0; ///< closes in a row of connections that lived < ShortLivedMs
    };
    struct Command
    {
        enum class Kind { Watch, Unwatch, Clear } kind;
        quint64 key = 0;
        QByteArray host;
        quint16 port = 0;
        qint64 connectTimeoutMs = 0;
    };

    void run();
    void apply(std::vector<Command> &commands);
    void start(quint64 key, Watch &w, qint64 now);
    void connectNext(quint64 key, Watch &w, qint64 now);
    void onEvent(quint64 key, std::uint32_t events, qint64 now);
    void onOpen(Watch &w, qint64 now);
    void onClosed(quint64 key, Watch &w, qint64 now);
    void onConnectFailed(quint64 key, Watch &w, int error, qint64 now);
    void closeSocket(Watch &w);
    void setPhase(Watch &w, Phase phase);
    void drop(quint64 key, bool wasOpen, const QString &reason);
    int waitMs(qint64 now) const;

    Report m_report;
    EpollSet m_loop;
    std::size_t m_capacity = 0;
    std::unordered_map<quint64, Watch> m_watches; ///< watcher thread only
    /// Keys of the watches not open (connecting or waiting): only these have deadlines, so a
    /// wakeup looks at them, not at every watch.
    std::unordered_set<quint64> m_unopened;
    std::mutex m_mutex;
    std::vector<Command> m_commands;
    std::atomic_int m_open{0};
    std::atomic_bool m_stop{false};
    std::thread m_thread;
};

} // namespace jobfirst
