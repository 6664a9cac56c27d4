// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/store.h"

#include "store/auditchain.h"
#include "store/statereports.h"
#include "store/staterows.h"
#include "store/walframebatcher.h"

#include <QAtomicInteger>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUrl>

#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <limits>
#include <mutex>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace jobfirst {

namespace {

QAtomicInteger<quint64> s_connectionCounter;

const char *const Magic = "jobfirst-cluster-store";
// A migration statement that is a step in C++ rather than SQL.
const char *const ChainAuditStep = "-- jobfirst: chain the existing audit rows";
// Stores up to this size are quick_check'ed when opened (milliseconds); larger ones in the
// background, by the engine.
constexpr qint64 QuickCheckAtOpenBytes = 64 * 1024 * 1024;

// Each entry migrates from version (index) to version (index + 1).
const QList<QStringList> &migrations()
{
    static const QList<QStringList> list = {
        {
            QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE nodes (id TEXT PRIMARY KEY, url TEXT NOT NULL, "
                           "health_path TEXT NOT NULL,"
                           " weight INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '', admin_state "
                           "TEXT NOT NULL,"
                           " health_state TEXT NOT NULL DEFAULT 'unknown', health_changed_at "
                           "INTEGER NOT NULL DEFAULT 0,"
                           " created_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE health_events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "node_id TEXT NOT NULL,"
                           " ts INTEGER NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
                           " reason TEXT NOT NULL, latency_ms REAL NOT NULL DEFAULT 0)"),
            QStringLiteral("CREATE INDEX health_events_node ON health_events(node_id, id)"),
            QStringLiteral(
                "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
                " before TEXT NOT NULL DEFAULT '', after TEXT NOT NULL DEFAULT '')"),
            QStringLiteral(
                "CREATE TABLE config_versions (version INTEGER PRIMARY KEY AUTOINCREMENT,"
                " ts INTEGER NOT NULL, actor TEXT NOT NULL, json TEXT NOT NULL)"),
            // Sync outbox: one row per accepted event, one row per (event, target) delivery.
            QStringLiteral("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id "
                           "TEXT NOT NULL UNIQUE,"
                           " type TEXT NOT NULL, user_id TEXT NOT NULL, version INTEGER NOT NULL,"
                           " payload TEXT NOT NULL, created_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "event_seq INTEGER NOT NULL,"
                           " target TEXT NOT NULL, user_id TEXT NOT NULL, state TEXT NOT NULL,"
                           " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
                           " last_error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
                           " updated_at INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX deliveries_state ON deliveries(state, id)"),
            QStringLiteral("CREATE INDEX deliveries_target ON deliveries(target, state, id)"),
            QStringLiteral("CREATE INDEX deliveries_user ON deliveries(target, user_id, state)"),
            QStringLiteral("CREATE TABLE target_state (name TEXT PRIMARY KEY, paused INTEGER NOT "
                           "NULL DEFAULT 0,"
                           " disabled INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '', "
                           "updated_at INTEGER NOT NULL)"),
            QStringLiteral(
                "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER "
                "NOT NULL,"
                " ts INTEGER NOT NULL, status INTEGER NOT NULL, duration_ms REAL NOT NULL,"
                " error TEXT NOT NULL, body_head TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX attempts_delivery ON attempts(delivery_id)"),
            QStringLiteral(
                "CREATE TABLE ledger (target TEXT NOT NULL, user_id TEXT NOT NULL,"
                " event_id TEXT NOT NULL, version INTEGER NOT NULL, acked_at INTEGER NOT NULL,"
                " PRIMARY KEY(target, user_id)) WITHOUT ROWID"),
            QStringLiteral(
                "CREATE TABLE import_jobs (path TEXT PRIMARY KEY, offset INTEGER NOT NULL,"
                " lines INTEGER NOT NULL, done INTEGER NOT NULL, updated_at INTEGER NOT NULL)"),
        },
        {
            // A delivery row covers event_count events with consecutive seqs from event_seq:
            // bulk migration writes one row per request instead of one per event and target.
            QStringLiteral(
                "ALTER TABLE deliveries ADD COLUMN event_count INTEGER NOT NULL DEFAULT 1"),
        },
        {
            // Partial indexes over the rows that are looked up (pending, dead): a delivery that
            // completes leaves them, instead of moving between entries of full indexes.
            QStringLiteral("DROP INDEX IF EXISTS deliveries_state"),
            QStringLiteral("DROP INDEX IF EXISTS deliveries_target"),
            QStringLiteral("DROP INDEX IF EXISTS deliveries_user"),
            QStringLiteral("CREATE INDEX deliveries_pending ON deliveries(target, id) WHERE state "
                           "= 'pending'"),
            QStringLiteral(
                "CREATE INDEX deliveries_pending_all ON deliveries(id) WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_pending_user ON deliveries(target, user_id) "
                           "WHERE state = 'pending'"),
            QStringLiteral("CREATE INDEX deliveries_dead ON deliveries(id) WHERE state = 'dead'"),
        },
        {
            // Admin API tokens: only a SHA-256 of each token is kept.
            QStringLiteral("CREATE TABLE api_tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
                           " node_id TEXT NOT NULL DEFAULT '', hash TEXT NOT NULL UNIQUE,"
                           " created_at INTEGER NOT NULL, created_by TEXT NOT NULL DEFAULT '')"),
        },
        {
            // The engine's own log lines (health and audit lines are read from their tables).
            QStringLiteral(
                "CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
                " level TEXT NOT NULL, component TEXT NOT NULL, kind TEXT NOT NULL DEFAULT '',"
                " node TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', message TEXT NOT "
                "NULL,"
                " fields TEXT NOT NULL DEFAULT '')"),
            QStringLiteral("CREATE INDEX logs_ts ON logs(ts)"),
            QStringLiteral("CREATE INDEX health_events_ts ON health_events(ts)"),
            // What the SLO figures are computed from: each consistency check's result, how
            // each delivery was sent (real-time, near-real-time, bulk), and for a node that
            // went down, when it last answered a check (the failure was after that).
            QStringLiteral("CREATE TABLE consistency_checks (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "ts INTEGER NOT NULL,"
                           " target TEXT NOT NULL, ledger_records INTEGER NOT NULL, "
                           "consistent_records INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX consistency_checks_ts ON consistency_checks(ts)"),
            QStringLiteral(
                "ALTER TABLE deliveries ADD COLUMN mode TEXT NOT NULL DEFAULT 'real-time'"),
            QStringLiteral(
                "ALTER TABLE health_events ADD COLUMN last_ok_at INTEGER NOT NULL DEFAULT 0"),
        },
        {
            // TLS and authentication per node (paths; the secrets stay in their files).
            QStringLiteral("ALTER TABLE nodes ADD COLUMN ca_file TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE nodes ADD COLUMN client_cert TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE nodes ADD COLUMN client_key TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE nodes ADD COLUMN tls_insecure INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE nodes ADD COLUMN token_file TEXT NOT NULL DEFAULT ''"),
        },
        {
            // Tamper-evident audit: each row carries the hash of the row before and its own.
            // The rows already there are chained once, by the step below (C++, same transaction).
            QStringLiteral("ALTER TABLE audit ADD COLUMN prev_hash TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT ''"),
            QString::fromLatin1(ChainAuditStep),
        },
        {
            // Only near-real-time rows (due after they were made, not yet tried) can be
            // superseded: index those alone, so a real-time or bulk row adds no entry at a
            // random place of a per-user index (a page more to write and sync per event).
            QStringLiteral("DROP INDEX IF EXISTS deliveries_pending_user"),
            QStringLiteral(
                "CREATE INDEX IF NOT EXISTS deliveries_coalescable ON deliveries(target, user_id)"
                " WHERE state = 'pending' AND attempts = 0 AND next_at > created_at"),
        },
        {
            // A bulk row's acknowledgement is one range of event seqs per target, not one ledger
            // row per user (LedgerRanges): what a user's latest acknowledged event is comes from
            // both tables; retention folds old ranges into per-user rows before it prunes.
            QStringLiteral(
                "CREATE TABLE ledger_ranges (target TEXT NOT NULL, first_seq INTEGER NOT NULL,"
                " end_seq INTEGER NOT NULL, acked_at INTEGER NOT NULL,"
                " PRIMARY KEY(target, first_seq, end_seq)) WITHOUT ROWID"),
        },
        {
            // Pending rows are read per target (deliveries_pending); the index over all of them
            // in id order cost every accepted event and every delivered one an index entry
            // (and a WAL page per commit). The queue of all targets is merged per target.
            QStringLiteral("DROP INDEX IF EXISTS deliveries_pending_all"),
        },
        {
            // The engine's open incidents (IncidentStore), so that a restarted engine takes
            // them back instead of raising them again under new ids. Severity as
            // Alert::Severity (0 info, 1 warning, 2 critical).
            QStringLiteral("CREATE TABLE IF NOT EXISTS incidents (id INTEGER PRIMARY KEY, kind"
                           " TEXT NOT NULL, subject TEXT NOT NULL, severity INTEGER NOT NULL, "
                           "started_at INTEGER"
                           " NOT NULL, last_at INTEGER NOT NULL, count INTEGER NOT NULL,"
                           " message TEXT NOT NULL DEFAULT '', code TEXT NOT NULL DEFAULT '')"),
        },
    };
    return list;
}

std::atomic<qint64> s_maxPageCount{0};

/// Process-wide SQLite settings, made before its first connection opens (SQLite takes them
/// only before it initializes). Memory statistics off: with them on, every allocation SQLite
/// makes takes one global mutex (the outbox writer accepted 12% more events a second without
/// it); nothing here reads sqlite3_memory_used() or sets a heap limit. WAL frames are written
/// one commit at a time (WalFrameBatcher).
void configureSqlite()
{
    static std::once_flag once;
    std::call_once(once, [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        WalFrameBatcher::install(); // after the configuration: registering initializes SQLite
    });
}

// Stores this process holds open, for isHeld(): POSIX locks do not report a process's own.
QMutex s_openMutex;
QHash<QString, int> s_openPaths;

QString canonical(const QString &path)
{
    const QFileInfo info(path);
    return info.exists() ? info.canonicalFilePath() : info.absoluteFilePath();
}

int sqliteCode(const QSqlError &e)
{
    return e.nativeErrorCode().toInt() & 0xff; // primary code of an extended one
}

/// Runs an opening step. While another connection turns a new file into WAL mode, SQLite
/// answers SQLITE_BUSY at once, without its busy handler: such a step is tried again for up
/// to 2 s (as the busy timeout at open), so processes opening one new store together all open
/// it. A file held longer than that is held, and says so.
bool execOpening(QSqlQuery &q, const QString &sql)
{
    QElapsedTimer waited;
    waited.start();
    while (!q.exec(sql)) {
        const int code = q.lastError().nativeErrorCode().toInt() & 0xff;
        if ((code != 5 && code != 6) || waited.elapsed() > 2000)
            return false;
        QThread::msleep(5);
    }
    return true;
}

// The error for a failed open step, told apart by SQLite's own code.
Error openError(const QString &path, const QSqlError &e)
{
    switch (sqliteCode(e)) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        return makeError(QStringLiteral("store.locked"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "store %1 is locked by another process (it "
                                                    "holds the file exclusively); stop it or "
                                                    "wait, then try again"),
                                  {path}));
    case 11: // SQLITE_CORRUPT
        return makeError(QStringLiteral("store.corrupt"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "store %1 is corrupt (%2); restore it from a "
                                                    "backup"),
                                  {path, e.text()}));
    case 26: // SQLITE_NOTADB
        return makeError(QStringLiteral("store.foreign"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "%1 is not a JobFirst store (not an SQLite "
                                                    "database)"),
                                  {path}));
    default:
        return makeError(QStringLiteral("store.open"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot open store %1: %2"),
                                  {path, e.text()}));
    }
}

