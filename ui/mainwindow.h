// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "core/result.h"
#include "store/backup.h"

#include <QFuture>
#include <QLocale>
#include <QMainWindow>
#include <QSet>

class QActionGroup;
class QLabel;
class QTimer;
class QListWidget;
class QMenu;
class QStackedWidget;
class QSystemTrayIcon;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

class AlertsPage;
class AuditPage;
class BalancingPage;
class ConfigPage;
class LogsPage;
class NodesPage;
class OverviewPage;
class Page;
class SyncPage;

/// The console: a sidebar of pages, a status bar with the cluster at a glance, menus for
/// stores, config, refresh and language. Draws engine snapshots; never waits on the engine.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(EngineSession *session, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Language: "" follows the system, "en" or "zh_CN".
    /// "" (the system's language), "en" or "zh_CN".
    void switchLanguage(const QString &code);
    void showPage(int index);
    int currentPage() const;
    int pageCount() const;
    Page *page(int index) const;
    OverviewPage *overview() const { return m_overview; }
    NodesPage *nodes() const { return m_nodes; }
    BalancingPage *balancing() const { return m_balancing; }
    SyncPage *sync() const { return m_sync; }
    ConfigPage *config() const { return m_config; }
    AuditPage *audit() const { return m_audit; }
    LogsPage *logs() const { return m_logs; }
    AlertsPage *alerts() const { return m_alerts; }
    /// Notifications shown for new critical incidents (one per incident).
    int notificationCount() const { return m_notifications; }
    void setRefreshInterval(int ms);
    /// The session is started (embedded) or connected (remote): say which engine this is,
    /// with what role, and start drawing it.
    void engineReady();
    void showError(const QString &message);
    /// A passing word in the status bar (not an error), gone after a while as errors are.
    void showNotice(const QString &message);
    /// File → Backup…: an online, encrypted copy of the engine's store at `path` (on the
    /// engine's machine). Answers with the result shown in the status bar, or an error box.
    QFuture<Result<BackupInfo>> backupTo(const QString &path, const QByteArray &passphrase);
    /// File → Import configuration… once a file is chosen: the engine checks and applies it;
    /// what it refuses is said in the status bar, in the console's language.
    void importConfigFile(const QString &file);
    /// Whether the engine's data on screen is live (false while a remote engine is away).
    bool isLive() const { return m_live; }
    /// The size the pages are laid out for (and tested at), when the screen has room for it.
    static constexpr QSize DesignedSize{1280, 820};
    /// Where a window asked to be at `wanted` goes on a screen whose free area (without panels)
    /// is `available`, with `frame` (the title bar and borders a window manager adds) around
    /// it: no larger than the room, and moved back onto the screen, title bar included.
    static QRect fittedGeometry(const QRect &wanted, const QRect &available, const QMargins &frame);

signals:
    void snapshotApplied();
    void openStoreRequested(const QString &dbPath);
    /// File → Restore… → "Open restored store": open it with the config its latest version
    /// holds (what the cluster ran when the backup was made), not a config file beside it.
    void openRestoredStoreRequested(const QString &dbPath);
    /// File → Connect to engine…: the dialog was accepted.
    void connectRequested(const QUrl &server, const QByteArray &token, const QString &caFile, bool remember);
    void embeddedRequested();

protected:
    void changeEvent(QEvent *event) override;
    void askForBackup();
    /// File → Restore…: a non-blocking RestoreDialog (a child of this window).
    void openRestoreDialog();
    void closeEvent(QCloseEvent *event) override;

private:
    void showMessage(const QString &message, const QString &style);
    void applySnapshot(const EngineSnapshot &snapshot);
    /// The engine's connection came or went (connectionChanged).
    void setLive(bool live, const jobfirst::Sentence &reason);
    /// The engine is away and is tried again at `nextAttemptAt`; the latest try failed for
    /// `reason` (reconnectScheduled).
    void noteReconnection(const jobfirst::Sentence &reason, int failedAttempts,
                          qint64 nextAttemptAt);
    /// What the connection banner says while the engine is away or silent.
    QString connectionBannerText() const;
    /// No snapshot for longer than the refresh interval allows: the engine is stuck (on a
    /// store that does not answer, say), and what is on screen is not live.
    void snapshotsStopped();
    /// Live when connected and the snapshots come: the banner, pages and charts follow.
    void updateLive();
    /// Rearms the snapshot watch for the refresh interval (none while refreshing is paused).
    void watchSnapshots();
    void openConnectDialog();
    void retranslate();
    /// The menu bar, a menu at a time; retranslate() names their commands.
    void buildMenus();
    void buildFileMenu();
    void buildViewMenu();
    void buildLanguageMenu();
    void buildClusterMenu();
    void buildHelpMenu();
    /// Disables `action`, saying why, unless this session's role may administer.
    void offerToAdministrators(QAction *action);
    // The menus' commands that ask the user first.
    void openStoreFile();
    void newStoreFile();
    void importConfig();
    void exportConfig();
    void showAbout();
    /// The first geometry: the saved one (`restored`) or DesignedSize centred, fitted to the
    /// screen it is on (a 1280×800 laptop had the status bar below the screen's edge).
    void fitToScreen(bool restored);

    EngineSession *m_session;
    QListWidget *m_sidebar;
    QStackedWidget *m_stack;
    QLabel *m_banner;
    QLabel *m_clusterLabel;
    QLabel *m_nodesLabel;
    QLabel *m_backlogLabel;
    class ElidedLabel *m_messageLabel;
    QLabel *m_engineLabel;
    QLabel *m_connectionBanner;
    OverviewPage *m_overview;
    NodesPage *m_nodes;
    BalancingPage *m_balancing;
    SyncPage *m_sync;
    ConfigPage *m_config;
    AuditPage *m_audit;
    LogsPage *m_logs;
    AlertsPage *m_alerts;
    QSet<qint64> m_notified;
    int m_notifications = 0;
    QList<Page *> m_pages;
    QMenu *m_fileMenu, *m_viewMenu, *m_refreshMenu, *m_languageMenu, *m_clusterMenu, *m_helpMenu;
    QAction *m_addNode;
    QList<QAction *> m_refreshActions;
    QList<QAction *> m_languageActions;
    QAction *m_openStore, *m_newStore, *m_importConfig, *m_exportConfig, *m_quit, *m_about;
    QAction *m_connect, *m_useEmbedded, *m_backup, *m_restore;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_dbPath, m_configPath;
    bool m_demo = false;
    bool m_live = true;
    bool m_connected = true; ///< the engine's connection (always, for the embedded engine)
    bool m_silent = false;   ///< connected, but no snapshot came for too long
    QTimer *m_snapshotWatch;
    /// No snapshot for this long (or three refresh intervals, if longer): not live.
    static constexpr int SilentAfterMs = 5000;
    Sentence m_lostReason;
    qint64 m_lostAt = 0; ///< when the connection was lost (ms since the epoch); 0 while live
    int m_failedAttempts = 0;   ///< tries to reconnect that failed since the loss
    qint64 m_nextAttemptAt = 0; ///< when the next try is (ms since the epoch); 0: none is due
    int m_refreshMs = 1000;
};

} // namespace jobfirst::ui
