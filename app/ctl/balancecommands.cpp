// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl lb pick|simulate: where traffic would go, and how the strategies compare.
#include "api/codec.h"
#include "ctlcontext.h"
#include "optiontypes.h"
#include "texttable.h"

#include <QFile>
#include <QJsonArray>

using namespace jobfirst;

namespace {

/// The API's encoding less the nodes (the command line leaves them out).
QJsonObject pickJson(const PickReport &report)
{
    QJsonObject o = codec::encode(report);
    o.remove(QStringLiteral("nodes"));
    return o;
}

/// A line a node, by id: how many of the requests went to it.
void printPicks(CtlContext &ctx, const PickReport &report)
{
    QList<QPair<QString, qint64>> sorted = report.picks;
    std::sort(sorted.begin(), sorted.end());
    for (const auto &[id, n] : sorted)
        ctx.out << QStringLiteral("%1 %2\n").arg(id, -20).arg(n);
}

int pick(CtlContext &ctx, const Arguments &args)
{
    PickRequest request;
    // The command table has checked --strategy against OptionTypes::PickStrategy, whose
    // words are the strategies' names.
    if (args.has(QStringLiteral("strategy")))
        request.strategy = strategyFromName(args.value(QStringLiteral("strategy")));
    QString error;
    const auto count = args.integer(QStringLiteral("count"), 1, OptionTypes::PickCount, &error);
    if (!count)
        return ctx.usage(error);
    request.count = *count;
    request.clientIp = args.value(QStringLiteral("client-ip"));
    return ctx.printAnswer(args, ctx.session->pick(request), pickJson,
                           [&ctx](const PickReport &report) { printPicks(ctx, report); });
}

/// --what-if FILE: a JSON array of nodes ({"id", "weight", "capacity", "latency_ms", "queue_limit"}).
Result<QList<SimNode>> readWhatIf(const QString &path, const SimNode &defaults)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("file.unreadable"), QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isArray())
        return makeError(QStringLiteral("file.format"), QStringLiteral("%1: expected a JSON array of nodes (%2)").arg(path, pe.errorString()));
    QList<SimNode> nodes;
    for (const QJsonValue &v : doc.array()) {
        const QJsonObject o = v.toObject();
        SimNode n = defaults;
        n.id = o.value(QStringLiteral("id")).toString();
        n.weight = o.value(QStringLiteral("weight")).toInt(1);
        n.capacity = o.value(QStringLiteral("capacity")).toInt(defaults.capacity);
        n.latencyMs = o.value(QStringLiteral("latency_ms")).toDouble(defaults.latencyMs);
        n.queueLimit = o.value(QStringLiteral("queue_limit")).toInt(defaults.queueLimit);
        nodes << n;
    }
    return nodes;
}

/// The simulation's figures from the options (defaults where not given); an error names the
/// option and its value.
std::optional<SimulationRequest> simulationRequest(const Arguments &args, QString *error)
{
    using namespace OptionTypes;
    const auto requests = args.integer(QStringLiteral("requests"), 100000, Requests, error);
    const auto rate = args.number(QStringLiteral("rate"), 1000, Rate, error);
    const auto seed = args.integer(QStringLiteral("seed"), 1, Seed, error);
    const auto capacity = args.integer(QStringLiteral("capacity"), 8, Capacity, error);
    const auto latency = args.number(QStringLiteral("latency"), 20, LatencyMs, error);
    const auto queue = args.integer(QStringLiteral("queue-limit"), 64, QueueLimit, error);
    if (!requests || !rate || !seed || !capacity || !latency || !queue)
        return std::nullopt;
    SimulationRequest request;
    request.params.requests = *requests;
    request.params.arrivalRate = *rate;
    request.params.seed = quint64(*seed);
    request.nodeDefaults = SimNode{QString(), 1, int(*capacity), *latency, int(*queue)};
    const QString strategy = QStringLiteral("strategy");
    const auto names = SimulatedStrategies.toWords(args.value(strategy, QStringLiteral("all")));
    if (!names) {
        *error = SimulatedStrategies.error(strategy, args.value(strategy));
        return std::nullopt;
    }
    if (names->isEmpty()) // all
        return request;
    request.params.strategies.clear();
    for (const QString &name : *names)
        request.params.strategies << *strategyFromName(name);
    return request;
}

