// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace jobfirst {

/// Notices when this process itself was not running: stopped (SIGSTOP, Ctrl+Z, a debugger), a
/// paused virtual machine, a machine starved for seconds. A thread wakes every quarter second;
/// a wakeup that comes more than StallMs late is a stall. A request that timed out across a
/// stall says nothing about its peer (its answer may be waiting unread), so the health checks
/// and the demo's requests ask again instead of counting a failure, as Consul's agent and
/// HAProxy do not blame a target for the checker's own pause.
///
/// One watch serves the whole process: shared() starts it for the first holder and it stops
/// with the last. When no thread can be started, the watch logs a warning and reports no stall.
class StallWatch final
{
public:
    /// A wakeup later than this is a stall (four missed wakeups: more than a busy machine's
    /// scheduling delay).
    static constexpr qint64 StallMs = 1000;

    static std::shared_ptr<StallWatch> shared();
    ~StallWatch();
    StallWatch(const StallWatch &) = delete;
    StallWatch &operator=(const StallWatch &) = delete;

    /// The steady clock in nanoseconds, as the watch reads it (the start of a request).
    static qint64 nowNs();
    /// True when the process stalled at some time after `steadyNs` (nowNs() of a request's
    /// start), or is only now resuming from one (the watch has not woken for StallMs).
    bool stalledSince(qint64 steadyNs) const;
    /// The length of the last stall, in ms, or of the one the process is resuming from
    /// (0: none yet).
    qint64 lastStallMs() const;

private:
    StallWatch();
    void run();
    /// How late the watch's next wakeup is now, when that is a stall; else 0.
    qint64 resumingFromMs() const;

    std::atomic<qint64> m_lastBeatNs;
    std::atomic<qint64> m_lastStallEndNs{0};
    std::atomic<qint64> m_lastStallMs{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace jobfirst
