// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/walframebatcher.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

namespace jobfirst {

namespace {

/// A WAL frame's header: the page number, then, for the last frame of a commit, the size of
/// the database in pages after it (zero in every other frame); salts and checksums follow.
constexpr int FrameHeaderBytes = 24;
/// Frames gathered beyond this are written at once (a commit of many pages goes in pieces).
/// Below 128 KiB: SQLite's unix VFS writes at most 128 KiB - 1 bytes a call (it masks the
/// length), and a longer write whose rest is exactly 128 KiB fails as a full disk.
constexpr int MaxGatheredBytes = 120 * 1024;

sqlite3_vfs *s_below = nullptr; // the VFS this one writes through
sqlite3_vfs s_vfs;
sqlite3_io_methods s_methods[3]; // one per version of the methods below, as its files have

/// SQLite allocates szOsFile bytes for an open file and passes them to xOpen: this header,
/// then the file of the VFS below.
struct File
{
    sqlite3_file base;
    sqlite3_file *below;
    char *bytes;          ///< frames gathered, not yet written
    sqlite3_int64 offset; ///< where bytes[0] goes in the file
    int used;
    int capacity;
    bool wal;        ///< a WAL file: its writes are gathered
    bool commitEnds; ///< the last write was a commit frame's header: its page ends it
};

File *fileOf(sqlite3_file *f)
{
    return reinterpret_cast<File *>(f);
}

int writeGathered(File *p)
{
    if (p->used == 0)
        return SQLITE_OK;
    const int used = std::exchange(p->used, 0);
    return p->below->pMethods->xWrite(p->below, p->bytes, used, p->offset);
}

bool makeRoom(File *p, int amount)
{
    if (p->used + amount <= p->capacity)
        return true;
    const int capacity = std::max({p->used + amount, 2 * p->capacity, 64 * 1024});
    auto *bytes = static_cast<char *>(sqlite3_realloc(p->bytes, capacity));
    if (!bytes)
        return false;
    p->bytes = bytes;
    p->capacity = capacity;
    return true;
}

std::uint32_t bigEndian32(const void *data)
{
    const auto *b = static_cast<const unsigned char *>(data);
    return std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 |
           std::uint32_t(b[3]);
}

int batchWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    File *p = fileOf(f);
    if (!p->wal)
        return p->below->pMethods->xWrite(p->below, data, amount, offset);
    // The page after a commit frame's header is the commit's last write: SQLite publishes the
    // commit in the WAL index once it returns.
    const bool header = amount == FrameHeaderBytes;
    const bool endsCommit = !header && std::exchange(p->commitEnds, false);
    if (header)
        p->commitEnds = bigEndian32(static_cast<const char *>(data) + 4) != 0;
    // Not where the gathered frames end (SQLite rewrites a frame, or starts the WAL over), or
    // more than one write can take: what is gathered goes first.
    if (p->used > 0 && (offset != p->offset + p->used || p->used + amount > MaxGatheredBytes)) {
        if (const int rc = writeGathered(p); rc != SQLITE_OK)
            return rc;
    }
    if (amount > MaxGatheredBytes || !makeRoom(p, amount)) {
        if (const int rc = writeGathered(p); rc != SQLITE_OK)
            return rc;
        return p->below->pMethods->xWrite(p->below, data, amount, offset);
    }
    if (p->used == 0)
        p->offset = offset;
    std::memcpy(p->bytes + p->used, data, std::size_t(amount));
    p->used += amount;
    return endsCommit ? writeGathered(p) : SQLITE_OK;
}

int batchClose(sqlite3_file *f)
{
    File *p = fileOf(f);
    const int written = writeGathered(p);
    sqlite3_free(p->bytes);
    p->bytes = nullptr;
    const int closed = p->below->pMethods->xClose(p->below);
    return written != SQLITE_OK ? written : closed;
}

int batchRead(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset)
{
    File *p = fileOf(f);
    if (const int rc = writeGathered(p); rc != SQLITE_OK)
        return rc;
    return p->below->pMethods->xRead(p->below, data, amount, offset);
}

int batchTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    File *p = fileOf(f);
    if (const int rc = writeGathered(p); rc != SQLITE_OK)
        return rc;
    return p->below->pMethods->xTruncate(p->below, size);
}

