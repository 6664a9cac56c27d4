// SPDX-License-Identifier: GPL-3.0-or-later
// The console's demo cluster leaves nothing behind, even when the console is killed: its
// simulator processes die with it, and the next start removes the folder it left. The demo
// cluster says `ready` once its nodes are in the engine.
#include "api/localenginesession.h"
#include "democluster.h"
#include "testprograms.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

/// The QTRY_* macros of Qt 6.4 count their timeout in loop steps of 50 ms, not in wall time:
/// a condition that takes time itself (a scan of /proc, on a loaded machine) stretches every
/// step, and a failing wait goes on for twice its timeout before it says so. These wait at most
/// `ms` milliseconds by the clock (QTest::qWaitFor), then check once more to report.
#define WALL_VERIFY(expr, ms)                                                                      \
    do {                                                                                           \
        (void)QTest::qWaitFor([&] { return bool(expr); }, ms);                                     \
        QVERIFY(expr);                                                                             \
    } while (false)
#define WALL_VERIFY2(expr, message, ms)                                                            \
    do {                                                                                           \
        (void)QTest::qWaitFor([&] { return bool(expr); }, ms);                                     \
        QVERIFY2(expr, message);                                                                   \
    } while (false)
#define WALL_COMPARE(actual, expected, ms)                                                         \
    do {                                                                                           \
        (void)QTest::qWaitFor([&] { return (actual) == (expected); }, ms);                         \
        QCOMPARE(actual, expected);                                                                \
    } while (false)

namespace {

struct ProcessInfo
{
    qint64 pid = 0;
    qint64 parent = 0;
    char state = '?';
    QByteArray name;
};

std::optional<ProcessInfo> processInfo(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray line = stat.readAll();
    const qsizetype open = line.indexOf('('), close = line.lastIndexOf(')');
    if (open < 0 || close < open)
        return std::nullopt;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    return ProcessInfo{pid, fields.value(1).toLongLong(),
                       fields.value(0).isEmpty() ? '?' : fields.value(0).at(0),
                       line.mid(open + 1, close - open - 1)};
}

/// The simulators a process started (the kernel cuts names to 15 characters).
QList<qint64> nodesimChildrenOf(qint64 parent)
{
    QList<qint64> children;
    const QStringList entries =
        QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        const auto info = processInfo(pid);
        if (info && info->parent == parent && info->name.startsWith("jobfirst-nodesi") &&
            info->state != 'Z')
            children << pid;
    }
    return children;
}

/// Runs, and is not a zombie waiting to be reaped.
bool alive(qint64 pid)
{
    const auto info = processInfo(pid);
    return info && info->state != 'Z';
}

QStringList demoFolders(const QString &temp)
{
    return QDir(temp).entryList({QStringLiteral("jobfirst-demo-*")},
                                QDir::Dirs | QDir::NoDotAndDotDot);
}

/// The folder under `temp` holding a demo store, whatever it is called; empty when none.
QString folderWithStore(const QString &temp)
{
    QDirIterator it(temp, {QStringLiteral("demo-cluster.db")}, QDir::Files,
                    QDirIterator::Subdirectories);
    return it.hasNext() ? QFileInfo(it.next()).absolutePath() : QString();
}

} // namespace

class TestConsoleDemo final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_temp;
    QList<qint64> m_sims; ///< killed at the end if a failure left them running

    void cleanup()
    {
        for (qint64 pid : std::as_const(m_sims))
            if (alive(pid))
                ::kill(pid_t(pid), SIGKILL);
        m_sims.clear();
    }

    /// Owner line of a folder whose console is this test process (it runs).
    static QByteArray liveOwner()
    {
        QFile stat(QStringLiteral("/proc/self/stat"));
        if (!stat.open(QIODevice::ReadOnly))
            return {};
        const QByteArray line = stat.readAll();
        const QByteArray started = line.mid(line.lastIndexOf(')') + 2).split(' ').value(19);
        return QByteArray::number(QCoreApplication::applicationPid()) + ' ' + started + '\n';
    }

    /// A demo folder under the test's temp with this owner line.
    bool makeFolder(const QString &name, const QByteArray &owner)
    {
        if (!QDir(m_temp.path()).mkpath(name))
            return false;
        QFile f(m_temp.filePath(name + QStringLiteral("/owner")));
        return f.open(QIODevice::WriteOnly) && f.write(owner) == owner.size();
    }

    std::unique_ptr<QProcess> startConsole(const QStringList &args = {QStringLiteral("--demo")})
    {
        auto console = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TMPDIR"), m_temp.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_temp.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        console->setProcessEnvironment(env);
        console->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        console->start(QStringLiteral(JOBFIRST_CONSOLE), args);
        return console;
    }

