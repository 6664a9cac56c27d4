// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgressilencewatch.h"

#include <libpq-fe.h>

#include <netinet/in.h>
#include <pthread.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace jobfirst {

struct PostgresSilenceWatch::State
{
    State(int ownFd, qint64 limit, QByteArray name) : fd(ownFd), limitMs(limit), label(std::move(name)) {}
    ~State() { close(fd); }
    State(const State &) = delete;
    State &operator=(const State &) = delete;

    const int fd; ///< a duplicate of the connection's socket, ours to shut down and close
    const qint64 limitMs;
    const QByteArray label;
    std::atomic<int> busy{0};
    std::atomic<qint64> busySinceMs{0};
    std::atomic<bool> cut{false};
};

namespace {

constexpr auto LookEvery = std::chrono::milliseconds(200);

qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// How long the socket has received no data, or -1 when the kernel does not say (not TCP).
qint64 sinceDataMs(int fd)
{
    tcp_info info{};
    socklen_t size = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return -1;
    return info.tcpi_last_data_recv;
}

/// The process's watched connections and the thread that looks at them.
class Watches
{
public:
    using State = PostgresSilenceWatch::State;

    static Watches &instance()
    {
        static auto *watches = new Watches; // lives as long as the process, like its thread
        return *watches;
    }

    void add(const std::shared_ptr<State> &state)
    {
        std::lock_guard lock(m_mutex);
        m_states.insert(state);
        startLocked();
        m_wake.notify_one();
    }

    void start()
    {
        std::lock_guard lock(m_mutex);
        startLocked();
    }

    void remove(const std::shared_ptr<State> &state)
    {
        std::lock_guard lock(m_mutex);
        m_states.erase(state);
    }

    qint64 cuts() const { return m_cuts.load(); }

private:
    void startLocked()
    {
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
    }

    [[noreturn]] void run()
    {
        pthread_setname_np(pthread_self(), "jf-pg-silence"); // names it in top and perf
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait_for(lock, LookEvery);
            m_wake.wait(lock, [this] { return !m_states.empty(); });
            const qint64 now = steadyMs();
            for (const auto &state : m_states)
                look(*state, now);
        }
    }

    void look(State &state, qint64 now)
    {
        if (state.cut || state.busy.load() == 0)
            return;
        qint64 silentMs = now - state.busySinceMs.load();
        if (const qint64 sinceData = sinceDataMs(state.fd); sinceData >= 0)
            silentMs = std::min(silentMs, sinceData);
        if (silentMs < state.limitMs)
            return;
        // Marked before the shutdown wakes the waiting thread, which then asks cut() to say
        // why its call failed (the other way round, under load it read "server closed the
        // connection unexpectedly" and the store took it for an ordinary loss).
        state.cut = true;
        ::shutdown(state.fd, SHUT_RDWR);
        ++m_cuts;
        qWarning("PostgreSQL store %s: no answer for %lld ms, connection dropped",
                 state.label.constData(), static_cast<long long>(silentMs));
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
    std::set<std::shared_ptr<State>> m_states;
    std::atomic<qint64> m_cuts{0};
};

} // namespace

PostgresSilenceWatch::Busy::Busy(std::shared_ptr<State> state) : m_state(std::move(state))
{
    if (!m_state)
        return;
    // The start first: the watch reads the count, then the start.
    if (m_state->busy.load() == 0)
        m_state->busySinceMs = steadyMs();
    ++m_state->busy;
}

PostgresSilenceWatch::Busy::~Busy()
{
    if (m_state)
        --m_state->busy;
}

PostgresSilenceWatch::PostgresSilenceWatch(pg_conn *connection, qint64 limitMs,
                                           const QString &label)
    : m_limitMs(limitMs)
{
    // A duplicate of the socket: shutdown() through it can never reach another file that
    // took the number after libpq closed its own descriptor.
    const int fd = connection ? PQsocket(connection) : -1;
    const int own = fd >= 0 ? dup(fd) : -1;
    if (own < 0)
        return;
    m_state = std::make_shared<State>(own, limitMs, label.toUtf8());
    Watches::instance().add(m_state);
}

PostgresSilenceWatch::~PostgresSilenceWatch()
{
    if (m_state)
        Watches::instance().remove(m_state);
}

bool PostgresSilenceWatch::cut() const
{
    return m_state && m_state->cut;
}

void PostgresSilenceWatch::drop()
{
    if (m_state)
        ::shutdown(m_state->fd, SHUT_RDWR);
}

QString PostgresSilenceWatch::reason() const
{
    return QStringLiteral("no answer from the server for %1 s (connection dropped)")
        .arg(double(m_limitMs) / 1000.0);
}

void PostgresSilenceWatch::startWatching()
{
    Watches::instance().start();
}

qint64 PostgresSilenceWatch::cutsSoFar()
{
    return Watches::instance().cuts();
}

} // namespace jobfirst