/// Why the store file at `path` cannot be opened (a reader's must still be there).
Status checkStorePath(const QFileInfo &info, const QString &path, bool reader)
{
    if (reader && !info.exists())
        return makeError(QStringLiteral("store.missing"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "store %1 is gone: it was moved or deleted "
                                                    "while open"),
                                  {path}));
    if (info.exists() && info.isDir())
        return makeError(
            QStringLiteral("store.invalid"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "store %1 is a directory, not a file"),
                     {path}));
    if (!info.absoluteDir().exists())
        return makeError(
            QStringLiteral("store.invalid"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "store %1: folder %2 does not exist"),
                     {path, info.absolutePath()}));
    return {};
}

/// The store's SQLite connection named `connection`: a reader's fails if the file is gone.
void addStoreConnection(const QString &connection, const QFileInfo &info, const QString &path,
                        bool reader)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    if (reader) {
        // mode=rw: a file removed since the check above is an error, not a new empty store.
        QUrl uri = QUrl::fromLocalFile(info.absoluteFilePath());
        uri.setQuery(QStringLiteral("mode=rw"));
        db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000;QSQLITE_OPEN_URI"));
    } else {
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    }
}

/// The connection's settings, before the schema is read: the WAL, page size and permissions
/// of a new store, its size limit, FULL commits and foreign keys.
Status applyOpeningPragmas(QSqlQuery &q, const QString &path, bool created)
{
    // A lock held for seconds is another process holding the file, not a commit in progress:
    // say so after 2 s instead of waiting the full busy timeout.
    q.exec(QStringLiteral("PRAGMA busy_timeout=2000"));
    // Before anything is written: the first write fixes the page size.
    if (created)
        q.exec(QStringLiteral("PRAGMA page_size = %1").arg(Store::NewStorePageBytes));
    if (!execOpening(q, QStringLiteral("PRAGMA journal_mode=WAL")) || !q.next())
        return openError(path, q.lastError());
    q.finish();
    if (created) {
        // The store holds events, tokens in payloads and the audit log: owner only. chmod
        // (not a descriptor, see Store::open) as soon as SQLite made the files; they hold no
        // data yet.
        for (const QString &file :
             {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")})
            ::chmod(QFile::encodeName(file).constData(), 0600);
    }
    if (const qint64 pages = s_maxPageCount.load(); pages > 0)
        q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages));
    // FULL: a commit is on disk when it returns (one fsync per transaction, so writers group
    // many rows per commit). The delivery engine relaxes this on its own connection.
    q.exec(QStringLiteral("PRAGMA synchronous=FULL"));
    q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    return {};
}

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

} // namespace

