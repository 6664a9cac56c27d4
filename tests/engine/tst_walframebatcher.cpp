// SPDX-License-Identifier: GPL-3.0-or-later
// WalFrameBatcher on real SQLite files in WAL mode: a commit's frames reach the file in one
// write, before any other connection can see the commit; transactions that spill pages
// before their commit, roll back, or start the WAL over leave a whole store.
#include "store/walframebatcher.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace jobfirst;

class TestWalFrameBatcher final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// A connection to `name` in WAL mode as the outbox writer has it (no sync at commit);
    /// null when it cannot be opened.
    sqlite3 *open(const QString &name)
    {
        sqlite3 *db = nullptr;
        if (sqlite3_open(QFile::encodeName(m_dir.filePath(name)).constData(), &db) != SQLITE_OK ||
            !exec(db, "PRAGMA journal_mode=WAL") || !exec(db, "PRAGMA synchronous=NORMAL")) {
            sqlite3_close(db);
            return nullptr;
        }
        return db;
    }

    /// open(), with the table of rows the tests write.
    sqlite3 *openTable(const QString &name)
    {
        sqlite3 *db = open(name);
        if (db && !exec(db, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body BLOB)")) {
            sqlite3_close(db);
            return nullptr;
        }
        return db;
    }

    static bool exec(sqlite3 *db, const char *sql)
    {
        const bool ok = sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
        if (!ok)
            qWarning("%s: %s", sql, sqlite3_errmsg(db));
        return ok;
    }

    static qint64 single(sqlite3 *db, const char *sql)
    {
        sqlite3_stmt *s = nullptr;
        qint64 value = -1;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            value = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return value;
    }

    static QString text(sqlite3 *db, const char *sql)
    {
        sqlite3_stmt *s = nullptr;
        QString value;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            value = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(s, 0)));
        sqlite3_finalize(s);
        return value;
    }

    /// Rows of about 3 KB each: `count` of them fill about as many pages.
    static bool insertRows(sqlite3 *db, int count)
    {
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(db, "INSERT INTO t(body) VALUES (randomblob(3000))", -1, &s,
                               nullptr) != SQLITE_OK)
            return false;
        bool ok = true;
        for (int i = 0; ok && i < count; ++i) {
            ok = sqlite3_step(s) == SQLITE_DONE;
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
        return ok;
    }

    /// `count` rows in a transaction of their own.
    static bool commitRows(sqlite3 *db, int count)
    {
        return exec(db, "BEGIN IMMEDIATE") && insertRows(db, count) && exec(db, "COMMIT");
    }

    /// Write system calls this process has made (write, pwrite, writev...).
    static qint64 writeCalls()
    {
        QFile io(QStringLiteral("/proc/self/io"));
        if (!io.open(QIODevice::ReadOnly))
            return -1;
        for (const QByteArray &line : io.readAll().split('\n'))
            if (line.startsWith("syscw:"))
                return line.mid(6).trimmed().toLongLong();
        return -1;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(WalFrameBatcher::install());
        QVERIFY(WalFrameBatcher::install()); // once per process; a second call changes nothing
        QCOMPARE(QByteArray(sqlite3_vfs_find(nullptr)->zName), QByteArray("jobfirst-wal-frames"));
    }

    void aCommitIsWrittenInOneCall()
    {
        sqlite3 *db = openTable(QStringLiteral("one.db"));
        QVERIFY(db);
        QVERIFY(insertRows(db, 1)); // the WAL and its index exist from here on
        QVERIFY(exec(db, "BEGIN IMMEDIATE"));
        QVERIFY(insertRows(db, 20));
        const qint64 before = writeCalls();
        QVERIFY(before >= 0);
        QVERIFY(exec(db, "COMMIT"));
        // Twenty-odd frames, each a header and a page: two writes each without the batcher.
        const qint64 calls = writeCalls() - before;
        QVERIFY2(calls == 1, qPrintable(QString::number(calls)));
        QCOMPARE(single(db, "SELECT COUNT(*) FROM t"), 21);
        sqlite3_close(db);
    }

    void anotherConnectionReadsEachCommit()
    {
        sqlite3 *writer = openTable(QStringLiteral("two.db"));
        QVERIFY(writer);
        sqlite3 *reader = openTable(QStringLiteral("two.db"));
        QVERIFY(reader);
        for (int round = 1; round <= 20; ++round) {
            QVERIFY(commitRows(writer, round));
            QCOMPARE(single(reader, "SELECT COUNT(*) FROM t"), round * (round + 1) / 2);
            QCOMPARE(single(reader, "SELECT COUNT(*) FROM t WHERE length(body) = 3000"),
                     round * (round + 1) / 2);
        }
        sqlite3_close(reader);
        sqlite3_close(writer);
        // Opened again (the WAL replayed from the file alone): the same rows, a whole store.
        sqlite3 *again = open(QStringLiteral("two.db"));
        QVERIFY(again);
        QCOMPARE(single(again, "SELECT COUNT(*) FROM t"), 210);
        QCOMPARE(text(again, "PRAGMA integrity_check"), QStringLiteral("ok"));
        sqlite3_close(again);
    }

    void spilledAndRolledBackTransactionsLeaveAWholeStore()
    {
        sqlite3 *db = openTable(QStringLiteral("spill.db"));
        QVERIFY(db);
        // A cache of a few pages: a large transaction writes frames before its commit and
        // reads some of them back.
        QVERIFY(exec(db, "PRAGMA cache_size = 5"));
        QVERIFY(exec(db, "BEGIN IMMEDIATE"));
        QVERIFY(insertRows(db, 200)); // spilled: read back before the commit
        QCOMPARE(single(db, "SELECT COUNT(*) FROM t WHERE length(body) = 3000"), 200);
        QVERIFY(exec(db, "COMMIT"));
        QVERIFY(exec(db, "BEGIN IMMEDIATE"));
        QVERIFY(insertRows(db, 200));
        QVERIFY(exec(db, "UPDATE t SET body = randomblob(3000) WHERE id % 7 = 0"));
        QVERIFY(exec(db, "ROLLBACK"));
        QCOMPARE(single(db, "SELECT COUNT(*) FROM t"), 200);
        sqlite3 *other = open(QStringLiteral("spill.db"));
        QVERIFY(other);
        QCOMPARE(single(other, "SELECT COUNT(*) FROM t"), 200);
        QCOMPARE(text(other, "PRAGMA integrity_check"), QStringLiteral("ok"));
        sqlite3_close(other);
        sqlite3_close(db);
    }

    void theWalStartsOverAfterACheckpoint()
    {
        sqlite3 *db = openTable(QStringLiteral("restart.db"));
        QVERIFY(db);
        sqlite3 *reader = openTable(QStringLiteral("restart.db"));
        QVERIFY(reader);
        for (int round = 1; round <= 5; ++round) {
            QVERIFY(commitRows(db, 30));
            // Copied into the store; the next commit writes the WAL from its start again.
            int log = -1, copied = -1;
            QCOMPARE(
                sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &copied),
                SQLITE_OK);
            QCOMPARE(log, copied);
            QCOMPARE(single(reader, "SELECT COUNT(*) FROM t"), round * 30);
        }
        QCOMPARE(text(reader, "PRAGMA integrity_check"), QStringLiteral("ok"));
        sqlite3_close(reader);
        sqlite3_close(db);
    }
};

QTEST_GUILESS_MAIN(TestWalFrameBatcher)
#include "tst_walframebatcher.moc"
