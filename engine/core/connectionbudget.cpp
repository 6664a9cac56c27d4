// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/connectionbudget.h"

#include <sys/resource.h>

namespace jobfirst {

std::size_t openFileLimit()
{
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    return files.rlim_cur == RLIM_INFINITY ? std::size_t(1) << 20 : std::size_t(files.rlim_cur);
}

std::size_t idleConnectionBudget()
{
    return openFileLimit() / 4;
}

} // namespace jobfirst
