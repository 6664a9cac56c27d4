// SPDX-License-Identifier: GPL-3.0-or-later
// OutcomeRecorder with a real outbox writer (on a store file or, with
// JOBFIRST_TEST_OUTBOX=postgresql, a PostgreSQL of the test's own: OutboxBackend): outcomes
// are batched, and rows and users come back to the scheduler only once their outcomes are
// durable.
#include "messageskept.h"
#include "outboxbackend.h"
#include "postgresserver.h"
#include "store/postgresschema.h"
#include "sync/outboxwriter.h"
#include "sync/outcomerecorder.h"

#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <future>

using namespace jobfirst;

class TestOutcomeRecorder final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// Starts `writer` holding the delivery lease, as the delivery engine's does
    /// (PostgreSQL records outcomes for the holder of each row's partition only); "" or why not.
    QString startHolding(OutboxWriter &writer)
    {
        if (!writer.start(1000).ok())
            return QStringLiteral("not started");
        const QString holder = writer.claimLease(QStringLiteral("here:1:recorder"), 600000);
        return holder.isEmpty() ? QString() : QStringLiteral("the lease is held by ") + holder;
    }

    /// The last delivery row written to `outbox` (the writer's durable bound is that row on
    /// SQLite, but any on PostgreSQL: what a reader sees there is durable).
    static qint64 lastDeliveryId(const QString &outbox)
    {
        static int connections = 0;
        QSqlQuery q(OutboxBackend::open(outbox, QStringLiteral("last%1").arg(++connections)));
        return q.exec(QStringLiteral("SELECT MAX(id) FROM deliveries")) && q.next()
                   ? q.value(0).toLongLong()
                   : -1;
    }

    /// An update of each of `users` for target "t".
    static QList<OutboxItem> updates(const QStringList &users)
    {
        QList<OutboxItem> items;
        for (const QString &u : users) {
            OutboxItem it;
            it.event.type = QStringLiteral("user.updated");
            it.event.userId = u;
            it.targets = {QStringLiteral("t")};
            items << it;
        }
        return items;
    }

    /// Target "t" as the scheduler leaves it with `rows` of `users` in flight.
    static void inFlight(QHash<QString, TargetRuntime> &targets, const QSet<qint64> &rows,
                         const QStringList &users)
    {
        TargetRuntime &rt = targets[QStringLiteral("t")];
        rt.config.name = QStringLiteral("t");
        rt.busyRows = rows;
        rt.busyUsers = QSet<QString>(users.begin(), users.end());
        rt.rescan = false;
    }

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void rowsAreFreedOnceTheirOutcomesAreDurable()
    {
        const QString db = OutboxBackend::outbox(m_dir.filePath(QStringLiteral("r.db")));
        OutboxWriter writer(db);
        const QString started = startHolding(writer);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QStringList users{QStringLiteral("ann"), QStringLiteral("bo")};
        auto stored = writer.write(updates(users));
        QVERIFY(stored.ok());
        const qint64 last = lastDeliveryId(db);

        QHash<QString, TargetRuntime> targets;
        inFlight(targets, {last - 1, last}, users);
        TargetRuntime &rt = targets[QStringLiteral("t")];

        std::atomic<int> woken{0};
        OutcomeRecorder recorder(&writer, [&] { ++woken; });
        std::vector<DeliveryOutcome> outcomes(2);
        outcomes[0] = DeliveryOutcome{DeliveryOutcome::Done, last - 1, 1, QStringLiteral("t"), QStringLiteral("ann"),
                                      stored->at(0).eventId, stored->at(0).version, 1, 0, {}, 200, 1.0, {}};
        outcomes[1] = DeliveryOutcome{DeliveryOutcome::Retry, last, 1, QStringLiteral("t"), QStringLiteral("bo"),
                                      stored->at(1).eventId, stored->at(1).version, 1, 99999, QStringLiteral("HTTP 503: x"),
                                      503, 1.0, {}};
        recorder.add(outcomes, 100);
        QVERIFY(outcomes.empty());
        QCOMPARE(recorder.dueAt(), 100 + OutcomeRecorder::BatchAfterMs);
        recorder.flushIfDue(101, false);
        QVERIFY(recorder.waiting()); // not due yet, and more may join
        recorder.flushIfDue(101, true);
        QVERIFY(!recorder.waiting()); // idle: nothing else will join
        QTRY_COMPARE(woken.load(), 1);
        QCOMPARE(recorder.outstanding(), 0);

        OutcomeRecorder::Confirmed confirmed;
        QCOMPARE(recorder.release(targets, 200, confirmed), 2);
        QVERIFY(rt.busyRows.isEmpty() && rt.busyUsers.isEmpty());
        QVERIFY(rt.rescan); // the retried row is pending again behind the cursor
        QCOMPARE(confirmed.delivered, 1);
        QCOMPARE(confirmed.perTarget.value(QStringLiteral("t"))[0], 1);
        QCOMPARE(confirmed.perTarget.value(QStringLiteral("t"))[2], 1);
        QCOMPARE(confirmed.lastError.value(QStringLiteral("t")).first, QStringLiteral("HTTP 503: x"));
        QCOMPARE(writer.counters.total(), 1); // the retried one still waits

        QSqlQuery q(OutboxBackend::open(db, QStringLiteral("rows")));
        QVERIFY(q.exec(QStringLiteral("SELECT state, next_at FROM deliveries ORDER BY id")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("done"));
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toLongLong(), 99999);
    }

    void interleavedTargetsEachGetTheirOwnFigures()
    {
        // Outcomes of several targets mixed in and across batches (one target removed
        // meanwhile): each target's rows, users and figures are its own.
        const QString db = OutboxBackend::outbox(m_dir.filePath(QStringLiteral("interleaved.db")));
        OutboxWriter writer(db);
        const QString started = startHolding(writer);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QStringList names{QStringLiteral("t1"), QStringLiteral("t2"), QStringLiteral("gone")};
        QList<OutboxItem> items;
        for (const QString &u : {QStringLiteral("ann"), QStringLiteral("bo")}) {
            OutboxItem it;
            it.event.type = QStringLiteral("user.updated");
            it.event.userId = u;
            it.targets = names;
            items << it;
        }
        auto stored = writer.write(items);
        QVERIFY(stored.ok());
        QHash<QString, TargetRuntime> targets;
        for (const QString &t : {names[0], names[1]}) {
            targets[t].config.name = t;
            targets[t].rescan = false;
        }
        // Rows as the writer made them: per event, one per target in the order given.
        std::vector<DeliveryOutcome> outcomes;
        qint64 id = lastDeliveryId(db) - 5;
        for (int e = 0; e < 2; ++e) {
            for (const QString &t : names) {
                const QString user = stored->at(e).userId;
                if (targets.contains(t)) {
                    targets[t].busyRows.insert(id);
                    targets[t].busyUsers.insert(user);
                }
                const bool failed = t == names[1] && e == 1;
                outcomes.push_back(
                    DeliveryOutcome{failed ? DeliveryOutcome::Retry : DeliveryOutcome::Done,
                                    id++,
                                    1,
                                    t,
                                    user,
                                    stored->at(e).eventId,
                                    stored->at(e).version,
                                    1,
                                    failed ? 99999 : 0,
                                    failed ? QStringLiteral("HTTP 503: x") : QString(),
                                    failed ? 503 : 200,
                                    1.0,
                                    {}});
            }
        }
        std::atomic<int> woken{0};
        OutcomeRecorder recorder(&writer, [&] { ++woken; });
        std::vector<DeliveryOutcome> first(outcomes.begin(), outcomes.begin() + 4);
        std::vector<DeliveryOutcome> second(outcomes.begin() + 4, outcomes.end());
        recorder.add(first, 100);
        recorder.flush();
        recorder.add(second, 100);
        recorder.flush();
        QTRY_COMPARE(woken.load(), 2);

        OutcomeRecorder::Confirmed confirmed;
        QCOMPARE(recorder.release(targets, 200, confirmed), 6);
        for (const QString &t : {names[0], names[1]})
            QVERIFY2(targets[t].busyRows.isEmpty() && targets[t].busyUsers.isEmpty(),
                     qPrintable(t));
        QVERIFY(!targets[names[0]].rescan);
        QVERIFY(targets[names[1]].rescan); // its retried row is pending again
        QCOMPARE(confirmed.delivered, 5);
        QCOMPARE(confirmed.perTarget.value(names[0]), (std::array<qint64, 3>{2, 0, 0}));
        QCOMPARE(confirmed.perTarget.value(names[1]), (std::array<qint64, 3>{1, 0, 1}));
        QCOMPARE(confirmed.perTarget.value(names[2]), (std::array<qint64, 3>{2, 0, 0}));
        QCOMPARE(confirmed.lastError.keys(), QList<QString>{names[1]});
    }

    void aBatchIsHandedOverOnceItIsFull()
    {
        const QString db = OutboxBackend::outbox(m_dir.filePath(QStringLiteral("full.db")));
        OutboxWriter writer(db);
        const QString started = startHolding(writer);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        OutcomeRecorder recorder(&writer, {});
        std::vector<DeliveryOutcome> outcomes(OutcomeRecorder::BatchSize);
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            outcomes[i].kind = DeliveryOutcome::Hold; // rows that do not exist: nothing changes
            outcomes[i].id = qint64(i) + 1000;
            outcomes[i].target = QStringLiteral("t");
        }
        recorder.add(outcomes, 100);
        recorder.flushIfDue(100, false);
        QVERIFY(!recorder.waiting());
        QTRY_COMPARE(recorder.outstanding(), 0);
        QHash<QString, TargetRuntime> none;
        OutcomeRecorder::Confirmed confirmed;
        QCOMPARE(recorder.release(none, 200, confirmed), OutcomeRecorder::BatchSize);
        QCOMPARE(recorder.pausedUntil(), qint64(0));
    }

    void outcomesOfRowsGoneAreSettled()
    {
        // Rows discarded or pruned while their attempt was in flight: nothing is left to
        // record; neither a failure nor a refusal, on either backend.
        const QString db = OutboxBackend::outbox(m_dir.filePath(QStringLiteral("gone.db")));
        OutboxWriter writer(db);
        const QString started = startHolding(writer);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto outcomes = std::make_shared<std::vector<DeliveryOutcome>>(3);
        const DeliveryOutcome::Kind kinds[] = {DeliveryOutcome::Done, DeliveryOutcome::Retry,
                                               DeliveryOutcome::Hold};
        for (int i = 0; i < 3; ++i) {
            (*outcomes)[i].kind = kinds[i];
            (*outcomes)[i].id = 5000 + i;
            (*outcomes)[i].count = 1;
            (*outcomes)[i].target = QStringLiteral("t");
            (*outcomes)[i].user = QStringLiteral("u%1").arg(i);
        }
        std::promise<OutcomesCommitted> answered;
        writer.submitOutcomes(outcomes,
                              [&](OutcomesCommitted result) { answered.set_value(result); });
        auto answer = answered.get_future();
        QCOMPARE(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        const OutcomesCommitted result = answer.get();
        QVERIFY(result.ok);
        QVERIFY(result.refused.empty());
    }

    void outcomesOfPartitionsPassedOnDoNotPauseSending()
    {
        // A rebalance: a second daemon joins and takes half the partitions while this one has
        // outcomes in flight for both halves. Those of the half passed on are refused: the
        // other daemon sends them now. That is no failed commit: sending goes on at once for
        // the half still held, and nothing says the disk is full.
        if (!OutboxBackend::postgres())
            QSKIP("partitions and their fencing are PostgreSQL's");
        const QString db = OutboxBackend::outbox(m_dir.filePath(QStringLiteral("passed.db")));
        OutboxWriter a(db);
        QVERIFY(a.start(1000).ok());
        const QString ownerA = QStringLiteral("elsewhere:1:a");
        QCOMPARE(a.claimLease(ownerA, 600000), QString());
        OutboxWriter b(db);
        QVERIFY(b.start(1000).ok());
        const QString ownerB = QStringLiteral("elsewhere:2:b");
        QVERIFY(!b.claimLease(ownerB, 600000).isEmpty());  // all held; b is counted now
        QCOMPARE(a.claimLease(ownerA, 600000), QString()); // gives up its extra half
        QCOMPARE(b.claimLease(ownerB, 600000), QString());
        const QList<int> heldA = a.heldPartitions(), heldB = b.heldPartitions();
        QCOMPARE(heldA.size() + heldB.size(), PostgresSchema::Partitions);
        QVERIFY(!heldA.isEmpty() && !heldB.isEmpty());
        // A user of each half.
        QString kept, passed;
        for (int i = 0; kept.isEmpty() || passed.isEmpty(); ++i) {
            const QString user = QStringLiteral("user%1").arg(i);
            (heldA.contains(PostgresSchema::partitionOf(user, 0)) ? kept : passed) = user;
        }
        auto stored = a.write(updates({kept, passed}));
        QVERIFY(stored.ok());
        const qint64 last = lastDeliveryId(db);

        QHash<QString, TargetRuntime> targets;
        inFlight(targets, {last - 1, last}, {kept, passed});
        TargetRuntime &rt = targets[QStringLiteral("t")];
        std::atomic<int> woken{0};
        OutcomeRecorder recorder(&a, [&] { ++woken; });
        const MessagesKept logs(QStringLiteral("passed to another process"));
        for (int round = 0; round < 2; ++round) {
            std::vector<DeliveryOutcome> outcomes;
            for (int i = 0; i < 2; ++i)
                outcomes.push_back(DeliveryOutcome{DeliveryOutcome::Done,
                                                   last - 1 + i,
                                                   1,
                                                   QStringLiteral("t"),
                                                   stored->at(i).userId,
                                                   stored->at(i).eventId,
                                                   stored->at(i).version,
                                                   1,
                                                   0,
                                                   {},
                                                   200,
                                                   1.0,
                                                   {}});
            QTest::failOnWarning(QRegularExpression(QStringLiteral("disk full")));
            recorder.add(outcomes, 100);
            recorder.flush();
            QTRY_COMPARE(woken.load(), round + 1);
            OutcomeRecorder::Confirmed confirmed;
            QCOMPARE(recorder.release(targets, 200, confirmed), 2);
            QCOMPARE(recorder.pausedUntil(), qint64(0));
            QVERIFY(rt.busyRows.isEmpty() && rt.busyUsers.isEmpty()); // the passed one is b's
            QVERIFY(!rt.rescan);
            QCOMPARE(confirmed.delivered, 1); // the kept one (sent twice, recorded twice)
            inFlight(targets, {last - 1, last}, {kept, passed});
        }
        // Said once, naming the partition, not at each refused batch.
        QCOMPARE(logs.kept(),
                 QStringList{
                     QStringLiteral("delivery: 1 outcome(s) not recorded: partition(s) %1 passed "
                                    "to another process, which sends them")
                         .arg(PostgresSchema::partitionOf(passed, 0))});
        QSqlQuery q(OutboxBackend::open(db, QStringLiteral("passed")));
        QVERIFY(q.exec(QStringLiteral("SELECT user_id, state FROM deliveries ORDER BY id")));
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toString(), QStringLiteral("done"));
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toString(), QStringLiteral("pending")); // b's to send
    }

    void aFailedCommitPausesSending()
    {
        // The store cannot take outcomes (PostgreSQL gone here; a full disk on SQLite): the
        // rows stay pending, and sending pauses rather than repeat what receivers have.
        if (!OutboxBackend::postgres())
            QSKIP("stops a PostgreSQL of its own");
        PostgresServer pg;
        QVERIFY(pg.start(false));
        OutboxWriter writer(pg.url());
        const QString started = startHolding(writer);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto stored = writer.write(updates({QStringLiteral("ann")}));
        QVERIFY(stored.ok());
        const qint64 id = lastDeliveryId(pg.url());
        QVERIFY(pg.stop());
        QHash<QString, TargetRuntime> targets;
        inFlight(targets, {id}, {QStringLiteral("ann")});
        TargetRuntime &rt = targets[QStringLiteral("t")];
        std::atomic<int> woken{0};
        OutcomeRecorder recorder(&writer, [&] { ++woken; });
        std::vector<DeliveryOutcome> outcomes{DeliveryOutcome{DeliveryOutcome::Done,
                                                              id,
                                                              1,
                                                              QStringLiteral("t"),
                                                              QStringLiteral("ann"),
                                                              stored->at(0).eventId,
                                                              stored->at(0).version,
                                                              1,
                                                              0,
                                                              {},
                                                              200,
                                                              1.0,
                                                              {}}};
        recorder.add(outcomes, 100);
        recorder.flush();
        QTRY_COMPARE_WITH_TIMEOUT(woken.load(), 1, 30000);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("disk full")));
        OutcomeRecorder::Confirmed confirmed;
        QCOMPARE(recorder.release(targets, 200, confirmed), 1);
        QCOMPARE(recorder.pausedUntil(), qint64(200 + 500));
        QVERIFY(rt.rescan); // pending again
        QCOMPARE(confirmed.delivered, 0);
    }
};

QTEST_GUILESS_MAIN(TestOutcomeRecorder)
#include "tst_outcomerecorder.moc"
