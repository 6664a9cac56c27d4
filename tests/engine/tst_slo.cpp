// SPDX-License-Identifier: GPL-3.0-or-later
// The plan's success metrics computed from a health history and delivery records written
// here, against values worked out by hand.
#include "api/localenginesession.h"
#include "slo/slocalculator.h"
#include "store/slostore.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {
constexpr qint64 S = 1000;
constexpr qint64 Min = 60 * S;
constexpr qint64 Hour = 60 * Min;
constexpr qint64 Day = 24 * Hour;
} // namespace

class TestSlo final : public QObject
{
    Q_OBJECT

    static void exec(QSqlQuery &q, const QString &sql, const QVariantList &values)
    {
        q.prepare(sql);
        for (const QVariant &v : values)
            q.addBindValue(v);
        QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
    }

    // An engine on its own store that reaches nothing on its own.
    static EngineOptions quietEngine(const QString &db)
    {
        EngineOptions options;
        options.dbPath = db;
        options.refreshMs = 0;
        options.deliver = false;
        options.healthChecks = false;
        options.watchConfig = false;
        return options;
    }

private slots:
    void availabilityCountsTheTimeUp()
    {
        // Added 2 h ago; up after 1 s; down for 6 min 40 s in the last hour; up again.
        const qint64 now = 10 * Day;
        NodeHistory h{QStringLiteral("a"), now - 2 * Hour,
                      {{now - 2 * Hour + S, QStringLiteral("up"), 0},
                       {now - 30 * Min, QStringLiteral("down"), now - 30 * Min - 2 * S},
                       {now - 30 * Min + 400 * S, QStringLiteral("up"), 0}}};
        QCOMPARE(SloCalculator::availability(h, now - Hour, now), 100.0 * (3600.0 - 400.0) / 3600.0);
        // Over a day only the 2 h it existed count, less the second before its first check:
        // (7199 - 400) / 7199.
        QCOMPARE(SloCalculator::availability(h, now - Day, now), 100.0 * (7199.0 - 400.0) / 7199.0);
        // A second node up while the first was down keeps the cluster available.
        NodeHistory b{QStringLiteral("b"), now - 2 * Hour, {{now - 2 * Hour + 2 * S, QStringLiteral("up"), 0}}};
        QCOMPARE(SloCalculator::clusterAvailability({h, b}, now - Hour, now), 100.0);
        QCOMPARE(SloCalculator::recoveries({h, b}, now - Day, now), QList<qint64>{400 * S});
        QCOMPARE(SloCalculator::alertDelays({h, b}, now - Day, now), QList<qint64>{2 * S});
    }

    void percentileIsNearestRank()
    {
        QList<qint64> values;
        for (int i = 1; i <= 200; ++i)
            values << i;
        QCOMPARE(SloCalculator::percentile(values, 99), 198.0);
        QCOMPARE(SloCalculator::percentile({5}, 99), 5.0);
    }