Error storeError(const QString &path, const QString &what, const QString &detail)
{
    // The step that failed ("read acknowledged ranges") and SQLite's words stay values, in
    // English: they are for whoever reads the logs; the rest is said in the console's language.
    return makeError(QStringLiteral("store.query"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "store %1: %2 failed: %3"),
                              {path, what, detail}));
}

Store::Store(QString path, QString connection) : m_path(std::move(path)), m_connection(std::move(connection)) {}

Store::~Store()
{
    {
        QMutexLocker lock(&s_openMutex);
        const QString key = canonical(m_path);
        if (--s_openPaths[key] <= 0)
            s_openPaths.remove(key);
    }
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase Store::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

Result<std::unique_ptr<Store>> Store::open(const QString &path)
{
    return open(path, Opening::First);
}

Result<std::unique_ptr<Store>> Store::openReader(const QString &path)
{
    return open(path, Opening::Reader);
}

Result<std::unique_ptr<Store>> Store::open(const QString &path, Opening opening)
{
    const bool reader = opening == Opening::Reader;
    const QFileInfo info(path);
    if (Status s = checkStorePath(info, path, reader); !s)
        return s.error();
    // Never open and close a file descriptor of our own on the store's files: closing any
    // descriptor of a file drops every POSIX lock this process holds on it, SQLite's included,
    // and another process may then take the WAL for unused and reset it under our writes.
    const bool created = !info.exists();
    configureSqlite();
    const QString connection = QStringLiteral("jobfirst-store-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1));
    addStoreConnection(connection, info, path, reader);
    std::unique_ptr<Store> store(new Store(path, connection));
    {
        QMutexLocker lock(&s_openMutex);
        ++s_openPaths[canonical(path)];
    }
    QSqlDatabase db = store->database();
    if (!db.open())
        return openError(path, db.lastError());
    QSqlQuery q(db);
    if (Status s = applyOpeningPragmas(q, path, created); !s)
        return s.error();
    if (reader) {
        // This process migrated and checked the file when it first opened it; a reader only
        // makes sure it is still that store.
        auto version = store->schemaVersion();
        if (!version)
            return version.error();
        if (version.value() != SchemaVersion)
            return makeError(
                QStringLiteral("store.changed"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "store %1 has schema version %2, not %3: "
                                           "the file was replaced while open"),
                         {path, Sentence::value(version.value()), Sentence::value(SchemaVersion)}));
    } else if (Status s = store->migrate(); !s) {
        return s.error();
    }
    if (!reader && QFileInfo(path).size() <= QuickCheckAtOpenBytes) {
        auto check = store->quickCheck();
        if (!check)
            return check.error();
        if (!check->isEmpty())
            return makeError(QStringLiteral("store.corrupt"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "store %1 is corrupt (quick_check: %2); "
                                                        "restore it from a backup"),
                                      {path, check.value()}));
    }
    q.exec(QStringLiteral("PRAGMA busy_timeout=10000"));
    return store;
}

