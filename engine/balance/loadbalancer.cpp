// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/loadbalancer.h"

#include <QHash>

#include <algorithm>
#include <map>
#include <numeric>

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

LoadBalancer::LoadBalancer(Strategy strategy, std::uint64_t seed)
    : m_strategy(strategy), m_rng(seed | 1)
{
}

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
    m_levels.clear();
    m_freeLevels.clear();
    m_levelHeap.clear();
    std::size_t capacity = 16;
    while (capacity < 2 * m_eligible.size() + 2)
        capacity *= 2;
    m_levelByLoad.assign(capacity, {0, -1});
    m_levelOf.assign(m_nodes.size(), -1);
    m_ringNext.assign(m_nodes.size(), -1);
    m_ringPrev.assign(m_nodes.size(), -1);
    m_lastPick.resize(m_nodes.size(), 0);
    if (m_strategy == Strategy::LeastConnections) {
        // Equal nodes keep their turn order across a rebuild: least recently picked first.
        std::vector<int> order = m_eligible;
        std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
            return m_lastPick[std::size_t(a)] < m_lastPick[std::size_t(b)];
        });
        for (int idx : order)
            joinLevel(idx);
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

bool LoadBalancer::levelLess(int a, int b) const
{
    const LoadLevel &la = m_levels[std::size_t(a)];
    const LoadLevel &lb = m_levels[std::size_t(b)];
    return la.active * lb.weight < lb.active * la.weight;
}

void LoadBalancer::levelSwap(std::size_t i, std::size_t j)
{
    std::swap(m_levelHeap[i], m_levelHeap[j]);
    m_levels[std::size_t(m_levelHeap[i])].heapPos = int(i);
    m_levels[std::size_t(m_levelHeap[j])].heapPos = int(j);
}

void LoadBalancer::levelSiftUp(std::size_t i)
{
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (!levelLess(m_levelHeap[i], m_levelHeap[parent]))
            break;
        levelSwap(i, parent);
        i = parent;
    }
}

void LoadBalancer::levelSiftDown(std::size_t i)
{
    const std::size_t n = m_levelHeap.size();
    while (true) {
        std::size_t best = i;
        const std::size_t l = 2 * i + 1, r = l + 1;
        if (l < n && levelLess(m_levelHeap[l], m_levelHeap[best]))
            best = l;
        if (r < n && levelLess(m_levelHeap[r], m_levelHeap[best]))
            best = r;
        if (best == i)
            return;
        levelSwap(i, best);
        i = best;
    }
}

int LoadBalancer::findLevel(std::uint64_t key) const
{
    const std::size_t mask = m_levelByLoad.size() - 1;
    for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m_levelByLoad[i].first == key)
            return m_levelByLoad[i].second;
        if (m_levelByLoad[i].first == 0)
            return -1;
    }
}

void LoadBalancer::insertLevelKey(std::uint64_t key, int id)
{
    const std::size_t mask = m_levelByLoad.size() - 1;
    std::size_t i = mix64(key) & mask;
    while (m_levelByLoad[i].first != 0)
        i = (i + 1) & mask;
    m_levelByLoad[i] = {key, id};
}

void LoadBalancer::eraseLevelKey(std::uint64_t key)
{
    const std::size_t mask = m_levelByLoad.size() - 1;
    std::size_t i = mix64(key) & mask;
    while (m_levelByLoad[i].first != key)
        i = (i + 1) & mask;
    // Backward shift: move up later entries of the probe run so lookups need no tombstones.
    for (std::size_t j = (i + 1) & mask; m_levelByLoad[j].first != 0; j = (j + 1) & mask) {
        const std::size_t home = mix64(m_levelByLoad[j].first) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m_levelByLoad[i] = m_levelByLoad[j];
            i = j;
        }
    }
    m_levelByLoad[i] = {0, -1};
}

