// SPDX-License-Identifier: GPL-3.0-or-later
// The audit log is hash-chained: editing, removing or cutting rows is found and the first bad
// row named; and an action whose audit row cannot be written does not happen.
#include "cluster/clustermanager.h"
#include "core/secrets.h"
#include "host/engine.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QSaveFile>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtConcurrent>
#include <QtTest>

using namespace jobfirst;

class TestAuditChain final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString dbPath() const { return m_dir.filePath(QStringLiteral("a.db")); }

    static void fill(Store &store, int rows)
    {
        for (int i = 1; i <= rows; ++i)
            QVERIFY(store
                        .appendAudit(AuditEntry{0, 0, QStringLiteral("alice"),
                                                QStringLiteral("node.weight"),
                                                QStringLiteral("n%1").arg(i), QString::number(i),
                                                QString::number(i + 1)})
                        .ok());
    }
    static void exec(Store &store, const QString &sql)
    {
        QSqlQuery q(store.database());
        QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
    }
    // Audit writes fail the way a full disk or a broken file makes them fail.
    static void breakAuditWrites(Store &store)
    {
        exec(store, QStringLiteral("CREATE TRIGGER audit_fails BEFORE INSERT ON audit BEGIN"
                                   " SELECT RAISE(ABORT, 'database or disk is full'); END"));
    }