int batchSync(sqlite3_file *f, int flags)
{
    File *p = fileOf(f);
    if (const int rc = writeGathered(p); rc != SQLITE_OK)
        return rc;
    return p->below->pMethods->xSync(p->below, flags);
}

int batchFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    File *p = fileOf(f);
    if (const int rc = writeGathered(p); rc != SQLITE_OK)
        return rc;
    return p->below->pMethods->xFileSize(p->below, size);
}

// The rest passes through to the file below.
int batchLock(sqlite3_file *f, int level)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xLock(b, level);
}
int batchUnlock(sqlite3_file *f, int level)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xUnlock(b, level);
}
int batchCheckReservedLock(sqlite3_file *f, int *out)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xCheckReservedLock(b, out);
}
int batchFileControl(sqlite3_file *f, int op, void *arg)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xFileControl(b, op, arg);
}
int batchSectorSize(sqlite3_file *f)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xSectorSize(b);
}
int batchDeviceCharacteristics(sqlite3_file *f)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xDeviceCharacteristics(b);
}
int batchShmMap(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xShmMap(b, region, size, extend, out);
}
int batchShmLock(sqlite3_file *f, int offset, int n, int flags)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xShmLock(b, offset, n, flags);
}
void batchShmBarrier(sqlite3_file *f)
{
    sqlite3_file *b = fileOf(f)->below;
    b->pMethods->xShmBarrier(b);
}
int batchShmUnmap(sqlite3_file *f, int deleteFlag)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xShmUnmap(b, deleteFlag);
}
int batchFetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xFetch(b, offset, amount, out);
}
int batchUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *page)
{
    sqlite3_file *b = fileOf(f)->below;
    return b->pMethods->xUnfetch(b, offset, page);
}

int batchOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags)
{
    File *p = fileOf(f);
    std::memset(p, 0, sizeof(File));
    p->below = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(p) + sizeof(File));
    p->wal = (flags & SQLITE_OPEN_WAL) != 0;
    const int rc = s_below->xOpen(s_below, name, p->below, flags, outFlags);
    // SQLite closes a file whose methods are set even when its open failed: so does this one.
    if (p->below->pMethods) {
        const int version = std::clamp(p->below->pMethods->iVersion, 1, 3);
        p->base.pMethods = &s_methods[version - 1];
    }
    return rc;
}

// The VFS's other calls go to the VFS below.
int vfsDelete(sqlite3_vfs *, const char *name, int syncDir)
{
    return s_below->xDelete(s_below, name, syncDir);
}
int vfsAccess(sqlite3_vfs *, const char *name, int flags, int *out)
{
    return s_below->xAccess(s_below, name, flags, out);
}
int vfsFullPathname(sqlite3_vfs *, const char *name, int size, char *out)
{
    return s_below->xFullPathname(s_below, name, size, out);
}
void *vfsDlOpen(sqlite3_vfs *, const char *name)
{
    return s_below->xDlOpen(s_below, name);
}
void vfsDlError(sqlite3_vfs *, int size, char *out)
{
    s_below->xDlError(s_below, size, out);
}
void (*vfsDlSym(sqlite3_vfs *, void *handle, const char *symbol))(void)
{
    return s_below->xDlSym(s_below, handle, symbol);
}
void vfsDlClose(sqlite3_vfs *, void *handle)
{
    s_below->xDlClose(s_below, handle);
}
int vfsRandomness(sqlite3_vfs *, int size, char *out)
{
    return s_below->xRandomness(s_below, size, out);
}
int vfsSleep(sqlite3_vfs *, int microseconds)
{
    return s_below->xSleep(s_below, microseconds);
}
int vfsCurrentTime(sqlite3_vfs *, double *out)
{
    return s_below->xCurrentTime(s_below, out);
}
int vfsGetLastError(sqlite3_vfs *, int size, char *out)
{
    return s_below->xGetLastError(s_below, size, out);
}
int vfsCurrentTimeInt64(sqlite3_vfs *, sqlite3_int64 *out)
{
    return s_below->xCurrentTimeInt64(s_below, out);
}
int vfsSetSystemCall(sqlite3_vfs *, const char *name, sqlite3_syscall_ptr call)
{
    return s_below->xSetSystemCall(s_below, name, call);
}
sqlite3_syscall_ptr vfsGetSystemCall(sqlite3_vfs *, const char *name)
{
    return s_below->xGetSystemCall(s_below, name);
}
const char *vfsNextSystemCall(sqlite3_vfs *, const char *name)
{
    return s_below->xNextSystemCall(s_below, name);
}

