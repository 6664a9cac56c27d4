// SPDX-License-Identifier: GPL-3.0-or-later
// Incidents follow their conditions, not the engine's history: a node that is down when the
// engine starts has one, a rejected config file's lasts as long as the file is bad, and a
// target's dead letters as long as any is left.
#include "cluster/clustermanager.h"
#include "host/engine.h"
#include "nodesimprocess.h"
#include "store/clusterstatestore.h"
#include "store/storeupkeep.h"
#include "sync/syncservice.h"

#include <QSaveFile>
#include <QTemporaryDir>
#include <QtTest>

#include <optional>

using namespace jobfirst;

class TestIncidents final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// What a console attached to the engine sees: every incident change, and the open ones.
    struct Seen
    {
        QList<Alert> changes;
        QList<Alert> open;

        QList<Alert> openOf(const QString &kind, const QString &subject = {}) const
        {
            QList<Alert> found;
            for (const Alert &a : open)
                if (a.kind == kind && (subject.isEmpty() || a.subject == subject))
                    found << a;
            return found;
        }
        bool resolved(const QString &kind, const QString &subject) const
        {
            for (const Alert &a : changes)
                if (a.kind == kind && a.subject == subject && a.resolved())
                    return true;
            return false;
        }
    };

    static void watch(Engine &engine, Seen &seen)
    {
        connect(&engine, &Engine::snapshot, &engine, [&seen](const EngineSnapshot &s) {
            seen.changes << s.alerts;
            seen.open = s.openAlerts;
        });
    }

    /// An engine that checks nodes (fast config, no delivery) on `name`.db and `name`.json;
    /// its configPath is empty when the config could not be written.
    EngineOptions checkingEngine(const QString &name)
    {
        EngineOptions options;
        options.dbPath = m_dir.filePath(name + QStringLiteral(".db"));
        options.configPath = writeFastConfig(name + QStringLiteral(".json"));
        options.deliver = false;
        options.watchConfig = false;
        options.refreshMs = 50;
        return options;
    }

    /// An engine that delivers (no health checks) on `name`.db, its config to be saved at
    /// configPath.
    EngineOptions deliveringEngine(const QString &name)
    {
        EngineOptions options;
        options.dbPath = m_dir.filePath(name + QStringLiteral(".db"));
        options.configPath = m_dir.filePath(name + QStringLiteral(".json"));
        options.healthChecks = false;
        options.watchConfig = false;
        options.refreshMs = 50;
        return options;
    }

    /// Checks fast enough for a test; node_timeout by default long enough that nothing fails
    /// by itself.
    QString writeFastConfig(const QString &name, int nodeTimeoutMs = 600000)
    {
        ClusterConfig c = ClusterConfig::makeNew();
        c.healthCheckIntervalMs = 200;
        c.healthCheckTimeoutMs = 150;
        c.fastIntervalMs = 100;
        c.downIntervalMs = 100;
        c.rise = 2;
        c.fall = 2;
        c.nodeTimeoutMs = nodeTimeoutMs;
        c.slowStartMs = 0;
        const QString path = m_dir.filePath(name);
        QFile::remove(path);
        return c.saveToFile(path) ? path : QString();
    }

    static void write(const QString &path, const QByteArray &content)
    {
        QSaveFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        QVERIFY(f.commit());
    }

