// SPDX-License-Identifier: GPL-3.0-or-later
// Health detection against real jobfirst-nodesim processes on loopback.
#include "cluster/clustermanager.h"
#include "host/engine.h"
#include "nodesimprocess.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace jobfirst;

class TestHealthDetection final : public QObject
{
    Q_OBJECT

    ClusterConfig fastConfig() const
    {
        ClusterConfig c;
        c.healthCheckIntervalMs = 200;
        c.healthCheckTimeoutMs = 150;
        c.fastIntervalMs = 100;
        c.downIntervalMs = 200;
        c.rise = 2;
        c.fall = 3;
        c.nodeTimeoutMs = 60000;
        c.slowStartMs = 0;
        return c;
    }

    struct Fixture
    {
        QTemporaryDir dir;
        std::unique_ptr<Store> store;
        std::unique_ptr<ClusterManager> cluster;
        NodeSimProcess a, b;
    };

    std::unique_ptr<Fixture> makeCluster(const ClusterConfig &config)
    {
        auto f = std::make_unique<Fixture>();
        f->store = std::move(Store::open(f->dir.filePath(QStringLiteral("c.db")))).value();
        f->cluster = std::make_unique<ClusterManager>(f->store.get(), config);
        if (!f->a.start(QStringLiteral("a")) || !f->b.start(QStringLiteral("b")))
            return nullptr;
        f->cluster->registerNode(NodeSpec{QStringLiteral("a"), f->a.url()}, QStringLiteral("test"));
        f->cluster->registerNode(NodeSpec{QStringLiteral("b"), f->b.url()}, QStringLiteral("test"));
        f->cluster->start();
        return f;
    }

    static HealthState health(ClusterManager &c, const QString &id) { return c.node(id)->health; }

