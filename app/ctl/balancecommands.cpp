// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl lb pick|simulate: where traffic would go, and how the strategies compare.
#include "api/codec.h"
#include "ctlcontext.h"

#include <QFile>
#include <QJsonArray>

using namespace jobfirst;

namespace {

int pick(CtlContext &ctx, const Arguments &args)
{
    PickRequest request;
    if (args.has(QStringLiteral("strategy"))) {
        request.strategy = strategyFromName(args.value(QStringLiteral("strategy")));
        if (!request.strategy)
            return ctx.usage(QStringLiteral("unknown strategy \"%1\"").arg(args.value(QStringLiteral("strategy"))));
    }
    QString error;
    const auto count = args.integer(QStringLiteral("count"), 1, 1, 100000000, &error);
    if (!count)
        return ctx.usage(error);
    request.count = *count;
    request.clientIp = args.value(QStringLiteral("client-ip"));
    const auto report = ctx.wait(ctx.session->pick(request));
    if (!report)
        return ctx.fail(report.error().message);
    if (args.has(QStringLiteral("json"))) {
        QJsonObject o = codec::encode(report.value());
        o.remove(QStringLiteral("nodes"));
        ctx.printJson(QJsonDocument(o));
        return 0;
    }
    QList<QPair<QString, qint64>> sorted = report->picks;
    std::sort(sorted.begin(), sorted.end());
    for (const auto &[id, n] : sorted)
        ctx.out << QStringLiteral("%1 %2\n").arg(id, -20).arg(n);
    return 0;
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

int simulate(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto requests = args.integer(QStringLiteral("requests"), 100000, 1, 100000000, &error);
    const auto rate = args.number(QStringLiteral("rate"), 1000, 1e-3, 1e9, &error);
    const auto seed = args.integer(QStringLiteral("seed"), 1, 0, std::numeric_limits<qint64>::max(), &error);
    const auto capacity = args.integer(QStringLiteral("capacity"), 8, 1, 100000, &error);
    const auto latency = args.number(QStringLiteral("latency"), 20, 1e-3, 600000, &error);
    const auto queue = args.integer(QStringLiteral("queue-limit"), 64, 0, 10000000, &error);
    if (!requests || !rate || !seed || !capacity || !latency || !queue)
        return ctx.usage(error);
    SimulationRequest request;
    request.params.requests = *requests;
    request.params.arrivalRate = *rate;
    request.params.seed = quint64(*seed);
    request.nodeDefaults = SimNode{QString(), 1, int(*capacity), *latency, int(*queue)};
    const QString strategyText = args.value(QStringLiteral("strategy"), QStringLiteral("all"));
    if (strategyText != QLatin1String("all")) {
        request.params.strategies.clear();
        for (const QString &name : strategyText.split(u',')) {
            const auto s = strategyFromName(name);
            if (!s)
                return ctx.usage(QStringLiteral("unknown strategy \"%1\"").arg(name));
            request.params.strategies << *s;
        }
    }
    if (args.has(QStringLiteral("what-if"))) {
        auto nodes = readWhatIf(args.value(QStringLiteral("what-if")), request.nodeDefaults);
        if (!nodes)
            return ctx.fail(nodes.error().message);
        request.params.nodes = nodes.value();
    }
    QStringList ids;
    if (request.params.nodes.isEmpty()) {
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
    } else {
        for (const SimNode &n : request.params.nodes)
            ids << n.id;
    }
    const auto report = ctx.wait(ctx.session->simulate(request));
    if (!report)
        return ctx.fail(report.error().message);
    QJsonObject o = codec::encode(report.value(), ids);
    o.remove(QStringLiteral("nodes"));
    ctx.printJson(QJsonDocument(o));
    return 0;
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
