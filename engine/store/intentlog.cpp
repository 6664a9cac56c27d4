// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/intentlog.h"

#include <QFile>
#include <QFileInfo>
#include <QtEndian>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

namespace jobfirst {

namespace {

constexpr char Magic[8] = {'J', 'F', 'I', 'N', 'T', 'E', 'N', 'T'};
constexpr quint32 FormatVersion = 1;

// Header layout: magic (8), version (4), CRC-32C of bytes 16..64 (4), epoch (8), file bytes
// (8), store id (16), zeros to 64.
constexpr int HeaderUsed = 64;

QString systemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

/// CRC-32C (Castagnoli), as iSCSI and ext4 use it: the SSE 4.2 instruction where the CPU has
/// it (a few hundred bytes a record take well under a microsecond), else a table.
quint32 crc32cTable(quint32 crc, const char *data, std::size_t n)
{
    static const auto table = [] {
        std::array<quint32, 256> t{};
        for (quint32 i = 0; i < 256; ++i) {
            quint32 c = i;
            for (int k = 0; k < 8; ++k)
                c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    for (std::size_t i = 0; i < n; ++i)
        crc = table[(crc ^ quint8(data[i])) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) quint32 crc32cHardware(quint32 crc, const char *data,
                                                         std::size_t n)
{
    quint64 c = crc;
    for (; n >= 8; n -= 8, data += 8) {
        quint64 word;
        std::memcpy(&word, data, 8);
        c = __builtin_ia32_crc32di(c, word);
    }
    auto c32 = quint32(c);
    for (; n > 0; --n, ++data)
        c32 = __builtin_ia32_crc32qi(c32, quint8(*data));
    return c32;
}
#endif

quint32 crc32c(const char *data, std::size_t n)
{
#if defined(__x86_64__)
    static const bool hardware = __builtin_cpu_supports("sse4.2");
    if (hardware)
        return ~crc32cHardware(~0u, data, n);
#endif
    return ~crc32cTable(~0u, data, n);
}

/// Writes a record's fields into a buffer sized for them beforehand.
class Writer
{
public:
    explicit Writer(char *out) : m_out(out) {}
    char *end() const { return m_out; }
    void u8(quint8 v) { *m_out++ = char(v); }
    void u16(quint16 v) { put(qToLittleEndian(v)); }
    void u32(quint32 v) { put(qToLittleEndian(v)); }
    void i64(qint64 v) { put(qToLittleEndian(v)); }
    void bytes(const char *data, qsizetype n)
    {
        u32(quint32(n));
        std::memcpy(m_out, data, std::size_t(n));
        m_out += n;
    }
    void text(const QString &s)
    {
        // Ids and names are mostly ASCII: narrowed in place, without a QByteArray.
        char *length = m_out;
        m_out += 4;
        const QChar *u = s.constData();
        qsizetype i = 0;
        for (; i < s.size() && u[i].unicode() < 0x80; ++i)
            m_out[i] = char(u[i].unicode());
        if (i < s.size()) {
            const QByteArray utf8 = s.toUtf8();
            std::memcpy(m_out, utf8.constData(), std::size_t(utf8.size()));
            i = utf8.size();
        }
        m_out += i;
        const quint32 n = qToLittleEndian(quint32(i));
        std::memcpy(length, &n, 4);
    }

private:
    template <class T> void put(T v)
    {
        std::memcpy(m_out, &v, sizeof v);
        m_out += sizeof v;
    }
    char *m_out;
};

/// Reads a record's fields, checking every length against what is left.
class Reader
{
public:
    Reader(const char *data, qsizetype n) : m_data(data), m_left(n) {}
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_left == 0; }
    quint8 u8() { return get<quint8>(); }
    quint16 u16() { return qFromLittleEndian(get<quint16>()); }
    quint32 u32() { return qFromLittleEndian(get<quint32>()); }
    qint64 i64() { return qFromLittleEndian(get<qint64>()); }
    QByteArray bytes()
    {
        const quint32 n = u32();
        if (!m_ok || n > quint64(m_left))
            return fail<QByteArray>();
        QByteArray b(m_data, n);
        m_data += n;
        m_left -= n;
        return b;
    }
    QString text()
    {
        const QByteArray b = bytes();
        return QString::fromUtf8(b);
    }

private:
    template <class T> T fail()
    {
        m_ok = false;
        m_left = 0;
        return T{};
    }
    template <class T> T get()
    {
        if (!m_ok || m_left < qsizetype(sizeof(T)))
            return fail<T>();
        T v;
        std::memcpy(&v, m_data, sizeof v);
        m_data += sizeof v;
        m_left -= qsizetype(sizeof v);
        return v;
    }
    const char *m_data;
    qsizetype m_left;
    bool m_ok = true;
};

/// The events of one record, or an empty list with `ok` false when its body is not one.
QList<OutboxItem> decode(const char *body, qsizetype n, bool &ok)
{
    Reader r(body, n);
    QList<OutboxItem> items;
    const quint32 count = r.u32();
    // Every item takes at least 37 bytes: a count beyond that is not a record of ours.
    if (!r.ok() || count == 0 || count > quint64(n) / 37) {
        ok = false;
        return {};
    }
    items.reserve(count);
    for (quint32 i = 0; i < count && r.ok(); ++i) {
        OutboxItem item;
        item.event.createdAt = r.i64();
        item.dueAt = r.i64();
        item.coalesce = r.u8() != 0;
        item.event.eventId = r.text();
        item.event.type = r.text();
        item.event.userId = r.text();
        item.payload = r.bytes();
        const quint16 targets = r.u16();
        for (quint16 t = 0; t < targets && r.ok(); ++t)
            item.targets << r.text();
        const quint16 limits = r.u16();
        for (quint16 t = 0; t < limits && r.ok(); ++t)
            item.rowLimits << int(r.u32());
        items << std::move(item);
    }
    ok = r.ok() && r.atEnd();
    return ok ? items : QList<OutboxItem>();
}

bool writeAll(int fd, const char *data, qint64 n, qint64 offset)
{
    while (n > 0) {
        const ssize_t w = ::pwrite(fd, data, std::size_t(n), offset);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        n -= w;
        offset += w;
    }
    return true;
}

/// The first `bytes` of the log open as `fd` (at `path`) into `content`.
Status readWhole(int fd, qint64 bytes, const QString &path, QByteArray &content)
{
    content = QByteArray(bytes, Qt::Uninitialized);
    for (qint64 at = 0; at < bytes;) {
        const ssize_t r = ::pread(fd, content.data() + at, std::size_t(bytes - at), at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return makeError(QStringLiteral("intentlog.unreadable"),
                             QStringLiteral("cannot read intent log %1: %2")
                                 .arg(path, r < 0 ? systemError() : QStringLiteral("short read")));
        at += r;
    }
    return {};
}

/// Where a log's records end, or the record whose events cannot be read.
struct RecordScan
{
    qint64 next = IntentLog::HeaderBytes; ///< where the next record goes
    qint64 unreadableAt = -1;             ///< a record with a valid checksum but no readable events
};

/// The events of `content`'s records of `epoch`, appended to `replay`.
RecordScan scanRecords(const QByteArray &content, quint64 epoch, QList<OutboxItem> &replay)
{
    constexpr int RecordHeaderBytes = IntentLog::RecordHeaderBytes;
    const qint64 bytes = content.size();
    // Records of this epoch, up to the first torn one (the write a crash cut short) or the
    // first of an earlier epoch (left past the end of this one's).
    qint64 at = IntentLog::HeaderBytes;
    while (at + RecordHeaderBytes <= bytes) {
        const char *r = content.constData() + at;
        quint32 length, recordCrc;
        quint64 recordEpoch;
        std::memcpy(&length, r, 4);
        std::memcpy(&recordCrc, r + 4, 4);
        std::memcpy(&recordEpoch, r + 8, 8);
        length = qFromLittleEndian(length);
        if (qFromLittleEndian(recordEpoch) != epoch || length == 0 ||
            length > quint64(bytes - at - RecordHeaderBytes) ||
            qFromLittleEndian(recordCrc) != crc32c(r + 8, 8 + std::size_t(length)))
            break;
        bool ok = false;
        QList<OutboxItem> items = decode(r + RecordHeaderBytes, length, ok);
        if (!ok)
            return {at, at};
        replay.append(std::move(items));
        at += RecordHeaderBytes + length;
    }
    return {at, -1};
}

} // namespace

IntentLog::IntentLog(QString path, int fd) : m_path(std::move(path)), m_fd(fd) {}

IntentLog::~IntentLog()
{
    if (m_fd >= 0)
        ::close(m_fd); // and with it the lock
}

Error IntentLog::malformed(const QString &what) const
{
    return makeError(QStringLiteral("intentlog.malformed"),
                     QStringLiteral("intent log %1 is malformed: %2; it was not replayed and "
                                    "nothing was changed (move it away to start without it, "
                                    "losing the events it holds that the store lacks)")
                         .arg(m_path, what));
}

Result<std::unique_ptr<IntentLog>> IntentLog::open(const QString &path, const QByteArray &storeId,
                                                   qint64 bytes)
{
    const QByteArray name = QFile::encodeName(path);
    const bool existed = QFileInfo::exists(path);
    const int fd = ::open(name.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return makeError(existed ? QStringLiteral("intentlog.unreadable")
                                 : QStringLiteral("intentlog.create"),
                         QStringLiteral("cannot open intent log %1: %2").arg(path, systemError()));
    std::unique_ptr<IntentLog> log(new IntentLog(path, fd));
    log->m_storeId = storeId;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
        return makeError(QStringLiteral("intentlog.busy"),
                         QStringLiteral("intent log %1 is held by another process").arg(path));
    // A header never written (all zeros, or a file shorter than one) belongs to a creation
    // that did not finish: no record is written before the header, so it holds nothing.
    char header[HeaderUsed] = {};
    const ssize_t got = ::pread(fd, header, sizeof header, 0);
    if (got < 0)
        return makeError(QStringLiteral("intentlog.unreadable"),
                         QStringLiteral("cannot read intent log %1: %2").arg(path, systemError()));
    if (std::all_of(header, header + got, [](char c) { return c == 0; })) {
        if (Status s = log->initialize(bytes, storeId); !s)
            return s.error();
        return log;
    }
    if (Status s = log->load(storeId); !s)
        return s.error();
    return log;
}

Status IntentLog::initialize(qint64 bytes, const QByteArray &storeId)
{
    // Zero-filled by writing, not fallocate(): a write into an unwritten extent converts it,
    // which costs a journal commit on every sync; overwriting written blocks costs none.
    const auto failed = [this](const QString &what) {
        return makeError(
            QStringLiteral("intentlog.create"),
            QStringLiteral("cannot create intent log %1: %2: %3").arg(m_path, what, systemError()));
    };
    m_bytes = std::max<qint64>(bytes, 2 * HeaderBytes);
    const std::vector<char> zeros(256 * 1024, 0);
    for (qint64 at = 0; at < m_bytes; at += qint64(zeros.size()))
        if (!writeAll(m_fd, zeros.data(), std::min<qint64>(qint64(zeros.size()), m_bytes - at), at))
            return failed(QStringLiteral("write"));
    if (::ftruncate(m_fd, m_bytes) != 0 || ::fsync(m_fd) != 0)
        return failed(QStringLiteral("sync"));
    m_storeId = storeId;
    if (Status s = writeHeader(1); !s)
        return s;
    // Its directory entry too, once.
    const QByteArray dir = QFile::encodeName(QFileInfo(m_path).absolutePath());
    const int dirFd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    m_epoch = 1;
    m_next = HeaderBytes;
    return {};
}

Status IntentLog::writeHeader(quint64 epoch)
{
    char header[HeaderUsed] = {};
    std::memcpy(header, Magic, 8);
    const quint32 version = qToLittleEndian(FormatVersion);
    std::memcpy(header + 8, &version, 4);
    const quint64 e = qToLittleEndian(epoch);
    std::memcpy(header + 16, &e, 8);
    const quint64 size = qToLittleEndian(quint64(m_bytes));
    std::memcpy(header + 24, &size, 8);
    std::memcpy(header + 32, m_storeId.constData(),
                std::size_t(std::min(16, int(m_storeId.size()))));
    const quint32 crc = qToLittleEndian(crc32c(header + 16, HeaderUsed - 16));
    std::memcpy(header + 12, &crc, 4);
    // One sector: written whole or not at all.
    if (!writeAll(m_fd, header, HeaderUsed, 0) || ::fdatasync(m_fd) != 0)
        return makeError(
            QStringLiteral("intentlog.write"),
            QStringLiteral("cannot write intent log %1: %2").arg(m_path, systemError()));
    return {};
}

Status IntentLog::load(const QByteArray &storeId)
{
    struct stat st;
    if (::fstat(m_fd, &st) != 0)
        return makeError(
            QStringLiteral("intentlog.unreadable"),
            QStringLiteral("cannot read intent log %1: %2").arg(m_path, systemError()));
    char header[HeaderUsed];
    if (::pread(m_fd, header, HeaderUsed, 0) != HeaderUsed)
        return malformed(QStringLiteral("it is %1 bytes, shorter than its header").arg(st.st_size));
    if (std::memcmp(header, Magic, 8) != 0)
        return malformed(QStringLiteral("it does not start with the intent log marker"));
    quint32 version, crc;
    quint64 epoch, bytes;
    std::memcpy(&version, header + 8, 4);
    std::memcpy(&crc, header + 12, 4);
    std::memcpy(&epoch, header + 16, 8);
    std::memcpy(&bytes, header + 24, 8);
    if (qFromLittleEndian(version) != FormatVersion)
        return malformed(QStringLiteral("format version %1; this program reads version %2")
                             .arg(qFromLittleEndian(version))
                             .arg(FormatVersion));
    if (qFromLittleEndian(crc) != crc32c(header + 16, HeaderUsed - 16))
        return malformed(QStringLiteral("its header's checksum does not match"));
    m_epoch = qFromLittleEndian(epoch);
    m_bytes = qint64(qFromLittleEndian(bytes));
    if (m_bytes < 2 * HeaderBytes || m_bytes > st.st_size)
        return malformed(QStringLiteral("its header says %1 bytes, the file has %2")
                             .arg(m_bytes)
                             .arg(st.st_size));
    const QByteArray id(header + 32, 16);
    QByteArray content;
    if (Status s = readWhole(m_fd, m_bytes, m_path, content); !s)
        return s;
    const RecordScan scan = scanRecords(content, m_epoch, m_replay);
    if (scan.unreadableAt >= 0)
        return malformed(QStringLiteral("the record at byte %1 has a valid checksum but no events "
                                        "that can be read")
                             .arg(scan.unreadableAt));
    m_next = scan.next;
    if (id == storeId)
        return {};
    if (!m_replay.isEmpty())
        return makeError(
            QStringLiteral("intentlog.foreign"),
            QStringLiteral("intent log %1 belongs to another store (id %2; this "
                           "store's id is %3) and holds %4 of its events; it was not "
                           "replayed and nothing was changed (move it away if that "
                           "store's events are not wanted here)")
                .arg(m_path, QString::fromLatin1(id.toHex()), QString::fromLatin1(storeId.toHex()))
                .arg(m_replay.size()));
    // Another store's log with nothing in it (that store was removed, or replaced by a
    // restored backup): nothing to lose, so it becomes this store's, in an epoch of its own.
    m_storeId = storeId;
    return restart();
}

qsizetype IntentLog::recordBytes(std::span<OutboxRequest *const> writes)
{
    // An upper bound: a UTF-16 unit is at most 3 bytes of UTF-8.
    qsizetype n = RecordHeaderBytes + 4;
    for (OutboxRequest *r : writes) {
        for (const OutboxItem &item : std::get<EventWrite>(*r).items) {
            const SyncEvent &e = item.event;
            n += 8 + 8 + 1 + 4 * 4 + 2 + 2 + item.payload.size() +
                 3 * (e.eventId.size() + e.type.size() + e.userId.size()) +
                 4 * item.rowLimits.size();
            for (const QString &t : item.targets)
                n += 4 + 3 * t.size();
        }
    }
    return n;
}

IntentLog::Record IntentLog::encode(std::span<OutboxRequest *const> writes)
{
    Record record;
    record.bytes.resize(recordBytes(writes));
    Writer w(record.bytes.data() + RecordHeaderBytes);
    quint32 count = 0;
    for (OutboxRequest *r : writes)
        count += quint32(std::get<EventWrite>(*r).items.size());
    w.u32(count);
    for (OutboxRequest *r : writes) {
        for (const OutboxItem &item : std::get<EventWrite>(*r).items) {
            const SyncEvent &e = item.event;
            w.i64(e.createdAt);
            w.i64(item.dueAt);
            w.u8(item.coalesce ? 1 : 0);
            w.text(e.eventId);
            w.text(e.type);
            w.text(e.userId);
            w.bytes(item.payload.constData(), item.payload.size());
            w.u16(quint16(item.targets.size()));
            for (const QString &t : item.targets)
                w.text(t);
            w.u16(quint16(item.rowLimits.size()));
            for (int limit : item.rowLimits)
                w.u32(quint32(limit));
        }
    }
    record.bytes.resize(w.end() - record.bytes.constData());
    return record;
}

bool IntentLog::place(Record &record)
{
    if (m_next + record.bytes.size() > m_bytes)
        return false;
    record.offset = m_next;
    record.epoch = m_epoch;
    m_next += record.bytes.size();
    return true;
}

Status IntentLog::restart()
{
    if (Status s = writeHeader(m_epoch + 1); !s)
        return s;
    ++m_epoch;
    m_next = HeaderBytes;
    return {};
}

Status IntentLog::write(std::span<Record *const> records)
{
    // Consecutive records go in one call (a group of callers whose records queued together).
    std::vector<iovec> parts;
    parts.reserve(records.size());
    for (std::size_t i = 0; i < records.size();) {
        parts.clear();
        const qint64 start = records[i]->offset;
        qint64 end = start;
        for (; i < records.size() && records[i]->offset == end && parts.size() < 1024; ++i) {
            Record &r = *records[i];
            char *h = r.bytes.data();
            const quint32 length = qToLittleEndian(quint32(r.bytes.size() - RecordHeaderBytes));
            const quint64 epoch = qToLittleEndian(r.epoch);
            std::memcpy(h, &length, 4);
            std::memcpy(h + 8, &epoch, 8);
            const quint32 crc = qToLittleEndian(crc32c(h + 8, std::size_t(r.bytes.size()) - 8));
            std::memcpy(h + 4, &crc, 4);
            parts.push_back(iovec{h, std::size_t(r.bytes.size())});
            end += r.bytes.size();
        }
        qint64 done = 0;
        while (done < end - start) {
            // Past a short write, the rest one record at a time (rare: regular files).
            if (done > 0) {
                qint64 skip = done;
                std::size_t k = 0;
                while (skip >= qint64(parts[k].iov_len))
                    skip -= qint64(parts[k++].iov_len);
                if (!writeAll(m_fd, static_cast<char *>(parts[k].iov_base) + skip,
                              qint64(parts[k].iov_len) - skip, start + done))
                    break;
                done += qint64(parts[k].iov_len) - skip;
                continue;
            }
            const ssize_t w = ::pwritev(m_fd, parts.data(), int(parts.size()), start);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            done += w;
        }
        if (done < end - start)
            return makeError(
                QStringLiteral("intentlog.write"),
                QStringLiteral("cannot write intent log %1: %2").arg(m_path, systemError()));
    }
    if (::fdatasync(m_fd) != 0)
        return makeError(
            QStringLiteral("intentlog.write"),
            QStringLiteral("cannot sync intent log %1: %2").arg(m_path, systemError()));
    return {};
}

} // namespace jobfirst
