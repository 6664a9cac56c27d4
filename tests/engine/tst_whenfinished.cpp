// SPDX-License-Identifier: GPL-3.0-or-later
// whenFinished(): a future finished by another thread is answered exactly once, on the
// context's thread, however the finish and the attaching interleave; never when the future is
// canceled or the context is gone. whenFinishedThen() gives the future of that answer, canceled
// when it never comes.
#include "core/whenfinished.h"

#include <QPromise>
#include <QThread>
#include <QtTest>

#include <memory>
#include <vector>

using namespace jobfirst;

class TestWhenFinished final : public QObject
{
    Q_OBJECT

private slots:
    void aFutureFinishedOnAnotherThreadIsAnsweredOnceOnTheContextsThread()
    {
        // As the admin API does per request: the engine thread finishes the future while this
        // thread is still attaching the answer to it. With future.then(&context, ...) here
        // instead, Qt 6.4.2 ran some continuation twice and this died in
        // QFutureInterfaceBase::reportStarted() in each of 6 runs (a third of runs at 100,000).
        QThread engine;
        engine.start();
        QObject onEngine;
        onEngine.moveToThread(&engine);
        QObject context;
        constexpr int Rounds = 300000;
        std::vector<int> answered(Rounds, 0);
        int elsewhere = 0;
        for (int i = 0; i < Rounds; ++i) {
            auto promise = std::make_shared<QPromise<int>>();
            const QFuture<int> future = promise->future();
            promise->start();
            QMetaObject::invokeMethod(&onEngine, [promise, i] {
                promise->addResult(i);
                promise->finish();
            });
            whenFinished(future, &context,
                         [&answered, &elsewhere, main = QThread::currentThread()](int v) {
                             ++answered[std::size_t(v)];
                             elsewhere += QThread::currentThread() != main;
                         });
            if (i % 1000 == 999) // as the API's event loop does between requests
                QCoreApplication::processEvents();
        }
        QTRY_VERIFY_WITH_TIMEOUT(std::count(answered.begin(), answered.end(), 1) == Rounds, 30000);
        QCOMPARE(elsewhere, 0);
        // Nothing is answered twice later, and the watchers are gone.
        QTRY_COMPARE(context.children().size(), 0);
        QCOMPARE(std::count(answered.begin(), answered.end(), 1), qsizetype(Rounds));
        engine.quit();
        engine.wait();
    }

    void aFinishedFutureIsAnsweredFromTheEventLoop()
    {
        QObject context;
        int got = 0;
        bool voidDone = false;
        whenFinished(QtFuture::makeReadyFuture(7), &context, [&got](int v) { got = v; });
        whenFinished(QtFuture::makeReadyFuture(), &context, [&voidDone] { voidDone = true; });
        QCOMPARE(got, 0); // not from inside whenFinished(), as then(context) does not either
        QTRY_COMPARE(got, 7);
        QTRY_VERIFY(voidDone);
    }

    void aCanceledFutureOrAGoneContextIsNotAnswered()
    {
        QObject context;
        int calls = 0;
        {
            QPromise<int> abandoned; // destroyed unfinished: its future ends canceled
            abandoned.start();
            whenFinished(abandoned.future(), &context, [&calls](int) { ++calls; });
        }
        auto gone = std::make_unique<QObject>();
        QPromise<int> late;
        late.start();
        whenFinished(late.future(), gone.get(), [&calls](int) { ++calls; });
        gone.reset();
        late.addResult(1);
        late.finish();
        // A ready future on a context that stays: proves the event loop ran far enough.
        bool ran = false;
        whenFinished(QtFuture::makeReadyFuture(1), &context, [&ran](int) { ran = true; });
        QTRY_VERIFY(ran);
        QTRY_COMPARE(context.children().size(), 0);
        QCOMPARE(calls, 0);
    }

    void aChainGetsTheFutureOfItsAnswerComputedOnTheContextsThread()
    {
        QThread engine;
        engine.start();
        QObject onEngine;
        onEngine.moveToThread(&engine);
        QObject context;
        auto promise = std::make_shared<QPromise<int>>();
        promise->start();
        const QFuture<QString> answer =
            whenFinishedThen(promise->future(), &context, [main = QThread::currentThread()](int v) {
                return QStringLiteral("%1 on %2")
                    .arg(v)
                    .arg(QThread::currentThread() == main ? QStringLiteral("main")
                                                          : QStringLiteral("another"));
            });
        QMetaObject::invokeMethod(&onEngine, [promise] {
            promise->addResult(6);
            promise->finish();
        });
        QTRY_VERIFY(answer.isFinished());
        QVERIFY(!answer.isCanceled());
        QCOMPARE(answer.result(), QStringLiteral("6 on main"));

        bool ran = false;
        const QFuture<void> done =
            whenFinishedThen(QtFuture::makeReadyFuture(), &context, [&ran] { ran = true; });
        QTRY_VERIFY(done.isFinished());
        QVERIFY(ran);
        QVERIFY(!done.isCanceled());
        engine.quit();
        engine.wait();
    }

    void aChainIsCanceledWhenItsFutureIsOrItsContextIsGone()
    {
        QObject context;
        int calls = 0;
        QFuture<int> fromAbandoned;
        {
            QPromise<int> abandoned;
            abandoned.start();
            fromAbandoned = whenFinishedThen(abandoned.future(), &context, [&calls](int v) {
                ++calls;
                return v;
            });
        }
        auto gone = std::make_unique<QObject>();
        QPromise<int> late;
        late.start();
        const QFuture<int> fromGone = whenFinishedThen(late.future(), gone.get(), [&calls](int v) {
            ++calls;
            return v;
        });
        gone.reset();
        QVERIFY(fromGone.isFinished()); // at once: nothing is left that could answer it
        QVERIFY(fromGone.isCanceled());
        late.addResult(1);
        late.finish();
        QTRY_VERIFY(fromAbandoned.isFinished());
        QVERIFY(fromAbandoned.isCanceled());
        QCOMPARE(calls, 0);
    }
};

QTEST_GUILESS_MAIN(TestWhenFinished)
#include "tst_whenfinished.moc"
