// SPDX-License-Identifier: GPL-3.0-or-later
// WalCheckpointer alone on a real store: it copies the WAL into the store file on its own
// connection once the WAL has grown enough, and not before.
#include "store/sqliteoutboxstore.h"
#include "store/walcheckpointer.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestWalCheckpointer final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void copiesTheWalOnceItHasGrown()
    {
        const QString db = m_dir.filePath(QStringLiteral("c.db"));
        auto committer = std::move(SqliteOutboxStore::open(db)).value();
        WalCheckpointer checkpointer(db);
        const qint64 storeBefore = QFileInfo(db).size();
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        int i = 0;
        while (committer->walFrames() < WalCheckpointer::FramesPerCheckpoint) {
            OutboxItem it;
            it.event.eventId = QStringLiteral("e%1").arg(++i);
            it.event.type = QStringLiteral("user.updated");
            it.event.userId = QStringLiteral("u");
            it.targets = {QStringLiteral("a")};
            it.payload = QByteArray(20000, 'x');
            keep.push_back(std::make_unique<OutboxRequest>(EventWrite{{it}, {}}));
            QVERIFY(committer->commit({keep.back().get()}, i).ok());
            if (committer->walFrames() < WalCheckpointer::FramesPerCheckpoint) {
                checkpointer.walGrew(committer->walFrames()); // not yet
                QCOMPARE(checkpointer.checkpoints(), 0);
            }
        }
        checkpointer.walGrew(committer->walFrames());
        QTRY_COMPARE(checkpointer.checkpoints(), 1);
        QVERIFY2(QFileInfo(db).size() > storeBefore + qint64(i) * 20000,
                 qPrintable(QStringLiteral("store file %1 bytes").arg(QFileInfo(db).size())));
    }
};

QTEST_GUILESS_MAIN(TestWalCheckpointer)
#include "tst_walcheckpointer.moc"
