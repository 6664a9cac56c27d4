// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/backup.h"

#include "store/postgresurl.h"

#include "store/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QtEndian>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <QElapsedTimer>

#include <cerrno>
#include <memory>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace jobfirst {

namespace {

// File layout: header (authenticated as AAD) | ciphertext of the store copy | 16-byte GCM tag.
//   "JFBACKUP" | format 1 | kdf 1 (scrypt) | log2 N | r | p | salt[16] | nonce[12]
//   | created_at ms (int64 BE) | store bytes (int64 BE) | key check[8]
constexpr char Magic[8] = {'J', 'F', 'B', 'A', 'C', 'K', 'U', 'P'};
constexpr quint8 FormatVersion = 1;
constexpr quint8 KdfScrypt = 1;
constexpr int SaltBytes = 16;
constexpr int NonceBytes = 12;
constexpr int CheckBytes = 8;
constexpr int HeaderBytes = 8 + 5 + SaltBytes + NonceBytes + 8 + 8 + CheckBytes;
constexpr int TagBytes = 16;
constexpr qint64 ChunkBytes = 1024 * 1024;
constexpr int PagesPerStep = 256; // the copy yields to writers between steps of ~1 MiB
// A backup reads and writes at most this many bytes a second in each pass (copy, encrypt),
// so it never takes the whole disk (and the WAL's fsyncs with it) from the running engine:
// 1 GB takes about 2 x 11 s. Measured by bench_security backup (docs/benchmarks.md).
constexpr qint64 BytesPerSecond = 96LL * 1024 * 1024;
// The encrypted file is pushed to disk in steps of this size while it is written, instead
// of one fsync of the whole file at the end that would stall every other fsync behind it.
constexpr qint64 WritebackBytes = 8LL * 1024 * 1024;

/// Sleeps as needed to keep `add`ed bytes at or under BytesPerSecond.
class Pacer
{
public:
    Pacer() { m_clock.start(); }
    void add(qint64 bytes)
    {
        m_bytes += bytes;
        const qint64 dueMs = m_bytes * 1000 / BytesPerSecond;
        if (const qint64 ahead = dueMs - m_clock.elapsed(); ahead > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(ahead));
    }

private:
    QElapsedTimer m_clock;
    qint64 m_bytes = 0;
};

/// Starts writeback of each finished WritebackBytes of `fd`, waits for the one before it and
/// drops it from the page cache: a steady trickle to disk, a bounded amount dirty at a time.
class StreamingWriteback
{
public:
    explicit StreamingWriteback(int fd) : m_fd(fd) {}
    void written(qint64 end)
    {
        while (m_fd >= 0 && end - m_started >= WritebackBytes) {
            ::sync_file_range(m_fd, m_started, WritebackBytes, SYNC_FILE_RANGE_WRITE);
            if (m_started >= WritebackBytes) {
                const qint64 previous = m_started - WritebackBytes;
                ::sync_file_range(m_fd, previous, WritebackBytes,
                                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                      SYNC_FILE_RANGE_WAIT_AFTER);
                ::posix_fadvise(m_fd, previous, WritebackBytes, POSIX_FADV_DONTNEED);
            }
            m_started += WritebackBytes;
        }
    }

private:
    int m_fd;
    qint64 m_started = 0;
};

struct Header
{
    quint8 logN = 15;
    quint8 r = 8;
    quint8 p = 1;
    QByteArray salt;
    QByteArray nonce;
    qint64 createdAt = 0;
    qint64 storeBytes = 0;
    QByteArray check;

