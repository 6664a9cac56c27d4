// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stallwatch.h"

#include <QtGlobal>

#include <chrono>
#include <system_error>

namespace jobfirst {

namespace {
constexpr auto BeatEvery = std::chrono::milliseconds(250);
constexpr qint64 NsPerMs = 1000000;
} // namespace

std::shared_ptr<StallWatch> StallWatch::shared()
{
    static std::mutex mutex;
    static std::weak_ptr<StallWatch> current;
    std::lock_guard lock(mutex);
    std::shared_ptr<StallWatch> watch = current.lock();
    if (!watch) {
        watch.reset(new StallWatch);
        current = watch;
    }
    return watch;
}

StallWatch::StallWatch() : m_lastBeatNs(nowNs())
{
    // Out of threads: the process runs on without noticing stalls, as before the watch was
    // there, rather than aborting wherever the first holder happened to be made.
    try {
        m_thread = std::thread([this] { run(); });
    } catch (const std::system_error &e) {
        qWarning("jobfirst: cannot start the stall watch (%s): a timeout across a pause of this "
                 "process will count as the peer's failure",
                 e.what());
    }
}

StallWatch::~StallWatch()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

qint64 StallWatch::nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 StallWatch::resumingFromMs() const
{
    const qint64 late = (nowNs() - m_lastBeatNs) / NsPerMs - qint64(BeatEvery.count());
    return late > StallMs ? late : 0;
}

bool StallWatch::stalledSince(qint64 steadyNs) const
{
    if (!m_thread.joinable())
        return false; // not watching: nothing is known of stalls
    // The watch itself not having run for that long is the stall, seen before its thread
    // wakes: after SIGCONT the threads resume in no particular order.
    return resumingFromMs() > 0 || m_lastStallEndNs > steadyNs;
}

qint64 StallWatch::lastStallMs() const
{
    if (!m_thread.joinable())
        return 0;
    const qint64 resuming = resumingFromMs();
    return resuming > 0 ? resuming : m_lastStallMs.load();
}

void StallWatch::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, BeatEvery, [this] { return m_stop; })) {
        const qint64 now = nowNs();
        const qint64 late = (now - m_lastBeatNs) / NsPerMs - qint64(BeatEvery.count());
        if (late > StallMs) {
            m_lastStallMs = late;
            m_lastStallEndNs = now;
        }
        m_lastBeatNs = now;
    }
}

} // namespace jobfirst
