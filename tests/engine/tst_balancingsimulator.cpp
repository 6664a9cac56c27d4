// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/balancingsimulator.h"

#include <QJsonDocument>
#include <QtTest>

using namespace jobfirst;

namespace {

SimulationParams params()
{
    SimulationParams p;
    p.nodes = {SimNode{QStringLiteral("a"), 1, 4, 10, 32}, SimNode{QStringLiteral("b"), 1, 4, 10, 32},
               SimNode{QStringLiteral("c"), 2, 8, 10, 32}};
    p.arrivalRate = 1000;
    p.requests = 50000;
    p.seed = 7;
    return p;
}

} // namespace

class TestBalancingSimulator final : public QObject
{
    Q_OBJECT

private slots:
    void deterministicForASeed()
    {
        const auto a = BalancingSimulator::run(params());
        const auto b = BalancingSimulator::run(params());
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(QJsonDocument(a->toJson(params())["strategies"].toArray()).toJson(),
                 QJsonDocument(b->toJson(params())["strategies"].toArray()).toJson());
        auto other = params();
        other.seed = 8;
        const auto c = BalancingSimulator::run(other);
        QVERIFY(QJsonDocument(a->toJson(params())["strategies"].toArray()).toJson()
                != QJsonDocument(c->toJson(other)["strategies"].toArray()).toJson());
    }

    void everyRequestIsAccountedFor()
    {
        const auto r = BalancingSimulator::run(params());
        QCOMPARE(r->outcomes.size(), 5);
        for (const StrategyOutcome &o : r->outcomes) {
            qint64 perNode = 0;
            for (qint64 n : o.perNode)
                perNode += n;
            QCOMPARE(perNode, o.served);
            QCOMPARE(o.served + o.rejected, params().requests);
            QVERIFY(o.p50Ms <= o.p95Ms && o.p95Ms <= o.p99Ms);
            QVERIFY(o.p50Ms > 0);
        }
    }

    void weightedRoundRobinFollowsWeights()
    {
        auto p = params();
        p.strategies = {Strategy::WeightedRoundRobin};
        const auto r = BalancingSimulator::run(p);
        const StrategyOutcome &o = r->outcomes.first();
        QCOMPARE(o.perNode.at(2), o.perNode.at(0) * 2); // a, b, c, c repeat exactly
    }

    void overloadRejectsAndLeastConnectionsBeatsRoundRobinOnSlowNode()
    {
        // One node is ten times slower: round robin keeps sending it a third of the traffic,
        // least connections notices the queue and sends less.
        SimulationParams p;
        p.nodes = {SimNode{QStringLiteral("fast1"), 1, 4, 5, 16}, SimNode{QStringLiteral("fast2"), 1, 4, 5, 16},
                   SimNode{QStringLiteral("slow"), 1, 4, 50, 16}};
        p.arrivalRate = 900;
        p.requests = 40000;
        p.strategies = {Strategy::RoundRobin, Strategy::LeastConnections};
        const auto r = BalancingSimulator::run(p);
        const StrategyOutcome &rr = r->outcomes.at(0);
        const StrategyOutcome &lc = r->outcomes.at(1);
        QVERIFY(rr.rejected > 0);
        QVERIFY(lc.perNode.at(2) < rr.perNode.at(2));
        QVERIFY(lc.p99Ms < rr.p99Ms);
    }

    void badParametersAreRefused_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("mention");
        QTest::newRow("no nodes") << 0 << "at least one node";
        QTest::newRow("rate") << 1 << "arrival rate";
        QTest::newRow("capacity") << 2 << "capacity";
        QTest::newRow("requests") << 3 << "request count";
    }
    void badParametersAreRefused()
    {
        QFETCH(int, which);
        QFETCH(QString, mention);
        auto p = params();
        if (which == 0)
            p.nodes.clear();
        if (which == 1)
            p.arrivalRate = 0;
        if (which == 2)
            p.nodes[0].capacity = 0;
        if (which == 3)
            p.requests = 0;
        const auto r = BalancingSimulator::run(p);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(mention), qPrintable(r.error().message));
    }

    void cancelStopsEarly()
    {
        auto p = params();
        p.requests = 5000000;
        std::atomic_bool cancel{true};
        const auto r = BalancingSimulator::run(p, {}, &cancel);
        QVERIFY(r->cancelled);
        QCOMPARE(r->outcomes.size(), 1);
        QVERIFY(r->outcomes.first().served < p.requests);
    }
};

QTEST_GUILESS_MAIN(TestBalancingSimulator)
#include "tst_balancingsimulator.moc"
