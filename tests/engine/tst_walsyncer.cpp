// SPDX-License-Identifier: GPL-3.0-or-later
// WalSyncer alone on a real file: callers are answered after a sync, many by one sync, and a
// sync that cannot be done fails its callers and every one after them.
#include "store/walsyncer.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <mutex>

using namespace jobfirst;

class TestWalSyncer final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void callersAreAnsweredAfterASync()
    {
        QFile wal(m_dir.filePath(QStringLiteral("a.db-wal")));
        QVERIFY(wal.open(QIODevice::WriteOnly));
        wal.write("frames");
        wal.flush();
        WalSyncer syncer(wal.fileName());
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
    }
};

QTEST_GUILESS_MAIN(TestWalSyncer)
#include "tst_walsyncer.moc"