    QByteArray toBytes() const
    {
        QByteArray out(Magic, 8);
        out += char(FormatVersion);
        out += char(KdfScrypt);
        out += char(logN);
        out += char(r);
        out += char(p);
        out += salt;
        out += nonce;
        char number[8];
        qToBigEndian(createdAt, number);
        out += QByteArray(number, 8);
        qToBigEndian(storeBytes, number);
        out += QByteArray(number, 8);
        out += check;
        return out;
    }
};

Error backupError(const char *code, const Sentence &said)
{
    return makeError(QString::fromLatin1(code), said);
}

Result<Header> parseHeader(const QByteArray &bytes, const QString &file)
{
    if (bytes.size() < HeaderBytes || !bytes.startsWith(QByteArray(Magic, 8)))
        return backupError(
            Backup::NotABackup,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1 is not a JobFirst backup"), {file}));
    if (quint8(bytes.at(8)) != FormatVersion || quint8(bytes.at(9)) != KdfScrypt)
        return backupError(
            Backup::OtherVersion,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "%1 is a backup of format %2; this program reads format %3"),
                     {file, Sentence::value(quint8(bytes.at(8))), Sentence::value(FormatVersion)}));
    Header h;
    h.logN = quint8(bytes.at(10));
    h.r = quint8(bytes.at(11));
    h.p = quint8(bytes.at(12));
    if (h.logN < 10 || h.logN > 22 || h.r < 1 || h.r > 32 || h.p < 1 || h.p > 16)
        return backupError(
            Backup::HeaderAltered,
            Sentence(
                QT_TRANSLATE_NOOP("EngineSentence",
                                  "%1: its key derivation settings are out of range (altered)"),
                {file}));
    qsizetype at = 13;
    h.salt = bytes.mid(at, SaltBytes);
    at += SaltBytes;
    h.nonce = bytes.mid(at, NonceBytes);
    at += NonceBytes;
    h.createdAt = qFromBigEndian<qint64>(bytes.constData() + at);
    at += 8;
    h.storeBytes = qFromBigEndian<qint64>(bytes.constData() + at);
    at += 8;
    h.check = bytes.mid(at, CheckBytes);
    return h;
}

// 64 bytes from scrypt: the AES-256 key, then a key that only checks the passphrase.
Result<QByteArray> deriveKeys(const QByteArray &passphrase, const Header &h)
{
    QByteArray keys(64, Qt::Uninitialized);
    const uint64_t n = uint64_t(1) << h.logN;
    if (EVP_PBE_scrypt(passphrase.constData(), std::size_t(passphrase.size()),
                       reinterpret_cast<const unsigned char *>(h.salt.constData()),
                       std::size_t(h.salt.size()), n, h.r, h.p, 256ull * 1024 * 1024,
                       reinterpret_cast<unsigned char *>(keys.data()), 64) != 1)
        return backupError("backup.crypto", Sentence(QT_TRANSLATE_NOOP(
                                                "EngineSentence", "scrypt key derivation failed")));
    return keys;
}

QByteArray keyCheck(const QByteArray &keys)
{
    static const QByteArray label("jobfirst backup passphrase check");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), keys.constData() + 32, 32,
         reinterpret_cast<const unsigned char *>(label.constData()), std::size_t(label.size()), mac,
         &length);
    return QByteArray(reinterpret_cast<const char *>(mac), CheckBytes);
}

struct CipherDeleter
{
    void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
};
using Cipher = std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter>;

struct SqliteCloser
{
    void operator()(sqlite3 *db) const { sqlite3_close_v2(db); }
};
using Sqlite = std::unique_ptr<sqlite3, SqliteCloser>;

// Raw SQLite connections (for the online backup API) come from the same libsqlite3 that
// QtSql's driver uses (Debian builds Qt with the system SQLite), so SQLite coordinates their
// POSIX locks with the engine's connections in this process.
Result<Sqlite> openRaw(const QString &path, int flags)
{
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db, flags, nullptr);
    Sqlite handle(db);
    if (rc != SQLITE_OK)
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot open %1: %2"),
                                    {path, QString::fromUtf8(sqlite3_errstr(rc))}));
    sqlite3_busy_timeout(db, 10000);
    return handle;
}

void removeStoreFiles(const QString &path)
{
    for (const QString &suffix :
         {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")})
        QFile::remove(path + suffix);
}

qint64 pageSize(sqlite3 *db)
{
    qint64 size = 4096;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        size = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return size;
}

// The online copy: one read transaction held over every step, so the copy is the snapshot
// it started from and writers (other connections, other processes) go on meanwhile.
Status copyStore(const QString &dbPath, const QString &copyPath, const std::atomic_bool *cancel)
{
    auto src = openRaw(dbPath, SQLITE_OPEN_READONLY);
    if (!src)
        return src.error();
    auto dst = openRaw(copyPath, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!dst)
        return dst.error();
    // The copy lives for seconds and is encrypted, then removed: neither a journal nor an
    // fsync of it is worth a disk write (the encrypted file is synced).
    sqlite3_exec(dst->get(), "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", nullptr, nullptr,
                 nullptr);
    char *message = nullptr;
    if (sqlite3_exec(src->get(), "BEGIN; SELECT COUNT(*) FROM meta;", nullptr, nullptr, &message) !=
        SQLITE_OK) {
        const QString why = QString::fromUtf8(message ? message : "unknown error");
        sqlite3_free(message);
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read store %1: %2"),
                                    {dbPath, why}));
    }
    sqlite3_backup *b = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
    if (!b)
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot copy %1: %2"),
                                    {dbPath, QString::fromUtf8(sqlite3_errmsg(dst->get()))}));
    int rc = SQLITE_OK;
    Pacer pacer;
    const qint64 pageBytes = pageSize(src->get());
    do {
        if (cancel && cancel->load()) {
            sqlite3_backup_finish(b);
            return backupError(
                "backup.cancelled",
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the backup was cancelled")));
        }
        rc = sqlite3_backup_step(b, PagesPerStep);
        if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            pacer.add(PagesPerStep * pageBytes); // the engine's threads get the disk in between
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    sqlite3_exec(src->get(), "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_DONE)
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "copying %1 failed: %2"),
                                    {dbPath, QString::fromUtf8(sqlite3_errstr(rc))}));
    // A self-contained file: no WAL beside it.
    sqlite3_exec(dst->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    return {};
}

