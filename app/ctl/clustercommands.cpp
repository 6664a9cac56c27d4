// SPDX-License-Identifier: GPL-3.0-or-later
#include "ctlcontext.h"

#include "balance/balancingsimulator.h"
#include "balance/loadbalancer.h"
#include "cluster/clustermanager.h"
#include "cluster/healthchecker.h"
#include "core/duration.h"
#include "core/urlpath.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QTimer>

using namespace jobfirst;

namespace {

bool checkUnknown(CtlContext &ctx, const Arguments &args, const QSet<QString> &known, int *code)
{
    const QStringList unknown = args.unknown(known);
    if (unknown.isEmpty())
        return true;
    *code = ctx.usage(QStringLiteral("unknown option %1").arg(unknown.join(u' ')));
    return false;
}

std::unique_ptr<ClusterManager> loadCluster(CtlContext &ctx, int *code)
{
    auto cluster = std::make_unique<ClusterManager>(ctx.store.get(), ctx.config);
    if (Status s = cluster->load(); !s) {
        *code = ctx.fail(s.error().message);
        return nullptr;
    }
    return cluster;
}

QString isoNow() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs); }

} // namespace

int runNodeCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    int code = 0;
    auto cluster = loadCluster(ctx, &code);
    if (!cluster)
        return code;
    QString error;
    if (sub == QLatin1String("add")) {
        if (!checkUnknown(ctx, args, {QStringLiteral("id"), QStringLiteral("url"), QStringLiteral("weight"),
                                      QStringLiteral("health-path"), QStringLiteral("tags"), QStringLiteral("json")}, &code))
            return code;
        if (!args.has(QStringLiteral("id")) || !args.has(QStringLiteral("url")))
            return ctx.usage(QStringLiteral("node add needs --id and --url"));
        NodeSpec spec;
        spec.id = args.value(QStringLiteral("id"));
        spec.url = args.value(QStringLiteral("url"));
        spec.healthPath = args.value(QStringLiteral("health-path"), spec.healthPath);
        const auto weight = args.integer(QStringLiteral("weight"), 1, -1000000, 1000000, &error);
        if (!weight)
            return ctx.usage(error);
        spec.weight = int(*weight);
        spec.tags = args.value(QStringLiteral("tags")).split(u',', Qt::SkipEmptyParts);
        auto r = cluster->registerNode(spec, ctx.actor);
        if (!r)
            return ctx.fail(r.error().message);
        ctx.printJson(QJsonDocument(nodeStatusToJson(r.value())));
        return 0;
    }
    if (sub == QLatin1String("edit")) {
        const auto current = cluster->node(args.positional.value(1));
        if (!current)
            return ctx.fail(QStringLiteral("there is no node \"%1\"").arg(args.positional.value(1)));
        NodeSpec spec = current->spec;
        spec.url = args.value(QStringLiteral("url"), spec.url);
        spec.healthPath = args.value(QStringLiteral("health-path"), spec.healthPath);
        const auto weight = args.integer(QStringLiteral("weight"), spec.weight, -1000000, 1000000, &error);
        if (!weight)
            return ctx.usage(error);
        spec.weight = int(*weight);
        if (args.has(QStringLiteral("tags")))
            spec.tags = args.value(QStringLiteral("tags")).split(u',', Qt::SkipEmptyParts);
        if (Status s = cluster->editNode(spec, ctx.actor); !s)
            return ctx.fail(s.error().message);
        ctx.printJson(QJsonDocument(nodeStatusToJson(*cluster->node(spec.id))));
        return 0;
    }
    if (sub == QLatin1String("remove")) {
        if (args.positional.size() != 2)
            return ctx.usage(QStringLiteral("node remove takes one node id"));
        if (Status s = cluster->unregisterNode(args.positional.at(1), ctx.actor); !s)
            return ctx.fail(s.error().message);
        return 0;
    }
    if (sub == QLatin1String("list")) {
        const QList<NodeStatus> nodes = cluster->nodes();
        if (args.has(QStringLiteral("json"))) {
            QJsonArray a;
            for (const NodeStatus &n : nodes)
                a.append(nodeStatusToJson(n));
            ctx.printJson(QJsonDocument(a));
        } else {
            ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n").arg(u"ID", -20).arg(u"STATUS", -8).arg(u"ADMIN", -12).arg(u"WEIGHT", -6).arg(u"URL");
            for (const NodeStatus &n : nodes)
                ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n")
                               .arg(n.spec.id, -20)
                               .arg(healthStateName(n.health), -8)
                               .arg(adminStateName(n.spec.adminState), -12)
                               .arg(n.spec.weight, -6)
                               .arg(n.spec.url);
        }
        return 0;
    }
    if (sub == QLatin1String("weight")) {
        if (args.positional.size() != 3)
            return ctx.usage(QStringLiteral("node weight takes a node id and a weight"));
        bool ok = false;
        const int w = args.positional.at(2).toInt(&ok);
        if (!ok)
            return ctx.fail(QStringLiteral("weight \"%1\" is not a whole number (1..256)").arg(args.positional.at(2)));
        if (Status s = cluster->updateNodeWeight(args.positional.at(1), w, ctx.actor); !s)
            return ctx.fail(s.error().message);
        return 0;
    }
    if (sub == QLatin1String("drain") || sub == QLatin1String("maint") || sub == QLatin1String("ready")) {
        if (args.positional.size() != 2)
            return ctx.usage(QStringLiteral("node %1 takes one node id").arg(sub));
        if (Status s = cluster->setAdminState(args.positional.at(1), *adminStateFromName(sub), ctx.actor); !s)
            return ctx.fail(s.error().message);
        return 0;
    }
    if (sub == QLatin1String("history")) {
        const QString id = args.positional.value(1);
        if (!cluster->node(id))
            return ctx.fail(QStringLiteral("there is no node \"%1\"").arg(id));
        const auto limit = args.integer(QStringLiteral("limit"), 50, 1, 100000, &error);
        if (!limit)
            return ctx.usage(error);
        auto events = ctx.store->healthEvents(id, int(*limit));
        if (!events)
            return ctx.fail(events.error().message);
        QJsonArray a;
        for (const HealthEvent &e : events.value())
            a.append(healthEventToJson(e));
        ctx.printJson(QJsonDocument(a));
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown node command \"%1\"").arg(sub));
}

