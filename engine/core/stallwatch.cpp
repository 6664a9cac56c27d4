// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/stallwatch.h"

#include <chrono>

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
    m_thread = std::thread([this] { run(); });
}

StallWatch::~StallWatch()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
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
    // The watch itself not having run for that long is the stall, seen before its thread
    // wakes: after SIGCONT the threads resume in no particular order.
    return resumingFromMs() > 0 || m_lastStallEndNs > steadyNs;
}

qint64 StallWatch::lastStallMs() const
{
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