// PRAGMA integrity_check, and the JobFirst marker: "" when the store is sound.
QString checkStore(const QString &path)
{
    auto db = openRaw(path, SQLITE_OPEN_READWRITE);
    if (!db)
        return db.error().message;
    QString problem;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db->get(), "PRAGMA integrity_check(5)", -1, &stmt, nullptr) != SQLITE_OK)
        return QString::fromUtf8(sqlite3_errmsg(db->get()));
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const QString line =
            QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
        if (line != QLatin1String("ok"))
            problem += (problem.isEmpty() ? QString() : QStringLiteral("; ")) + line;
    }
    sqlite3_finalize(stmt);
    if (!problem.isEmpty())
        return problem;
    if (sqlite3_prepare_v2(db->get(), "SELECT value FROM meta WHERE key = 'magic'", -1, &stmt,
                           nullptr) != SQLITE_OK)
        return QStringLiteral("it is not a JobFirst store (%1)")
            .arg(QString::fromUtf8(sqlite3_errmsg(db->get())));
    const bool marked = sqlite3_step(stmt) == SQLITE_ROW &&
                        QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0))) ==
                            "jobfirst-cluster-store";
    sqlite3_finalize(stmt);
    sqlite3_exec(db->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    return marked ? QString() : QStringLiteral("it is not a JobFirst store (no store marker)");
}

Status makeOwnerOnlyFolder(const QString &file)
{
    const QFileInfo info(file);
    if (info.absoluteDir().exists())
        return {};
    if (!QDir().mkpath(info.absolutePath()) ||
        !QFile::setPermissions(info.absolutePath(), QFileDevice::ReadOwner |
                                                        QFileDevice::WriteOwner |
                                                        QFileDevice::ExeOwner))
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot create folder %1"),
                                    {info.absolutePath()}));
    return {};
}

/// The header of `backupFile` (its bytes in `headerBytes`), when the file is as long as it says.
Result<Header> readHeader(QFile &in, const QString &backupFile, QByteArray &headerBytes)
{
    headerBytes = in.read(HeaderBytes);
    auto header = parseHeader(headerBytes, backupFile);
    if (!header)
        return header.error();
    const qint64 expected = HeaderBytes + header->storeBytes + TagBytes;
    if (in.size() < expected)
        return backupError(
            Backup::Truncated,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1 is truncated: %2 of %3 bytes"),
                     {backupFile, Sentence::value(in.size()), Sentence::value(expected)}));
    if (in.size() > expected)
        return backupError(
            Backup::TrailingBytes,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "%1 has %2 bytes more than its header says (altered)"),
                     {backupFile, Sentence::value(in.size() - expected)}));
    return header;
}

/// AES-256-GCM under `keys` and `nonce`, encrypting or decrypting, the header authenticated
/// (not encrypted) first.
bool startCipher(EVP_CIPHER_CTX *ctx, bool encrypt, const QByteArray &keys, const QByteArray &nonce,
                 const QByteArray &headerBytes)
{
    int n = 0;
    return ctx &&
           EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NonceBytes, nullptr) == 1 &&
           EVP_CipherInit_ex(
               ctx, nullptr, nullptr, reinterpret_cast<const unsigned char *>(keys.constData()),
               reinterpret_cast<const unsigned char *>(nonce.constData()), encrypt) == 1 &&
           EVP_CipherUpdate(ctx, nullptr, &n,
                            reinterpret_cast<const unsigned char *>(headerBytes.constData()),
                            int(headerBytes.size())) == 1;
}