    /// The plan's defaults (interval 30 s, fall 3, rise 2, ...) divided by five, for the tests
    /// that would otherwise wait up to half a minute for a check.
    static ClusterConfig defaultsDividedByFive()
    {
        const ClusterConfig d;
        ClusterConfig c;
        c.healthCheckIntervalMs = d.healthCheckIntervalMs / 5;
        c.fastIntervalMs = d.fastIntervalMs / 5;
        c.healthCheckTimeoutMs = d.healthCheckTimeoutMs / 5;
        c.downIntervalMs = d.downIntervalMs / 5;
        c.nodeTimeoutMs = d.nodeTimeoutMs / 5;
        c.slowStartMs = d.slowStartMs / 5;
        return c;
    }

private slots:
    void killedNodeIsDownWithinThirtySecondsAtTheDefaults()
    {
        // The plan's defaults, unscaled: checks every 30 s, fall 3, rise 2.
        const QString secret = QStringLiteral("cluster-secret");
        NodeSimProcess a, b;
        QVERIFY(a.start(QStringLiteral("a"), 0, {QStringLiteral("--secret"), secret}));
        QVERIFY(b.start(QStringLiteral("b"), 0, {QStringLiteral("--secret"), secret}));
        QTemporaryDir dir;
        ClusterConfig c;
        QCOMPARE(c.healthCheckIntervalMs, 30000);
        QCOMPARE(c.fall, 3);
        QCOMPARE(c.rise, 2);
        c.clusterSecret = secret;
        c.targets.clear();
        QVERIFY(c.saveToFile(dir.filePath(QStringLiteral("c.json"))).ok());
        Engine engine;
        EngineOptions options;
        options.dbPath = dir.filePath(QStringLiteral("c.db"));
        options.configPath = dir.filePath(QStringLiteral("c.json"));
        QVERIFY(engine.open(options).ok());
        ClusterManager *cluster = engine.cluster();
        QVERIFY(cluster->registerNode(NodeSpec{QStringLiteral("a"), a.url()}, QStringLiteral("t"))
                    .ok());
        QVERIFY(cluster->registerNode(NodeSpec{QStringLiteral("b"), b.url()}, QStringLiteral("t"))
                    .ok());
        QTRY_COMPARE_WITH_TIMEOUT(cluster->stats().activeNodes, 2, 5000);
        // Both are watched through an idle connection once their first check passed.
        QTRY_COMPARE_WITH_TIMEOUT(cluster->healthChecker()->watchedConnections(), 2, 5000);
        QVERIFY(cluster->node(QStringLiteral("a"))->hasResponseTime());
        QSignalSpy changes(cluster, &ClusterManager::healthChanged);

        a.kill();
        QTRY_COMPARE_WITH_TIMEOUT(health(*cluster, QStringLiteral("a")), HealthState::Down, 30000);
        // Seen between checks: the kernel closed the dead process's connection.
        QCOMPARE(changes.size(), 1);
        const auto event = changes.first().first().value<HealthEvent>();
        QCOMPARE(
            event.reason,
            QStringLiteral(
                "connection refused (3 checks failed in a row; checked at once because the node "
                "closed its connection and a new connection was refused)"));
        // A dead node shows no latency, and its JSON says so.
        QVERIFY(!cluster->node(QStringLiteral("a"))->hasResponseTime());
        QVERIFY(nodeStatusToJson(
                    *cluster->node(QStringLiteral("a")))[QStringLiteral("response_time_ms")]
                    .isNull());
        QVERIFY(cluster->node(QStringLiteral("b"))->hasResponseTime());

        // Its traffic stops...
        for (int i = 0; i < 20; ++i) {
            auto pick = cluster->selectNode();
            QVERIFY(pick.ok());
            QCOMPARE(pick->nodeId, QStringLiteral("b"));
            cluster->reportResult(pick.value(), true, 1);
        }
        // ...and so do its cluster-sync deliveries: held for it, not tried.
        SyncEvent e;
        e.type = QStringLiteral("session"); // a cluster event: every node receives it
        e.userId = QStringLiteral("li");
        e.data = {{QStringLiteral("token"), QStringLiteral("jwt-abc-123456")}};
        QVERIFY(engine.sync()->publish({e}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            b.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), 1, 5000);
        for (const TargetStatus &t : engine.sync()->stats().targets) {
            if (t.name != u"node:a")
                continue;
            QVERIFY(t.held);
            QCOMPARE(t.inFlight, 0);
            QCOMPARE(t.retries, 0);
            QCOMPARE(t.failed, 0);
        }
        engine.shutdown();
    }

