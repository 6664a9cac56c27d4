// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-console: the desktop console. Wiring only: options, engine host, window, demo.
#include "democluster.h"
#include "api/localenginesession.h"
#include "core/localuser.h"
#include "mainwindow.h"
#include "pages/balancingpage.h"
#include "pages/nodespage.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QCommandLineParser>
#include <QDir>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <cstdio>

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
        static const QStringList names = {QStringLiteral("overview"), QStringLiteral("nodes"), QStringLiteral("balancing"),
                                          QStringLiteral("sync"), QStringLiteral("configuration"), QStringLiteral("audit")};
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

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("JobFirst"));
    QApplication::setApplicationName(QStringLiteral("jobfirst-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("JobFirst Cluster Console"));
    QApplication::setApplicationVersion(QStringLiteral(JOBFIRST_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/jobfirst-console.svg")));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("JobFirst Cluster Console"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("demo"), QStringLiteral("Start a local demo cluster (default when no store is configured).")},
        {QStringLiteral("db"), QStringLiteral("The cluster store to open."), QStringLiteral("file")},
        {QStringLiteral("config"), QStringLiteral("The cluster config file (watched for changes)."), QStringLiteral("file")},
        {QStringLiteral("language"), QStringLiteral("en or zh_CN (default: the system language)."), QStringLiteral("code")},
        {QStringLiteral("page"), QStringLiteral("Open on this page (0-5)."), QStringLiteral("n")},
        {QStringLiteral("screenshots"), QStringLiteral("Render every page to PNG files in DIR, then quit."), QStringLiteral("dir")},
        {QStringLiteral("quit-after"), QStringLiteral("Quit after SECONDS (smoke tests)."), QStringLiteral("seconds")},
        {QStringLiteral("startup-report"),
         QStringLiteral("Print when the window first paints and when the first engine snapshot with nodes is drawn, then quit (bench).")},
    });
    parser.process(app);
    std::signal(SIGTERM, [](int) { QCoreApplication::quit(); });
    std::signal(SIGINT, [](int) { QCoreApplication::quit(); });

    LocalEngineSession engine(QStringLiteral("console:") + localUserName());
    QSettings settings;
    QString db = parser.value(QStringLiteral("db"));
    QString config = parser.value(QStringLiteral("config"));
    const bool demo = parser.isSet(QStringLiteral("demo")) || (db.isEmpty() && settings.value(QStringLiteral("store/path")).toString().isEmpty());
    if (!demo && db.isEmpty()) {
        db = settings.value(QStringLiteral("store/path")).toString();
        config = settings.value(QStringLiteral("store/config")).toString();
    }

    std::unique_ptr<DemoCluster> demoCluster;
    {
        ui::MainWindow window(&engine);
        if (parser.isSet(QStringLiteral("language")))
            window.switchLanguage(parser.value(QStringLiteral("language")));
        if (parser.isSet(QStringLiteral("page")))
            window.showPage(parser.value(QStringLiteral("page")).toInt());
        QObject::connect(&window, &ui::MainWindow::openStoreRequested, &window, [&](const QString &path) {
            QSettings s;
            s.setValue(QStringLiteral("store/path"), path);
            const QString cfg = QFileInfo(path).absoluteDir().filePath(QFileInfo(path).completeBaseName() + QStringLiteral(".json"));
            s.setValue(QStringLiteral("store/config"), cfg);
            EngineOptions options;
            options.dbPath = path;
            options.configPath = cfg;
            engine.restart(options).then(&window, [&window, options](const Status &st) {
                if (!st)
                    window.showError(st.error().message);
                else
                    window.setEngineInfo(options.dbPath, options.configPath, false);
            });
            demoCluster.reset();
        });
        if (parser.isSet(QStringLiteral("startup-report")))
            reportStartup(&window);
        window.show();

        if (demo) {
            demoCluster = std::make_unique<DemoCluster>(&engine);
            QObject::connect(demoCluster.get(), &DemoCluster::ready, &window, [&] {
                window.setEngineInfo(demoCluster->dbPath(), demoCluster->configPath(), true);
            });
            QObject::connect(demoCluster.get(), &DemoCluster::failed, &window, [&window](const QString &m) { window.showError(m); });
            demoCluster->start();
        } else {
            EngineOptions options;
            options.dbPath = db;
            options.configPath = config;
            engine.start(options).then(&window, [&window, options](const Status &s) {
                if (!s) {
                    QMessageBox::critical(&window, QObject::tr("Cannot open the cluster store"), s.error().message);
                    return;
                }
                window.setEngineInfo(options.dbPath, options.configPath, false);
            });
        }
        if (parser.isSet(QStringLiteral("screenshots"))) {
            const QString dir = parser.value(QStringLiteral("screenshots"));
            QDir().mkpath(dir);
            window.resize(1400, 900);
            QTimer::singleShot(7000, &window, [&window, dir] { takeScreenshots(&window, dir); });
        }
        if (parser.isSet(QStringLiteral("quit-after")))
            QTimer::singleShot(int(parser.value(QStringLiteral("quit-after")).toDouble() * 1000), &app, &QCoreApplication::quit);
        const int code = QApplication::exec();
        engine.stop();
        return code;
    }
}
