// SPDX-License-Identifier: GPL-3.0-or-later
// What the console's shell cannot open or attach to, said in Chinese. A store it cannot open at
// start, in the dialog shown before any window: the console's translators are installed before the
// engine is opened (main() does it with ConsoleLanguage::install, as initTestCase() does here), and
// the store's refusals carry sentences. The real console, started with --language zh_CN (or with
// Chinese chosen last) on a file that is not a store, says so in Chinese too. An engine URL whose
// server answers what no jobfirstd answers (HTTP 5xx, not JSON, a reset): the network's and the
// server's part in Chinese, the URL kept. Real SQLite files, real TCP on loopback, real widgets.
#include "api/enginesession.h"
#include "consolelanguage.h"
#include "consoleshell.h"
#include "daemonprocess.h"
#include "damagedstore.h"
#include "mainwindow.h"
#include "programrun.h"
#include "scriptedserver.h"
#include "store/store.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestShellRefusals final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    /// The dialog a start that opened nothing shows, while it is shown; else null.
    static QMessageBox *openFailedDialog()
    {
        for (QWidget *w : QApplication::topLevelWidgets())
            if (w->objectName() == u"openFailed" && w->isVisible())
                return qobject_cast<QMessageBox *>(w);
        return nullptr;
    }

    /// What the dialog says when the console is asked to open `store` at start; the dialog is
    /// closed (Quit would end the test) and nothing is left running.
    static QString saidAtStart(const QString &store, const QString &localDb = {})
    {
        ConsoleShell shell;
        shell.openStore(store, {}, localDb);
        if (!QTest::qWaitFor([] { return openFailedDialog() != nullptr; }, 20000))
            return QStringLiteral("no dialog");
        QMessageBox *box = openFailedDialog();
        const QString said = box->text();
        box->disconnect();
        box->close();
        return said;
    }

    /// The bytes of `file`; empty for a folder or nothing.
    static QByteArray contents(const QString &file)
    {
        QFile f(file);
        return QFileInfo(file).isFile() && f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    /// What the Chinese window of a store's engine says (whole, in the tooltip) when it is
    /// asked to attach to `url` with `token`, which fails: it keeps the store's engine.
    QString saidWhenAttaching(const QString &url, const QByteArray &token) const
    {
        ConsoleShell shell;
        shell.openStore(path(QStringLiteral("attach.db")), path(QStringLiteral("attach.json")), {},
                        true);
        if (!QTest::qWaitFor([&shell] { return shell.window() != nullptr; }, 15000))
            return QStringLiteral("no window");
        shell.window()->switchLanguage(QStringLiteral("zh_CN"));
        auto *message = shell.window()->findChild<QLabel *>(QStringLiteral("messageLabel"));
        shell.connectRemote(QUrl(url), token, {}, false);
        if (!QTest::qWaitFor([&] { return message->toolTip().contains(url); }, 15000))
            return QStringLiteral("nothing said about ") + url;
        const QString shown = message->toolTip();
        const bool kept = !shell.session()->info().remote;
        shell.stop();
        return kept ? shown : QStringLiteral("attached: ") + shown;
    }

    static void writeFile(const QString &file, const QByteArray &content)
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
    }

    /// An SQLite file that is not a JobFirst store: one table of someone else's.
    void makeForeignSqlite(const QString &file)
    {
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE invoices(id INTEGER)")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    }

    /// A store written by a newer program: its schema version is past this one's.
    void makeNewerStore(const QString &file)
    {
        auto store = Store::open(file);
        QVERIFY(store.ok());
        QVERIFY(
            QSqlQuery(store.value()->database())
                .exec(QStringLiteral("UPDATE meta SET value = '99' WHERE key = 'schema_version'")));
    }

    /// The console, as an operator starts it: offscreen, its settings in a folder of its own
    /// that says `language` was chosen last (none: nothing remembered).
    QProcessEnvironment consoleEnvironment(const QString &name, const QString &language) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        const QString config = path(name + QStringLiteral("-xdg"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
        if (!language.isEmpty()) {
            QDir().mkpath(config + QStringLiteral("/JobFirst"));
            writeFile(config + QStringLiteral("/JobFirst/jobfirst-console.conf"),
                      "[General]\nlanguage=" + language.toUtf8() + "\n");
        }
        return env;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("jobfirst-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_shellrefusals"));
        QSettings().clear();
        // What main() does before it opens the engine.
        ui::ConsoleLanguage::install(QStringLiteral("zh_CN"));
    }

    // Each was the engine's English inside the Chinese dialog ("无法打开集群存储 X：X is not a
    // JobFirst store (not an SQLite database)"). The file's path is kept as it is.
    void aStoreThatCannotBeOpenedIsSaidInChinese_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("said");
        QTest::newRow("not SQLite") << "notes"
                                    << "%1 不是 JobFirst 存储（不是 SQLite 数据库）";
        QTest::newRow("someone else's SQLite")
            << "foreign"
            << "%1 是 SQLite 文件，但不是 JobFirst 存储（它有表 invoices，却没有 meta 表）";
        QTest::newRow("newer schema") << "newer"
                                      << "%1 的架构版本为 99；本程序最高只能读取 ";
        QTest::newRow("corrupt") << "corrupt"
                                 << "存储 %1 已损坏（";
        QTest::newRow("a folder") << "folder"
                                  << "存储 %1 是目录，不是文件";
        QTest::newRow("no such folder") << "missing/cluster"
                                        << "存储 %1：文件夹 %2 不存在";
    }

    void aStoreThatCannotBeOpenedIsSaidInChinese()
    {
        QFETCH(QString, kind);
        QFETCH(QString, said);
        const QString store = path(kind + QStringLiteral(".db"));
        if (kind == u"notes")
            writeFile(store, QByteArray(5000, 'n'));
        else if (kind == u"foreign")
            makeForeignSqlite(store);
        else if (kind == u"newer")
            makeNewerStore(store);
        else if (kind == u"corrupt")
            QVERIFY(makeCorruptStore(store));
        else if (kind == u"folder")
            QVERIFY(QDir().mkpath(store));
        const QByteArray before = contents(store);
        const QString shown = saidAtStart(store);
        const QString expected =
            QStringLiteral("无法打开集群存储 %1：").arg(store) +
            said.replace(QStringLiteral("%1"), store)
                .replace(QStringLiteral("%2"), QFileInfo(store).absolutePath());
        QVERIFY2(shown.startsWith(expected), qPrintable(shown + u'\n' + expected));
        // Nothing was changed or made.
        if (kind == u"foreign")
            QEXPECT_FAIL("someone else's SQLite",
                         "Store::open turns the file to WAL mode before it reads its tables",
                         Continue);
        QCOMPARE(contents(store), before);
        QVERIFY(!QFile::exists(path(QStringLiteral("missing"))));
    }

    // A store another process holds exclusively (a restore, a tool) was said in English.
    void aLockedStoreIsSaidInChinese()
    {
        const QString store = path(QStringLiteral("locked.db"));
        QVERIFY(Store::open(store).ok());
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("holder"));
            db.setDatabaseName(store);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA locking_mode=EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
            QVERIFY(q.exec(QStringLiteral("UPDATE meta SET value = value WHERE key = 'magic'")));
            const QString shown = saidAtStart(store);
            QVERIFY2(
                shown.startsWith(
                    QStringLiteral("无法打开集群存储 %1：存储 %1 被另一个进程锁定").arg(store)),
                qPrintable(shown));
            q.exec(QStringLiteral("ROLLBACK"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("holder"));
    }

    // A PostgreSQL store where nothing answers: "cannot be reached" came in English.
    void aPostgreSqlStoreThatDoesNotAnswerIsSaidInChinese()
    {
        const QString url = QStringLiteral("postgresql://jobfirst@127.0.0.1:1/jobfirst");
        const QString shown = saidAtStart(url, path(QStringLiteral("pg-local.db")));
        const QString reason = QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))
                                   ? QStringLiteral("无法连接到 PostgreSQL 存储 ")
                                   : QStringLiteral("未安装 Qt 的 PostgreSQL 驱动");
        QVERIFY2(shown.startsWith(QStringLiteral("无法打开集群存储 ")) && shown.contains(reason) &&
                     shown.contains(QStringLiteral("127.0.0.1:1")),
                 qPrintable(shown));
    }

    // The real console, before any window: the dialog (and stderr, which says the same) was
    // English whatever the language, as the translator came with the first window.
    void theConsoleSaysItInItsLanguageBeforeAnyWindow_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("remembered");
        QTest::newRow("--language zh_CN") << QStringList{"--language", "zh_CN"} << QString();
        QTest::newRow("Chinese chosen last") << QStringList() << QStringLiteral("zh_CN");
    }

    void theConsoleSaysItInItsLanguageBeforeAnyWindow()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, remembered);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).remove(u' ');
        const QString store = path(name + QStringLiteral("-notes.db"));
        writeFile(store, QByteArray(5000, 'n'));
        // --screenshots: with nothing opened, it ends by itself (exit 1) after 7 s.
        const ProgramRun run = runProgram(
            QStringLiteral(JOBFIRST_CONSOLE),
            options + QStringList{QStringLiteral("--db"), store, QStringLiteral("--screenshots"),
                                  path(name + QStringLiteral("-shots"))},
            consoleEnvironment(name, remembered));
        const QString err = QString::fromUtf8(run.err);
        QCOMPARE(run.code, 1);
        QVERIFY2(err.contains(QStringLiteral("jobfirst-console: 无法打开集群存储 %1：%1 不是 "
                                             "JobFirst 存储（不是 SQLite 数据库）")
                                  .arg(store)),
                 qPrintable(err));
    }

    // Attaching to what is not a jobfirstd: the console composed the words of the failure in
    // English ("the engine at URL answered HTTP 502 with something that is not JSON (…)"). A
    // whole 5xx answer was said to have ended before it all came (Qt flags the status as an
    // error of the reply).
    void aFailedAttachIsSaidInChinese_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<int>("ending");
        QTest::addColumn<QString>("said");
        const int keep = int(ScriptedServer::Ending::Keep);
        QTest::newRow("HTTP 502, not JSON")
            << QByteArray("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
                          "Content-Length: 20\r\nConnection: close\r\n\r\n<html>gateway</html>")
            << keep << "应答了 HTTP 502，但内容不是 JSON（";
        QTest::newRow("HTTP 503 without a reason")
            << QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                          "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
            << keep << "应答了 HTTP 503，但未说明原因：不是 jobfirstd 管理 API 的应答";
        QTest::newRow("closed") << QByteArray() << int(ScriptedServer::Ending::Close)
                                << "服务器未作应答就关闭了连接";
    }

    void aFailedAttachIsSaidInChinese()
    {
        QFETCH(QByteArray, answer);
        QFETCH(int, ending);
        QFETCH(QString, said);
        ScriptedServer server(answer, ScriptedServer::Ending(ending));
        const QString shown = saidWhenAttaching(server.url(QString()), "jft_any-token");
        QVERIFY2(shown.contains(said) && !shown.contains(QStringLiteral("the ")),
                 qPrintable(shown));
    }

    // A token the engine does not know: the kind was Chinese, jobfirstd's reason English.
    void aTokenTheEngineDoesNotKnowIsSaidInChinese()
    {
        const QString db = path(QStringLiteral("remote.db"));
        QVERIFY(!makeToken(db, m_dir.path(), QStringLiteral("boss"), QStringLiteral("admin"))
                     .isEmpty());
        DaemonProcess daemon;
        QVERIFY(daemon.start(db, path(QStringLiteral("remote.json"))));
        const QString shown = saidWhenAttaching(daemon.url(), "jft_not-a-token-of-this-engine");
        QVERIFY2(shown.contains(QStringLiteral("该令牌未知（已被撤销，或从未创建）")),
                 qPrintable(shown));
        daemon.terminate();
    }
};

QTEST_MAIN(TestShellRefusals)
#include "tst_shellrefusals.moc"
