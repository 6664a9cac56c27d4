// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl: the command line on the JobFirst engine, local or remote. Text for people
// (JSON with --json) or JSON, errors on stderr. Every command goes through the engine
// session, never the store directly.
#include "api/localenginesession.h"
#include "commandtable.h"
#include "core/cryptolifetime.h"
#include "core/localuser.h"
#include "core/secretfileaccess.h"
#include "ctlcontext.h"
#include "host/leaseoption.h"
#include "host/storelocation.h"
#include "remote/remoteenginesession.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

using namespace jobfirst;

namespace {

const char *const Help = R"(jobfirstctl - JobFirst cluster and sync from the command line

Usage: jobfirstctl [--db FILE|URL [--local-db FILE]] [--config FILE [--create-config]] COMMAND ...
       jobfirstctl --server URL --token-file FILE [--ca-file PEM] COMMAND ...

status, audit, node list, node history, health, lb pick, lb simulate, config versions,
daemons, logs, slo, token list, sync status and sync stats print text for people (JSON with
--json); the other commands print JSON. Every command refuses an option it does not know,
with or without a value after it, a missing argument or option value, a value not of its
option's kind (a number out of range, a word not among those it takes, a malformed time,
duration, URL or JSON, a file it reads that cannot be read) and an unknown command (exit 2):
before any store is opened or made, or a daemon contacted. A FILE argument that is missing,
unreadable or a directory is refused the same way (a backup FILE only without --server: with
it, the file is on the engine's machine). Every flag also takes =true or =false
(--json=false prints text); any other value is refused.

Global options:
  --db FILE          the cluster store (default: $JOBFIRST_DB or ~/.local/share/jobfirst/cluster.db)
  --db URL           postgresql://user@host:port/db: outbox, nodes, config and audit shared by daemons
                     (password from PGPASSFILE or ?passfile=FILE, never the URL)
  --local-db FILE    with --db URL: the file for logs and import checkpoints
  --config FILE      the cluster config, JSON (default: $JOBFIRST_CONFIG; else the store's latest version);
                     a missing file is an error
  --create-config    with --config: a missing file is made from the store's latest config version,
                     or with fresh random secrets for a store with none
  --server URL       run the command on a jobfirstd (default: $JOBFIRST_SERVER), e.g. http://127.0.0.1:8700;
                     --db, --local-db, --config and --create-config are refused with it (exit 2): that
                     engine has its own store and config (config show, config apply FILE); their
                     $JOBFIRST_DB and $JOBFIRST_CONFIG defaults are not used
  --token-file FILE  the API token for --server (default: $JOBFIRST_TOKEN_FILE); a file that its group or
                     other users can read is used with a warning on stderr (chmod 600 FILE)
  --ca-file PEM      CA certificates to trust for an https --server

Cluster:
  node add --id ID --url URL [--weight W] [--health-path P] [--tags a,b] [TLS]
  node edit ID [--url URL] [--weight W] [--health-path P] [--tags a,b] [TLS]
      TLS: [--ca-file PEM] [--client-cert PEM --client-key PEM] [--token-file FILE]
           [--tls-insecure | --tls-insecure=false]  (paths on the engine's machine)
  node remove ID
  node list [--json]
  node weight ID W
  node drain|maint|ready ID
  node history ID [--limit N] [--json]
  health --once [--json]                 one check of every node, printed
  watch [--seconds S]                    print each health state change as a JSON line
  lb pick [--strategy S] [--count N] [--client-ip IP] [--json]
  lb simulate [--strategy S|all] [--requests N] [--rate R] [--seed X] [--capacity C]
              [--latency MS] [--queue-limit Q] [--what-if FILE] [--json]
  status [--json]                        cluster stats in words (JSON with --json); request counts
                                         are the routing engine's: not known here with --db
  config check FILE | config show [--reveal-secrets] | config versions [--json]
      check reads FILE alone (no store opened or made) unless --db or --server is given;
      it warns on stderr of deliveries that would go out unsigned (an empty secret)
  config apply FILE | config diff [--from V] [--to V] | config rollback VERSION
      diff: V 0 is the running config (the default); "no differences" when they are the same
  audit [--limit N] [--filter TEXT] [--json]   one line a row, newest first (JSON with --json)
  audit verify [--json]          walks the hash chain; exit 3 naming the first bad row
  backup create FILE             online encrypted copy (AES-256-GCM, scrypt), on the engine's machine
  backup verify FILE             checks a backup file (nothing written)
  backup restore FILE --to NEW_STORE [--replace]   never onto a store an engine holds
      verify and restore read FILE here; with --server, on the engine's machine (no --replace)
      backups take the passphrase from --passphrase-file F or $JOBFIRST_BACKUP_PASSPHRASE
  store copy --to URL [--json]           moves the --db FILE store into an empty PostgreSQL
                                         (outbox, nodes, health, config, audit), verified
  slo [--json]                           the plan's success metrics, each against its target
  logs [--follow] [--node ID] [--target NAME] [--since ISO] [--until ISO] [--level L] [--text T]
       [--limit N] [--json]            engine, health, delivery and audit lines (JSON Lines with --json)

API tokens (the admin API of jobfirstd; the token is printed once):
  token create --name NAME --role viewer|operator|admin|node [--node ID]
  token list [--json]                    name, role, node, when made and by whom (never a token)
  token revoke NAME

Sync targets (set, add and remove change the config: the --config file, or the server's):
  target list
  target set NAME [--url U] [--events a,b] [--timeout D] [--retries N] [--retry-interval D]
                  [--batch-size N] [--rate-limit R] [--secret-file F] [TLS, as for node add]
  target add NAME --url U --events a,b [options of set]
  target remove NAME
  target pause|resume|enable|disable NAME   kept in the store, audited

Sync:
  sync send --type T --user U [--data JSON] [--target NAME] [--mode real-time|near-real-time]
  sync batch FILE [--target NAME]        JSON Lines of events
  sync import FILE [--batch N]           bulk migration of users (JSON Lines or CSV), resumable
  sync status [--target NAME] [--json]   a line a target: state, circuit, backlog, counts
  sync stats [--json]                    deliveries counted, latency, rates, then the targets
  sync dlq list [--target NAME] [--limit N] | sync retry ID | sync discard ID
  sync replay [--target NAME] [--since ISO] [--until ISO]
  sync check [--target NAME] [--repair]
  sync run [--until-empty] [--seconds S] [--lease S]
                                         deliver from the local store until interrupted;
                                         --lease: its claims last S seconds (3-300, default 10)
  daemons [--json]                       the engines working on the store: state (live, late,
                                         gone), heartbeat age, delivery rate, partitions held
                                         (* marks the one asked)
  daemons forget ID                      remove a gone daemon's row (admin; refused until it
                                         is late and its partition leases have lapsed)

Strategies: round-robin, least-connections, weighted-round-robin, ip-hash, power-of-two
)";

/// The store named by $JOBFIRST_DB; empty when not set (then the default below).
QString dbFromEnvironment()
{
    return qEnvironmentVariable("JOBFIRST_DB");
}

/// ~/.local/share/jobfirst/cluster.db: made (with its folder) only by a command that opens it.
QString defaultDb()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/jobfirst/cluster.db");
}

struct Globals
{
    QString db = dbFromEnvironment(); ///< empty: no store named (--db or $JOBFIRST_DB)
    QString config = qEnvironmentVariable("JOBFIRST_CONFIG");
    QString server = qEnvironmentVariable("JOBFIRST_SERVER");
    QString tokenFile = qEnvironmentVariable("JOBFIRST_TOKEN_FILE");
    QString caFile;
    QString localDb;
    bool createConfig = false;
    QStringList localOnly;    ///< given on the command line, and meaningful only without --server
    bool serverGiven = false; ///< --server on the command line (else from $JOBFIRST_SERVER)
};

/// Global options come before the command word; the error names the option.
QString takeGlobals(QStringList &words, Globals &g)
{
    while (!words.isEmpty() && words.first().startsWith(QLatin1String("--"))) {
        const QString opt = words.takeFirst();
        if (opt == QLatin1String("--create-config")) {
            g.createConfig = true;
            g.localOnly << opt;
            continue;
        }
        if (words.isEmpty())
            return QStringLiteral("option %1 needs a value").arg(opt);
        const QString value = words.takeFirst();
        if (opt == QLatin1String("--db") || opt == QLatin1String("--config") ||
            opt == QLatin1String("--local-db"))
            g.localOnly << opt;
        if (opt == QLatin1String("--db"))
            g.db = value;
        else if (opt == QLatin1String("--config"))
            g.config = value;
        else if (opt == QLatin1String("--server")) {
            g.server = value;
            g.serverGiven = true;
        } else if (opt == QLatin1String("--token-file"))
            g.tokenFile = value;
        else if (opt == QLatin1String("--ca-file"))
            g.caFile = value;
        else if (opt == QLatin1String("--local-db"))
            g.localDb = value;
        else
            return QStringLiteral("unknown global option %1").arg(opt);
    }
    return {};
}

/// The local engine runs only the loops the command needs: `watch` checks health, `sync run`
/// also delivers; every other command only reads and writes the store.
EngineOptions localOptions(const Globals &g, const QString &command, const QString &sub)
{
    EngineOptions o;
    o.dbPath = g.db;
    o.configPath = g.config;
    o.createConfig = g.createConfig;
    o.watchConfig = false;
    o.recordStartConfig = false;
    o.refreshMs = 0;
    o.countsRequests = false; // the running console or jobfirstd counts them, not this process
    const bool run = command == QLatin1String("sync") && sub == QLatin1String("run");
    o.deliver = run;
    o.healthChecks = run || command == QLatin1String("watch");
    if (run)
        o.refreshMs = 100;
    return o;
}

int dispatch(CtlContext &ctx, const QString &command, const Arguments &args)
{
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
    if (command == QLatin1String("config"))
        return runConfigCommand(ctx, args);
    if (command == QLatin1String("audit"))
        return runAuditCommand(ctx, args);
    if (command == QLatin1String("token"))
        return runTokenCommand(ctx, args);
    if (command == QLatin1String("sync"))
        return runSyncCommand(ctx, args);
    if (command == QLatin1String("target"))
        return runTargetCommand(ctx, args);
    if (command == QLatin1String("daemons"))
        return runDaemonsCommand(ctx, args);
    if (command == QLatin1String("logs"))
        return runLogsCommand(ctx, args);
    if (command == QLatin1String("backup"))
        return runBackupCommand(ctx, args);
    if (command == QLatin1String("slo"))
        return runSloCommand(ctx, args);
    return ctx.usage(QStringLiteral("unknown command \"%1\"").arg(command));
}

int runRemote(CtlContext &ctx, const Globals &g, const QString &command, const Arguments &args)
{
    if (g.tokenFile.isEmpty())
        return ctx.usage(QStringLiteral("--server needs --token-file FILE (or $JOBFIRST_TOKEN_FILE)"));
    const auto url = RemoteEngineSession::parseServerUrl(g.server);
    if (!url)
        return ctx.usage(url.error().message);
    const auto token = RemoteEngineSession::readTokenFile(g.tokenFile);
    if (!token)
        return ctx.fail(token.error().message);
    if (const QString open = readableByOthersWarning(g.tokenFile, QStringLiteral("token"));
        !open.isEmpty())
        ctx.err << "jobfirstctl: warning: " << open << Qt::endl;
    RemoteEngineSession session(RemoteOptions{url.value(), token.value(), g.caFile});
    if (Status s = CtlContext::wait(session.connectToEngine(command == QLatin1String("watch"))); !s)
        return ctx.fail(s.error().message);
    ctx.session = &session;
    ctx.remote = true;
    return dispatch(ctx, command, args);
}

/// A usage error of where the command is to run: what a jobfirstd (--server) does not do, or
/// an edit of the config file with none given. Empty when there is none.
QString placeError(const Globals &g, const QString &command, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    const bool remote = !g.server.isEmpty();
    if (remote && command == QLatin1String("sync") && sub == QLatin1String("run"))
        return QStringLiteral("sync run delivers from a local store; a jobfirstd already "
                              "delivers from its own");
    if (remote && command == QLatin1String("backup") && args.isOn(QStringLiteral("replace")))
        return QStringLiteral("backup restore through --server never replaces a store: not "
                              "--replace");
    const bool editsConfig = command == QLatin1String("target") &&
                             (sub == QLatin1String("set") || sub == QLatin1String("add") ||
                              sub == QLatin1String("remove"));
    if (!remote && editsConfig && g.config.isEmpty())
        return QStringLiteral("target %1 edits the config file: give --config FILE (or set "
                              "JOBFIRST_CONFIG)")
            .arg(sub);
    return {};
}

/// `sync run --lease SECONDS`: how long its claims last, read before the engine opens.
Status readLease(EngineOptions &options, const Arguments &args)
{
    const QString lease = QStringLiteral("lease");
    return args.has(lease) ? setLeaseOption(options, args.value(lease)) : Status{};
}

int runLocal(CtlContext &ctx, Globals g, const QString &command, const Arguments &args)
{
    if (g.db.isEmpty()) {
        g.db = defaultDb();
        QDir().mkpath(QFileInfo(g.db).absolutePath());
    }
    EngineOptions options = localOptions(g, command, args.positional.value(0));
    if (Status s = setStoreLocation(options, g.db, g.localDb); !s)
        return ctx.usage(s.error().message);
    if (Status s = readLease(options, args); options.deliver && !s)
        return ctx.usage(s.error().message);
    LocalEngineSession session(QStringLiteral("jobfirstctl:") + localUserName());
    if (Status s = CtlContext::wait(session.start(options)); !s)
        return ctx.fail(s.error().message);
    ctx.session = &session;
    ctx.configPath = g.config;
    const int code = dispatch(ctx, command, args);
    session.stop();
    return code;
}

} // namespace