void Store::setMaxPageCount(qint64 pages)
{
    s_maxPageCount = pages;
}

std::optional<qint64> Store::dataVersion() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("PRAGMA data_version")) || !q.next())
        return std::nullopt;
    return q.value(0).toLongLong();
}

Result<QString> Store::quickCheck() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("PRAGMA quick_check(5)"))) {
        const Error e = openError(m_path, q.lastError());
        return e.code == QStringLiteral("store.open")
                   ? storeError(m_path, QStringLiteral("quick_check"), q.lastError().text())
                   : e;
    }
    QStringList problems;
    while (q.next())
        if (q.value(0).toString() != QLatin1String("ok"))
            problems << q.value(0).toString();
    return problems.join(QStringLiteral("; "));
}

bool Store::isHeld(const QString &path, QString *who)
{
    {
        QMutexLocker lock(&s_openMutex);
        if (s_openPaths.value(canonical(path)) > 0) {
            if (who)
                *who = QStringLiteral("this process");
            return true;
        }
    }
    // Every SQLite connection to a WAL database holds a shared POSIX lock on the "DMS" byte
    // of its -shm file (offset 128) while open. The kernel lists POSIX locks in /proc/locks by
    // inode: read there, without opening the file (closing a descriptor drops locks).
    struct stat st;
    if (::stat(QFile::encodeName(path + QStringLiteral("-shm")).constData(), &st) != 0)
        return false;
    QFile locks(QStringLiteral("/proc/locks"));
    if (!locks.open(QIODevice::ReadOnly))
        return false;
    const QByteArray inode = QByteArray::number(quint64(st.st_ino));
    const qint64 self = ::getpid();
    // "1: POSIX  ADVISORY  READ 1234 08:01:5678 128 128"
    for (const QByteArray &line : locks.readAll().split('\n')) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() < 8 || f.at(1) != "POSIX" || f.at(5).split(':').value(2) != inode)
            continue;
        const QList<QByteArray> dev = f.at(5).split(':');
        if (dev.value(0).toUInt(nullptr, 16) != major(st.st_dev) ||
            dev.value(1).toUInt(nullptr, 16) != minor(st.st_dev))
            continue;
        const qint64 start = f.at(6).toLongLong();
        const qint64 end =
            f.at(7) == "EOF" ? std::numeric_limits<qint64>::max() : f.at(7).toLongLong();
        const qint64 pid = f.at(4).toLongLong();
        if (start <= 128 && 128 <= end && pid != self) {
            if (who)
                *who = QStringLiteral("process %1").arg(pid);
            return true;
        }
    }
    return false;
}

