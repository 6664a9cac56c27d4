// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-console: the desktop console. Wiring only: options, engine host, window, demo.
#include "consolelanguage.h"
#include "consoleshell.h"
#include "core/bulkwork.h"
#include "core/cryptolifetime.h"
#include "core/secretfileaccess.h"
#include "core/unixsignalwatcher.h"
#include "democluster.h"
#include "host/configlocation.h"
#include "host/leaseoption.h"
#include "host/storelocation.h"
#include "mainwindow.h"
#include "pages/balancingpage.h"
#include "pages/nodespage.h"
#include "remote/remoteenginesession.h"
#include "widgets/consolestyle.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QCommandLineParser>
#include <QDir>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/stat.h>

using namespace jobfirst;

namespace {

// Renders each page of the running console to DIR/NN-page.png, then quits.
void takeScreenshots(ui::MainWindow *window, const QString &dir, int index = 0)
{
    if (index >= window->pageCount()) {
        QApplication::quit();
        return;
    }
    window->showPage(index);
    QTimer::singleShot(1500, window, [window, dir, index] {
        static const QStringList names = {QStringLiteral("overview"),      QStringLiteral("nodes"),
                                          QStringLiteral("balancing"),     QStringLiteral("sync"),
                                          QStringLiteral("configuration"), QStringLiteral("audit"),
                                          QStringLiteral("logs"),          QStringLiteral("alerts"),
                                          QStringLiteral("daemons")};
        if (index == 2)
            window->balancing()->runSimulation();
        const QString file = QStringLiteral("%1/%2-%3.png").arg(dir).arg(index + 1, 2, 10, QLatin1Char('0')).arg(names.value(index));
        QTimer::singleShot(index == 2 ? 2500 : 0, window, [window, dir, index, file] {
            window->grab().save(file);
            takeScreenshots(window, dir, index + 1);
        });
    });
}

/// Prints "painted" on the window's first paint and "nodes N" once a snapshot's nodes are in
/// the node table, each with the milliseconds since main() began; quits after the second.
void reportStartup(ui::MainWindow *window)
{
    static QElapsedTimer clock;
    clock.start();
    struct FirstPaint final : QObject
    {
        bool eventFilter(QObject *watched, QEvent *event) override
        {
            if (event->type() == QEvent::Paint) {
                // Runs before the paint; report once the event loop is back, i.e. after it.
                QTimer::singleShot(0, [] { std::printf("painted %lld\n", clock.elapsed()); std::fflush(stdout); });
                watched->removeEventFilter(this);
            }
            return false;
        }
    };
    window->installEventFilter(new FirstPaint);
    QObject::connect(window, &ui::MainWindow::snapshotApplied, window, [window] {
        const int rows = window->nodes()->model()->rowCount();
        if (rows == 0)
            return;
        std::printf("nodes %d %lld\n", rows, clock.elapsed());
        std::fflush(stdout);
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    });
}

/// What the command line asks for. Parsed before the QApplication exists, so --help and
/// --version work without a display, and a bad value is refused before anything starts.
struct Options
{
    bool demo = false;
    QString db, localDb, config, language, screenshots, connect, tokenFile, caFile;
    int page = -1;
    double quitAfter = 0;
    bool startupReport = false;
    bool createConfig = false;
    qint64 leaseMs = DeliveryLease::DefaultTtlMs; ///< --lease, for a store it delivers from
    QByteArray token; ///< read from --token-file, before anything starts
};

void addOptions(QCommandLineParser &parser)
{
    parser.setApplicationDescription(QStringLiteral("JobFirst Cluster Console"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("demo"),
         QStringLiteral("Start a local demo cluster (default when nothing else is remembered).")},
        {QStringLiteral("db"),
         QStringLiteral("The cluster store to open: a file, or postgresql://user@host:port/db for "
                        "a shared sync outbox (password from PGPASSFILE or ?passfile=FILE)."),
         QStringLiteral("file|url")},
        {QStringLiteral("local-db"),
         QStringLiteral("With --db postgresql://…: this console's file for its logs and "
                        "import checkpoints (API tokens and the SLO's history are shared in "
                        "PostgreSQL)."),
         QStringLiteral("file")},
        {QStringLiteral("config"),
         QStringLiteral("With --db: the cluster config file (watched for changes). A missing "
                        "file is an error."),
         QStringLiteral("file")},
        {QStringLiteral("create-config"),
         QStringLiteral("With --config: a missing file is made from the store's latest config "
                        "version, or with fresh random secrets for a store with none.")},
        {QStringLiteral("lease"),
         QStringLiteral("With --db: how long this console's delivery leases last after its "
                        "last claim, 3 to 300 (default 10)."),
         QStringLiteral("seconds")},
        {QStringLiteral("connect"),
         QStringLiteral("Attach to a jobfirstd, e.g. http://127.0.0.1:8700."),
         QStringLiteral("url")},
        {QStringLiteral("token-file"),
         QStringLiteral("The API token for --connect. A file others can read is used with a "
                        "warning (chmod 600 FILE)."),
         QStringLiteral("file")},
        {QStringLiteral("ca-file"),
         QStringLiteral("CA certificates (PEM) to trust for an https --connect."),
         QStringLiteral("file")},
        {QStringLiteral("language"), QStringLiteral("en or zh_CN (default: the system language)."),
         QStringLiteral("code")},
        {QStringLiteral("page"), QStringLiteral("Open on this page (0-8)."), QStringLiteral("n")},
        {QStringLiteral("screenshots"),
         QStringLiteral("Render every page to PNG files in DIR, then quit."),
         QStringLiteral("dir")},
        {QStringLiteral("quit-after"), QStringLiteral("Quit after SECONDS (smoke tests)."),
         QStringLiteral("seconds")},
        {QStringLiteral("startup-report"),
         QStringLiteral("Print when the window first paints and when the first engine snapshot "
                        "with nodes is drawn, then quit (bench).")},
    });
}