    void figuresFromTheStore()
    {
        QTemporaryDir dir;
        auto opened = Store::open(dir.filePath(QStringLiteral("slo.db")));
        QVERIFY(opened.ok());
        Store *store = opened->get();
        QSqlQuery q(store->database());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // Node n1: added 3 days ago, up, then in the last day down 40 s (last answered 45 s
        // before the alert), back up. Node n2: added 30 min ago, never up.
        exec(q, QStringLiteral("INSERT INTO nodes(id, url, health_path, weight, admin_state, created_at) VALUES (?, ?, '/health', 1, 'ready', ?)"),
             {QStringLiteral("n1"), QStringLiteral("http://127.0.0.1:1"), now - 3 * Day});
        exec(q, QStringLiteral("INSERT INTO nodes(id, url, health_path, weight, admin_state, created_at) VALUES (?, ?, '/health', 1, 'ready', ?)"),
             {QStringLiteral("n2"), QStringLiteral("http://127.0.0.1:2"), now - 30 * Min});
        const auto change = [&](const QString &node, qint64 at, const QString &from, const QString &to, qint64 lastOk) {
            exec(q, QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state, reason, latency_ms, last_ok_at)"
                                   " VALUES (?, ?, ?, ?, 'test', 0, ?)"),
                 {node, at, from, to, lastOk});
        };
        change(QStringLiteral("n1"), now - 3 * Day + S, QStringLiteral("unknown"), QStringLiteral("up"), 0);
        change(QStringLiteral("n1"), now - 10 * Hour, QStringLiteral("up"), QStringLiteral("down"), now - 10 * Hour - 45 * S);
        change(QStringLiteral("n1"), now - 10 * Hour + 40 * S, QStringLiteral("down"), QStringLiteral("up"), 0);
        change(QStringLiteral("n2"), now - 30 * Min + S, QStringLiteral("unknown"), QStringLiteral("down"), 0);
        // 200 real-time deliveries acknowledged in the last hour after 1..200 ms, and slow
        // ones that must not count: near-real-time, bulk, and one from yesterday.
        exec(q, QStringLiteral("INSERT INTO events(event_id, type, user_id, version, payload, created_at) VALUES ('e', 'user.created', 'u', 1, '{}', 0)"), {});
        const auto delivery = [&](qint64 created, qint64 latency, const QString &mode, int count) {
            exec(q, QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state, next_at, created_at, updated_at, event_count, mode)"
                                   " VALUES (1, 't', 'u', 'done', 0, ?, ?, ?, ?)"),
                 {created, created + latency, count, mode});
        };
        delivery(now - Day, 90000, QStringLiteral("real-time"), 1);
        for (int i = 1; i <= 200; ++i)
            delivery(now - 20 * Min + i * S, i, QStringLiteral("real-time"), 1);
        delivery(now - 10 * Min, 5000, QStringLiteral("near-real-time"), 1);
        delivery(now - 10 * Min, 9000, QStringLiteral("bulk"), 500);
        // Two targets checked; the older check of t1 is superseded by its latest one.
        QVERIFY(SloStore(store).recordConsistency(now - 2 * Hour, QStringLiteral("t1"), 1000, 900).ok());
        QVERIFY(SloStore(store).recordConsistency(now - Hour, QStringLiteral("t1"), 1000, 1000).ok());
        QVERIFY(SloStore(store).recordConsistency(now - Hour, QStringLiteral("t2"), 9000, 8999).ok());

        auto inputs = SloStore(store).load(now);
        QVERIFY2(inputs.ok(), inputs.ok() ? "" : qPrintable(inputs.error().message));
        const SloReport r = SloCalculator::compute(inputs.value());
        // Cluster over a day: n1 was down 40 s and n2 never up, so 40 s of 86,400 s unavailable.
        QCOMPARE(r.figure(QStringLiteral("availability_24h"))->measured, 100.0 * (86400.0 - 40.0) / 86400.0);
        QVERIFY(r.figure(QStringLiteral("availability_24h"))->met); // 99.954 % >= 99.9 %
        QCOMPARE(r.figure(QStringLiteral("availability_1h"))->measured, 100.0);
        // Per node over the last hour: n1 up all of it; n2 (30 min old) never up.
        QCOMPARE(r.nodes.size(), 2);
        QCOMPARE(r.nodes.at(0).hour, 100.0);
        QCOMPARE(r.nodes.at(1).hour, 0.0);
        // Each node's "over a day" covers what was observed of it: all the day for n1, the
        // 30 min less the second before its first check for n2.
        QCOMPARE(r.nodes.at(0).dayObservedMs, Day);
        QCOMPARE(r.nodes.at(1).dayObservedMs, 30 * Min - S);
        // p99 of 1..200 ms is 198 ms: over the 100 ms target.
        const SloFigure *latency = r.figure(QStringLiteral("sync_latency_p99"));
        QCOMPARE(latency->samples, qint64(200));
        QCOMPARE(latency->measured, 198.0);
        QVERIFY(!latency->met);
        // Consistency: (1000 + 8999) / (1000 + 9000).
        QCOMPARE(r.figure(QStringLiteral("consistency"))->measured, 100.0 * 9999.0 / 10000.0);
        QVERIFY(r.figure(QStringLiteral("consistency"))->met);
        // Recovery 40 s (target 30 s: missed); alert 45 s after the node last answered (met).
        QCOMPARE(r.figure(QStringLiteral("recovery_time"))->measured, 40000.0);
        QVERIFY(!r.figure(QStringLiteral("recovery_time"))->met);
        QCOMPARE(r.figure(QStringLiteral("alert_delay"))->measured, 45000.0);
        QVERIFY(r.figure(QStringLiteral("alert_delay"))->met);
    }

    // A target down for ten minutes: the deliveries that did arrive took a few milliseconds,
    // but users of the waiting ones have waited ten minutes already. The figure must say so
    // while they wait, not only once they arrive (it read "34 ms, met" on the demo then).
    void aDeliveryStillWaitingCountsWithItsAgeSoFar()
    {
        QTemporaryDir dir;
        auto opened = Store::open(dir.filePath(QStringLiteral("waiting.db")));
        QVERIFY(opened.ok());
        Store *store = opened->get();
        QSqlQuery q(store->database());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        exec(q,
             QStringLiteral("INSERT INTO events(event_id, type, user_id, version, payload, "
                            "created_at) VALUES ('e', 'user.created', 'u', 1, '{}', 0)"),
             {});
        const auto delivery = [&](const QString &target, const QString &state, qint64 created,
                                  qint64 updated, const QString &mode) {
            exec(q,
                 QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state, "
                                "next_at, created_at, updated_at, event_count, mode)"
                                " VALUES (1, ?, 'u', ?, 0, ?, ?, 1, ?)"),
                 {target, state, created, updated, mode});
        };
        for (int i = 1; i <= 100; ++i)
            delivery(QStringLiteral("user-service"), QStringLiteral("done"), now - 20 * Min + i * S,
                     now - 20 * Min + i * S + i / 2, QStringLiteral("real-time"));
        const auto p99 = [&] {
            auto inputs = SloStore(store).load(now);
            return inputs.ok() ? *SloCalculator::compute(inputs.value())
                                      .figure(QStringLiteral("sync_latency_p99"))
                               : SloFigure{};
        };
        QCOMPARE(p99().samples, qint64(100));
        QVERIFY(p99().met); // 50 ms

        // ai-service went down ten minutes ago: three real-time deliveries wait since then.
        // Deliveries that wait on purpose (near-real-time, an import's) do not count.
        for (int i = 0; i < 3; ++i)
            delivery(QStringLiteral("ai-service"), QStringLiteral("pending"), now - 10 * Min, 0,
                     QStringLiteral("real-time"));
        delivery(QStringLiteral("ai-service"), QStringLiteral("pending"), now - Hour, 0,
                 QStringLiteral("near-real-time"));
        delivery(QStringLiteral("job-service"), QStringLiteral("pending"), now - Hour, 0,
                 QStringLiteral("bulk"));
        QCOMPARE(p99().samples, qint64(103));
        QCOMPARE(p99().measured, double(10 * Min));
        QVERIFY(!p99().met);

        // They arrive: their waits now count as what they were.
        exec(q,
             QStringLiteral("UPDATE deliveries SET state = 'done', updated_at = ? WHERE target = "
                            "'ai-service' AND mode = 'real-time'"),
             {now});
        QCOMPARE(p99().samples, qint64(103));
        QCOMPARE(p99().measured, double(10 * Min));
    }

    // A cluster watched for 10 minutes has 10 minutes of availability behind it, whatever
    // the window: each figure says how much of its window it covers (a "30 days" row read as
    // if a month had been observed). Nodes not checked yet have nothing to measure.
    void availabilitySaysTheSpanItCovers()
    {
        const qint64 now = 10 * Day;
        const NodeHistory a{
            QStringLiteral("a"), now - 10 * Min, {{now - 10 * Min + S, QStringLiteral("up"), 0}}};
        const NodeHistory b{
            QStringLiteral("b"), now - 5 * Min, {{now - 5 * Min + S, QStringLiteral("up"), 0}}};
        const SloReport r = SloCalculator::compute(SloInputs{now, {a, b}, {}, 0, 0, 0});
        for (const char *key : {"availability_1h", "availability_24h", "availability_30d"}) {
            const SloFigure *f = r.figure(QString::fromLatin1(key));
            QVERIFY(f);
            QVERIFY2(f->measuredAny, key);
            QCOMPARE(f->measured, 100.0);
            QCOMPARE(f->observedMs, 10 * Min - S);
        }
        // The others are over the events in their window.
        QCOMPARE(r.figure(QStringLiteral("recovery_time"))->observedMs, Day);
        // An hour watched of a day: the hour's figure covers its whole window.
        const NodeHistory old{
            QStringLiteral("c"), now - 3 * Hour, {{now - 3 * Hour, QStringLiteral("up"), 0}}};
        const SloReport later = SloCalculator::compute(SloInputs{now, {old}, {}, 0, 0, 0});
        QCOMPARE(later.figure(QStringLiteral("availability_1h"))->observedMs, Hour);
        QCOMPARE(later.figure(QStringLiteral("availability_24h"))->observedMs, 3 * Hour);

        const NodeHistory unchecked{QStringLiteral("d"), now - Min, {}};
        const SloReport none = SloCalculator::compute(SloInputs{now, {unchecked}, {}, 0, 0, 0});
        QVERIFY(!none.figure(QStringLiteral("availability_24h"))->measuredAny);
        QCOMPARE(none.figure(QStringLiteral("availability_24h"))->observedMs, 0);
    }

    // The SLO refresh (every 30 s) opens its own connection on a pool thread. The engine
    // checked the store when it opened it; the refresh must not quick_check the whole file
    // again. Timing-free: damage that quick_check reports, in tables the SLO does not read,
    // does not stop the refresh, while a first open of the same file still reports it.
    void sloRefreshDoesNotRecheckTheOpenStore()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("engine.db"));
        LocalEngineSession session(QStringLiteral("tst_slo"));
        QVERIFY(session.start(quietEngine(db)).result().ok());
        QVERIFY(session.slo().result().ok());
        {
            // Two scratch tables sharing one root page: quick_check's "2nd reference to page".
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("damage"));
            raw.setDatabaseName(db);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            for (const char *sql :
                 {"CREATE TABLE scratch_a(x)", "CREATE TABLE scratch_b(y)",
                  "INSERT INTO scratch_a VALUES (1)", "PRAGMA writable_schema=ON",
                  "UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM sqlite_master "
                  "WHERE name = 'scratch_a') WHERE name = 'scratch_b'"})
                QVERIFY2(q.exec(QString::fromLatin1(sql)), qPrintable(q.lastError().text()));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("damage"));
        const auto first = Store::open(db);
        QVERIFY(!first.ok());
        QCOMPARE(first.error().code, QStringLiteral("store.corrupt"));

        const auto report = session.slo().result();
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        QVERIFY(!report->figures.isEmpty());
        session.stop();
    }

    // A store moved away under the engine: the refresh says so, and does not make a new
    // empty store in its place to report on.
    void sloRefreshSaysTheStoreIsGone()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("engine.db"));
        LocalEngineSession session(QStringLiteral("tst_slo"));
        QVERIFY(session.start(quietEngine(db)).result().ok());
        QVERIFY(QFile::rename(db, dir.filePath(QStringLiteral("moved.db"))));

        const auto report = session.slo().result();
        QVERIFY(!report.ok());
        QCOMPARE(report.error().code, QStringLiteral("store.missing"));
        QVERIFY2(report.error().message.contains(db), qPrintable(report.error().message));
        QVERIFY(!QFile::exists(db));
        session.stop();
    }

    void anEmptyClusterHasNothingToMeasure()
    {
        const SloReport r = SloCalculator::compute(SloInputs{Day, {}, {}, 0, 0, 0});
        for (const SloFigure &f : r.figures) {
            QVERIFY2(!f.measuredAny, qPrintable(f.key));
            QVERIFY(!f.met);
        }
    }
};

QTEST_GUILESS_MAIN(TestSlo)
#include "tst_slo.moc"