namespace {

// The head of the chain as recorded in meta: "<id> <hash>" of the last row.
Status saveAuditHead(QSqlQuery &q, const QString &path, qint64 id, const QString &hash)
{
    // An UPDATE in place (the row exists after the first append) touches one page.
    q.prepare(QStringLiteral("UPDATE meta SET value = ? WHERE key = 'audit_head'"));
    q.addBindValue(QStringLiteral("%1 %2").arg(id).arg(hash));
    if (q.exec() && q.numRowsAffected() == 1)
        return {};
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', ?)"));
    q.addBindValue(QStringLiteral("%1 %2").arg(id).arg(hash));
    if (!q.exec())
        return storeError(path, QStringLiteral("record the audit head"), q.lastError().text());
    return {};
}

// Chains rows written before the audit log had hashes, once, when the columns are added.
Status chainExistingAudit(QSqlDatabase db, const QString &path)
{
    QSqlQuery read(db), write(db);
    read.setForwardOnly(true);
    if (!read.exec(QStringLiteral(
            "SELECT id, ts, actor, action, subject, before, after FROM audit ORDER BY id")))
        return storeError(path, QStringLiteral("chain the audit log"), read.lastError().text());
    write.prepare(QStringLiteral("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?"));
    QString prev;
    qint64 lastId = 0;
    while (read.next()) {
        AuditEntry a{read.value(0).toLongLong(),
                     read.value(1).toLongLong(),
                     read.value(2).toString(),
                     read.value(3).toString(),
                     read.value(4).toString(),
                     read.value(5).toString(),
                     read.value(6).toString(),
                     {},
                     {}};
        const QString hash = Store::auditHash(prev, a);
        write.addBindValue(sqlText(prev));
        write.addBindValue(hash);
        write.addBindValue(a.id);
        if (!write.exec())
            return storeError(path, QStringLiteral("chain the audit log"),
                              write.lastError().text());
        prev = hash;
        lastId = a.id;
    }
    return lastId ? saveAuditHead(write, path, lastId, prev) : Status();
}

} // namespace

