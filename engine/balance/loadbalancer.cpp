// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/loadbalancer.h"

#include <QHash>

#include <algorithm>
#include <map>

namespace jobfirst {

namespace {

std::uint64_t mix64(std::uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

// Maglev table sizes: primes, each at least 100 entries per node for an even spread.
std::size_t maglevSize(std::size_t nodes)
{
    static const std::size_t primes[] = {65537, 131071, 262139, 524287, 1048573, 2097143};
    for (std::size_t p : primes)
        if (p >= nodes * 100)
            return p;
    return primes[std::size(primes) - 1];
}

} // namespace

LoadBalancer::LoadBalancer(Strategy strategy, std::uint64_t seed) : m_strategy(strategy), m_rng(seed | 1) {}

void LoadBalancer::setStrategy(Strategy strategy)
{
    m_strategy = strategy;
    rebuild();
}

void LoadBalancer::setNodes(const std::vector<BalancerNode> &nodes)
{
    QHash<QString, int> previous;
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        previous.insert(m_nodes[i].id, m_active[i]);
    m_nodes = nodes;
    m_active.assign(m_nodes.size(), 0);
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        m_active[i] = previous.value(m_nodes[i].id, 0);
    rebuild();
}

void LoadBalancer::setWeight(int index, int weight)
{
    if (m_nodes[std::size_t(index)].weight == weight)
        return;
    m_nodes[std::size_t(index)].weight = weight;
    rebuild();
}

void LoadBalancer::setEligible(int index, bool eligible)
{
    if (m_nodes[std::size_t(index)].eligible == eligible)
        return;
    m_nodes[std::size_t(index)].eligible = eligible;
    rebuild();
}

int LoadBalancer::indexOf(const QString &id) const
{
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        if (m_nodes[i].id == id)
            return int(i);
    return -1;
}

void LoadBalancer::rebuild()
{
    m_eligible.clear();
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        if (m_nodes[i].eligible && m_nodes[i].weight > 0)
            m_eligible.push_back(int(i));
    m_rrPos = 0;
    m_schedule.clear();
    m_maglev.clear();
    m_heap.clear();
    m_heapPos.assign(m_nodes.size(), -1);
    m_lastPick.resize(m_nodes.size(), 0);
    if (m_strategy == Strategy::LeastConnections) {
        for (int idx : m_eligible) {
            m_heapPos[std::size_t(idx)] = int(m_heap.size());
            m_heap.push_back(idx);
        }
        for (std::size_t i = m_heap.size() / 2 + 1; i-- > 0;)
            if (i < m_heap.size())
                siftDown(i);
    }
    if (m_strategy == Strategy::WeightedRoundRobin)
        buildSchedule();
    else if (m_strategy == Strategy::IpHash)
        buildMaglev();
}

// nginx's smooth weighted round robin, computed once per period instead of once per pick.
// At step t (1-based) node i holds current = t*w_i - W*k_i (k_i: its picks so far) and the
// first node with the largest current is picked. Nodes of equal weight are picked among
// themselves in index order, so each weight group needs only its next member: a step costs
// O(distinct weights) instead of O(nodes), and a pick afterwards is one array read.
void LoadBalancer::buildSchedule()
{
    struct Group
    {
        std::int64_t weight;
        std::vector<int> members; // node indices, ascending
        std::size_t next = 0;     // member to pick next
        std::int64_t picks = 0;   // picks of the whole group so far
    };
    std::map<int, std::size_t> groupOf;
    std::vector<Group> groups;
    std::int64_t total = 0;
    for (int idx : m_eligible) {
        const int w = m_nodes[std::size_t(idx)].weight;
        auto it = groupOf.find(w);
        if (it == groupOf.end()) {
            it = groupOf.emplace(w, groups.size()).first;
            groups.push_back(Group{w, {}, 0, 0});
        }
        groups[it->second].members.push_back(idx);
        total += w;
    }
    m_schedule.reserve(std::size_t(total));
    for (std::int64_t t = 1; t <= total; ++t) {
        std::size_t best = 0;
        std::int64_t bestKey = 0;
        int bestIndex = 0;
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const Group &gr = groups[g];
            const std::int64_t k = gr.picks / std::int64_t(gr.members.size());
            const std::int64_t key = t * gr.weight - total * k;
            const int idx = gr.members[gr.next];
            if (g == 0 || key > bestKey || (key == bestKey && idx < bestIndex)) {
                best = g;
                bestKey = key;
                bestIndex = idx;
            }
        }
        Group &gr = groups[best];
        m_schedule.push_back(bestIndex);
        ++gr.picks;
        gr.next = (gr.next + 1) % gr.members.size();
    }
    m_schedulePos = 0;
}

// Maglev consistent hashing (Eisenbud et al., NSDI 2016): removing one of N nodes moves
// about 1/N of the clients, and a lookup is one table read.
void LoadBalancer::buildMaglev()
{
    const std::size_t n = m_eligible.size();
    if (n == 0)
        return;
    const std::size_t m = maglevSize(n);
    std::vector<std::uint64_t> offset(n), skip(n), next(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const QByteArray id = m_nodes[std::size_t(m_eligible[i])].id.toUtf8();
        const std::uint64_t h = hashBytes(id.constData(), std::size_t(id.size()));
        offset[i] = mix64(h ^ 0x1234567ull) % m;
        skip[i] = mix64(h ^ 0xabcdefull) % (m - 1) + 1;
    }
    m_maglev.assign(m, -1);
    std::size_t filled = 0;
    while (true) {
        for (std::size_t i = 0; i < n; ++i) {
            std::size_t c = (offset[i] + next[i] * skip[i]) % m;
            while (m_maglev[c] >= 0) {
                ++next[i];
                c = (offset[i] + next[i] * skip[i]) % m;
            }
            m_maglev[c] = m_eligible[i];
            ++next[i];
            if (++filled == m)
                return;
        }
    }
}

std::uint64_t LoadBalancer::nextRandom()
{
    // xorshift64*: fast, and deterministic for a given seed (the simulator relies on that).
    m_rng ^= m_rng >> 12;
    m_rng ^= m_rng << 25;
    m_rng ^= m_rng >> 27;
    return m_rng * 2685821657736338717ull;
}

bool LoadBalancer::heapLess(int a, int b) const
{
    const std::int64_t la = std::int64_t(m_active[std::size_t(a)]) * m_nodes[std::size_t(b)].weight;
    const std::int64_t lb = std::int64_t(m_active[std::size_t(b)]) * m_nodes[std::size_t(a)].weight;
    if (la != lb)
        return la < lb;
    if (m_lastPick[std::size_t(a)] != m_lastPick[std::size_t(b)])
        return m_lastPick[std::size_t(a)] < m_lastPick[std::size_t(b)];
    return a < b;
}

void LoadBalancer::heapSwap(std::size_t i, std::size_t j)
{
    std::swap(m_heap[i], m_heap[j]);
    m_heapPos[std::size_t(m_heap[i])] = int(i);
    m_heapPos[std::size_t(m_heap[j])] = int(j);
}

void LoadBalancer::siftUp(std::size_t i)
{
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!heapLess(m_heap[i], m_heap[parent]))
            break;
        heapSwap(i, parent);
        i = parent;
    }
}