/// The store's `storeBytes` from `in` into `out`, then the tag checked.
Status decryptStore(EVP_CIPHER_CTX *ctx, QFile &in, QFile &out, qint64 storeBytes)
{
    const QString backupFile = in.fileName();
    const QString plainPath = out.fileName();
    int n = 0;
    QByteArray plain(ChunkBytes + 32, Qt::Uninitialized);
    qint64 left = storeBytes;
    while (left > 0) {
        const QByteArray chunk = in.read(std::min(left, ChunkBytes));
        if (chunk.isEmpty())
            return backupError("backup.io",
                               Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read %1: %2"),
                                        {backupFile, in.errorString()}));
        left -= chunk.size();
        if (EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char *>(plain.data()), &n,
                              reinterpret_cast<const unsigned char *>(chunk.constData()),
                              int(chunk.size())) != 1 ||
            out.write(plain.constData(), n) != n)
            return backupError("backup.io",
                               Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                        {plainPath, out.errorString()}));
    }
    QByteArray tag = in.read(TagBytes);
    if (tag.size() != TagBytes ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TagBytes, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char *>(plain.data()), &n) != 1)
        return backupError(
            Backup::ChecksumMismatch,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "%1 was altered: its authentication tag does not match"),
                     {backupFile}));
    return {};
}

// Decrypts `backupFile` into `plainPath` (created 0600); on any error `plainPath` is removed.
Result<BackupInfo> decryptTo(const QString &backupFile, const QByteArray &passphrase,
                             const QString &plainPath)
{
    QFile in(backupFile);
    if (!in.open(QIODevice::ReadOnly))
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read %1: %2"),
                                    {backupFile, in.errorString()}));
    QByteArray headerBytes;
    auto header = readHeader(in, backupFile, headerBytes);
    if (!header)
        return header.error();
    auto keys = deriveKeys(passphrase, header.value());
    if (!keys)
        return keys.error();
    if (keyCheck(keys.value()) != header->check)
        return backupError(
            "backup.passphrase",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1: wrong passphrase"), {backupFile}));
    QFile out(plainPath);
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly) ||
        !out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                    {plainPath, out.errorString()}));
    const auto fail = [&](const Error &e) -> Result<BackupInfo> {
        out.close();
        removeStoreFiles(plainPath);
        return e;
    };
    Cipher ctx(EVP_CIPHER_CTX_new());
    if (!startCipher(ctx.get(), false, keys.value(), header->nonce, headerBytes))
        return fail(backupError(
            "backup.crypto",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot set up AES-256-GCM"))));
    if (Status s = decryptStore(ctx.get(), in, out, header->storeBytes); !s)
        return fail(s.error());
    if (!out.flush() || !out.handle() || ::fsync(out.handle()) != 0) {
        return fail(backupError("backup.io",
                                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                         {plainPath, out.errorString()})));
    }
    out.close();
    return BackupInfo{header->createdAt, header->storeBytes, in.size()};
}

} // namespace

namespace {

/// Why a backup of `dbPath` into `backupFile` under `passphrase` cannot be made, if it cannot.
Status checkBackupRequest(const QString &dbPath, const QString &backupFile,
                          const QByteArray &passphrase)
{
    const qsizetype characters = QString::fromUtf8(passphrase).toUcs4().size();
    if (characters < Backup::MinPassphraseCharacters)
        return backupError(
            "backup.passphrase",
            Sentence(
                QT_TRANSLATE_NOOP(
                    "EngineSentence",
                    "the backup passphrase is %1 characters long; at least %2 are needed"),
                {Sentence::value(characters), Sentence::value(Backup::MinPassphraseCharacters)}));
    if (!QFileInfo(dbPath).isFile())
        return backupError(
            "backup.io",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "store %1 does not exist"), {dbPath}));
    if (QFileInfo(backupFile).absoluteFilePath() == QFileInfo(dbPath).absoluteFilePath())
        return backupError(
            "backup.io", Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "the backup file cannot be the store itself")));
    return {};
}

/// A new header for a store of `storeBytes` (fresh salt and nonce, now), its keys in `keys`.
Result<Header> newHeader(qint64 storeBytes, const QByteArray &passphrase, QByteArray &keys)
{
    Header h;
    h.salt = QByteArray(SaltBytes, Qt::Uninitialized);
    h.nonce = QByteArray(NonceBytes, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(h.salt.data()), SaltBytes) != 1 ||
        RAND_bytes(reinterpret_cast<unsigned char *>(h.nonce.data()), NonceBytes) != 1)
        return backupError(
            "backup.crypto",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "OpenSSL's random generator failed")));
    h.createdAt = QDateTime::currentMSecsSinceEpoch();
    h.storeBytes = storeBytes;
    auto derived = deriveKeys(passphrase, h);
    if (!derived)
        return derived.error();
    keys = derived.value();
    h.check = keyCheck(keys);
    return h;
}

