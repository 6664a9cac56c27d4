// SPDX-License-Identifier: GPL-3.0-or-later
// A daemon that died stays listed, marked as such, until it is forgotten (Consul's
// force-leave): two real jobfirstd on a PostgreSQL of the test's own, one SIGKILLed. The
// admin API and jobfirstctl say "late"/"gone" and "not heard from for …", never show it like
// a live one; forgetting it is refused while its heartbeat is fresh (it would come back), is
// for admins only, and is audited.
#include "daemonprocess.h"
#include "postgresserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <signal.h>

class TestDaemonForget final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// The daemons as `token` reads them from `daemon`, by process id.
    static QHash<qint64, QJsonObject> daemonsSeen(const DaemonProcess &daemon,
                                                  const QByteArray &token)
    {
        QHash<qint64, QJsonObject> byPid;
        const ApiReply r = apiCall(daemon.url(), "GET", QStringLiteral("/api/v1/daemons"), token);
        for (const QJsonValue &v : r.json().toArray()) {
            const QJsonObject d = v.toObject();
            byPid.insert(d[QStringLiteral("id")].toString().section(u':', 1, 1).toLongLong(), d);
        }
        return byPid;
    }

    static QString path(const QString &id)
    {
        return QStringLiteral("/api/v1/daemons/") +
               QString::fromLatin1(QUrl::toPercentEncoding(id));
    }

