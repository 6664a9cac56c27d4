// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd: the engine as a system service. Health checks, balancing, delivery and config
// hot reload run headless; the admin API (and /metrics) is the only way in.
#include "adminapiserver.h"
#include "api/codec.h"
#include "api/localenginesession.h"
#include "core/cryptolifetime.h"
#include "core/jsonlog.h"
#include "core/portnumber.h"
#include "core/secretfileaccess.h"
#include "core/unixsignalwatcher.h"
#include "core/whenfinished.h"
#include "host/leaseoption.h"
#include "host/storelocation.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QSysInfo>
#include <QHostAddress>
#include <QJsonObject>

#include <csignal>
#include <cstdio>

using namespace jobfirst;

namespace {

template <typename T>
T waitFor(QFuture<T> future)
{
    while (!future.isFinished())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return future.result();
}

int fail(const QString &message)
{
    logJson(QStringLiteral("error"), QStringLiteral("daemon"), message);
    return 1;
}

/// "HOST:PORT" (or "[v6]:PORT"); the error names the value and what is wrong with it.
Result<std::pair<QHostAddress, quint16>> parseListen(const QString &text)
{
    const auto invalid = [&text](const QString &why) {
        return makeError(
            QStringLiteral("listen.invalid"),
            QStringLiteral("--listen \"%1\": %2 (e.g. 127.0.0.1:8700)").arg(text, why));
    };
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return invalid(QStringLiteral("not HOST:PORT"));
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    const QHostAddress address(host);
    if (address.isNull())
        return invalid(QStringLiteral("\"%1\" is not an IP address").arg(text.left(colon)));
    const auto port = parsePort(text.mid(colon + 1), 0); // 0: the system picks a free one
    if (!port)
        return invalid(port.error().message);
    return std::pair{address, port.value()};
}

/// The files holding the daemon's secrets should be readable by its user alone; one that its
/// group or other users can read is used, and said once at start (as ssh says of a key).
void warnOfOpenSecretFiles(const QString &configPath, const ClusterConfig &config)
{
    const QList<std::pair<QString, QString>> files = {
        {configPath, QStringLiteral("config (with the signing secrets)")},
        {config.apiTlsKey, QStringLiteral("api_tls_key")},
        {config.backupPassphraseFile, QStringLiteral("backup_passphrase_file")}};
    for (const auto &[path, what] : files)
        if (const QString open = path.isEmpty() ? QString() : readableByOthersWarning(path, what);
            !open.isEmpty())
            logJson(QStringLiteral("warning"), QStringLiteral("daemon"), open,
                    {{QStringLiteral("file"), path}});
}

void logEngineEvents(LocalEngineSession &engine)
{
    QObject::connect(&engine, &EngineSession::healthChanged, &engine, [](const HealthEvent &e) {
        logJson(e.to == HealthState::Up ? QStringLiteral("info") : QStringLiteral("warning"), QStringLiteral("health"),
                QStringLiteral("node %1 is %2").arg(e.nodeId, healthStateName(e.to)), codec::encode(e));
    });
    QObject::connect(&engine, &EngineSession::snapshot, &engine, [](const EngineSnapshot &s) {
        // One line when an incident begins and one when it ends, not one per repeat.
        for (const Alert &a : s.alerts) {
            if (a.resolved())
                logJson(QStringLiteral("info"), QStringLiteral("alert"),
                        QStringLiteral("resolved: %1 %2 (raised %3 times)")
                            .arg(a.kind, a.subject)
                            .arg(a.count),
                        codec::encode(a));
            else if (a.count == 1)
                logJson(a.severity == Alert::Severity::Critical ? QStringLiteral("error")
                                                                : QStringLiteral("warning"),
                        QStringLiteral("alert"), a.message, codec::encode(a));
        }
    });
    QObject::connect(&engine, &EngineSession::configApplied, &engine, [](int version, const QString &actor) {
        logJson(QStringLiteral("info"), QStringLiteral("config"), QStringLiteral("config version %1 applied").arg(version),
                {{QStringLiteral("version"), version}, {QStringLiteral("actor"), actor}});
    });
    QObject::connect(&engine, &EngineSession::configReloadFailed, &engine,
                     [](const QString &message, const QString &code) {
                         logJson(QStringLiteral("warning"), QStringLiteral("config"), message,
                                 {{QStringLiteral("code"), code}});
                     });
}

/// What the command line asks of the daemon, checked before anything starts.
struct DaemonOptions
{
    QString db, localDb, config;
    bool createConfig = false;
    std::pair<QHostAddress, quint16> listen;
    int refreshMs = 1000;
    qint64 leaseMs = DeliveryLease::DefaultTtlMs;
};

void addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral("The JobFirst cluster engine as a service, with its admin API."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("config"),
         QStringLiteral(
             "The cluster config file (watched; SIGHUP reloads it). A missing file is an error; "
             "one its group or other users can read is used with a warning in the log."),
         QStringLiteral("file")},
        {QStringLiteral("create-config"),
         QStringLiteral("With --config: a missing file is made, from the store's latest config "
                        "version (its secrets kept), or new with random secrets for a store "
                        "with none.")},
        {QStringLiteral("db"),
         QStringLiteral(
             "The cluster store: a file, or postgresql://user@host:port/db for a sync "
             "outbox shared by several daemons (password from PGPASSFILE or ?passfile=FILE)."),
         QStringLiteral("file|url")},
        {QStringLiteral("local-db"),
         QStringLiteral(
             "With --db postgresql://…: this daemon's file for its logs and import checkpoints "
             "(API tokens and the SLO's history are shared in PostgreSQL)."),
         QStringLiteral("file")},
        {QStringLiteral("listen"),
         QStringLiteral("Where the admin API listens (default 127.0.0.1:8700)."),
         QStringLiteral("host:port")},
        {QStringLiteral("refresh-ms"),
         QStringLiteral("How often snapshots go to connected consoles (default 1000)."),
         QStringLiteral("ms")},
        {QStringLiteral("lease"),
         QStringLiteral("How long this daemon's partition leases last after its last claim, 3 "
                        "to 300 (default 10): if it dies, the others take its share then."),
         QStringLiteral("seconds")},
    });
}