private slots:
    // --page took 0-7 after the Daemons page (the ninth) came: it could not be opened on.
    void pageOptionTakesEveryPage()
    {
        QProcess console;
        console.start(QStringLiteral(JOBFIRST_CONSOLE), {"--page", "9"});
        QVERIFY(console.waitForFinished(30000));
        QCOMPARE(console.exitCode(), 2);
        QVERIFY(console.readAllStandardError().contains("is not a page (0-8)"));
        // 8 is taken: what is refused next is the option after it (parsed before any window).
        console.start(QStringLiteral(JOBFIRST_CONSOLE),
                      {"--page", "8", "--connect", "http://127.0.0.1:1"});
        QVERIFY(console.waitForFinished(30000));
        QCOMPARE(console.exitCode(), 2);
        const QByteArray err = console.readAllStandardError();
        QVERIFY2(err.contains("--connect needs --token-file") && !err.contains("--page"),
                 err.constData());
    }

    // A token file that is not there is said before the console needs a display: it aborted
    // in Qt's platform set-up instead ("could not connect to display") on a headless machine.
    void missingTokenFileIsSaidWithoutADisplay()
    {
        QProcess console;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        console.setProcessEnvironment(env);
        const QString missing = m_temp.filePath(QStringLiteral("no-such.token"));
        console.start(QStringLiteral(JOBFIRST_CONSOLE),
                      {"--connect", "http://127.0.0.1:1", "--token-file", missing});
        QVERIFY(console.waitForFinished(30000));
        const QByteArray err = console.readAllStandardError();
        QCOMPARE(console.exitStatus(), QProcess::NormalExit);
        QCOMPARE(console.exitCode(), 2);
        QVERIFY2(err.contains(missing.toUtf8()), err.constData());
    }

    void killedConsoleLeavesNothingBehind()
    {
        QVERIFY(m_temp.isValid());
        auto first = startConsole();
        QVERIFY(first->waitForStarted(10000));
        const qint64 firstPid = first->processId();
        WALL_COMPARE(nodesimChildrenOf(firstPid).size(), 9, 30000);
        const QList<qint64> sims = nodesimChildrenOf(firstPid);
        m_sims = sims;
        WALL_VERIFY(!folderWithStore(m_temp.path()).isEmpty(), 30000);
        const QString stale = folderWithStore(m_temp.path());

        // SIGKILL: the console cannot stop anything itself.
        first->kill();
        QVERIFY(first->waitForFinished(10000));
        for (qint64 pid : sims)
            WALL_VERIFY2(!alive(pid),
                         qPrintable(QStringLiteral("nodesim %1 outlived the console").arg(pid)),
                         10000);
        QVERIFY(QFileInfo::exists(stale)); // what the next start must clean up
        QCOMPARE(demoFolders(m_temp.path()), QStringList{QFileInfo(stale).fileName()});

        // A folder whose console still runs is not touched: this test plays that console.
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-running"), liveOwner()));

        auto second = startConsole();
        QVERIFY(second->waitForStarted(10000));
        WALL_VERIFY(!QFileInfo::exists(stale), 30000);
        WALL_COMPARE(nodesimChildrenOf(second->processId()).size(), 9, 30000);
        QVERIFY(QFileInfo::exists(m_temp.filePath(QStringLiteral("jobfirst-demo-running/owner"))));
        QCOMPARE(demoFolders(m_temp.path()).size(), 2); // the second console's own, and ours

        // A console that quits cleanly stops its simulators and removes its own folder.
        const QList<qint64> secondSims = nodesimChildrenOf(second->processId());
        m_sims = secondSims;
        second->terminate();
        QVERIFY(second->waitForFinished(20000));
        for (qint64 pid : secondSims)
            WALL_VERIFY(!alive(pid), 10000);
        QCOMPARE(demoFolders(m_temp.path()), QStringList{QStringLiteral("jobfirst-demo-running")});
    }

    /// The next console start cleans up whatever it opens, not only the demo (session 9: a
    /// killed demo's folder stayed while the console was started on a store).
    void anyConsoleStartRemovesFoldersOfKilledConsoles()
    {
        // A console that ran and is gone: its pid no longer runs (or runs something else).
        QProcess gone;
        gone.start(QStringLiteral("true"));
        QVERIFY(gone.waitForStarted(10000));
        const qint64 pid = gone.processId(); // 0 once it has finished
        QVERIFY(pid > 0);
        QVERIFY(gone.waitForFinished(10000));
        const QByteArray deadOwner = QByteArray::number(pid) + " 12345\n";
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-killed"), deadOwner));
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-opened"), deadOwner));
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-alive"), liveOwner()));

        // Opened on a store (no demo), which lies in a killed console's folder on purpose.
        auto console =
            startConsole({QStringLiteral("--db"),
                          m_temp.filePath(QStringLiteral("jobfirst-demo-opened/kept.db"))});
        QVERIFY(console->waitForStarted(10000));
        WALL_VERIFY(!QFileInfo::exists(m_temp.filePath(QStringLiteral("jobfirst-demo-killed"))),
                    30000);
        QVERIFY(QFileInfo::exists(m_temp.filePath(QStringLiteral("jobfirst-demo-alive/owner"))));
        QVERIFY(QFileInfo::exists(m_temp.filePath(QStringLiteral("jobfirst-demo-opened/owner"))));
        console->terminate();
        QVERIFY(console->waitForFinished(20000));
        QDir(m_temp.filePath(QStringLiteral("jobfirst-demo-opened"))).removeRecursively();
        QDir(m_temp.filePath(QStringLiteral("jobfirst-demo-alive"))).removeRecursively();
    }

    /// A killed demo's store opened again (--db, as after a crash) is in use: another
    /// console's start must not remove its folder. walk23: the next `scripts/run` deleted the
    /// store under the running console, and every event it accepted after that went with it.
    void aFolderWhoseStoreIsOpenIsKept()
    {
        QProcess gone;
        gone.start(QStringLiteral("true"));
        QVERIFY(gone.waitForStarted(10000));
        const qint64 pid = gone.processId();
        QVERIFY(gone.waitForFinished(10000));
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-reopened"),
                           QByteArray::number(pid) + " 12345\n"));
        QVERIFY(
            makeFolder(QStringLiteral("jobfirst-demo-left"), QByteArray::number(pid) + " 12345\n"));
        const QString store = m_temp.filePath(QStringLiteral("jobfirst-demo-reopened/demo.db"));
        auto console = startConsole({QStringLiteral("--db"), store});
        QVERIFY(console->waitForStarted(10000));
        WALL_VERIFY(QFileInfo::exists(store + QStringLiteral("-wal")), 30000);

        // What the next console's start does (this test plays that console). The one left
        // goes, by this sweep or by the start of the console holding the store.
        DemoCluster::removeStaleFolders(m_temp.path());
        QVERIFY(QFileInfo::exists(store));
        QVERIFY(!QFileInfo::exists(m_temp.filePath(QStringLiteral("jobfirst-demo-left"))));

        console->terminate();
        QVERIFY(console->waitForFinished(20000));
        // Closed, it stays: the operator opened it on purpose and may have worked in it
        // (walk28: the next demo's start deleted a recovered store, config and retries and
        // all). Its folder says why it is kept.
        QCOMPARE(DemoCluster::removeStaleFolders(m_temp.path()), 0);
        QVERIFY(QFileInfo::exists(store));
        QFile adopted(m_temp.filePath(QStringLiteral("jobfirst-demo-reopened/adopted")));
        QVERIFY(adopted.open(QIODevice::ReadOnly));
        QVERIFY(adopted.readAll().contains("--db demo.db"));
        // A folder whose console is gone and that nobody opened still goes.
        QVERIFY(makeFolder(QStringLiteral("jobfirst-demo-left2"), "1 12345\n"));
        QCOMPARE(DemoCluster::removeStaleFolders(m_temp.path()), 1);
    }

    /// walk35: `--db STORE --config BAD.json`, BAD.json missing a comma, started a live demo
    /// (nine simulators) and blamed the store. The real console starts nothing: no simulator,
    /// no demo folder, no store file; it names the config file and the line at fault.
    void aMalformedConfigStartsNoDemo()
    {
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const QString bad = temp.filePath(QStringLiteral("bad.json"));
        const QString store = temp.filePath(QStringLiteral("cluster.db"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n    \"fall\": 3\n    \"rise\": 2\n}\n"); // no comma after line 2
        f.close();
        QProcess console;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TMPDIR"), temp.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), temp.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("PATH"), QFileInfo(TestPrograms::nodesim()).absolutePath() +
                                               u':' + env.value(QStringLiteral("PATH")));
        console.setProcessEnvironment(env);
        console.start(QStringLiteral(JOBFIRST_CONSOLE),
                      {"--db", store, "--config", bad, "--quit-after", "8"});
        QVERIFY(console.waitForStarted(10000));
        const qint64 pid = console.processId();
        int simulators = 0;
        while (!console.waitForFinished(200))
            simulators = std::max(simulators, int(nodesimChildrenOf(pid).size()));
        const QByteArray err = console.readAllStandardError();
        QCOMPARE(simulators, 0);
        QCOMPARE(demoFolders(temp.path()), QStringList());
        QVERIFY(!QFile::exists(store));
        QVERIFY2(err.contains("Cannot use the config file " + bad.toUtf8() +
                              ": not valid JSON at line 3,"),
                 err.constData());
        QVERIFY2(!err.contains("cluster store"), err.constData());

        // Rendering screenshots, nobody is there to answer the dialog: it fails, rendering
        // nothing (it rendered the demo's pages as if they were the store's).
        const QString shots = temp.filePath(QStringLiteral("shots"));
        console.start(QStringLiteral(JOBFIRST_CONSOLE),
                      {"--db", store, "--config", bad, "--screenshots", shots});
        QVERIFY(console.waitForFinished(60000));
        QCOMPARE(console.exitCode(), 1);
        QCOMPARE(QDir(shots).entryList(QDir::Files), QStringList());
        QCOMPARE(demoFolders(temp.path()), QStringList());
    }

    /// The console opens its window on the demo when the demo says `ready`: a demo that
    /// never says it leaves the console on its splash for ever.
    void demoClusterSaysReadyWithItsNodesIn()
    {
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const QByteArray oldTemp = qgetenv("TMPDIR"), oldPath = qgetenv("PATH");
        qputenv("TMPDIR", temp.path().toLocal8Bit());
        qputenv("PATH",
                QFileInfo(TestPrograms::nodesim()).absolutePath().toLocal8Bit() + ':' + oldPath);
        jobfirst::LocalEngineSession engine(QStringLiteral("demo:test"));
        {
            DemoCluster demo(&engine);
            QSignalSpy ready(&demo, &DemoCluster::ready);
            QSignalSpy failed(&demo, &DemoCluster::failed);
            demo.start();
            WALL_VERIFY(!ready.isEmpty() || !failed.isEmpty(), 30000);
            QVERIFY2(failed.isEmpty(),
                     failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
            QCOMPARE(ready.size(), 1);
            // Ready means the demo's three nodes are registered, not merely its processes up.
            auto nodes = engine.nodes();
            WALL_VERIFY(nodes.isFinished(), 10000);
            QVERIFY(nodes.result().ok());
            QCOMPARE(nodes.result().value().size(), 3);
            engine.stop();
        }
        qputenv("TMPDIR", oldTemp);
        qputenv("PATH", oldPath);
    }

    /// A node the demo's own requests find failing is down for a reason the console words in
    /// its language ("answered HTTP 503"), as a failed check's. walk23: it was the HTTP
    /// client's English sentence with the URL, on the Alerts page of the Chinese console too.
    void demoRequestFailureIsWordedAsACheckIs()
    {
        QTemporaryDir temp;
        QVERIFY(temp.isValid());
        const QByteArray oldTemp = qgetenv("TMPDIR"), oldPath = qgetenv("PATH");
        qputenv("TMPDIR", temp.path().toLocal8Bit());
        qputenv("PATH",
                QFileInfo(TestPrograms::nodesim()).absolutePath().toLocal8Bit() + ':' + oldPath);
        jobfirst::LocalEngineSession engine(QStringLiteral("demo:test"));
        {
            DemoCluster demo(&engine);
            QSignalSpy ready(&demo, &DemoCluster::ready);
            demo.start();
            WALL_VERIFY(!ready.isEmpty(), 30000);
            auto nodes = engine.nodes();
            WALL_VERIFY(nodes.isFinished(), 10000);
            QVERIFY(nodes.result().ok());
            const jobfirst::NodeStatus node = nodes.result().value().value(1);
            QNetworkAccessManager nam;
            QNetworkRequest control(QUrl(node.spec.url + QStringLiteral("/control")));
            control.setHeader(QNetworkRequest::ContentTypeHeader,
                              QStringLiteral("application/json"));
            std::unique_ptr<QNetworkReply> fault(
                nam.post(control, QByteArray(R"({"status":503})")));
            WALL_VERIFY(fault->isFinished(), 10000);
            QCOMPARE(fault->error(), QNetworkReply::NoError);

            QString reason;
            WALL_VERIFY(!(reason = downReason(engine, node.spec.id)).isEmpty(), 20000);
            QCOMPARE(reason, QStringLiteral("passive: bad status 503"));
            engine.stop();
        }
        qputenv("TMPDIR", oldTemp);
        qputenv("PATH", oldPath);
    }

private:
    /// Why the node last went down, as its health history has it; empty while it has not.
    static QString downReason(jobfirst::LocalEngineSession &engine, const QString &node)
    {
        auto history = engine.nodeHistory(node, 10);
        history.waitForFinished();
        if (!history.result())
            return {};
        for (const jobfirst::HealthEvent &e : history.result().value())
            if (e.to == jobfirst::HealthState::Down)
                return e.reason;
        return {};
    }
};

QTEST_GUILESS_MAIN(TestConsoleDemo)
#include "tst_consoledemo.moc"