Result<int> Store::schemaVersion()
{
    QSqlQuery q(database());
    if (!execOpening(q, QStringLiteral("SELECT name FROM sqlite_master WHERE type='table'")))
        return openError(m_path, q.lastError());
    QStringList tables;
    while (q.next())
        tables << q.value(0).toString();
    int version = 0;
    if (!tables.isEmpty()) {
        if (!tables.contains(QStringLiteral("meta")))
            return makeError(QStringLiteral("store.foreign"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "%1 is an SQLite file but not a JobFirst "
                                                        "store (it has tables %2 and no meta "
                                                        "table)"),
                                      {m_path, tables.join(u", ")}));
        q.exec(QStringLiteral("SELECT key, value FROM meta"));
        QHash<QString, QString> meta;
        while (q.next())
            meta.insert(q.value(0).toString(), q.value(1).toString());
        if (meta.value(QStringLiteral("magic")) != QLatin1String(Magic))
            return makeError(QStringLiteral("store.foreign"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "%1 is an SQLite file but not a JobFirst "
                                                        "store (no store marker)"),
                                      {m_path}));
        version = meta.value(QStringLiteral("schema_version")).toInt();
        if (version > SchemaVersion)
            return makeError(
                QStringLiteral("store.too_new"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "%1 has schema version %2; this program "
                                           "reads up to %3"),
                         {m_path, Sentence::value(version), Sentence::value(SchemaVersion)}));
    }
    return version;
}

Status Store::migrate()
{
    auto version = schemaVersion();
    if (!version)
        return version.error();
    if (version.value() == SchemaVersion)
        return {};
    QSqlQuery q(database());
    // Each step takes the write lock first and only then reads the version it starts from:
    // several processes opening one new store at once (a daemon and jobfirstctl, or two
    // jobfirstctl) must not both run a step, or the second fails on what the first made.
    for (;;) {
        if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
            return storeError(m_path, QStringLiteral("begin migration"), q.lastError().text());
        const int v =
            q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) &&
                    q.next()
                ? q.value(0).toInt()
                : 0; // no meta table yet: a new store
        if (v >= SchemaVersion)
            return q.exec(QStringLiteral("COMMIT"))
                       ? Status()
                       : storeError(m_path, QStringLiteral("end migration"), q.lastError().text());
        if (Status s = migrationStep(q, v); !s) {
            q.exec(QStringLiteral("ROLLBACK"));
            return s;
        }
        if (!q.exec(QStringLiteral("COMMIT"))) {
            const QString err = q.lastError().text();
            q.exec(QStringLiteral("ROLLBACK"));
            return storeError(m_path, QStringLiteral("migration to version %1").arg(v + 1), err);
        }
    }
}

Status Store::migrationStep(QSqlQuery &q, int v)
{
    for (const QString &sql : migrations().at(v)) {
        if (sql == QLatin1String(ChainAuditStep)) {
            if (Status s = chainExistingAudit(database(), m_path); !s)
                return s;
            continue;
        }
        if (!q.exec(sql))
            return storeError(m_path, QStringLiteral("migration to version %1").arg(v + 1),
                              q.lastError().text());
    }
    q.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('magic', ?), ('schema_version', ?)"));
    q.addBindValue(QString::fromLatin1(Magic));
    q.addBindValue(QString::number(v + 1));
    if (!q.exec())
        return storeError(m_path, QStringLiteral("migration to version %1").arg(v + 1),
                          q.lastError().text());
    return {};
}

Result<QList<NodeSpec>> Store::loadNodes(QStringList *rejected) const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT id, url, health_path, weight, tags, admin_state, ca_file, "
                               "client_cert, client_key,"
                               " tls_insecure, token_file FROM nodes ORDER BY created_at, id")))
        return storeError(m_path, QStringLiteral("load nodes"), q.lastError().text());
    return StateRows::validNodes(q, m_path, rejected);
}

Status Store::insertNode(const NodeSpec &n)
{
    QSqlQuery q(database());
    StateRows::prepareInsertNode(q, n, now());
    if (!q.exec())
        return storeError(m_path, QStringLiteral("insert node %1").arg(n.id), q.lastError().text());
    return {};
}

