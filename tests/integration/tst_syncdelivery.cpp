// SPDX-License-Identifier: GPL-3.0-or-later
// Sync delivery against real jobfirst-nodesim targets on loopback. The outbox is the SQLite
// store, or with JOBFIRST_TEST_OUTBOX=postgresql a PostgreSQL of the test's own (OutboxBackend).
#include "core/secrets.h"
#include "nodesimprocess.h"
#include "outboxbackend.h"
#include "store/store.h"
#include "sync/consistencychecker.h"
#include "sync/syncservice.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {

const QString Secret = generateSecret();

SyncEvent userEvent(const QString &type, const QString &user, const QJsonObject &data = {})
{
    SyncEvent e;
    e.type = type;
    e.userId = user;
    e.data = data;
    return e;
}

} // namespace

class TestSyncDelivery final : public QObject
{
    Q_OBJECT

    struct Fixture
    {
        QTemporaryDir dir;
        std::unique_ptr<Store> store;
        QString outbox; ///< the store's file, or a PostgreSQL URL
        std::unique_ptr<SyncService> sync;
        std::vector<std::unique_ptr<NodeSimProcess>> sims;
        ClusterConfig config;
        NodeSimProcess &sim(int i) { return *sims[std::size_t(i)]; }
        qint64 applied(int i) { return sim(i).get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInteger(); }
    };

    /// `count` targets, each a nodesim with the shared secret, all receiving user.* events.
    std::unique_ptr<Fixture> makeFixture(int count, const std::function<void(ClusterConfig &)> &tune = {})
    {
        auto f = std::make_unique<Fixture>();
        f->config.syncRetryIntervalMs = 100;
        f->config.maxSyncRetries = 3;
        f->config.syncTimeoutMs = 1000;
        f->config.syncWorkers = 4;
        f->config.targets.clear();
        for (int i = 0; i < count; ++i) {
            auto sim = std::make_unique<NodeSimProcess>();
            sim->setSecret(Secret);
            if (!sim->start(QStringLiteral("t%1").arg(i)))
                return nullptr;
            TargetConfig t;
            t.name = QStringLiteral("t%1").arg(i);
            t.url = sim->url() + QStringLiteral("/api/v1/sync");
            t.events = {QStringLiteral("user.created"), QStringLiteral("user.updated"), QStringLiteral("user.status")};
            t.secret = Secret;
            f->config.targets << t;
            f->sims.push_back(std::move(sim));
        }
        if (tune)
            tune(f->config);
        f->store = std::move(Store::open(f->dir.filePath(QStringLiteral("c.db")))).value();
        f->outbox = OutboxBackend::outbox(f->store->path());
        if (f->outbox.isEmpty())
            return nullptr;
        f->sync = std::make_unique<SyncService>(f->store.get(), f->outbox, f->config);
        if (Status s = f->sync->start(true); !s) {
            qWarning("%s", qPrintable(s.error().message));
            return nullptr;
        }
        return f;
    }

