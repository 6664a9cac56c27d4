// SPDX-License-Identifier: GPL-3.0-or-later
// WalSyncer alone on a real file: callers are answered after a sync, many by one sync, and a
// sync that cannot be done fails its callers and every one after them.
#include "store/walsyncer.h"

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

    QTemporaryDir m_dir;

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
};

QTEST_GUILESS_MAIN(TestWalSyncer)
#include "tst_walsyncer.moc"
