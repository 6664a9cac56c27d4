// SPDX-License-Identifier: GPL-3.0-or-later
// What a stand-by engine's lease claim answered, read as a reason: each worded as what it is
// (a busy SQLite store is not one that cannot be reached), with a stable code for labels. The
// busy answer comes from a real claim on a real store file another connection is writing.
#include "store/sqliteoutboxstore.h"
#include "store/store.h"
#include "sync/deliverystandby.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestDeliveryStandby final : public QObject
{
    Q_OBJECT

private slots:
    void eachAnswerIsItsReason_data()
    {
        QTest::addColumn<QString>("answer");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::newRow("delivering") << ""
                                    << "active in this process"
                                    << "self";
        QTest::newRow("another process") << "h:1:n"
                                         << "standby, lease held by h:1:n"
                                         << "other_process";
        QTest::newRow("every partition") << "all 32 partitions held by h:1:a, h:2:b"
                                         << "standby, every partition held by h:1:a, h:2:b"
                                         << "all_partitions_held";
        QTest::newRow("not started") << "(not started)"
                                     << "standby, not started yet"
                                     << "not_started";
        QTest::newRow("late") << "(lease renewal answered too late)"
                              << "standby, the lease renewal answered too late"
                              << "renewal_late";
        QTest::newRow("away") << "(store unavailable: connection refused)"
                              << "standby, store unavailable: connection refused"
                              << "store_away";
        QTest::newRow("busy") << "(store busy: database is locked)"
                              << "standby, the store is busy: another process is writing to it "
                                 "(database is locked)"
                              << "store_busy";
        QTest::newRow("not synced")
            << "(store not synced: disk I/O error)"
            << "standby, the store's last write could not be synced to disk (disk I/O error)"
            << "store_not_synced";
        QTest::newRow("stopped") << "(sync outbox stopped)"
                                 << "standby, the sync outbox is not running"
                                 << "stopped";
    }
    void eachAnswerIsItsReason()
    {
        QFETCH(QString, answer);
        QFETCH(QString, text);
        QFETCH(QString, code);
        const DeliveryStandby standby = DeliveryStandby::of(answer);
        QCOMPARE(standby.text(), text);
        QCOMPARE(standby.code(), code);
    }

    /// Another connection holding the store's write lock for longer than the busy timeout:
    /// the claim says the store is busy, not that it cannot be reached; once the lock is gone
    /// the claim succeeds.
    void aClaimOnAStoreAnotherProcessWritesIsBusy()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("busy.db"));
        auto store = Store::open(path);
        QVERIFY2(store, qPrintable(store ? QString() : store.error().message));
        auto outbox = SqliteOutboxStore::open(path);
        QVERIFY2(outbox, qPrintable(outbox ? QString() : outbox.error().message));
        {
            QSqlDatabase writer =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("writer"));
            writer.setDatabaseName(path);
            QVERIFY(writer.open());
            QSqlQuery q(writer);
            QVERIFY(q.exec(QStringLiteral("BEGIN IMMEDIATE")));
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            const QString answer = outbox.value()->claimLease(QStringLiteral("me"), 3000, now);
            const DeliveryStandby standby = DeliveryStandby::of(answer);
            QVERIFY2(standby.reason == DeliveryStandby::Reason::StoreBusy, qPrintable(answer));
            QCOMPARE(standby.code(), QStringLiteral("store_busy"));
            QVERIFY2(standby.text().contains(QLatin1String("another process is writing")),
                     qPrintable(standby.text()));
            QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
            QCOMPARE(outbox.value()->claimLease(QStringLiteral("me"), 3000, now), QString());
            writer.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("writer"));
    }
};

QTEST_GUILESS_MAIN(TestDeliveryStandby)
#include "tst_deliverystandby.moc"