Status Store::updateNode(const NodeSpec &n)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral(
        "UPDATE nodes SET url = ?, health_path = ?, weight = ?, tags = ?, admin_state = ?,"
        " ca_file = ?, client_cert = ?, client_key = ?, tls_insecure = ?, token_file = ? WHERE id "
        "= ?"));
    StateRows::bindNodeFields(q, n);
    q.addBindValue(n.id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("update node %1").arg(n.id), q.lastError().text());
    return {};
}

Status Store::deleteNode(const QString &id)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("DELETE FROM nodes WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("delete node %1").arg(id), q.lastError().text());
    return {};
}

Status Store::saveHealthState(const QString &id, HealthState state, qint64 changedAt)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE nodes SET health_state = ?, health_changed_at = ? WHERE id = ?"));
    q.addBindValue(healthStateName(state));
    q.addBindValue(changedAt);
    q.addBindValue(id);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("save health of %1").arg(id), q.lastError().text());
    return {};
}

Result<QHash<QString, std::pair<HealthState, qint64>>> Store::loadHealthStates() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT id, health_state, health_changed_at FROM nodes")))
        return storeError(m_path, QStringLiteral("load health states"), q.lastError().text());
    return StateRows::healthStates(q);
}

Status Store::appendHealthEvent(const HealthEvent &e)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state, reason, latency_ms,"
                             " last_ok_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    StateRows::bindHealthEvent(q, e);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("append health event"), q.lastError().text());
    return {};
}

Status Store::recordHealthTransition(const HealthEvent &e, const QString &)
{
    // The event and the state in one transaction, as audited() does: a crash between two
    // autocommits would leave history and state disagreeing.
    QSqlQuery q(database());
    const bool outer = m_transactionDepth == 0;
    if (outer && !q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return storeError(m_path, QStringLiteral("begin recording health of %1").arg(e.nodeId),
                          q.lastError().text());
    ++m_transactionDepth;
    Status s = appendHealthEvent(e);
    if (s)
        s = saveHealthState(e.nodeId, e.to, e.timestamp);
    --m_transactionDepth;
    if (!outer)
        return s;
    if (s && !q.exec(QStringLiteral("COMMIT")))
        s = storeError(m_path, QStringLiteral("commit health of %1").arg(e.nodeId),
                       q.lastError().text());
    if (!s)
        q.exec(QStringLiteral("ROLLBACK"));
    return s;
}

Result<QList<HealthEvent>> Store::healthEvents(const QString &nodeId, int limit) const
{
    QSqlQuery q(database());
    StateRows::prepareHealthEvents(q, nodeId, limit);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read health events"), q.lastError().text());
    return StateRows::healthEvents(q);
}

Result<QList<NodeHistory>> Store::nodeHistories(qint64 from, qint64 to) const
{
    QSqlQuery q(database());
    return StateReports::nodeHistories(q, from, to, [this](const QString &what, QSqlQuery &failed) {
        return storeError(m_path, what, failed.lastError().text());
    });
}

Result<QList<qint64>> Store::realTimeLatencies(qint64 from, qint64 to, int limit) const
{
    QSqlQuery q(database());
    return StateReports::realTimeLatencies(
        q, from, to, limit, [this](const QString &what, QSqlQuery &failed) {
            return storeError(m_path, what, failed.lastError().text());
        });
}

Status Store::recordConsistency(qint64 at, const QString &target, qint64 ledgerRecords,
                                qint64 consistentRecords)
{
    QSqlQuery q(database());
    return StateReports::recordConsistency(q, at, target, ledgerRecords, consistentRecords,
                                           [this](const QString &what, QSqlQuery &failed) {
                                               return storeError(m_path, what,
                                                                 failed.lastError().text());
                                           });
}

Result<ConsistencySummary> Store::latestConsistency(qint64 from, qint64 to) const
{
    QSqlQuery q(database());
    return StateReports::latestConsistency(
        q, from, to, [this](const QString &what, QSqlQuery &failed) {
            return storeError(m_path, what, failed.lastError().text());
        });
}

Result<QList<LogEntry>> Store::logLines(const LogQuery &query) const
{
    QSqlQuery q(database());
    return StateReports::logLines(q, query, [this](const QString &what, QSqlQuery &failed) {
        return storeError(m_path, what, failed.lastError().text());
    });
}

QString Store::auditHash(const QString &prevHash, const AuditEntry &a)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    const auto field = [&h](const QByteArray &bytes) {
        h.addData(QByteArray::number(bytes.size()));
        h.addData(QByteArrayView(":", 1));
        h.addData(bytes);
        h.addData(QByteArrayView("\n", 1));
    };
    field(prevHash.toLatin1());
    field(QByteArray::number(a.timestamp));
    field(a.actor.toUtf8());
    field(a.action.toUtf8());
    field(a.subject.toUtf8());
    field(a.before.toUtf8());
    field(a.after.toUtf8());
    return QString::fromLatin1(h.result().toHex());
}

