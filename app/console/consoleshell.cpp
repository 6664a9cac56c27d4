// SPDX-License-Identifier: GPL-3.0-or-later
#include "consoleshell.h"

#include "api/localenginesession.h"
#include "core/backgroundpool.h"
#include "core/localuser.h"
#include "core/secretfileaccess.h"
#include "core/whenfinished.h"
#include "democluster.h"
#include "host/storelocation.h"
#include "mainwindow.h"
#include "pages/page.h"
#include "remote/remoteenginesession.h"
#include "remote/tokenvault.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTextStream>
#include <QtConcurrent>

#include <utility>

using namespace jobfirst;

namespace {
QString consoleActor() { return QStringLiteral("console:") + localUserName(); }
} // namespace

ConsoleShell::ConsoleShell(QObject *parent) : QObject(parent) {}

ConsoleShell::~ConsoleShell()
{
    stop();
}

void ConsoleShell::stop()
{
    m_window.reset();
    if (auto *local = qobject_cast<LocalEngineSession *>(m_session.get()))
        local->stop();
    m_session.reset();
    m_demo.reset();
}

void ConsoleShell::fail(const QString &message)
{
    if (m_window) {
        m_window->showError(message);
    } else {
        // Said on stderr too: started from a terminal, that is where the operator looks.
        QTextStream(stderr) << "jobfirst-console: " << message << Qt::endl;
        m_unshownError = message;
    }
    emit failed(message);
}

void ConsoleShell::adopt(std::unique_ptr<EngineSession> session, std::unique_ptr<DemoCluster> demo)
{
    auto window = std::make_unique<ui::MainWindow>(session.get());
    if (m_setup)
        m_setup(window.get());
    connect(window.get(), &ui::MainWindow::openStoreRequested, this,
            &ConsoleShell::openStoreWithConfigBeside);
    // No config file: the restored store's latest config version is the cluster's config.
    connect(window.get(), &ui::MainWindow::openRestoredStoreRequested, this,
            [this](const QString &path) { openStore(path, QString()); });
    connect(window.get(), &ui::MainWindow::connectRequested, this, &ConsoleShell::connectRemote);
    // Queued: the switch replaces this window, which must not go while its menu action still
    // runs (it did: the console aborted on a freed chunk when leaving a remote engine).
    connect(window.get(), &ui::MainWindow::embeddedRequested, this, &ConsoleShell::useEmbedded,
            Qt::QueuedConnection);
    if (m_window)
        window->restoreGeometry(m_window->saveGeometry());
    window->show();
    QGuiApplication::setQuitOnLastWindowClosed(true); // the window is there: closing it quits
    // The old engine and its window go only now, when the new one is there to show.
    m_window.reset();
    if (auto *local = qobject_cast<LocalEngineSession *>(m_session.get()))
        local->stop();
    m_session = std::move(session);
    m_demo = std::move(demo);
    m_window = std::move(window);
    m_window->engineReady();
    if (!m_unshownError.isEmpty())
        m_window->showError(std::exchange(m_unshownError, QString()));
    if (!m_openTokenFile.isEmpty())
        m_window->showError(tr("Other users can read the token file %1: make it yours alone "
                               "(chmod 600 %1).")
                                .arg(std::exchange(m_openTokenFile, QString())));
    emit windowChanged(m_window.get());
}

void ConsoleShell::startDemo()
{
    auto session = std::make_unique<LocalEngineSession>(consoleActor());
    auto demo = std::make_unique<DemoCluster>(session.get());
    DemoCluster *d = demo.get();
    // The window shows at once (empty), the demo fills it when its processes are up.
    adopt(std::move(session), std::move(demo));
    connect(d, &DemoCluster::ready, this, [this] {
        if (m_window)
            m_window->engineReady();
    });
    connect(d, &DemoCluster::failed, this, &ConsoleShell::fail);
    d->start();
}

void ConsoleShell::openStore(const QString &dbPath, const QString &configPath,
                             const QString &localDb, bool createConfig)
{
    const auto retry = [this, dbPath, configPath, localDb, createConfig] {
        openStore(dbPath, configPath, localDb, createConfig);
    };
    auto session = std::make_unique<LocalEngineSession>(consoleActor());
    EngineOptions options;
    if (Status s = setStoreLocation(options, dbPath, localDb); !s) {
        cannotOpen(storeFailure(dbPath, s.error()), retry);
        return;
    }
    options.configPath = configPath;
    options.createConfig = createConfig;
    options.leaseMs = m_leaseMs;
    LocalEngineSession *s = session.get();
    auto pending = std::make_shared<std::unique_ptr<EngineSession>>(std::move(session));
    whenFinished(s->start(options), this, [this, pending, options, retry](const Status &started) {
        if (!started) {
            cannotOpen(openFailure(options, started.error()), retry);
            return;
        }
        // Absolute paths: the console started from another folder opens the same files.
        const auto absolute = [](const QString &path) {
            return path.isEmpty() ? path : QFileInfo(path).absoluteFilePath();
        };
        QSettings settings;
        settings.setValue(QStringLiteral("engine/mode"), QStringLiteral("store"));
        settings.setValue(QStringLiteral("store/path"), options.outboxUrl.isEmpty()
                                                            ? absolute(options.dbPath)
                                                            : options.outboxUrl);
        settings.setValue(QStringLiteral("store/local"),
                          options.outboxUrl.isEmpty() ? QString() : absolute(options.dbPath));
        settings.setValue(QStringLiteral("store/config"), absolute(options.configPath));
        adopt(std::move(*pending), nullptr);
        sayHowTheConfigWasMade();
    });
}

