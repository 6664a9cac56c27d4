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

/// Picks a node for each request in O(1) for every strategy. Least connections groups nodes of
/// equal load (active/weight) in levels kept in a heap, so a pick reads the least loaded level
/// and a connection change costs O(log levels). Structures are rebuilt only when nodes,
/// weights or eligibility change.
/// Not thread-safe: one owner thread.
class LoadBalancer final
{
public:
    explicit LoadBalancer(Strategy strategy = Strategy::RoundRobin,
                          std::uint64_t seed = 0x9E3779B97F4A7C15ull);

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
    // Least connections. Eligible nodes of equal load (active/weight, compared exactly as
    // fractions) share a level; a min-heap orders the levels. Within a level the nodes wait in
    // a ring in turn order, so equal nodes take turns: a pick takes the ring's head and moves
    // the head on, and a node whose load changed joins the back of its new level's ring.
    struct LoadLevel
    {
        std::int64_t active = 0; // the level's load as a reduced fraction active/weight
        std::int64_t weight = 1;
        int head = -1; // node to pick next
        int size = 0;
        int heapPos = -1;
    };
    bool levelLess(int a, int b) const;
    void levelSwap(std::size_t i, std::size_t j);
    void levelSiftUp(std::size_t i);
    void levelSiftDown(std::size_t i);
    void joinLevel(int index);
    void leaveLevel(int index);
    void loadChanged(int index);
    int findLevel(std::uint64_t key) const;
    void insertLevelKey(std::uint64_t key, int id);
    void eraseLevelKey(std::uint64_t key);
    int pickPowerOfTwo();
    std::uint64_t nextRandom();

    Strategy m_strategy;
    std::vector<BalancerNode> m_nodes;
    std::vector<int> m_active;
    std::vector<int> m_eligible; // indices of eligible nodes
    std::size_t m_rrPos = 0;
    std::vector<int> m_schedule; // smooth weighted round robin, one period
    std::size_t m_schedulePos = 0;
    std::vector<int> m_maglev; // consistent-hash lookup table
    std::uint64_t m_rng;
    std::vector<LoadLevel> m_levels; // pool; unused entries are listed in m_freeLevels
    std::vector<int> m_freeLevels;
    std::vector<int> m_levelHeap; // level ids, least loaded first
    // Reduced fraction -> level id: open addressing, linear probing, key 0 free (a weight is
    // never 0). At most half full, so a lookup is one or two probes without allocations.
    std::vector<std::pair<std::uint64_t, int>> m_levelByLoad;
    std::vector<int> m_levelOf;  // node index -> level id, -1 when not eligible
    std::vector<int> m_ringNext; // node index -> next node of its level's ring
    std::vector<int> m_ringPrev;
    std::vector<std::uint64_t> m_lastPick; // only to order equal nodes when levels are rebuilt
    std::uint64_t m_pickSeq = 0;
};

} // namespace jobfirst