int runHealthCommand(CtlContext &ctx, const Arguments &args)
{
    if (!args.has(QStringLiteral("once")))
        return ctx.usage(QStringLiteral("health needs --once (use watch for continuous checks)"));
    int code = 0;
    auto cluster = loadCluster(ctx, &code);
    if (!cluster)
        return code;
    const QList<NodeStatus> nodes = cluster->nodes();
    HealthChecker checker;
    checker.setTimeoutMs(ctx.config.healthCheckTimeoutMs);
    QHash<quint64, CheckResult> results;
    QObject::connect(&checker, &HealthChecker::probed, &checker, [&](quint64 token, const CheckResult &r) {
        results.insert(token, r);
        if (results.size() == nodes.size())
            QCoreApplication::quit();
    });
    for (int i = 0; i < nodes.size(); ++i) {
        checker.probe(joinUrlPath(nodes.at(i).spec.url, nodes.at(i).spec.healthPath), quint64(i));
    }
    if (!nodes.isEmpty())
        QCoreApplication::exec();
    QJsonArray a;
    for (int i = 0; i < nodes.size(); ++i) {
        const CheckResult r = results.value(quint64(i));
        a.append(QJsonObject{{QStringLiteral("node"), nodes.at(i).spec.id},
                             {QStringLiteral("ok"), r.outcome == CheckOutcome::Ok},
                             {QStringLiteral("outcome"), checkOutcomeName(r.outcome)},
                             {QStringLiteral("reason"), r.detail},
                             {QStringLiteral("http_status"), r.httpStatus},
                             {QStringLiteral("latency_ms"), r.latencyMs}});
    }
    if (args.has(QStringLiteral("json"))) {
        ctx.printJson(QJsonDocument(a));
    } else {
        for (const QJsonValue &v : a) {
            const QJsonObject o = v.toObject();
            ctx.out << QStringLiteral("%1 %2 (%3 ms)\n")
                           .arg(o.value(QStringLiteral("node")).toString(), -20)
                           .arg(o.value(QStringLiteral("reason")).toString())
                           .arg(o.value(QStringLiteral("latency_ms")).toDouble(), 0, 'f', 1);
        }
    }
    return 0;
}

int runWatchCommand(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto seconds = args.number(QStringLiteral("seconds"), 0, 0, 1e7, &error);
    if (!seconds)
        return ctx.usage(error);
    int code = 0;
    auto cluster = loadCluster(ctx, &code);
    if (!cluster)
        return code;
    QObject::connect(cluster.get(), &ClusterManager::healthChanged, cluster.get(), [&ctx](const HealthEvent &e) {
        ctx.printJson(QJsonDocument(QJsonObject{
                          {QStringLiteral("node"), e.nodeId},
                          {QStringLiteral("old"), healthStateName(e.from)},
                          {QStringLiteral("new"), healthStateName(e.to)},
                          {QStringLiteral("reason"), e.reason},
                          {QStringLiteral("latency_ms"), e.latencyMs},
                          {QStringLiteral("timestamp"),
                           QDateTime::fromMSecsSinceEpoch(e.timestamp, Qt::UTC).toString(Qt::ISODateWithMs)}}),
                      false);
    });
    cluster->start();
    if (*seconds > 0)
        QTimer::singleShot(qint64(*seconds * 1000), qApp, &QCoreApplication::quit);
    return QCoreApplication::exec();
}

int runLbCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    QString error;
    int code = 0;
    auto cluster = loadCluster(ctx, &code);
    if (!cluster)
        return code;
    const QList<NodeStatus> nodes = cluster->nodes();
    if (sub == QLatin1String("pick")) {
        const QString strategyText = args.value(QStringLiteral("strategy"), strategyName(ctx.config.loadBalanceStrategy));
        const auto strategy = strategyFromName(strategyText);
        if (!strategy)
            return ctx.usage(QStringLiteral("unknown strategy \"%1\"").arg(strategyText));
        const auto count = args.integer(QStringLiteral("count"), 1, 1, 100000000, &error);
        if (!count)
            return ctx.usage(error);
        // A planning tool: nodes never checked are assumed up; down, failed and parked are not.
        std::vector<BalancerNode> bnodes;
        QJsonArray assumed;
        for (const NodeStatus &n : nodes) {
            const bool ready = n.spec.adminState == AdminState::Ready;
            const bool healthy = n.health == HealthState::Up || n.health == HealthState::Unknown;
            if (ready && n.health == HealthState::Unknown)
                assumed.append(n.spec.id);
            bnodes.push_back(BalancerNode{n.spec.id, n.spec.weight, ready && healthy});
        }
        LoadBalancer lb(*strategy);
        lb.setNodes(bnodes);
        const std::uint64_t clientHash = args.has(QStringLiteral("client-ip"))
                                             ? LoadBalancer::hashClient(args.value(QStringLiteral("client-ip")))
                                             : 0;
        std::vector<qint64> picks(bnodes.size(), 0);
        QJsonArray sequence;
        for (qint64 i = 0; i < *count; ++i) {
            const int idx = lb.pick(clientHash);
            if (idx < 0)
                return ctx.fail(QStringLiteral("no node may take traffic (%1 nodes, none ready and up)").arg(nodes.size()));
            ++picks[std::size_t(idx)];
            if (i < 64)
                sequence.append(bnodes[std::size_t(idx)].id);
        }
        QJsonObject perNode;
        for (std::size_t i = 0; i < bnodes.size(); ++i)
            if (bnodes[i].eligible)
                perNode.insert(bnodes[i].id, picks[i]);
        const QJsonObject result{{QStringLiteral("strategy"), strategyName(*strategy)},
                                 {QStringLiteral("count"), *count},
                                 {QStringLiteral("picks"), perNode},
                                 {QStringLiteral("first_picks"), sequence},
                                 {QStringLiteral("assumed_up"), assumed}};
        if (args.has(QStringLiteral("json"))) {
            ctx.printJson(QJsonDocument(result));
        } else {
            for (auto it = perNode.begin(); it != perNode.end(); ++it)
                ctx.out << QStringLiteral("%1 %2\n").arg(it.key(), -20).arg(it.value().toInteger());
        }
        return 0;
    }
    if (sub == QLatin1String("simulate")) {
        SimulationParams p;
        const auto requests = args.integer(QStringLiteral("requests"), 100000, 1, 100000000, &error);
        const auto rate = args.number(QStringLiteral("rate"), 1000, 1e-3, 1e9, &error);
        const auto seed = args.integer(QStringLiteral("seed"), 1, 0, std::numeric_limits<qint64>::max(), &error);
        const auto capacity = args.integer(QStringLiteral("capacity"), 8, 1, 100000, &error);
        const auto latency = args.number(QStringLiteral("latency"), 20, 1e-3, 600000, &error);
        const auto queue = args.integer(QStringLiteral("queue-limit"), 64, 0, 10000000, &error);
        if (!requests || !rate || !seed || !capacity || !latency || !queue)
            return ctx.usage(error);
        p.requests = *requests;
        p.arrivalRate = *rate;
        p.seed = quint64(*seed);
        const QString strategyText = args.value(QStringLiteral("strategy"), QStringLiteral("all"));
        if (strategyText != QLatin1String("all")) {
            p.strategies.clear();
            for (const QString &name : strategyText.split(u',')) {
                const auto s = strategyFromName(name);
                if (!s)
                    return ctx.usage(QStringLiteral("unknown strategy \"%1\"").arg(name));
                p.strategies << *s;
            }
        }
        if (args.has(QStringLiteral("what-if"))) {
            QFile f(args.value(QStringLiteral("what-if")));
            if (!f.open(QIODevice::ReadOnly))
                return ctx.fail(QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString()));
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isArray())
                return ctx.fail(QStringLiteral("%1: expected a JSON array of nodes (%2)").arg(f.fileName(), pe.errorString()));
            for (const QJsonValue &v : doc.array()) {
                const QJsonObject o = v.toObject();
                SimNode n;
                n.id = o.value(QStringLiteral("id")).toString();
                n.weight = o.value(QStringLiteral("weight")).toInt(1);
                n.capacity = o.value(QStringLiteral("capacity")).toInt(int(*capacity));
                n.latencyMs = o.value(QStringLiteral("latency_ms")).toDouble(*latency);
                n.queueLimit = o.value(QStringLiteral("queue_limit")).toInt(int(*queue));
                p.nodes << n;
            }
        } else {
            for (const NodeStatus &n : nodes)
                p.nodes << SimNode{n.spec.id, n.spec.weight, int(*capacity), *latency, int(*queue)};
        }
        auto report = BalancingSimulator::run(p);
        if (!report)
            return ctx.fail(report.error().message);
        ctx.printJson(QJsonDocument(report->toJson(p)));
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown lb command \"%1\"").arg(sub));
}

