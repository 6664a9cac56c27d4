// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/backgroundpool.h"

#include <QThread>
#include <QThreadPool>

#include <algorithm>

namespace jobfirst {

namespace {
struct Pool : QThreadPool
{
    Pool() { setMaxThreadCount(std::max(2, QThread::idealThreadCount())); }
};
} // namespace

Q_GLOBAL_STATIC(Pool, s_pool)

QThreadPool *backgroundPool()
{
    return s_pool();
}

} // namespace jobfirst
