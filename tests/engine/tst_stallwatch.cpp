// SPDX-License-Identifier: GPL-3.0-or-later
// StallWatch against this test process itself, stopped with SIGSTOP and continued.
#include "core/stallwatch.h"
#include "processstall.h"

#include <QtTest>

using namespace jobfirst;

class TestStallWatch final : public QObject
{
    Q_OBJECT

private slots:
    void aStopOfTheProcessIsSeenAndNothingElseIs()
    {
        const auto watch = StallWatch::shared();
        QCOMPARE(StallWatch::shared(), watch); // one a process
        const qint64 before = StallWatch::nowNs();
        // Running, busy or idle, is no stall. A fixed wait on purpose: what is under test is
        // that nothing is reported over a span longer than the stall limit (1 s) with no stop.
        QTest::qWait(1200);
        QVERIFY(!watch->stalledSince(before));
        QCOMPARE(watch->lastStallMs(), qint64(0));
        QVERIFY(stallThisProcess(2000, {}, 0));
        // Said at once, whether or not the watch's own thread has woken since.
        QVERIFY(watch->stalledSince(before));
        QTRY_VERIFY(watch->lastStallMs() >= 1500);
        QVERIFY2(watch->lastStallMs() < 4000, qPrintable(QString::number(watch->lastStallMs())));
        // A request started after the stall (once the watch woke from it) is not excused.
        QTRY_VERIFY(!watch->stalledSince(StallWatch::nowNs()));
        const qint64 after = StallWatch::nowNs();
        // Fixed on purpose: a request running a while after the stall is still not excused.
        QTest::qWait(300);
        QVERIFY(!watch->stalledSince(after));
    }
};

QTEST_GUILESS_MAIN(TestStallWatch)
#include "tst_stallwatch.moc"
