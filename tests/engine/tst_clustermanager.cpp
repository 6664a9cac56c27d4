// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/codec.h"
#include "cluster/clustermanager.h"
#include "store/store.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestClusterManager final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString dbPath() const { return m_dir.filePath(QStringLiteral("c.db")); }

private slots:
    void init() { QFile::remove(dbPath()); }

    void badNodeInputIsRefusedAndChangesNothing_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("url");
        QTest::addColumn<int>("weight");
        QTest::addColumn<QString>("mention");
        QTest::newRow("empty id") << "" << "http://127.0.0.1:1" << 1 << "node id";
        QTest::newRow("id with space") << "a b" << "http://127.0.0.1:1" << 1 << "\"a b\"";
        QTest::newRow("no scheme") << "a" << "127.0.0.1:80" << 1 << "http://";
        QTest::newRow("ftp") << "a" << "ftp://host/" << 1 << "http://";
        QTest::newRow("no host") << "a" << "http://" << 1 << "host";
        QTest::newRow("bad port") << "a"
                                  << "http://host:99999/" << 1 << "port number out of range";
        QTest::newRow("space in host") << "a"
                                       << "http://exa mple.com:80/" << 1 << "malformed";
        QTest::newRow("empty url") << "a" << "" << 1 << "empty";
        QTest::newRow("weight 0") << "a" << "http://h/" << 0 << "1..256";
        QTest::newRow("weight 257") << "a" << "http://h/" << 257 << "1..256";
    }
    void badNodeInputIsRefusedAndChangesNothing()
    {
        QFETCH(QString, id);
        QFETCH(QString, url);
        QFETCH(int, weight);
        QFETCH(QString, mention);
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        NodeSpec spec{id, url};
        spec.weight = weight;
        const auto r = cluster.registerNode(spec, QStringLiteral("test"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(mention), qPrintable(r.error().message));
        QVERIFY(cluster.nodes().isEmpty());
        QVERIFY(store->loadNodes()->isEmpty());
        QVERIFY(store->auditLog(10)->isEmpty());
    }

    void aPasswordInAMalformedUrlIsNeverRepeated()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        const auto r = cluster.registerNode(
            NodeSpec{QStringLiteral("a"), QStringLiteral("http://ops:s3cr3t-pw@host:99999/x")},
            QStringLiteral("test"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(QStringLiteral("out of range")),
                 qPrintable(r.error().message));
        QVERIFY2(!r.error().message.contains(QStringLiteral("s3cr3t")),
                 qPrintable(r.error().message));
    }

    void duplicatesAndMaxNodesAreRefused()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterConfig config;
        config.maxNodes = 2;
        ClusterManager cluster(store.get(), config);
        QVERIFY(cluster.load().ok());
        QVERIFY(cluster.registerNode(NodeSpec{QStringLiteral("a"), QStringLiteral("http://127.0.0.1:1")}, QStringLiteral("t")).ok());
        const auto dup = cluster.registerNode(NodeSpec{QStringLiteral("a"), QStringLiteral("http://127.0.0.1:2")}, QStringLiteral("t"));
        QCOMPARE(dup.error().code, QStringLiteral("node.duplicate"));
        QVERIFY(cluster.registerNode(NodeSpec{QStringLiteral("b"), QStringLiteral("http://127.0.0.1:2")}, QStringLiteral("t")).ok());
        const auto full = cluster.registerNode(NodeSpec{QStringLiteral("c"), QStringLiteral("http://127.0.0.1:3")}, QStringLiteral("t"));
        QCOMPARE(full.error().code, QStringLiteral("cluster.full"));
        QVERIFY(full.error().message.contains(QStringLiteral("max_nodes is 2")));
        QCOMPARE(store->loadNodes()->size(), 2);
    }

    void everythingPersistsAndIsAudited()
    {
        {
            auto store = std::move(Store::open(dbPath())).value();
            ClusterManager cluster(store.get(), ClusterConfig{});
            QVERIFY(cluster.load().ok());
            QVERIFY(cluster.registerNode(NodeSpec{QStringLiteral("a"), QStringLiteral("http://127.0.0.1:1")}, QStringLiteral("alice")).ok());
            QVERIFY(cluster.registerNode(NodeSpec{QStringLiteral("b"), QStringLiteral("http://127.0.0.1:2")}, QStringLiteral("alice")).ok());
            QVERIFY(cluster.updateNodeWeight(QStringLiteral("a"), 9, QStringLiteral("bob")).ok());
            QVERIFY(!cluster.updateNodeWeight(QStringLiteral("a"), 0, QStringLiteral("bob")).ok());
            QVERIFY(cluster.setAdminState(QStringLiteral("b"), AdminState::Maintenance, QStringLiteral("bob")).ok());
            QVERIFY(!cluster.unregisterNode(QStringLiteral("zzz"), QStringLiteral("bob")).ok());
        }
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        QCOMPARE(cluster.nodes().size(), 2);
        QCOMPARE(cluster.node(QStringLiteral("a"))->spec.weight, 9);
        QCOMPARE(cluster.node(QStringLiteral("b"))->spec.adminState, AdminState::Maintenance);
        const auto audit = store->auditLog(10).value();
        QCOMPARE(audit.size(), 4);
        QCOMPARE(audit.at(1).action, QStringLiteral("node.weight"));
        QCOMPARE(audit.at(1).actor, QStringLiteral("bob"));
        QCOMPARE(audit.at(1).before, QStringLiteral("1"));
        QCOMPARE(audit.at(1).after, QStringLiteral("9"));
        QVERIFY(cluster.unregisterNode(QStringLiteral("a"), QStringLiteral("bob")).ok());
        QCOMPARE(store->loadNodes()->size(), 1);
    }

    void noEligibleNodeGivesAClearError()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        const auto none = cluster.selectNode(QStringLiteral("1.2.3.4"));
        QCOMPARE(none.error().code, QStringLiteral("balancer.no_node"));
        QVERIFY(cluster.registerNode(NodeSpec{QStringLiteral("a"), QStringLiteral("http://127.0.0.1:1")}, QStringLiteral("t")).ok());
        const auto unchecked = cluster.selectNode();
        QVERIFY(unchecked.error().message.contains(QStringLiteral("1 not yet checked")));
    }

    // A node's success rate counts the results seen, no more: it started as 100 assumed
    // successes, so a node that never answered showed 98 % after two failed checks
    // (session 18's walk).
    void nodeSuccessRateCountsOnlyResultsSeen()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        const NodeSpec spec{QStringLiteral("never"), QStringLiteral("http://127.0.0.1:1")};
        QVERIFY(cluster.registerNode(spec, QStringLiteral("t")).ok());
        QVERIFY(std::isnan(cluster.node(spec.id)->successRate)); // nothing seen: no figure
        QVERIFY(nodeStatusToJson(*cluster.node(spec.id))[QStringLiteral("success_rate")].isNull());
        const NodePick pick{spec.id, QUrl(spec.url)};
        cluster.reportResult(pick, false, 0, QStringLiteral("connection refused"));
        cluster.reportResult(pick, false, 0, QStringLiteral("connection refused"));
        QCOMPARE(cluster.node(spec.id)->successRate, 0.0);
        cluster.reportResult(pick, true, 1.0);
        cluster.reportResult(pick, true, 1.0);
        QCOMPARE(cluster.node(spec.id)->successRate, 50.0);
        // Full, the window slides: the oldest results leave it.
        for (int i = 0; i < 100; ++i)
            cluster.reportResult(pick, true, 1.0);
        QCOMPARE(cluster.node(spec.id)->successRate, 100.0);
    }

    void successRateOfTheRecentWindowMovesWhenRequestsFail()
    {
        auto store = std::move(Store::open(dbPath())).value();
        ClusterManager cluster(store.get(), ClusterConfig{});
        QVERIFY(cluster.load().ok());
        // Defaults to five minutes, and says so.
        QCOMPARE(cluster.stats().windowMs, 300000);
        QCOMPARE(cluster.stats().toJson()[QStringLiteral("window_seconds")].toDouble(), 300.0);
        // Nothing yet: no rate to show, rather than a made-up 100 %.
        QVERIFY(std::isnan(cluster.stats().windowSuccessRate));
        QVERIFY(cluster.stats().toJson()[QStringLiteral("window_success_rate")].isNull());

        const NodePick a{QStringLiteral("a"), QUrl(QStringLiteral("http://127.0.0.1:1"))};
        for (int i = 0; i < 1000; ++i)
            cluster.reportResult(a, true, 2.0);
        cluster.setRequestWindowMs(1200);
        QCOMPARE(cluster.stats().windowRequests, 0); // the new window starts empty
        for (int i = 0; i < 9; ++i)
            cluster.reportResult(a, true, 4.0);
        cluster.reportResult(a, false, 0, QStringLiteral("connection refused"));

        ClusterStats s = cluster.stats();
        // Lifetime: one failure in 1,010 requests hardly shows...
        QCOMPARE(s.totalRequests, 1010);
        QCOMPARE(s.failedRequests, 1);
        QCOMPARE(s.successfulRequests, 1009);
        // ...the recent window does.
        QCOMPARE(s.windowMs, 1200);
        QCOMPARE(s.windowRequests, 10);
        QCOMPARE(s.windowFailedRequests, 1);
        QCOMPARE(s.windowSuccessfulRequests, 9);
        QCOMPARE(s.windowSuccessRate, 90.0);
        QCOMPARE(s.windowAverageResponseTimeMs, 4.0);
        const QJsonObject json = s.toJson();
        QCOMPARE(json[QStringLiteral("window_seconds")].toDouble(), 1.2);
        QCOMPARE(json[QStringLiteral("window_success_rate")].toDouble(), 90.0);
        QCOMPARE(json[QStringLiteral("window_failed_requests")].toInteger(), 1);
        // The plan's GetClusterStats keys stay, over the lifetime.
        QCOMPARE(json[QStringLiteral("total_requests")].toInteger(), 1010);
        QCOMPARE(json[QStringLiteral("failed_requests")].toInteger(), 1);
        QCOMPARE(json[QStringLiteral("average_response_time")].toString(), QStringLiteral("2ms"));
        // A remote console reads the same figures back.
        const auto decoded = codec::decode<ClusterStats>(json);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->windowMs, 1200);
        QCOMPARE(decoded->windowRequests, 10);
        QCOMPARE(decoded->windowFailedRequests, 1);
        QCOMPARE(decoded->windowSuccessfulRequests, 9);
        QCOMPARE(decoded->windowSuccessRate, 90.0);
        QCOMPARE(decoded->windowAverageResponseTimeMs, 4.0);

        // Requests age out of the window; the lifetime totals stay.
        QTRY_COMPARE_WITH_TIMEOUT(cluster.stats().windowRequests, 0, 5000);
        s = cluster.stats();
        QVERIFY(std::isnan(s.windowSuccessRate));
        QVERIFY(std::isnan(codec::decode<ClusterStats>(s.toJson())->windowSuccessRate));
        QCOMPARE(s.totalRequests, 1010);
        QCOMPARE(s.failedRequests, 1);
    }
};

QTEST_GUILESS_MAIN(TestClusterManager)
#include "tst_clustermanager.moc"
