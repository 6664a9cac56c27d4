// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd's command line and start-up as a service manager sees them: each bad option or
// failed start-up step is one error line in the log and exit code 1; a daemon that started
// logs its steps in order, reloads at SIGHUP and stops cleanly at SIGTERM and SIGINT.
#include "programrun.h"
#include "testprograms.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

/// The "level: message" of each JSON log line on stderr.
QStringList logMessages(const QByteArray &err)
{
    QStringList out;
    for (const QByteArray &line : err.split('\n'))
        if (!line.isEmpty()) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            out << o.value(QStringLiteral("level")).toString() + QStringLiteral(": ") +
                       o.value(QStringLiteral("message")).toString();
        }
    return out;
}

} // namespace

class TestJobfirstdOptions final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QTcpServer m_taken; ///< holds a port, so that the admin API cannot listen on it

    QString path(const QString &name) const { return m_dir.filePath(name); }
    void write(const QString &name, const QByteArray &content)
    {
        QFile f(path(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(content), content.size());
    }
    static QProcessEnvironment environment()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        return env;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_taken.listen(QHostAddress::LocalHost));
        write(QStringLiteral("garbage.db"), QByteArray(4096, 'z'));
        write(QStringLiteral("bad.json"), R"({"fall": "three"})");
    }

    void badStartsAreRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("error"); // the log's last line, "level: message"
        const QString db = path(QStringLiteral("refused.db"));
        QTest::newRow("an unknown option")
            << QStringList{"--frobnicate"} << 1 << "jobfirstd: Unknown option 'frobnicate'.";
        QTest::newRow("no --db") << QStringList{} << 1
                                 << "error: --db FILE is required (the cluster store)";
        QTest::newRow("no --db comes first") << QStringList{"--listen", "nope"} << 1
                                             << "error: --db FILE is required (the cluster store)";
        QTest::newRow("--listen without a port")
            << QStringList{"--db", db, "--listen", "nope"} << 1
            << "error: --listen \"nope\": not HOST:PORT (e.g. 127.0.0.1:8700)";
        QTest::newRow("--listen, a host name")
            << QStringList{"--db", db, "--listen", "nohost:80"} << 1
            << "error: --listen \"nohost:80\": \"nohost\" is not an IP address (e.g. "
               "127.0.0.1:8700)";
        QTest::newRow("--listen, a port out of range")
            << QStringList{"--db", db, "--listen", "[::1]:99999"} << 1
            << "error: --listen \"[::1]:99999\": port 99999 is out of range 0-65535 (e.g. "
               "127.0.0.1:8700)";
        QTest::newRow("--refresh-ms, a word")
            << QStringList{"--db", db, "--refresh-ms", "abc"} << 1
            << "error: --refresh-ms must be a whole number from 100 to 60000";
        QTest::newRow("--refresh-ms too small")
            << QStringList{"--db", db, "--refresh-ms", "99"} << 1
            << "error: --refresh-ms must be a whole number from 100 to 60000";
        QTest::newRow("--refresh-ms too large")
            << QStringList{"--db", db, "--refresh-ms", "60001"} << 1
            << "error: --refresh-ms must be a whole number from 100 to 60000";
        QTest::newRow("--lease, a word")
            << QStringList{"--db", db, "--lease", "ten"} << 1
            << "error: --lease \"ten\" must be a whole number of seconds from 3 to 300 (how "
               "long a stopped process keeps its partitions)";
        QTest::newRow("--lease too short")
            << QStringList{"--db", db, "--lease", "2"} << 1
            << "error: --lease \"2\" must be a whole number of seconds from 3 to 300 (how "
               "long a stopped process keeps its partitions)";
        QTest::newRow("--lease too long")
            << QStringList{"--db", db, "--lease", "301"} << 1
            << "error: --lease \"301\" must be a whole number of seconds from 3 to 300 (how "
               "long a stopped process keeps its partitions)";
        QTest::newRow("--listen before --refresh-ms")
            << QStringList{"--db", db, "--listen", "x", "--refresh-ms", "1"} << 1
            << "error: --listen \"x\": not HOST:PORT (e.g. 127.0.0.1:8700)";
        // The store and the config, once the options are good.
        QTest::newRow("--db postgresql:// without --local-db")
            << QStringList{"--db", "postgresql://u@127.0.0.1:1/db"} << 1
            << "error: --db postgresql://u@127.0.0.1:1/db keeps the sync outbox, nodes, config, "
               "audit, SLO history and API tokens in PostgreSQL; logs and import checkpoints "
               "still live in a SQLite file of this engine: give it with --local-db FILE";
        QTest::newRow("--local-db without a postgresql --db")
            << QStringList{"--db", db, "--local-db", path(QStringLiteral("local.db"))} << 1
            << QStringLiteral("error: --local-db is only for --db postgresql://…; with --db FILE "
                              "everything is in that file");
        QTest::newRow("a store that is not one")
            << QStringList{"--db", path(QStringLiteral("garbage.db"))} << 1
            << QStringLiteral("error: %1 is not a JobFirst store (not an SQLite database)")
                   .arg(path(QStringLiteral("garbage.db")));
        QTest::newRow("a bad config")
            << QStringList{"--db", db, "--config", path(QStringLiteral("bad.json"))} << 1
            << QStringLiteral("error: %1: key 'fall': value \"three\" is not a whole number")
                   .arg(path(QStringLiteral("bad.json")));
        QTest::newRow("a missing config")
            << QStringList{"--db", db, "--config", path(QStringLiteral("missing.json"))} << 1
            << QStringLiteral("error: %1: no such config file (check the path; --create-config "
                              "makes one there: the store's latest config, or new)")
                   .arg(path(QStringLiteral("missing.json")));
        // The admin API, once the engine runs: the engine is stopped before the exit.
        const QString taken = QStringLiteral("127.0.0.1:%1").arg(m_taken.serverPort());
        QTest::newRow("a port that is taken")
            << QStringList{"--db", db, "--listen", taken} << 1
            << QStringLiteral("error: cannot listen on %1 (in use, or not an address of this "
                              "host)")
                   .arg(taken);
    }
    void badStartsAreRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, error);
        const ProgramRun run = runProgram(TestPrograms::daemon(), args, environment());
        QCOMPARE(run.code, code);
        QVERIFY2(run.out.isEmpty(), run.out.constData()); // no "listening" line
        if (args.value(0) == QLatin1String("--frobnicate")) {
            QCOMPARE(QString::fromUtf8(run.err), error + u'\n');
            return;
        }
        const QStringList said = logMessages(run.err);
        QVERIFY(!said.isEmpty());
        QCOMPARE(said.last(), error);
        QVERIFY2(!said.contains(QStringLiteral("info: jobfirstd started")),
                 qPrintable(said.join(u'\n')));
    }

    // A daemon that starts says so once it listens; SIGHUP reads the config again; SIGTERM
    // and SIGINT stop it with exit code 0 after "stopping" and before "stopped".
    void startsReloadsAndStopsInOrder_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }
    void startsReloadsAndStopsInOrder()
    {
        QFETCH(int, signal);
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        const QString config = path(tag + QStringLiteral(".json"));
        QProcess daemon;
        QByteArray err;
        connect(&daemon, &QProcess::readyReadStandardError, this,
                [&daemon, &err] { err += daemon.readAllStandardError(); });
        daemon.setProcessEnvironment(environment());
        daemon.start(TestPrograms::daemon(),
                     {"--db", path(tag + QStringLiteral(".db")), "--config", config,
                      "--create-config", "--listen", "127.0.0.1:0"});
        QTRY_VERIFY_WITH_TIMEOUT(daemon.canReadLine(), 30000);
        const QString listening = QString::fromUtf8(daemon.readLine());
        QVERIFY2(QRegularExpression(QStringLiteral("^listening 127\\.0\\.0\\.1:[1-9][0-9]*\n$"))
                     .match(listening)
                     .hasMatch(),
                 qPrintable(listening));
        ::kill(pid_t(daemon.processId()), SIGHUP);
        QTRY_VERIFY_WITH_TIMEOUT(err.contains("SIGHUP"), 20000);
        ::kill(pid_t(daemon.processId()), signal);
        QVERIFY(daemon.waitForFinished(30000));
        err += daemon.readAllStandardError();
        QCOMPARE(daemon.exitStatus(), QProcess::NormalExit);
        QCOMPARE(daemon.exitCode(), 0);
        QVERIFY(daemon.readAllStandardOutput().isEmpty()); // "listening" alone on stdout
        const QStringList steps{
            QStringLiteral("info: %1 was missing: written with a new config and fresh secrets "
                           "(the store had no config version)")
                .arg(config),
            QStringLiteral("info: jobfirstd started"),
            QStringLiteral("info: SIGHUP: reading the config file again"),
            QStringLiteral("info: stopping (signal %1)").arg(signal),
            QStringLiteral("info: jobfirstd stopped")};
        const QStringList said = logMessages(err);
        qsizetype at = 0;
        for (const QString &step : steps) {
            at = said.indexOf(step, at);
            QVERIFY2(at >= 0,
                     qPrintable(step + QStringLiteral(" not in order in:\n") + said.join(u'\n')));
        }
        QCOMPARE(said.last(), steps.last());
        QVERIFY2(said.filter(QRegularExpression(QStringLiteral("^(error|warning): "))).isEmpty(),
                 qPrintable(said.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestJobfirstdOptions)
#include "tst_jobfirstdoptions.moc"
