// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace jobfirst {

/// Copies the WAL back into the store file on a connection and thread of its own, so the
/// outbox writer never checkpoints on its commit path. A checkpoint is asked for when the WAL
/// has grown by a given number of frames; it never blocks the writer (PASSIVE), and the WAL
/// starts over from its beginning once everything in it has been copied.
class WalCheckpointer final
{
public:
    explicit WalCheckpointer(QString dbPath);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    /// The WAL holds `frames` frames: checkpoint when it has grown enough since the last.
    void walGrew(int frames);
    /// Checkpoints run since start.
    qint64 checkpoints() const { return m_checkpoints.load(); }

    /// A quarter of SQLite's own autocheckpoint default (1000). Each checkpoint first syncs
    /// the WAL frames it copies; 4 MiB at a time held the intent log's syncs behind them
    /// (1 % of them took over 1 ms, and callers' p99 wait was 2 ms at 50 callers); 1 MiB
    /// at a time halved that p99 (docs/benchmarks.md, session 27).
    static constexpr int FramesPerCheckpoint = 250;

private:
    void run();

    QString m_dbPath;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_wanted = false;
    int m_framesAtLast = 0; ///< WAL frames when the last checkpoint ran
    bool m_stopping = false;
    std::atomic<qint64> m_checkpoints{0};
    std::thread m_thread;
};

} // namespace jobfirst
