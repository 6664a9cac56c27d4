// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/pickplanner.h"

#include "balance/loadbalancer.h"

namespace jobfirst {

Result<PickReport> planPicks(const QList<NodeStatus> &nodes, const PickRequest &request, Strategy fallback)
{
    if (request.count < 1 || request.count > 100000000)
        return makeError(QStringLiteral("pick.count"),
                         QStringLiteral("count %1 is out of range (1..100000000)").arg(request.count));
    PickReport report;
    report.strategy = request.strategy.value_or(fallback);
    report.count = request.count;
    std::vector<BalancerNode> candidates;
    for (const NodeStatus &n : nodes) {
        const bool ready = n.spec.adminState == AdminState::Ready;
        const bool healthy = n.health == HealthState::Up || n.health == HealthState::Unknown;
        if (ready && n.health == HealthState::Unknown)
            report.assumedUp << n.spec.id;
        candidates.push_back(BalancerNode{n.spec.id, n.spec.weight, ready && healthy});
    }
    LoadBalancer lb(report.strategy);
    lb.setNodes(candidates);
    const std::uint64_t clientHash = request.clientIp.isEmpty() ? 0 : LoadBalancer::hashClient(request.clientIp);
    std::vector<qint64> picks(candidates.size(), 0);
    for (qint64 i = 0; i < request.count; ++i) {
        const int idx = lb.pick(clientHash);
        if (idx < 0)
            return makeError(QStringLiteral("pick.no_node"),
                             QStringLiteral("no node may take traffic (%1 nodes, none ready and up)").arg(nodes.size()));
        ++picks[std::size_t(idx)];
        if (i < 64)
            report.firstPicks << candidates[std::size_t(idx)].id;
    }
    for (std::size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i].eligible)
            report.picks.append({candidates[i].id, picks[i]});
    return report;
}

} // namespace jobfirst
