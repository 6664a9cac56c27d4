// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/walcheckpointer.h"

#include "core/bulkwork.h"
#include "store/sqlitestatement.h"
#include "store/store.h"

#include <sqlite3.h>

namespace jobfirst {

WalCheckpointer::WalCheckpointer(QString dbPath) : m_dbPath(std::move(dbPath))
{
    m_thread = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void WalCheckpointer::walGrew(int frames)
{
    {
        std::lock_guard lock(m_mutex);
        if (frames < m_framesAtLast)
            m_framesAtLast = 0; // the WAL started over
        if (m_wanted || frames - m_framesAtLast < FramesPerCheckpoint)
            return;
        m_wanted = true;
    }
    m_wake.notify_one();
}

void WalCheckpointer::run()
{
    beginBulkWorkThread("jf-checkpoint");
    // Its own connection (synchronous=FULL as Store opens it): a checkpoint syncs the WAL
    // before copying and the store file after, whatever the writer's connection does.
    auto opened = Store::open(m_dbPath);
    sqlite3 *db = opened ? sqliteHandle(opened.value()->database()) : nullptr;
    while (true) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || m_wanted; });
            if (m_stopping)
                return;
        }
        int log = 0, copied = 0;
        if (db) {
            sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
            ++m_checkpoints;
        }
        std::lock_guard lock(m_mutex);
        m_wanted = false;
        m_framesAtLast = log;
    }
}

} // namespace jobfirst