    void failingHealthEndpointIsDownWithinTheInterval()
    {
        // A node that still accepts connections but answers its checks with 500: nothing
        // closes, so only the checks see it. Their steady cadence leaves room for the fall-1
        // fast re-checks within the interval.
        const ClusterConfig config = defaultsDividedByFive();
        QVERIFY(config.healthCheckIntervalMs == 6000 && config.fall == 3 &&
                config.fastIntervalMs == 400);
        auto f = makeCluster(config);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QVERIFY(f->cluster->steadyCheckIntervalMs() + (config.fall - 1) * config.fastIntervalMs <
                config.healthCheckIntervalMs);
        // The worst moment: just after a good check of an up node, with a full steady interval
        // to go before the next.
        int failedChecks = 0;
        bool justChecked = false;
        connect(f->cluster->healthChecker(), &HealthChecker::checkFinished, this,
                [&](const CheckResult &r) {
                    if (r.nodeId != u"a")
                        return;
                    if (r.outcome == CheckOutcome::Ok)
                        justChecked = true;
                    else
                        ++failedChecks;
                });
        QTRY_VERIFY_WITH_TIMEOUT(justChecked, 10000);
        QVERIFY(f->a.control(QJsonObject{{QStringLiteral("status"), 500}}));
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down,
                                  config.healthCheckIntervalMs);
        QCOMPARE(failedChecks, config.fall);
        QCOMPARE(f->store->healthEvents(QStringLiteral("a"), 1)->first().reason,
                 QStringLiteral("bad status 500 (3 checks failed in a row)"));
        for (int i = 0; i < 10; ++i) {
            auto pick = f->cluster->selectNode();
            QCOMPARE(pick->nodeId, QStringLiteral("b"));
            f->cluster->reportResult(pick.value(), true, 1);
        }
    }

    void vanishedHostIsCaughtByTheNextCheck()
    {
        // A stopped process: the kernel keeps its connections open and accepts new ones, but
        // nothing answers, as with a host that vanished. The watched connection sees nothing.
        ClusterConfig config = defaultsDividedByFive();
        config.downIntervalMs = 1000; // only for the recovery at the end
        auto f = makeCluster(config);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(f->cluster->healthChecker()->watchedConnections(), 2, 5000);
        QCOMPARE(::kill(pid_t(f->a.pid()), SIGSTOP), 0);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down,
                                  20000);
        const QString reason = f->store->healthEvents(QStringLiteral("a"), 1)->first().reason;
        QCOMPARE(reason, QStringLiteral("timeout after 400 ms (3 checks failed in a row)"));
        QCOMPARE(f->cluster->healthChecker()->watchedConnections(), 2); // still open
        QCOMPARE(::kill(pid_t(f->a.pid()), SIGCONT), 0);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 20000);
    }

    void killedNodeIsMarkedDownWithinFallTimesInterval()
    {
        const ClusterConfig config = fastConfig();
        auto f = makeCluster(config);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("b")), HealthState::Up, 5000);
        QSignalSpy changes(f->cluster.get(), &ClusterManager::healthChanged);
        QElapsedTimer sinceKill;
        f->a.kill();
        sinceKill.start();
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down, 10000);
        // Bound: one full interval until the next check, then fall-1 fast checks, plus timeouts.
        const qint64 bound = config.healthCheckIntervalMs * 1.1 + (config.fall - 1) * config.fastIntervalMs * 1.1
                             + config.fall * config.healthCheckTimeoutMs + 500;
        QVERIFY2(sinceKill.elapsed() <= bound, qPrintable(QStringLiteral("%1 ms > %2 ms").arg(sinceKill.elapsed()).arg(bound)));
        QCOMPARE(changes.size(), 1);
        const auto event = changes.first().first().value<HealthEvent>();
        QCOMPARE(event.reason.left(18), QStringLiteral("connection refused"));
        QCOMPARE(health(*f->cluster, QStringLiteral("b")), HealthState::Up);
        // It leaves rotation.
        for (int i = 0; i < 10; ++i) {
            auto pick = f->cluster->selectNode();
            QCOMPARE(pick->nodeId, QStringLiteral("b"));
            f->cluster->reportResult(pick.value(), true, 1);
        }
        // The history keeps the change with its reason.
        auto history = f->store->healthEvents(QStringLiteral("a"), 10);
        QCOMPARE(history->first().to, HealthState::Down);
        QVERIFY(history->first().reason.contains(QStringLiteral("connection refused")));

        // Restarted: back after `rise` good checks.
        QVERIFY(!f->cluster->node(QStringLiteral("a"))->hasResponseTime());

        QVERIFY(f->a.restart());
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 10000);
        QCOMPARE(f->cluster->node(QStringLiteral("a"))->consecutiveOk, config.rise);
        // Back up: its latency is measured again, from the checks since it came back.
        QVERIFY(f->cluster->node(QStringLiteral("a"))->hasResponseTime());
        QVERIFY(nodeStatusToJson(
                    *f->cluster->node(QStringLiteral("a")))[QStringLiteral("response_time_ms")]
                    .isDouble());
    }

    void hangingNodeIsMarkedDownByTimeout()
    {
        auto f = makeCluster(fastConfig());
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QVERIFY(f->a.control(QJsonObject{{QStringLiteral("hang"), true}}));
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down, 10000);
        QVERIFY(f->cluster->node(QStringLiteral("a"))->lastCheckResult.startsWith(QStringLiteral("timeout")));
        QVERIFY(f->a.control(QJsonObject{{QStringLiteral("hang"), false}}));
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 10000);
    }

    void badStatusAndBadBodyAreReasons()
    {
        auto f = makeCluster(fastConfig());
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QVERIFY(f->a.control(QJsonObject{{QStringLiteral("status"), 503}}));
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down, 10000);
        QVERIFY(f->cluster->node(QStringLiteral("a"))->lastCheckResult.contains(QStringLiteral("bad status 503")));
    }

    void passiveDetectionRemovesRefusedNodeOnFirstFailedRequest()
    {
        ClusterConfig config = fastConfig();
        config.healthCheckIntervalMs = 60000; // active checks will not notice in this test
        config.fastIntervalMs = 60000;
        config.downIntervalMs = 60000;
        config.healthCheckTimeoutMs = 1000;
        auto f = makeCluster(config);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("b")), HealthState::Up, 5000);
        f->a.kill();
        // A real request through the balancer to `a` is refused: reported once, a is out.
        QNetworkAccessManager nam;
        bool sawFailure = false;
        for (int i = 0; i < 4 && !sawFailure; ++i) {
            auto pick = f->cluster->selectNode();
            QVERIFY(pick.ok());
            QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(pick->url.toString() + QStringLiteral("/"))));
            QSignalSpy done(reply, &QNetworkReply::finished);
            QVERIFY(done.wait(5000));
            const bool ok = reply->error() == QNetworkReply::NoError;
            f->cluster->reportResult(pick.value(), ok, 1, ok ? QString() : reply->errorString());
            if (!ok) {
                QCOMPARE(pick->nodeId, QStringLiteral("a"));
                sawFailure = true;
            }
            reply->deleteLater();
        }
        QVERIFY(sawFailure);
        QCOMPARE(health(*f->cluster, QStringLiteral("a")), HealthState::Down);
        QVERIFY(f->store->healthEvents(QStringLiteral("a"), 1)->first().reason.startsWith(QStringLiteral("passive")));
        for (int i = 0; i < 20; ++i) {
            auto pick = f->cluster->selectNode();
            QCOMPARE(pick->nodeId, QStringLiteral("b"));
            f->cluster->reportResult(pick.value(), true, 1);
        }
    }

    void downLongerThanNodeTimeoutIsFailed()
    {
        ClusterConfig config = fastConfig();
        config.nodeTimeoutMs = 600;
        auto f = makeCluster(config);
        QVERIFY(f);
        QSignalSpy failed(f->cluster.get(), &ClusterManager::nodeFailed);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        f->a.kill();
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Failed, 10000);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().first().toString(), QStringLiteral("a"));
        QVERIFY(f->cluster->stats().failedNodes >= 1);
        QVERIFY(f->a.restart());
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 10000);
    }

    void recoveredNodeRampsItsWeight()
    {
        ClusterConfig config = fastConfig();
        config.slowStartMs = 3000;
        auto f = makeCluster(config);
        QVERIFY(f);
        QVERIFY(f->cluster->updateNodeWeight(QStringLiteral("a"), 100, QStringLiteral("test")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QCOMPARE(f->cluster->node(QStringLiteral("a"))->effectiveWeight, 100); // first sight: no ramp
        f->a.kill();
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down, 10000);
        QCOMPARE(f->cluster->node(QStringLiteral("a"))->effectiveWeight, 0);
        QVERIFY(f->a.restart());
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 10000);
        const int early = f->cluster->node(QStringLiteral("a"))->effectiveWeight;
        QVERIFY2(early >= 1 && early < 60, qPrintable(QString::number(early)));
        QTRY_COMPARE_WITH_TIMEOUT(f->cluster->node(QStringLiteral("a"))->effectiveWeight, 100, 8000);
    }
};

QTEST_GUILESS_MAIN(TestHealthDetection)
#include "tst_healthdetection.moc"
