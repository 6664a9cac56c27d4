// SPDX-License-Identifier: GPL-3.0-or-later
// DeliveryScheduler with the outbox reader on a real store (or, with
// JOBFIRST_TEST_OUTBOX=postgresql, a PostgreSQL of the test's own: OutboxBackend): which rows
// go now, and which wait.
#include "outboxbackend.h"
#include "store/outboxreader.h"
#include "store/outboxstore.h"
#include "store/postgresschema.h"
#include "sync/deliveryscheduler.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

/// The outbox reader, counting the data versions asked of it (PostgreSQL: a round trip and a
/// scan of the server's lock table each).
class VersionCountingReader final : public OutboxReader
{
public:
    explicit VersionCountingReader(OutboxReader &reader) : m_reader(reader) {}
    Status readPending(const QString &target, qint64 afterId, int limit,
                       std::vector<PendingDelivery> &out) override
    {
        return m_reader.readPending(target, afterId, limit, out);
    }
    qint64 dataVersion() override
    {
        ++versions;
        const qint64 v = m_reader.dataVersion();
        changes += v != m_last;
        m_last = v;
        return v;
    }
    void beginPass() override { m_reader.beginPass(); }
    void endPass() override { m_reader.endPass(); }
    void setPartitions(const QList<int> &parts) override { m_reader.setPartitions(parts); }
    Status readEvents(qint64 firstSeq, int count,
                      std::vector<std::pair<qint64, QByteArray>> &out) override
    {
        return m_reader.readEvents(firstSeq, count, out);
    }
    int versions = 0;
    int changes = 0; ///< versions asked that differed from the one before

private:
    OutboxReader &m_reader;
    qint64 m_last = -1;
};

