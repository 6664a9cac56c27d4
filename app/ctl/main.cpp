// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl: the command line on the JobFirst engine. JSON output, errors on stderr.
#include "ctlcontext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace {

const char *const Help = R"(jobfirstctl - JobFirst cluster and sync from the command line

Usage: jobfirstctl [--db FILE] [--config FILE] COMMAND ...

Global options:
  --db FILE        the cluster store (default: $JOBFIRST_DB or ~/.local/share/jobfirst/cluster.db)
  --config FILE    the cluster config, JSON (default: $JOBFIRST_CONFIG; built-in defaults when absent)

Cluster:
  node add --id ID --url URL [--weight W] [--health-path P] [--tags a,b]
  node edit ID [--url URL] [--weight W] [--health-path P] [--tags a,b]
  node remove ID
  node list [--json]
  node weight ID W
  node drain|maint|ready ID
  node history ID [--limit N] [--json]
  health --once [--json]                 one check of every node, printed
  watch [--seconds S]                    health-check and print each state change as a JSON line
  lb pick [--strategy S] [--count N] [--client-ip IP] [--json]
  lb simulate [--strategy S|all] [--requests N] [--rate R] [--seed X] [--capacity C]
              [--latency MS] [--queue-limit Q] [--what-if FILE] [--json]
  status [--json]                        cluster stats
  config check FILE | config show | config versions [--json] | config apply FILE
  audit [--limit N] [--filter TEXT] [--json]

Sync targets (set, add and remove edit the --config file; a running console reloads it):
  target list
  target set NAME [--url U] [--events a,b] [--timeout D] [--retries N] [--retry-interval D]
                  [--batch-size N] [--rate-limit R] [--secret S]
  target add NAME --url U --events a,b [options of set]
  target remove NAME
  target pause|resume|enable|disable NAME   kept in the store, audited

Sync:
  sync send --type T --user U [--data JSON] [--target NAME]
  sync batch FILE [--target NAME]        JSON Lines of events
  sync import FILE [--batch N]           bulk migration of users (JSON Lines or CSV), resumable
  sync status [--target NAME] | sync stats
  sync dlq list [--target NAME] [--limit N] | sync retry ID | sync discard ID
  sync replay [--target NAME] [--since ISO] [--until ISO]
  sync check [--target NAME] [--repair]
  sync run [--until-empty] [--seconds S]  deliver until interrupted (or the queue is empty)

Strategies: round-robin, least-connections, weighted-round-robin, ip-hash, power-of-two
)";

QString defaultDb()
{
    if (const QByteArray env = qgetenv("JOBFIRST_DB"); !env.isEmpty())
        return QString::fromLocal8Bit(env);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/jobfirst");
    QDir().mkpath(dir);
    return dir + QStringLiteral("/cluster.db");
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobfirstctl"));
    QStringList words = app.arguments().mid(1);
    CtlContext ctx;
    if (words.isEmpty() || words.contains(QStringLiteral("--help")) || words.contains(QStringLiteral("-h"))) {
        ctx.out << Help;
        return words.isEmpty() ? 2 : 0;
    }
    if (words.contains(QStringLiteral("--version"))) {
        ctx.out << "jobfirstctl " << JOBFIRST_VERSION << Qt::endl;
        return 0;
    }
    // Global options come before the command word.
    ctx.dbPath = defaultDb();
    ctx.configPath = QString::fromLocal8Bit(qgetenv("JOBFIRST_CONFIG"));
    while (!words.isEmpty() && words.first().startsWith(QLatin1String("--"))) {
        const QString opt = words.takeFirst();
        if (words.isEmpty())
            return ctx.usage(QStringLiteral("option %1 needs a value").arg(opt));
        if (opt == QLatin1String("--db"))
            ctx.dbPath = words.takeFirst();
        else if (opt == QLatin1String("--config"))
            ctx.configPath = words.takeFirst();
        else
            return ctx.usage(QStringLiteral("unknown global option %1").arg(opt));
    }
    if (words.isEmpty())
        return ctx.usage(QStringLiteral("no command given"));
    if (!ctx.configPath.isEmpty()) {
        auto config = jobfirst::ClusterConfig::fromFile(ctx.configPath);
        if (!config)
            return ctx.fail(config.error().message);
        ctx.config = config.value();
    }
    auto store = jobfirst::Store::open(ctx.dbPath);
    if (!store)
        return ctx.fail(store.error().message);
    ctx.store = std::move(store).value();
    ctx.actor = QStringLiteral("jobfirstctl:") + QString::fromLocal8Bit(qEnvironmentVariable("USER", QStringLiteral("unknown")).toLocal8Bit());

    const QString command = words.takeFirst();
    const QSet<QString> flags = {QStringLiteral("json"), QStringLiteral("once"), QStringLiteral("repair"),
                                 QStringLiteral("until-empty"), QStringLiteral("pretty")};
    const Arguments args(words, flags);
    if (!args.error.isEmpty())
        return ctx.usage(args.error);
    if (command == QLatin1String("node"))
        return runNodeCommand(ctx, args);
    if (command == QLatin1String("health"))
        return runHealthCommand(ctx, args);
    if (command == QLatin1String("watch"))
        return runWatchCommand(ctx, args);
    if (command == QLatin1String("lb"))
        return runLbCommand(ctx, args);
    if (command == QLatin1String("status"))
        return runStatusCommand(ctx, args);
    if (command == QLatin1String("config") || command == QLatin1String("audit"))
        return runConfigCommand(ctx, Arguments(QStringList{command} + words, flags));
    if (command == QLatin1String("sync"))
        return runSyncCommand(ctx, args);
    if (command == QLatin1String("target"))
        return runTargetCommand(ctx, args);
    return ctx.usage(QStringLiteral("unknown command \"%1\"").arg(command));
}