private slots:
    void aKilledDaemonIsMarkedGoneAndForgottenOnlyOnceGone()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        QVERIFY(writeNoTargetConfig(config));
        const QString local = m_dir.filePath(QStringLiteral("d0.db"));
        const QString operatorFile =
            makeToken(local, m_dir.path(), QStringLiteral("op"), QStringLiteral("operator"));
        QVERIFY(!operatorFile.isEmpty());
        DaemonProcess daemons[2];
        const QByteArray admin = startWithToken(daemons[0], pg.url(), config, local,
                                                QStringLiteral("root"), QStringLiteral("admin"));
        QVERIFY(!admin.isEmpty());
        const QString adminFile = m_dir.filePath(QStringLiteral("root.token"));
        QVERIFY(daemons[1].start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("d1.db"))}));
        const qint64 killed = daemons[1].pid();
        QTRY_VERIFY_WITH_TIMEOUT(daemonsSeen(daemons[0], admin).size() == 2, 15000);
        const QJsonObject before = daemonsSeen(daemons[0], admin).value(killed);
        QCOMPARE(before[QStringLiteral("state")].toString(), QStringLiteral("live"));
        const QString id = before[QStringLiteral("id")].toString();
        const auto ctl = [&](const QStringList &args, const QString &tokenFile) {
            return runCtl(QStringList{QStringLiteral("--server"), daemons[0].url(),
                                      QStringLiteral("--token-file"), tokenFile} +
                          args);
        };

        daemons[1].kill(); // no clean stop: its row stays, its heartbeat ages
        // Fresh: refused, naming why (it may be running and would list itself again).
        const ApiReply early = apiCall(daemons[0].url(), "DELETE", path(id), admin);
        QCOMPARE(early.status, 409);
        QVERIFY2(early.body.contains("daemon.alive"), early.body.constData());
        const CtlRun refused =
            ctl({QStringLiteral("daemons"), QStringLiteral("forget"), id}, adminFile);
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains("would list itself again"), refused.err.constData());
        // Not for operators.
        QCOMPARE(apiCall(daemons[0].url(), "DELETE", path(id), readToken(operatorFile)).status,
                 403);
        // The survivor itself is alive: refused too.
        const QString self =
            daemonsSeen(daemons[0], admin).value(daemons[0].pid())[QStringLiteral("id")].toString();
        QCOMPARE(apiCall(daemons[0].url(), "DELETE", path(self), admin).status, 409);

        // Late, then gone (older than its lease): said so in words, its rate not a live one.
        QTRY_COMPARE_WITH_TIMEOUT(
            daemonsSeen(daemons[0], admin).value(killed)[QStringLiteral("state")].toString(),
            QStringLiteral("gone"), 30000);
        const QJsonObject gone = daemonsSeen(daemons[0], admin).value(killed);
        QVERIFY(gone[QStringLiteral("deliveries_per_second")].isNull());
        QCOMPARE(daemonsSeen(daemons[0], admin)
                     .value(daemons[0].pid())[QStringLiteral("state")]
                     .toString(),
                 QStringLiteral("live"));
        const CtlRun text = ctl({QStringLiteral("daemons")}, adminFile);
        QCOMPARE(text.code, 0);
        QByteArray line;
        for (const QByteArray &l : text.out.split('\n'))
            if (l.startsWith(id.toUtf8()))
                line = l;
        QVERIFY2(line.contains(" gone ") && line.contains("not heard from for "),
                 text.out.constData());

        // Gone: forgotten by an admin, audited, and listed no more.
        const CtlRun forgot =
            ctl({QStringLiteral("daemons"), QStringLiteral("forget"), id}, adminFile);
        QVERIFY2(forgot.code == 0, forgot.err.constData());
        QVERIFY(!daemonsSeen(daemons[0], admin).contains(killed));
        QCOMPARE(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM daemon_heartbeats WHERE daemon = '%1'")
                        .arg(id)),
            QStringLiteral("0"));
        const ApiReply audit = apiCall(daemons[0].url(), "GET",
                                       QStringLiteral("/api/v1/audit?filter=daemon.forget"), admin);
        bool audited = false;
        for (const QJsonValue &e : audit.json().toArray())
            audited |= e[QStringLiteral("action")].toString() == QLatin1String("daemon.forget") &&
                       e[QStringLiteral("subject")].toString() == id &&
                       e[QStringLiteral("actor")].toString() == QLatin1String("api:root");
        QVERIFY2(audited, audit.body.constData());
        // Again: there is no such daemon now.
        const ApiReply again = apiCall(daemons[0].url(), "DELETE", path(id), admin);
        QCOMPARE(again.status, 404);
        QVERIFY2(again.body.contains("daemon.unknown"), again.body.constData());
        QCOMPARE(daemons[0].terminate(), 0);
    }

    /// Daemons may run different --lease: a daemon stopped (SIGSTOP) with --lease 40 keeps its
    /// partitions for 40 s, so past the default 10 s it is late, not gone, and cannot be
    /// forgotten; once its leases end (SIGKILL frees them at once on this host) it is gone.
    /// Judged by a fixed 10 s, it read "gone" while its partitions were still its own.
    void aDaemonWhoseLongerLeaseStillRunsIsLateNotGone()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("long.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess standard, patient;
        const QByteArray admin = startWithToken(standard, pg.url(), config,
                                                m_dir.filePath(QStringLiteral("standard.db")),
                                                QStringLiteral("lead"), QStringLiteral("admin"));
        QVERIFY(!admin.isEmpty());
        QVERIFY(patient.start(pg.url(), config,
                              {QStringLiteral("--local-db"),
                               m_dir.filePath(QStringLiteral("patient.db")),
                               QStringLiteral("--lease"), QStringLiteral("40")}));
        const qint64 pid = patient.pid(); // 0 once it has ended
        const auto seen = [&] { return daemonsSeen(standard, admin).value(pid); };
        QTRY_VERIFY_WITH_TIMEOUT(seen()[QStringLiteral("lease_left_ms")].toDouble() > 10000, 30000);
        const QString id = seen()[QStringLiteral("id")].toString();

        QVERIFY(::kill(pid_t(pid), SIGSTOP) == 0);
        QTRY_VERIFY_WITH_TIMEOUT(seen()[QStringLiteral("heartbeat_age_ms")].toDouble() > 11000,
                                 30000);
        const QJsonObject stopped = seen();
        QCOMPARE(stopped[QStringLiteral("state")].toString(), QStringLiteral("late"));
        QVERIFY(stopped[QStringLiteral("lease_left_ms")].toDouble() > 0);
        const ApiReply refused = apiCall(standard.url(), "DELETE", path(id), admin);
        QCOMPARE(refused.status, 409);
        QVERIFY2(refused.body.contains("partition leases run"), refused.body.constData());

        patient.kill(); // SIGKILL ends a stopped process too; its leases are freed
        QTRY_COMPARE_WITH_TIMEOUT(seen()[QStringLiteral("state")].toString(),
                                  QStringLiteral("gone"), 30000);
        QCOMPARE(apiCall(standard.url(), "DELETE", path(id), admin).status, 204);
        QCOMPARE(standard.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDaemonForget)
#include "tst_daemonforget.moc"
