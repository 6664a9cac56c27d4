// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"
#include "consolelanguage.h"

#include "api/enginesession.h"
#include "charts/livechart.h"
#include "core/backgroundpool.h"
#include "core/whenfinished.h"
#include "dialogs/connectdialog.h"
#include "dialogs/restoredialog.h"
#include "pages/alertspage.h"
#include "pages/auditpage.h"
#include "pages/balancingpage.h"
#include "pages/configpage.h"
#include "pages/daemonspage.h"
#include "pages/logspage.h"
#include "pages/nodespage.h"
#include "pages/overviewpage.h"
#include "pages/page.h"
#include "pages/syncpage.h"
#include "widgets/elidedlabel.h"
#include "widgets/staleitemdelegate.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <utility>

namespace jobfirst::ui {

MainWindow::MainWindow(EngineSession *session, QWidget *parent)
    : QMainWindow(parent), m_session(session), m_sidebar(new QListWidget),
      m_stack(new QStackedWidget), m_banner(new QLabel), m_clusterLabel(new QLabel),
      m_nodesLabel(new QLabel), m_backlogLabel(new QLabel), m_messageLabel(new ElidedLabel),
      m_engineLabel(new QLabel), m_connectionBanner(new QLabel)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/jobfirst-console.svg")));
    m_overview = new OverviewPage(session);
    m_nodes = new NodesPage(session);
    m_balancing = new BalancingPage(session);
    m_sync = new SyncPage(session);
    m_config = new ConfigPage(session);
    m_audit = new AuditPage(session);
    m_logs = new LogsPage(session);
    m_alerts = new AlertsPage(session);
    // New pages go last so the page numbers of --page stay what they were.
    m_pages = {m_overview, m_nodes, m_balancing, m_sync,   m_config,
               m_audit,    m_logs,  m_alerts,    new DaemonsPage(session)};
    for (Page *p : std::as_const(m_pages)) {
        m_stack->addWidget(p);
        m_sidebar->addItem(QString());
    }
    // Greyed with their page while it is not live, their own colours too.
    for (QTableView *table : m_stack->findChildren<QTableView *>())
        table->setItemDelegate(new StaleItemDelegate(table));
    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setFixedWidth(170);
    connect(m_sidebar, &QListWidget::currentRowChanged, this, &MainWindow::showPage);
    connect(m_nodes, &NodesPage::actionFailed, this, &MainWindow::showError);
    connect(m_balancing, &BalancingPage::actionFailed, this, &MainWindow::showError);
    connect(m_sync, &SyncPage::actionFailed, this, &MainWindow::showError);
    m_banner->setObjectName(QStringLiteral("demoBanner"));
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("background: #d6eaf8; color: #1b4f72; padding: 6px; font-weight: bold;"));
    m_banner->hide();
    m_connectionBanner->setObjectName(QStringLiteral("connectionBanner"));
    m_connectionBanner->setWordWrap(true);
    m_connectionBanner->setStyleSheet(QStringLiteral("background: #f5b7b1; color: #78281f; padding: 6px; font-weight: bold;"));
    m_connectionBanner->hide();
    auto *central = new QWidget;
    auto *outer = new QVBoxLayout(central);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_connectionBanner);
    outer->addWidget(m_banner);
    auto *row = new QHBoxLayout;
    row->addWidget(m_sidebar);
    row->addWidget(m_stack, 1);
    outer->addLayout(row, 1);
    setCentralWidget(central);
    m_clusterLabel->setObjectName(QStringLiteral("clusterLabel"));
    m_nodesLabel->setObjectName(QStringLiteral("nodesLabel"));
    m_backlogLabel->setObjectName(QStringLiteral("backlogLabel"));
    m_messageLabel->setObjectName(QStringLiteral("messageLabel"));
    m_engineLabel->setObjectName(QStringLiteral("engineLabel"));
    statusBar()->addWidget(m_engineLabel);
    statusBar()->addWidget(m_clusterLabel);
    statusBar()->addWidget(m_nodesLabel);
    statusBar()->addWidget(m_backlogLabel);
    // The passing message gives way (elided by the width it gets, whole in its tooltip): the
    // figures beside it are never the ones cut.
    m_messageLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(m_messageLabel, 1);
    buildMenus();

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->show();
    }
    connect(session, &EngineSession::snapshot, this, &MainWindow::applySnapshot);
    connect(session, &EngineSession::configReloadFailed, m_config, &ConfigPage::showReloadError);
    connect(session, &EngineSession::configApplied, m_config, &ConfigPage::configApplied);
    connect(session, &EngineSession::connectionChanged, this, &MainWindow::setLive);
    connect(session, &EngineSession::reconnectScheduled, this, &MainWindow::noteReconnection);
    m_snapshotWatch = new QTimer(this);
    m_snapshotWatch->setSingleShot(true);
    connect(m_snapshotWatch, &QTimer::timeout, this, &MainWindow::snapshotsStopped);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_refreshMs = settings.value(QStringLiteral("view/refreshMs"), 1000).toInt();
    watchSnapshots();
    const QString language = settings.value(QStringLiteral("language"), QString()).toString();
    switchLanguage(language);
    showPage(qBound(0, settings.value(QStringLiteral("window/page"), 0).toInt(), int(m_pages.size()) - 1));
    fitToScreen(restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()));
}

