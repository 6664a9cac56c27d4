// SPDX-License-Identifier: GPL-3.0-or-later
#include "damagedstore.h"
#include "store/incidentstore.h"
#include "store/store.h"

#include <QFile>
#include <QSemaphore>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtConcurrent>
#include <QtTest>

#include <thread>
#include <vector>

using namespace jobfirst;

class TestStore final : public QObject
{
    Q_OBJECT

private slots:
    void nodesAndHistorySurviveReopen()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        {
            auto store = Store::open(path);
            QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
            NodeSpec n{QStringLiteral("n1"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("/health"), 7,
                       {QStringLiteral("eu"), QStringLiteral("blue")}, AdminState::Drain};
            QVERIFY(store.value()->insertNode(n).ok());
            QVERIFY(!store.value()->insertNode(n).ok()); // duplicate id refused by the schema
            QVERIFY(store.value()->saveHealthState(QStringLiteral("n1"), HealthState::Down, 1234).ok());
            HealthEvent e;
            e.nodeId = QStringLiteral("n1");
            e.timestamp = 1234;
            e.from = HealthState::Up;
            e.to = HealthState::Down;
            e.reason = QStringLiteral("timeout");
            QVERIFY(store.value()->appendHealthEvent(e).ok());
            QVERIFY(store.value()->appendAudit(AuditEntry{0, 0, QStringLiteral("me"), QStringLiteral("node.add"), QStringLiteral("n1"), {}, QStringLiteral("{}")}).ok());
            QCOMPARE(store.value()->saveConfigVersion("{\"a\":1}", QStringLiteral("me")).value(), 1);
        }
        auto store = Store::open(path);
        QVERIFY(store.ok());
        const auto nodes = store.value()->loadNodes();
        QCOMPARE(nodes->size(), 1);
        QCOMPARE(nodes->first().weight, 7);
        QCOMPARE(nodes->first().tags, (QStringList{QStringLiteral("eu"), QStringLiteral("blue")}));
        QCOMPARE(nodes->first().adminState, AdminState::Drain);
        QCOMPARE(store.value()->loadHealthStates()->value(QStringLiteral("n1")).first, HealthState::Down);
        const auto history = store.value()->healthEvents(QStringLiteral("n1"), 10);
        QCOMPARE(history->size(), 1);
        QCOMPARE(history->first().reason, QStringLiteral("timeout"));
        QCOMPARE(store.value()->auditLog(10)->first().action, QStringLiteral("node.add"));
        QCOMPARE(store.value()->configVersion(1)->json, QByteArray("{\"a\":1}"));
        QVERIFY(!store.value()->configVersion(99).ok());
    }

