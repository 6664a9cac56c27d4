// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/loadbalancer.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace jobfirst;

namespace {

std::vector<BalancerNode> makeNodes(const std::vector<int> &weights)
{
    std::vector<BalancerNode> nodes;
    for (std::size_t i = 0; i < weights.size(); ++i)
        nodes.push_back(BalancerNode{QStringLiteral("n%1").arg(i), weights[i], true});
    return nodes;
}

QString sequence(LoadBalancer &lb, int count)
{
    QString s;
    for (int i = 0; i < count; ++i)
        s += QChar(u'a' + lb.pick());
    return s;
}

} // namespace

class TestLoadBalancer final : public QObject
{
    Q_OBJECT

private slots:
    void smoothWeightedFollowsNginxSequence()
    {
        LoadBalancer lb(Strategy::WeightedRoundRobin);
        lb.setNodes(makeNodes({5, 1, 1}));
        QCOMPARE(sequence(lb, 14), QStringLiteral("aabacaaaabacaa"));
    }

    void smoothWeightedMatchesReferenceImplementation()
    {
        // The schedule must equal nginx's per-pick O(n) algorithm step for step.
        const std::vector<int> weights = {3, 7, 1, 7, 2, 3, 256, 1, 9, 3};
        LoadBalancer lb(Strategy::WeightedRoundRobin);
        lb.setNodes(makeNodes(weights));
        std::vector<long> current(weights.size(), 0);
        long total = 0;
        for (int w : weights)
            total += w;
        for (int step = 0; step < 3 * total; ++step) {
            std::size_t best = 0;
            for (std::size_t i = 0; i < weights.size(); ++i) {
                current[i] += weights[i];
                if (current[i] > current[best])
                    best = i;
            }
            current[best] -= total;
            QCOMPARE(lb.pick(), int(best));
        }
    }

