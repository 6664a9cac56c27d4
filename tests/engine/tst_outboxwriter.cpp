// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox writer on a real store file (or, with JOBFIRST_TEST_OUTBOX=postgresql, a PostgreSQL
// of the test's own: OutboxBackend): callers are answered once their events are on disk,
// refused input changes nothing, and the delivery engine's durable bound covers what it reads.
// The intent log and the WAL are SQLite's: those slots run on a store file only.
#include "nodesimprocess.h"
#include "outboxbackend.h"
#include "simtargetconfig.h"
#include "store/intentlog.h"
#include "store/ledgerranges.h"
#include "store/store.h"
#include "store/syncrecords.h"
#include "store/walcheckpointer.h"
#include "sync/deliveryengine.h"
#include "sync/outboxwriter.h"
#include "sync/syncservice.h"
#include "threadroom.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

using namespace jobfirst;

namespace {

OutboxItem item(const QString &user, const QStringList &targets = {QStringLiteral("a")})
{
    OutboxItem i;
    i.event.type = QStringLiteral("user.updated");
    i.event.userId = user;
    i.event.data = {{QStringLiteral("email"), user + QStringLiteral("@jobfirst.cn")}};
    i.targets = targets;
    return i;
}

qint64 count(Store &store, const QString &sql)
{
    QSqlQuery q(store.database());
    q.exec(sql);
    return q.next() ? q.value(0).toLongLong() : -1;
}

/// The number `sql` reads from store file `path`, opened as the engine opens it (made and
/// migrated when what is on disk holds no tables yet).
qint64 storeCount(const QString &path, const QString &sql)
{
    auto store = Store::open(path);
    return store ? count(*store.value(), sql) : -1;
}

/// A connection of the test's own to an outbox (OutboxBackend::open), removed when it goes.
class Connection final
{
public:
    explicit Connection(const QString &outbox)
        : m_name(QStringLiteral("test%1").arg(++s_made)), m_db(OutboxBackend::open(outbox, m_name))
    {
    }
    ~Connection()
    {
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    QSqlDatabase db() const { return m_db; }

private:
    static inline std::atomic<int> s_made{0};
    QString m_name;
    QSqlDatabase m_db;
};

/// The number `sql` reads from `outbox` (-1 when it fails).
qint64 count(const QString &outbox, const QString &sql)
{
    Connection c(outbox);
    QSqlQuery q(c.db());
    return q.exec(sql) && q.next() ? q.value(0).toLongLong() : -1;
}

/// COMMITs held on demand (PostgreSQL): a deferred trigger on events runs at COMMIT, waits for
/// an advisory lock the test holds, then refuses the COMMIT while refuse() is on.
class HeldCommits final
{
public:
    explicit HeldCommits(const QString &outbox) : m_test(outbox) {}

    bool install()
    {
        return exec(QStringLiteral("CREATE TABLE refuse(x INTEGER)")) &&
               exec(QStringLiteral(
                   "CREATE FUNCTION held_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                   " PERFORM pg_advisory_xact_lock(4242); IF EXISTS (SELECT 1 FROM refuse) THEN"
                   " RAISE EXCEPTION 'this COMMIT is refused'; END IF; RETURN NULL; END $$")) &&
               exec(QStringLiteral(
                   "CREATE CONSTRAINT TRIGGER held_commit AFTER INSERT ON events DEFERRABLE"
                   " INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION held_commit()"));
    }
    bool hold(bool held)
    {
        return exec(held ? QStringLiteral("SELECT pg_advisory_lock(4242)")
                         : QStringLiteral("SELECT pg_advisory_unlock(4242)"));
    }
    bool refuse(bool refused)
    {
        return exec(refused ? QStringLiteral("INSERT INTO refuse VALUES (1)")
                            : QStringLiteral("DELETE FROM refuse"));
    }
    /// Whether a COMMIT waits for the lock.
    bool waiting() { return value(QStringLiteral("NOT granted")) == 1; }
    /// Cuts the connection whose COMMIT waits, as a server restart or a network would.
    bool cut()
    {
        QSqlQuery q(m_test.db());
        // OFFSET 0: the waiting one's alone, never this test's own (which holds the lock).
        return q.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM"
                                     " pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND"
                                     " NOT granted OFFSET 0) w")) &&
               q.next() && q.value(0).toBool();
    }

private:
    bool exec(const QString &sql) { return QSqlQuery(m_test.db()).exec(sql); }
    int value(const QString &locks)
    {
        QSqlQuery q(m_test.db());
        return q.exec(QStringLiteral("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'"
                                     " AND objid = 4242 AND %1")
                          .arg(locks)) &&
                       q.next()
                   ? q.value(0).toInt()
                   : -1;
    }

    Connection m_test;
};

/// An outbox writer on a PostgreSQL outbox whose COMMITs the test holds.
struct HeldCommitsOutbox
{
    explicit HeldCommitsOutbox(const QString &outbox) : writer(outbox), commits(outbox) {}
    bool start() { return writer.start(1000).ok() && commits.install(); }

    OutboxWriter writer;
    HeldCommits commits;
};

