// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/walsyncer.h"

#include "core/bulkwork.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobfirst {

WalSyncer::WalSyncer(QString walPath) : m_walPath(std::move(walPath))
{
    m_thread = std::thread([this] { run(); });
    try {
        m_answerThread = std::thread([this] { answer(); });
    } catch (...) {
        // std::system_error when no thread can start: the sync thread must not be left
        // joinable, or unwinding this constructor calls std::terminate.
        stopThreads();
        throw;
    }
}

WalSyncer::~WalSyncer()
{
    stopThreads();
    if (m_fd >= 0)
        ::close(m_fd);
}

void WalSyncer::stopThreads()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    if (m_answerThread.joinable())
        m_answerThread.join();
}

void WalSyncer::submit(Done done, int callers)
{
    {
        std::lock_guard lock(m_mutex);
        m_waiting.push_back(Entry{std::move(done), {}, false});
        m_waitingCallers += callers;
    }
    m_wake.notify_one();
}

void WalSyncer::submitLogged(IntentLog::Record record, Done done, int callers)
{
    {
        std::lock_guard lock(m_mutex);
        m_waiting.push_back(Entry{std::move(done), std::move(record), true});
        m_waitingCallers += callers;
    }
    m_wake.notify_one();
}

bool WalSyncer::syncNow(QString &error)
{
    {
        std::unique_lock lock(m_mutex);
        m_idle.wait(lock, [this] { return m_waiting.empty() && !m_syncing; });
        if (!m_failure.isEmpty()) {
            error = m_failure;
            return false;
        }
        m_syncing = true;
    }
    const bool ok = sync(error);
    {
        std::lock_guard lock(m_mutex);
        ++m_syncs;
        if (!ok)
            m_failure = error;
        m_syncing = false;
    }
    m_wake.notify_one();
    m_idle.notify_all();
    return ok;
}

bool WalSyncer::syncBatch(std::vector<Entry> &batch, QString &error)
{
    std::vector<IntentLog::Record *> records;
    bool wal = false;
    for (Entry &e : batch) {
        if (e.logged)
            records.push_back(&e.record);
        else
            wal = true;
    }
    if (!records.empty()) {
        if (Status s = m_log->write(records); !s) {
            error = s.error().message;
            return false;
        }
    }
    return !wal || sync(error);
}

bool WalSyncer::syncHere(Done &done)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_syncing || !m_waiting.empty() || !m_answers.empty() || m_answering ||
            !m_failure.isEmpty())
            return false;
        m_syncing = true;
    }
    QString failure;
    const bool ok = sync(failure);
    {
        std::lock_guard lock(m_mutex);
        ++m_syncs;
        if (!ok)
            m_failure = failure;
        m_syncing = false;
    }
    m_wake.notify_one(); // the sync thread waits for it to end before syncing again
    m_idle.notify_all();
    done(ok, failure);
    return true;
}

bool WalSyncer::placeHere(IntentLog::Record &record)
{
    std::lock_guard lock(m_mutex);
    if (!m_log || m_syncing || !m_waiting.empty() || !m_answers.empty() || m_answering ||
        !m_failure.isEmpty() || !m_log->place(record))
        return false;
    m_syncing = true; // syncNow() (and so the log's restart) waits for writeHere()
    return true;
}

bool WalSyncer::writeHere(IntentLog::Record &record, QString &error)
{
    IntentLog::Record *const records[] = {&record};
    const Status written = m_log->write(records);
    std::lock_guard lock(m_mutex);
    ++m_syncs;
    if (!written) {
        error = written.error().message;
        m_failure = error;
    }
    m_syncing = false;
    // Under the lock: once it is released, the writer may stop and destroy this syncer.
    m_wake.notify_one();
    m_idle.notify_all();
    return bool(written);
}

WalSyncer::Progress WalSyncer::progress() const
{
    std::lock_guard lock(m_mutex);
    return Progress{!m_waiting.empty(), m_syncing, m_lastCallers, m_startedAt, m_lastDuration};
}

qint64 WalSyncer::syncs() const
{
    std::lock_guard lock(m_mutex);
    return m_syncs;
}

bool WalSyncer::sync(QString &error)
{
    const QByteArray path = QFile::encodeName(m_walPath);
    struct stat st;
    if (::stat(path.constData(), &st) != 0) {
        error = QStringLiteral("cannot find %1: %2")
                    .arg(m_walPath, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (m_fd < 0 || st.st_ino != m_inode) {
        // A new WAL file: its directory entry must be on disk too, once.
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) {
            error = QStringLiteral("cannot open %1: %2")
                        .arg(m_walPath, QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        m_inode = st.st_ino;
        const QByteArray dir = QFile::encodeName(QFileInfo(m_walPath).absolutePath());
        const int dirFd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirFd >= 0) {
            ::fsync(dirFd);
            ::close(dirFd);
        }
    }
    // fdatasync covers every write to the file made before it started, by any connection
    // or process (the page cache is per file, not per descriptor).
    if (::fdatasync(m_fd) != 0) {
        error = QStringLiteral("cannot sync %1: %2")
                    .arg(m_walPath, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
}

void WalSyncer::run()
{
    beginBulkWorkThread("jf-walsync");
    while (true) {
        std::vector<Entry> batch;
        int callers = 0;
        QString failure;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return (m_stopping || !m_waiting.empty()) && !m_syncing; });
            if (m_waiting.empty()) {
                m_syncDone = true; // stopping with nothing left
                m_answerWake.notify_one();
                return;
            }
            batch.swap(m_waiting);
            m_syncing = true;
            m_startedAt = std::chrono::steady_clock::now();
            callers = m_waitingCallers;
            m_waitingCallers = 0;
            failure = m_failure;
        }
        if (onSyncStarted)
            onSyncStarted();
        if (failure.isEmpty() && !syncBatch(batch, failure)) {
            std::lock_guard lock(m_mutex);
            m_failure = failure;
        }
        bool direct;
        {
            std::lock_guard lock(m_mutex);
            ++m_syncs;
            m_syncing = false;
            m_lastCallers = callers;
            m_lastDuration = std::chrono::steady_clock::now() - m_startedAt;
            // One or two callers are answered here (a hand-off to the answering thread
            // would add its wake-up to their wait); more go there, in order.
            direct = callers <= 2 && m_answers.empty() && !m_answering;
            if (!direct)
                m_answers.emplace_back(std::move(batch), failure);
            m_answering = m_answering || direct; // syncHere() waits its turn
        }
        m_idle.notify_all();
        if (direct) {
            for (Entry &e : batch)
                e.done(failure.isEmpty(), failure);
            std::lock_guard lock(m_mutex);
            m_answering = false;
        } else {
            m_answerWake.notify_one();
        }
    }
}

void WalSyncer::answer()
{
    beginBulkWorkThread("jf-walanswer");
    while (true) {
        std::pair<std::vector<Entry>, QString> next;
        {
            std::unique_lock lock(m_mutex);
            m_answerWake.wait(lock, [this] { return m_syncDone || !m_answers.empty(); });
            if (m_answers.empty())
                return;
            next = std::move(m_answers.front());
            m_answers.pop_front();
            m_answering = true;
        }
        for (Entry &e : next.first)
            e.done(next.second.isEmpty(), next.second);
        std::lock_guard lock(m_mutex);
        m_answering = false;
    }
}

} // namespace jobfirst