int main(int argc, char *argv[])
{
    jobfirst::keepCryptoUntilExit();
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
    Globals g;
    if (const QString error = takeGlobals(words, g); !error.isEmpty())
        return ctx.usage(error);
    // A local option with --server was ignored without a word (a --config edited by hand was
    // never applied to the engine): refused, naming it.
    if (!g.server.isEmpty() && !g.localOnly.isEmpty())
        return ctx.usage(QStringLiteral("%1 is for a local store and does not go with --server%2: "
                                        "that engine has its own store and config (config show, "
                                        "config apply FILE)")
                             .arg(g.localOnly.first(),
                                  g.serverGiven ? QString()
                                                : QStringLiteral(" ($JOBFIRST_SERVER is set; "
                                                                 "--server \"\" works locally)")));
    if (words.isEmpty())
        return ctx.usage(QStringLiteral("no command given"));
    const QString command = words.takeFirst();
    // A usage error changes nothing: it is found here, before a store is opened (and so
    // made, with its tables) or a daemon contacted.
    const Arguments args(words, CommandTable::flags());
    if (const QString error = CommandTable::usageError(command, args, !g.server.isEmpty());
        !error.isEmpty())
        return ctx.usage(error);
    if (const QString error = placeError(g, command, args); !error.isEmpty())
        return ctx.usage(error);
    const QString sub = args.positional.value(0);
    // Without --server, verify and restore need no engine: they read the file here. With it,
    // they run on the engine's machine through its admin API (admin tokens only).
    if (command == QLatin1String("backup") && g.server.isEmpty() &&
        (sub == QLatin1String("verify") || sub == QLatin1String("restore")))
        return runOfflineBackupCommand(ctx, args);
    // store copy reads the file itself, with no engine on it.
    if (command == QLatin1String("store"))
        return runStoreCommand(ctx, g.db.isEmpty() ? defaultDb() : g.db, !g.server.isEmpty(), args);
    // A check changes nothing: with no store named it reads the file alone and opens (and so
    // creates) no store. With --db it is also checked against that store (its node count,
    // masked secrets); with --server, against that engine.
    if (command == QLatin1String("config") && sub == QLatin1String("check") && g.server.isEmpty() &&
        g.db.isEmpty())
        return runOfflineConfigCheck(ctx, args);
    return g.server.isEmpty() ? runLocal(ctx, g, command, args) : runRemote(ctx, g, command, args);
}
