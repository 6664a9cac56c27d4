// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace jobfirst {

/// Writes each commit's WAL frames with one system call. SQLite writes a frame as two
/// pwrite()s, its 24-byte header and its page, so a commit of 14 pages made 28 system calls,
/// each paying the kernel's per-write cost (a third of the outbox writer thread's CPU went to
/// the kernel). This layer (an SQLite VFS over the default one, made the default) gathers the
/// consecutive writes to a WAL file and writes them at once when the commit's last frame is
/// written: before SQLite publishes the commit in the WAL index, so a reader never sees frames
/// that are not in the file yet. It also writes them before any read, sync, size or truncate
/// of that file, and before a write elsewhere in it. Other files pass through untouched.
/// Durability does not change: nothing was synced between the two writes of a frame before.
class WalFrameBatcher final
{
public:
    /// Installs the layer once per process, before the first SQLite connection opens. False
    /// when SQLite has no default VFS to put it over (the connections then write as before).
    static bool install();
};

} // namespace jobfirst