int runStatusCommand(CtlContext &ctx, const Arguments &args)
{
    int code = 0;
    auto cluster = loadCluster(ctx, &code);
    if (!cluster)
        return code;
    QJsonObject o = cluster->stats().toJson();
    o.insert(QStringLiteral("generated_at"), isoNow());
    ctx.printJson(QJsonDocument(o));
    return 0;
}

int runConfigCommand(CtlContext &ctx, const Arguments &args)
{
    QString error;
    if (args.positional.value(0) == QLatin1String("audit")) {
        const auto limit = args.integer(QStringLiteral("limit"), 100, 1, 1000000, &error);
        if (!limit)
            return ctx.usage(error);
        auto log = ctx.store->auditLog(int(*limit), args.value(QStringLiteral("filter")));
        if (!log)
            return ctx.fail(log.error().message);
        QJsonArray a;
        for (const AuditEntry &e : log.value())
            a.append(QJsonObject{{QStringLiteral("id"), e.id},
                                 {QStringLiteral("timestamp"), QDateTime::fromMSecsSinceEpoch(e.timestamp, Qt::UTC).toString(Qt::ISODateWithMs)},
                                 {QStringLiteral("actor"), e.actor},
                                 {QStringLiteral("action"), e.action},
                                 {QStringLiteral("subject"), e.subject},
                                 {QStringLiteral("before"), e.before},
                                 {QStringLiteral("after"), e.after}});
        ctx.printJson(QJsonDocument(a));
        return 0;
    }
    const QString sub = args.positional.value(1);
    if (sub == QLatin1String("check") || sub == QLatin1String("apply")) {
        const QString path = args.positional.value(2);
        if (path.isEmpty())
            return ctx.usage(QStringLiteral("config %1 takes a file").arg(sub));
        auto config = ClusterConfig::fromFile(path);
        if (!config)
            return ctx.fail(config.error().message);
        if (sub == QLatin1String("apply")) {
            auto version = ctx.store->saveConfigVersion(config->toJson(), ctx.actor);
            if (!version)
                return ctx.fail(version.error().message);
            AuditEntry a;
            a.actor = ctx.actor;
            a.action = QStringLiteral("config.apply");
            a.subject = QStringLiteral("version %1").arg(version.value());
            a.after = path;
            ctx.store->appendAudit(a);
            ctx.out << "config version " << version.value() << " recorded from " << path << Qt::endl;
            return 0;
        }
        ctx.out << path << ": valid" << Qt::endl;
        return 0;
    }
    if (sub == QLatin1String("show")) {
        ctx.out << ctx.config.toJson();
        return 0;
    }
    if (sub == QLatin1String("versions")) {
        auto versions = ctx.store->configVersions(100);
        if (!versions)
            return ctx.fail(versions.error().message);
        QJsonArray a;
        for (const ConfigVersion &v : versions.value())
            a.append(QJsonObject{{QStringLiteral("version"), v.version},
                                 {QStringLiteral("timestamp"), QDateTime::fromMSecsSinceEpoch(v.timestamp, Qt::UTC).toString(Qt::ISODateWithMs)},
                                 {QStringLiteral("actor"), v.actor}});
        ctx.printJson(QJsonDocument(a));
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown config command \"%1\"").arg(sub));
}
