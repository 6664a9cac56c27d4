// SPDX-License-Identifier: GPL-3.0-or-later
// Cluster sync through the whole engine: a Basic Server node that is down receives what it
// missed once it is back, and a failed delivery to a node counts against it at once.
#include "cluster/clustermanager.h"
#include "core/secrets.h"
#include "host/engine.h"
#include "nodesimprocess.h"
#include "outboxbackend.h"
#include "sync/syncservice.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestClusterSync final : public QObject
{
    Q_OBJECT

    /// Checks and sync retries fast enough for a test, events signed with `secret`.
    static ClusterConfig fastConfig(const QString &secret)
    {
        ClusterConfig c;
        c.healthCheckIntervalMs = 200;
        c.healthCheckTimeoutMs = 150;
        c.fastIntervalMs = 100;
        c.slowStartMs = 0;
        c.syncRetryIntervalMs = 100;
        c.clusterSecret = secret;
        c.targets.clear();
        return c;
    }

    /// Opens `engine` on a store in `dir` with config `c` (the outbox in PostgreSQL when the
    /// suite runs on it, the rest in the file).
    static bool openEngine(Engine &engine, const QTemporaryDir &dir, const ClusterConfig &c)
    {
        if (!c.saveToFile(dir.filePath(QStringLiteral("c.json"))).ok())
            return false;
        EngineOptions options;
        options.dbPath = dir.filePath(QStringLiteral("c.db"));
        if (OutboxBackend::postgres())
            options.outboxUrl = OutboxBackend::outbox(options.dbPath);
        options.configPath = dir.filePath(QStringLiteral("c.json"));
        return engine.open(options).ok();
    }

    /// Starts `sim` as node `name`, taking events signed with `secret` (cluster_secret).
    static bool startNode(NodeSimProcess &sim, const QString &name, const QString &secret)
    {
        sim.setSecret(secret);
        return sim.start(name);
    }

    /// How many events the node applied (its /stats).
    static int applied(NodeSimProcess &sim)
    {
        return sim.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt();
    }

    /// A session event of `user` carrying `data`.
    static SyncEvent session(const QString &user, const QJsonObject &data)
    {
        SyncEvent e;
        e.type = QStringLiteral("session");
        e.userId = user;
        e.data = data;
        return e;
    }

private slots:
    void downNodeReceivesWhatItMissed()
    {
        const QString secret = generateSecret();
        NodeSimProcess a, b;
        QVERIFY(startNode(a, QStringLiteral("a"), secret));
        QVERIFY(startNode(b, QStringLiteral("b"), secret));
        QTemporaryDir dir;
        ClusterConfig c = fastConfig(secret);
        c.downIntervalMs = 200;
        Engine engine;
        QVERIFY(openEngine(engine, dir, c));
        QVERIFY(engine.cluster()->registerNode(NodeSpec{QStringLiteral("a"), a.url()}, QStringLiteral("t")).ok());
        QVERIFY(engine.cluster()->registerNode(NodeSpec{QStringLiteral("b"), b.url()}, QStringLiteral("t")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(engine.cluster()->stats().activeNodes, 2, 5000);

        b.kill();
        QTRY_COMPARE_WITH_TIMEOUT(engine.cluster()->node(QStringLiteral("b"))->health, HealthState::Down, 5000);
        QVERIFY(engine.sync()
                    ->publish({session(
                        QStringLiteral("mei"),
                        {{QStringLiteral("token"), QStringLiteral("jwt-abc-123456")},
                         {QStringLiteral("expires_at"), QStringLiteral("2026-12-01T00:00:00Z")}})})
                    .ok());
        QTRY_COMPARE_WITH_TIMEOUT(applied(a), 1, 5000);
        // b is held, not retried into the dead letters. (a's outcome is committed a moment
        // after a applied the event: wait for that, not only for a.)
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), 1, 5000);
        QVERIFY(engine.sync()->deadLetters({}, 10)->isEmpty());
        // The stats tell it apart from deliveries being worked on, in memory and from the store.
        QCOMPARE(engine.sync()->stats().queueDepth, 1);
        QCOMPARE(engine.sync()->stats().heldDeliveries, 1);
        QCOMPARE(engine.sync()->storedStats()->heldDeliveries, 1);
        QCOMPARE(engine.sync()->stats().toJson().value(QStringLiteral("queue_held")).toInt(), 1);

        QVERIFY(b.restart());
        QTRY_COMPARE_WITH_TIMEOUT(applied(b), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), 0, 5000);
        QCOMPARE(engine.sync()->stats().heldDeliveries, 0);
        QCOMPARE(b.get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0); // signed with cluster_secret
        engine.shutdown();
    }

    // A node moved to another address receives cluster sync there, not at the old one (the
    // sync service keeps each node target's address while the node's URL stays the same).
    void movedNodeReceivesAtItsNewAddress()
    {
        const QString secret = generateSecret();
        NodeSimProcess before, after;
        QVERIFY(startNode(before, QStringLiteral("before"), secret));
        QVERIFY(startNode(after, QStringLiteral("after"), secret));
        QTemporaryDir dir;
        Engine engine;
        QVERIFY(openEngine(engine, dir, fastConfig(secret)));
        const QString id = QStringLiteral("n");
        QVERIFY(
            engine.cluster()->registerNode(NodeSpec{id, before.url()}, QStringLiteral("t")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(engine.cluster()->stats().activeNodes, 1, 5000);
        const auto sessionOf = [](const QString &user) {
            return session(user, {{QStringLiteral("token"), QStringLiteral("jwt-%1").arg(user)}});
        };
        QVERIFY(engine.sync()->publish({sessionOf(QStringLiteral("mei"))}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(applied(before), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), 0, 5000);

        QVERIFY(engine.cluster()->editNode(NodeSpec{id, after.url()}, QStringLiteral("t")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(engine.cluster()->node(id)->health, HealthState::Up, 5000);
        QVERIFY(engine.sync()->publish({sessionOf(QStringLiteral("li"))}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(applied(after), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), 0, 5000);
        QCOMPARE(applied(before), 1); // nothing more at the old address
        engine.shutdown();
    }
};

QTEST_GUILESS_MAIN(TestClusterSync)
#include "tst_clustersync.moc"
