// SPDX-License-Identifier: GPL-3.0-or-later
// A console stopped with its nodes (Ctrl+Z, then fg) and continued: the timeouts that ran out
// while it was not running are not its nodes' failures, nor is the time it did not run held
// against a node that was down. Real jobfirst-nodesim
// processes, a real SQLite store, and this test process itself stopped with SIGSTOP.
#include "cluster/clustermanager.h"
#include "demo/demoworkload.h"
#include "nodesimprocess.h"
#include "processstall.h"
#include "store/store.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestCheckerStall final : public QObject
{
    Q_OBJECT

    /// A node slow enough that a check or a request is in flight most of the time.
    struct Fixture
    {
        QTemporaryDir dir;
        std::unique_ptr<Store> store;
        std::unique_ptr<ClusterManager> cluster;
        NodeSimProcess node;
    };

    static std::unique_ptr<Fixture> start(const ClusterConfig &config, int latencyMs)
    {
        auto f = std::make_unique<Fixture>();
        f->store = std::move(Store::open(f->dir.filePath(QStringLiteral("c.db")))).value();
        f->cluster = std::make_unique<ClusterManager>(f->store.get(), config);
        if (!f->node.start(QStringLiteral("n1"), 0,
                           {QStringLiteral("--latency"), QString::number(latencyMs)}))
            return nullptr;
        if (!f->cluster->registerNode(NodeSpec{QStringLiteral("n1"), f->node.url()},
                                      QStringLiteral("test")))
            return nullptr;
        f->cluster->start();
        return f;
    }

    static ClusterConfig config(qint64 intervalMs)
    {
        ClusterConfig c;
        c.healthCheckIntervalMs = intervalMs;
        c.fastIntervalMs = 200;
        c.healthCheckTimeoutMs = 1500;
        c.rise = 1;
        c.fall = 1; // one failed check counted takes the node down: nothing hides it
        c.slowStartMs = 0;
        return c;
    }

    static NodeStatus n1(const Fixture &f) { return *f.cluster->node(QStringLiteral("n1")); }

    static QStringList downs(const QSignalSpy &changes)
    {
        QStringList found;
        for (const QList<QVariant> &args : changes) {
            const auto e = args.first().value<HealthEvent>();
            if (e.to != HealthState::Up)
                found << e.reason;
        }
        return found;
    }

private slots:
    void aCheckThatTimedOutWhileTheConsoleWasStoppedIsAskedAgain()
    {
        // Checked every 200 ms, answered after 800: a check is nearly always in flight.
        auto f = start(config(200), 800);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(n1(*f).health, HealthState::Up, 10000);
        HealthChecker *checker = f->cluster->healthChecker();
        QSignalSpy finished(checker, &HealthChecker::checkFinished);
        QSignalSpy changes(f->cluster.get(), &ClusterManager::healthChanged);
        // One node: more checks started since the spy than finished means one is in flight.
        const qint64 startedBefore = checker->checksStarted();
        QTRY_VERIFY_WITH_TIMEOUT(checker->checksStarted() - startedBefore > finished.size(), 5000);
        // Stopped longer than the check's timeout; the node answers after the console runs.
        QVERIFY(stallThisProcess(4000, {f->node.pid()}, 300));
        const qint64 resumedAt = QDateTime::currentMSecsSinceEpoch();
        QTRY_VERIFY_WITH_TIMEOUT(n1(*f).lastCheckAt >= resumedAt &&
                                     n1(*f).lastCheckResult == QStringLiteral("ok"),
                                 10000);
        QVERIFY2(downs(changes).isEmpty(), qPrintable(downs(changes).join(u'\n')));
        QCOMPARE(n1(*f).health, HealthState::Up);
        QVERIFY(checker->checksRepeatedAfterStall() > 0); // the check in flight did time out
        for (const QList<QVariant> &args : finished) {
            const auto r = args.first().value<CheckResult>();
            QVERIFY2(r.outcome == CheckOutcome::Ok, qPrintable(r.detail));
        }
    }

    void aDemoRequestThatTimedOutWhileTheConsoleWasStoppedIsNotTheNodes()
    {
        // No check comes near the stall: what could fail is the demo's own traffic.
        auto f = start(config(60000), 500);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(n1(*f).health, HealthState::Up, 10000);
        DemoWorkload demo(f->cluster.get(), nullptr);
        demo.setRates(0, 20);
        demo.start();
        QSignalSpy changes(f->cluster.get(), &ClusterManager::healthChanged);
        QTRY_VERIFY_WITH_TIMEOUT(n1(*f).activeConnections > 0, 5000);
        // Longer than the demo's 3 s transfer timeout.
        QVERIFY(stallThisProcess(4500, {f->node.pid()}, 300));
        const qint64 before = n1(*f).requests;
        QTRY_VERIFY_WITH_TIMEOUT(n1(*f).requests >= before + 5, 10000);
        demo.stop();
        QVERIFY2(downs(changes).isEmpty(), qPrintable(downs(changes).join(u'\n')));
        QCOMPARE(n1(*f).failures, 0);
        QCOMPARE(n1(*f).health, HealthState::Up);
    }

    void aDownNodeIsNotFailedForTheTimeTheConsoleWasStopped()
    {
        // node_timeout 4 s; the node stops answering and goes down; the console is stopped for
        // 6 s with it down. Nobody watched the node meanwhile: it is failed after 4 s of
        // failing checks, not at `fg`.
        ClusterConfig c = config(200);
        c.healthCheckTimeoutMs = 500;
        c.downIntervalMs = 200;
        c.nodeTimeoutMs = 4000;
        auto f = start(c, 0);
        QVERIFY(f);
        QTRY_COMPARE_WITH_TIMEOUT(n1(*f).health, HealthState::Up, 10000);
        QVERIFY(f->node.control({{QStringLiteral("hang"), true}}));
        QTRY_COMPARE_WITH_TIMEOUT(n1(*f).health, HealthState::Down, 10000);
        const qint64 downAt = n1(*f).lastChangeAt;
        QSignalSpy finished(f->cluster->healthChecker(), &HealthChecker::checkFinished);
        QSignalSpy failed(f->cluster.get(), &ClusterManager::nodeFailed);
        const auto now = [] { return QDateTime::currentMSecsSinceEpoch(); };
        const qint64 stoppedAt = now();
        QVERIFY(stallThisProcess(6000, {}, 0));
        const qint64 resumedAt = now();
        QVERIFY2(resumedAt - downAt > c.nodeTimeoutMs, "the stall was shorter than node_timeout");
        // The checks after the stall: each one failed (none counted across the stall).
        const auto checkedSince = [&](qint64 at) {
            int failing = 0;
            for (const QList<QVariant> &args : finished) {
                const auto r = args.first().value<CheckResult>();
                failing += r.at >= at && r.outcome != CheckOutcome::Ok;
            }
            return failing;
        };
        QTRY_VERIFY_WITH_TIMEOUT(checkedSince(resumedAt) >= 1, 10000);
        QVERIFY2(failed.isEmpty(), "failed at once for the time the console was stopped");
        QCOMPARE(n1(*f).health, HealthState::Down);
        // The console's countdown ("down — failed in N s") adds what the engine set aside.
        const qint64 stalledMs = resumedAt - stoppedAt;
        QVERIFY2(n1(*f).stalledWhileDownMs > stalledMs - 500 &&
                     n1(*f).stalledWhileDownMs < stalledMs + 500,
                 qPrintable(
                     QStringLiteral("%1 of %2 ms").arg(n1(*f).stalledWhileDownMs).arg(stalledMs)));
        // Failing checks go on, and node_timeout of them fails it: the stall paused the
        // count, it did not stop failing.
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 15000);
        QCOMPARE(n1(*f).health, HealthState::Failed);
        const qint64 failedAt = n1(*f).lastChangeAt;
        QVERIFY(checkedSince(resumedAt) >= 2);
        // Down for node_timeout while the console ran (less a housekeeping tick it cannot
        // tell from the stall).
        const qint64 watchedMs = (stoppedAt - downAt) + (failedAt - resumedAt);
        QVERIFY2(watchedMs > c.nodeTimeoutMs - 500, qPrintable(QString::number(watchedMs)));
    }
};

QTEST_GUILESS_MAIN(TestCheckerStall)
#include "tst_checkerstall.moc"