QRect MainWindow::fittedGeometry(const QRect &wanted, const QRect &available, const QMargins &frame)
{
    const QSize room = available.marginsRemoved(frame).size();
    QRect outer = QRect(wanted.topLeft(), wanted.size().boundedTo(room)).marginsAdded(frame);
    // Back onto the screen; the top-left last, so the title bar is what stays on it.
    if (outer.right() > available.right())
        outer.moveRight(available.right());
    if (outer.bottom() > available.bottom())
        outer.moveBottom(available.bottom());
    if (outer.left() < available.left())
        outer.moveLeft(available.left());
    if (outer.top() < available.top())
        outer.moveTop(available.top());
    return outer.marginsRemoved(frame);
}

void MainWindow::fitToScreen(bool restored)
{
    if (windowState() & (Qt::WindowMaximized | Qt::WindowFullScreen))
        return; // the window manager fits those
    QScreen *on = restored ? QGuiApplication::screenAt(geometry().center()) : nullptr;
    if (!on)
        on = screen();
    const QRect available = on->availableGeometry();
    // Not shown yet, the window has no frame to measure: a title bar and thin borders, as
    // QWidget::restoreGeometry reckons them.
    const int title = style()->pixelMetric(QStyle::PM_TitleBarHeight, nullptr, this);
    const int border = style()->pixelMetric(QStyle::PM_MdiSubWindowFrameWidth, nullptr, this);
    const QMargins frame(border, title, border, border);
    QRect wanted = geometry();
    if (!restored) {
        wanted = QRect(QPoint(), DesignedSize);
        wanted.moveCenter(available.marginsRemoved(frame).center());
    }
    setGeometry(fittedGeometry(wanted, available, frame));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    buildFileMenu();
    buildViewMenu();
    buildLanguageMenu();
    buildClusterMenu();
    buildHelpMenu();
}

