// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/balancingsimulator.h"

#include "balance/loadbalancer.h"

#include <QElapsedTimer>
#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <queue>

namespace jobfirst {

namespace {

// splitmix64 driven uniform doubles: fast and reproducible across platforms.
struct Rng
{
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
    double exponential(double mean) { return -std::log(1.0 - uniform()) * mean; }
};

struct Departure
{
    double at;
    int node;
    bool operator>(const Departure &o) const { return at > o.at; }
};

double percentile(std::vector<float> &v, double p)
{
    if (v.empty())
        return 0;
    const std::size_t k = std::min(v.size() - 1, std::size_t(p * double(v.size())));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
    return v[k];
}

/// The requests of a run, the same for every strategy: arrival times, clients and service draws.
class ArrivalStream
{
public:
    struct Arrival
    {
        double at; ///< ms
        std::uint64_t client;
        double work; ///< uniform draw that sets the service time
    };

    explicit ArrivalStream(const SimulationParams &p)
        : m_arrivals{p.seed}, m_service{p.seed ^ 0x5bd1e995ull},
          m_clientHashes(std::size_t(std::max(1, p.clients))), m_meanGap(1000.0 / p.arrivalRate)
    {
        for (std::size_t c = 0; c < m_clientHashes.size(); ++c)
            m_clientHashes[c] =
                LoadBalancer::hashBytes(reinterpret_cast<const char *>(&c), sizeof c);
    }

    Arrival next()
    {
        m_at += m_arrivals.exponential(m_meanGap);
        const std::uint64_t client =
            m_clientHashes[std::size_t(m_arrivals.next() % m_clientHashes.size())];
        return Arrival{m_at, client, m_service.uniform()};
    }

private:
    Rng m_arrivals;
    Rng m_service;
    std::vector<std::uint64_t> m_clientHashes;
    const double m_meanGap; // ms
    double m_at = 0;
};

/// The nodes' servers and queues as a strategy's LoadBalancer sends them requests.
class SimulatedCluster
{
public:
    SimulatedCluster(const SimulationParams &p, Strategy strategy)
        : m_nodes(p.nodes), m_balancer(strategy, p.seed * 7919 + 1),
          m_serverFree(std::size_t(p.nodes.size())), m_waiting(std::size_t(p.nodes.size()))
    {
        std::vector<BalancerNode> bnodes;
        for (const SimNode &s : p.nodes)
            bnodes.push_back(BalancerNode{s.id, s.weight, true});
        m_balancer.setNodes(bnodes);
        for (std::size_t i = 0; i < m_serverFree.size(); ++i)
            for (int s = 0; s < std::max(1, p.nodes[int(i)].capacity); ++s)
                m_serverFree[i].push(0.0);
    }

