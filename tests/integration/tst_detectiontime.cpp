// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 10: a node that fails is down within health_check_interval at the plan's defaults
// (30 s, fall 3, rise 2), against real jobfirst-nodesim processes on loopback.
#include "cluster/clustermanager.h"
#include "core/secrets.h"
#include "host/engine.h"
#include "nodesimprocess.h"
#include "store/store.h"
#include "sync/syncservice.h"
#include "twonodecluster.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>

using namespace jobfirst;

class TestDetectionTime final : public QObject
{
    Q_OBJECT

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
        const QString secret = generateSecret();
        NodeSimProcess a, b;
        a.setSecret(secret);
        b.setSecret(secret);
        QVERIFY(a.start(QStringLiteral("a"), 0));
        QVERIFY(b.start(QStringLiteral("b"), 0));
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
        // The checks' own error is the kernel's: refused once the dead process's listening
        // socket is gone, reset when a check's connection raced that teardown (seen once in
        // a loaded ctest -j2). What the operator reads after it is the watcher's finding, whose
        // own new connection can race the same teardown (reset, seen once in session 23).
        const QRegularExpression expected(QStringLiteral(
            "^(connection refused|[Cc]onnection reset by peer) \\(3 checks failed in a row; "
            "checked at once because the node closed its connection and a new connection (was "
            "refused|failed: [Cc]onnection reset by peer)\\)$"));
        QVERIFY2(expected.match(event.reason).hasMatch(), qPrintable(event.reason));
        // The failure came after the node's last good check: the SLO's failure-to-alert time
        // is counted from there, so the history keeps when that was.
        QVERIFY(event.lastOkAt > 0 && event.lastOkAt < event.timestamp);
        QSqlQuery stored(engine.store()->database());
        QVERIFY(stored.exec(QStringLiteral(
            "SELECT last_ok_at FROM health_events WHERE node_id = 'a' AND to_state = 'down'")));
        QVERIFY(stored.next());
        QCOMPARE(stored.value(0).toLongLong(), event.lastOkAt);
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
        auto f = TwoNodeCluster::start(config);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Up, 5000);
        QVERIFY(f->cluster->steadyCheckIntervalMs() + (config.fall - 1) * config.fastIntervalMs <
                config.healthCheckIntervalMs);
        // The worst moment: just after a good check of an up node, with a full steady interval
        // to go before the next.
        QList<CheckResult> failed;
        bool justChecked = false;
        connect(f->cluster->healthChecker(), &HealthChecker::checkFinished, this,
                [&](const CheckResult &r) {
                    if (r.nodeId != u"a")
                        return;
                    if (r.outcome == CheckOutcome::Ok)
                        justChecked = true;
                    else if (justChecked)
                        failed << r;
                });
        QTRY_VERIFY_WITH_TIMEOUT(justChecked, 10000);
        const qint64 failingSince = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(f->a.control(QJsonObject{{QStringLiteral("status"), 500}}));
        // What the configuration promises: the next steady check, fall-1 fast re-checks, each
        // of the fall checks taking at most the check timeout. Scaled with the intervals: at a
        // fifth of the defaults the schedule leaves 600 ms for the checks' own time, which
        // three check round trips (up to 400 ms each) and timer wake-ups on a loaded machine
        // can pass; waiting for exactly the interval is the likely cause of the one failure
        // under load in session 15.
        const qint64 bound = f->cluster->steadyCheckIntervalMs() +
                             (config.fall - 1) * config.fastIntervalMs +
                             config.fall * config.healthCheckTimeoutMs;
        QVERIFY(bound < 2 * config.healthCheckIntervalMs);
        QTRY_COMPARE_WITH_TIMEOUT(health(*f->cluster, QStringLiteral("a")), HealthState::Down,
                                  2 * bound);
        const HealthEvent down = f->store->healthEvents(QStringLiteral("a"), 1)->first();
        QVERIFY2(down.timestamp - failingSince <= bound,
                 qPrintable(QStringLiteral("down after %1 ms, bound %2 ms")
                                .arg(down.timestamp - failingSince)
                                .arg(bound)));
        QCOMPARE(failed.size(), config.fall);
        // Each failed check is the fault (500), or one that answered too late under load.
        QVERIFY(std::all_of(failed.cbegin(), failed.cend(), [](const CheckResult &r) {
            return r.httpStatus == 500 || r.outcome == CheckOutcome::Timeout;
        }));
        QVERIFY(std::any_of(failed.cbegin(), failed.cend(),
                            [](const CheckResult &r) { return r.httpStatus == 500; }));
        QCOMPARE(down.reason, failed.last().detail + QStringLiteral(" (3 checks failed in a row)"));
        // When the checks answered within the room the schedule leaves for them, the node is
        // down within the interval, as the plan asks.
        qint64 checking = 0;
        for (const CheckResult &r : std::as_const(failed))
            checking += qint64(r.latencyMs);
        const qint64 room = config.healthCheckIntervalMs - f->cluster->steadyCheckIntervalMs() -
                            (config.fall - 1) * config.fastIntervalMs;
        if (checking <= room / 2)
            QVERIFY2(down.timestamp - failingSince <= config.healthCheckIntervalMs,
                     qPrintable(QStringLiteral("down after %1 ms, checks took %2 ms")
                                    .arg(down.timestamp - failingSince)
                                    .arg(checking)));
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
        auto f = TwoNodeCluster::start(config);
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
};

QTEST_GUILESS_MAIN(TestDetectionTime)
#include "tst_detectiontime.moc"