    QList<SyncEvent> users(int n, const QString &type = QStringLiteral("user.created"))
    {
        QList<SyncEvent> list;
        for (int i = 0; i < n; ++i)
            list << userEvent(type, QStringLiteral("u%1").arg(i), {{QStringLiteral("email"), QStringLiteral("u%1@jobfirst.cn").arg(i)}});
        return list;
    }

private slots:
    void everyEventArrivesOnceAtEveryRoutedTarget()
    {
        auto f = makeFixture(3);
        QVERIFY(f);
        auto r = f->sync->publish(users(300));
        QVERIFY(r.ok());
        QCOMPARE(r->size(), 300);
        QVERIFY(r->first().version > 0 && r->last().version > r->first().version);
        // A status-only event goes nowhere it is not routed.
        f->config.targets[2].events = {QStringLiteral("user.created")};
        f->sync->applyConfig(f->config);
        QVERIFY(f->sync->publish({userEvent(QStringLiteral("user.status"), QStringLiteral("u1"))}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 20000);
        QCOMPARE(f->applied(0), 301);
        QCOMPARE(f->applied(1), 301);
        QCOMPARE(f->applied(2), 300);
        for (int i = 0; i < 3; ++i) {
            const QJsonObject stats = f->sim(i).get(QStringLiteral("/stats"));
            QCOMPARE(stats[QStringLiteral("rejected")].toInt(), 0); // every signature verified
            QCOMPARE(stats[QStringLiteral("duplicates")].toInt(), 0);
        }
        const SyncStats stats = f->sync->storedStats().value();
        QCOMPARE(stats.completedSyncTasks, 902);
        QCOMPARE(stats.failedSyncTasks, 0);
    }

    void targetDownForAWhileReceivesEverythingWhenBack()
    {
        auto f = makeFixture(2, [](ClusterConfig &c) { c.maxSyncRetries = 50; });
        QVERIFY(f);
        f->sim(1).kill();
        QVERIFY(f->sync->publish(users(200)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 200, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(f->sync->stats().targets.at(1).circuit == CircuitState::Open, 10000);
        QCOMPARE(f->sync->stats().targets.at(1).backlog, 200); // waiting, not dropped
        // How long the oldest event has waited is each target's own, and it grows. Target 0
        // has had all 200, but its outcomes may still be on their way to the store (on
        // PostgreSQL they were, once, 107 ms after): its backlog is empty once they are.
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->stats().targets.at(0).backlog, 0, 10000);
        QCOMPARE(f->sync->stats().targets.at(0).oldestWaitingMs, 0);
        const qint64 waited = f->sync->stats().targets.at(1).oldestWaitingMs;
        QVERIFY2(waited > 0, qPrintable(QString::number(waited)));
        QTRY_VERIFY_WITH_TIMEOUT(f->sync->stats().targets.at(1).oldestWaitingMs > waited, 5000);
        QVERIFY(f->sim(1).restart());
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(1), 200, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 10000);
        QCOMPARE(f->sync->stats().targets.at(1).oldestWaitingMs, 0);
        QCOMPARE(f->sync->deadLetters({}, 10)->size(), 0);
    }

    void serverErrorsAreRetriedOnScheduleThenDeadLettered()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) {
            c.syncRetryIntervalMs = 200;
            c.maxSyncRetries = 3;
        });
        QVERIFY(f);
        QVERIFY(f->sim(0).control({{QStringLiteral("status"), 503}}));
        QVERIFY(f->sync->publish({userEvent(QStringLiteral("user.created"), QStringLiteral("ann"), {{QStringLiteral("token"), QStringLiteral("tok-very-secret-1234")}})}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->deadLetters({}, 10)->size(), 1, 20000);
        const DeadLetter dead = f->sync->deadLetters({}, 10)->first();
        QCOMPARE(dead.attempts, 4); // the first try and three retries
        QVERIFY(dead.lastError.contains(QStringLiteral("503")));
        QCOMPARE(dead.payload[QStringLiteral("data")][QStringLiteral("token")].toString(), QStringLiteral("••••1234"));
        const QList<DeliveryAttempt> log = f->sync->attempts(dead.deliveryId).value();
        QCOMPARE(log.size(), 4);
        for (int i = 1; i < log.size(); ++i) {
            const qint64 gap = log.at(i).at - log.at(i - 1).at;
            const qint64 expected = 200 * (qint64(1) << (i - 1));
            QVERIFY2(gap >= expected - 20, qPrintable(QStringLiteral("retry %1 came after %2 ms, expected >= %3").arg(i).arg(gap).arg(expected)));
            QCOMPARE(log.at(i).httpStatus, 503);
            QVERIFY(log.at(i).bodyHead.contains(QStringLiteral("injected fault")));
        }
        // Replay delivers it once the target is healthy again.
        QVERIFY(f->sim(0).control({{QStringLiteral("reset"), true}}));
        QCOMPARE(f->sync->replay({}, 0, std::numeric_limits<qint64>::max(), QStringLiteral("test")).value(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 1, 10000);
        // The receiver has it before the engine has recorded its answer.
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->deadLetters({}, 10)->size(), 0, 10000);
        QCOMPARE(f->store->auditLog(5)->first().action, QStringLiteral("dlq.replay"));
    }

    // After a target failed and recovered, `sync stats` said "8 retries scheduled" with every
    // backlog at 0: the figure was the retries made, summed over all states (misc35). The
    // scheduled ones are the waiting deliveries that failed: there while the target fails,
    // none once it recovered, while the retries made stay.
    void retriesScheduledAreTheFailedDeliveriesWaitingNow()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) {
            c.syncRetryIntervalMs = 100;
            c.maxSyncRetries = 50;
        });
        QVERIFY(f);
        QVERIFY(f->sim(0).control({{QStringLiteral("status"), 500}}));
        QVERIFY(f->sync->publish(users(3)).ok());
        const auto stored = [&f] { return f->sync->storedStats().value().toJson(); };
        const auto figure = [&stored](const char *key) {
            return stored().value(QLatin1String(key));
        };
        // Retries made, and all three failed deliveries scheduled for another.
        QTRY_VERIFY_WITH_TIMEOUT(figure("retry_sync_tasks").toInteger() >= 3, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(figure("retries_scheduled").toInteger(-1), 3, 5000);
        QCOMPARE(figure("queue_depth").toInteger(), 3);

        QVERIFY(f->sim(0).control({{QStringLiteral("reset"), true}}));
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 3, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(figure("queue_depth").toInteger(-1), 0, 10000);
        const QJsonObject after = stored();
        QCOMPARE(after.value(QStringLiteral("retries_scheduled")).toInteger(-1), 0);
        QVERIFY(after.value(QStringLiteral("retry_sync_tasks")).toInteger() >= 3); // made: kept
        // The engine's own snapshot does not read the store's rows: not known, not 0.
        QVERIFY(f->sync->stats().toJson().value(QStringLiteral("retries_scheduled")).isNull());
    }

    void retryAfterIsHonoured()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) { c.syncRetryIntervalMs = 50; });
        QVERIFY(f);
        QVERIFY(f->sim(0).control({{QStringLiteral("status"), 429}, {QStringLiteral("retry_after"), 1}}));
        QVERIFY(f->sync->publish({userEvent(QStringLiteral("user.created"), QStringLiteral("bo"))}).ok());
        QTRY_VERIFY_WITH_TIMEOUT(f->sync->stats().targets.first().retries >= 1, 5000);
        QVERIFY(f->sim(0).control({{QStringLiteral("reset"), true}}));
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 1, 10000);
        // The receiver applies it before the engine has committed the outcome: wait for that.
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->stats().targets.first().success, 1, 5000);
        QSqlQuery q(OutboxBackend::open(f->outbox, QStringLiteral("retryAfter")));
        QVERIFY(q.exec(QStringLiteral("SELECT MIN(ts) FROM attempts")) && q.next());
        const qint64 failedAt = q.value(0).toLongLong();
        QVERIFY(q.exec(QStringLiteral("SELECT updated_at FROM deliveries WHERE state = 'done'")) && q.next());
        QVERIFY2(q.value(0).toLongLong() - failedAt >= 950, "the retry came before Retry-After: 1");
    }

    void goneDisablesTheTargetAndKeepsItsEvents()
    {
        auto f = makeFixture(2);
        QVERIFY(f);
        QSignalSpy disabled(f->sync.get(), &SyncService::targetDisabled);
        QVERIFY(f->sim(0).control({{QStringLiteral("status"), 410}}));
        QVERIFY(f->sync->publish(users(20)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(1), 20, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(disabled.size(), 1, 10000);
        QCOMPARE(disabled.first().first().toString(), QStringLiteral("t0"));
        const TargetStatus t0 = f->sync->stats().targets.first();
        QVERIFY(!t0.enabled);
        QCOMPARE(t0.backlog, 20);
        QCOMPARE(f->sync->deadLetters({}, 100)->size(), 0);
        QVERIFY(f->sim(0).control({{QStringLiteral("reset"), true}}));
        QVERIFY(f->sync->setTargetEnabled(QStringLiteral("t0"), true, QStringLiteral("test")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 20, 10000);
    }

    void badSignatureIsRejectedByTheReceiver()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) { c.targets[0].secret = QStringLiteral("not-the-receivers-secret"); });
        QVERIFY(f);
        QVERIFY(f->sync->publish({userEvent(QStringLiteral("user.created"), QStringLiteral("eve"))}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->deadLetters({}, 10)->size(), 1, 10000);
        const DeadLetter dead = f->sync->deadLetters({}, 10)->first();
        QCOMPARE(dead.attempts, 1); // 401 is not retried
        QVERIFY(dead.lastError.contains(QStringLiteral("401")));
        QVERIFY(dead.lastError.contains(QStringLiteral("bad signature")));
        QCOMPARE(f->sim(0).get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 1);
        QCOMPARE(f->applied(0), 0);
        QVERIFY(f->sync->discard(dead.deliveryId, QStringLiteral("test")).ok());
        QCOMPARE(f->sync->deadLetters({}, 10)->size(), 0);
        QVERIFY(!f->sync->discard(dead.deliveryId, QStringLiteral("test")).ok());
    }

    void perUserOrderHoldsUnderParallelWorkersAndRetries()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) {
            c.syncWorkers = 8;
            c.maxSyncRetries = 100;
            c.syncRetryIntervalMs = 10;
        });
        QVERIFY(f);
        QVERIFY(f->sim(0).control({{QStringLiteral("error_rate"), 0.3}, {QStringLiteral("latency_ms"), 2}}));
        QList<SyncEvent> events;
        for (int round = 0; round < 40; ++round)
            for (int u = 0; u < 10; ++u)
                events << userEvent(QStringLiteral("user.updated"), QStringLiteral("u%1").arg(u), {{QStringLiteral("round"), round}});
        const auto stored = f->sync->publish(events);
        QVERIFY(stored.ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 60000);
        const QJsonObject stats = f->sim(0).get(QStringLiteral("/stats"));
        QCOMPARE(stats[QStringLiteral("applied")].toInt(), 400);
        QCOMPARE(stats[QStringLiteral("out_of_order")].toInt(), 0);
        QVERIFY(f->sync->stats().targets.first().retries > 0); // the faults did bite
        for (int u = 0; u < 10; ++u) {
            const QJsonObject rec = f->sim(0).get(QStringLiteral("/records/u%1").arg(u));
            QCOMPARE(rec[QStringLiteral("version")].toInteger(), stored->at(390 + u).version);
        }
    }

    // What the daemon's API and the demo do: queue events and wait for the disk elsewhere.
    // Calls made one after another keep their order, though none waited for the one before.
    void eventsSubmittedWithoutWaitingKeepTheirOrder()
    {
        auto f = makeFixture(1);
        QVERIFY(f);
        std::vector<OutboxWriter::Accepted> queued;
        for (int n = 0; n < 40; ++n)
            queued.push_back(f->sync->submit(
                {userEvent(QStringLiteral("user.updated"), QStringLiteral("ordered"),
                           {{QStringLiteral("n"), n}})}));
        queued.push_back(
            f->sync->submit({userEvent(QStringLiteral("user.updated"), QStringLiteral("ordered"))},
                            SyncMode::RealTime, QStringLiteral("no-such-target")));
        qint64 last = 0;
        for (int n = 0; n < 40; ++n) {
            const auto stored = queued[std::size_t(n)].get();
            QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().message));
            QVERIFY2(stored->first().version > last, qPrintable(QString::number(n)));
            last = stored->first().version;
        }
        const auto unknown = queued.back().get();
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, QStringLiteral("sync.unknown_target"));
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 40, 20000);
        const QJsonObject stats = f->sim(0).get(QStringLiteral("/stats"));
        QCOMPARE(stats[QStringLiteral("out_of_order")].toInt(), 0);
        const QJsonObject rec = f->sim(0).get(QStringLiteral("/records/ordered"));
        QCOMPARE(rec[QStringLiteral("version")].toInteger(), last);
    }

    void consistencyCheckFindsRemovedRecordAndRepairRestoresIt()
    {
        auto f = makeFixture(1);
        QVERIFY(f);
        QVERIFY(f->sync->publish(users(500)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 20000);
        // Signed with the target's secret: the receiver checks digest requests like deliveries.
        const DigestEndpoint digest = f->sync->digestEndpoint(QStringLiteral("t0")).value();
        auto clean = ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64);
        QVERIFY(clean.ok());
        QCOMPARE(clean->ratio, 1.0);
        QCOMPARE(clean->ledgerRecords, 500);
        QCOMPARE(f->sim(0).del(QStringLiteral("/records/u42")), 200);
        auto report = ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64);
        QVERIFY(report.ok());
        QCOMPARE(report->missing, 1);
        QCOMPARE(report->bucketsDiffering, 1);
        QCOMPARE(report->ratio, 499.0 / 500.0);
        QVERIFY(report->samples.first().contains(QStringLiteral("u42")));
        QCOMPARE(f->sync->repair(QStringLiteral("t0"), report->repairEventIds, QStringLiteral("test")).value(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(f->sim(0).get(QStringLiteral("/records/u42"))[QStringLiteral("user_id")].toString(), QStringLiteral("u42"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64)->ratio, 1.0, 10000);
        // A target that does not answer gives an error naming the URL.
        f->sim(0).kill();
        auto down = ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64, 2000);
        QVERIFY(!down.ok());
        QVERIFY(down.error().message.contains(digest.url.toString()));
    }

    // The check reads the ledger the engine has open, as a reader: a store moved away while
    // the engine runs is an error naming it, not a new, empty ledger created in its place
    // (which reported every record the target holds as unknown, ratio 0).
    void consistencyCheckOfAStoreMovedAwayNamesItAndCreatesNothing()
    {
        if (OutboxBackend::postgres())
            QSKIP("The ledger is in PostgreSQL: no store file is read");
        auto f = makeFixture(1);
        QVERIFY(f);
        QVERIFY(f->sync->publish(users(20)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 20000);
        const DigestEndpoint digest = f->sync->digestEndpoint(QStringLiteral("t0")).value();
        const QString moved = f->dir.filePath(QStringLiteral("moved.db"));
        QVERIFY(QFile::rename(f->outbox, moved));
        auto gone = ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64);
        const bool created = QFile::exists(f->outbox);
        QVERIFY(QFile::remove(f->outbox) || !created);
        QVERIFY(QFile::rename(moved, f->outbox));
        QVERIFY2(!gone.ok(), gone.ok() ? qPrintable(QString::number(gone->ratio)) : "");
        QCOMPARE(gone.error().code, QStringLiteral("store.missing"));
        QVERIFY2(gone.error().message.contains(f->outbox), qPrintable(gone.error().message));
        QVERIFY(!created);
        auto back = ConsistencyChecker::check(f->outbox, QStringLiteral("t0"), digest, 64);
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));
        QCOMPARE(back->ledgerRecords, 20);
        QCOMPARE(back->ratio, 1.0);
    }

    void fullQueueRefusesAndWritesNothing()
    {
        auto f = makeFixture(2, [](ClusterConfig &c) { c.syncBacklogLimit = 50; });
        QVERIFY(f);
        QVERIFY(f->sync->setTargetPaused(QStringLiteral("t0"), true, QStringLiteral("test")).ok());
        QVERIFY(f->sync->setTargetPaused(QStringLiteral("t1"), true, QStringLiteral("test")).ok());
        QVERIFY(f->sync->publish(users(20)).ok()); // 40 deliveries
        const auto full = f->sync->publish(users(10));
        QVERIFY(!full.ok());
        QCOMPARE(full.error().code, QStringLiteral("sync.queue_full"));
        QVERIFY(full.error().message.contains(QStringLiteral("queue full")));
        QSqlQuery q(OutboxBackend::open(f->outbox, QStringLiteral("fullQueue")));
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM events")) && q.next());
        QCOMPARE(q.value(0).toInt(), 20);
        QCOMPARE(f->sync->backlog(), 40);
        QVERIFY(f->sync->setTargetPaused(QStringLiteral("t0"), false, QStringLiteral("test")).ok());
        QVERIFY(f->sync->setTargetPaused(QStringLiteral("t1"), false, QStringLiteral("test")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 10000);
    }

    void invalidEventsAreRefused()
    {
        auto f = makeFixture(1);
        QVERIFY(f);
        const auto badType = f->sync->publish({userEvent(QStringLiteral("user.deleted"), QStringLiteral("x"))});
        QVERIFY(!badType.ok());
        QVERIFY(badType.error().message.contains(QStringLiteral("user.deleted")));
        QVERIFY(!f->sync->publish({userEvent(QStringLiteral("user.created"), QString())}).ok());
        QVERIFY(!f->sync->syncToService(QStringLiteral("nowhere"), userEvent(QStringLiteral("user.created"), QStringLiteral("x"))).ok());
        QCOMPARE(f->sync->backlog(), 0);
    }

    void bulkRowsCarryManyEventsAndAcknowledgeEveryUser()
    {
        auto f = makeFixture(2, [](ClusterConfig &c) {
            c.targets[0].batchSize = 50;
            c.targets[1].batchSize = 50;
        });
        QVERIFY(f);
        QVERIFY(f->sim(1).control({{QStringLiteral("status"), 400}})); // t1 refuses: its rows die whole
        QVERIFY(f->sync->publish(users(230), SyncMode::Bulk).ok());
        const auto updates = f->sync->publish(users(20, QStringLiteral("user.updated")), SyncMode::Bulk);
        QVERIFY(updates.ok());
        // One row per request: 230 = 50+50+50+50+30, then 20 in a row of their own.
        QSqlQuery q(OutboxBackend::open(f->outbox, QStringLiteral("bulkRows")));
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*), SUM(event_count), MAX(event_count) FROM deliveries WHERE target = 't0'")) && q.next());
        QCOMPARE(q.value(0).toInt(), 6);
        QCOMPARE(q.value(1).toInt(), 250);
        QCOMPARE(q.value(2).toInt(), 50);
        q.finish(); // an open statement would pin this connection's snapshot
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 250, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->stats().targets.first().success, 250, 5000); // outcomes committed
        QCOMPARE(f->sim(0).get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(f->sim(0).get(QStringLiteral("/stats"))[QStringLiteral("duplicates")].toInt(), 0);
        // u7 holds its update, the later of its two events.
        QCOMPARE(f->sim(0).get(QStringLiteral("/records/u7"))[QStringLiteral("version")].toInteger(), updates->at(7).version);
        // Every user of every acknowledged row is in the ledger at its latest version.
        auto report =
            ConsistencyChecker::check(f->outbox, QStringLiteral("t0"),
                                      f->sync->digestEndpoint(QStringLiteral("t0")).value(), 64);
        QVERIFY(report.ok());
        QCOMPARE(report->ledgerRecords, 230);
        QCOMPARE(report->ratio, 1.0);
        // The refused rows are dead letters that say how many events they carry; replay sends them.
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->deadLetters(QStringLiteral("t1"), 10)->size(), 6, 20000);
        const QList<DeadLetter> dead = f->sync->deadLetters(QStringLiteral("t1"), 10).value();
        int carried = 0;
        for (const DeadLetter &d : dead)
            carried += d.eventCount;
        QCOMPARE(carried, 250);
        const SyncStats stats = f->sync->storedStats().value();
        QCOMPARE(stats.completedSyncTasks, 250);
        QCOMPARE(stats.failedSyncTasks, 250);
        QVERIFY(f->sim(1).control({{QStringLiteral("reset"), true}}));
        QCOMPARE(f->sync->replay(QStringLiteral("t1"), 0, std::numeric_limits<qint64>::max(), QStringLiteral("test")).value(), 250);
        // Replayed events count in the backlog until delivered; delivery starts at once, so
        // the backlog read first plus what arrived by a later read covers all of them.
        const qint64 queued = f->sync->backlog();
        QVERIFY2(queued + f->applied(1) >= 250, qPrintable(QString::number(queued)));
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(1), 250, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 10000);
    }

    void queueSizeBoundsWhatIsHeldInMemory()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) {
            c.syncWorkers = 4;
            c.syncQueueSize = 3;
            c.syncTimeoutMs = 30000;
        });
        QVERIFY(f);
        QVERIFY(f->sim(0).control({{QStringLiteral("latency_ms"), 400}}));
        QVERIFY(f->sync->publish(users(12)).ok());
        int most = 0;
        QElapsedTimer t;
        t.start();
        while (f->applied(0) < 12 && t.elapsed() < 20000) {
            most = std::max(most, f->sync->stats().targets.first().inFlight);
            QTest::qWait(20); // fixed on purpose: this samples the most ever seen in flight
        }
        QCOMPARE(f->applied(0), 12);
        QCOMPARE(most, 3); // four workers, but sync_queue_size holds three events at most
    }

    void oneProcessDeliversFromAStoreAtATime()
    {
        if (OutboxBackend::postgres())
            QSKIP("On PostgreSQL the daemons split the partitions instead (tst_postgresleases)");
        auto f = makeFixture(1);
        QVERIFY(f);
        QTRY_VERIFY_WITH_TIMEOUT(f->sync->stats().deliveryStandbyFor.isEmpty(), 5000); // holds the lease
        // A second engine on the same outbox (as jobfirstctl sync run next to a console, or a
        // second daemon on one PostgreSQL, with a store file of its own).
        auto store = std::move(Store::open(OutboxBackend::postgres() ? f->dir.filePath(QStringLiteral("second.db"))
                                                                     : f->store->path()))
                         .value();
        SyncService second(store.get(), f->outbox, f->config);
        QVERIFY(second.start(true).ok());
        QTRY_VERIFY_WITH_TIMEOUT(second.stats().deliveryStandbyFor.contains(QString::number(QCoreApplication::applicationPid())), 5000);
        QVERIFY(f->sync->stats().deliveryStandbyFor.isEmpty());
        QVERIFY(second.stats().toJson()[QStringLiteral("delivery")].toString().startsWith(QStringLiteral("standby")));
        QCOMPARE(f->sync->stats().toJson()[QStringLiteral("delivery")].toString(), QStringLiteral("active in this process"));
        {
            // A process that only reads (jobfirstctl sync stats) names the one delivering.
            auto reader = std::move(Store::open(f->store->path())).value();
            const SyncService readOnly(reader.get(), f->outbox, f->config);
            QVERIFY(readOnly.stats().delivery.startsWith(QStringLiteral("by another process, lease held by")));
        }
        QVERIFY(second.publish(users(200)).ok()); // the standby still accepts events
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 200, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->stats().targets.first().success, 200, 5000);
        QCOMPARE(second.stats().targets.first().success, 0);
        QCOMPARE(f->sim(0).get(QStringLiteral("/stats"))[QStringLiteral("duplicates")].toInt(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 5000); // not below zero
        QTRY_COMPARE_WITH_TIMEOUT(second.backlog(), 0, 15000);  // recounted while standing by
        // A clean stop hands the lease over.
        f->sync->stop();
        QTRY_VERIFY_WITH_TIMEOUT(second.stats().deliveryStandbyFor.isEmpty(), 5000);
        QVERIFY(second.publish(users(10, QStringLiteral("user.updated"))).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->applied(0), 210, 10000);
    }

    void nearRealTimeCoalescesPerUser()
    {
        auto f = makeFixture(1, [](ClusterConfig &c) { c.syncBatchWindowMs = 500; });
        QVERIFY(f);
        for (int i = 0; i < 5; ++i)
            QVERIFY(f->sync->publish({userEvent(QStringLiteral("user.updated"), QStringLiteral("cora"), {{QStringLiteral("n"), i}})},
                                     SyncMode::NearRealTime).ok());
        QTRY_COMPARE_WITH_TIMEOUT(f->sync->backlog(), 0, 10000);
        QCOMPARE(f->applied(0), 1); // five updates within the window, one delivery
    }
};

QTEST_GUILESS_MAIN(TestSyncDelivery)
#include "tst_syncdelivery.moc"
