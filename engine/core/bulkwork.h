// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobfirst {

/// Bulk work: the threads that move events in volume (the outbox writer, its syncs and
/// answers, the WAL checkpoint, the delivery loop and its dispatchers, the PostgreSQL
/// writers). In a process with a window (the console's embedded engine) they give way on a
/// contended core to the GUI thread, as Qt Creator's indexers do: Linux keeps a nice value
/// per thread, and each bulk thread sets its own `levels` above the thread that called this.
/// Health checks, heartbeats and the stall watch keep their priority: they observe, and a
/// check held back would read as a slow node. 0 (jobfirstd, jobfirstctl): no change.
void setBulkWorkNiceness(int levels);
/// What the console sets for its embedded engine (and bench_gui, to measure the console): at
/// 10 the GUI thread wins a core contended by one bulk thread about nine times in ten. The
/// frame p99 of bench_gui fell from 12.2-17.2 ms to 8.8-10.2 ms (session 32).
constexpr int ConsoleBulkWorkNiceness = 10;
int bulkWorkNiceness();

/// Called first on a bulk-work thread: names it (top, perf) and lowers it as set above.
void beginBulkWorkThread(const char *name);

} // namespace jobfirst