Status Store::appendAuditRow(AuditEntry &a)
{
    // Inside an IMMEDIATE transaction: no other writer can slip a row in between reading
    // the last hash and writing the next.
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")))
        return storeError(m_path, QStringLiteral("append audit entry"), q.lastError().text());
    a.prevHash = q.next() ? q.value(0).toString() : QString();
    q.finish();
    StateRows::sealAuditEntry(a, now());
    q.prepare(QStringLiteral(
        "INSERT INTO audit(ts, actor, action, subject, before, after, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    StateRows::bindAuditEntry(q, a);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("append audit entry"), q.lastError().text());
    a.id = q.lastInsertId().toLongLong();
    return saveAuditHead(q, m_path, a.id, a.hash);
}

Status Store::audited(AuditEntry entry, const std::function<Status(AuditEntry &)> &change)
{
    QSqlQuery q(database());
    const bool outer = m_transactionDepth == 0;
    if (outer && !q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return storeError(m_path, QStringLiteral("begin an audited change"), q.lastError().text());
    ++m_transactionDepth;
    Status s = change ? change(entry) : Status();
    if (s)
        s = appendAuditRow(entry);
    --m_transactionDepth;
    if (!outer)
        return s;
    if (s && !q.exec(QStringLiteral("COMMIT")))
        s = storeError(m_path, QStringLiteral("commit an audited change"), q.lastError().text());
    if (!s)
        q.exec(QStringLiteral("ROLLBACK"));
    return s;
}

Status Store::appendAudit(const AuditEntry &a)
{
    return audited(a, {});
}

Result<AuditVerification> Store::verifyAuditChain() const
{
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'audit_head'")))
        return storeError(m_path, QStringLiteral("read the audit head"), q.lastError().text());
    const QString head = q.next() ? q.value(0).toString() : QString();
    q.finish();
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT id, ts, actor, action, subject, before, after, prev_hash, "
                               "hash FROM audit ORDER BY id")))
        return storeError(m_path, QStringLiteral("read audit log"), q.lastError().text());
    return AuditChain::verify(q, head);
}

Result<QList<AuditEntry>> Store::auditLog(int limit, const QString &filter) const
{
    QSqlQuery q(database());
    StateRows::prepareAuditLog(q, limit, filter);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read audit log"), q.lastError().text());
    return StateRows::auditEntries(q);
}

Result<int> Store::saveConfigVersion(const QByteArray &json, const QString &actor)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO config_versions(ts, actor, json) VALUES (?, ?, ?)"));
    q.addBindValue(now());
    q.addBindValue(sqlText(actor));
    // Versions are the config itself (a store without a config file runs the latest one,
    // and a rollback restores its secrets): kept whole in the owner-only store, masked when
    // shown.
    q.addBindValue(QString::fromUtf8(json));
    if (!q.exec())
        return storeError(m_path, QStringLiteral("save config version"), q.lastError().text());
    return q.lastInsertId().toInt();
}

Result<QList<ConfigVersion>> Store::configVersions(int limit) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT version, ts, actor, json FROM config_versions ORDER BY version DESC LIMIT ?"));
    q.addBindValue(limit);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read config versions"), q.lastError().text());
    return StateRows::configVersions(q);
}

Result<ConfigVersion> Store::configVersion(int version) const
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT version, ts, actor, json FROM config_versions WHERE version = ?"));
    q.addBindValue(version);
    if (!q.exec())
        return storeError(m_path, QStringLiteral("read config version"), q.lastError().text());
    if (!q.next())
        return makeError(QStringLiteral("config.no_version"), QStringLiteral("there is no config version %1").arg(version));
    return StateRows::configVersion(q);
}

} // namespace jobfirst