QString ConsoleShell::storeFailure(const QString &store, const Error &error) const
{
    // Before any window, the menu is not there: the dialog's buttons are.
    if (!m_window)
        return tr("Cannot open the cluster store %1: %2\nNothing was started: choose another "
                  "store, or start the demo.")
            .arg(store, ui::errorMessage(error));
    return tr("Cannot open the cluster store %1: %2\nChoose another store (File → Open cluster "
              "store…), or start the console with --demo.")
        .arg(store, ui::errorMessage(error));
}

namespace {

/// `error` without the file it names first ("FILE: reason"): the message names it once, first.
Error withoutFileNamed(const Error &error, const QString &file)
{
    const Sentence &said = error.sentence;
    if (said.wording() == "%1: %2" && said.values().size() == 2 && said.values().at(0).english() == file)
        return makeError(error.code, said.values().at(1));
    Error detail = error;
    const QString named = file + QStringLiteral(": ");
    if (detail.message.startsWith(named))
        detail.message.remove(0, named.size());
    return detail;
}

} // namespace

QString ConsoleShell::openFailure(const EngineOptions &options, const Error &error) const
{
    // The config file is blamed when it is what failed, not the store (walk35: a missing comma
    // was said as "Cannot open the cluster store" of a store that was fine).
    if (error.code.startsWith(u"config.") && !options.configPath.isEmpty()) {
        const QString file = QDir::toNativeSeparators(options.configPath);
        return tr("Cannot use the config file %1: %2\nNothing was started: correct the file and "
                  "try again, or choose another store.")
            .arg(file, ui::errorMessage(withoutFileNamed(error, options.configPath)));
    }
    return storeFailure(options.outboxUrl.isEmpty() ? options.dbPath : options.outboxUrl, error);
}

void ConsoleShell::cannotOpen(const QString &message, const std::function<void()> &retry)
{
    if (m_window) { // the engine shown so far stays
        fail(message);
        return;
    }
    // Nothing runs yet, and nothing starts by itself (walk35: a demo started in place of the
    // store asked for, its error a status-bar line that went after 30 s): said until the
    // operator chooses.
    QTextStream(stderr) << "jobfirst-console: " << message << Qt::endl;
    emit failed(message);
    askWhatToOpen(message, retry);
}