/// The plain copy encrypted into `out` a chunk at a time, paced, then its tag; stops when
/// `cancel` is set (the backup file then not written).
Status encryptStore(EVP_CIPHER_CTX *ctx, QFile &plain, QSaveFile &out,
                    const std::atomic_bool *cancel)
{
    int n = 0;
    QByteArray cipher(ChunkBytes + 32, Qt::Uninitialized);
    Pacer pacer;
    StreamingWriteback writeback(out.handle());
    while (!plain.atEnd()) {
        if (cancel && cancel->load()) {
            out.cancelWriting();
            return backupError(
                "backup.cancelled",
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the backup was cancelled")));
        }
        const QByteArray chunk = plain.read(ChunkBytes);
        if (chunk.isEmpty() ||
            EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char *>(cipher.data()), &n,
                              reinterpret_cast<const unsigned char *>(chunk.constData()),
                              int(chunk.size())) != 1)
            return backupError(
                "backup.io",
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read the copy %1: %2"),
                         {plain.fileName(), plain.errorString()}));
        out.write(cipher.constData(), n);
        if (out.flush())
            writeback.written(out.pos());
        pacer.add(chunk.size());
    }
    QByteArray tag(TagBytes, Qt::Uninitialized);
    if (EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char *>(cipher.data()), &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TagBytes, tag.data()) != 1)
        return backupError("backup.crypto", Sentence(QT_TRANSLATE_NOOP(
                                                "EngineSentence", "AES-256-GCM could not finish")));
    out.write(tag);
    return {};
}

Result<BackupInfo> makeBackup(const QString &dbPath, const QString &backupFile,
                              const QByteArray &passphrase, const std::atomic_bool *cancel)
{
    if (Status s = checkBackupRequest(dbPath, backupFile, passphrase); !s)
        return s.error();
    if (Status s = makeOwnerOnlyFolder(backupFile); !s)
        return s.error();
    // The plain copy sits next to the store, as protected as the store, for the backup's time.
    const QString copy =
        QStringLiteral("%1.backup-%2.tmp").arg(dbPath).arg(QCoreApplication::applicationPid());
    removeStoreFiles(copy);
    struct Cleanup
    {
        QString path;
        ~Cleanup() { removeStoreFiles(path); }
    } cleanup{copy};
    if (Status s = copyStore(dbPath, copy, cancel); !s)
        return s.error();
    QFile plain(copy);
    if (!plain.open(QIODevice::ReadOnly))
        return backupError("backup.io", Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                                   "cannot read the copy %1: %2"),
                                                 {copy, plain.errorString()}));

    QByteArray keys;
    auto h = newHeader(plain.size(), passphrase, keys);
    if (!h)
        return h.error();
    const QByteArray headerBytes = h->toBytes();

    QSaveFile out(backupFile);
    if (!out.open(QIODevice::WriteOnly) ||
        !out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                    {backupFile, out.errorString()}));
    Cipher ctx(EVP_CIPHER_CTX_new());
    if (!startCipher(ctx.get(), true, keys, h->nonce, headerBytes))
        return backupError("backup.crypto", Sentence(QT_TRANSLATE_NOOP(
                                                "EngineSentence", "cannot set up AES-256-GCM")));
    out.write(headerBytes);
    if (Status s = encryptStore(ctx.get(), plain, out, cancel); !s)
        return s.error();
    if (!out.commit())
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                    {backupFile, out.errorString()}));
    return BackupInfo{h->createdAt, h->storeBytes, HeaderBytes + h->storeBytes + TagBytes};
}

} // namespace