void makeMethods()
{
    for (int version = 1; version <= 3; ++version) {
        sqlite3_io_methods &m = s_methods[version - 1];
        m = sqlite3_io_methods{};
        m.iVersion = version;
        m.xClose = batchClose;
        m.xRead = batchRead;
        m.xWrite = batchWrite;
        m.xTruncate = batchTruncate;
        m.xSync = batchSync;
        m.xFileSize = batchFileSize;
        m.xLock = batchLock;
        m.xUnlock = batchUnlock;
        m.xCheckReservedLock = batchCheckReservedLock;
        m.xFileControl = batchFileControl;
        m.xSectorSize = batchSectorSize;
        m.xDeviceCharacteristics = batchDeviceCharacteristics;
        if (version >= 2) {
            m.xShmMap = batchShmMap;
            m.xShmLock = batchShmLock;
            m.xShmBarrier = batchShmBarrier;
            m.xShmUnmap = batchShmUnmap;
        }
        if (version >= 3) {
            m.xFetch = batchFetch;
            m.xUnfetch = batchUnfetch;
        }
    }
}

void makeVfs()
{
    const sqlite3_vfs &b = *s_below;
    s_vfs = sqlite3_vfs{};
    s_vfs.iVersion = std::min(b.iVersion, 3);
    s_vfs.szOsFile = int(sizeof(File)) + b.szOsFile;
    s_vfs.mxPathname = b.mxPathname;
    s_vfs.zName = "jobfirst-wal-frames";
    s_vfs.xOpen = batchOpen;
    s_vfs.xDelete = vfsDelete;
    s_vfs.xAccess = vfsAccess;
    s_vfs.xFullPathname = vfsFullPathname;
    s_vfs.xDlOpen = b.xDlOpen ? vfsDlOpen : nullptr;
    s_vfs.xDlError = b.xDlError ? vfsDlError : nullptr;
    s_vfs.xDlSym = b.xDlSym ? vfsDlSym : nullptr;
    s_vfs.xDlClose = b.xDlClose ? vfsDlClose : nullptr;
    s_vfs.xRandomness = vfsRandomness;
    s_vfs.xSleep = vfsSleep;
    s_vfs.xCurrentTime = vfsCurrentTime;
    s_vfs.xGetLastError = b.xGetLastError ? vfsGetLastError : nullptr;
    if (s_vfs.iVersion >= 2)
        s_vfs.xCurrentTimeInt64 = b.xCurrentTimeInt64 ? vfsCurrentTimeInt64 : nullptr;
    if (s_vfs.iVersion >= 3) {
        s_vfs.xSetSystemCall = b.xSetSystemCall ? vfsSetSystemCall : nullptr;
        s_vfs.xGetSystemCall = b.xGetSystemCall ? vfsGetSystemCall : nullptr;
        s_vfs.xNextSystemCall = b.xNextSystemCall ? vfsNextSystemCall : nullptr;
    }
}

} // namespace

bool WalFrameBatcher::install()
{
    static std::once_flag once;
    static bool installed = false;
    std::call_once(once, [] {
        s_below = sqlite3_vfs_find(nullptr);
        if (!s_below)
            return;
        makeMethods();
        makeVfs();
        installed = sqlite3_vfs_register(&s_vfs, 1) == SQLITE_OK;
    });
    return installed;
}

} // namespace jobfirst
