// SPDX-License-Identifier: GPL-3.0-or-later
// Health detection against real jobfirst-nodesim processes on loopback.
#include "cluster/clustermanager.h"
#include "nodesimprocess.h"
#include "store/store.h"
#include "twonodecluster.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

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

    static HealthState health(ClusterManager &c, const QString &id) { return c.node(id)->health; }

private slots:
    void killedNodeIsMarkedDownWithinFallTimesInterval()
    {
        const ClusterConfig config = fastConfig();
        auto f = TwoNodeCluster::start(config);
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
        auto f = TwoNodeCluster::start(fastConfig());
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
        auto f = TwoNodeCluster::start(fastConfig());
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
        auto f = TwoNodeCluster::start(config);
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
        auto f = TwoNodeCluster::start(config);
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
        auto f = TwoNodeCluster::start(config);
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