private slots:
    void init()
    {
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(dbPath() + suffix);
    }

    void chainVerifiesAndNamesItsHead()
    {
        auto store = std::move(Store::open(dbPath())).value();
        fill(*store, 40);
        const auto v = store->verifyAuditChain();
        QVERIFY(v.ok());
        QVERIFY2(v->ok, qPrintable(v->problem));
        QCOMPARE(v->rows, 40);
        const AuditEntry last = store->auditLog(1)->first();
        QCOMPARE(v->headHash, last.hash);
        QCOMPARE(last.hash, Store::auditHash(last.prevHash, last));
        QCOMPARE(last.hash.size(), 64);
    }

    void editedRowIsNamed()
    {
        auto store = std::move(Store::open(dbPath())).value();
        fill(*store, 30);
        exec(*store, QStringLiteral("UPDATE audit SET after = '999' WHERE id = 17"));
        const auto v = store->verifyAuditChain();
        QVERIFY(!v->ok);
        QCOMPARE(v->firstBadId, 17);
        QVERIFY2(v->problem.contains(QStringLiteral("row 17")) &&
                     v->problem.contains(QStringLiteral("changed")),
                 qPrintable(v->problem));
    }

    void removedRowIsNamed()
    {
        auto store = std::move(Store::open(dbPath())).value();
        fill(*store, 30);
        exec(*store, QStringLiteral("DELETE FROM audit WHERE id = 10"));
        const auto v = store->verifyAuditChain();
        QVERIFY(!v->ok);
        QCOMPARE(v->firstBadId, 11);
        QVERIFY2(v->problem.contains(QStringLiteral("row 9")), qPrintable(v->problem));
        // The first row removed: the new first row names a row before it.
        init();
        auto other = std::move(Store::open(dbPath())).value();
        fill(*other, 5);
        exec(*other, QStringLiteral("DELETE FROM audit WHERE id = 1"));
        QCOMPARE(other->verifyAuditChain()->firstBadId, 2);
    }

    void rowsCutFromTheEndAreFound()
    {
        auto store = std::move(Store::open(dbPath())).value();
        fill(*store, 30);
        exec(*store, QStringLiteral("DELETE FROM audit WHERE id > 27"));
        const auto v = store->verifyAuditChain();
        QVERIFY(!v->ok);
        QCOMPARE(v->firstBadId, 28);
        QVERIFY2(v->problem.contains(QStringLiteral("removed from its end")),
                 qPrintable(v->problem));
    }

    void forgedRowWithAFreshHashBreaksTheNextLink()
    {
        // Someone who rewrites a row and its hash still breaks the next row's link.
        auto store = std::move(Store::open(dbPath())).value();
        fill(*store, 10);
        AuditEntry forged = store->auditLog(10)->at(5); // id 5 (newest first)
        QCOMPARE(forged.id, 5);
        forged.actor = QStringLiteral("mallory");
        exec(*store, QStringLiteral("UPDATE audit SET actor = 'mallory', hash = '%1' WHERE id = 5")
                         .arg(Store::auditHash(forged.prevHash, forged)));
        const auto v = store->verifyAuditChain();
        QVERIFY(!v->ok);
        QCOMPARE(v->firstBadId, 6);
    }

    void rowsWrittenBeforeTheChainAreChainedOnce()
    {
        {
            auto store = std::move(Store::open(dbPath())).value();
            fill(*store, 3);
            // Shape it as a store of the schema before the chain, with three old rows.
            for (const char *sql :
                 {"ALTER TABLE audit DROP COLUMN prev_hash", "ALTER TABLE audit DROP COLUMN hash",
                  "DROP TABLE ledger_ranges", // schema step 9
                  "DELETE FROM meta WHERE key = 'audit_head'",
                  "UPDATE meta SET value = '6' WHERE key = 'schema_version'"})
                exec(*store, QString::fromLatin1(sql));
        }
        auto opened = Store::open(dbPath());
        QVERIFY2(opened.ok(), qPrintable(opened ? QString() : opened.error().message));
        auto store = std::move(opened).value();
        fill(*store, 2);
        const auto v = store->verifyAuditChain();
        QVERIFY2(v->ok, qPrintable(v->problem));
        QCOMPARE(v->rows, 5);
    }

    void concurrentWritersKeepOneChain()
    {
        QVERIFY(Store::open(dbPath()).ok());
        auto writer = [this](const QString &who) {
            auto store = Store::open(dbPath());
            int ok = 0;
            for (int i = 0; store && i < 100; ++i)
                ok += store.value()
                          ->appendAudit(AuditEntry{
                              0, 0, who, QStringLiteral("x"), QString::number(i), {}, {}})
                          .ok();
            return ok;
        };
        auto a = QtConcurrent::run(writer, QStringLiteral("a"));
        auto b = QtConcurrent::run(writer, QStringLiteral("b"));
        QCOMPARE(a.result() + b.result(), 200);
        const auto v = std::move(Store::open(dbPath())).value()->verifyAuditChain();
        QVERIFY2(v->ok, qPrintable(v->problem));
        QCOMPARE(v->rows, 200);
    }

    void nodeChangeThatCannotBeAuditedDoesNotHappen()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        QVERIFY(
            cluster
                .registerNode(NodeSpec{QStringLiteral("a"), QStringLiteral("http://127.0.0.1:1")},
                              QStringLiteral("t"))
                .ok());
        breakAuditWrites(*store);
        const auto added = cluster.registerNode(
            NodeSpec{QStringLiteral("b"), QStringLiteral("http://127.0.0.1:2")},
            QStringLiteral("t"));
        QVERIFY(!added.ok());
        QVERIFY2(added.error().message.contains(QStringLiteral("disk is full")),
                 qPrintable(added.error().message));
        QCOMPARE(cluster.nodes().size(), 1);
        QCOMPARE(store->loadNodes()->size(), 1); // rolled back with its audit row
        QVERIFY(!cluster.updateNodeWeight(QStringLiteral("a"), 9, QStringLiteral("t")).ok());
        QCOMPARE(cluster.node(QStringLiteral("a"))->spec.weight, 1);
        QCOMPARE(store->loadNodes()->first().weight, 1);
        QVERIFY(!cluster.setAdminState(QStringLiteral("a"), AdminState::Drain, QStringLiteral("t"))
                     .ok());
        QCOMPARE(store->loadNodes()->first().adminState, AdminState::Ready);
        QVERIFY(!cluster.unregisterNode(QStringLiteral("a"), QStringLiteral("t")).ok());
        QCOMPARE(store->loadNodes()->size(), 1);
        QVERIFY(store->verifyAuditChain()->ok);
    }

    void syncActionThatCannotBeAuditedDoesNotHappen()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterConfig config;
        config.targets.resize(1);
        SyncService sync(store.get(), config);
        const QString target = config.targets.first().name;
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral(
            "INSERT INTO events(event_id, type, user_id, version, payload, created_at)"
            " VALUES ('e1', 'user.created', 'u1', 0, '{}', 1)")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state, "
                                      "next_at, created_at, updated_at)"
                                      " VALUES (1, '%1', 'u1', 'dead', 0, 1, 1)")
                           .arg(target)));
        breakAuditWrites(*store);
        QVERIFY(!sync.setTargetPaused(target, true, QStringLiteral("t")).ok());
        QVERIFY(!sync.stats().targets.first().paused);
        QVERIFY(!sync.retryFailedSync(1, QStringLiteral("t")).ok());
        QVERIFY(!sync.discard(1, QStringLiteral("t")).ok());
        QVERIFY(!sync.replay({}, 0, std::numeric_limits<qint64>::max(), QStringLiteral("t")).ok());
        QVERIFY(q.exec(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("dead")); // every change rolled back
        q.finish();
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM target_state")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    void configThatCannotBeAuditedIsNotApplied()
    {
        const QString configPath = m_dir.filePath(QStringLiteral("cluster.json"));
        QFile::remove(configPath);
        Engine engine;
        EngineOptions options;
        options.dbPath = dbPath();
        options.configPath = configPath;
        options.createConfig = true; // made by the engine, with its fresh secrets
        options.refreshMs = 0;
        options.deliver = false;
        QVERIFY(engine.open(options).ok());
        QFile file(configPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray before = file.readAll();
        file.close();
        const int versions = int(engine.store()->configVersions(100)->size());
        breakAuditWrites(*engine.store());
        ClusterConfig changed = engine.config();
        changed.maxNodes = 77;
        const auto s = engine.applyConfig(changed, QStringLiteral("t"));
        QVERIFY(!s.ok());
        QCOMPARE(engine.config().maxNodes, 10);
        QCOMPARE(int(engine.store()->configVersions(100)->size()), versions);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before); // the file is as it was
    }

    void aConfigFileBackToTheRunningOneMakesNoVersion()
    {
        // An edit the engine rejected, then undone: the file says what already runs.
        const QString configPath = m_dir.filePath(QStringLiteral("undone.json"));
        QFile::remove(configPath);
        Engine engine;
        EngineOptions options;
        options.dbPath = m_dir.filePath(QStringLiteral("undone.db"));
        options.configPath = configPath;
        options.createConfig = true; // made by the engine, with its fresh secrets
        options.refreshMs = 0;
        options.deliver = false;
        options.watchConfig = true;
        QVERIFY(engine.open(options).ok());
        QFile file(configPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray running = file.readAll();
        file.close();
        const int versions = int(engine.store()->configVersions(100)->size());
        QSignalSpy rejected(&engine, &Engine::configReloadFailed);
        QSignalSpy applied(&engine, &Engine::configApplied);
        const auto write = [&](const QByteArray &content) {
            QSaveFile f(configPath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
            QVERIFY(f.commit());
        };
        write(running.left(running.size() / 2));
        QTRY_COMPARE_WITH_TIMEOUT(rejected.size(), 1, 10000);
        // Rejected again for another reason: the log keeps both reasons.
        QByteArray invalid = running;
        invalid.replace("\"max_nodes\": 10", "\"max_nodes\": 0");
        QVERIFY(invalid != running);
        write(invalid);
        QTRY_COMPARE_WITH_TIMEOUT(rejected.size(), 2, 10000);
        const auto reasons = [&] {
            QStringList found;
            auto lines = engine.logs(LogQuery{});
            for (const LogEntry &e : lines.value())
                if (e.kind == QLatin1String("alert.config"))
                    found << e.message;
            return found;
        };
        QTRY_COMPARE_WITH_TIMEOUT(reasons().size(), 2, 10000);
        QVERIFY2(reasons().join(u'|').contains(QStringLiteral("max_nodes")),
                 qPrintable(reasons().join(u'|')));
        write(running);
        // The file is read again (the next edit shows it), and nothing new was applied.
        QByteArray changed = running;
        changed.replace("\"max_nodes\": 10", "\"max_nodes\": 11");
        QVERIFY(changed != running);
        write(changed);
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
        QCOMPARE(engine.config().maxNodes, 11);
        QCOMPARE(int(engine.store()->configVersions(100)->size()), versions + 1);
    }

    void configEditedFromItsMaskedFormKeepsTheSecrets()
    {
        const QString configPath = m_dir.filePath(QStringLiteral("masked.json"));
        QFile::remove(configPath);
        Engine engine;
        EngineOptions options;
        options.dbPath = dbPath();
        options.configPath = configPath;
        options.createConfig = true; // made by the engine, with its fresh secrets
        options.refreshMs = 0;
        options.deliver = false;
        QVERIFY(engine.open(options).ok());
        const ClusterConfig current = engine.config();
        QVERIFY(!current.clusterSecret.isEmpty()); // a new config got its own secrets
        // The console shows (and the operator edits) the masked form.
        QByteArray edited = current.toMaskedJson();
        edited.replace("\"max_nodes\": 10", "\"max_nodes\": 12");
        QVERIFY(engine.applyConfigJson(edited, QStringLiteral("console:alice")).ok());
        QCOMPARE(engine.config().maxNodes, 12);
        QCOMPARE(engine.config().clusterSecret, current.clusterSecret);
        QCOMPARE(engine.config().targets.first().secret, current.targets.first().secret);
        const auto onDisk = ClusterConfig::fromFile(configPath);
        QCOMPARE(onDisk->clusterSecret, current.clusterSecret);
        // The audit row does not hold the secret (the version is the config itself, kept in
        // the owner-only store so a rollback can restore it).
        const AuditEntry row = engine.store()->auditLog(1)->first();
        QCOMPARE(row.action, QStringLiteral("config.apply"));
        QVERIFY(!row.before.contains(current.clusterSecret) &&
                !row.after.contains(current.clusterSecret));
        // A masked value that is not the current secret is refused, naming the key.
        QByteArray wrong = current.toMaskedJson();
        wrong.replace(maskSecret(current.clusterSecret).toUtf8(), QByteArray("••••nope"));
        const auto s = engine.applyConfigJson(wrong, QStringLiteral("console:alice"));
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(QStringLiteral("cluster_secret")),
                 qPrintable(s.error().message));
        // Rolling back to a stored (masked) version works while the secrets are unchanged.
        QVERIFY(engine
                    .rollbackConfig(engine.store()->configVersions(2)->at(1).version,
                                    QStringLiteral("t"))
                    .ok());
        QCOMPARE(engine.config().maxNodes, 10);
        QCOMPARE(engine.config().clusterSecret, current.clusterSecret);
    }
};

QTEST_GUILESS_MAIN(TestAuditChain)
#include "tst_auditchain.moc"