private slots:
    void nodeDownWhenTheEngineStartsIsOneIncident_data()
    {
        QTest::addColumn<QString>("before"); // the node's health as the last run left it
        QTest::addColumn<QString>("kind");
        QTest::newRow("never checked") << QStringLiteral("unknown") << QStringLiteral("node.down");
        QTest::newRow("up") << QStringLiteral("up") << QStringLiteral("node.down");
        QTest::newRow("down") << QStringLiteral("down") << QStringLiteral("node.down");
        QTest::newRow("failed") << QStringLiteral("failed") << QStringLiteral("node.failed");
    }
    void nodeDownWhenTheEngineStartsIsOneIncident()
    {
        QFETCH(QString, before);
        QFETCH(QString, kind);
        const QString id = QStringLiteral("n1");
        const EngineOptions options = checkingEngine(before);
        QVERIFY(!options.configPath.isEmpty());
        NodeSimProcess sim;
        QVERIFY(sim.start(id));
        {
            // The last run: it registered the node and saw it up, down or failed (or, a one-shot
            // command, never checked it).
            Engine last;
            EngineOptions lastOptions = options;
            lastOptions.healthChecks = before != u"unknown";
            QVERIFY(last.open(lastOptions).ok());
            QVERIFY(
                last.cluster()->registerNode(NodeSpec{id, sim.url()}, QStringLiteral("test")).ok());
            const auto health = [&] { return last.cluster()->node(id)->health; };
            if (before != u"unknown")
                QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Up, 10000);
            if (before == u"down" || before == u"failed") {
                sim.kill();
                QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Down, 10000);
            }
            if (before == u"failed")
                QVERIFY(last.cluster()->handleNodeFailure(id).ok());
            last.shutdown();
        }
        sim.kill(); // stopped before this engine starts

        Engine engine;
        Seen seen;
        watch(engine, seen);
        QVERIFY(engine.open(options).ok());
        QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(kind, id).size(), 1, 10000);
        // One incident however many checks find it down again, and only the one.
        QTRY_VERIFY_WITH_TIMEOUT(engine.cluster()->node(id)->consecutiveFail >= 4, 10000);
        engine.emitSnapshot();
        QCOMPARE(seen.openOf(kind, id).size(), 1);
        QCOMPARE(seen.openOf(kind, id).first().count, 1);
        // A failed node went down first: that incident, raised by the last run, goes on too,
        // as it would have in one run.
        QCOMPARE(seen.open.size(), before == u"failed" ? 2 : 1);
        const Alert incident = seen.openOf(kind, id).first();
        // Its detail: what the check found, or for a failed node (the last run's incident,
        // taken back) why the last run failed it.
        QVERIFY2(incident.message.contains(before == u"failed"
                                               ? QStringLiteral("node_timeout")
                                               : QStringLiteral("connection refused")),
                 qPrintable(incident.message));
        // It began when the node went down, which for a node found so by the last run is
        // before this engine started.
        QVERIFY(incident.at <= incident.lastAt);
        QCOMPARE(incident.at, engine.cluster()->node(id)->lastChangeAt);
        // Back up: the incident ends.
        QVERIFY(sim.restart());
        QTRY_VERIFY_WITH_TIMEOUT(seen.openOf(kind, id).isEmpty(), 10000);
        QVERIFY(seen.resolved(kind, id));
        QCOMPARE(engine.cluster()->node(id)->health, HealthState::Up);
    }

    // A node the last run left down is that run's finding, not this one's: an engine started
    // again on the store, later than node_timeout, shows it down as it was, does not fail it
    // before a check of this run finds it down, and then only node_timeout after its start;
    // back up meanwhile, it comes up and is never failed (session 36: every such node was
    // failed at the first housekeeping, its audit row and incident written for time no one
    // watched).
    void storedDownNodeFailsOnlyOnTimeThisRunWatched_data()
    {
        QTest::addColumn<bool>("back"); // the node answers again before the engine starts
        QTest::newRow("still down") << false;
        QTest::newRow("back up") << true;
    }
    void storedDownNodeFailsOnlyOnTimeThisRunWatched()
    {
        QFETCH(bool, back);
        const QString id = QStringLiteral("n1");
        const QString name = back ? QStringLiteral("stored-back") : QStringLiteral("stored-down");
        EngineOptions options = checkingEngine(name);
        QVERIFY(!options.configPath.isEmpty());
        NodeSimProcess sim;
        QVERIFY(sim.start(id));
        qint64 downAt = 0;
        {
            Engine last;
            QVERIFY(last.open(options).ok());
            QVERIFY(
                last.cluster()->registerNode(NodeSpec{id, sim.url()}, QStringLiteral("test")).ok());
            const auto health = [&] { return last.cluster()->node(id)->health; };
            QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Up, 10000);
            sim.kill();
            QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Down, 10000);
            downAt = last.cluster()->node(id)->lastChangeAt;
            last.shutdown();
        }
        // The next run has a short node_timeout, and no engine runs for longer than that: the
        // wait is that time passing, not a condition to poll. The store is left as it is.
        const int nodeTimeoutMs = 2000;
        options.configPath = writeFastConfig(name + QStringLiteral("-short.json"), nodeTimeoutMs);
        QVERIFY(!options.configPath.isEmpty());
        QTest::qWait(nodeTimeoutMs + 500);
        if (back)
            QVERIFY(sim.restart());

        Engine engine;
        Seen seen;
        watch(engine, seen);
        QList<NodeStatus> firstNodes;
        connect(&engine, &Engine::snapshot, &engine, [&firstNodes](const EngineSnapshot &s) {
            if (firstNodes.isEmpty())
                firstNodes = s.nodes;
        });
        const qint64 startedAt = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(engine.open(options).ok());
        // What the node looked like when it was failed: a check of this run had found it down.
        std::optional<NodeStatus> whenFailed;
        qint64 failedAt = 0;
        connect(engine.cluster(), &ClusterManager::healthChanged, &engine,
                [&](const HealthEvent &e) {
                    if (e.nodeId != id || e.to != HealthState::Failed)
                        return;
                    failedAt = e.timestamp;
                    whenFailed = engine.cluster()->node(id);
                });
        // Shown as the last run left it.
        QTRY_VERIFY_WITH_TIMEOUT(!firstNodes.isEmpty(), 10000);
        QCOMPARE(firstNodes.first().health, HealthState::Down);
        QCOMPARE(firstNodes.first().lastChangeAt, downAt);
        const auto health = [&] { return engine.cluster()->node(id)->health; };
        if (back) {
            QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Up, 10000);
            QVERIFY2(!whenFailed, "failed on time no one watched");
            QVERIFY(seen.openOf(QStringLiteral("node.failed"), id).isEmpty());
            QVERIFY(!seen.resolved(QStringLiteral("node.failed"), id));
            return;
        }
        QTRY_COMPARE_WITH_TIMEOUT(health(), HealthState::Failed, 10000);
        QVERIFY(whenFailed);
        QVERIFY2(whenFailed->lastCheckAt >= startedAt && whenFailed->consecutiveFail > 0,
                 "failed before a check of this run found it down");
        QVERIFY2(
            failedAt - startedAt >= nodeTimeoutMs,
            qPrintable(QStringLiteral("failed %1 ms after the start").arg(failedAt - startedAt)));
        // The trail says the same: the history's change to failed, and the incident, date from
        // then, not from the last run.
        const auto history = engine.state()->healthEvents(id, 1);
        QVERIFY(history && !history->isEmpty());
        QCOMPARE(history->first().to, HealthState::Failed);
        QCOMPARE(history->first().timestamp, failedAt);
        QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(QStringLiteral("node.failed"), id).size(), 1, 10000);
        QCOMPARE(seen.openOf(QStringLiteral("node.failed"), id).first().at, failedAt);
    }

    // Two engines on one file at once (a standby console beside a daemon) raise incidents in
    // turns: each incident has an id of its own (session 36: both counted on from the highest
    // id the file had when they started, and gave the same ones).
    void twoEnginesOnOneFileNeverGiveOneIncidentId()
    {
        const EngineOptions options = checkingEngine(QStringLiteral("twins"));
        QVERIFY(!options.configPath.isEmpty());
        Engine first, second;
        Seen seenFirst, seenSecond;
        watch(first, seenFirst);
        watch(second, seenSecond);
        QVERIFY(first.open(options).ok());
        QVERIFY(second.open(options).ok());
        const QString refused = QStringLiteral("http://127.0.0.1:9");
        for (const QString &node : {QStringLiteral("a1"), QStringLiteral("a2")})
            QVERIFY(
                first.cluster()->registerNode(NodeSpec{node, refused}, QStringLiteral("t")).ok());
        for (const QString &node : {QStringLiteral("b1"), QStringLiteral("b2")})
            QVERIFY(
                second.cluster()->registerNode(NodeSpec{node, refused}, QStringLiteral("t")).ok());
        first.upkeep()->backupNow(); // fails (no backup folder): one incident each
        second.upkeep()->backupNow();
        QTRY_COMPARE_WITH_TIMEOUT(seenFirst.open.size(), 3, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(seenSecond.open.size(), 3, 10000);
        QSet<qint64> ids;
        for (const Alert &a : seenFirst.open + seenSecond.open)
            ids.insert(a.id);
        QCOMPARE(ids.size(), 6);
    }

    // An incident is one for as long as its condition lasts, whatever happens to the engine
    // watching it: an engine started again on the store lists it at once, with its id, its
    // start and its count, and gives no id of the last run to another incident.
    void incidentsOutliveARestartOfTheEngine()
    {
        const QString id = QStringLiteral("n1");
        const EngineOptions options = checkingEngine(QStringLiteral("restart"));
        QVERIFY(!options.configPath.isEmpty());
        NodeSimProcess sim;
        QVERIFY(sim.start(id));
        Alert down, backup;
        {
            Engine last;
            Seen seen;
            watch(last, seen);
            QVERIFY(last.open(options).ok());
            QVERIFY(
                last.cluster()->registerNode(NodeSpec{id, sim.url()}, QStringLiteral("test")).ok());
            QTRY_COMPARE_WITH_TIMEOUT(last.cluster()->node(id)->health, HealthState::Up, 10000);
            sim.kill();
            QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(QStringLiteral("node.down"), id).size(), 1,
                                      10000);
            // A failed backup (no backup folder is set), twice: one incident, counted twice.
            const auto backups = [&seen] {
                const QList<Alert> open = seen.openOf(QStringLiteral("backup"));
                return open.isEmpty() ? 0 : open.first().count;
            };
            for (int i = 1; i <= 2; ++i) {
                last.upkeep()->backupNow();
                QTRY_COMPARE_WITH_TIMEOUT(backups(), i, 10000);
            }
            down = seen.openOf(QStringLiteral("node.down"), id).first();
            backup = seen.openOf(QStringLiteral("backup")).first();
            QVERIFY(down.id != backup.id);
        }

        Engine engine;
        QList<EngineSnapshot> snapshots;
        connect(&engine, &Engine::snapshot, &engine,
                [&snapshots](const EngineSnapshot &s) { snapshots << s; });
        QVERIFY(engine.open(options).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty(), 10000);
        // The first picture of the new run already lists them, as they were.
        const QList<Alert> first = snapshots.first().openAlerts;
        QCOMPARE(first.size(), 2);
        for (const Alert &was : {down, backup}) {
            const auto it = std::find_if(first.begin(), first.end(),
                                         [&](const Alert &a) { return a.id == was.id; });
            QVERIFY2(it != first.end(), qPrintable(was.kind));
            QCOMPARE(it->kind, was.kind);
            QCOMPARE(it->subject, was.subject);
            QCOMPARE(it->at, was.at);
            QCOMPARE(it->count, was.count);
            QCOMPARE(it->severity, was.severity);
        }
        // The node is still down: checks of the new run find it so, the incident stays one,
        // neither counted again nor ended.
        QTRY_VERIFY_WITH_TIMEOUT(engine.cluster()->node(id)->consecutiveFail >= 4, 10000);
        Seen seen;
        watch(engine, seen);
        engine.emitSnapshot();
        QCOMPARE(seen.openOf(QStringLiteral("node.down"), id).size(), 1);
        QCOMPARE(seen.openOf(QStringLiteral("node.down"), id).first().id, down.id);
        QCOMPARE(seen.openOf(QStringLiteral("node.down"), id).first().count, down.count);
        for (const EngineSnapshot &s : std::as_const(snapshots))
            for (const Alert &a : s.alerts)
                QVERIFY2(!a.resolved(), qPrintable(a.kind));

        // A new incident of the new run has an id no incident of the last run had.
        QVERIFY(
            engine.cluster()
                ->registerNode(NodeSpec{QStringLiteral("n2"), QStringLiteral("http://127.0.0.1:9")},
                               QStringLiteral("test"))
                .ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            seen.openOf(QStringLiteral("node.down"), QStringLiteral("n2")).size(), 1, 10000);
        QVERIFY(seen.openOf(QStringLiteral("node.down"), QStringLiteral("n2")).first().id >
                std::max(down.id, backup.id));

        // Back up while no engine watched: the incident ends at the first check that says so,
        // and an engine started after that does not bring it back.
        engine.shutdown();
        QVERIFY(sim.restart());
        Engine next;
        Seen after;
        watch(next, after);
        QVERIFY(next.open(options).ok());
        QTRY_VERIFY_WITH_TIMEOUT(after.resolved(QStringLiteral("node.down"), id), 10000);
        next.shutdown();
        Engine last;
        Seen again;
        watch(last, again);
        QVERIFY(last.open(options).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!again.open.isEmpty(), 10000);
        QVERIFY(again.openOf(QStringLiteral("node.down"), id).isEmpty());
        QCOMPARE(again.openOf(QStringLiteral("backup")).value(0).id, backup.id);
    }

    void badConfigFileIncidentLastsUntilTheFileIsGood_data()
    {
        QTest::addColumn<bool>("reverted"); // else fixed with another good config
        QTest::newRow("reverted") << true;
        QTest::newRow("fixed") << false;
    }
    void badConfigFileIncidentLastsUntilTheFileIsGood()
    {
        QFETCH(bool, reverted);
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        EngineOptions options;
        options.dbPath = m_dir.filePath(tag + QStringLiteral("-config.db"));
        options.configPath = m_dir.filePath(tag + QStringLiteral("-config.json"));
        QFile::remove(options.configPath);
        options.createConfig = true; // made by the engine, with its fresh secrets
        options.deliver = false;
        options.healthChecks = false;
        options.refreshMs = 50;
        options.quietAlertMs = 300; // what ends incidents the engine cannot watch, shortened
        Engine engine;
        Seen seen;
        watch(engine, seen);
        QVERIFY(engine.open(options).ok());
        QFile file(options.configPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray running = file.readAll();
        file.close();

        write(options.configPath, running.left(running.size() / 2));
        QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(QStringLiteral("config"), options.configPath).size(),
                                  1, 10000);
        // A failed backup is an incident the engine has no condition for: it ends when it has
        // not come back for quietAlertMs. Raised after the config file's, it ends first...
        engine.upkeep()->backupNow();
        QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(QStringLiteral("backup")).size(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(seen.openOf(QStringLiteral("backup")).isEmpty(), 10000);
        // ...while the file's stays: the file is still bad.
        QCOMPARE(seen.openOf(QStringLiteral("config"), options.configPath).size(), 1);
        QVERIFY(!seen.resolved(QStringLiteral("config"), options.configPath));

        QByteArray good = running;
        if (!reverted) {
            good.replace("\"max_nodes\": 10", "\"max_nodes\": 11");
            QVERIFY(good != running);
        }
        write(options.configPath, good);
        QTRY_VERIFY_WITH_TIMEOUT(
            seen.openOf(QStringLiteral("config"), options.configPath).isEmpty(), 10000);
        QVERIFY(seen.resolved(QStringLiteral("config"), options.configPath));
        QCOMPARE(engine.config().maxNodes, reverted ? 10 : 11);
    }

    // Any dead letter of a target is one open incident naming the target and how many wait;
    // more count it again, a retry lowers the figure, and it ends when none is left.
    void deadLettersAreAnIncidentUntilNoneIsLeft()
    {
        const QString secret = QStringLiteral("incidents-signing-secret-0001");
        NodeSimProcess target;
        target.setSecret(secret);
        QVERIFY(target.start(QStringLiteral("t0")));
        QVERIFY(target.control({{QStringLiteral("status"), 400}})); // not retried: dead at once
        ClusterConfig c = ClusterConfig::makeNew();
        c.syncRetryIntervalMs = 100;
        TargetConfig t;
        t.name = QStringLiteral("t0");
        t.url = target.url() + QStringLiteral("/sync");
        t.events = {QStringLiteral("user.created")};
        t.secret = secret;
        c.targets = {t};
        const EngineOptions options = deliveringEngine(QStringLiteral("dead"));
        QVERIFY(c.saveToFile(options.configPath).ok());
        Engine engine;
        Seen seen;
        watch(engine, seen);
        QVERIFY(engine.open(options).ok());
        const QString kind = QStringLiteral("target.dead_letters");
        const auto send = [&engine](const char *user) {
            SyncEvent ev;
            ev.type = QStringLiteral("user.created");
            ev.userId = QString::fromLatin1(user);
            return engine.sync()->publish({ev}).ok();
        };
        const auto incident = [&] { return seen.openOf(kind, t.name).value(0); };

        QVERIFY(send("ann"));
        QTRY_COMPARE_WITH_TIMEOUT(incident().message, QStringLiteral("1 dead letters for t0"),
                                  10000);
        QCOMPARE(incident().severity, Alert::Severity::Warning);
        QCOMPARE(incident().count, 1);
        const qint64 id = incident().id;
        QVERIFY(send("bob"));
        QTRY_COMPARE_WITH_TIMEOUT(incident().message, QStringLiteral("2 dead letters for t0"),
                                  10000);
        QCOMPARE(incident().count, 2); // counted again, still the one incident
        QCOMPARE(incident().id, id);
        QCOMPARE(seen.openOf(kind).size(), 1);

        // One retried (and delivered): one waits, the incident stays.
        QVERIFY(target.control({{QStringLiteral("reset"), true}}));
        const auto dead = engine.sync()->deadLetters(t.name, 10);
        QVERIFY(dead);
        QCOMPARE(dead->size(), 2);
        QVERIFY(engine.sync()->retryFailedSync(dead->at(0).deliveryId, QStringLiteral("test")));
        QTRY_COMPARE_WITH_TIMEOUT(incident().message, QStringLiteral("1 dead letters for t0"),
                                  10000);
        QCOMPARE(incident().count, 2);
        QVERIFY(!seen.resolved(kind, t.name));
        // The other discarded: none is left, the incident ends.
        QVERIFY(engine.sync()->discard(dead->at(1).deliveryId, QStringLiteral("test")));
        QTRY_VERIFY_WITH_TIMEOUT(seen.openOf(kind).isEmpty(), 10000);
        QVERIFY(seen.resolved(kind, t.name));
    }

    // The backlog warning counts what waits to be sent, as the Overview's card does: deliveries
    // held for a disabled target are not behind (walk36: "10,012 deliveries wait" beside a card
    // reading 4), and its threshold is the config's sync_backlog_alert.
    void backlogIncidentCountsWhatWaitsToBeSent()
    {
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("t0")));
        ClusterConfig c = ClusterConfig::makeNew();
        c.syncBacklogAlert = 3;
        c.syncRetryIntervalMs = 600000; // a failed delivery waits for its retry: still behind
        c.maxSyncRetries = 100;
        TargetConfig live;
        live.name = QStringLiteral("t0");
        live.url = target.url() + QStringLiteral("/sync");
        live.events = {QStringLiteral("user.created")};
        TargetConfig off = live;
        off.name = QStringLiteral("t1");
        off.enabled = false; // its deliveries are held
        c.targets = {live, off};
        const EngineOptions options = deliveringEngine(QStringLiteral("backlog"));
        QVERIFY(c.saveToFile(options.configPath).ok());
        Engine engine;
        Seen seen;
        watch(engine, seen);
        SyncStats sync;
        int snapshots = 0;
        connect(&engine, &Engine::snapshot, this, [&](const EngineSnapshot &s) {
            sync = s.sync;
            ++snapshots;
        });
        QVERIFY(engine.open(options).ok());
        const auto send = [&engine](int n) {
            QList<SyncEvent> events;
            for (int i = 0; i < n; ++i) {
                SyncEvent ev;
                ev.type = QStringLiteral("user.created");
                ev.userId = QStringLiteral("user-%1").arg(i);
                events << ev;
            }
            return engine.sync()->publish(events).ok();
        };

        // Five held for t1, t0's delivered: past the threshold in all, none behind.
        QVERIFY(send(5));
        QTRY_VERIFY_WITH_TIMEOUT(sync.heldDeliveries == 5 && sync.queueDepth == 5, 10000);
        const int seenAt = snapshots;
        QTRY_VERIFY_WITH_TIMEOUT(snapshots >= seenAt + 3, 10000); // the check ran on these
        QVERIFY2(seen.openOf(QStringLiteral("backlog")).isEmpty(),
                 qPrintable(seen.openOf(QStringLiteral("backlog")).value(0).message));

        // t0 refuses: five wait for their retry, behind; ten held beside them are not counted.
        QVERIFY(target.control({{QStringLiteral("status"), 503}}));
        QVERIFY(send(5));
        QTRY_COMPARE_WITH_TIMEOUT(seen.openOf(QStringLiteral("backlog")).size(), 1, 10000);
        QCOMPARE(seen.openOf(QStringLiteral("backlog")).at(0).message,
                 QStringLiteral("5 deliveries wait to be sent (threshold 3)"));
        QCOMPARE(sync.heldDeliveries, 10);
    }
};

QTEST_GUILESS_MAIN(TestIncidents)
#include "tst_incidents.moc"
