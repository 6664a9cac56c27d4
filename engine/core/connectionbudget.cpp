// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/connectionbudget.h"

#include <sys/resource.h>

namespace jobfirst {

std::size_t idleConnectionBudget()
{
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    const rlim_t soft = files.rlim_cur == RLIM_INFINITY ? 1 << 20 : files.rlim_cur;
    return std::size_t(soft / 4);
}

} // namespace jobfirst