    /// The request sent to the node the balancer picks, counted in `out`: its latency, or
    /// none when it waits at a node whose queue is full.
    std::optional<double> serve(const ArrivalStream::Arrival &a, StrategyOutcome &out)
    {
        while (!m_departures.empty() && m_departures.top().at <= a.at) {
            m_balancer.release(m_departures.top().node);
            m_departures.pop();
        }
        const int idx = m_balancer.pick(a.client);
        const SimNode &node = m_nodes[idx];
        auto &wait = m_waiting[std::size_t(idx)];
        while (!wait.empty() && wait.front() <= a.at)
            wait.pop_front();
        auto &nodeFree = m_serverFree[std::size_t(idx)];
        const double start = std::max(a.at, nodeFree.top());
        if (start > a.at && int(wait.size()) >= node.queueLimit) {
            ++out.rejected;
            ++out.rejectedPerNode[idx];
            return std::nullopt;
        }
        if (start > a.at) {
            wait.push_back(start);
            ++out.queued;
            ++out.queuedPerNode[idx];
        }
        const double finish = start - std::log(1.0 - a.work) * node.latencyMs;
        nodeFree.pop();
        nodeFree.push(finish);
        m_departures.push(Departure{finish, idx});
        m_balancer.acquire(idx);
        ++out.perNode[idx];
        ++out.served;
        return finish - a.at;
    }

private:
    const QList<SimNode> &m_nodes;
    LoadBalancer m_balancer;
    std::vector<std::priority_queue<double, std::vector<double>, std::greater<>>> m_serverFree;
    std::vector<std::deque<double>> m_waiting; // start times of requests not yet in service
    std::priority_queue<Departure, std::vector<Departure>, std::greater<>> m_departures;
};

StrategyOutcome simulate(const SimulationParams &p, Strategy strategy,
                         const std::function<void(double)> &progress, double progressBase,
                         double progressSpan, const std::atomic_bool *cancel)
{
    SimulatedCluster cluster(p, strategy);
    // Every strategy sees the same arrivals, clients and service times.
    ArrivalStream arrivals(p);
    StrategyOutcome out;
    out.strategy = strategy;
    out.perNode = QList<qint64>(p.nodes.size(), 0);
    out.queuedPerNode = QList<qint64>(p.nodes.size(), 0);
    out.rejectedPerNode = QList<qint64>(p.nodes.size(), 0);
    std::vector<float> latencies;
    latencies.reserve(std::size_t(p.requests));
    double sum = 0;
    for (qint64 r = 0; r < p.requests; ++r) {
        const auto latency = cluster.serve(arrivals.next(), out);
        if (!latency)
            continue;
        latencies.push_back(float(*latency));
        sum += *latency;
        if ((r & 0xffff) == 0) {
            if (cancel && cancel->load(std::memory_order_relaxed))
                break;
            if (progress)
                progress(progressBase + progressSpan * double(r) / double(p.requests));
        }
    }
    out.meanMs = out.served ? sum / double(out.served) : 0;
    out.p50Ms = percentile(latencies, 0.50);
    out.p95Ms = percentile(latencies, 0.95);
    out.p99Ms = percentile(latencies, 0.99);
    return out;
}

} // namespace

Status SimulationParams::validate() const
{
    const auto bad = [](const char *wording, QList<Sentence> values = {}) {
        return Status(
            makeError(QStringLiteral("simulation.invalid"), Sentence(wording, std::move(values))));
    };
    const auto number = [](auto n) { return Sentence(QStringLiteral("%1").arg(n)); };
    if (nodes.isEmpty())
        return bad(QT_TRANSLATE_NOOP("EngineSentence", "the simulation needs at least one node"));
    for (const SimNode &s : nodes) {
        if (s.weight < 1 || s.weight > 256)
            return bad(QT_TRANSLATE_NOOP("EngineSentence",
                                         "node %1: weight %2 is out of range (1..256)"),
                       {s.id, number(s.weight)});
        if (s.capacity < 1 || s.capacity > 100000)
            return bad(QT_TRANSLATE_NOOP("EngineSentence",
                                         "node %1: capacity %2 is out of range (1..100000)"),
                       {s.id, number(s.capacity)});
        if (!(s.latencyMs > 0) || s.latencyMs > 600000)
            return bad(QT_TRANSLATE_NOOP("EngineSentence",
                                         "node %1: latency %2 ms is out of range (>0..600000)"),
                       {s.id, number(s.latencyMs)});
        if (s.queueLimit < 0)
            return bad(QT_TRANSLATE_NOOP("EngineSentence", "node %1: queue limit %2 is negative"),
                       {s.id, number(s.queueLimit)});
    }
    if (!(arrivalRate > 0) || arrivalRate > 1e9)
        return bad(QT_TRANSLATE_NOOP("EngineSentence",
                                     "arrival rate %1/s is out of range (>0..1e9)"),
                   {number(arrivalRate)});
    if (requests < 1 || requests > 100000000)
        return bad(QT_TRANSLATE_NOOP("EngineSentence",
                                     "request count %1 is out of range (1..100000000)"),
                   {number(requests)});
    if (strategies.isEmpty())
        return bad(QT_TRANSLATE_NOOP("EngineSentence", "no strategy to simulate"));
    return {};
}

Result<SimulationReport> BalancingSimulator::run(const SimulationParams &params,
                                                 const std::function<void(double)> &progress,
                                                 const std::atomic_bool *cancel)
{
    if (Status s = params.validate(); !s)
        return s.error();
    QElapsedTimer timer;
    timer.start();
    SimulationReport report;
    const double span = 1.0 / double(params.strategies.size());
    for (int i = 0; i < params.strategies.size(); ++i) {
        report.outcomes << simulate(params, params.strategies.at(i), progress, i * span, span, cancel);
        report.simulatedRequests += params.requests;
        if (cancel && cancel->load()) {
            report.cancelled = true;
            break;
        }
    }
    report.wallSeconds = double(timer.nsecsElapsed()) / 1e9;
    if (progress)
        progress(1.0);
    return report;
}

QJsonObject SimulationReport::toJson(const SimulationParams &params) const
{
    QJsonArray strategies;
    for (const StrategyOutcome &o : outcomes) {
        QJsonObject perNode;
        for (int i = 0; i < params.nodes.size(); ++i)
            perNode.insert(params.nodes.at(i).id,
                           QJsonObject{{QStringLiteral("requests"), o.perNode.value(i)},
                                       {QStringLiteral("queued"), o.queuedPerNode.value(i)},
                                       {QStringLiteral("rejected"), o.rejectedPerNode.value(i)}});
        strategies.append(QJsonObject{{QStringLiteral("strategy"), strategyName(o.strategy)},
                                      {QStringLiteral("nodes"), perNode},
                                      {QStringLiteral("served"), o.served},
                                      {QStringLiteral("queued"), o.queued},
                                      {QStringLiteral("rejected"), o.rejected},
                                      {QStringLiteral("latency_ms"),
                                       QJsonObject{{QStringLiteral("mean"), o.meanMs},
                                                   {QStringLiteral("p50"), o.p50Ms},
                                                   {QStringLiteral("p95"), o.p95Ms},
                                                   {QStringLiteral("p99"), o.p99Ms}}}});
    }
    return {{QStringLiteral("strategies"), strategies},
            {QStringLiteral("simulated_requests"), simulatedRequests},
            {QStringLiteral("cancelled"), cancelled},
            {QStringLiteral("wall_seconds"), wallSeconds}};
}

} // namespace jobfirst