void MainWindow::buildFileMenu()
{
    m_fileMenu = menuBar()->addMenu(QString());
    m_openStore = m_fileMenu->addAction(QString(), this, &MainWindow::openStoreFile);
    m_newStore = m_fileMenu->addAction(QString(), this, &MainWindow::newStoreFile);
    m_fileMenu->addSeparator();
    m_connect = m_fileMenu->addAction(QString(), this, &MainWindow::openConnectDialog);
    m_connect->setObjectName(QStringLiteral("connectAction"));
    m_useEmbedded = m_fileMenu->addAction(QString(), this, &MainWindow::embeddedRequested);
    m_useEmbedded->setEnabled(m_session->info().remote);
    m_fileMenu->addSeparator();
    m_importConfig = m_fileMenu->addAction(QString(), this, &MainWindow::importConfig);
    m_importConfig->setObjectName(QStringLiteral("importConfigAction"));
    m_exportConfig = m_fileMenu->addAction(QString(), this, &MainWindow::exportConfig);
    m_backup = m_fileMenu->addAction(QString(), this, &MainWindow::askForBackup);
    m_backup->setObjectName(QStringLiteral("backupAction"));
    m_restore = m_fileMenu->addAction(QString(), this, &MainWindow::openRestoreDialog);
    m_restore->setObjectName(QStringLiteral("restoreAction"));
    m_fileMenu->addSeparator();
    for (QAction *action : {m_backup, m_restore, m_importConfig})
        offerToAdministrators(action);
    // Stores are files of this computer: there is none to open while attached to a remote engine.
    m_openStore->setEnabled(!m_session->info().remote);
    m_newStore->setEnabled(!m_session->info().remote);
    m_quit = m_fileMenu->addAction(QString(), this, &QWidget::close);
    m_quit->setShortcut(QKeySequence::Quit);
}

void MainWindow::buildViewMenu()
{
    m_viewMenu = menuBar()->addMenu(QString());
    m_refreshMenu = m_viewMenu->addMenu(QString());
    auto *refreshGroup = new QActionGroup(this);
    for (int ms : {250, 500, 1000, 2000, 5000, 0}) {
        QAction *a = m_refreshMenu->addAction(QString());
        a->setCheckable(true);
        a->setData(ms);
        refreshGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, ms] { setRefreshInterval(ms); });
        m_refreshActions << a;
    }
}

void MainWindow::buildLanguageMenu()
{
    m_languageMenu = menuBar()->addMenu(QString());
    auto *languageGroup = new QActionGroup(this);
    for (const QString &code : {QString(), QStringLiteral("en"), QStringLiteral("zh_CN")}) {
        QAction *a = m_languageMenu->addAction(QString());
        a->setCheckable(true);
        a->setData(code);
        languageGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] { switchLanguage(code); });
        m_languageActions << a;
    }
}

void MainWindow::buildClusterMenu()
{
    // Adding a node is also a menu command with a shortcut, not only a Nodes toolbar button.
    m_clusterMenu = menuBar()->addMenu(QString());
    m_addNode = m_clusterMenu->addAction(QString(), this, [this] {
        showPage(int(m_pages.indexOf(m_nodes)));
        m_nodes->addNode();
    });
    m_addNode->setObjectName(QStringLiteral("addNodeAction"));
    m_addNode->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    offerToAdministrators(m_addNode);
}

void MainWindow::buildHelpMenu()
{
    m_helpMenu = menuBar()->addMenu(QString());
    m_about = m_helpMenu->addAction(QString(), this, &MainWindow::showAbout);
}

void MainWindow::offerToAdministrators(QAction *action)
{
    if (m_session->allows(Permission::Administer))
        return;
    action->setEnabled(false);
    action->setToolTip(roleRefusal(Permission::Administer, m_session->info().role));
}

void MainWindow::openStoreFile()
{
    const QString f = QFileDialog::getOpenFileName(this, tr("Open cluster store"), QString(),
                                                   tr("Cluster stores (*.db);;All files (*)"));
    if (!f.isEmpty())
        emit openStoreRequested(f);
}

void MainWindow::newStoreFile()
{
    const QString f = QFileDialog::getSaveFileName(
        this, tr("New cluster store"), QStringLiteral("cluster.db"), tr("Cluster stores (*.db)"));
    if (!f.isEmpty())
        emit openStoreRequested(f);
}

void MainWindow::importConfig()
{
    const QString f = QFileDialog::getOpenFileName(this, tr("Import configuration"), QString(),
                                                   tr("JSON (*.json)"));
    if (!f.isEmpty())
        importConfigFile(f);
}