    void aNewStoreTakesTheNewPageSizeAndAnOldOneKeepsItsOwn()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        const auto pageSize = [](const Store &store) {
            QSqlQuery q(store.database());
            return q.exec(QStringLiteral("PRAGMA page_size")) && q.next() ? q.value(0).toInt() : -1;
        };
        NodeSpec n{QStringLiteral("n1"),
                   QStringLiteral("http://127.0.0.1:1"),
                   QStringLiteral("/health"),
                   1,
                   {},
                   AdminState::Ready};
        {
            auto store = Store::open(path);
            QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
            QCOMPARE(pageSize(*store.value()), Store::NewStorePageBytes);
            QVERIFY(store.value()->insertNode(n).ok());
        }
        // A store with pages of another size, as another version may have left it; rewritten
        // so by a VACUUM outside WAL mode, the only way SQLite changes it.
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("old"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode=DELETE")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA page_size=8192")));
            QVERIFY(q.exec(QStringLiteral("VACUUM")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA page_size")) && q.next());
            QCOMPARE(q.value(0).toInt(), 8192);
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("old"));
        auto store = Store::open(path);
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        QCOMPARE(pageSize(*store.value()), 8192);
        QCOMPARE(store.value()->loadNodes()->size(), 1); // its content as it was
    }

    void garbageFileIsRefusedAndLeftAlone()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("garbage.db"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray garbage(8192, 'x');
        f.write(garbage);
        f.close();
        auto store = Store::open(path);
        QVERIFY(!store.ok());
        QVERIFY(store.error().message.contains(path));
        QVERIFY(store.error().message.contains(QStringLiteral("not a JobFirst store")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), garbage); // nothing was written over it
    }

    void foreignSqliteFileIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("other.db"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery(db).exec(QStringLiteral("CREATE TABLE customers (id INTEGER)"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        auto store = Store::open(path);
        QVERIFY(!store.ok());
        QCOMPARE(store.error().code, QStringLiteral("store.foreign"));
        QVERIFY(store.error().message.contains(QStringLiteral("customers")));
    }

    void lockedCorruptAndForeignStoresEachSaySo()
    {
        QTemporaryDir dir;
        // Locked: another connection holds the file exclusively (as a restore or a tool would).
        const QString locked = dir.filePath(QStringLiteral("locked.db"));
        QVERIFY(Store::open(locked).ok());
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("holder"));
            db.setDatabaseName(locked);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA locking_mode=EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("UPDATE meta SET value = value WHERE key = 'magic'")));
            auto store = Store::open(locked);
            QVERIFY(!store.ok());
            QCOMPARE(store.error().code, QStringLiteral("store.locked"));
            QVERIFY2(store.error().message.contains(QStringLiteral("locked by another process")),
                     qPrintable(store.error().message));
            q.exec(QStringLiteral("ROLLBACK"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("holder"));
        QVERIFY(Store::open(locked).ok()); // free again

        // Corrupt: a page in the middle overwritten (a bad disk, a bad copy).
        const QString corrupt = dir.filePath(QStringLiteral("corrupt.db"));
        QVERIFY(makeCorruptStore(corrupt));
        auto bad = Store::open(corrupt);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, QStringLiteral("store.corrupt"));
        QVERIFY2(bad.error().message.contains(QStringLiteral("corrupt")) &&
                     bad.error().message.contains(QStringLiteral("backup")),
                 qPrintable(bad.error().message));

        // Not SQLite at all.
        const QString text = dir.filePath(QStringLiteral("notes.txt"));
        QFile t(text);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write(QByteArray(5000, 'n'));
        t.close();
        auto foreign = Store::open(text);
        QCOMPARE(foreign.error().code, QStringLiteral("store.foreign"));
        QVERIFY(foreign.error().message.contains(QStringLiteral("not a JobFirst store")));
    }

    void newerSchemaIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        {
            auto store = Store::open(path);
            QSqlQuery(store.value()->database()).exec(QStringLiteral("UPDATE meta SET value = '99' WHERE key = 'schema_version'"));
        }
        auto store = Store::open(path);
        QVERIFY(!store.ok());
        QCOMPARE(store.error().code, QStringLiteral("store.too_new"));
        QVERIFY(store.error().message.contains(QStringLiteral("99")));
    }

    // A reader's connection neither creates nor migrates: a file gone or replaced under the
    // process that opened it is an error naming it, not a new or upgraded store.
    void readerOpensOnlyTheStoreAlreadyThere()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.db"));
        auto missing = Store::openReader(path);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, QStringLiteral("store.missing"));
        QVERIFY(missing.error().message.contains(path));
        QVERIFY(!QFile::exists(path));

        auto store = Store::open(path);
        QVERIFY(store.ok());
        auto reader = Store::openReader(path);
        QVERIFY2(reader.ok(), reader.ok() ? "" : qPrintable(reader.error().message));
        QSqlQuery q(reader.value()->database());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM nodes")) && q.next());
        reader.value().reset();

        QVERIFY(
            QSqlQuery(store.value()->database())
                .exec(QStringLiteral("UPDATE meta SET value = '3' WHERE key = 'schema_version'")));
        auto older = Store::openReader(path);
        QVERIFY(!older.ok());
        QCOMPARE(older.error().code, QStringLiteral("store.changed"));
    }

    void storeOfTheFirstSchemaKeepsItsQueueWhenMigrated()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v1.db"));
        {
            // Shape the file as schema version 1 wrote it, with one event waiting.
            auto store = Store::open(path);
            QVERIFY(store.ok());
            QSqlQuery q(store.value()->database());
            for (const char *sql :
                 {"DROP TABLE ledger_ranges", "DROP TABLE api_tokens", "DROP TABLE logs",
                  "DROP INDEX health_events_ts",
                  "DROP TABLE consistency_checks", "ALTER TABLE deliveries DROP COLUMN mode",
                  "ALTER TABLE health_events DROP COLUMN last_ok_at", "DROP INDEX deliveries_pending",
                  "DROP INDEX deliveries_coalescable", "DROP INDEX deliveries_dead",
                  "ALTER TABLE deliveries DROP COLUMN event_count",
                  "ALTER TABLE nodes DROP COLUMN ca_file",
                  "ALTER TABLE nodes DROP COLUMN client_cert",
                  "ALTER TABLE nodes DROP COLUMN client_key",
                  "ALTER TABLE nodes DROP COLUMN tls_insecure",
                  "ALTER TABLE nodes DROP COLUMN token_file",
                  "ALTER TABLE audit DROP COLUMN prev_hash", "ALTER TABLE audit DROP COLUMN hash",
                  "CREATE INDEX deliveries_state ON deliveries(state, id)",
                  "CREATE INDEX deliveries_target ON deliveries(target, state, id)",
                  "CREATE INDEX deliveries_user ON deliveries(target, user_id, state)",
                  "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
                  "INSERT INTO events(event_id, type, user_id, version, payload, created_at)"
                  " VALUES ('evt-1', 'user.created', 'u1', 0, '{\"id\":\"evt-1\"}', 1)",
                  "INSERT INTO deliveries(event_seq, target, user_id, state, next_at, created_at, "
                  "updated_at)"
                  " VALUES (1, 'user-service', 'u1', 'pending', 0, 1, 1)"})
                QVERIFY2(q.exec(QString::fromLatin1(sql)), qPrintable(q.lastError().text()));
        }
        auto store = Store::open(path);
        QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error().message));
        QSqlQuery q(store.value()->database());
        QVERIFY(q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) && q.next());
        QCOMPARE(q.value(0).toInt(), Store::SchemaVersion);
        // The waiting delivery is still there, found through the new index, one event wide.
        QVERIFY(q.exec(QStringLiteral("SELECT id, event_count FROM deliveries WHERE target = 'user-service' AND state = 'pending'")));
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toInt(), 1);
        QVERIFY(q.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE target = 'user-service' AND state = 'pending' ORDER BY id")));
        QVERIFY(q.next());
        QVERIFY2(q.value(3).toString().contains(QStringLiteral("deliveries_pending")), qPrintable(q.value(3).toString()));
        // Schema 10: no index over every pending row (made at 3, dropped at 10).
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name = 'deliveries_pending_all'")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    void directoryAndMissingFolderAreRefused()
    {
        QTemporaryDir dir;
        QVERIFY(!Store::open(dir.path()).ok());
        auto missing = Store::open(dir.filePath(QStringLiteral("no/such/folder/c.db")));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QStringLiteral("does not exist")));
    }

    void aNewStoreOpenedByManyAtOnceIsMigratedOnce()
    {
        // A daemon and jobfirstctl (or several jobfirstctl) started together on a store that
        // does not exist yet: each opens it and migrates it; none may fail on what another
        // step made ("duplicate column name", "table already exists").
        for (int round = 0; round < 10; ++round) {
            QTemporaryDir dir;
            const QString path = dir.filePath(QStringLiteral("new.db"));
            // Threads of their own (the pool has as many as cores), each its own connection,
            // released together.
            QSemaphore ready;
            QSemaphore go;
            std::vector<QString> errors(4);
            std::vector<std::thread> openers;
            for (QString &error : errors)
                openers.emplace_back([&] {
                    ready.release();
                    go.acquire();
                    auto opened = Store::open(path);
                    if (!opened)
                        error = opened.error().message;
                });
            ready.acquire(4);
            go.release(4);
            for (std::thread &t : openers)
                t.join();
            for (const QString &error : errors)
                QVERIFY2(error.isEmpty(), qPrintable(error));
            auto store = Store::open(path);
            QVERIFY(store);
            QSqlQuery q(store.value()->database());
            QVERIFY(q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) &&
                    q.next());
            QCOMPARE(q.value(0).toInt(), Store::SchemaVersion);
        }
    }

    // The store gives incident ids one at a time to connections asking together (two
    // processes, or two threads here, each with its own connection to the file).
    void incidentIdsTakenTogetherAreDistinct()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ids.db"));
        QVERIFY(Store::open(path).ok());
        const auto taker = [path] {
            QList<qint64> ids;
            const auto store = Store::open(path);
            if (!store)
                return ids;
            IncidentStore incidents(store.value().get());
            for (int i = 0; i < 100; ++i)
                if (const Result<qint64> id = incidents.takeNextId(0))
                    ids << id.value();
            return ids;
        };
        QFuture<QList<qint64>> a = QtConcurrent::run(taker);
        QFuture<QList<qint64>> b = QtConcurrent::run(taker);
        const QList<qint64> all = a.result() + b.result();
        QCOMPARE(all.size(), 200);
        QCOMPARE(QSet<qint64>(all.cbegin(), all.cend()).size(), 200);
        const auto store = Store::open(path);
        QVERIFY(store);
        QCOMPARE(IncidentStore(store.value().get()).highestId().value(), 200);
    }

    void twoWritersDoNotCorruptTheFile()
    {
        // Two connections (as two processes would have) insert concurrently; WAL plus the
        // busy timeout serialise them and every row lands.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        QVERIFY(Store::open(path).ok());
        auto writer = [path](const QString &prefix) {
            auto store = Store::open(path);
            if (!store)
                return 0;
            int ok = 0;
            for (int i = 0; i < 200; ++i)
                ok += store.value()->appendAudit(AuditEntry{0, 0, prefix, QStringLiteral("x"), QString::number(i), {}, {}}).ok();
            return ok;
        };
        auto a = QtConcurrent::run(writer, QStringLiteral("a"));
        auto b = QtConcurrent::run(writer, QStringLiteral("b"));
        QCOMPARE(a.result() + b.result(), 400);
        auto store = Store::open(path);
        QCOMPARE(store.value()->auditLog(1000)->size(), 400);
        QSqlQuery q(store.value()->database());
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
