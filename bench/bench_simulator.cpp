// SPDX-License-Identifier: GPL-3.0-or-later
// Balancing simulator speed: simulated requests per second.
#include "balance/balancingsimulator.h"

#include <cstdio>

using namespace jobfirst;

int main()
{
    std::printf("command: build/bench/bench_simulator\n");
    for (int nodes : {3, 100}) {
        SimulationParams p;
        for (int i = 0; i < nodes; ++i)
            p.nodes << SimNode{QStringLiteral("n%1").arg(i), 1 + i % 4, 8, 5.0 + i % 7, 64};
        p.arrivalRate = 300.0 * nodes;
        p.requests = 2000000;
        auto r = BalancingSimulator::run(p);
        if (!r) {
            std::fprintf(stderr, "%s\n", qPrintable(r.error().message));
            return 1;
        }
        std::printf("%3d nodes, 5 strategies x %lld requests: %.2f s, %.1f M simulated requests/s\n", nodes,
                    qint64(p.requests), r->wallSeconds, double(r->simulatedRequests) / r->wallSeconds / 1e6);
    }
    return 0;
}
