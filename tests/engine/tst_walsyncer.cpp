// SPDX-License-Identifier: GPL-3.0-or-later
// WalSyncer alone on a real file: callers are answered after a sync, many by one sync, and a
// sync that cannot be done fails its callers and every one after them; a lone caller writes
// its own intent-log record, in turn; a thread that cannot start is an exception, not an abort.
#include "store/walsyncer.h"
#include "threadroom.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace jobfirst;

class TestWalSyncer final : public QObject
{
    Q_OBJECT

    enum Outcome { Constructed = 0, Thrown = 1 };

    QTemporaryDir m_dir;

    /// A record of one event of `user`, not placed yet.
    static IntentLog::Record record(const QString &user)
    {
        OutboxRequest request(std::in_place_type<EventWrite>);
        OutboxItem i;
        i.event.eventId = QStringLiteral("evt-") + user;
        i.event.type = QStringLiteral("user.updated");
        i.event.userId = user;
        i.event.createdAt = 1700000000000;
        i.targets = {QStringLiteral("a")};
        i.payload = "{}";
        std::get<EventWrite>(request).items = {i};
        OutboxRequest *const writes[] = {&request};
        return IntentLog::encode(writes);
    }

    /// A WAL file with a few bytes written to it (empty when it cannot be made).
    QString writtenWal(const QString &name)
    {
        QFile wal(m_dir.filePath(name));
        if (!wal.open(QIODevice::WriteOnly) || wal.write("frames") != 6 || !wal.flush())
            return {};
        return wal.fileName();
    }

private slots:
    void callersAreAnsweredAfterASync()
    {
        const QString wal = writtenWal(QStringLiteral("a.db-wal"));
        QVERIFY(!wal.isEmpty());
        WalSyncer syncer(wal);
        std::atomic<int> ok{0};
        for (int i = 0; i < 200; ++i)
            syncer.submit([&](bool synced, const QString &) { ok += synced ? 1 : 0; });
        QTRY_COMPARE(ok.load(), 200);
        // Callers waiting while a sync runs share the next one.
        QVERIFY2(syncer.syncs() >= 1 && syncer.syncs() <= 200, qPrintable(QString::number(syncer.syncs())));
    }

    void callersWaitingAtStopAreAnswered()
    {
        QFile wal(m_dir.filePath(QStringLiteral("b.db-wal")));
        QVERIFY(wal.open(QIODevice::WriteOnly));
        std::atomic<int> answered{0};
        {
            WalSyncer syncer(wal.fileName());
            for (int i = 0; i < 50; ++i)
                syncer.submit([&](bool, const QString &) { ++answered; });
        }
        QCOMPARE(answered.load(), 50);
    }

    void aFailedSyncFailsEveryCallerFromThenOn()
    {
        const QString missing = m_dir.filePath(QStringLiteral("gone/c.db-wal"));
        WalSyncer syncer(missing);
        std::mutex mutex;
        QStringList errors;
        std::atomic<int> failed{0};
        for (int i = 0; i < 3; ++i)
            syncer.submit([&](bool synced, const QString &error) {
                std::lock_guard lock(mutex);
                if (!synced) {
                    errors << error;
                    ++failed;
                }
            });
        QTRY_COMPARE(failed.load(), 3);
        std::lock_guard lock(mutex);
        QVERIFY2(errors.first().contains(missing), qPrintable(errors.first()));
        // Nor does a sync on the caller's thread confirm anything after a failure.
        WalSyncer::Done here = [](bool, const QString &) {};
        QVERIFY(!syncer.syncHere(here));
    }

    void aLoneCallerIsSyncedOnItsOwnThreadInTurn()
    {
        const QString wal = writtenWal(QStringLiteral("d.db-wal"));
        QVERIFY(!wal.isEmpty());
        WalSyncer syncer(wal);
        // Nothing running or waiting: synced and answered here, before syncHere() returns.
        const auto caller = std::this_thread::get_id();
        std::thread::id answeredOn;
        bool synced = false;
        WalSyncer::Done done = [&](bool ok, const QString &) {
            synced = ok;
            answeredOn = std::this_thread::get_id();
        };
        QVERIFY(syncer.syncHere(done));
        QVERIFY(synced);
        QVERIFY(answeredOn == caller);
        QCOMPARE(syncer.syncs(), 1);
        // With callers waiting for the sync thread, a later one takes its turn behind them:
        // syncHere() declines, and submitted answers keep their order.
        std::mutex mutex;
        std::condition_variable released;
        bool release = false;
        QList<int> order;
        syncer.submit([&](bool, const QString &) { // holds the sync thread until released
            std::unique_lock lock(mutex);
            order << 1;
            released.wait(lock, [&] { return release; });
        });
        syncer.submit([&](bool, const QString &) {
            std::lock_guard lock(mutex);
            order << 2;
        });
        QTRY_VERIFY(([&] {
            std::lock_guard l(mutex);
            return !order.isEmpty();
        }()));
        WalSyncer::Done late = [&](bool, const QString &) {
            std::lock_guard lock(mutex);
            order << 3;
        };
        QVERIFY(!syncer.syncHere(late));
        syncer.submit(std::move(late));
        {
            std::lock_guard lock(mutex);
            release = true;
        }
        released.notify_all();
        QTRY_COMPARE(([&] {
                         std::lock_guard l(mutex);
                         return order.size();
                     }()),
                     3);
        std::lock_guard lock(mutex);
        QCOMPARE(order, (QList<int>{1, 2, 3}));
    }

