// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "balance/strategy.h"

#include <QString>
#include <QStringView>

#include <cstdint>
#include <vector>

namespace jobfirst {

/// A node as the balancer sees it: an id, a weight and whether it may take traffic.
struct BalancerNode
{
    QString id;
    int weight = 1;
    bool eligible = true;
};

/// Picks a node for each request: O(1) for every strategy but least connections, which keeps
/// an indexed heap (O(log n) per pick and per connection change). Structures are rebuilt only
/// when nodes, weights or eligibility change.
/// Not thread-safe: one owner thread.
class LoadBalancer final
{
public:
    explicit LoadBalancer(Strategy strategy = Strategy::RoundRobin, std::uint64_t seed = 0x9E3779B97F4A7C15ull);

    void setStrategy(Strategy strategy);
    Strategy strategy() const { return m_strategy; }

    /// Replaces the node set; connection counts of nodes with the same id are kept.
    void setNodes(const std::vector<BalancerNode> &nodes);
    void setWeight(int index, int weight);
    void setEligible(int index, bool eligible);

    /// Index of the picked node, or -1 when no node may take traffic.
    /// clientHash is used by ip-hash only (see hashClient).
    int pick(std::uint64_t clientHash = 0);

    void acquire(int index);
    void release(int index);
    void setActiveConnections(int index, int active);
    int activeConnections(int index) const { return m_active[std::size_t(index)]; }

    int size() const { return int(m_nodes.size()); }
    int eligibleCount() const { return int(m_eligible.size()); }
    const BalancerNode &node(int index) const { return m_nodes[std::size_t(index)]; }
    int indexOf(const QString &id) const;

    static std::uint64_t hashClient(QStringView clientIp);
    static std::uint64_t hashBytes(const char *data, std::size_t size);

private:
    void rebuild();
    void buildSchedule();
    void buildMaglev();
    int pickLeastConnections();
    // Least connections: a binary heap of eligible nodes ordered by active/weight, then by
    // least recently picked (so equal nodes take turns).
    bool heapLess(int a, int b) const;
    void heapSwap(std::size_t i, std::size_t j);
    void siftUp(std::size_t i);
    void siftDown(std::size_t i);
    void heapChanged(int index);
    int pickPowerOfTwo();
    std::uint64_t nextRandom();

    Strategy m_strategy;
    std::vector<BalancerNode> m_nodes;
    std::vector<int> m_active;
    std::vector<int> m_eligible;       // indices of eligible nodes
    std::size_t m_rrPos = 0;
    std::vector<int> m_schedule;       // smooth weighted round robin, one period
    std::size_t m_schedulePos = 0;
    std::vector<int> m_maglev;         // consistent-hash lookup table
    std::uint64_t m_rng;
    std::vector<int> m_heap;           // node indices
    std::vector<int> m_heapPos;        // node index -> position in m_heap, -1 when absent
    std::vector<std::uint64_t> m_lastPick;
    std::uint64_t m_pickSeq = 0;
};

} // namespace jobfirst
