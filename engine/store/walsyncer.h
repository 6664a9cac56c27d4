// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/intentlog.h"

#include <QString>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace jobfirst {

/// Makes committed outbox groups durable: syncs the store's WAL file (fdatasync) on a thread
/// of its own, then runs the callbacks of every group committed before the sync started. One
/// sync covers every group that arrived while the previous one ran, and the writer commits the
/// next groups meanwhile (Redis does one fsync per event-loop turn in the same way).
///
/// The connection that commits must not sync itself (synchronous=NORMAL keeps the WAL header
/// synced after a restart and the checkpoints safe); every commit is followed by submit().
/// A failed sync fails every callback waiting and every one after it: the store's pages may
/// not be on disk, so nothing more is confirmed. Callbacks run in order on an answering
/// thread, so the next sync starts as soon as the last one ended.
///
/// With an intent log (setIntentLog()), a small group can instead be made durable by its
/// record in the log (submitLogged()), written and synced here while the group commits.
class WalSyncer final
{
public:
    /// `ok` is false when the WAL could not be synced; `error` says why.
    using Done = std::function<void(bool ok, const QString &error)>;

    /// Throws std::system_error, with no thread left running, when its threads cannot start.
    explicit WalSyncer(QString walPath);
    ~WalSyncer();
    WalSyncer(const WalSyncer &) = delete;
    WalSyncer &operator=(const WalSyncer &) = delete;

    /// Runs `done` once everything committed before this call is on disk; `callers` is how
    /// many threads wait for it (a few are answered at once, more on the answering thread).
    void submit(Done done, int callers = 1);
    /// The intent log submitLogged() writes to; set before the first call.
    void setIntentLog(IntentLog *log) { m_log = log; }
    /// Runs `done` once `record` (placed in the intent log) is written and synced; the group
    /// it holds may still be committing meanwhile. In order with submit()'s callbacks.
    void submitLogged(IntentLog::Record record, Done done, int callers = 1);
    /// Waits until every record and sync submitted so far is done, then syncs the WAL on the
    /// calling thread: everything committed before the call is then on disk. False, with
    /// `error`, when a sync failed (now or before).
    bool syncNow(QString &error);
    /// Syncs on the calling thread and runs `done` there, when no sync is running or waiting
    /// and no answers are pending (so answers keep their order); false, with `done` untouched,
    /// otherwise. A lone caller is then answered without a hand-off to the sync thread (a
    /// wake-up that cost a third of its wait here).
    bool syncHere(Done &done);
    /// For a caller thread that writes its own record (writeHere()) instead of waking the sync
    /// thread: places `record` in the intent log and takes the sync's turn, when the log is
    /// set, no sync runs or waits, no answers are pending and nothing failed; false, with
    /// nothing done, otherwise. Every writeHere() must follow a true placeHere().
    bool placeHere(IntentLog::Record &record);
    /// Writes and syncs the record placeHere() placed, on the calling thread, then gives the
    /// turn back. False, with `error`, when it failed: nothing later is confirmed either.
    bool writeHere(IntentLog::Record &record, QString &error);
    /// Syncs counted since start.
    qint64 syncs() const;
    /// Where the syncs stand, for the writer to time its next group (OutboxWriter).
    struct Progress
    {
        bool waiting = false; ///< callbacks wait for a sync that has not started yet
        bool syncing = false; ///< a sync runs (on any thread; startedAt is the sync thread's)
        int lastCallers = 0;  ///< callers the last sync of the sync thread answered
        std::chrono::steady_clock::time_point startedAt;    ///< of the sync running, or the last
        std::chrono::steady_clock::duration lastDuration{}; ///< of the last one that ended
    };
    Progress progress() const;
    /// Runs (on the sync thread) when a sync starts, taking everything waiting.
    std::function<void()> onSyncStarted;

private:
    struct Entry
    {
        Done done;
        IntentLog::Record record;
        bool logged = false;
    };

    void run();
    void answer();
    /// Ends the sync thread (once nothing waits) and the answering thread, if it started.
    void stopThreads();
    bool sync(QString &error);
    /// Writes the logged entries' records and syncs the WAL for the others.
    bool syncBatch(std::vector<Entry> &batch, QString &error);

    QString m_walPath;
    int m_fd = -1;
    unsigned long m_inode = 0;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle; ///< a sync ended
    std::vector<Entry> m_waiting;
    int m_waitingCallers = 0;
    int m_lastCallers = 0;
    std::chrono::steady_clock::time_point m_startedAt;
    std::chrono::steady_clock::duration m_lastDuration{};
    bool m_stopping = false;
    bool m_syncing = false; ///< a sync runs, on the sync thread or in syncHere()
    QString m_failure;
    qint64 m_syncs = 0;
    // Callers are answered on a thread of their own: waking a few dozen waiting threads
    // one by one took longer than the sync itself, and the next sync waited for it.
    std::condition_variable m_answerWake;
    std::deque<std::pair<std::vector<Entry>, QString>> m_answers;
    IntentLog *m_log = nullptr;
    bool m_syncDone = false;
    bool m_answering = false; ///< the answering thread runs callbacks (order must hold)
    std::thread m_thread;
    std::thread m_answerThread;
};

} // namespace jobfirst