void MainWindow::importConfigFile(const QString &f)
{
    // Read off the GUI thread; the engine validates and applies it.
    whenFinished(QtConcurrent::run(backgroundPool(),
                                   [f]() -> Result<QByteArray> {
                                       auto c = ClusterConfig::fromFile(f);
                                       if (!c)
                                           return c.error();
                                       return c->toJson();
                                   }),
                 this, [this](const Result<QByteArray> &json) {
                     if (!json) {
                         showError(errorMessage(json.error()));
                         return;
                     }
                     whenFinished(m_session->applyConfig(json.value()), this,
                                  [this](const Result<int> &s) {
                                      if (!s)
                                          showError(errorMessage(s.error()));
                                  });
                 });
}

void MainWindow::exportConfig()
{
    const QString f = QFileDialog::getSaveFileName(
        this, tr("Export configuration"), QStringLiteral("cluster.json"), tr("JSON (*.json)"));
    if (f.isEmpty())
        return;
    // Exported with secrets masked: importing it back into this cluster keeps its secrets.
    whenFinished(m_session->config(false), this, [this, f](const Result<ClusterConfig> &c) {
        if (!c) {
            showError(errorMessage(c.error()));
            return;
        }
        // Written off the GUI thread.
        whenFinished(QtConcurrent::run(backgroundPool(), [c, f] { return c->saveToFile(f); }), this,
                     [this](const Status &s) {
                         if (!s)
                             showError(errorMessage(s.error()));
                     });
    });
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About JobFirst Cluster Console"),
        tr("<b>JobFirst Cluster Console</b> %1<br>Keeps JobFirst user data in sync across the "
           "Basic Server "
           "cluster and the six JobFirst services, and shows whether it did.<br><br>Store: "
           "%2<br>Config: %3")
            .arg(QStringLiteral(JOBFIRST_VERSION), m_dbPath.toHtmlEscaped(),
                 m_configPath.isEmpty() ? tr("built-in defaults") : m_configPath.toHtmlEscaped()));
}

void MainWindow::retranslate()
{
    // The window system adds the application's name after the title: the title says only
    // which cluster this window shows.
    qApp->setApplicationDisplayName(tr("JobFirst Cluster Console"));
    const SessionInfo shown = m_session->info();
    setWindowTitle(m_demo               ? tr("Demo cluster")
                   : shown.remote       ? tr("Engine at %1").arg(QUrl(shown.endpoint).authority())
                   : m_dbPath.isEmpty() ? QString()
                                        : QFileInfo(m_dbPath).fileName());
    for (int i = 0; i < m_pages.size(); ++i)
        m_sidebar->item(i)->setText(m_pages.at(i)->title());
    m_fileMenu->setTitle(tr("&File"));
    m_openStore->setText(tr("&Open cluster store…"));
    m_newStore->setText(tr("&New cluster store…"));
    m_importConfig->setText(tr("&Import configuration…"));
    m_connect->setText(tr("&Connect to engine…"));
    m_useEmbedded->setText(tr("Use &embedded engine"));
    const SessionInfo info = m_session->info();
    m_engineLabel->setText(info.remote ? tr("Engine %1 (%2)").arg(QUrl(info.endpoint).authority(), roleText(info.role))
                                       : tr("Embedded engine"));
    if (!m_connected || m_silent)
        m_connectionBanner->setText(connectionBannerText());
    m_exportConfig->setText(tr("&Export configuration…"));
    m_backup->setText(tr("&Backup…"));
    m_restore->setText(tr("&Restore…"));
    m_quit->setText(tr("&Quit"));
    m_viewMenu->setTitle(tr("&View"));
    m_refreshMenu->setTitle(tr("&Refresh interval"));
    for (QAction *a : std::as_const(m_refreshActions)) {
        const int ms = a->data().toInt();
        a->setText(ms == 0 ? tr("Paused") : ms < 1000 ? tr("%1 ms").arg(ms) : tr("%1 s").arg(ms / 1000));
        a->setChecked(ms == m_refreshMs);
    }
    m_languageMenu->setTitle(tr("&Language"));
    m_languageActions[0]->setText(tr("System language"));
    m_languageActions[1]->setText(QStringLiteral("English"));
    m_languageActions[2]->setText(QStringLiteral("简体中文"));
    m_clusterMenu->setTitle(tr("&Cluster"));
    m_addNode->setText(tr("&Add node…"));
    m_helpMenu->setTitle(tr("&Help"));
    m_about->setText(tr("&About"));
    m_banner->setText(tr("Demo cluster: three simulated Basic Server nodes and the six JobFirst services run as local "
                         "processes on this machine, with a steady stream of user events. Nothing here touches a real cluster."));
}