Result<BackupInfo> Backup::create(const QString &dbPath, const QString &backupFile,
                                  const QByteArray &passphrase, const std::atomic_bool *cancel)
{
    // On a thread of its own, at a lower CPU and I/O priority than the engine's threads
    // (delivery, the WAL's fsyncs), which come first. The thread ends with the backup, so
    // no pool thread is left lowered.
    std::optional<Result<BackupInfo>> made;
    std::thread worker([&] {
        const auto tid = ::syscall(SYS_gettid);
        errno = 0;
        const int nice = ::getpriority(PRIO_PROCESS, id_t(tid));
        if (errno == 0)
            (void)::setpriority(PRIO_PROCESS, id_t(tid), std::min(nice + 10, 19));
        // ioprio_set(IOPRIO_WHO_PROCESS = this thread, best effort class 2, lowest level 7).
        (void)::syscall(SYS_ioprio_set, 1, int(tid), (2 << 13) | 7);
        made = makeBackup(dbPath, backupFile, passphrase, cancel);
    });
    worker.join();
    return std::move(*made);
}

Error Backup::sharedStoreError(const QString &sharedUrl)
{
    const auto url = PostgresUrl::parse(sharedUrl);
    const QString shown = url ? url->toString() : QStringLiteral("a postgresql:// URL");
    const QString database = url ? url->database() : QStringLiteral("DATABASE");
    return backupError(
        "backup.postgres",
        Sentence(QT_TRANSLATE_NOOP(
                     "EngineSentence",
                     "the shared store is PostgreSQL (%1): back it up with PostgreSQL's own"
                     " tools (pg_basebackup for the server, or pg_dump -Fc %2); a backup"
                     " file here would hold only this daemon's local SQLite part"),
                 {shown, database}));
}

Result<BackupInfo> Backup::verify(const QString &backupFile, const QByteArray &passphrase)
{
    const QString plain = QDir::temp().filePath(QStringLiteral("jobfirst-verify-%1-%2.db")
                                                    .arg(QCoreApplication::applicationPid())
                                                    .arg(QDateTime::currentMSecsSinceEpoch()));
    auto info = decryptTo(backupFile, passphrase, plain);
    if (!info)
        return info.error();
    const QString problem = checkStore(plain);
    removeStoreFiles(plain);
    if (!problem.isEmpty())
        return backupError(
            Backup::StoreDamaged,
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "%1 decrypts, but the store inside fails its check: %2"),
                     {backupFile, problem}));
    return info;
}

Result<BackupInfo> Backup::restore(const QString &backupFile, const QByteArray &passphrase,
                                   const QString &newDbPath, bool replace)
{
    const QFileInfo target(newDbPath);
    if (target.isDir())
        return backupError(
            "backup.io",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1 is a folder, not a store file"),
                     {newDbPath}));
    QString holder;
    if (Store::isHeld(newDbPath, &holder))
        return backupError(
            "backup.held",
            Sentence(
                QT_TRANSLATE_NOOP("EngineSentence",
                                  "%1 is open in an engine (%2): stop it before restoring over it"),
                {newDbPath, holder}));
    if (target.exists() && !replace)
        return backupError(
            "backup.exists",
            Sentence(
                QT_TRANSLATE_NOOP("EngineSentence",
                                  "%1 exists: restore to a new path (or replace it explicitly)"),
                {newDbPath}));
    if (!target.absoluteDir().exists())
        return backupError("backup.io",
                           Sentence(QT_TRANSLATE_NOOP("EngineSentence", "folder %1 does not exist"),
                                    {target.absolutePath()}));
    const QString staging =
        QStringLiteral("%1.restore-%2.tmp").arg(newDbPath).arg(QCoreApplication::applicationPid());
    removeStoreFiles(staging);
    auto info = decryptTo(backupFile, passphrase, staging);
    if (!info)
        return info.error();
    if (const QString problem = checkStore(staging); !problem.isEmpty()) {
        removeStoreFiles(staging);
        return backupError(
            Backup::StoreDamaged,
            Sentence(
                QT_TRANSLATE_NOOP(
                    "EngineSentence",
                    "%1 decrypts, but the store inside fails its check: %2; %3 was not changed"),
                {backupFile, problem, newDbPath}));
    }
    // Checked again: nothing may have opened the target meanwhile. The old store's -wal and
    // -shm go with it (a stale WAL must never be applied to the restored file).
    if (Store::isHeld(newDbPath, &holder)) {
        removeStoreFiles(staging);
        return backupError(
            "backup.held",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "%1 was opened by %2 during the restore; not changed"),
                     {newDbPath, holder}));
    }
    removeStoreFiles(newDbPath);
    if (!QFile::rename(staging, newDbPath)) {
        removeStoreFiles(staging);
        return backupError(
            "backup.io",
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "cannot move the restored store into place at %1"),
                     {newDbPath}));
    }
    QFile::setPermissions(newDbPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return info;
}

} // namespace jobfirst