    void aCallerWritesItsOwnRecordOnlyInTurn()
    {
        const QString wal = writtenWal(QStringLiteral("e.db-wal"));
        QVERIFY(!wal.isEmpty());
        const QString logPath = m_dir.filePath(QStringLiteral("e.db-intent"));
        const QByteArray storeId = QByteArray::fromHex("00112233445566778899aabbccddeeff");
        {
            auto opened = IntentLog::open(logPath, storeId, 64 * 1024);
            QVERIFY(opened.ok());
            std::unique_ptr<IntentLog> log = std::move(opened).value();
            WalSyncer syncer(wal);
            IntentLog::Record ann = record(QStringLiteral("ann"));
            QVERIFY(!syncer.placeHere(ann)); // no log set: the WAL's way
            syncer.setIntentLog(log.get());
            QVERIFY(syncer.placeHere(ann));
            // It holds the sync's turn: no second caller leads, and a sync of the WAL (before
            // the log starts over) waits until the record is written.
            IntentLog::Record bob = record(QStringLiteral("bob"));
            QVERIFY(!syncer.placeHere(bob));
            qint64 syncsSeenAfterSyncNow = 0;
            std::thread walSync([&] {
                QString error;
                if (syncer.syncNow(error))
                    syncsSeenAfterSyncNow = syncer.syncs();
            });
            QString error;
            QVERIFY2(syncer.writeHere(ann, error), qPrintable(error));
            walSync.join();
            QCOMPARE(syncsSeenAfterSyncNow, 2); // the record's sync, then the WAL's
            // With an answer pending on the sync thread, a caller waits its turn (answers keep
            // their order).
            std::mutex mutex;
            std::condition_variable released;
            bool holding = false, release = false;
            syncer.submit([&](bool, const QString &) {
                std::unique_lock lock(mutex);
                holding = true;
                released.wait(lock, [&] { return release; });
            });
            QTRY_VERIFY(([&] {
                std::lock_guard l(mutex);
                return holding;
            }()));
            QVERIFY(!syncer.placeHere(bob));
            {
                std::lock_guard lock(mutex);
                release = true;
            }
            released.notify_all();
            bool placed = false; // QTRY_VERIFY evaluates once more after it held
            QTRY_VERIFY(placed || (placed = syncer.placeHere(bob)));
            QVERIFY2(syncer.writeHere(bob, error), qPrintable(error));
        }
        // Both records are in the log, in order, as a reopened log replays them.
        auto reopened = IntentLog::open(logPath, storeId, 64 * 1024);
        QVERIFY(reopened.ok());
        QCOMPARE(reopened.value()->replay().size(), 2);
        QCOMPARE(reopened.value()->replay()[0].event.userId, QStringLiteral("ann"));
        QCOMPARE(reopened.value()->replay()[1].event.userId, QStringLiteral("bob"));
    }

    // A std::thread that cannot start throws std::system_error (out of threads or memory).
    // When the second of WalSyncer's threads could not, the first was left joinable and
    // unwinding the constructor called std::terminate: the process aborted (SIGABRT) where
    // its caller could have said why. With room for both, it starts: the limit is the cause.
    void aThreadThatCannotStartIsAnExceptionNotAnAbort_data()
    {
        QTest::addColumn<int>("room");
        QTest::addColumn<int>("outcome");
        QTest::newRow("room for one thread") << 1 << int(Thrown);
        QTest::newRow("room for two") << 2 << int(Constructed);
    }
    void aThreadThatCannotStartIsAnExceptionNotAnAbort()
    {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        QSKIP("a sanitizer's shadow memory leaves no room for an address-space limit");
#endif
        QFETCH(int, room);
        QFETCH(int, outcome);
        const QString wal = writtenWal(QStringLiteral("limited.db-wal"));
        QVERIFY(!wal.isEmpty());
        const ChildEnd end = runWithRoomForThreads(room, [&wal] {
            try {
                WalSyncer syncer(wal);
                return int(Constructed);
            } catch (const std::system_error &) {
                return int(Thrown);
            }
        });
        QVERIFY2(end.signal == 0,
                 qPrintable(QStringLiteral("killed by signal %1").arg(end.signal)));
        QCOMPARE(end.code, outcome);
    }
};

QTEST_GUILESS_MAIN(TestWalSyncer)
#include "tst_walsyncer.moc"