/// Copies a store as a machine that stopped would leave it: the store file and its intent
/// log, and its WAL only when `withWal` (without it, the WAL's unsynced tail is lost).
bool copyStore(const QString &from, const QString &to, bool withWal)
{
    QStringList suffixes{QString(), QStringLiteral("-intent")};
    if (withWal)
        suffixes << QStringLiteral("-wal");
    for (const QString &suffix : suffixes)
        if (!QFile::copy(from + suffix, to + suffix))
            return false;
    return true;
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The epoch in the header of the intent log of store `db` (bytes 16 to 24).
quint64 logEpoch(const QString &db)
{
    QFile f(db + QStringLiteral("-intent"));
    const QByteArray header = f.open(QIODevice::ReadOnly) ? f.read(24) : QByteArray();
    quint64 epoch = 0;
    if (header.size() == 24)
        std::memcpy(&epoch, header.constData() + 16, 8);
    return qFromLittleEndian(epoch);
}

} // namespace

class TestOutboxWriter final : public QObject
{
    Q_OBJECT

    enum StartOutcome { Started = 0, Refused = 1, OtherError = 2 };

    QTemporaryDir m_dir;
    int m_n = 0;

    QString path() { return m_dir.filePath(QStringLiteral("w%1.db").arg(++m_n)); }
    /// A new, empty outbox: a store file, or a database of the test's PostgreSQL.
    QString outbox() { return OutboxBackend::outbox(path()); }

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void concurrentCallersAreAllStoredWithTimeOrderedIds()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        std::atomic<int> accepted{0};
        std::vector<std::thread> callers;
        for (int c = 0; c < 8; ++c)
            callers.emplace_back([&, c] {
                for (int i = 0; i < 50; ++i)
                    if (writer.write({item(QStringLiteral("u%1-%2").arg(c).arg(i))}).ok())
                        ++accepted;
            });
        for (auto &t : callers)
            t.join();
        QCOMPARE(accepted.load(), 400);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 400);
        QCOMPARE(
            count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
            400);
        QCOMPARE(writer.counters.total(), 400);
        QVERIFY(writer.syncs.load() >= 1);
        QVERIFY(writer.durableDeliveryId() >=
                count(db, QStringLiteral("SELECT MAX(id) FROM deliveries")));
        // Generated ids sort in the order they were made (UUID version 7 after "evt_").
        auto first = writer.write({item(QStringLiteral("first"))});
        // Ids made in a later millisecond sort after: wait for the clock, not a fixed time.
        const qint64 firstAt = QDateTime::currentMSecsSinceEpoch();
        QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentMSecsSinceEpoch() > firstAt, 1000);
        auto second = writer.write({item(QStringLiteral("second"))});
        QVERIFY(first.ok() && second.ok());
        QVERIFY(first->first().eventId.startsWith(QStringLiteral("evt_")));
        QCOMPARE(first->first().eventId.size(), 40);
        // A UUID as QUuid writes it: version 7, RFC 9562 variant, its time the time of the call.
        const QUuid uuid = QUuid::fromString(first->first().eventId.mid(4));
        QCOMPARE(uuid.toString(QUuid::WithoutBraces), first->first().eventId.mid(4));
        QCOMPARE(uuid.data3 >> 12, 7); // QUuid::version() of Qt 6.4 knows 1 to 5 only
        QCOMPARE(uuid.variant(), QUuid::DCE);
        const QByteArray bytes = uuid.toRfc4122();
        qint64 ms = 0;
        for (int i = 0; i < 6; ++i)
            ms = ms << 8 | quint8(bytes[i]);
        QVERIFY(qAbs(ms - firstAt) < 60000);
        QVERIFY(first->first().eventId < second->first().eventId);
        QVERIFY(second->first().version > first->first().version);
    }

    void answersArriveWithoutAWaitingThreadInTheOrderCalled()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        // One thread calls 300 times without waiting; each call is answered once, durable.
        std::mutex mutex;
        QList<SyncEvent> stored;
        int answers = 0, failures = 0;
        for (int i = 0; i < 300; ++i)
            writer.submit({item(QStringLiteral("u%1").arg(i))}, [&](Result<QList<SyncEvent>> r) {
                std::lock_guard lock(mutex);
                ++answers;
                if (r)
                    stored << r->first();
                else
                    ++failures;
            });
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     std::lock_guard l(mutex);
                                     return answers == 300;
                                 }()),
                                 10000);
        QCOMPARE(failures, 0);
        std::sort(stored.begin(), stored.end(),
                  [](const SyncEvent &a, const SyncEvent &b) { return a.version < b.version; });
        for (int i = 0; i < 300; ++i) // stored in the order called
            QCOMPARE(stored[i].userId, QStringLiteral("u%1").arg(i));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 300);
        QVERIFY(writer.durableDeliveryId() >=
                count(db, QStringLiteral("SELECT MAX(id) FROM deliveries")));

        // An answer may call again (as a client whose next request follows its answer).
        std::atomic<int> chained{0};
        std::function<void(Result<QList<SyncEvent>>)> next = [&](Result<QList<SyncEvent>> r) {
            if (r && ++chained < 100)
                writer.submit({item(QStringLiteral("c%1").arg(chained.load()))}, next);
        };
        writer.submit({item(QStringLiteral("c0"))}, next);
        QTRY_COMPARE_WITH_TIMEOUT(chained.load(), 100, 10000);

        // A refusal is answered before submit() returns, on the calling thread.
        SyncEvent bad;
        bad.type = QStringLiteral("user.nonsense");
        bad.userId = QStringLiteral("x");
        std::optional<Error> refused;
        writer.submit({OutboxItem{bad, {QStringLiteral("a")}, 0, false, {}, {}}},
                      [&](Result<QList<SyncEvent>> r) { refused = r.error(); });
        QVERIFY(refused.has_value());
        QVERIFY(refused->message.contains(QStringLiteral("user.nonsense")));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 400);
    }

    void theNextGroupWaitsForTheCallersTheLastSyncAnswered_data()
    {
        using namespace std::chrono_literals;
        QTest::addColumn<bool>("syncing");
        QTest::addColumn<int>("lastCallers");
        QTest::addColumn<qint64>("lastSyncUs");
        QTest::addColumn<int>("queued");
        QTest::addColumn<qint64>("sinceStartUs");
        QTest::addColumn<qint64>("waitsUntilUs"); ///< after the sync started; -1: taken now
        QTest::newRow("fewer back: half the last sync")
            << true << 25 << 200LL << 10 << 20LL << 100LL;
        QTest::newRow("all back") << true << 25 << 200LL << 25 << 20LL << -1LL;
        QTest::newRow("more than answered") << true << 25 << 200LL << 30 << 0LL << -1LL;
        QTest::newRow("half the last sync passed") << true << 25 << 200LL << 10 << 100LL << -1LL;
        QTest::newRow("a slow sync: MaxSettle") << true << 25 << 20000LL << 10 << 20LL << 1000LL;
        QTest::newRow("no sync running") << false << 25 << 200LL << 10 << 20LL << -1LL;
        QTest::newRow("a lone caller") << true << 1 << 200LL << 1 << 0LL << -1LL;
    }

    void theNextGroupWaitsForTheCallersTheLastSyncAnswered()
    {
        QFETCH(bool, syncing);
        QFETCH(int, lastCallers);
        QFETCH(qint64, lastSyncUs);
        QFETCH(int, queued);
        QFETCH(qint64, sinceStartUs);
        QFETCH(qint64, waitsUntilUs);
        using std::chrono::microseconds;
        WalSyncer::Progress sync;
        sync.syncing = syncing;
        sync.lastCallers = lastCallers;
        sync.startedAt = OutboxWriter::Clock::time_point(microseconds(1000000));
        sync.lastDuration = microseconds(lastSyncUs);
        const auto end = OutboxWriter::settleEnd(sync, std::size_t(queued),
                                                 sync.startedAt + microseconds(sinceStartUs));
        if (waitsUntilUs < 0) {
            QVERIFY(!end);
        } else {
            QVERIFY(end);
            QCOMPARE(std::chrono::duration_cast<microseconds>(*end - sync.startedAt).count(),
                     waitsUntilUs);
        }
    }

    void resentEventIdsAreStoredOnceWhenWrittenTogether()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        const QStringList targets{QStringLiteral("a"), QStringLiteral("b")};
        const auto withId = [&](const QString &id) {
            OutboxItem i = item(QStringLiteral("user-") + id, targets);
            i.event.eventId = id;
            return i;
        };
        QVERIFY(writer.write({withId(QStringLiteral("evt-earlier"))}).ok());

        // One write of 40 events (statements of many rows): every eighth repeats the one
        // before it, and one was accepted by the write above.
        QList<OutboxItem> items;
        for (int k = 0; k < 40; ++k)
            items << withId(k == 20      ? QStringLiteral("evt-earlier")
                            : k % 8 == 3 ? QStringLiteral("evt-%1").arg(k - 1)
                                         : QStringLiteral("evt-%1").arg(k));
        auto one = writer.write(items);
        QVERIFY(one.ok());
        // And 60 calls without waiting, answered together, with the same kinds of repeats.
        std::mutex mutex;
        QHash<QString, QList<qint64>> versions; // per id: each answer's stored version
        int answers = 0;
        for (int k = 0; k < 60; ++k) {
            const QString id = k % 10 == 0   ? QStringLiteral("evt-earlier")
                               : k % 10 == 6 ? QStringLiteral("evt-call-%1").arg(k - 1)
                                             : QStringLiteral("evt-call-%1").arg(k);
            writer.submit({withId(id)}, [&, id](Result<QList<SyncEvent>> r) {
                std::lock_guard lock(mutex);
                ++answers;
                versions[id] << (r ? r->first().version : -1);
            });
        }
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     std::lock_guard l(mutex);
                                     return answers == 60;
                                 }()),
                                 10000);

        const Connection reader(db);
        const auto seqOf = [&](const QString &id) {
            QSqlQuery q(reader.db());
            q.prepare(QStringLiteral("SELECT seq FROM events WHERE event_id = ?"));
            q.addBindValue(id);
            return q.exec() && q.next() ? q.value(0).toLongLong() : -1;
        };
        // 1 + 34 of the write + 48 of the calls; each new event has one row per target.
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 83);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 166);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries d JOIN events e"
                                          " ON e.seq = d.event_seq AND e.user_id = d.user_id")),
                 166);
        // The first copy is answered with its stored seq; a repeat (here or before) with none.
        for (int k = 0; k < 40; ++k) {
            const SyncEvent &e = one->at(k);
            const bool repeat = k == 20 || k % 8 == 3;
            QCOMPARE(e.version, repeat ? 0 : seqOf(e.eventId));
        }
        for (auto it = versions.cbegin(); it != versions.cend(); ++it) {
            QList<qint64> got = it.value();
            std::sort(got.begin(), got.end());
            if (it.key() == QStringLiteral("evt-earlier"))
                QCOMPARE(got, QList<qint64>(6, 0));
            else if (got.size() == 2)
                QCOMPARE(got, (QList<qint64>{0, seqOf(it.key())}));
            else
                QCOMPARE(got, QList<qint64>{seqOf(it.key())});
        }
        // Alone (a statement of one row), a repeat is accepted again and stores nothing.
        auto again = writer.write({withId(QStringLiteral("evt-5"))});
        QVERIFY2(again.ok(), again ? "" : qPrintable(again.error().message));
        QCOMPARE(again->first().version, 0);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 166);
    }

    void idsAndNamesAreStoredAsGivenWhateverTheirCharacters()
    {
        // ASCII and non-ASCII text side by side in one statement's rows (each value is bound
        // from one buffer the statement shares).
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        const QStringList users{QStringLiteral("u1"), QStringLiteral("\u5f20\u4e09"),
                                QStringLiteral("caf\u00e9"), QStringLiteral("plain")};
        const QStringList targets{QStringLiteral("\u670d\u52a1-\U0001F600"), QStringLiteral("b")};
        QList<OutboxItem> items;
        for (const QString &user : users) {
            items << item(user, targets);
            items.back().event.eventId = QStringLiteral("evt-") + user;
        }
        auto stored = writer.write(items);
        QVERIFY2(stored.ok(), stored ? "" : qPrintable(stored.error().message));
        const Connection reader(db);
        QSqlQuery q(reader.db());
        QVERIFY(q.exec(QStringLiteral("SELECT e.event_id, e.user_id, e.type, d.target, d.user_id,"
                                      " d.mode FROM events e JOIN deliveries d ON d.event_seq ="
                                      " e.seq ORDER BY d.id")));
        for (const QString &user : users) {
            for (const QString &target : targets) {
                QVERIFY(q.next());
                QCOMPARE(q.value(0).toString(), QStringLiteral("evt-") + user);
                QCOMPARE(q.value(1).toString(), user);
                QCOMPARE(q.value(2).toString(), QStringLiteral("user.updated"));
                QCOMPARE(q.value(3).toString(), target);
                QCOMPARE(q.value(4).toString(), user);
                QCOMPARE(q.value(5).toString(), QStringLiteral("real-time"));
            }
        }
        QVERIFY(!q.next());
    }

    void theQueueListsEveryTargetsRowsInOrder()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        const QStringList both{QStringLiteral("a"), QStringLiteral("b")};
        for (int i = 0; i < 4; ++i)
            QVERIFY(writer
                        .write({item(QStringLiteral("u%1").arg(i), both),
                                item(QStringLiteral("c%1").arg(i), {QStringLiteral("c")})})
                        .ok());
        // Pending rows are indexed per target only (SQLite's schema 10, PostgreSQL's 9).
        QCOMPARE(count(db, OutboxBackend::postgres()
                               ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname ="
                                                " 'deliveries_pending_all'")
                               : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE name ="
                                                " 'deliveries_pending_all'")),
                 0);
        // The console's records: of the store file, or of the PostgreSQL outbox alone.
        std::unique_ptr<Store> store;
        if (!OutboxBackend::postgres())
            store = std::move(Store::open(db)).value();
        auto records = std::move(SyncRecords::open(db, store.get())).value();
        auto all = records->queue(QString(), 100);
        QVERIFY2(all.ok(), all.ok() ? "" : qPrintable(all.error().message));
        QCOMPARE(all->size(), 12);
        for (qsizetype i = 1; i < all->size(); ++i)
            QVERIFY(all->at(i - 1).deliveryId < all->at(i).deliveryId);
        // The first rows of all targets are the first rows made, whichever target they are for.
        auto first = records->queue(QString(), 4);
        QCOMPARE(first->size(), 4);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(first->at(i).deliveryId, all->at(i).deliveryId);
        QSet<QString> targetsOfFirst;
        for (const QueuedDelivery &d : first.value())
            targetsOfFirst << d.target;
        QCOMPARE(targetsOfFirst,
                 (QSet<QString>{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        auto b = records->queue(QStringLiteral("b"), 100);
        QCOMPARE(b->size(), 4);
        for (const QueuedDelivery &d : b.value())
            QCOMPARE(d.target, QStringLiteral("b"));
        QCOMPARE(records->queue(QStringLiteral("nobody"), 100)->size(), 0);
    }

    void refusedWritesChangeNothing()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(3).ok());
        SyncEvent bad;
        bad.type = QStringLiteral("user.nonsense");
        bad.userId = QStringLiteral("x");
        auto invalid = writer.write({item(QStringLiteral("ok")), OutboxItem{bad, {QStringLiteral("a")}, 0, false, {}, {}}});
        QVERIFY(!invalid.ok());
        QVERIFY(invalid.error().message.contains(QStringLiteral("user.nonsense")));
        auto full = writer.write({item(QStringLiteral("a"), {QStringLiteral("a"), QStringLiteral("b")}),
                                  item(QStringLiteral("b"), {QStringLiteral("a"), QStringLiteral("b")})});
        QVERIFY(!full.ok());
        QCOMPARE(full.error().code, QStringLiteral("sync.queue_full"));
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 0);
        writer.stop();
        auto stopped = writer.write({item(QStringLiteral("late"))});
        QVERIFY(!stopped.ok());
        QCOMPARE(stopped.error().code, QStringLiteral("sync.stopped"));
    }

    // A thread that cannot start (out of threads or memory): the writer's own, its WAL
    // syncer's two or its checkpointer's; the delivery engine's own or its dispatchers'
    // (started after the writer, before the limit). start() says so; those started on the
    // writer's or engine's thread left it by an exception and the process aborted.
    void threadsThatCannotStartAreRefused_data()
    {
        QTest::addColumn<bool>("engine");
        QTest::addColumn<int>("room");
        QTest::addColumn<int>("outcome");
        for (const bool engine : {false, true}) {
            const char *part = engine ? "delivery engine" : "writer";
            for (int room = 0; room <= (engine ? 2 : 3); ++room)
                QTest::addRow("%s, room for %d threads", part, room)
                    << engine << room << int(Refused);
            QTest::addRow("%s, room for 16", part) << engine << 16 << int(Started);
        }
    }
    void threadsThatCannotStartAreRefused()
    {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        QSKIP("a sanitizer's shadow memory leaves no room for an address-space limit");
#endif
        QFETCH(bool, engine);
        QFETCH(int, room);
        QFETCH(int, outcome);
        const QString db = outbox();
        std::optional<OutboxWriter> writer;
        const ChildEnd end = runWithRoomForThreads(
            room,
            [&] {
                Status started;
                if (engine)
                    started = DeliveryEngine(db, &*writer, 2).start();
                else
                    started = writer.emplace(db).start(1000);
                if (started)
                    return int(Started);
                const bool said = started.error().code == u"threads.unavailable" &&
                                  started.error().message.startsWith(u"cannot start ");
                return int(said ? Refused : OtherError);
            },
            [&] { return !engine || writer.emplace(db).start(1000).ok(); });
        QVERIFY2(end.signal == 0,
                 qPrintable(QStringLiteral("killed by signal %1").arg(end.signal)));
        QCOMPARE(end.code, outcome);
    }

    void outcomesAreConfirmedOnceDurable()
    {
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000).ok());
        // Holding the delivery lease, as the delivery engine's writer does (PostgreSQL records
        // outcomes for the holder of each row's partition only).
        QCOMPARE(writer.claimLease(QStringLiteral("here:1:writer"), 600000), QString());
        auto stored = writer.write({item(QStringLiteral("ann"))});
        QVERIFY(stored.ok());
        QCOMPARE(writer.counters.total(), 1);
        DeliveryOutcome done;
        done.id = count(db, QStringLiteral("SELECT MAX(id) FROM deliveries"));
        done.target = QStringLiteral("a");
        done.user = QStringLiteral("ann");
        done.eventId = stored->first().eventId;
        done.version = stored->first().version;
        done.attempts = 1;
        std::atomic<int> confirmed{-1};
        writer.submitOutcomes(std::make_shared<std::vector<DeliveryOutcome>>(1, done),
                              [&](OutcomesCommitted r) { confirmed = r.ok ? 1 : 0; });
        QTRY_COMPARE(confirmed.load(), 1);
        QCOMPARE(writer.counters.total(), 0);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM (%1) AS latest")
                               .arg(LedgerRanges::latestVersionsSql())),
                 1);
    }

    void theBacklogCountsAGroupOnlyOnceItsCommitSucceeded()
    {
        if (!OutboxBackend::postgres())
            QSKIP("PostgreSQL's COMMIT is sent after the group's statements; SQLite's is not");
        const QString db = outbox();
        HeldCommitsOutbox f(db);
        QVERIFY(f.start());
        auto &[writer, commits] = f;
        std::atomic<int> answered{-1}; // 1 stored, 0 refused
        const auto submit = [&](const QString &user) {
            answered = -1;
            writer.submit({item(user, {QStringLiteral("a"), QStringLiteral("b")})},
                          [&](Result<QList<SyncEvent>> r) { answered = r.ok() ? 1 : 0; });
        };

        QVERIFY(commits.hold(true));
        submit(QStringLiteral("ann"));
        QTRY_VERIFY_WITH_TIMEOUT(commits.waiting(), 10000);
        // The rows are written but not committed: no reader sees them, nor does the backlog.
        QCOMPARE(writer.counters.total(), 0);
        QCOMPARE(answered.load(), -1);
        QVERIFY(commits.hold(false));
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), 1, 10000);
        QCOMPARE(writer.counters.total(), 2);
        QCOMPARE(writer.counters.perTarget().value(QStringLiteral("b")), 1);

        // A COMMIT that fails wrote nothing: its rows are never counted.
        QVERIFY(commits.refuse(true));
        QVERIFY(commits.hold(true));
        submit(QStringLiteral("bob"));
        QTRY_VERIFY_WITH_TIMEOUT(commits.waiting(), 10000);
        QCOMPARE(writer.counters.total(), 2);
        QVERIFY(commits.hold(false));
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), 0, 10000);
        QCOMPARE(writer.counters.total(), 2);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state ="
                                          " 'pending'")),
                 2);
        // The writer goes on: the next group is counted once committed.
        QVERIFY(commits.refuse(false));
        QVERIFY(writer.write({item(QStringLiteral("cy"))}).ok());
        QCOMPARE(writer.counters.total(), 3);
    }

    void aGroupWhoseConnectionIsCutWithItsCommitInFlightIsStoredOnce()
    {
        if (!OutboxBackend::postgres())
            QSKIP("a connection to PostgreSQL");
        const QString db = outbox();
        HeldCommitsOutbox f(db);
        QVERIFY(f.start());
        auto &[writer, commits] = f;
        std::atomic<int> answered{-1}; // 1 stored, 0 refused
        QString eventId;
        QVERIFY(commits.hold(true));
        writer.submit({item(QStringLiteral("dan"))}, [&](Result<QList<SyncEvent>> r) {
            if (r)
                eventId = r->first().eventId;
            answered = r.ok() ? 1 : 0;
        });
        QTRY_VERIFY_WITH_TIMEOUT(commits.waiting(), 10000);
        // Cut with its COMMIT sent: it may have run, for all the writer knows. The group goes
        // again on a new connection, each event id checked, and waits for its COMMIT too.
        QVERIFY(commits.cut());
        QTRY_VERIFY_WITH_TIMEOUT(commits.waiting(), 10000);
        QCOMPARE(answered.load(), -1);
        QVERIFY(commits.hold(false));
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), 1, 10000);
        QVERIFY(!eventId.isEmpty());
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM events")), 1);
        QCOMPARE(count(db, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 1);
        QTRY_COMPARE(writer.counters.total(), 1);
        // The writer goes on with the connections it has.
        QVERIFY(writer.write({item(QStringLiteral("eve"))}).ok());
        QTRY_COMPARE(writer.counters.total(), 2);
    }

    void requestDurableCoversRowsOfAnotherProcess()
    {
        if (OutboxBackend::postgres())
            QSKIP("SQLite's durable bound: what a reader sees on PostgreSQL is durable already");
        const QString db = outbox();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000).ok());
        std::atomic<int> woken{0};
        writer.onCommitted = [&] { ++woken; };
        QVERIFY(writer.write({item(QStringLiteral("mine"))}).ok());
        const qint64 mine = writer.durableDeliveryId();
        // Another writer of the same outbox (as another process would be) adds rows.
        {
            const Connection other(db);
            QSqlQuery q(other.db());
            QVERIFY(q.exec(QStringLiteral("INSERT INTO events(event_id, type, user_id, version,"
                                          " payload, created_at) VALUES ('theirs', 'user.updated',"
                                          " 'x', 0, '{}', 1)")));
            QVERIFY(
                q.exec(QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state,"
                                      " next_at, created_at, updated_at) VALUES"
                                      " (last_insert_rowid(), 'a', 'x', 'pending', 1, 1, 1)")));
        }
        QCOMPARE(writer.durableDeliveryId(), mine); // not known yet
        const int before = woken.load();
        writer.requestDurable();
        QTRY_VERIFY(woken.load() > before);
        QCOMPARE(writer.durableDeliveryId(), mine + 1);
    }

    void eventsOnlyInTheIntentLogAreReplayedAndDeliveredWhenTheWalIsLost()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        QSet<QString> users;
        for (int i = 0; i < 20; ++i) {
            OutboxItem one = item(QStringLiteral("lost%1").arg(i), {QStringLiteral("t")});
            one.event.type = QStringLiteral("user.created");
            QVERIFY(writer.write({one}).ok()); // answered: durable
            users << one.event.userId;
        }
        // The machine stops: what the page cache held of the WAL is gone (nothing synced it:
        // the log made each group durable). The copy is what a restart would find.
        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db"));
        QVERIFY(copyStore(db, copy, false));
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM events")), 0); // lost indeed

        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("t")));
        auto store = std::move(Store::open(copy)).value();
        SyncService sync(store.get(), simTargetConfig(sim));
        const Status started = sync.start(true);
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events")), 20);
        QTRY_COMPARE_WITH_TIMEOUT(
            sim.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 20, 20000);
        for (const QString &user : std::as_const(users))
            QVERIFY(
                sim.get(QStringLiteral("/records/") + user)[QStringLiteral("version")].toInteger() >
                0);
        QTRY_COMPARE(sync.backlog(), 0);
        sync.stop();
    }

    void groupsOfManyCallersAreDurableByTheirRecordsAlone()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        // 50 callers at once, four times over: they share commits, and each answered group is
        // durable by its intent-log record, so a machine that lost the whole WAL (none of it
        // synced by then) still brings every answered event back.
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        constexpr int Callers = 50, Waves = 4;
        for (int wave = 0; wave < Waves; ++wave) {
            std::vector<OutboxWriter::Accepted> accepted;
            for (int i = 0; i < Callers; ++i)
                accepted.push_back(
                    writer.submit({item(QStringLiteral("w%1c%2").arg(wave).arg(i))}));
            for (auto &a : accepted)
                QVERIFY(a.get().ok());
        }
        QVERIFY2(writer.commits.load() < Callers * Waves,
                 qPrintable(QStringLiteral("%1 commits: the callers never shared one")
                                .arg(writer.commits.load())));
        QCOMPARE(writer.loggedCommits.load(), writer.commits.load());

        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db"));
        QVERIFY(copyStore(db, copy, false));
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM events")), 0); // WAL lost
        OutboxWriter reopened(copy);
        QVERIFY(reopened.start(1000000).ok());
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM events")), Callers * Waves);
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(DISTINCT user_id) FROM events")),
                 Callers * Waves);
    }

    void aLoneCallerSyncsItsOwnRecordWithoutWakingTheSyncThread()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        // One caller at a time: its record is written and synced on its own thread while the
        // writer commits, so when the sync ends last the answer comes on the caller's thread,
        // before submit() returns (no other thread wakes for it). The commit ends last now
        // and then, so the test looks for the first such answer.
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        const auto caller = std::this_thread::get_id();
        int onCaller = 0, calls = 0;
        for (; calls < 200 && onCaller == 0; ++calls) {
            auto [answer, accepted] = OutboxWriter::answerWithFuture();
            bool here = false;
            writer.submit({item(QStringLiteral("lone%1").arg(calls))},
                          [&, answer = std::move(answer)](Result<QList<SyncEvent>> stored) {
                              here = std::this_thread::get_id() == caller;
                              answer(std::move(stored));
                          });
            QVERIFY(accepted.get().ok());
            onCaller += here ? 1 : 0;
        }
        QVERIFY2(onCaller > 0, qPrintable(QStringLiteral("none of %1 answered on the caller's "
                                                         "thread")
                                              .arg(calls)));
        QCOMPARE(writer.loggedCommits.load(), writer.commits.load()); // each one by its record
        // Durable as answered: the events survive the loss of the WAL's unsynced tail.
        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db"));
        QVERIFY(copyStore(db, copy, false));
        OutboxWriter reopened(copy);
        QVERIFY(reopened.start(1000000).ok());
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM events")), calls);
    }

    void aLoggedGroupThatIsRefusedIsNotReplayed()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        QVERIFY(writer.write({item(QStringLiteral("before"))}).ok());
        {
            // The store refuses this user's rows: its group's commit fails after its record
            // was written to the log.
            auto store = std::move(Store::open(db)).value();
            QSqlQuery q(store->database());
            QVERIFY(q.exec(QStringLiteral(
                "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.user_id = 'refused'"
                " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")));
        }
        auto refused = writer.write({item(QStringLiteral("refused"))});
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QStringLiteral("refused by the test")),
                 qPrintable(refused.error().message));
        // The process is killed now (the WAL stays whole): the caller was told nothing was
        // kept, and a restart, where the store takes the user again, keeps nothing of it.
        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db"));
        QVERIFY(copyStore(db, copy, true));
        {
            auto store = std::move(Store::open(copy)).value();
            QVERIFY(QSqlQuery(store->database()).exec(QStringLiteral("DROP TRIGGER refuse")));
        }
        OutboxWriter again(copy);
        QVERIFY(again.start(1000000).ok());
        again.stop();
        QCOMPARE(storeCount(
                     copy, QStringLiteral("SELECT COUNT(*) FROM events WHERE user_id = 'refused'")),
                 0);
        QCOMPARE(storeCount(copy,
                            QStringLiteral("SELECT COUNT(*) FROM events WHERE user_id = 'before'")),
                 1);
    }

    void aLogWhoseEventsAreAllStoredAddsNothing()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(1000000).ok());
        for (int i = 0; i < 10; ++i)
            QVERIFY(writer.write({item(QStringLiteral("kept%1").arg(i))}).ok());
        // A process killed (SIGKILL): the WAL is whole, and the log holds the same events.
        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db"));
        QVERIFY(copyStore(db, copy, true));
        OutboxWriter again(copy);
        QVERIFY(again.start(1000000).ok());
        QCOMPARE(again.counters.total(), 10);
        again.stop();
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM events")), 10);
        QCOMPARE(storeCount(copy, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 10);
    }

    void anotherStoresLogIsRefusedWithAClearError()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString mine = path(), theirs = path();
        {
            OutboxWriter writer(mine);
            QVERIFY(writer.start(1000000).ok());
            QVERIFY(writer.write({item(QStringLiteral("x"))}).ok());
        }
        // Another store's log, copied while it holds events (a crash would leave it so).
        OutboxWriter other(theirs);
        QVERIFY(other.start(1000000).ok());
        QVERIFY(other.write({item(QStringLiteral("y"))}).ok());
        QVERIFY(QFile::remove(mine + QStringLiteral("-intent")));
        QVERIFY(QFile::copy(theirs + QStringLiteral("-intent"), mine + QStringLiteral("-intent")));
        const QByteArray log = fileBytes(mine + QStringLiteral("-intent"));
        OutboxWriter writer(mine);
        const Status started = writer.start(1000000);
        QVERIFY(!started.ok());
        QCOMPARE(started.error().code, QStringLiteral("intentlog.foreign"));
        QVERIFY2(started.error().message.contains(mine + QStringLiteral("-intent")),
                 qPrintable(started.error().message));
        QCOMPARE(fileBytes(mine + QStringLiteral("-intent")), log);
        QCOMPARE(count(mine, QStringLiteral("SELECT COUNT(*) FROM events")), 1);
    }

    void aFullLogStartsOverAfterTheWalIsSynced()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        writer.setIntentLogBytes(3 * IntentLog::HeaderBytes); // room for a few dozen records
        QVERIFY(writer.start(1000000).ok());
        for (int i = 0; i < 300; ++i)
            QVERIFY(writer.write({item(QStringLiteral("u%1").arg(i))}).ok());
        QCOMPARE(storeCount(db, QStringLiteral("SELECT COUNT(*) FROM events")), 300);
        QVERIFY(writer.durableDeliveryId() >= 300);
        writer.stop();
        // It started over several times.
        QVERIFY2(logEpoch(db) >= 4, qPrintable(QString::number(logEpoch(db))));
        OutboxWriter again(db);
        QVERIFY(again.start(1000000).ok());
        QCOMPARE(again.counters.total(), 300);
    }

    void aLoggedGroupPastTheEpochBoundStartsTheNextEpoch()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        writer.setMaxEpochMs(300);
        QVERIFY(writer.start(1000000).ok());
        QVERIFY(writer.write({item(QStringLiteral("first"))}).ok());
        const quint64 first = logEpoch(db);
        QVERIFY(first > 0);
        // Steady writes: the log never sits idle for a second nor fills, so only the bound can
        // end the epoch, at the first logged group after it.
        QElapsedTimer elapsed;
        elapsed.start();
        int written = 1;
        QString last;
        while (logEpoch(db) == first && elapsed.elapsed() < 20000) {
            auto stored = writer.write({item(QStringLiteral("u%1").arg(written++))});
            QVERIFY(stored.ok());
            last = stored->first().eventId;
        }
        QCOMPARE(logEpoch(db), first + 1);
        QVERIFY2(written > 2, qPrintable(QString::number(written))); // not every group
        // The roll-over synced the WAL before the log started over: the new epoch holds the
        // group that ended the old one, alone, and the events before it are all in the store.
        QTemporaryDir after;
        const QString copy = after.filePath(QStringLiteral("c.db-intent"));
        QVERIFY(QFile::copy(db + QStringLiteral("-intent"), copy));
        auto store = std::move(Store::open(db)).value();
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'store_id'")) &&
                q.next());
        auto log = IntentLog::open(copy, QUuid::fromString(q.value(0).toString()).toRfc4122(),
                                   OutboxWriter::DefaultIntentLogBytes);
        QVERIFY2(log.ok(), qPrintable(log.ok() ? QString() : log.error().message));
        QCOMPARE(log.value()->epoch(), first + 1);
        QCOMPARE(log.value()->replay().size(), 1);
        QCOMPARE(log.value()->replay().first().event.eventId, last);
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events")), written);
    }

    void theWalStaysBoundedUnderSteadyWrites()
    {
        if (OutboxBackend::postgres())
            QSKIP("the intent log and the WAL are SQLite's");
        const QString db = path();
        OutboxWriter writer(db);
        QVERIFY(writer.start(100000000).ok());
        // Enough commits to pass the point where the writer copies the rest of the WAL
        // itself, several times over (large events: many pages per commit, few commits).
        const QString bulky(16000, u'x');
        for (int i = 0; i < 300; ++i) {
            QList<OutboxItem> items;
            for (int k = 0; k < 4; ++k) {
                items << item(QStringLiteral("u%1-%2").arg(i).arg(k));
                items.last().event.data.insert(QStringLiteral("notes"), bulky);
            }
            QVERIFY(writer.write(items).ok());
        }
        const qint64 walBytes = QFileInfo(db + QStringLiteral("-wal")).size();
        const qint64 bound = qint64(OutboxWriter::WalFramesCopiedHere) * 5 / 4 * (4096 + 24) + 32;
        QVERIFY2(walBytes <= bound, qPrintable(QStringLiteral("WAL is %1 bytes").arg(walBytes)));
        auto store = std::move(Store::open(db)).value();
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events")), 1200);
    }
};

QTEST_GUILESS_MAIN(TestOutboxWriter)
#include "tst_outboxwriter.moc"
