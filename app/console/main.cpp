// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-console: the desktop console. Wiring only: options, engine host, window, demo.
#include "consoleshell.h"
#include "core/secretfileaccess.h"
#include "core/unixsignalwatcher.h"
#include "democluster.h"
#include "host/configlocation.h"
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
    QByteArray token; ///< read from --token-file, before anything starts
};

int parseOptions(const QStringList &arguments, Options *o)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("JobFirst Cluster Console"));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("demo"),
         QStringLiteral("Start a local demo cluster (default when nothing else is remembered).")},
        {QStringLiteral("db"),
         QStringLiteral("The cluster store to open: a file, or postgresql://user@host:port/db for "
                        "a shared sync outbox (password from PGPASSFILE or ?passfile=FILE)."),
         QStringLiteral("file|url")},
        {QStringLiteral("local-db"),
         QStringLiteral("With --db postgresql://…: this console's file for its logs, SLO "
                        "history and import checkpoints."),
         QStringLiteral("file")},
        {QStringLiteral("config"),
         QStringLiteral("With --db: the cluster config file (watched for changes). A missing "
                        "file is an error."),
         QStringLiteral("file")},
        {QStringLiteral("create-config"),
         QStringLiteral("With --config: a missing file is made from the store's latest config "
                        "version, or with fresh random secrets for a store with none.")},
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
    QTextStream err(stderr);
    if (!parser.parse(arguments)) {
        err << "jobfirst-console: " << parser.errorText() << " (see --help)\n";
        return 2;
    }
    if (parser.isSet(help)) {
        QTextStream(stdout) << parser.helpText().replace(QStringLiteral("<executable_name>"), QStringLiteral("jobfirst-console"));
        return 0;
    }
    if (parser.isSet(version)) {
        QTextStream(stdout) << "jobfirst-console " << JOBFIRST_VERSION << "\n";
        return 0;
    }
    o->demo = parser.isSet(QStringLiteral("demo"));
    o->db = parser.value(QStringLiteral("db"));
    o->localDb = parser.value(QStringLiteral("local-db"));
    if (!o->db.isEmpty()) {
        EngineOptions check; // a malformed URL or a missing --local-db is said here, at once
        if (Status s = setStoreLocation(check, o->db, o->localDb); !s) {
            err << "jobfirst-console: " << s.error().message << "\n";
            return 2;
        }
    }
    o->config = parser.value(QStringLiteral("config"));
    o->createConfig = parser.isSet(QStringLiteral("create-config"));
    if (!o->config.isEmpty() && o->db.isEmpty()) {
        err << "jobfirst-console: --config FILE goes with --db (the store it configures)\n";
        return 2;
    }
    EngineOptions config; // a mistyped --config is said here, before anything is created
    config.configPath = o->config;
    config.createConfig = o->createConfig;
    if (Status s = checkConfigLocation(config); !s) {
        err << "jobfirst-console: --config " << s.error().message << "\n";
        return 2;
    }
    o->connect = parser.value(QStringLiteral("connect"));
    o->tokenFile = parser.value(QStringLiteral("token-file"));
    o->caFile = parser.value(QStringLiteral("ca-file"));
    o->screenshots = parser.value(QStringLiteral("screenshots"));
    o->startupReport = parser.isSet(QStringLiteral("startup-report"));
    o->language = parser.value(QStringLiteral("language"));
    if (parser.isSet(QStringLiteral("language")) && o->language != QLatin1String("en") && o->language != QLatin1String("zh_CN")) {
        err << "jobfirst-console: --language \"" << o->language << "\" is not a language of the console (en, zh_CN)\n";
        return 2;
    }
    if (parser.isSet(QStringLiteral("page"))) {
        bool ok = false;
        o->page = parser.value(QStringLiteral("page")).toInt(&ok);
        if (!ok || o->page < 0 || o->page > 8) {
            err << "jobfirst-console: --page \"" << parser.value(QStringLiteral("page"))
                << "\" is not a page (0-8)\n";
            return 2;
        }
    }
    if (parser.isSet(QStringLiteral("quit-after"))) {
        bool ok = false;
        o->quitAfter = parser.value(QStringLiteral("quit-after")).toDouble(&ok);
        if (!ok || o->quitAfter <= 0) {
            err << "jobfirst-console: --quit-after takes a number of seconds\n";
            return 2;
        }
    }
    if (!o->connect.isEmpty()) {
        if (auto url = RemoteEngineSession::parseServerUrl(o->connect); !url) {
            err << "jobfirst-console: --connect: " << url.error().message << "\n";
            return 2;
        }
        if (o->tokenFile.isEmpty()) {
            err << "jobfirst-console: --connect needs --token-file FILE (the token is never given on the command line)\n";
            return 2;
        }
        // Read here, so a wrong path is said even where no display can be opened.
        const auto token = RemoteEngineSession::readTokenFile(o->tokenFile);
        if (!token) {
            err << "jobfirst-console: " << token.error().message << "\n";
            return 2;
        }
        o->token = token.value();
        // Used, as ssh would not: whoever could read it may have it already. Said on stderr
        // here, and in the window by ConsoleShell::attachWithTokenFile().
        if (const QString open = readableByOthersWarning(o->tokenFile, QStringLiteral("token"));
            !open.isEmpty())
            err << "jobfirst-console: warning: " << open << "\n";
    }
    return -1;
}

} // namespace

int main(int argc, char *argv[])
{
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
    QApplication::setOrganizationName(QStringLiteral("JobFirst"));
    QApplication::setApplicationName(QStringLiteral("jobfirst-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("JobFirst Cluster Console"));
    QApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/jobfirst-console.svg")));
    // Over the style that -style or QT_STYLE_OVERRIDE chose; the application owns it.
    QApplication::setStyle(new ui::ConsoleStyle(QApplication::style()->name()));
    // SIGTERM and SIGINT quit on the GUI thread (the handler only writes to a socket pair:
    // quitting inside it deadlocked when it interrupted a thread holding a Qt or malloc lock).
    UnixSignalWatcher terminationSignals({SIGTERM, SIGINT});
    QObject::connect(&terminationSignals, &UnixSignalWatcher::received, &app, &QCoreApplication::quit);

    // A demo folder left by a killed console goes at the next start, whatever this one opens
    // (the demo start sweeps too); never the folder of the store it is asked to open.
    DemoCluster::removeStaleFoldersLater(
        !options.db.isEmpty() ? options.db
                              : QSettings().value(QStringLiteral("store/path")).toString());
    ConsoleShell shell;
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
    if (!options.screenshots.isEmpty()) {
        QDir().mkpath(options.screenshots);
        QTimer::singleShot(7000, &shell, [&shell, dir = options.screenshots] {
            if (shell.window())
                takeScreenshots(shell.window(), dir);
        });
    }
    if (options.quitAfter > 0)
        QTimer::singleShot(int(options.quitAfter * 1000), &app, &QCoreApplication::quit);
    const int code = QApplication::exec();
    shell.stop();
    return code;
}