QString msText(double ms)
{
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', 1);
}

/// What each strategy did with the same arrivals, then how many requests each node served
/// under each: a line a strategy, a line a node (a cluster has more nodes than strategies).
void printSimulation(CtlContext &ctx, const SimulationRequest &request,
                     const SimulationReport &report, const QStringList &ids)
{
    ctx.out << QStringLiteral("%1 requests at %2 requests/s (seed %3) over %4 nodes, for each "
                              "strategy; latency is from arrival to response\n")
                   .arg(request.params.requests)
                   .arg(request.params.arrivalRate, 0, 'g', 6)
                   .arg(request.params.seed)
                   .arg(ids.size());
    TextTable strategies({QStringLiteral("STRATEGY"), QStringLiteral("SERVED"),
                          QStringLiteral("QUEUED"), QStringLiteral("REJECTED"),
                          QStringLiteral("MEAN"), QStringLiteral("P50"), QStringLiteral("P95"),
                          QStringLiteral("P99")});
    QStringList perNodeHeaders{QStringLiteral("NODE")};
    for (int c = 1; c <= 7; ++c)
        strategies.alignRight(c);
    for (const StrategyOutcome &o : report.outcomes) {
        strategies.addRow({strategyName(o.strategy), QString::number(o.served),
                           QString::number(o.queued), QString::number(o.rejected), msText(o.meanMs),
                           msText(o.p50Ms), msText(o.p95Ms), msText(o.p99Ms)});
        perNodeHeaders << strategyName(o.strategy);
    }
    strategies.print(ctx.out);
    ctx.out << "\nrequests served per node:\n";
    TextTable perNode(perNodeHeaders);
    for (int c = 1; c < perNodeHeaders.size(); ++c)
        perNode.alignRight(c);
    for (int i = 0; i < ids.size(); ++i) {
        QStringList row{ids.at(i)};
        for (const StrategyOutcome &o : report.outcomes)
            row << QString::number(o.perNode.value(i));
        perNode.addRow(row);
    }
    perNode.print(ctx.out);
}

/// The nodes to simulate: those of --what-if FILE, else the cluster's with the defaults;
/// `ids` gets their ids in the report's order. 0, or the exit code of the failure said.
int simulationNodes(CtlContext &ctx, const Arguments &args, SimulationRequest &request,
                    QStringList &ids)
{
    if (args.has(QStringLiteral("what-if"))) {
        auto nodes = readWhatIf(args.value(QStringLiteral("what-if")), request.nodeDefaults);
        if (!nodes)
            return ctx.fail(nodes.error().message);
        request.params.nodes = nodes.value();
    }
    if (!request.params.nodes.isEmpty()) {
        for (const SimNode &n : request.params.nodes)
            ids << n.id;
        return 0;
    }
    const auto nodes = ctx.wait(ctx.session->nodes());
    if (!nodes)
        return ctx.fail(nodes.error().message);
    for (const NodeStatus &n : nodes.value()) {
        ids << n.spec.id;
        SimNode s = request.nodeDefaults;
        s.id = n.spec.id;
        s.weight = n.spec.weight;
        request.params.nodes << s; // the same nodes the report is printed over
    }
    return 0;
}

int simulate(CtlContext &ctx, const Arguments &args)
{
    QString error;
    auto request = simulationRequest(args, &error);
    if (!request)
        return ctx.usage(error);
    QStringList ids;
    if (int failed = simulationNodes(ctx, args, *request, ids))
        return failed;
    const auto toJson = [&ids](const SimulationReport &report) {
        QJsonObject o = codec::encode(report, ids);
        o.remove(QStringLiteral("nodes"));
        return o;
    };
    return ctx.printAnswer(
        args, ctx.session->simulate(*request), toJson,
        [&](const SimulationReport &report) { printSimulation(ctx, *request, report, ids); });
}

} // namespace

int runLbCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    if (sub == QLatin1String("pick"))
        return pick(ctx, args);
    if (sub == QLatin1String("simulate"))
        return simulate(ctx, args);
    return ctx.usage(QStringLiteral("unknown lb command \"%1\"").arg(sub));
}
