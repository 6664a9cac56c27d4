// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/walsyncer.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jobfirst {

WalSyncer::WalSyncer(QString walPath) : m_walPath(std::move(walPath))
{
    m_thread = std::thread([this] { run(); });
}

WalSyncer::~WalSyncer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    if (m_fd >= 0)
        ::close(m_fd);
}

void WalSyncer::submit(Done done)
{
    {
        std::lock_guard lock(m_mutex);
        m_waiting.push_back(std::move(done));
    }
    m_wake.notify_one();
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
    pthread_setname_np(pthread_self(), "jf-walsync"); // names it in top and perf
    while (true) {
        std::vector<Done> batch;
        QString failure;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_waiting.empty(); });
            if (m_waiting.empty())
                return; // stopping with nothing left
            batch.swap(m_waiting);
            failure = m_failure;
        }
        if (failure.isEmpty() && !sync(failure)) {
            std::lock_guard lock(m_mutex);
            m_failure = failure;
        }
        {
            std::lock_guard lock(m_mutex);
            ++m_syncs;
        }
        for (Done &done : batch)
            done(failure.isEmpty(), failure);
    }
}

} // namespace jobfirst
