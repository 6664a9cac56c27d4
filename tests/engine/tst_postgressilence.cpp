// SPDX-License-Identifier: GPL-3.0-or-later
// The cluster state store on a real PostgreSQL of the test's own that stops answering (frozen:
// its host cut off, the kernel still taking packets). Its calls run on the engine's thread in
// jobfirstd, and before they waited for ever: every API request and every snapshot hung
// behind them. Now the connection is dropped after the silence limit with "store
// unavailable" naming why, calls meanwhile fail at once instead of each waiting out a
// connect, and the store answers again once the server does.
#include "postgresserver.h"
#include "store/postgresstatestore.h"
#include "store/statechangewatcher.h"
#include "store/postgresurl.h"

#include <QElapsedTimer>
#include <QtTest>

#include <future>

using namespace jobfirst;

namespace {

/// What the store answered through the outage, found on a thread of its own.
struct Outcome
{
    QString setup;             ///< non-empty when the store could not be used at all
    Error firstError;          ///< the call that met the frozen server
    QList<Error> laterErrors;  ///< the calls after it, while the server stays frozen
    qint64 slowestLaterMs = 0; ///< the longest any of those took
    bool answersAfterThaw = false;
};

Outcome throughAnOutage(PostgresServer &pg)
{
    Outcome outcome;
    auto store = PostgresStateStore::open(pg.url());
    if (!store || !store.value()->loadNodes()) {
        outcome.setup = store ? QStringLiteral("loadNodes failed") : store.error().message;
        return outcome;
    }
    if (!pg.freeze()) {
        outcome.setup = QStringLiteral("cannot freeze the server");
        return outcome;
    }
    auto first = store.value()->loadNodes();
    outcome.firstError = first ? Error{} : first.error();
    // Spread over a few seconds, so a store that tried to connect again on its own thread
    // would do it during them (a connect to this server waits out connect_timeout, 5 s).
    for (int i = 0; i < 6; ++i) {
        QElapsedTimer took;
        took.start();
        auto later = store.value()->auditLog(1);
        outcome.slowestLaterMs = std::max(outcome.slowestLaterMs, took.elapsed());
        outcome.laterErrors << (later ? Error{} : later.error());
        QThread::msleep(700);
    }
    pg.thaw();
    QDeadlineTimer deadline(20000);
    while (!outcome.answersAfterThaw && !deadline.hasExpired()) {
        outcome.answersAfterThaw = bool(store.value()->loadNodes());
        QThread::msleep(100);
    }
    return outcome;
}

} // namespace

class TestPostgresSilence final : public QObject
{
    Q_OBJECT

private slots:
    void aFrozenServerMakesTheStoreUnavailableInsteadOfHanging()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto running = std::async(std::launch::async, [&pg] { return throughAnOutage(pg); });
        const ThawAtEnd thaw(pg); // thaws first if this fails, so the thread can end
        QVERIFY2(running.wait_for(std::chrono::seconds(90)) == std::future_status::ready,
                 "a call on the frozen server was still waiting after 90 s");
        const Outcome outcome = running.get();
        QVERIFY2(outcome.setup.isEmpty(), qPrintable(outcome.setup));

        QCOMPARE(outcome.firstError.code, QStringLiteral("store.unavailable"));
        QVERIFY2(outcome.firstError.message.contains(QStringLiteral("no answer from the server for 6 s")),
                 qPrintable(outcome.firstError.message));
        QVERIFY2(outcome.firstError.message.contains(pg.url()), qPrintable(outcome.firstError.message));
        for (const Error &e : outcome.laterErrors)
            QCOMPARE(e.code, QStringLiteral("store.unavailable"));
        // Each fails at once: none waits for a connect (connect_timeout is 5 s).
        QVERIFY2(outcome.slowestLaterMs < 2500, qPrintable(QString::number(outcome.slowestLaterMs)));
        QVERIFY(outcome.answersAfterThaw);
    }

    void theWatcherOfOtherDaemonsSaysWhenTheStoreIsLostAndBack()
    {
        // What raises the engine's "store" incident (and ends it): the poll of the change
        // marks finds the store unavailable once, and answering again once.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store = PostgresStateStore::open(pg.url());
        QVERIFY(store);
        StateChangeWatcher watcher(store.value().get(), 200);
        QStringList lost;
        int back = 0;
        connect(&watcher, &StateChangeWatcher::lost, this, [&](const QString &why) { lost << why; });
        connect(&watcher, &StateChangeWatcher::back, this, [&] { ++back; });
        watcher.start();
        QCOMPARE(back, 1); // the first read found it: an incident left from before ends
        back = 0;
        const ThawAtEnd thaw(pg);
        QVERIFY(pg.freeze());
        QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, 20000);
        QVERIFY2(lost.first().contains(QStringLiteral("no answer from the server")), qPrintable(lost.first()));
        // A fixed wait on purpose: what is checked is that nothing more is reported while
        // more polls fail in it.
        QTest::qWait(1000);
        QCOMPARE(lost.size(), 1);
        QCOMPARE(back, 0);
        pg.thaw();
        QTRY_COMPARE_WITH_TIMEOUT(back, 1, 20000);
        watcher.stop();
    }
};

QTEST_GUILESS_MAIN(TestPostgresSilence)
#include "tst_postgressilence.moc"