void ConsoleShell::askWhatToOpen(const QString &message, const std::function<void()> &retry)
{
    auto *box = new QMessageBox(QMessageBox::Critical, tr("JobFirst Cluster Console"), message);
    box->setObjectName(QStringLiteral("openFailed"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *again = box->addButton(tr("Try again"), QMessageBox::AcceptRole);
    QPushButton *other = box->addButton(tr("Open another store…"), QMessageBox::ActionRole);
    QPushButton *demo = box->addButton(tr("Start the demo"), QMessageBox::ActionRole);
    QPushButton *quit = box->addButton(tr("Quit"), QMessageBox::RejectRole);
    box->setDefaultButton(again);
    box->setEscapeButton(quit);
    // No window shows while the operator chooses, and none while a choice opens one.
    QGuiApplication::setQuitOnLastWindowClosed(false);
    connect(box, &QMessageBox::buttonClicked, this,
            [this, retry, message, again, other, demo](QAbstractButton *clicked) {
                if (clicked == again) {
                    retry();
                } else if (clicked == other) {
                    const QString store =
                        QFileDialog::getOpenFileName(nullptr, tr("Open cluster store"), QString(),
                                                     tr("Cluster stores (*.db);;All files (*)"));
                    if (store.isEmpty())
                        askWhatToOpen(message, retry);
                    else
                        openStoreWithConfigBeside(store);
                } else if (clicked == demo) {
                    startDemo();
                } else {
                    QCoreApplication::exit(1);
                }
            });
    box->show();
}

void ConsoleShell::openStoreWithConfigBeside(const QString &path)
{
    // The config beside the store, by the console's own naming (no typo of the operator's).
    // Made when it is not there: from the store's latest config version (secrets and all), or
    // new for a store that has none.
    const QFileInfo store(path);
    openStore(path,
              store.absoluteDir().filePath(store.completeBaseName() + QStringLiteral(".json")), {},
              true);
}

void ConsoleShell::sayHowTheConfigWasMade()
{
    auto *local = qobject_cast<LocalEngineSession *>(m_session.get());
    if (!local || !local->madeConfigFile() || !m_window)
        return;
    const QString file =
        QDir::toNativeSeparators(QFileInfo(local->info().configPath).absoluteFilePath());
    m_window->showNotice(
        local->configMadeFromVersion() > 0
            ? tr("No config file was beside the store: its latest config version (%1, secrets "
                 "included) was written to %2.")
                  .arg(local->configMadeFromVersion())
                  .arg(file)
            : tr("A new config with fresh secrets was written to %1.").arg(file));
}

void ConsoleShell::connectRemote(const QUrl &server, const QByteArray &token, const QString &caFile, bool remember)
{
    auto session = std::make_unique<RemoteEngineSession>(RemoteOptions{server, token, caFile});
    RemoteEngineSession *s = session.get();
    auto pending = std::make_shared<std::unique_ptr<EngineSession>>(std::move(session));
    whenFinished(
        s->connectToEngine(), this,
        [this, pending, server, token, caFile, remember,
         tokenFile = std::exchange(m_attachingTokenFile, {})](const Status &connected) {
            if (!connected) {
                // The kind of error in the console's language (a wrong token), then the
                // engine's detail; no engine there is said once, with the network's cause
                // (its message named the URL and said "cannot reach" again).
                const Error &error = connected.error();
                const QString message =
                    error.code == u"remote.unreachable"
                        ? tr("Cannot reach the engine at %1: %2")
                              .arg(server.toString(), ui::unreachableCause(error.said()))
                        : tr("Cannot connect to the engine at %1: %2")
                              .arg(server.toString(), ui::errorText(error));
                if (m_window) {
                    fail(message);
                    return;
                }
                // Started with --connect and nothing to show yet: say so, and show the demo.
                QMessageBox::critical(nullptr, tr("JobFirst Cluster Console"), message);
                startDemo();
                return;
            }
            QSettings settings;
            settings.setValue(QStringLiteral("engine/mode"), QStringLiteral("remote"));
            settings.setValue(QStringLiteral("remote/url"), server.toString());
            settings.setValue(QStringLiteral("remote/caFile"), caFile);
            // Attached with --token-file: the next start without arguments reads the same
            // file (walk28: it had no token to read, and quietly started the demo instead).
            if (!tokenFile.isEmpty())
                settings.setValue(QStringLiteral("remote/tokenFile"), QFileInfo(tokenFile).absoluteFilePath());
            if (remember) {
                // The token goes to a 0600 file, off the GUI thread; the settings keep only its
                // path.
                whenFinished(
                    QtConcurrent::run(backgroundPool(),
                                      [server, token] { return TokenVault::store(server, token); }),
                    this, [this](const Result<QString> &path) {
                        if (path)
                            QSettings().setValue(QStringLiteral("remote/tokenFile"), path.value());
                        else
                            fail(ui::errorMessage(path.error()));
                    });
            }
            adopt(std::move(*pending), nullptr);
        });
}

void ConsoleShell::attachWithTokenFile(const QUrl &server, const QString &tokenFile,
                                       const QByteArray &token, const QString &caFile)
{
    // The file's mode is read off the GUI thread; the engine is attached once it is known.
    whenFinished(
        QtConcurrent::run(
            backgroundPool(),
            [tokenFile] {
                return !readableByOthersWarning(tokenFile, QStringLiteral("token")).isEmpty();
            }),
        this, [this, server, tokenFile, token, caFile](bool open) {
            if (open)
                m_openTokenFile = tokenFile;
            m_attachingTokenFile = tokenFile;
            connectRemote(server, token, caFile, false);
        });
}

void ConsoleShell::useEmbedded()
{
    // The store used last, when there is one; else the demo.
    QSettings settings;
    const bool store = !settings.value(QStringLiteral("store/path")).toString().isEmpty();
    settings.setValue(QStringLiteral("engine/mode"),
                      store ? QStringLiteral("store") : QStringLiteral("demo"));
    startRemembered();
}

void ConsoleShell::startRemembered()
{
    QSettings settings;
    const QString mode = settings.value(QStringLiteral("engine/mode")).toString();
    if (mode == QLatin1String("remote")) {
        const QUrl url(settings.value(QStringLiteral("remote/url")).toString());
        const QString tokenFile = settings.value(QStringLiteral("remote/tokenFile")).toString();
        const QString caFile = settings.value(QStringLiteral("remote/caFile")).toString();
        whenFinished(QtConcurrent::run(backgroundPool(),
                                       [tokenFile] { return TokenVault::load(tokenFile); }),
                     this, [this, url, caFile](const Result<QByteArray> &token) {
                         if (!token) {
                             fail(tr("The remembered engine %1 has no readable token (%2); "
                                     "starting the demo.")
                                      .arg(url.toString(), ui::errorMessage(token.error())));
                             startDemo();
                             return;
                         }
                         connectRemote(url, token.value(), caFile, false);
                     });
        return;
    }
    const QString store = settings.value(QStringLiteral("store/path")).toString();
    if (mode == QLatin1String("store") || (mode != QLatin1String("demo") && !store.isEmpty())) {
        openStore(store, settings.value(QStringLiteral("store/config")).toString(),
                  settings.value(QStringLiteral("store/local")).toString());
        return;
    }
    startDemo();
}