QString MainWindow::connectionBannerText() const
{
    const auto clock = [](qint64 ms) {
        return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
    };
    if (m_connected)
        return tr("The engine has sent nothing new since %1: it may be waiting for its store. What "
                  "is on screen is from then and is not live.")
            .arg(clock(m_lostAt));
    const QString engine = QUrl(m_session->info().endpoint).authority();
    const QString cause = unreachableCause(m_lostReason);
    // The latest try's cause, not the first one's: an engine that closed the stream and then
    // refuses connections is said to refuse them (walk34).
    if (m_failedAttempts > 0)
        return tr("Connection to the engine at %1 lost at %3. Reconnecting: %n attempt(s) failed, "
                  "the latest with: %2. Next attempt at %4. What is on screen is from before "
                  "the connection was lost and is not live.",
                  nullptr, m_failedAttempts)
            .arg(engine, cause, clock(m_lostAt), clock(m_nextAttemptAt));
    if (m_nextAttemptAt > 0)
        return tr("Connection to the engine at %1 lost at %3: %2. Reconnecting at %4… What is on "
                  "screen is from before the connection was lost and is not live.")
            .arg(engine, cause, clock(m_lostAt), clock(m_nextAttemptAt));
    return tr("Connection to the engine at %1 lost at %3: %2. What is on screen is from before "
              "the connection was lost and is not live.")
        .arg(engine, cause, clock(m_lostAt));
}

void MainWindow::switchLanguage(const QString &code)
{
    // The same translators main() installed before the engine was opened, replaced.
    const QLocale locale = ConsoleLanguage::install(code);
    // Widgets made before keep the locale they were made with (the date pickers showed
    // English month names in Chinese): the window's reaches every child.
    setLocale(locale);
    for (QAction *a : std::as_const(m_languageActions))
        a->setChecked(a->data().toString() == code);
    QSettings().setValue(QStringLiteral("language"), code);
    // Deliver the LanguageChange events now, so every page switches in the same frame.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LanguageChange);
    retranslate();
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), m_stack->currentIndex());
    event->accept();
}

int MainWindow::currentPage() const
{
    return m_stack->currentIndex();
}

void MainWindow::showPage(int index)
{
    if (index < 0 || index >= m_pages.size())
        return;
    m_stack->setCurrentIndex(index);
    if (m_sidebar->currentRow() != index)
        m_sidebar->setCurrentRow(index);
    // Kept at once, not only on Quit: a console that is killed reopens on this page.
    QSettings().setValue(QStringLiteral("window/page"), index);
    if (m_stack->currentWidget() == m_config)
        m_config->refresh();
    if (m_stack->currentWidget() == m_audit)
        m_audit->refresh();
    if (m_stack->currentWidget() == m_logs)
        m_logs->refresh();
}

int MainWindow::pageCount() const { return int(m_pages.size()); }
Page *MainWindow::page(int index) const { return m_pages.value(index); }

void MainWindow::setRefreshInterval(int ms)
{
    m_refreshMs = ms;
    // Paused on purpose: no snapshot is awaited, so none is missing.
    if (ms == 0 && std::exchange(m_silent, false))
        updateLive();
    if (m_connected)
        watchSnapshots();
    QSettings().setValue(QStringLiteral("view/refreshMs"), ms);
    m_session->setRefreshInterval(ms);
    for (LiveChart *chart : findChildren<LiveChart *>())
        chart->setRefreshIntervalMs(ms);
    for (QAction *a : std::as_const(m_refreshActions))
        a->setChecked(a->data().toInt() == ms);
}

