// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirst-nodesim's command line as a user types it: each bad option is refused before the
// simulator serves, in its own words and with its exit code; which of two bad options is named
// first; and a simulator that serves stops cleanly at SIGTERM and SIGINT.
#include "programrun.h"
#include "testcertificates.h"
#include "testprograms.h"

#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

class TestNodeSimOptions final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    QTcpServer m_taken; ///< holds a port, so that listening on it fails

    QString path(const QString &name) const { return m_dir.filePath(name); }
    void write(const QString &name, const QByteArray &content)
    {
        QFile f(path(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(content), content.size());
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    }
    static QProcessEnvironment environment(const QStringList &extra)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("JOBFIRST_SECRET"));
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        for (const QString &pair : extra)
            env.insert(pair.section(u'=', 0, 0), pair.section(u'=', 1));
        return env;
    }
    /// A row refused before anything is served: exit code 2 and this one line on stderr.
    static void refused(const char *tag, const QStringList &args, const QString &line,
                        const QStringList &env = {})
    {
        QTest::newRow(tag) << args << env << 2 << QStringLiteral("jobfirst-nodesim: ") + line;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_certs.make(m_dir.path()));
        QVERIFY(m_taken.listen(QHostAddress::LocalHost));
        write(QStringLiteral("weak.secret"), "short\n");
        write(QStringLiteral("any.token"), "jft_any-token\n");
        write(QStringLiteral("junk.pem"), "not a PEM file\n");
    }

    void badOptionsAreRefused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("env"); // NAME=value
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("said"); // the last line on stderr, the simulator's only one
        const QString cert = m_certs.serverCert(), key = m_certs.serverKey();
        const QString junk = path(QStringLiteral("junk.pem"));
        const QString missing = path(QStringLiteral("missing"));
        const QString weak = path(QStringLiteral("weak.secret"));
        const QString weakSecret =
            QStringLiteral("key 'secret': the secret is 5 bytes; at least 24 are needed (a new "
                           "one: 32 random bytes as whsec_<base64>)");
        const QString taken = QString::number(m_taken.serverPort());
        QTest::newRow("an unknown option") << QStringList{"--frobnicate"} << QStringList{} << 1
                                           << "jobfirst-nodesim: Unknown option 'frobnicate'.";
        refused("--port out of range", {"--port", "99999"},
                "--port: port 99999 is out of range 0-65535");
        refused("--port, a word", {"--port", "http"}, "--port: port \"http\" is not a number");
        refused("--register, a bad port", {"--register", "http://127.0.0.1:123456"},
                "--register: \"http://127.0.0.1:123456\" is not an engine URL: port 123456 is out "
                "of range 1-65535");
        refused("--role", {"--role", "bogus"}, "--role must be node or target, not \"bogus\"");
        refused("--secret on the command line",
                {"--secret", "abcdefabcdefabcdefabcdefabcdefabcdef"},
                "--secret is refused: a secret on the command line is visible to every user "
                "(ps); use --secret-file FILE or the JOBFIRST_SECRET environment variable");
        refused(
            "--secret-file missing", {"--secret-file", missing},
            QStringLiteral("cannot read secret file %1: No such file or directory").arg(missing));
        refused("--secret-file weak", {"--secret-file", weak}, weakSecret);
        refused("JOBFIRST_SECRET weak", {}, weakSecret, {"JOBFIRST_SECRET=short"});
        refused("--token-file missing", {"--token-file", missing},
                QStringLiteral("--token-file: cannot read token file %1: No such file or directory")
                    .arg(missing));
        refused("--control-token-file missing", {"--control-token-file", missing},
                QStringLiteral("--control-token-file: cannot read token file %1: No such file or "
                               "directory")
                    .arg(missing));
        const QString pair =
            QStringLiteral("--tls-cert and --tls-key go together, and --client-ca needs them");
        refused("--tls-cert alone", {"--tls-cert", cert}, pair);
        refused("--tls-key alone", {"--tls-key", key}, pair);
        refused("--client-ca alone", {"--client-ca", cert}, pair);
        refused("--tls-key missing", {"--tls-cert", cert, "--tls-key", missing},
                QStringLiteral("cannot read --tls-key %1: No such file or directory").arg(missing));
        refused("--tls-cert without a certificate", {"--tls-cert", junk, "--tls-key", key},
                QStringLiteral("--tls-cert %1 holds no certificate").arg(junk));
        refused("--tls-key without a key", {"--tls-cert", cert, "--tls-key", junk},
                QStringLiteral("--tls-key %1 holds no RSA or EC private key").arg(junk));
        refused("--client-ca without a certificate",
                {"--tls-cert", cert, "--tls-key", key, "--client-ca", junk},
                QStringLiteral("--client-ca %1 holds no certificate").arg(junk));
        refused("--latency, a word", {"--latency", "2s"}, "--latency \"2s\" is not a whole number");
        refused("--status, not HTTP", {"--status", "42"},
                "--status 42 is not an HTTP status (100-599, or 0 to behave)");
        QTest::newRow("a port that is taken")
            << QStringList{"--port", taken} << QStringList{} << 1
            << QStringLiteral("jobfirst-nodesim: cannot listen on 127.0.0.1:%1: The bound address "
                              "is already in use")
                   .arg(taken);
        // --register's token file is read once the simulator listens (it is not a bad option).
        refused("--register without its token file", {"--register", "http://127.0.0.1:1"},
                "--register needs --register-token-file FILE with the node token: : No file name "
                "specified");
        QTest::newRow("--register, nothing there")
            << QStringList{"--register", "http://127.0.0.1:1", "--register-token-file",
                           path(QStringLiteral("any.token"))}
            << QStringList{} << 1
            << "jobfirst-nodesim: cannot register: cannot reach the engine at "
               "http://127.0.0.1:1: Connection refused";
        // Of two bad options, the first in this order is named: port, register, role, secret,
        // tokens, TLS, faults, then the listening port.
        refused("port before role", {"--port", "x", "--role", "y"},
                "--port: port \"x\" is not a number");
        refused("register before role", {"--register", "nope", "--role", "y"},
                "--register: \"nope\" is not an engine URL: use http://HOST:PORT or "
                "https://HOST:PORT");
        refused("role before secret", {"--role", "y", "--secret", "s"},
                "--role must be node or target, not \"y\"");
        refused("secret before tokens", {"--secret-file", weak, "--token-file", missing},
                weakSecret);
        refused("tokens before TLS", {"--token-file", missing, "--tls-cert", cert},
                QStringLiteral("--token-file: cannot read token file %1: No such file or directory")
                    .arg(missing));
        refused("TLS before faults", {"--tls-cert", cert, "--latency", "x"}, pair);
        refused("faults before listening", {"--latency", "x", "--port", taken},
                "--latency \"x\" is not a whole number");
    }
    void badOptionsAreRefused()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, env);
        QFETCH(int, code);
        QFETCH(QString, said);
        const ProgramRun run = runProgram(TestPrograms::nodesim(), args, environment(env));
        QVERIFY2(run.out.isEmpty(), run.out.constData());
        QCOMPARE(run.code, code);
        // Qt may warn first (an empty file name is opened): the simulator says one line, last.
        const QStringList lines = QString::fromUtf8(run.err).split(u'\n');
        QCOMPARE(lines.last(), QString());
        QCOMPARE(lines.value(lines.size() - 2), said);
        QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^jobfirst-nodesim"))).size(), 1);
    }

    // A simulator that serves says so on stdout and stops with exit code 0 at either signal.
    void servesUntilSigtermOrSigint_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("banner");
        QTest::newRow("SIGTERM, a target")
            << int(SIGTERM) << QStringList{"--id", "t1", "--role", "target", "--status", "503"}
            << "jobfirst-nodesim target t1 listening on 127.0.0.1:";
        QTest::newRow("SIGINT, https")
            << int(SIGINT) << QStringList{"--id",       "n1",
                                          "--tls-cert", m_certs.serverCert(),
                                          "--tls-key",  m_certs.serverKey()}
            << "jobfirst-nodesim node n1 listening on 127.0.0.1:";
    }
    void servesUntilSigtermOrSigint()
    {
        QFETCH(int, signal);
        QFETCH(QStringList, args);
        QFETCH(QString, banner);
        QProcess sim;
        sim.setProcessEnvironment(environment({}));
        sim.start(TestPrograms::nodesim(), args);
        QTRY_VERIFY_WITH_TIMEOUT(sim.canReadLine(), 20000);
        const QString line = QString::fromUtf8(sim.readLine()).trimmed();
        QVERIFY2(line.startsWith(banner), qPrintable(line));
        QCOMPARE(line.endsWith(QLatin1String(" (https)")),
                 args.contains(QStringLiteral("--tls-cert")));
        ::kill(pid_t(sim.processId()), signal);
        QVERIFY(sim.waitForFinished(20000));
        QCOMPARE(sim.exitStatus(), QProcess::NormalExit);
        QCOMPARE(sim.exitCode(), 0);
        QCOMPARE(sim.readAllStandardError(), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestNodeSimOptions)
#include "tst_nodesimoptions.moc"