void LoadBalancer::joinLevel(int index)
{
    const std::size_t node = std::size_t(index);
    std::int64_t active = m_active[node];
    std::int64_t weight = m_nodes[node].weight;
    // Reduced, so that equal loads (1/2 and 2/4) find the same level.
    if (active == 0) {
        weight = 1;
    } else if (weight > 1) {
        const std::int64_t divisor = std::gcd(active, weight);
        active /= divisor;
        weight /= divisor;
    }
    const std::uint64_t key = (std::uint64_t(std::uint32_t(active)) << 32) | std::uint32_t(weight);
    int id = findLevel(key);
    if (id < 0) {
        if (m_freeLevels.empty()) {
            id = int(m_levels.size());
            m_levels.emplace_back();
        } else {
            id = m_freeLevels.back();
            m_freeLevels.pop_back();
        }
        m_levels[std::size_t(id)] = LoadLevel{active, weight, -1, 0, int(m_levelHeap.size())};
        m_levelHeap.push_back(id);
        insertLevelKey(key, id);
        levelSiftUp(m_levelHeap.size() - 1);
    }
    LoadLevel &level = m_levels[std::size_t(id)];
    if (level.head < 0) {
        level.head = index;
        m_ringNext[node] = m_ringPrev[node] = index;
    } else {
        // The back of the ring is just before its head.
        const int tail = m_ringPrev[std::size_t(level.head)];
        m_ringNext[std::size_t(tail)] = index;
        m_ringPrev[node] = tail;
        m_ringNext[node] = level.head;
        m_ringPrev[std::size_t(level.head)] = index;
    }
    ++level.size;
    m_levelOf[node] = id;
}

void LoadBalancer::leaveLevel(int index)
{
    const std::size_t node = std::size_t(index);
    const int id = m_levelOf[node];
    LoadLevel &level = m_levels[std::size_t(id)];
    m_levelOf[node] = -1;
    if (--level.size > 0) {
        const int next = m_ringNext[node], prev = m_ringPrev[node];
        m_ringNext[std::size_t(prev)] = next;
        m_ringPrev[std::size_t(next)] = prev;
        if (level.head == index)
            level.head = next;
        return;
    }
    // The level is empty: take it out of the heap and the lookup.
    const std::size_t pos = std::size_t(level.heapPos);
    const std::size_t last = m_levelHeap.size() - 1;
    eraseLevelKey((std::uint64_t(std::uint32_t(level.active)) << 32) | std::uint32_t(level.weight));
    level.head = -1;
    level.heapPos = -1;
    m_freeLevels.push_back(id);
    if (pos != last) {
        const int moved = m_levelHeap[last];
        levelSwap(pos, last);
        m_levelHeap.pop_back();
        levelSiftUp(pos);
        levelSiftDown(std::size_t(m_levels[std::size_t(moved)].heapPos));
    } else {
        m_levelHeap.pop_back();
    }
}

void LoadBalancer::loadChanged(int index)
{
    if (m_strategy != Strategy::LeastConnections || std::size_t(index) >= m_levelOf.size() ||
        m_levelOf[std::size_t(index)] < 0)
        return;
    leaveLevel(index);
    joinLevel(index);
}

void LoadBalancer::acquire(int index)
{
    ++m_active[std::size_t(index)];
    loadChanged(index);
}

void LoadBalancer::release(int index)
{
    if (m_active[std::size_t(index)] <= 0)
        return;
    --m_active[std::size_t(index)];
    loadChanged(index);
}

void LoadBalancer::setActiveConnections(int index, int active)
{
    if (m_active[std::size_t(index)] == active)
        return;
    m_active[std::size_t(index)] = active;
    loadChanged(index);
}

int LoadBalancer::pickLeastConnections()
{
    LoadLevel &level = m_levels[std::size_t(m_levelHeap.front())];
    const int idx = level.head;
    level.head = m_ringNext[std::size_t(idx)]; // equal nodes take turns
    m_lastPick[std::size_t(idx)] = ++m_pickSeq;
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
    const std::int64_t la =
        std::int64_t(m_active[std::size_t(ia)]) * m_nodes[std::size_t(ib)].weight;
    const std::int64_t lb =
        std::int64_t(m_active[std::size_t(ib)]) * m_nodes[std::size_t(ia)].weight;
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
    return hashBytes(reinterpret_cast<const char *>(clientIp.utf16()),
                     std::size_t(clientIp.size()) * 2);
}

} // namespace jobfirst
