// SPDX-License-Identifier: GPL-3.0-or-later
// A service manager stops jobfirstd while its PostgreSQL answers nothing (the server's host cut
// off, its kernel still taking packets): the daemon must exit within about a lease period, not
// wait on each of its connections in turn. Before, every outbox connection's next statement
// (a lease claim, then the release of its prepared statements at the end) waited out the
// silence limit one after another: the stop took 55-71 s here, close to systemd's 90 s, after
// which it kills. What the daemon accepted is in PostgreSQL already; its partitions pass on
// when its lease runs out.
#include "daemonprocess.h"
#include "postgresserver.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

class TestFrozenStoreStop final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void aDaemonStopsWithinALeasePeriodWhileItsServerIsFrozen()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        QVERIFY(writeNoTargetConfig(config));
        DaemonProcess daemon;
        QVERIFY(daemon.start(pg.url(), config,
                             {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("d.db"))}));
        // Its claims (each second) have opened the outbox connections.
        QTRY_VERIFY_WITH_TIMEOUT(daemon.logs().contains("partitions here"), 20000);

        const ThawAtEnd thaw(pg);
        QVERIFY(pg.freeze());
        // A connection met the silent server: the moment the old code went on waiting on the
        // others.
        QTRY_VERIFY_WITH_TIMEOUT(daemon.logs().contains("connection dropped"), 30000);
        QElapsedTimer took;
        took.start();
        const int code = daemon.terminate(40000);
        QVERIFY2(code == 0, qPrintable(QStringLiteral("exit code %1 after %2 ms; its log ends: %3")
                                           .arg(code)
                                           .arg(took.elapsed())
                                           .arg(QString::fromUtf8(daemon.logs().right(3000)))));
        // The lease period (10 s) for a statement already sent, once more for one sent as
        // the first connection was dropped, and the rest at once.
        QVERIFY2(took.elapsed() < 30000, qPrintable(QString::number(took.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestFrozenStoreStop)
#include "tst_frozenstorestop.moc"
