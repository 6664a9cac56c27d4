// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-console's command line as a user types it: --help and --version, and each bad
// option refused in its own words with exit code 2, before the console needs a display; which
// of two bad options is named first.
#include "programrun.h"

#include <QTemporaryDir>
#include <QtTest>

class TestConsoleOptions final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    /// No display: whatever is said must be said before the console opens a window.
    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(QString::fromLatin1(name));
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), path(QStringLiteral("xdg")));
        return env;
    }
    static void refused(const char *tag, const QStringList &args, const QString &line)
    {
        QTest::newRow(tag) << args << QStringLiteral("jobfirst-console: ") + line;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QFile token(path(QStringLiteral("any.token")));
        QVERIFY(token.open(QIODevice::WriteOnly) && token.write("jft_any-token\n") == 14);
        token.close();
        QVERIFY(token.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    }

    void helpAndVersion()
    {
        const ProgramRun help =
            runProgram(QStringLiteral(JOBFIRST_CONSOLE), {"--help"}, environment());
        QCOMPARE(help.code, 0);
        QVERIFY2(
            help.out.startsWith("Usage: jobfirst-console [options]\nJobFirst Cluster Console\n"),
            help.out.constData());
        for (const char *option :
             {"--demo", "--db <file|url>", "--local-db <file>", "--config <file>",
              "--create-config", "--connect <url>", "--token-file <file>", "--ca-file <file>",
              "--language <code>", "--page <n>", "--screenshots <dir>", "--quit-after <seconds>",
              "--startup-report"})
            QVERIFY2(help.out.contains(option), option);
        QVERIFY(help.err.isEmpty());
        const ProgramRun version =
            runProgram(QStringLiteral(JOBFIRST_CONSOLE), {"--version"}, environment());
        QCOMPARE(version.code, 0);
        QCOMPARE(version.out, QByteArray("jobfirst-console " JOBFIRST_VERSION "\n"));
        QVERIFY(version.err.isEmpty());
    }

    void badOptionsAreRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("said"); // the whole of stderr, but its last newline
        const QString db = path(QStringLiteral("c.db"));
        const QString missing = path(QStringLiteral("missing.json"));
        const QString token = path(QStringLiteral("any.token"));
        refused("an unknown option", {"--frobnicate"}, "Unknown option 'frobnicate'. (see --help)");
        refused("a value missing", {"--page"}, "Missing value after '--page'. (see --help)");
        refused("--db postgresql:// without --local-db", {"--db", "postgresql://u@127.0.0.1:1/db"},
                "--db postgresql://u@127.0.0.1:1/db keeps the sync outbox, nodes, config, audit, "
                "SLO history and API tokens in PostgreSQL; logs and import checkpoints still "
                "live in a SQLite file of this engine: give it with --local-db FILE");
        const QString leaseRange = QStringLiteral(" must be a whole number of seconds from 3 to "
                                                  "300 (how long a stopped process keeps its "
                                                  "partitions)");
        refused("--lease too short", {"--db", db, "--lease", "2"}, "--lease \"2\"" + leaseRange);
        refused("--lease too long", {"--db", db, "--lease", "301"}, "--lease \"301\"" + leaseRange);
        refused("--lease, a word", {"--db", db, "--lease", "1m"}, "--lease \"1m\"" + leaseRange);
        refused("--config without --db", {"--config", missing},
                "--config FILE goes with --db (the store it configures)");
        refused("--config missing", {"--db", db, "--config", missing},
                QStringLiteral("--config %1: no such config file (check the path; --create-config "
                               "makes one there: the store's latest config, or new)")
                    .arg(missing));
        refused("--language", {"--language", "fr"},
                "--language \"fr\" is not a language of the console (en, zh_CN)");
        refused("--page, a word", {"--page", "two"}, "--page \"two\" is not a page (0-8)");
        refused("--page 9", {"--page", "9"}, "--page \"9\" is not a page (0-8)");
        refused("--page -1", {"--page", "-1"}, "--page \"-1\" is not a page (0-8)");
        refused("--quit-after 0", {"--quit-after", "0"}, "--quit-after takes a number of seconds");
        refused("--quit-after, a word", {"--quit-after", "soon"},
                "--quit-after takes a number of seconds");
        refused("--connect, a bad port",
                {"--connect", "http://127.0.0.1:70000", "--token-file", token},
                "--connect: \"http://127.0.0.1:70000\" is not an engine URL: port 70000 is out of "
                "range 1-65535");
        refused("--connect without --token-file", {"--connect", "http://127.0.0.1:1"},
                "--connect needs --token-file FILE (the token is never given on the command line)");
        refused(
            "--token-file missing",
            {"--connect", "http://127.0.0.1:1", "--token-file", path(QStringLiteral("no.token"))},
            QStringLiteral("cannot read the token file %1: No such file or directory")
                .arg(path(QStringLiteral("no.token"))));
        // Of two bad options, the first in this order is named: the store, --config, the
        // window's options, then --connect.
        refused("--db before --config", {"--db", "postgresql://x", "--config", missing},
                "--db URL: no user (expected postgresql://user@host:port/database)");
        refused("--config before --language", {"--config", missing, "--language", "fr"},
                "--config FILE goes with --db (the store it configures)");
        refused("--language before --page", {"--language", "fr", "--page", "12"},
                "--language \"fr\" is not a language of the console (en, zh_CN)");
        refused("--page before --quit-after", {"--page", "12", "--quit-after", "0"},
                "--page \"12\" is not a page (0-8)");
        refused("--quit-after before --connect", {"--quit-after", "0", "--connect", "ftp://x"},
                "--quit-after takes a number of seconds");
    }
    void badOptionsAreRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, said);
        const ProgramRun run = runProgram(QStringLiteral(JOBFIRST_CONSOLE), args, environment());
        QCOMPARE(run.code, 2);
        QVERIFY2(run.out.isEmpty(), run.out.constData());
        QCOMPARE(QString::fromUtf8(run.err), said + u'\n');
    }
};

QTEST_GUILESS_MAIN(TestConsoleOptions)
#include "tst_consoleoptions.moc"
