// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/bulkwork.h"

#include <QtGlobal>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

namespace jobfirst {

namespace {
std::atomic<int> g_levels{0};
std::atomic<int> g_targetNice{0}; ///< the nice value bulk threads take (absolute)

/// The calling thread's nice value, or `fallback` when it cannot be read.
int threadNice(int fallback)
{
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, id_t(gettid()));
    return errno == 0 ? nice : fallback;
}
} // namespace

void setBulkWorkNiceness(int levels)
{
    g_levels = std::clamp(levels, 0, 19);
    // Absolute, from the caller's value: a bulk thread started by another (a dispatcher by the
    // delivery loop) inherits the lowered value and must not be lowered twice.
    g_targetNice = std::min(19, threadNice(0) + g_levels);
}

int bulkWorkNiceness()
{
    return g_levels;
}

void beginBulkWorkThread(const char *name)
{
    pthread_setname_np(pthread_self(), name); // names it in top and perf
    if (g_levels == 0)
        return;
    const int target = g_targetNice;
    if (threadNice(target) < target)
        (void)setpriority(PRIO_PROCESS, id_t(gettid()), target); // raising nice needs no privilege
}

} // namespace jobfirst