/// --demo, --db, --local-db, --lease, --config and --create-config; a malformed store URL, a
/// bad --lease, a missing --local-db or a mistyped --config is said here, before anything is
/// created.
QString readStoreOptions(const QCommandLineParser &parser, Options *o)
{
    o->demo = parser.isSet(QStringLiteral("demo"));
    o->db = parser.value(QStringLiteral("db"));
    o->localDb = parser.value(QStringLiteral("local-db"));
    if (!o->db.isEmpty()) {
        EngineOptions check;
        if (Status s = setStoreLocation(check, o->db, o->localDb); !s)
            return s.error().message;
    }
    if (parser.isSet(QStringLiteral("lease"))) {
        EngineOptions lease;
        if (Status s = setLeaseOption(lease, parser.value(QStringLiteral("lease"))); !s)
            return s.error().message;
        o->leaseMs = lease.leaseMs;
    }
    o->config = parser.value(QStringLiteral("config"));
    o->createConfig = parser.isSet(QStringLiteral("create-config"));
    if (!o->config.isEmpty() && o->db.isEmpty())
        return QStringLiteral("--config FILE goes with --db (the store it configures)");
    EngineOptions config;
    config.configPath = o->config;
    config.createConfig = o->createConfig;
    if (Status s = checkConfigLocation(config); !s)
        return QStringLiteral("--config ") + s.error().message;
    return {};
}

/// --language, --page, --quit-after, --screenshots and --startup-report: how the window opens.
QString readWindowOptions(const QCommandLineParser &parser, Options *o)
{
    o->screenshots = parser.value(QStringLiteral("screenshots"));
    o->startupReport = parser.isSet(QStringLiteral("startup-report"));
    o->language = parser.value(QStringLiteral("language"));
    if (parser.isSet(QStringLiteral("language")) && o->language != QLatin1String("en") &&
        o->language != QLatin1String("zh_CN"))
        return QStringLiteral("--language \"%1\" is not a language of the console (en, zh_CN)")
            .arg(o->language);
    if (parser.isSet(QStringLiteral("page"))) {
        bool ok = false;
        o->page = parser.value(QStringLiteral("page")).toInt(&ok);
        if (!ok || o->page < 0 || o->page > 8)
            return QStringLiteral("--page \"%1\" is not a page (0-8)")
                .arg(parser.value(QStringLiteral("page")));
    }
    if (parser.isSet(QStringLiteral("quit-after"))) {
        bool ok = false;
        o->quitAfter = parser.value(QStringLiteral("quit-after")).toDouble(&ok);
        if (!ok || o->quitAfter <= 0)
            return QStringLiteral("--quit-after takes a number of seconds");
    }
    return {};
}

/// --connect, --token-file and --ca-file. The token is read here, so that a wrong path is said
/// even where no display can be opened.
QString readConnectOptions(const QCommandLineParser &parser, Options *o)
{
    o->connect = parser.value(QStringLiteral("connect"));
    o->tokenFile = parser.value(QStringLiteral("token-file"));
    o->caFile = parser.value(QStringLiteral("ca-file"));
    if (o->connect.isEmpty())
        return {};
    if (auto url = RemoteEngineSession::parseServerUrl(o->connect); !url)
        return QStringLiteral("--connect: ") + url.error().message;
    if (o->tokenFile.isEmpty())
        return QStringLiteral("--connect needs --token-file FILE (the token is never given on "
                              "the command line)");
    const auto token = RemoteEngineSession::readTokenFile(o->tokenFile);
    if (!token)
        return token.error().message;
    o->token = token.value();
    // Used, as ssh would not: whoever could read it may have it already. Said on stderr
    // here, and in the window by ConsoleShell::attachWithTokenFile().
    if (const QString open = readableByOthersWarning(o->tokenFile, QStringLiteral("token"));
        !open.isEmpty())
        QTextStream(stderr) << "jobfirst-console: warning: " << open << "\n";
    return {};
}

/// Says on stderr what is wrong with the command line; answers the exit code for it.
int refuse(const QString &problem)
{
    QTextStream(stderr) << "jobfirst-console: " << problem << "\n";
    return 2;
}