class TestDeliveryScheduler final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;
    std::unique_ptr<OutboxStore> m_writer;
    std::unique_ptr<OutboxReader> m_reader;
    std::vector<std::unique_ptr<OutboxRequest>> m_keep;
    qint64 m_seq = 0;

    /// Stores events of `users` for target "t" (bulkLimit > 0: as bulk rows of that size).
    void enqueue(const QStringList &users, qint64 dueAt = 0, int bulkLimit = 0)
    {
        QList<OutboxItem> items;
        for (const QString &u : users) {
            OutboxItem it;
            it.event.eventId = QStringLiteral("e%1").arg(++m_seq);
            it.event.type = QStringLiteral("user.updated");
            it.event.userId = u;
            it.event.createdAt = 1;
            it.targets = {QStringLiteral("t")};
            it.dueAt = dueAt;
            if (bulkLimit > 0)
                it.rowLimits = {bulkLimit};
            it.payload = "{\"id\":\"" + it.event.eventId.toUtf8() + "\"}";
            items << it;
        }
        m_keep.push_back(std::make_unique<OutboxRequest>(EventWrite{items, {}}));
        QVERIFY(OutboxBackend::commit(*m_writer, {m_keep.back().get()}, 1000).ok());
    }

    static TargetRuntime target(int workers, int batchSize = 1)
    {
        TargetRuntime rt;
        rt.config.name = QStringLiteral("t");
        rt.config.workers = workers;
        rt.config.batchSize = batchSize;
        return rt;
    }

    static QStringList users(const std::vector<DeliveryFlight> &flights)
    {
        QStringList out;
        for (const DeliveryFlight &f : flights) {
            QStringList rows;
            for (const auto &r : f.rows)
                rows << (r.user.isEmpty() ? QStringLiteral("bulk%1").arg(r.count) : r.user);
            out << rows.join(u'+');
        }
        return out;
    }

    /// One scheduling pass over `rt`, as the delivery engine makes them (on PostgreSQL the
    /// pass's data version bounds its reads by the enqueues still open).
    static DeliveryScheduler::Result pass(DeliveryScheduler &scheduler, TargetRuntime &rt,
                                          qint64 now, const DeliveryScheduler::Limits &limits,
                                          std::vector<DeliveryFlight> &out)
    {
        scheduler.beginPass();
        const DeliveryScheduler::Result r = scheduler.schedule(rt, now, limits, out);
        scheduler.endPass();
        return r;
    }

    /// As the engine does once a request is settled and its outcome durable.
    static void finish(TargetRuntime &rt, const DeliveryFlight &f)
    {
        --rt.inFlight;
        for (const auto &r : f.rows) {
            rt.busyRows.remove(r.id);
            rt.busyUsers.remove(r.user);
        }
    }

    const DeliveryScheduler::Limits m_open{1000000, 0, 2000};

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void init()
    {
        const QString outbox =
            OutboxBackend::outbox(m_dir.filePath(QStringLiteral("s%1.db").arg(++m_n)));
        m_writer = std::move(OutboxStore::open(outbox)).value();
        m_reader = std::move(OutboxReader::open(outbox)).value();
        // The engine reads the partitions its writer holds (PostgreSQL): here, all of them.
        QList<int> all;
        for (int p = 0; p < PostgresSchema::Partitions; ++p)
            all << p;
        m_reader->setPartitions(all);
    }

    void workersBoundTheRequestsAndEachUserWaitsForItsPreviousEvent()
    {
        enqueue({QStringLiteral("a"), QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")});
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(3);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(users(out), QStringList({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        QCOMPARE(rt.inFlight, 3);
        QVERIFY(out[0].single);
        std::vector<DeliveryFlight> more;
        pass(scheduler, rt, 2000, m_open, more);
        QVERIFY(more.empty()); // every worker busy
        finish(rt, out[0]);
        pass(scheduler, rt, 2000, m_open, more);
        QCOMPARE(users(more), QStringList{QStringLiteral("a")}); // a's second event, after its first
        QVERIFY(more[0].rows[0].version > out[0].rows[0].version);
        finish(rt, out[1]);
        more.clear();
        pass(scheduler, rt, 2000, m_open, more);
        QCOMPARE(users(more), QStringList{QStringLiteral("d")});
    }

    void anIdleQueueIsNotReadAgainUntilSomethingIsWritten()
    {
        // A thousand idle node targets must not cost a thousand reads four times a second:
        // a pass reads an idle queue again only when the store's data version changed (on
        // SQLite a write; on PostgreSQL the server's WAL position, which its own background
        // writes move too, so that is what the reads are counted against).
        VersionCountingReader counting(*m_reader);
        DeliveryScheduler scheduler(counting);
        TargetRuntime rt = target(3);
        std::vector<DeliveryFlight> out;
        scheduler.beginPass();
        scheduler.schedule(rt, 2000, m_open, out);
        scheduler.endPass();
        QVERIFY(out.empty());
        const qint64 reads = m_reader->pendingReads();
        const int changes = counting.changes;
        for (int pass = 0; pass < 5; ++pass) {
            scheduler.beginPass();
            scheduler.schedule(rt, 2000 + pass, m_open, out);
            scheduler.endPass();
        }
        QCOMPARE(counting.versions, 6);
        QCOMPARE(m_reader->pendingReads() - reads, qint64(counting.changes - changes));
        if (!OutboxBackend::postgres())
            QCOMPARE(m_reader->pendingReads(), reads);
        // A write by the outbox's connection makes the next pass read, and find the row.
        enqueue({QStringLiteral("a")});
        const qint64 before = m_reader->pendingReads();
        scheduler.beginPass();
        scheduler.schedule(rt, 3000, m_open, out);
        scheduler.endPass();
        QCOMPARE(users(out), QStringList{QStringLiteral("a")});
        QCOMPARE(m_reader->pendingReads(), before + 1);
    }

    void aPassWithItsReadAheadFullAsksTheStoreNothing()
    {
        // Through a backlog most passes only fill a freed slot from what was read ahead: the
        // data version (with PostgreSQL a round trip and a scan of the lock table) is asked
        // only by a pass that reads a queue, once however many it reads.
        QStringList many;
        for (int i = 0; i < 200; ++i)
            many << QStringLiteral("u%1").arg(i);
        enqueue(many);
        VersionCountingReader counting(*m_reader);
        DeliveryScheduler scheduler(counting);
        TargetRuntime rt = target(1);
        TargetRuntime other = target(1);
        std::vector<DeliveryFlight> out;
        scheduler.beginPass();
        scheduler.schedule(rt, 2000, m_open, out);
        scheduler.schedule(other, 2000, m_open, out);
        scheduler.endPass();
        QCOMPARE(users(out), QStringList({QStringLiteral("u0"), QStringLiteral("u0")}));
        QCOMPARE(counting.versions, 1);
        const qint64 reads = m_reader->pendingReads();
        for (int pass = 1; pass < 20; ++pass) {
            finish(rt, out.front());
            out.clear();
            scheduler.beginPass();
            scheduler.schedule(rt, 2000 + pass, m_open, out);
            scheduler.endPass();
            QCOMPARE(users(out), QStringList{QStringLiteral("u%1").arg(pass)});
        }
        QCOMPARE(m_reader->pendingReads(), reads);
        QCOMPARE(counting.versions, 1);
    }

    void batchesHoldBatchSizeEventsAndABulkRowGoesAlone()
    {
        enqueue({QStringLiteral("u1"), QStringLiteral("u2"), QStringLiteral("u3")});
        enqueue({QStringLiteral("k1"), QStringLiteral("k2"), QStringLiteral("k3"), QStringLiteral("k4")}, 0, 100);
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(10, 2);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, m_open, out);
        // In id order: the partial batch goes before the bulk row that ended it.
        QCOMPARE(users(out), QStringList({QStringLiteral("u1+u2"), QStringLiteral("u3"), QStringLiteral("bulk4")}));
        QVERIFY(!out[0].single && !out[1].single); // a partial batch is still a batch
        QCOMPARE(out[2].events.size(), std::size_t(4));
        QCOMPARE(out[2].eventCount(), 4);
    }

    void aBulkRowNotDueWaitsWhileTheRowsBehindItGo()
    {
        enqueue({QStringLiteral("k1"), QStringLiteral("k2"), QStringLiteral("k3")}, 9000, 100);
        enqueue({QStringLiteral("u1"), QStringLiteral("u2")});
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(10);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(users(out), QStringList({QStringLiteral("u1"), QStringLiteral("u2")}));
        QCOMPARE(rt.nextDue, 9000);
        out.clear();
        pass(scheduler, rt, 9000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("bulk3")});
    }

    void theBatchBeforeABulkRowTakesTheLastSlotAndTheBulkRowWaitsForTheNext()
    {
        enqueue({QStringLiteral("u1")});
        enqueue({QStringLiteral("k1"), QStringLiteral("k2")}, 0, 100);
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(1, 2);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("u1")});
        QVERIFY(!out[0].single);
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(out.size(), std::size_t(1)); // its one worker is busy
        finish(rt, out[0]);
        out.clear();
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("bulk2")});
    }

    void aUserWhoseRowIsNotDueKeepsItsLaterRowsBehindIt()
    {
        enqueue({QStringLiteral("u")}, 9000);
        enqueue({QStringLiteral("u"), QStringLiteral("v")});
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(10, 2);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("v")});
        QCOMPARE(rt.nextDue, 9000);
        out.clear();
        pass(scheduler, rt, 9000, m_open, out);
        // The batch has room, but u's later row waits until its first is settled.
        QCOMPARE(users(out), QStringList{QStringLiteral("u")});
        finish(rt, out[0]);
        out.clear();
        pass(scheduler, rt, 9000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("u")});
    }

    void aBulkRowsEventsAreTheSameForEveryTarget()
    {
        // The scheduler keeps recent bulk rows' events for the other targets' rows of the same
        // events: the second target gets the same events, in order, with their versions.
        enqueue({QStringLiteral("b1"), QStringLiteral("b2"), QStringLiteral("b3")}, 0, 3);
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime first = target(10), second = target(10);
        std::vector<DeliveryFlight> a, b;
        scheduler.beginPass();
        scheduler.schedule(first, 2000, m_open, a);
        scheduler.schedule(second, 2000, m_open, b);
        scheduler.endPass();
        QCOMPARE(users(a), QStringList{QStringLiteral("bulk3")});
        QCOMPARE(users(b), QStringList{QStringLiteral("bulk3")});
        QCOMPARE(b[0].events, a[0].events);
        QCOMPARE(a[0].events.size(), std::size_t(3));
        const QByteArray firstId = a[0].events[0].second; // {"id":"e<n>"}: b1's event
        const qint64 n = firstId.mid(8, firstId.size() - 10).toLongLong();
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(a[0].events[i].first, a[0].rows[0].version + qint64(i));
            QCOMPARE(a[0].events[i].second,
                     "{\"id\":\"e" + QByteArray::number(n + qint64(i)) + "\"}");
        }
    }

    void everyTargetsRowOfAnEventSharesItsPayload()
    {
        // Two targets' rows of the same events: each event is converted from SQLite once and
        // shared, and an event whose place in the reader's recent events was taken by a later
        // one is read afresh (5,000 events: more than the reader keeps).
        const QStringList targets{QStringLiteral("t"), QStringLiteral("u")};
        QList<OutboxItem> items;
        for (int i = 1; i <= 5000; ++i) {
            OutboxItem it;
            it.event.eventId = QStringLiteral("ev%1").arg(i);
            it.event.type = QStringLiteral("user.updated");
            it.event.userId = QStringLiteral("u%1").arg(i);
            it.event.createdAt = 1;
            it.targets = targets;
            it.payload = "{\"n\":" + QByteArray::number(i) + "}";
            items << it;
        }
        m_keep.push_back(std::make_unique<OutboxRequest>(EventWrite{items, {}}));
        QVERIFY(OutboxBackend::commit(*m_writer, {m_keep.back().get()}, 1000).ok());
        const auto read = [&](const QString &target, qint64 afterId, int limit) {
            std::vector<PendingDelivery> rows;
            m_reader->dataVersion(); // before the reads it covers (OutboxReader)
            const Status s = m_reader->readPending(target, afterId, limit, rows);
            [&] { QVERIFY(s.ok()); }();
            return rows;
        };
        const auto check = [](const std::vector<PendingDelivery> &rows) {
            for (const PendingDelivery &r : rows) {
                const qint64 n = r.user.mid(1).toLongLong();
                QCOMPARE(r.eventId, QStringLiteral("ev%1").arg(n));
                QCOMPARE(r.payload, "{\"n\":" + QByteArray::number(n) + "}");
            }
        };
        const std::vector<PendingDelivery> t = read(targets[0], 0, 100);
        const std::vector<PendingDelivery> u = read(targets[1], 0, 100);
        QCOMPARE(t.size(), std::size_t(100));
        QCOMPARE(u.size(), std::size_t(100));
        check(t);
        check(u);
        for (std::size_t i = 0; i < t.size(); ++i) {
            QCOMPARE(u[i].seq, t[i].seq);
            // One copy, shared (as pointers: QCOMPARE would compare char strings' bytes): the
            // SQLite reader keeps its recent events; PostgreSQL's reads them with each row.
            if (OutboxBackend::postgres())
                continue;
            QCOMPARE(static_cast<const void *>(u[i].payload.constData()),
                     static_cast<const void *>(t[i].payload.constData()));
            QCOMPARE(static_cast<const void *>(u[i].eventId.constData()),
                     static_cast<const void *>(t[i].eventId.constData()));
        }
        // All of "t": later events take the places of the first ones; "u" still reads its own.
        const std::vector<PendingDelivery> allOfT = read(targets[0], 0, 10000);
        QCOMPARE(allOfT.size(), std::size_t(5000));
        check(allOfT);
        const std::vector<PendingDelivery> allOfU = read(targets[1], 0, 10000);
        QCOMPARE(allOfU.size(), std::size_t(5000));
        check(allOfU);
    }

    void rowsGetTheirOwnEventWhereverItIsAndNoneWithoutOne()
    {
        // Target "t" has a row for every 50th event, then every 1,000th (runs of nearby seqs and
        // lone ones), "u" for every event; each event has its own id, payload and time. One of
        // t's events is gone from the store: its row is left out, the rows after it are not.
        // "t" is read once with its events in the reader's recent ones (so it reads them
        // apart from then on), then again after 5,000 later events took their places.
        if (OutboxBackend::postgres())
            QSKIP("the SQLite reader's two read paths (recent events, then walks by seq): "
                  "PostgreSQL's reader reads each row with its event");
        const QStringList both{QStringLiteral("t"), QStringLiteral("u")};
        const auto commit = [&](int from, int to, int every) {
            QList<OutboxItem> items;
            for (int i = from; i <= to; ++i) {
                OutboxItem it;
                it.event.eventId = QStringLiteral("ev%1").arg(i);
                it.event.type = QStringLiteral("user.updated");
                it.event.userId = QStringLiteral("u%1").arg(i);
                it.event.createdAt = 5000 + i;
                it.targets = i % every == 7 ? both : QStringList{QStringLiteral("u")};
                it.payload = "{\"n\":" + QByteArray::number(i) + "}";
                items << it;
            }
            m_keep.push_back(std::make_unique<OutboxRequest>(EventWrite{items, {}}));
            QVERIFY(m_writer->commit({m_keep.back().get()}, 1000).ok());
        };
        QHash<qint64, qint64> createdAt; // by seq, as stored
        const auto storeSays = [&](const QString &sql) {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                        QStringLiteral("check%1").arg(m_n));
            db.setDatabaseName(m_dir.filePath(QStringLiteral("s%1.db").arg(m_n)));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(sql.isEmpty() || q.exec(sql));
            QVERIFY(q.exec(QStringLiteral("SELECT seq, created_at FROM events")));
            while (q.next())
                createdAt.insert(q.value(0).toLongLong(), q.value(1).toLongLong());
            q.finish();
            db.close();
        };
        const auto check = [&](const QString &target, int expected) {
            std::vector<PendingDelivery> rows;
            QVERIFY(m_reader->readPending(target, 0, 10000, rows).ok());
            QCOMPARE(int(rows.size()), expected);
            for (const PendingDelivery &r : rows) {
                const qint64 n = r.user.mid(1).toLongLong();
                QVERIFY2(n != 507, "a row without its event");
                QCOMPARE(r.eventId, QStringLiteral("ev%1").arg(n));
                QCOMPARE(r.payload, "{\"n\":" + QByteArray::number(n) + "}");
                QVERIFY(createdAt.contains(r.seq));
                QCOMPARE(r.createdAt, createdAt.value(r.seq));
            }
        };
        commit(1, 1000, 50);
        storeSays(QStringLiteral("DELETE FROM events WHERE event_id = 'ev507'"));
        check(QStringLiteral("u"), 999);
        check(QStringLiteral("t"), 19); // 20 rows, one event gone
        commit(1001, 6000, 1000);
        storeSays({});
        check(QStringLiteral("u"), 5999);
        check(QStringLiteral("t"), 24);
        check(QStringLiteral("t"), 24);
    }

    void rowsNotYetDurableOrDueWait()
    {
        enqueue({QStringLiteral("now1"), QStringLiteral("now2")});
        enqueue({QStringLiteral("later")}, 9000);
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(10);
        std::vector<DeliveryFlight> out;
        // Only the first row is on disk yet.
        auto r = pass(scheduler, rt, 2000, DeliveryScheduler::Limits{1, 0, 2000}, out);
        QVERIFY(r.needDurable);
        QCOMPARE(users(out), QStringList{QStringLiteral("now1")});
        out.clear();
        r = pass(scheduler, rt, 2000, m_open, out);
        QVERIFY(!r.needDurable);
        QCOMPARE(users(out), QStringList{QStringLiteral("now2")});
        QCOMPARE(rt.nextDue, 9000);
        out.clear();
        pass(scheduler, rt, 9000, m_open, out);
        QCOMPARE(users(out), QStringList{QStringLiteral("later")});
    }

    void anOpenCircuitWaitsThenLetsOneProbeGo()
    {
        enqueue({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(5);
        rt.circuit = CircuitState::Open;
        rt.openUntil = 5000;
        std::vector<DeliveryFlight> out;
        auto r = pass(scheduler, rt, 4000, m_open, out);
        QVERIFY(out.empty() && !r.circuitChanged);
        QCOMPARE(rt.nextDue, 5000);
        r = pass(scheduler, rt, 5000, m_open, out);
        QVERIFY(r.circuitChanged);
        QCOMPARE(rt.circuit, CircuitState::HalfOpen);
        QCOMPARE(out.size(), std::size_t(1));
        pass(scheduler, rt, 5001, m_open, out);
        QCOMPARE(out.size(), std::size_t(1)); // one probe at a time
    }

    void theQueueLimitBoundsEventsHeldInMemory()
    {
        enqueue({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        enqueue({QStringLiteral("k1"), QStringLiteral("k2"), QStringLiteral("k3")}, 0, 100);
        DeliveryScheduler scheduler(*m_reader);
        TargetRuntime rt = target(10);
        std::vector<DeliveryFlight> out;
        pass(scheduler, rt, 2000, DeliveryScheduler::Limits{1000000, 2, 4}, out);
        QCOMPARE(users(out), QStringList({QStringLiteral("a"), QStringLiteral("b")})); // room for 2
        out.clear();
        TargetRuntime bulk = target(10, 100);
        pass(scheduler, bulk, 2000, DeliveryScheduler::Limits{1000000, 1, 4}, out);
        QVERIFY(out.empty()); // a request of up to 100 events does not fit next to one held
        pass(scheduler, bulk, 2000, DeliveryScheduler::Limits{1000000, 0, 4}, out);
        QCOMPARE(out.size(), std::size_t(1)); // ... but one goes when nothing else is held
        QCOMPARE(bulk.inFlight, 1);
    }

    void pausedHeldOrGoneTargetsSendNothingAndRateLimitsSpaceRequests()
    {
        enqueue({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        DeliveryScheduler scheduler(*m_reader);
        std::vector<DeliveryFlight> out;
        for (int which = 0; which < 3; ++which) {
            TargetRuntime rt = target(5);
            rt.config.paused = which == 0;
            rt.config.held = which == 1;
            rt.gone = which == 2;
            pass(scheduler, rt, 2000, m_open, out);
            QVERIFY(out.empty());
        }
        TargetRuntime limited = target(5);
        limited.config.rateLimit = 2; // requests per second
        limited.tokensAt = 2000;
        pass(scheduler, limited, 2000, m_open, out);
        QCOMPARE(out.size(), std::size_t(1));
        pass(scheduler, limited, 2100, m_open, out);
        QCOMPARE(out.size(), std::size_t(1)); // 0.2 tokens: wait
        QCOMPARE(limited.nextDue, 2600);
        pass(scheduler, limited, 2600, m_open, out);
        QCOMPARE(out.size(), std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestDeliveryScheduler)
#include "tst_deliveryscheduler.moc"
