// SPDX-License-Identifier: GPL-3.0-or-later
// The console's shell switching engines: a remote jobfirstd, then File → Use embedded engine;
// and its own engine on a PostgreSQL store (--db postgresql://…).
#include "api/enginesession.h"
#include "consoleshell.h"
#include "daemonprocess.h"
#include "mainwindow.h"
#include "nodesimprocess.h"
#include "pages/overviewpage.h"
#include "pages/syncpage.h"
#include "postgresserver.h"
#include "simtargetconfig.h"
#include "testprograms.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestConsoleShell : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    DaemonProcess m_daemon;
    QByteArray m_admin;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    static QAction *action(ui::MainWindow *window, const QString &text)
    {
        for (QAction *a : window->findChildren<QAction *>())
            if (a->text().remove(u'&') == text)
                return a;
        return nullptr;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<ui::MainWindow *>();
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("jobfirst-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_consoleshell"));
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        const QString tokenFile = makeToken(path(QStringLiteral("remote.db")), m_dir.path(),
                                            QStringLiteral("boss"), QStringLiteral("admin"));
        QVERIFY(!tokenFile.isEmpty());
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_admin = f.readAll().trimmed();
        QVERIFY(
            m_daemon.start(path(QStringLiteral("remote.db")), path(QStringLiteral("remote.json"))));
    }

    void leavingARemoteEngineOpensTheStoreUsedLast()
    {
        // The store used before connecting is remembered; leaving the remote engine opens it.
        QSettings().setValue(QStringLiteral("store/path"), path(QStringLiteral("local.db")));
        QSettings().setValue(QStringLiteral("store/config"), path(QStringLiteral("local.json")));
        QVERIFY(ClusterConfig::makeNew().saveToFile(path(QStringLiteral("local.json"))).ok());
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.connectRemote(QUrl(m_daemon.url()), m_admin, {}, false);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QVERIFY(shell.session()->info().remote);
        QPointer<ui::MainWindow> remoteWindow = shell.window();
        QAction *embedded = action(remoteWindow, QStringLiteral("Use embedded engine"));
        QVERIFY(embedded);
        QVERIFY(embedded->isEnabled());
        // The page shown is kept at once (a killed console reopens there), not only on Quit.
        remoteWindow->showPage(3);
        // Triggered as the menu does: the window that asked must outlive its own action.
        embedded->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 2, 15000);
        QVERIFY(!shell.session()->info().remote);
        QTRY_VERIFY(remoteWindow.isNull());
        QCOMPARE(shell.window()->currentPage(), 3);
        QVERIFY(QFile::exists(path(QStringLiteral("local.db"))));
        QCOMPARE(QSettings().value(QStringLiteral("engine/mode")).toString(),
                 QStringLiteral("store"));
        // And back: the embedded window's own action cannot be used while it is embedded.
        QVERIFY(!action(shell.window(), QStringLiteral("Use embedded engine"))->isEnabled());
        shell.stop();
    }

    void aStoreIsRememberedByItsAbsolutePath()
    {
        // Opened by a relative path: started again from another folder, the console opens
        // the same file.
        const QString before = QDir::currentPath();
        QVERIFY(QDir::setCurrent(m_dir.path()));
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(QStringLiteral("relative.db"), QStringLiteral("relative.json"), {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QVERIFY(QDir::setCurrent(before));
        QCOMPARE(QSettings().value(QStringLiteral("store/path")).toString(),
                 path(QStringLiteral("relative.db")));
        QCOMPARE(QSettings().value(QStringLiteral("store/config")).toString(),
                 path(QStringLiteral("relative.json")));
        shell.stop();
    }

    // File → New cluster store… (and Open): the config goes beside the store, by the console's
    // own naming, and is made when it is not there; a mistyped --config is what is refused.
    void aStoreOpenedFromTheMenuMakesItsConfigBeside()
    {
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(path(QStringLiteral("first.db")), path(QStringLiteral("first.json")), {},
                        true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        const QString made = path(QStringLiteral("from-menu.json"));
        QVERIFY(!QFile::exists(made));
        emit shell.window()->openStoreRequested(path(QStringLiteral("from-menu.db")));
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 2, 15000);
        QVERIFY(QFile::exists(made));
        QCOMPARE(shell.session()->info().configPath, made);
        shell.stop();
    }

    // File → Open of a store whose config file is not beside it made a new config with
    // fresh secrets, and deliveries were signed with keys no target knew (walk21). The
    // store's latest config version is written there instead, secrets included, and the
    // window says so (never the secrets); only a store with no version gets a new config.
    void openingAStoreWithoutItsConfigTakesTheStoresLatest()
    {
        const QString db = path(QStringLiteral("kept.db"));
        const QString config = path(QStringLiteral("kept.json")); // the console's own naming
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(db, config, {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        const auto message = [&shell] {
            auto *label = shell.window()->findChild<QLabel *>(QStringLiteral("messageLabel"));
            return label ? label->toolTip() : QString(); // whole: the label elides
        };
        QTRY_VERIFY2(message().contains(QStringLiteral("fresh secrets")), qPrintable(message()));
        const auto first = ClusterConfig::fromFile(config);
        QVERIFY(first);
        shell.openStore(path(QStringLiteral("elsewhere.db")),
                        path(QStringLiteral("elsewhere.json")), {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 2, 15000);
        QVERIFY(QFile::remove(config));
        emit shell.window()->openStoreRequested(db);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 3, 15000);
        const auto made = ClusterConfig::fromFile(config);
        QVERIFY(made);
        QCOMPARE(made->clusterSecret, first->clusterSecret);
        QCOMPARE(made->targets.first().secret, first->targets.first().secret);
        QTRY_VERIFY2(message().contains(QStringLiteral("latest config version")) &&
                         message().contains(config),
                     qPrintable(message()));
        QVERIFY(!message().contains(first->clusterSecret));
        shell.stop();
    }

    /// The dialog a start that opened nothing shows, while it is shown; else null.
    static QMessageBox *openFailedDialog()
    {
        for (QWidget *w : QApplication::topLevelWidgets())
            if (w->objectName() == u"openFailed" && w->isVisible())
                return qobject_cast<QMessageBox *>(w);
        return nullptr;
    }

    static QAbstractButton *button(QMessageBox *box, const QString &text)
    {
        for (QAbstractButton *b : box->buttons())
            if (b->text() == text)
                return b;
        return nullptr;
    }

    /// walk35: `--db STORE --config BAD.json` with a missing comma started the demo, and a
    /// status-bar line, cut off and gone after 30 s, blamed the store. Nothing starts; a
    /// dialog names the file, the line and what is wrong, and stays until the operator
    /// chooses; once the file is put right, Try again opens the store asked for.
    void aMalformedConfigAtStartStartsNothingAndSaysWhere()
    {
        const QString db = path(QStringLiteral("fine.db"));
        const QString bad = path(QStringLiteral("missing-comma.json"));
        QByteArray json = ClusterConfig::makeNew().toJson();
        const qsizetype comma = json.indexOf(",\n");
        QVERIFY(comma > 0);
        json.remove(comma, 1);                                  // the comma after the first setting
        const int line = int(json.left(comma).count('\n')) + 2; // the next one: the parser stops
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(json);
        f.close();
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        QSignalSpy failures(&shell, &ConsoleShell::failed);
        shell.openStore(db, bad);
        QTRY_VERIFY_WITH_TIMEOUT(openFailedDialog(), 15000);
        const QString said = openFailedDialog()->text();
        QVERIFY2(said.startsWith(QStringLiteral("Cannot use the config file %1: not valid JSON "
                                                "at line %2, column ")
                                     .arg(bad)
                                     .arg(line)),
                 qPrintable(said));
        QVERIFY2(!said.contains(QStringLiteral("cluster store")), qPrintable(said));
        QCOMPARE(failures.size(), 1);
        QVERIFY(!shell.window());
        QVERIFY(!shell.session());   // no engine, no demo
        QVERIFY(!QFile::exists(db)); // nothing was made either
        // A fixed wait on purpose: what is checked is that nothing happens in it. The old
        // code opened the demo's window asynchronously, within this time, after the failure.
        QTest::qWait(500);
        QCOMPARE(windows.size(), 0);

        QVERIFY(ClusterConfig::makeNew().saveToFile(bad).ok());
        button(openFailedDialog(), QStringLiteral("Try again"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QVERIFY(!shell.session()->info().demo);
        QCOMPARE(shell.session()->info().configPath, bad);
        QVERIFY(!openFailedDialog());
        shell.stop();
    }

    /// `--db` on a folder that is not there (or a locked or corrupt store): the same rule, the
    /// store named as what is wrong; the demo starts only when the operator asks for it.
    void aStoreThatCannotBeOpenedAtStartSaysWhy()
    {
        qputenv("PATH", QFileInfo(TestPrograms::nodesim()).absolutePath().toLocal8Bit() + ':' +
                            qgetenv("PATH"));
        const QString missing = path(QStringLiteral("no-such-folder/cluster.db"));
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(missing, {});
        QTRY_VERIFY_WITH_TIMEOUT(openFailedDialog(), 15000);
        const QString said = openFailedDialog()->text();
        QVERIFY2(said.startsWith(QStringLiteral("Cannot open the cluster store ") + missing),
                 qPrintable(said));
        QVERIFY(!shell.session());
        QVERIFY(!QFile::exists(missing));
        button(openFailedDialog(), QStringLiteral("Start the demo"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(shell.session()->info().demo, 15000);
        shell.stop();
    }

    /// --connect with --token-file: a file others can read is used, and the window says so,
    /// with the fix, in its language (only stderr was checked); one only its owner reads is
    /// used without a word.
    void aTokenFileOthersCanReadIsSaidInTheWindow_data()
    {
        QTest::addColumn<bool>("open");
        QTest::addColumn<QString>("language");
        QTest::newRow("0644") << true << QStringLiteral("en");
        QTest::newRow("0644, zh_CN") << true << QStringLiteral("zh_CN");
        QTest::newRow("0600") << false << QStringLiteral("en");
    }
    void aTokenFileOthersCanReadIsSaidInTheWindow()
    {
        QFETCH(bool, open);
        QFETCH(QString, language);
        const QString file = path(QStringLiteral("attach-%1-%2.token").arg(open).arg(language));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(m_admin + '\n');
        f.close();
        const QFile::Permissions owner = QFile::ReadOwner | QFile::WriteOwner;
        QVERIFY(QFile::setPermissions(file,
                                      open ? owner | QFile::ReadGroup | QFile::ReadOther : owner));
        ConsoleShell shell;
        shell.setWindowSetup([language](ui::MainWindow *w) { w->switchLanguage(language); });
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.attachWithTokenFile(QUrl(m_daemon.url()), file, m_admin, {});
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QVERIFY(shell.session()->info().remote);
        auto *message = shell.window()->findChild<QLabel *>(QStringLiteral("messageLabel"));
        QVERIFY(message);
        const QString shown = message->toolTip();
        const QString source = QStringLiteral(
            "Other users can read the token file %1: make it yours alone (chmod 600 %1).");
        const QString warning =
            QCoreApplication::translate("ConsoleShell", qPrintable(source)).arg(file);
        shell.window()->switchLanguage(QStringLiteral("en"));
        shell.stop();
        if (!open) {
            QVERIFY2(!shown.contains(QStringLiteral("chmod")), qPrintable(shown));
            return;
        }
        QCOMPARE(shown, warning);
        QCOMPARE(warning == source.arg(file), language == u"en");
    }

    /// Attached with --connect and --token-file, the next start without arguments attaches
    /// again with the same file (walk28: the file was not remembered, so that start found no
    /// token and quietly opened the demo instead).
    void anEngineAttachedWithATokenFileIsAttachedAgainNextTime()
    {
        const QString file = path(QStringLiteral("again.token"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(m_admin + '\n');
        f.close();
        QVERIFY(QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner));
        QSettings().remove(QStringLiteral("remote/tokenFile"));
        {
            ConsoleShell shell;
            QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
            shell.attachWithTokenFile(QUrl(m_daemon.url()), file, m_admin, {});
            QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
            shell.stop();
        }
        QCOMPARE(QSettings().value(QStringLiteral("remote/tokenFile")).toString(),
                 QFileInfo(file).absoluteFilePath());
        ConsoleShell next;
        QSignalSpy windows(&next, &ConsoleShell::windowChanged);
        next.startRemembered();
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        QVERIFY(next.session()->info().remote);
        next.stop();
    }

    /// A token the engine does not know is refused, and the window says so in its language:
    /// the engine's English ("the token is not known …") was all the Chinese console said.
    void aRefusedTokenIsSaidInTheChosenLanguage()
    {
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(path(QStringLiteral("language.db")), path(QStringLiteral("language.json")),
                        {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        shell.window()->switchLanguage(QStringLiteral("zh_CN"));
        const QString kind = QCoreApplication::translate("Error", "the API token is not valid");
        shell.connectRemote(QUrl(m_daemon.url()), "jft_not-a-token-of-this-engine", {}, false);
        auto *message = shell.window()->findChild<QLabel *>(QStringLiteral("messageLabel"));
        QVERIFY(message);
        QTRY_VERIFY_WITH_TIMEOUT(message->toolTip().contains(m_daemon.url()), 15000);
        const QString chinese = message->toolTip();
        shell.window()->switchLanguage(QStringLiteral("en"));
        QVERIFY2(!kind.startsWith(QStringLiteral("the API")) && chinese.contains(kind) &&
                     !chinese.startsWith(QStringLiteral("Cannot connect")),
                 qPrintable(chinese));
        QCOMPARE(windows.size(), 1); // still the store's window
        shell.stop();
    }

    /// No engine at the address: the window says so once, naming the URL and the cause. It
    /// said "Cannot connect to the engine at URL: the engine cannot be reached (cannot reach
    /// the engine at URL: Connection refused)".
    void anEngineThatIsNotThereIsSaidOnce()
    {
        QTcpServer closed; // a port that was free a moment ago: nothing listens on it now
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort());
        closed.close();
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(path(QStringLiteral("nothere.db")), path(QStringLiteral("nothere.json")),
                        {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 15000);
        auto *message = shell.window()->findChild<QLabel *>(QStringLiteral("messageLabel"));
        QVERIFY(message);
        for (const QString &language : {QStringLiteral("en"), QStringLiteral("zh_CN")}) {
            shell.window()->switchLanguage(language);
            message->setToolTip({}); // the whole message
            shell.connectRemote(QUrl(url), "jft_any-token", {}, false);
            QTRY_VERIFY_WITH_TIMEOUT(message->toolTip().contains(url), 15000);
            const QString text = message->toolTip();
            const QString refused = QCoreApplication::translate("Reason", "connection refused");
            QVERIFY2(text.count(url) == 1 && text.contains(refused, Qt::CaseInsensitive) &&
                         text.count(QStringLiteral("reach"), Qt::CaseInsensitive) ==
                             (language == u"en" ? 1 : 0),
                     qPrintable(text));
        }
        shell.window()->switchLanguage(QStringLiteral("en"));
        QCOMPARE(windows.size(), 1); // still the store's window
        shell.stop();
    }

    void aPostgreSqlStoreShowsItsTargetAsItIs()
    {
        // The console's own engine on --db postgresql://… as main() hands it to the shell,
        // the password in a file (never in the URL, argv or settings), one jobfirst-nodesim
        // target. The Sync page shows an event delivered; the target killed, it shows the
        // target failing with the backlog waiting; the target back, the backlog drains.
        if (PostgresServer::binDir().isEmpty() && !qEnvironmentVariableIsSet("CI"))
            QSKIP("PostgreSQL is not installed (scripts/bootstrap installs it)");
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString password = QStringLiteral("console-pw-7Hq2");
        QVERIFY(pg.addPasswordRole(QStringLiteral("console"), password));
        QFile passFile(path(QStringLiteral("console.pgpass")));
        QVERIFY(passFile.open(QIODevice::WriteOnly));
        passFile.write(QStringLiteral("127.0.0.1:%1:console:console:%2\n")
                           .arg(pg.port())
                           .arg(password)
                           .toUtf8());
        passFile.close();
        QVERIFY(passFile.setPermissions(QFile::ReadOwner | QFile::WriteOwner)); // libpq asks
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("pg-target")));
        const QString config = path(QStringLiteral("pg.json"));
        ClusterConfig c = simTargetConfig(target); // target "t"
        c.syncRetryIntervalMs = 100;
        c.maxSyncRetries = 100; // failing, not dead, while the target is away
        QVERIFY(c.saveToFile(config).ok());
        const QString url = QStringLiteral("postgresql://console@127.0.0.1:%1/console?passfile=%2")
                                .arg(pg.port())
                                .arg(passFile.fileName());
        ConsoleShell shell;
        QSignalSpy windows(&shell, &ConsoleShell::windowChanged);
        shell.openStore(url, config, path(QStringLiteral("pg-local.db")));
        QTRY_COMPARE_WITH_TIMEOUT(windows.size(), 1, 20000);
        QVERIFY(!shell.session()->info().demo);
        QTRY_VERIFY_WITH_TIMEOUT(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE usename ="
                                   " 'console'"))
                    .toInt() > 0,
            10000);
        QVERIFY(!QSettings().value(QStringLiteral("store/path")).toString().contains(password));
        ui::MainWindow *window = shell.window();
        window->showPage(3);
        const auto cell = [window](int column) {
            auto *m = window->sync()->targetModel();
            const int row = m->rowOfKey(QStringLiteral("t"));
            return row < 0 ? QString() : m->index(row, column).data().toString();
        };
        const auto send = [&shell](const QString &prefix, int n) {
            return shell.session()
                ->sendEvents(newUsers(prefix, n), SyncMode::RealTime, {})
                .result()
                .ok();
        };
        QVERIFY(send(QStringLiteral("first"), 1));
        QTRY_COMPARE_WITH_TIMEOUT(cell(5), QStringLiteral("1"), 15000); // Delivered
        QCOMPARE(cell(3), QStringLiteral("0"));                         // Backlog

        // The target gone: what is sent waits, and the target is shown failing.
        target.kill();
        QVERIFY(send(QStringLiteral("second"), 3));
        QTRY_COMPARE_WITH_TIMEOUT(cell(3), QStringLiteral("3"), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(!cell(9).isEmpty(), 15000); // Last error
        QTRY_VERIFY2_WITH_TIMEOUT(cell(2).startsWith(QStringLiteral("open, next probe in")),
                                  qPrintable(cell(2)), 30000);
        QCOMPARE(cell(5), QStringLiteral("1"));

        // Back: the backlog drains, and every event is delivered.
        QVERIFY(target.restart());
        QTRY_COMPARE_WITH_TIMEOUT(cell(3), QStringLiteral("0"), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(5), QStringLiteral("4"), 10000);
        QVERIFY2(!cell(2).startsWith(QStringLiteral("open")), qPrintable(cell(2)));

        // PostgreSQL away: the backlog is not known, so neither the status bar nor the
        // Overview shows the last count as current (it said "0", then "delivery stands by:
        // (store unavailable: …) delivers from this store"); back, the count is.
        auto *backlog = window->findChild<QLabel *>(QStringLiteral("backlogLabel"));
        QVERIFY(backlog);
        QTRY_COMPARE_WITH_TIMEOUT(backlog->text(), QStringLiteral("Sync backlog: 0"), 10000);
        const qint64 awayAt = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(pg.stop(QStringLiteral("fast")));
        QTRY_COMPARE_WITH_TIMEOUT(
            backlog->text(),
            QStringLiteral("Sync backlog: not known while the store cannot be reached"), 20000);
        QVERIFY2(backlog->toolTip().contains(QStringLiteral("store")),
                 qPrintable(backlog->toolTip()));
        const auto card = [window] { return window->overview()->cardValue(6); };
        QCOMPARE(window->overview()->cardCaption(6), QStringLiteral("Sync backlog"));
        QTRY_COMPARE_WITH_TIMEOUT(card(), QStringLiteral("—"), 5000);
        // Nor does the Sync page's target row (it said "0" and its oldest wait, as if live).
        QTRY_COMPARE_WITH_TIMEOUT(cell(3), QStringLiteral("—"), 5000); // Backlog
        QCOMPARE(cell(4), QStringLiteral("—"));                        // Oldest waiting
        {
            auto *m = window->sync()->targetModel();
            const QString why =
                m->index(m->rowOfKey(QStringLiteral("t")), 3).data(Qt::ToolTipRole).toString();
            QVERIFY2(why.contains(QStringLiteral("cannot be reached")), qPrintable(why));
        }
        // Away for a while: the store's connections fail at once while a probe tries the
        // server each second (PostgresProbe), and the engine's log says once that delivery
        // stands by, not at every claim (the reason may change as the server goes:
        // "terminating connection", then "Connection refused"). Several claims stand by: the
        // delivery loop claims each second.
        const auto standsByAWhile = [&] {
            return backlog->toolTip().contains(QStringLiteral("trying the server every")) &&
                   QDateTime::currentMSecsSinceEpoch() - awayAt > 5000;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(standsByAWhile(), qPrintable(backlog->toolTip()), 30000);
        const qint64 backAt = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(pg.resume());
        QTRY_COMPARE_WITH_TIMEOUT(backlog->text(), QStringLiteral("Sync backlog: 0"), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(card(), QStringLiteral("0"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(3), QStringLiteral("0"), 5000);
        LogQuery leaseLines;
        leaseLines.text = QStringLiteral("delivery.lease");
        leaseLines.since = awayAt;
        leaseLines.until = backAt;
        const Result<QList<LogEntry>> lines = shell.session()->logs(leaseLines).result();
        QVERIFY2(lines.ok(), lines ? "" : qPrintable(lines.error().message));
        QStringList standing;
        for (const LogEntry &e : lines.value())
            if (e.fields.value(QStringLiteral("delivery")).toString().startsWith(u"standby"))
                standing << e.fields.value(QStringLiteral("delivery")).toString();
        QVERIFY2(!standing.isEmpty() && standing.size() <= 3, qPrintable(standing.join(u'\n')));
        shell.stop();
    }

    void cleanupTestCase() { m_daemon.terminate(); }
};

QTEST_MAIN(TestConsoleShell)
#include "tst_consoleshell.moc"
