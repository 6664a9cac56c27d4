// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>

namespace jobfirst {

/// How many files (sockets included) this process may hold open: its soft RLIMIT_NOFILE.
std::size_t openFileLimit();

/// How many idle connections one keeper (the connection watcher, the plain health-check
/// client) may hold: a quarter of the process's file limit, so that kept connections never
/// take the descriptors that health checks, deliveries and the store need.
std::size_t idleConnectionBudget();

} // namespace jobfirst