/// --db (required), --listen, --refresh-ms and --lease checked, in that order; the rest as
/// given.
Status readOptions(const QCommandLineParser &parser, DaemonOptions *o)
{
    if (!parser.isSet(QStringLiteral("db")))
        return makeError(QStringLiteral("options.db"),
                         QStringLiteral("--db FILE is required (the cluster store)"));
    const QString listenText = parser.value(QStringLiteral("listen"));
    const auto listen =
        parseListen(listenText.isEmpty() ? QStringLiteral("127.0.0.1:8700") : listenText);
    if (!listen)
        return listen.error();
    o->listen = listen.value();
    bool refreshOk = true;
    if (parser.isSet(QStringLiteral("refresh-ms")))
        o->refreshMs = parser.value(QStringLiteral("refresh-ms")).toInt(&refreshOk);
    if (!refreshOk || o->refreshMs < 100 || o->refreshMs > 60000)
        return makeError(QStringLiteral("options.refresh"),
                         QStringLiteral("--refresh-ms must be a whole number from 100 to 60000"));
    if (parser.isSet(QStringLiteral("lease"))) {
        EngineOptions lease;
        if (Status s = setLeaseOption(lease, parser.value(QStringLiteral("lease"))); !s)
            return s;
        o->leaseMs = lease.leaseMs;
    }
    o->db = parser.value(QStringLiteral("db"));
    o->localDb = parser.value(QStringLiteral("local-db"));
    o->config = parser.value(QStringLiteral("config"));
    o->createConfig = parser.isSet(QStringLiteral("create-config"));
    return {};
}

/// Opens the store of --db (and --local-db) and starts the engine on it with --config.
Status startEngine(LocalEngineSession &engine, const DaemonOptions &o, EngineOptions *options)
{
    if (Status s = setStoreLocation(*options, o.db, o.localDb); !s)
        return s;
    options->configPath = o.config;
    options->createConfig = o.createConfig;
    options->refreshMs = o.refreshMs;
    options->leaseMs = o.leaseMs;
    return waitFor(engine.start(*options));
}

/// Says in the log that --create-config wrote the missing config file, and from what.
void logMadeConfigFile(const LocalEngineSession &engine, const QString &configPath)
{
    const int version = engine.configMadeFromVersion();
    logJson(QStringLiteral("info"), QStringLiteral("config"),
            version > 0
                ? QStringLiteral("%1 was missing: written from the store's latest config "
                                 "version %2 (its secrets kept)")
                      .arg(configPath)
                      .arg(version)
                : QStringLiteral("%1 was missing: written with a new config and fresh secrets "
                                 "(the store had no config version)")
                      .arg(configPath),
            {{QStringLiteral("file"), configPath}, {QStringLiteral("version"), version}});
}

/// Logs at the config's level from here on, and says what start-up found of its files.
void adoptStartConfig(const LocalEngineSession &engine, const QString &configPath,
                      const ClusterConfig &config)
{
    installJsonLog(config.logLevel);
    warnOfOpenSecretFiles(configPath, config);
    if (engine.madeConfigFile())
        logMadeConfigFile(engine, configPath);
}

AdminApiOptions adminApiOptions(const DaemonOptions &o, const EngineOptions &engine,
                                const ClusterConfig &config)
{
    AdminApiOptions api;
    api.address = o.listen.first;
    api.port = o.listen.second;
    api.tlsCert = config.apiTlsCert;
    api.tlsKey = config.apiTlsKey;
    api.metricsPublic = config.metricsPublic;
    api.stateUrl = engine.outboxUrl;
    return api;
}

