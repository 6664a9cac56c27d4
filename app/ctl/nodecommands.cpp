// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl node|health|watch: the cluster's nodes and their health.
#include "api/codec.h"
#include "ctlcontext.h"
#include "optiontypes.h"
#include "texttable.h"

#include <QJsonArray>
#include <QTimer>

using namespace jobfirst;

namespace {

/// Reads --url, --health-path, --weight and --tags into `spec`; an error names the option.
QString readSpecOptions(const Arguments &args, NodeSpec &spec)
{
    spec.url = args.value(QStringLiteral("url"), spec.url);
    spec.healthPath = args.value(QStringLiteral("health-path"), spec.healthPath);
    QString error;
    const auto weight =
        args.integer(QStringLiteral("weight"), spec.weight, OptionTypes::NodeWeight, &error);
    if (!weight)
        return error;
    spec.weight = int(*weight);
    if (args.has(QStringLiteral("tags")))
        spec.tags = args.value(QStringLiteral("tags")).split(u',', Qt::SkipEmptyParts);
    // TLS and authentication: paths the engine reads; the secrets never pass on argv.
    spec.caFile = args.value(QStringLiteral("ca-file"), spec.caFile);
    spec.clientCert = args.value(QStringLiteral("client-cert"), spec.clientCert);
    spec.clientKey = args.value(QStringLiteral("client-key"), spec.clientKey);
    spec.tokenFile = args.value(QStringLiteral("token-file"), spec.tokenFile);
    if (args.has(QStringLiteral("tls-insecure")))
        spec.tlsInsecure = args.isOn(QStringLiteral("tls-insecure"));
    return {};
}

int printNode(CtlContext &ctx, const Result<NodeStatus> &r)
{
    if (!r)
        return ctx.fail(r.error().message);
    ctx.printJson(QJsonDocument(codec::encode(r.value())));
    return 0;
}

int done(CtlContext &ctx, const Status &s)
{
    return s ? 0 : ctx.fail(s.error().message);
}

/// A node's admin state in the console's words (its Nodes page says "draining", the config
/// and --json say "drain"): an operator reading both sees one state. The table is for people.
QString adminWord(AdminState s)
{
    switch (s) {
    case AdminState::Ready:
        return QStringLiteral("ready");
    case AdminState::Drain:
        return QStringLiteral("draining");
    case AdminState::Maintenance:
        return QStringLiteral("maintenance");
    }
    return {};
}

void printNodeTable(CtlContext &ctx, const QList<NodeStatus> &nodes)
{
    ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n").arg(u"ID", -20).arg(u"STATUS", -8).arg(u"ADMIN", -12).arg(u"WEIGHT", -6).arg(u"URL");
    for (const NodeStatus &n : nodes)
        ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n")
                       .arg(n.spec.id, -20)
                       .arg(healthStateName(n.health), -8)
                       .arg(adminWord(n.spec.adminState), -12)
                       .arg(n.spec.weight, -6)
                       .arg(n.spec.url);
}

/// A line a node: its id, what its check said and how long it took.
void printChecks(CtlContext &ctx, const QList<NodeCheck> &checks)
{
    for (const NodeCheck &c : checks)
        ctx.out << QStringLiteral("%1 %2 (%3 ms)\n")
                       .arg(c.nodeId, -20)
                       .arg(c.result.detail)
                       .arg(c.result.latencyMs, 0, 'f', 1);
}

/// Each item as the API encodes it, less `key` (a field the command line leaves out).
template <typename T> QJsonArray encodedWithout(const QList<T> &items, const QString &key)
{
    QJsonArray a;
    for (const T &item : items) {
        QJsonObject o = codec::encode(item);
        o.remove(key);
        a.append(o);
    }
    return a;
}

/// A node's health changes, a row each; said in words when there are none.
void printHistoryTable(CtlContext &ctx, const QString &id, const QList<HealthEvent> &events)
{
    if (events.isEmpty()) {
        ctx.out << "node \"" << id << "\" has no health changes recorded" << Qt::endl;
        return;
    }
    TextTable table({QStringLiteral("TIME"), QStringLiteral("FROM"), QStringLiteral("TO"),
                     QStringLiteral("LATENCY"), QStringLiteral("REASON")});
    table.alignRight(3);
    for (const HealthEvent &e : events)
        table.addRow({localIsoTime(e.timestamp), healthStateName(e.from), healthStateName(e.to),
                      QStringLiteral("%1 ms").arg(e.latencyMs, 0, 'f', 1), e.reason});
    table.print(ctx.out);
}

/// node history ID: its health changes, newest first, one line each (JSON with --json).
int printHistory(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto limit = args.integer(QStringLiteral("limit"), 50, OptionTypes::ShortLimit, &error);
    if (!limit)
        return ctx.usage(error);
    const QString id = args.positional.at(1);
    return ctx.printAnswer(
        args, ctx.session->nodeHistory(id, int(*limit)),
        [](const QList<HealthEvent> &events) {
            return encodedWithout(events, QStringLiteral("id"));
        },
        [&ctx, &id](const QList<HealthEvent> &events) { printHistoryTable(ctx, id, events); });
}

} // namespace

int runNodeCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    EngineSession &engine = *ctx.session;
    if (sub == QLatin1String("add")) {
        NodeSpec spec;
        spec.id = args.value(QStringLiteral("id"));
        if (const QString error = readSpecOptions(args, spec); !error.isEmpty())
            return ctx.usage(error);
        return printNode(ctx, ctx.wait(engine.addNode(spec)));
    }
    if (sub == QLatin1String("edit")) {
        const QString id = args.positional.value(1);
        const auto nodes = ctx.wait(engine.nodes());
        if (!nodes)
            return ctx.fail(nodes.error().message);
        const auto it = std::find_if(nodes->cbegin(), nodes->cend(), [&id](const NodeStatus &n) { return n.spec.id == id; });
        if (it == nodes->cend())
            return ctx.fail(QStringLiteral("there is no node \"%1\"").arg(id));
        NodeSpec spec = it->spec;
        if (const QString error = readSpecOptions(args, spec); !error.isEmpty())
            return ctx.usage(error);
        return printNode(ctx, ctx.wait(engine.editNode(spec)));
    }
    if (sub == QLatin1String("remove"))
        return done(ctx, ctx.wait(engine.removeNode(args.positional.at(1))));
    if (sub == QLatin1String("list"))
        return ctx.printAnswer(
            args, engine.nodes(), codec::encodeList<NodeStatus>,
            [&ctx](const QList<NodeStatus> &nodes) { printNodeTable(ctx, nodes); });
    if (sub == QLatin1String("weight")) {
        // The command table has checked W by OptionTypes::NodeWeight.
        const auto w = OptionTypes::NodeWeight.toInteger(args.positional.at(2));
        return done(ctx, ctx.wait(engine.setNodeWeight(args.positional.at(1), int(w.value_or(0)))));
    }
    if (sub == QLatin1String("drain") || sub == QLatin1String("maint") ||
        sub == QLatin1String("ready"))
        return done(
            ctx, ctx.wait(engine.setAdminState(args.positional.at(1), *adminStateFromName(sub))));
    if (sub == QLatin1String("history"))
        return printHistory(ctx, args);
    return ctx.usage(QStringLiteral("unknown node command \"%1\"").arg(sub));
}

int runHealthCommand(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(
        args, ctx.session->checkNodes({}),
        [](const QList<NodeCheck> &checks) { return encodedWithout(checks, QStringLiteral("at")); },
        [&ctx](const QList<NodeCheck> &checks) { printChecks(ctx, checks); });
}

int runWatchCommand(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto seconds = args.number(QStringLiteral("seconds"), 0, OptionTypes::Seconds, &error);
    if (!seconds)
        return ctx.usage(error);
    QObject::connect(ctx.session, &EngineSession::healthChanged, ctx.session, [&ctx](const HealthEvent &e) {
        ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("node"), e.nodeId},
                                                {QStringLiteral("old"), healthStateName(e.from)},
                                                {QStringLiteral("new"), healthStateName(e.to)},
                                                {QStringLiteral("reason"), e.reason},
                                                {QStringLiteral("latency_ms"), e.latencyMs},
                                                {QStringLiteral("timestamp"), codec::isoTime(e.timestamp)}}),
                      false);
    });
    QObject::connect(ctx.session, &EngineSession::connectionChanged, ctx.session,
                     [&ctx](bool up, const Sentence &reason) {
                         if (!up)
                             ctx.err << "jobfirstctl: " << reason.english() << " (reconnecting)"
                                     << Qt::endl;
                     });
    if (*seconds > 0)
        QTimer::singleShot(qint64(*seconds * 1000), qApp, &QCoreApplication::quit);
    return QCoreApplication::exec();
}