    void weightedSpreadWithinATenthOfAPercent()
    {
        const std::vector<int> weights = {1, 2, 5, 10, 50, 100, 256};
        LoadBalancer lb(Strategy::WeightedRoundRobin);
        lb.setNodes(makeNodes(weights));
        std::vector<long> picks(weights.size(), 0);
        const long n = 1000000;
        for (long i = 0; i < n; ++i)
            ++picks[std::size_t(lb.pick())];
        const double total = 424;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            const double expected = n * weights[i] / total;
            QVERIFY2(std::abs(picks[i] - expected) <= 0.001 * expected + 1,
                     qPrintable(QStringLiteral("node %1: %2 picks, expected %3").arg(i).arg(picks[i]).arg(expected)));
        }
    }

    void roundRobinSkipsIneligible()
    {
        LoadBalancer lb(Strategy::RoundRobin);
        lb.setNodes(makeNodes({1, 1, 1}));
        QCOMPARE(sequence(lb, 6), QStringLiteral("abcabc"));
        lb.setEligible(1, false);
        QCOMPARE(sequence(lb, 4), QStringLiteral("acac"));
        lb.setEligible(0, false);
        lb.setEligible(2, false);
        QCOMPARE(lb.pick(), -1);
    }

    void ipHashKeepsClientsAndMovesAboutOneNth()
    {
        LoadBalancer lb(Strategy::IpHash);
        const int nodes = 10;
        lb.setNodes(makeNodes(std::vector<int>(nodes, 1)));
        const int clients = 20000;
        std::vector<int> before(clients);
        std::vector<int> perNode(nodes, 0);
        for (int c = 0; c < clients; ++c) {
            const auto h = LoadBalancer::hashClient(QStringLiteral("10.0.%1.%2").arg(c / 256).arg(c % 256));
            before[std::size_t(c)] = lb.pick(h);
            QCOMPARE(lb.pick(h), before[std::size_t(c)]); // sticky
            ++perNode[std::size_t(before[std::size_t(c)])];
        }
        for (int count : perNode)
            QVERIFY2(count > clients / nodes * 0.8 && count < clients / nodes * 1.2, qPrintable(QString::number(count)));
        lb.setEligible(3, false);
        int moved = 0;
        for (int c = 0; c < clients; ++c) {
            const auto h = LoadBalancer::hashClient(QStringLiteral("10.0.%1.%2").arg(c / 256).arg(c % 256));
            const int now = lb.pick(h);
            QVERIFY(now != 3);
            if (before[std::size_t(c)] != 3 && now != before[std::size_t(c)])
                ++moved;
        }
        // Clients of the removed node must move; of the others, only a few percent may.
        QVERIFY2(moved < clients / 50, qPrintable(QStringLiteral("%1 clients of healthy nodes moved").arg(moved)));
    }

    void leastConnectionsPrefersIdleWeighted()
    {
        LoadBalancer lb(Strategy::LeastConnections);
        lb.setNodes(makeNodes({1, 1, 2}));
        lb.setActiveConnections(0, 3);
        lb.setActiveConnections(1, 1);
        lb.setActiveConnections(2, 3); // 3/2 = 1.5 > 1/1
        QCOMPARE(lb.pick(), 1);
        lb.setActiveConnections(1, 2); // 2/1 > 3/2
        QCOMPARE(lb.pick(), 2);
    }

    void leastConnectionsAgreesWithAFullScan()
    {
        // Random acquires and releases; every pick must be a node with the smallest
        // active/weight, as a scan of all nodes would find.
        std::vector<int> weights;
        for (int i = 0; i < 50; ++i)
            weights.push_back(1 + i % 7);
        LoadBalancer lb(Strategy::LeastConnections);
        lb.setNodes(makeNodes(weights));
        lb.setEligible(7, false);
        std::mt19937 rng(3);
        for (int step = 0; step < 20000; ++step) {
            const int idx = lb.pick();
            QVERIFY(idx != 7);
            for (int j = 0; j < 50; ++j) {
                if (j == 7)
                    continue;
                const std::int64_t mine = std::int64_t(lb.activeConnections(idx)) * weights[std::size_t(j)];
                const std::int64_t other = std::int64_t(lb.activeConnections(j)) * weights[std::size_t(idx)];
                QVERIFY2(mine <= other, qPrintable(QStringLiteral("step %1 picked %2, %3 is less loaded").arg(step).arg(idx).arg(j)));
            }
            lb.acquire(idx);
            if (rng() % 3 != 0)
                lb.release(int(rng() % 50));
        }
    }

    void leastConnectionsRotatesAmongEqualNodes()
    {
        LoadBalancer lb(Strategy::LeastConnections);
        lb.setNodes(makeNodes({1, 1, 1}));
        QString seen;
        for (int i = 0; i < 6; ++i)
            seen += QChar(u'a' + lb.pick()); // nothing acquired: all equal, so they take turns
        QCOMPARE(seen, QStringLiteral("abcabc"));
    }

    void leastConnectionsTreatsEqualLoadsAsEqual()
    {
        // 1/2 and 2/4 are the same load: the two nodes take turns, and the idle third node
        // goes first.
        LoadBalancer lb(Strategy::LeastConnections);
        lb.setNodes(makeNodes({2, 4, 1}));
        lb.setActiveConnections(0, 1);
        lb.setActiveConnections(1, 2);
        QCOMPARE(lb.pick(), 2);
        lb.acquire(2); // 1/1 is now above 1/2
        QCOMPARE(sequence(lb, 4), QStringLiteral("abab"));
        lb.release(1); // 1/4: alone at the bottom
        QCOMPARE(sequence(lb, 2), QStringLiteral("bb"));
    }

    void powerOfTwoAvoidsTheLoadedNode()
    {
        LoadBalancer lb(Strategy::PowerOfTwo, 42);
        lb.setNodes(makeNodes({1, 1, 1, 1}));
        lb.setActiveConnections(2, 1000);
        std::vector<int> picks(4, 0);
        for (int i = 0; i < 10000; ++i)
            ++picks[std::size_t(lb.pick())];
        QCOMPARE(picks[2], 0); // it is always compared with a less loaded node
        for (int i : {0, 1, 3})
            QVERIFY(picks[std::size_t(i)] > 2500);
    }

    void connectionsSurviveNodeSetChanges()
    {
        LoadBalancer lb(Strategy::LeastConnections);
        lb.setNodes(makeNodes({1, 1}));
        lb.acquire(1);
        lb.acquire(1);
        auto nodes = makeNodes({1, 1, 1});
        std::swap(nodes[0], nodes[1]);
        lb.setNodes(nodes);
        QCOMPARE(lb.activeConnections(0), 2); // n1 moved to index 0 and kept its count
        lb.release(0);
        QCOMPARE(lb.activeConnections(0), 1);
    }
};

QTEST_GUILESS_MAIN(TestLoadBalancer)
#include "tst_loadbalancer.moc"