void MainWindow::engineReady()
{
    const SessionInfo info = m_session->info();
    m_dbPath = info.remote ? info.endpoint : info.dbPath;
    m_configPath = info.configPath;
    m_demo = info.demo && !info.remote;
    m_banner->setVisible(m_demo);
    setRefreshInterval(m_refreshMs);
    m_config->reload();
    retranslate();
}

void MainWindow::askForBackup()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Backup the cluster store"),
        QStringLiteral("jobfirst-%1.jfbackup").arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"))),
        tr("JobFirst backups (*.jfbackup)"));
    if (path.isEmpty())
        return;
    bool ok = false;
    const QString first = QInputDialog::getText(this, tr("Backup passphrase"),
                                                tr("Passphrase (at least 12 characters; without it the backup cannot be read):"),
                                                QLineEdit::Password, QString(), &ok);
    if (!ok)
        return;
    const QString again = QInputDialog::getText(this, tr("Backup passphrase"), tr("The same passphrase again:"),
                                                QLineEdit::Password, QString(), &ok);
    if (!ok)
        return;
    if (first != again)
        return showError(tr("The two passphrases differ: no backup was made."));
    backupTo(path, first.toUtf8());
}

void MainWindow::openRestoreDialog()
{
    auto *dialog = new RestoreDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RestoreDialog::openStoreRequested, this,
            &MainWindow::openRestoredStoreRequested);
    dialog->open();
}

QFuture<Result<BackupInfo>> MainWindow::backupTo(const QString &path, const QByteArray &passphrase)
{
    // In the message line, which elides a long path (QStatusBar's own message clips it).
    showNotice(tr("Making a backup at %1…").arg(path));
    return whenFinishedThen(
        m_session->createBackup(path, passphrase), this, [this, path](const Result<BackupInfo> &r) {
            if (!r)
                showError(errorMessage(r.error()));
            else
                showNotice(tr("Backup made at %1 (%2 KiB, encrypted).")
                               .arg(path)
                               .arg(r->fileBytes / 1024));
            return r;
        });
}

void MainWindow::showError(const QString &message)
{
    showMessage(message, QStringLiteral("color: #c0392b;"));
}

void MainWindow::showNotice(const QString &message)
{
    showMessage(message, QString());
}

void MainWindow::showMessage(const QString &message, const QString &style)
{
    m_messageLabel->setStyleSheet(style);
    m_messageLabel->setFullText(message);
    QTimer::singleShot(15000, m_messageLabel, [label = m_messageLabel, message] {
        if (label->fullText() == message)
            label->setFullText({});
    });
}

void MainWindow::openConnectDialog()
{
    auto *dialog = new ConnectDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        emit connectRequested(dialog->server(), dialog->token(), dialog->caFile(), dialog->remember());
    });
    dialog->open();
}

void MainWindow::setLive(bool live, const Sentence &reason)
{
    m_connected = live;
    m_lostReason = reason;
    m_failedAttempts = 0;
    m_nextAttemptAt = 0;
    if (live)
        watchSnapshots();
    updateLive();
}

void MainWindow::noteReconnection(const Sentence &reason, int failedAttempts, qint64 nextAttemptAt)
{
    if (m_connected)
        return; // told before the connection came back
    m_lostReason = reason;
    m_failedAttempts = failedAttempts;
    m_nextAttemptAt = nextAttemptAt;
    m_connectionBanner->setText(connectionBannerText());
}

void MainWindow::watchSnapshots()
{
    // The engine sends a snapshot every refresh interval, busy or idle.
    if (m_refreshMs > 0)
        m_snapshotWatch->start(std::max(SilentAfterMs, 3 * m_refreshMs));
    else
        m_snapshotWatch->stop();
}