void LoadBalancer::siftDown(std::size_t i)
{
    const std::size_t n = m_heap.size();
    while (true) {
        std::size_t best = i;
        const std::size_t l = 2 * i + 1, r = l + 1;
        if (l < n && heapLess(m_heap[l], m_heap[best]))
            best = l;
        if (r < n && heapLess(m_heap[r], m_heap[best]))
            best = r;
        if (best == i)
            return;
        heapSwap(i, best);
        i = best;
    }
}

void LoadBalancer::heapChanged(int index)
{
    if (m_strategy != Strategy::LeastConnections || std::size_t(index) >= m_heapPos.size())
        return;
    const int pos = m_heapPos[std::size_t(index)];
    if (pos < 0)
        return;
    siftUp(std::size_t(pos));
    siftDown(std::size_t(m_heapPos[std::size_t(index)]));
}

void LoadBalancer::acquire(int index)
{
    ++m_active[std::size_t(index)];
    heapChanged(index);
}

void LoadBalancer::release(int index)
{
    if (m_active[std::size_t(index)] > 0)
        --m_active[std::size_t(index)];
    heapChanged(index);
}

void LoadBalancer::setActiveConnections(int index, int active)
{
    m_active[std::size_t(index)] = active;
    heapChanged(index);
}

int LoadBalancer::pickLeastConnections()
{
    const int idx = m_heap.front();
    m_lastPick[std::size_t(idx)] = ++m_pickSeq; // equal nodes take turns
    siftDown(0);
    return idx;
}

int LoadBalancer::pickPowerOfTwo()
{
    const std::size_t n = m_eligible.size();
    if (n == 1)
        return m_eligible[0];
    const std::uint64_t r = nextRandom();
    const std::size_t a = std::size_t((r >> 32) * n >> 32);
    std::size_t b = std::size_t((r & 0xffffffffull) * (n - 1) >> 32);
    if (b >= a)
        ++b;
    const int ia = m_eligible[a], ib = m_eligible[b];
    const std::int64_t la = std::int64_t(m_active[std::size_t(ia)]) * m_nodes[std::size_t(ib)].weight;
    const std::int64_t lb = std::int64_t(m_active[std::size_t(ib)]) * m_nodes[std::size_t(ia)].weight;
    return lb < la ? ib : ia;
}

int LoadBalancer::pick(std::uint64_t clientHash)
{
    if (m_eligible.empty())
        return -1;
    switch (m_strategy) {
    case Strategy::RoundRobin: {
        const int idx = m_eligible[m_rrPos];
        if (++m_rrPos == m_eligible.size())
            m_rrPos = 0;
        return idx;
    }
    case Strategy::WeightedRoundRobin: {
        const int idx = m_schedule[m_schedulePos];
        if (++m_schedulePos == m_schedule.size())
            m_schedulePos = 0;
        return idx;
    }
    case Strategy::IpHash:
        return m_maglev[std::size_t(mix64(clientHash) % m_maglev.size())];
    case Strategy::LeastConnections:
        return pickLeastConnections();
    case Strategy::PowerOfTwo:
        return pickPowerOfTwo();
    }
    return -1;
}

std::uint64_t LoadBalancer::hashBytes(const char *data, std::size_t size)
{
    std::uint64_t h = 0xcbf29ce484222325ull; // FNV-1a
    for (std::size_t i = 0; i < size; ++i) {
        h ^= std::uint8_t(data[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

std::uint64_t LoadBalancer::hashClient(QStringView clientIp)
{
    return hashBytes(reinterpret_cast<const char *>(clientIp.utf16()), std::size_t(clientIp.size()) * 2);
}

} // namespace jobfirst