/// A config applied later changes whether /metrics is public at once; its TLS files only at
/// the next start, which the log says.
void followConfigChanges(LocalEngineSession &engine, AdminApiServer &api,
                         const AdminApiOptions &apiOptions)
{
    QObject::connect(&engine, &EngineSession::configApplied, &api, [&api, &engine, apiOptions] {
        whenFinished(engine.config(true), &api, [&api, apiOptions](const Result<ClusterConfig> &c) {
            if (!c)
                return;
            api.setMetricsPublic(c->metricsPublic);
            if (c->apiTlsCert != apiOptions.tlsCert || c->apiTlsKey != apiOptions.tlsKey)
                logJson(QStringLiteral("warning"), QStringLiteral("api"),
                        QStringLiteral("api_tls_cert/api_tls_key changed: the admin API keeps its TLS setup until jobfirstd restarts"));
        });
    });
}

/// The admin API's address as the other daemons sharing the store are shown it (the daemons
/// view): this machine's name where the API listens on every address.
QString adminUrl(const QHostAddress &address, quint16 port, bool tls)
{
    return QStringLiteral("%1://%2:%3")
        .arg(tls ? QStringLiteral("https") : QStringLiteral("http"),
             address.isEqual(QHostAddress::AnyIPv4) || address.isEqual(QHostAddress::Any)
                 ? QSysInfo::machineHostName()
                 : address.toString())
        .arg(port);
}

/// Says the daemon is up: in the log, to the other daemons, and on stdout.
void announceStart(LocalEngineSession &engine, const EngineOptions &options,
                   const AdminApiOptions &apiOptions, quint16 port)
{
    const QHostAddress &address = apiOptions.address;
    logJson(QStringLiteral("info"), QStringLiteral("daemon"), QStringLiteral("jobfirstd started"),
            {{QStringLiteral("store"), QFileInfo(options.dbPath).absoluteFilePath()},
             {QStringLiteral("outbox"),
              options.outboxUrl.isEmpty() ? QStringLiteral("in the store") : options.outboxUrl},
             {QStringLiteral("config"), options.configPath},
             {QStringLiteral("listen"), QStringLiteral("%1:%2").arg(address.toString()).arg(port)},
             {QStringLiteral("tls"), !apiOptions.tlsCert.isEmpty()},
             {QStringLiteral("lease_seconds"), options.leaseMs / 1000},
             {QStringLiteral("version"), QStringLiteral(JOBFIRST_VERSION)}});
    engine.setAdminUrl(adminUrl(address, port, !apiOptions.tlsCert.isEmpty()));
    // Tests and scripts started with port 0 learn the port from this line on stdout.
    std::printf("listening %s:%u\n", qPrintable(address.toString()), unsigned(port));
    std::fflush(stdout);
}

/// SIGHUP reads the config file again; SIGTERM and SIGINT stop the daemon.
void handleSignals(const UnixSignalWatcher &watcher, LocalEngineSession &engine)
{
    QObject::connect(&watcher, &UnixSignalWatcher::received, qApp, [&engine](int signal) {
        if (signal == SIGHUP) {
            logJson(QStringLiteral("info"), QStringLiteral("daemon"), QStringLiteral("SIGHUP: reading the config file again"));
            engine.reloadConfig();
            return;
        }
        logJson(QStringLiteral("info"), QStringLiteral("daemon"), QStringLiteral("stopping (signal %1)").arg(signal));
        QCoreApplication::quit();
    });
}

} // namespace

int main(int argc, char *argv[])
{
    jobfirst::keepCryptoUntilExit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("jobfirstd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QCommandLineParser parser;
    addOptions(parser);
    parser.process(app);
    installJsonLog(QStringLiteral("info"));
    DaemonOptions daemon;
    if (Status s = readOptions(parser, &daemon); !s)
        return fail(s.error().message);

    UnixSignalWatcher unixSignals({SIGTERM, SIGINT, SIGHUP});
    std::signal(SIGPIPE, SIG_IGN);
    LocalEngineSession engine(QStringLiteral("jobfirstd"));
    logEngineEvents(engine);
    EngineOptions options;
    if (Status s = startEngine(engine, daemon, &options); !s)
        return fail(s.error().message);
    const auto config = waitFor(engine.config(true));
    if (!config)
        return fail(config.error().message);
    adoptStartConfig(engine, options.configPath, config.value());

    AdminApiServer api(&engine, options.dbPath);
    const AdminApiOptions apiOptions = adminApiOptions(daemon, options, config.value());
    if (Status s = api.start(apiOptions); !s) {
        engine.stop();
        return fail(s.error().message);
    }
    followConfigChanges(engine, api, apiOptions);
    announceStart(engine, options, apiOptions, api.port());
    handleSignals(unixSignals, engine);
    const int code = QCoreApplication::exec();
    // In-flight deliveries settle and the delivery lease is released before the store closes.
    engine.stop();
    logJson(QStringLiteral("info"), QStringLiteral("daemon"), QStringLiteral("jobfirstd stopped"));
    return code;
}
