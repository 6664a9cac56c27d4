// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QThreadPool;

namespace jobfirst {

/// The threads background work runs on: integrity checks, backups, pruning, reports, imports,
/// file reads and writes for the console. Never QThreadPool::globalInstance(): Qt 6.4's raster
/// engine splits a large fill over that pool and waits for it on the GUI thread, so a backup
/// queued there would stall the console's frames for as long as it runs.
QThreadPool *backgroundPool();

} // namespace jobfirst
