// SPDX-License-Identifier: GPL-3.0-or-later
// A store that is full (max_page_count): delivery outcomes cannot be committed. The engine
// must not re-send in a storm while it cannot record what was acknowledged, and must lose
// nothing once there is space again.
#include "messageskept.h"
#include "nodesimprocess.h"
#include "simtargetconfig.h"
#include "store/ledgerranges.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestDiskFull final : public QObject
{
    Q_OBJECT

    static qint64 pragma(Store &store, const QString &name)
    {
        QSqlQuery q(store.database());
        return q.exec(QStringLiteral("PRAGMA %1").arg(name)) && q.next() ? q.value(0).toLongLong()
                                                                         : -1;
    }

private slots:
    void cleanup() { Store::setMaxPageCount(0); }

    void fullStoreBacksOffAndLosesNothing()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("t")));
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("full.db"));
        auto store = std::move(Store::open(db)).value(); // the test's own, unlimited connection
        ClusterConfig config = simTargetConfig(sim);
        config.syncRetryIntervalMs = 50;
        const int events = 300;
        {
            SyncService sync(store.get(), config);
            QVERIFY(sync.start(false).ok());
            QList<SyncEvent> list;
            for (int i = 0; i < events; ++i) {
                SyncEvent e;
                e.type = QStringLiteral("user.created");
                e.userId = QStringLiteral("u%1").arg(i);
                list << e;
            }
            QVERIFY(sync.publish(list).ok());
        }
        // Fill the file to the limit the engine's connections will have, leaving no free page.
        // Room counted in 4 KiB (a new store's pages are smaller): what the filler frees must
        // hold the ledger's rows once space is back.
        const qint64 pages4k = 4096 / pragma(*store, QStringLiteral("page_size"));
        const qint64 limit = pragma(*store, QStringLiteral("page_count")) + 4 * pages4k;
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE filler (b BLOB)")));
        while (pragma(*store, QStringLiteral("page_count")) < limit + 2 * pages4k)
            QVERIFY2(q.exec(QStringLiteral("INSERT INTO filler VALUES (zeroblob(3000))")),
                     qPrintable(q.lastError().text()));
        // A delivery's acknowledgement needed room of its own when it was a ledger row per user;
        // as a range per target (SqliteDoneMarker) it grows in place, which a full file takes.
        // Recording one takes room again here, so that outcomes cannot be committed until
        // space is back.
        for (const char *event : {"INSERT", "UPDATE"})
            QVERIFY2(q.exec(QStringLiteral("CREATE TRIGGER acks_take_room_%1 AFTER %1 ON"
                                           " ledger_ranges BEGIN INSERT INTO filler VALUES"
                                           " (zeroblob(3000)); END")
                                .arg(QLatin1String(event))),
                     qPrintable(q.lastError().text()));
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
        QCOMPARE(pragma(*store, QStringLiteral("freelist_count")), 0);
        Store::setMaxPageCount(limit);

        // The engine says when a failed commit pauses its sending.
        const MessagesKept pauses(QStringLiteral("sending pauses"));
        SyncService sync(store.get(), config);
        QVERIFY(sync.start(true).ok());
        // Deliveries go out and are acknowledged, but their outcomes cannot be written.
        QTRY_VERIFY_WITH_TIMEOUT(
            sim.get(QStringLiteral("/stats"))[QStringLiteral("received")].toInt() > 0, 10000);
        const auto received = [&sim] {
            return sim.get(QStringLiteral("/stats"))[QStringLiteral("received")].toInt();
        };
        // The first failed commit starts the pause; counting begins after it, so the figure is
        // the steady rate a full store causes, not the first burst.
        QTRY_VERIFY_WITH_TIMEOUT(!pauses.kept().isEmpty(), 10000);
        const int start = received();
        QTest::qWait(3000); // the point of the test: how many requests a full store causes in 3 s
        const int during = received() - start;
        qInfo("requests to the receiver during 3 s with a full store: %d (backlog %lld)", during,
              sync.backlog());
        // Each pending delivery goes at most once per pause (0.5 s, doubling): in 3 s at most four
        // pauses end. Without the pause this was 24,593 requests in 3 s here.
        QVERIFY2(during <= 4 * events,
                 qPrintable(QStringLiteral("%1 requests in 3 s: a re-send storm").arg(during)));
        QVERIFY(sync.backlog() > 0); // not recorded as delivered

        // Space is back: every event arrives, each recorded once.
        QVERIFY(q.exec(QStringLiteral("DROP TRIGGER acks_take_room_INSERT")));
        QVERIFY(q.exec(QStringLiteral("DROP TRIGGER acks_take_room_UPDATE")));
        QVERIFY(q.exec(QStringLiteral("DELETE FROM filler")));
        QTRY_COMPARE_WITH_TIMEOUT(sync.backlog(), 0, 90000);
        QCOMPARE(sim.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), events);
        QSqlQuery check(store->database());
        QVERIFY(check.exec(QStringLiteral("SELECT COUNT(*) FROM (%1)")
                               .arg(LedgerRanges::latestVersionsSql())) &&
                check.next());
        QCOMPARE(check.value(0).toInt(), events);
        sync.stop();
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