void MainWindow::snapshotsStopped()
{
    // Connected, but nothing new comes: a daemon stuck on a store that takes connections and
    // answers nothing kept sending keep-alives, and its last picture stayed on screen as if
    // live (truth28).
    if (!m_connected)
        return;
    m_silent = true;
    updateLive();
}

void MainWindow::updateLive()
{
    const bool live = m_connected && !m_silent;
    if (!live && m_live)
        m_lostAt = QDateTime::currentMSecsSinceEpoch();
    m_live = live;
    m_connectionBanner->setVisible(!live);
    // The charts' time axis ends at "now": frozen lines would pass for current ones.
    for (LiveChart *chart : findChildren<LiveChart *>())
        chart->setStaleSince(live ? 0 : m_lostAt);
    // Nothing may look live while it is not: the pages grey out and the figures in the
    // status bar go, until the next snapshot from the engine.
    m_stack->setEnabled(live);
    if (!live) {
        for (QLabel *l : {m_clusterLabel, m_nodesLabel, m_backlogLabel})
            l->setText(QStringLiteral("—"));
        m_nodesLabel->setStyleSheet({});
    }
    retranslate();
}

void MainWindow::applySnapshot(const EngineSnapshot &s)
{
    if (!m_connected)
        return; // a snapshot that raced the loss; the next one after reconnecting is drawn
    watchSnapshots();
    if (std::exchange(m_silent, false))
        updateLive();
    int up = 0, down = 0, failed = 0;
    for (const NodeStatus &n : s.nodes) {
        up += n.health == HealthState::Up;
        down += n.health == HealthState::Down;
        failed += n.health == HealthState::Failed;
    }
    m_clusterLabel->setText(tr("Cluster %1").arg(s.cluster.clusterId));
    // The same words and colours as the node table: down (amber) is not failed (red).
    m_nodesLabel->setText(tr("Nodes: %1 up, %2 down, %3 failed (%4 in all)")
                              .arg(countText(up), countText(down), countText(failed),
                                   countText(s.cluster.totalNodes)));
    restyle(m_nodesLabel,
            failed ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Failed).name())
            : down ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Down).name())
                   : QString());
    // Deliveries held for a target that is down, paused or disabled are told apart: the
    // number read as "behind" is what is being worked on.
    const QString backlog = s.sync.heldDeliveries
                                ? tr("%1 pending, %2 held")
                                      .arg(countText(s.sync.queueDepth - s.sync.heldDeliveries),
                                           countText(s.sync.heldDeliveries))
                                : countText(s.sync.queueDepth);
    // With the store away the counts are the last ones read: not shown as current, and the
    // store's error is not worded as a process that delivers.
    m_backlogLabel->setText(
        s.sync.storeUnavailable() ? tr("Sync backlog: not known while the store cannot be reached")
        : s.sync.deliveryStandbyFor.isEmpty() ? tr("Sync backlog: %1").arg(backlog)
                                              : tr("Sync backlog: %1 (delivery stands by: %2)")
                                                    .arg(backlog, standbyText(s.sync.standby())));
    m_backlogLabel->setToolTip(s.sync.storeUnavailable() ? s.sync.deliveryStandbyFor
                               : s.sync.heldDeliveries   ? heldText() + u'\n' + backlogCountText()
                                                         : backlogCountText());
    for (Page *p : std::as_const(m_pages))
        p->applySnapshot(s);
    m_sidebar->item(int(m_pages.indexOf(m_alerts)))->setText(m_alerts->title());
    // A notification for each new critical incident, once: repeats and resolutions are on
    // the Alerts page.
    for (const Alert &a : s.alerts)
        if (a.severity == Alert::Severity::Critical && !a.resolved() &&
            !m_notified.contains(a.id)) {
            m_notified.insert(a.id);
            ++m_notifications;
            if (m_tray)
                m_tray->showMessage(tr("JobFirst cluster"), AlertsPage::alertText(a),
                                    QSystemTrayIcon::Critical, 8000);
        }
    emit snapshotApplied();
}

} // namespace jobfirst::ui