/// Reads the command line into `o`: -1 to go on, else the exit code (0 after --help or
/// --version, 2 for a bad option, said on stderr).
int parseOptions(const QStringList &arguments, Options *o)
{
    QCommandLineParser parser;
    addOptions(parser);
    if (!parser.parse(arguments))
        return refuse(parser.errorText() + QStringLiteral(" (see --help)"));
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText().replace(QStringLiteral("<executable_name>"),
                                                         QStringLiteral("jobfirst-console"));
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        QTextStream(stdout) << "jobfirst-console " << JOBFIRST_VERSION << "\n";
        return 0;
    }
    for (const auto read : {readStoreOptions, readWindowOptions, readConnectOptions})
        if (const QString problem = read(parser, o); !problem.isEmpty())
            return refuse(problem);
    return -1;
}

/// The application's names, icon and style, once the QApplication exists.
void describeApplication()
{
    QApplication::setOrganizationName(QStringLiteral("JobFirst"));
    QApplication::setApplicationName(QStringLiteral("jobfirst-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("JobFirst Cluster Console"));
    QApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/jobfirst-console.svg")));
    // Over the style that -style or QT_STYLE_OVERRIDE chose; the application owns it.
    QApplication::setStyle(new ui::ConsoleStyle(QApplication::style()->name()));
}

/// What every window the shell opens is set up with: --language, --page, the screenshots'
/// size, and --startup-report's timings.
void setUpWindows(ConsoleShell &shell, const Options &options)
{
    shell.setWindowSetup([&options](ui::MainWindow *window) {
        if (!options.language.isEmpty())
            window->switchLanguage(options.language);
        if (options.page >= 0)
            window->showPage(options.page);
        if (!options.screenshots.isEmpty())
            window->resize(1400, 900);
    });
    if (options.startupReport)
        QObject::connect(&shell, &ConsoleShell::windowChanged, &shell,
                         [](ui::MainWindow *w) { reportStartup(w); });
}

/// The engine the command line names: a jobfirstd, the demo, a store, or the one remembered.
void openEngine(ConsoleShell &shell, const Options &options)
{
    shell.setLeaseMs(options.leaseMs);
    if (!options.connect.isEmpty()) {
        shell.attachWithTokenFile(RemoteEngineSession::parseServerUrl(options.connect).value(),
                                  options.tokenFile, options.token, options.caFile);
    } else if (options.demo) {
        shell.startDemo();
    } else if (!options.db.isEmpty()) {
        shell.openStore(options.db, options.config, options.localDb, options.createConfig);
    } else {
        shell.startRemembered();
    }
}

/// --screenshots and --quit-after: the console quits by itself.
void scheduleQuitting(ConsoleShell &shell, const Options &options)
{
    if (!options.screenshots.isEmpty()) {
        QDir().mkpath(options.screenshots);
        QTimer::singleShot(7000, &shell, [&shell, dir = options.screenshots] {
            if (shell.window())
                takeScreenshots(shell.window(), dir);
            else // nothing opened (said on stderr): nothing to render, and nobody to ask
                QCoreApplication::exit(1);
        });
    }
    if (options.quitAfter > 0)
        QTimer::singleShot(int(options.quitAfter * 1000), qApp, &QCoreApplication::quit);
}

} // namespace

int main(int argc, char *argv[])
{
    jobfirst::keepCryptoUntilExit();
    // Files the console creates (stores, configs, remembered tokens) are for this user only.
    ::umask(077);
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    Options options;
    QCoreApplication::setApplicationName(QStringLiteral("jobfirst-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    if (const int code = parseOptions(arguments, &options); code >= 0)
        return code;

    QApplication app(argc, argv);
    describeApplication();
    // Before the engine is opened: a store or config that cannot be used is said, in a dialog
    // before any window, in the language the window would speak (--language, else the one
    // chosen last).
    ui::ConsoleLanguage::install(options.language.isEmpty()
                                     ? QSettings().value(QStringLiteral("language")).toString()
                                     : options.language);
    // The embedded engine's bulk work gives way to this window on a busy machine (issue 12).
    setBulkWorkNiceness(ConsoleBulkWorkNiceness);
    // SIGTERM and SIGINT quit on the GUI thread (the handler only writes to a socket pair:
    // quitting inside it deadlocked when it interrupted a thread holding a Qt or malloc lock).
    UnixSignalWatcher terminationSignals({SIGTERM, SIGINT});
    QObject::connect(&terminationSignals, &UnixSignalWatcher::received, &app,
                     &QCoreApplication::quit);

    // A demo folder left by a killed console goes at the next start, whatever this one opens
    // (the demo start sweeps too); never the folder of the store it is asked to open, nor,
    // once its store was opened with --db, that folder ever after (walk28: the operator's
    // work in a recovered demo store was deleted by the next demo's start).
    DemoCluster::removeStaleFoldersLater(
        !options.db.isEmpty() ? options.db
                              : QSettings().value(QStringLiteral("store/path")).toString(),
        options.db);
    ConsoleShell shell;
    setUpWindows(shell, options);
    openEngine(shell, options);
    scheduleQuitting(shell, options);
    const int code = QApplication::exec();
    shell.stop();
    return code;
}
