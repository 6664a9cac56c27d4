// SPDX-License-Identifier: GPL-3.0-or-later
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
        QTest::newRow("bad port") << "a" << "http://host:99999/" << 1 << "malformed";
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
};

QTEST_GUILESS_MAIN(TestClusterManager)
#include "tst_clustermanager.moc"
