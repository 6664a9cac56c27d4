// SPDX-License-Identifier: GPL-3.0-or-later
// Pick cost per strategy at 10, 100 and 1,000 nodes, next to nginx's smooth weighted round
// robin (an O(n) scan per pick) in the same run; spread accuracy over 1M picks.
#include "balance/loadbalancer.h"

#include <QElapsedTimer>

#include <cstdio>
#include <random>
#include <vector>

using namespace jobfirst;

namespace {

std::vector<BalancerNode> nodes(int n, std::mt19937 &rng)
{
    std::vector<BalancerNode> list;
    for (int i = 0; i < n; ++i)
        list.push_back(BalancerNode{QStringLiteral("node-%1").arg(i), int(rng() % 10) + 1, true});
    return list;
}

// nginx's ngx_http_upstream_get_peer: every pick visits every peer.
struct NginxSwrr
{
    std::vector<int> weight, current;
    int total = 0;
    int pick()
    {
        int best = -1;
        for (std::size_t i = 0; i < weight.size(); ++i) {
            current[i] += weight[i];
            if (best < 0 || current[i] > current[std::size_t(best)])
                best = int(i);
        }
        current[std::size_t(best)] -= total;
        return best;
    }
};

volatile int g_sink;

} // namespace

int main()
{
    std::printf("command: build/bench/bench_balancer\n");
    std::printf("%-22s %8s %12s\n", "strategy", "nodes", "ns/pick");
    std::mt19937 rng(42);
    std::vector<std::uint64_t> clients(1 << 16);
    for (auto &c : clients)
        c = rng() * 0x9E3779B97F4A7C15ull;
    const long picks = 10000000;
    for (int n : {10, 100, 1000}) {
        const auto list = nodes(n, rng);
        for (Strategy s : allStrategies()) {
            LoadBalancer lb(s);
            lb.setNodes(list);
            QElapsedTimer t;
            t.start();
            int acc = 0;
            for (long i = 0; i < picks; ++i)
                acc += lb.pick(clients[std::size_t(i) & 0xffff]);
            g_sink = acc;
            std::printf("%-22s %8d %12.1f\n", qPrintable(strategyName(s)), n, double(t.nsecsElapsed()) / double(picks));
        }
        {
            // The same strategy as a balancer in use sees it: each pick acquires, and a
            // connection picked earlier is released.
            LoadBalancer lb(Strategy::LeastConnections);
            lb.setNodes(list);
            std::vector<int> open(std::size_t(n) * 4, -1);
            QElapsedTimer t;
            t.start();
            int acc = 0;
            for (long i = 0; i < picks; ++i) {
                int &slot = open[std::size_t(clients[std::size_t(i) & 0xffff] % open.size())];
                if (slot >= 0)
                    lb.release(slot);
                slot = lb.pick();
                lb.acquire(slot);
                acc += slot;
            }
            g_sink = acc;
            std::printf("%-22s %8d %12.1f   (pick + acquire + release, about %d open)\n",
                        "least-connections", n, double(t.nsecsElapsed()) / double(picks), n * 4);
        }
        NginxSwrr ref;
        for (const auto &b : list) {
            ref.weight.push_back(b.weight);
            ref.current.push_back(0);
            ref.total += b.weight;
        }
        const long refPicks = n >= 1000 ? picks / 10 : picks;
        QElapsedTimer t;
        t.start();
        int acc = 0;
        for (long i = 0; i < refPicks; ++i)
            acc += ref.pick();
        g_sink = acc;
        std::printf("%-22s %8d %12.1f   (peer: nginx O(n) smooth weighted)\n", "nginx-swrr", n, double(t.nsecsElapsed()) / double(refPicks));
    }

    // Spread: picks per node within 0.1% of its share of the weights over 1M picks.
    const auto list = nodes(1000, rng);
    LoadBalancer lb(Strategy::WeightedRoundRobin);
    QElapsedTimer build;
    build.start();
    lb.setNodes(list);
    const double buildMs = double(build.nsecsElapsed()) / 1e6;
    std::vector<long> count(list.size(), 0);
    long total = 0;
    for (const auto &b : list)
        total += b.weight;
    const long n = 1000000;
    for (long i = 0; i < n; ++i)
        ++count[std::size_t(lb.pick())];
    double worst = 0, worstPicks = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const double expected = double(n) * list[i].weight / double(total);
        worst = std::max(worst, std::abs(double(count[i]) - expected) / expected);
        worstPicks = std::max(worstPicks, std::abs(double(count[i]) - expected));
    }
    // A node of weight 1 expects a fraction of a pick more than a whole number: one pick off
    // is the floor any deterministic balancer has. Over whole periods the spread is exact.
    const long periods = n / total * total;
    std::vector<long> exact(list.size(), 0);
    LoadBalancer again(Strategy::WeightedRoundRobin);
    again.setNodes(list);
    for (long i = 0; i < periods; ++i)
        ++exact[std::size_t(again.pick())];
    double worstWhole = 0;
    for (std::size_t i = 0; i < list.size(); ++i)
        worstWhole = std::max(worstWhole, std::abs(double(exact[i]) - double(periods) * list[i].weight / double(total)));
    std::printf("weighted-round-robin, 1000 nodes (weights 1..10, total %ld), 1M picks: worst node off by %.2f picks (%.3f%%); "
                "over %ld picks (whole periods) off by %.0f picks; schedule rebuilt in %.1f ms\n",
                total, worstPicks, worst * 100, periods, worstWhole, buildMs);
    LoadBalancer maglev(Strategy::IpHash);
    build.restart();
    maglev.setNodes(list);
    std::printf("ip-hash (Maglev) table rebuilt for 1000 nodes in %.1f ms\n", double(build.nsecsElapsed()) / 1e6);
    return 0;
}
