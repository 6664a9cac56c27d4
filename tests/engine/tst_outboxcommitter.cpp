// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox committer alone, on a real store file (or, with JOBFIRST_TEST_OUTBOX=postgresql,
// a PostgreSQL of the test's own: OutboxBackend): what one group commit writes, and that a
// group that fails writes nothing.
#include "outboxbackend.h"
#include "store/ledgerranges.h"
#include "store/outboxstore.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QtTest>

#include <limits>

using namespace jobfirst;

namespace {

OutboxItem item(const QString &id, const QString &user, const QStringList &targets)
{
    OutboxItem i;
    i.event.eventId = id;
    i.event.type = QStringLiteral("user.updated");
    i.event.userId = user;
    i.event.createdAt = 1000;
    i.targets = targets;
    i.payload = "{\"id\":\"" + id.toUtf8() + "\"}";
    return i;
}

OutboxRequest *events(std::vector<std::unique_ptr<OutboxRequest>> &keep, QList<OutboxItem> items)
{
    keep.push_back(std::make_unique<OutboxRequest>(EventWrite{std::move(items), {}}));
    return keep.back().get();
}

} // namespace

class TestOutboxCommitter final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;

    struct Rig
    {
        std::unique_ptr<OutboxStore> committer;
        QSqlDatabase reader; ///< a second connection, as the console reads
    };

    Rig open()
    {
        const QString outbox =
            OutboxBackend::outbox(m_dir.filePath(QStringLiteral("c%1.db").arg(++m_n)));
        auto c = OutboxStore::open(outbox);
        if (!c)
            qFatal("%s", qPrintable(c.error().message));
        return {std::move(c).value(),
                OutboxBackend::open(outbox, QStringLiteral("reader%1").arg(m_n))};
    }

    /// Outcomes are recorded for the delivery lease's holder (on PostgreSQL, each partition's).
    static bool holdLease(Rig &rig)
    {
        return rig.committer
            ->claimLease(QStringLiteral("here:1:a"), 600000, QDateTime::currentMSecsSinceEpoch())
            .isEmpty();
    }

    static Result<OutboxStore::Summary> commit(Rig &rig, const std::vector<OutboxRequest *> &group,
                                               qint64 now)
    {
        return OutboxBackend::commit(*rig.committer, group, now);
    }

    static QStringList rows(const QSqlDatabase &db, const QString &sql)
    {
        QSqlQuery q(db);
        if (!q.exec(sql))
            return {q.lastError().text()};
        QStringList out;
        while (q.next()) {
            QStringList cols;
            for (int i = 0; i < q.record().count(); ++i)
                cols << q.value(i).toString();
            out << cols.join(u'|');
        }
        return out;
    }

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void eventsAndTheirDeliveriesAreWrittenInOneGroup()
    {
        Rig rig = open();
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        std::vector<OutboxRequest *> group{
            events(keep, {item(QStringLiteral("e1"), QStringLiteral("ann"), {QStringLiteral("a"), QStringLiteral("b")})}),
            events(keep, {item(QStringLiteral("e2"), QStringLiteral("bo"), {QStringLiteral("a")}),
                          item(QStringLiteral("e3"), QStringLiteral("cy"), {})})};
        auto r = commit(rig, group, 5000);
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
        QCOMPARE(r->stored.size(), std::size_t(2));
        QCOMPARE(r->stored[0].size(), 1);
        QCOMPARE(r->stored[1].size(), 2);
        // Versions are the outbox sequence: they grow with every accepted event.
        QVERIFY(r->stored[0][0].version > 0);
        QVERIFY(r->stored[1][0].version > r->stored[0][0].version);
        QVERIFY(r->stored[1][1].version > r->stored[1][0].version);
        QCOMPARE(r->pendingDelta.value(QStringLiteral("a")), 2);
        QCOMPARE(r->pendingDelta.value(QStringLiteral("b")), 1);
        QCOMPARE(rows(rig.reader,
                      QStringLiteral("SELECT event_id, user_id, payload FROM events ORDER BY seq")),
                 QStringList({QStringLiteral("e1|ann|{\"id\":\"e1\"}"),
                              QStringLiteral("e2|bo|{\"id\":\"e2\"}"),
                              QStringLiteral("e3|cy|{\"id\":\"e3\"}")}));
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT target, user_id, state, next_at, "
                                                 "event_count FROM deliveries ORDER BY id")),
                 QStringList({QStringLiteral("a|ann|pending|5000|1"),
                              QStringLiteral("b|ann|pending|5000|1"),
                              QStringLiteral("a|bo|pending|5000|1")}));
        // The bound on what may be sent covers every committed row: the last one on SQLite (the
        // WAL is synced up to it), any on PostgreSQL (what a reader sees is durable).
        const qint64 last =
            rows(rig.reader, QStringLiteral("SELECT MAX(id) FROM deliveries")).first().toLongLong();
        QCOMPARE(r->lastDeliveryId,
                 OutboxBackend::postgres() ? std::numeric_limits<qint64>::max() : last);
        QCOMPARE(rig.committer->lastDeliveryId(), r->lastDeliveryId);
        QCOMPARE(rig.committer->countPending()->value(QStringLiteral("a")), 2);
    }

    void aResentEventIdIsAcceptedOnce()
    {
        Rig rig = open();
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        QVERIFY(commit(rig,
                       {events(keep, {item(QStringLiteral("same"), QStringLiteral("ann"),
                                           {QStringLiteral("a")})})},
                       1)
                    .ok());
        auto again = commit(rig,
                            {events(keep, {item(QStringLiteral("same"), QStringLiteral("ann"),
                                                {QStringLiteral("a")})})},
                            2);
        QVERIFY(again.ok());
        QCOMPARE(again->stored[0].size(), 1); // answered as accepted
        QCOMPARE(again->pendingDelta.value(QStringLiteral("a")), 0);
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM events")),
                 QStringList{QStringLiteral("1")});
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM deliveries")),
                 QStringList{QStringLiteral("1")});
    }

    void bulkRowsCoverConsecutiveEventsUpToTheirLimit()
    {
        Rig rig = open();
        QList<OutboxItem> items;
        for (int i = 0; i < 7; ++i) {
            OutboxItem it = item(QStringLiteral("b%1").arg(i), QStringLiteral("u%1").arg(i), {QStringLiteral("a"), QStringLiteral("b")});
            it.rowLimits = {3, 100};
            items << it;
        }
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        auto r = commit(rig, {events(keep, items)}, 10);
        QVERIFY(r.ok());
        QCOMPARE(r->pendingDelta.value(QStringLiteral("a")), 7);
        QCOMPARE(r->pendingDelta.value(QStringLiteral("b")), 7);
        // Rows of many users keep no user (no per-user order to hold); a row of one keeps it.
        QCOMPARE(
            rows(rig.reader,
                 QStringLiteral(
                     "SELECT target, event_count, user_id FROM deliveries ORDER BY target, id")),
            QStringList({QStringLiteral("a|3|"), QStringLiteral("a|3|"), QStringLiteral("a|1|u6"),
                         QStringLiteral("b|7|")}));
        // Bulk rows say so: the real-time latency SLO leaves them out.
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT DISTINCT mode FROM deliveries")),
                 QStringList{QStringLiteral("bulk")});
    }

    void nearRealTimeSupersedesTheUsersUnsentRow()
    {
        Rig rig = open();
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        OutboxItem first = item(QStringLiteral("n1"), QStringLiteral("ann"), {QStringLiteral("a")});
        first.coalesce = true;
        first.dueAt = 6000;
        QVERIFY(commit(rig, {events(keep, {first})}, 1000).ok());
        OutboxItem second = item(QStringLiteral("n2"), QStringLiteral("ann"), {QStringLiteral("a")});
        second.coalesce = true;
        second.dueAt = 7000;
        auto r = commit(rig, {events(keep, {second})}, 2000);
        QVERIFY(r.ok());
        QCOMPARE(r->pendingDelta.value(QStringLiteral("a")), 0); // one superseded, one added
        QCOMPARE(
            rows(rig.reader, QStringLiteral("SELECT state, next_at FROM deliveries ORDER BY id")),
            QStringList({QStringLiteral("coalesced|6000"), QStringLiteral("pending|7000")}));
        // A real-time row of the same user is never superseded.
        OutboxItem now = item(QStringLiteral("r1"), QStringLiteral("bo"), {QStringLiteral("a")});
        QVERIFY(commit(rig, {events(keep, {now})}, 3000).ok());
        OutboxItem later = item(QStringLiteral("n3"), QStringLiteral("bo"), {QStringLiteral("a")});
        later.coalesce = true;
        later.dueAt = 9000;
        QVERIFY(commit(rig, {events(keep, {later})}, 3000).ok());
        QCOMPARE(rows(rig.reader,
                      QStringLiteral(
                          "SELECT state, mode FROM deliveries WHERE user_id = 'bo' ORDER BY id")),
                 QStringList({QStringLiteral("pending|real-time"),
                              QStringLiteral("pending|near-real-time")}));
    }

    void outcomesUpdateRowsTheLedgerAndTheAttemptLog()
    {
        Rig rig = open();
        QVERIFY(holdLease(rig));
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        QList<OutboxItem> items;
        for (int i = 0; i < 4; ++i)
            items << item(QStringLiteral("o%1").arg(i), QStringLiteral("u%1").arg(i), {QStringLiteral("a")});
        auto w = commit(rig, {events(keep, items)}, 100);
        QVERIFY(w.ok());
        const QStringList ids =
            rows(rig.reader, QStringLiteral("SELECT id FROM deliveries ORDER BY id"));
        std::vector<DeliveryOutcome> outcomes(4);
        for (int i = 0; i < 4; ++i) {
            outcomes[std::size_t(i)].id = ids[i].toLongLong();
            outcomes[std::size_t(i)].target = QStringLiteral("a");
            outcomes[std::size_t(i)].user = QStringLiteral("u%1").arg(i);
            outcomes[std::size_t(i)].eventId = QStringLiteral("o%1").arg(i);
            outcomes[std::size_t(i)].version = w->stored[0][i].version;
            outcomes[std::size_t(i)].attempts = 1;
        }
        outcomes[1].kind = DeliveryOutcome::Retry;
        outcomes[1].nextAt = 9999;
        outcomes[1].status = 503;
        outcomes[1].error = QStringLiteral("HTTP 503: busy");
        outcomes[2].kind = DeliveryOutcome::Dead;
        outcomes[2].status = 400;
        outcomes[2].error = QStringLiteral("HTTP 400: bad");
        outcomes[3].kind = DeliveryOutcome::Hold;
        outcomes[3].status = 410;
        outcomes[3].error = QStringLiteral("HTTP 410: gone");
        keep.push_back(std::make_unique<OutboxRequest>(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(outcomes), {}}));
        auto r = commit(rig, {keep.back().get()}, 200);
        QVERIFY(r.ok());
        QCOMPARE(r->pendingDelta.value(QStringLiteral("a")), -2); // done and dead leave the queue
        QCOMPARE(
            rows(rig.reader,
                 QStringLiteral(
                     "SELECT state, attempts, next_at, last_error FROM deliveries ORDER BY id")),
            QStringList({QStringLiteral("done|1|100|"),
                         QStringLiteral("pending|1|9999|HTTP 503: busy"),
                         QStringLiteral("dead|1|100|HTTP 400: bad"),
                         QStringLiteral("pending|0|100|HTTP 410: gone")}));
        // In either form of the ledger (SQLite keeps single rows' acknowledgements as ranges).
        QCOMPARE(rows(rig.reader, LedgerRanges::latestVersionsSql()),
                 QStringList{QStringLiteral("a|u0|%1").arg(w->stored[0][0].version)});
        QCOMPARE(
            rows(rig.reader, QStringLiteral("SELECT status FROM attempts ORDER BY id")),
            QStringList({QStringLiteral("503"), QStringLiteral("400"), QStringLiteral("410")}));
    }

    void aBulkRowAcknowledgesEveryUserItCarries()
    {
        Rig rig = open();
        QVERIFY(holdLease(rig));
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        QList<OutboxItem> items;
        for (int i = 0; i < 5; ++i) {
            OutboxItem it = item(QStringLiteral("k%1").arg(i), QStringLiteral("u%1").arg(i), {QStringLiteral("a")});
            it.rowLimits = {100};
            items << it;
        }
        auto w = commit(rig, {events(keep, items)}, 100);
        QVERIFY(w.ok());
        DeliveryOutcome done;
        done.id =
            rows(rig.reader, QStringLiteral("SELECT id FROM deliveries")).first().toLongLong();
        done.target = QStringLiteral("a");
        done.version = w->stored[0][0].version;
        done.count = 5;
        done.attempts = 1;
        keep.push_back(std::make_unique<OutboxRequest>(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, done), {}}));
        auto r = commit(rig, {keep.back().get()}, 200);
        QVERIFY(r.ok());
        QCOMPARE(r->pendingDelta.value(QStringLiteral("a")), -5);
        // One range for the row, not one ledger row per user (tst_ledgerranges reads it back).
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM ledger")),
                 QStringList{QStringLiteral("0")});
        QCOMPARE(
            rows(rig.reader,
                 QStringLiteral(
                     "SELECT COUNT(*) FROM ledger_ranges r JOIN events e ON e.seq >= r.first_seq"
                     " AND e.seq < r.end_seq WHERE r.target = 'a'")),
            QStringList{QStringLiteral("5")});
    }

    void aGroupThatFailsWritesNothingAndSaysWhy()
    {
        Rig rig = open();
        // A trigger stands in for a write the store refuses (a full disk, a constraint).
        const QStringList trigger =
            OutboxBackend::postgres()
                ? QStringList{QStringLiteral("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE "
                                             "plpgsql AS $$ BEGIN"
                                             " IF NEW.target = 'refused' THEN RAISE EXCEPTION "
                                             "'refused by the test'; END IF;"
                                             " RETURN NEW; END $$"),
                              QStringLiteral(
                                  "CREATE TRIGGER refuse BEFORE INSERT ON deliveries FOR EACH ROW"
                                  " EXECUTE FUNCTION refuse()")}
                : QStringList{
                      QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON deliveries WHEN "
                                     "NEW.target = 'refused'"
                                     " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")};
        for (const QString &sql : trigger) {
            QSqlQuery q(rig.reader);
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        }
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        std::vector<OutboxRequest *> group{events(keep, {item(QStringLiteral("f1"), QStringLiteral("ann"), {QStringLiteral("a")})}),
                                           events(keep, {item(QStringLiteral("f2"), QStringLiteral("bo"), {QStringLiteral("refused")})})};
        auto r = commit(rig, group, 100);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(QStringLiteral("refused by the test"))
                     && r.error().message.contains(QStringLiteral("refused")),
                 qPrintable(r.error().message));
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM events")),
                 QStringList{QStringLiteral("0")});
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM deliveries")),
                 QStringList{QStringLiteral("0")});
        // The committer goes on: the next group is written.
        QVERIFY(commit(rig,
                       {events(keep, {item(QStringLiteral("f3"), QStringLiteral("cy"),
                                           {QStringLiteral("a")})})},
                       200)
                    .ok());
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT event_id FROM events")),
                 QStringList{QStringLiteral("f3")});
    }

    void aRowTheStoreSkipsFailsTheGroup()
    {
        if (OutboxBackend::postgres())
            QSKIP("SQLite's INSERT OR IGNORE statements");
        Rig rig = open();
        // Triggers stand in for a row the store skips without an error: such an event must
        // not be answered as accepted before, nor such a delivery be lost.
        for (const QString &sql :
             {QStringLiteral("CREATE TRIGGER skip_event BEFORE INSERT ON events WHEN "
                             "NEW.event_id = 's2' BEGIN SELECT RAISE(IGNORE); END"),
              QStringLiteral("CREATE TRIGGER skip_delivery BEFORE INSERT ON deliveries WHEN "
                             "NEW.target = 'skipped' BEGIN SELECT RAISE(IGNORE); END")}) {
            QSqlQuery q(rig.reader);
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        }
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        const QStringList a{QStringLiteral("a")};
        auto r = commit(rig,
                        {events(keep, {item(QStringLiteral("s1"), QStringLiteral("ann"), a),
                                       item(QStringLiteral("s2"), QStringLiteral("bo"), a)})},
                        100);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(QStringLiteral("event s2 was not stored")),
                 qPrintable(r.error().message));
        r = commit(rig,
                   {events(keep, {item(QStringLiteral("s3"), QStringLiteral("cy"),
                                       {QStringLiteral("a"), QStringLiteral("skipped")})})},
                   200);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(QStringLiteral("1 of 2 rows stored")),
                 qPrintable(r.error().message));
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM events")),
                 QStringList{QStringLiteral("0")});
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM deliveries")),
                 QStringList{QStringLiteral("0")});
    }

    void theLeaseHasOneHolderAtATime()
    {
        if (OutboxBackend::postgres())
            QSKIP("PostgreSQL leases each partition apart (tst_postgresleases)");
        Rig rig = open();
        const QString a = QStringLiteral("elsewhere:1:a"), b = QStringLiteral("elsewhere:2:b");
        QCOMPARE(rig.committer->claimLease(a, 15000, 1000), QString());
        QCOMPARE(rig.committer->claimLease(b, 15000, 2000), a);
        QCOMPARE(rig.committer->claimLease(a, 15000, 3000), QString()); // renewed
        QCOMPARE(rig.committer->claimLease(b, 15000, 17000), a);        // renewed at 3000: held
        QCOMPARE(rig.committer->claimLease(b, 15000, 18001), QString()); // lapsed
        QCOMPARE(rig.committer->claimLease(b, 0, 19000), QString());     // released
        QCOMPARE(rig.committer->claimLease(a, 15000, 19001), QString());
    }

    void theWalIsCopiedBackAndStartsOver()
    {
        if (OutboxBackend::postgres())
            QSKIP("SQLite's WAL: PostgreSQL keeps its own");
        Rig rig = open();
        std::vector<std::unique_ptr<OutboxRequest>> keep;
        for (int i = 0; i < 20; ++i)
            QVERIFY(commit(rig,
                           {events(keep, {item(QStringLiteral("w%1").arg(i), QStringLiteral("u"),
                                               {QStringLiteral("a")})})},
                           i)
                        .ok());
        const int before = rig.committer->walFrames();
        QVERIFY(before > 20);
        QVERIFY(rig.committer->checkpoint());
        QVERIFY(commit(rig,
                       {events(keep, {item(QStringLiteral("w-last"), QStringLiteral("u"),
                                           {QStringLiteral("a")})})},
                       99)
                    .ok());
        QVERIFY2(rig.committer->walFrames() < before, qPrintable(QString::number(rig.committer->walFrames())));
        QCOMPARE(rows(rig.reader, QStringLiteral("SELECT COUNT(*) FROM events")),
                 QStringList{QStringLiteral("21")});
    }
};

QTEST_GUILESS_MAIN(TestOutboxCommitter)
#include "tst_outboxcommitter.moc"
