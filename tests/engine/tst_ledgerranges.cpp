// SPDX-License-Identifier: GPL-3.0-or-later
// The ledger's two forms on real store files: a bulk row acknowledged as one range of event
// seqs per target, per-user rows for single deliveries, read as one ledger; folding ranges into
// rows (retention) changes nothing a reader sees; a store of the previous schema is upgraded.
// With JOBFIRST_TEST_OUTBOX=postgresql the outbox is a PostgreSQL of the test's own
// (OutboxBackend).
#include "outboxbackend.h"
#include "store/ledgerranges.h"
#include "store/store.h"
#include "store/syncrecords.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {

const QString Target = QStringLiteral("t");

OutboxItem item(const QString &id, const QString &user, bool bulk)
{
    OutboxItem i;
    i.event.eventId = id;
    i.event.type = QStringLiteral("user.updated");
    i.event.userId = user;
    i.event.createdAt = 1000;
    i.targets = {Target};
    if (bulk)
        i.rowLimits = {100};
    i.payload = "{\"id\":\"" + id.toUtf8() + "\"}";
    return i;
}

} // namespace

class TestLedgerRanges final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;
    int m_connections = 0;

    struct Rig
    {
        QString path; ///< the outbox: the store file, or a PostgreSQL URL
        std::unique_ptr<OutboxStore> writer;
        std::unique_ptr<Store> store; ///< the store file (on PostgreSQL, the local one)
        QSqlDatabase db;              ///< a second connection to the outbox, as the engine reads
        std::unique_ptr<SyncRecords> records;
    };

    Rig open(const QString &existing = {})
    {
        const QString file =
            existing.isEmpty() ? m_dir.filePath(QStringLiteral("l%1.db").arg(++m_n)) : existing;
        const QString path = existing.isEmpty() ? OutboxBackend::outbox(file) : existing;
        auto w = OutboxStore::open(path);
        if (!w)
            qFatal("%s", qPrintable(w.error().message));
        // Acknowledgements are recorded for the delivery lease's holder (PostgreSQL fences).
        if (!w.value()
                 ->claimLease(QStringLiteral("here:1:ledger"), 600000,
                              QDateTime::currentMSecsSinceEpoch())
                 .isEmpty())
            qFatal("the delivery lease of %s is taken", qPrintable(path));
        auto s = Store::open(file);
        if (!s)
            qFatal("%s", qPrintable(s.error().message));
        auto r = SyncRecords::open(path, s.value().get());
        if (!r)
            qFatal("%s", qPrintable(r.error().message));
        return {path, std::move(w).value(), std::move(s).value(),
                OutboxBackend::open(path, QStringLiteral("reader%1").arg(++m_connections)),
                std::move(r).value()};
    }

    static qint64 count(const QSqlDatabase &db, const QString &sql)
    {
        QSqlQuery q(db);
        if (!q.exec(sql) || !q.next())
            qFatal("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        return q.value(0).toLongLong();
    }

    /// Writes events (one bulk row, or one row each) at `now`: their seqs.
    static QList<qint64> write(Rig &rig, const QStringList &idsAndUsers, bool bulk, qint64 now)
    {
        QList<OutboxItem> items;
        for (const QString &pair : idsAndUsers)
            items << item(pair.section(u':', 0, 0), pair.section(u':', 1, 1), bulk);
        OutboxRequest request{EventWrite{items, {}}};
        auto r = OutboxBackend::commit(*rig.writer, {&request}, now);
        if (!r)
            qFatal("%s", qPrintable(r.error().message));
        QList<qint64> seqs;
        for (const SyncEvent &e : r->stored[0])
            seqs << e.version;
        return seqs;
    }

    /// Records the delivery row holding `firstSeq` as delivered at `now`.
    static void acknowledge(Rig &rig, qint64 firstSeq, const QString &user, const QString &eventId,
                            qint64 now)
    {
        QSqlQuery q(rig.db);
        q.prepare(QStringLiteral("SELECT id, event_count FROM deliveries WHERE event_seq = ?"));
        q.addBindValue(firstSeq);
        if (!q.exec() || !q.next())
            qFatal("no delivery row at seq %lld", firstSeq);
        DeliveryOutcome done;
        done.id = q.value(0).toLongLong();
        done.count = q.value(1).toInt();
        done.target = Target;
        done.user = user;
        done.eventId = eventId;
        done.version = firstSeq;
        done.attempts = 1;
        OutboxRequest request{
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, done), {}}};
        auto r = OutboxBackend::commit(*rig.writer, {&request}, now);
        if (!r)
            qFatal("%s", qPrintable(r.error().message));
    }

    /// The ledger as the consistency check reads it: "user version event", by user.
    static QStringList ledger(Rig &rig)
    {
        QStringList rows;
        const Status s = rig.records->forEachLedgerRow(
            Target, [&](const QString &user, qint64 version, const QString &eventId) {
                rows << QStringLiteral("%1 %2 %3").arg(user).arg(version).arg(eventId);
            });
        if (!s)
            qFatal("%s", qPrintable(s.error().message));
        rows.sort();
        return rows;
    }

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void aBulkRowIsAcknowledgedAsOneRangeCoveringEveryUser()
    {
        Rig rig = open();
        // u1 twice in one bulk row: its later event is the acknowledged one.
        const QList<qint64> seqs =
            write(rig, {"a0:u0", "a1:u1", "a2:u2", "a3:u1", "a4:u4"}, true, 100);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 1);
        acknowledge(rig, seqs[0], {}, {}, 200);

        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger")), 0);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges WHERE"
                                              " target = 't' AND end_seq - first_seq = 5")),
                 1);
        QCOMPARE(ledger(rig), QStringList({QStringLiteral("u0 %1 a0").arg(seqs[0]),
                                           QStringLiteral("u1 %1 a3").arg(seqs[3]),
                                           QStringLiteral("u2 %1 a2").arg(seqs[2]),
                                           QStringLiteral("u4 %1 a4").arg(seqs[4])}));
        // The same row recorded twice (a commit retried) adds nothing.
        acknowledge(rig, seqs[0], {}, {}, 300);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")), 1);
        QCOMPARE(ledger(rig).size(), 4);
    }

    void theLatestAcknowledgementWinsAcrossBothForms()
    {
        Rig rig = open();
        // u0: acknowledged alone first (older), then in a bulk row (newer): the bulk one wins.
        const QList<qint64> single0 = write(rig, {"s0:u0"}, false, 100);
        acknowledge(rig, single0[0], QStringLiteral("u0"), QStringLiteral("s0"), 110);
        const QList<qint64> bulk = write(rig, {"b0:u0", "b1:u1"}, true, 120);
        acknowledge(rig, bulk[0], {}, {}, 130);
        // u1: its bulk event acknowledged, then a newer single event: the single one wins.
        const QList<qint64> single1 = write(rig, {"s1:u1"}, false, 140);
        acknowledge(rig, single1[0], QStringLiteral("u1"), QStringLiteral("s1"), 150);

        QCOMPARE(ledger(rig), QStringList({QStringLiteral("u0 %1 b0").arg(bulk[0]),
                                           QStringLiteral("u1 %1 s1").arg(single1[0])}));
    }

    void foldingChangesNothingAReaderSees()
    {
        Rig rig = open();
        const QList<qint64> a = write(rig, {"a0:u0", "a1:u1", "a2:u2"}, true, 100);
        acknowledge(rig, a[0], {}, {}, 200);
        const QList<qint64> s = write(rig, {"s1:u1"}, false, 300);
        acknowledge(rig, s[0], QStringLiteral("u1"), QStringLiteral("s1"), 310);
        const QList<qint64> b = write(rig, {"b0:u0", "b3:u3"}, true, 400);
        acknowledge(rig, b[0], {}, {}, 500);
        const QStringList before = ledger(rig);
        QCOMPARE(before,
                 QStringList(
                     {QStringLiteral("u0 %1 b0").arg(b[0]), QStringLiteral("u1 %1 s1").arg(s[0]),
                      QStringLiteral("u2 %1 a2").arg(a[2]), QStringLiteral("u3 %1 b3").arg(b[1])}));

        // Ranges acknowledged before 400 only: the first bulk row's (on a store file it took in
        // the single row's, the next seq: SqliteDoneMarker extends a range).
        auto folded = LedgerRanges::fold(rig.db, OutboxBackend::postgres(), rig.path, 400);
        QVERIFY2(folded.ok(), folded ? "" : qPrintable(folded.error().message));
        QCOMPARE(folded.value(), 1);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")), 1);
        QCOMPARE(ledger(rig), before);
        // The single ack of u1 was newer than the range: folding did not take it back.
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger WHERE user_id = 'u1' AND"
                                              " event_id = 's1'")),
                 1);

        folded = LedgerRanges::fold(rig.db, OutboxBackend::postgres(), rig.path, 1000);
        QCOMPARE(folded.value(), 1);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")), 0);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger")), 4);
        QCOMPARE(ledger(rig), before);
    }

    void retentionKeepsEveryUsersLatestAcknowledgedEvent()
    {
        Rig rig = open();
        const QList<qint64> a = write(rig, {"a0:u0", "a1:u1", "a2:u2"}, true, 100);
        acknowledge(rig, a[0], {}, {}, 200);
        const QList<qint64> b = write(rig, {"b0:u0", "b1:u1"}, true, 300);
        acknowledge(rig, b[0], {}, {}, 400);
        const QList<qint64> c = write(rig, {"c2:u2", "c7:u7"}, true, 500);
        acknowledge(rig, c[0], {}, {}, 600);
        // A row delivered before the cutoff whose range the pass's fold did not see (recorded
        // while it ran): stands in by a range acknowledged after the cutoff.
        const QList<qint64> d = write(rig, {"d5:u5", "d6:u6"}, true, 700);
        acknowledge(rig, d[0], {}, {}, 800);
        QSqlQuery(rig.db).exec(
            QStringLiteral("UPDATE ledger_ranges SET acked_at = 5000 WHERE first_seq = %1")
                .arg(d[0]));
        const QStringList before = ledger(rig);
        QCOMPARE(before.size(), 6); // u0 u1 (b), u2 u7 (c), u5 u6 (d)

        const auto pruned = OutboxBackend::prune(rig.path, 1000, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));

        // The first bulk row is nobody's latest any more: gone with its events; the others
        // hold a user's latest event, or a range not yet folded, and stay.
        QCOMPARE(pruned->deliveries, 1);
        QCOMPARE(pruned->events, 3);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM events")), 6);
        QCOMPARE(ledger(rig), before);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")), 1);
    }

    void singleRowsGrowOneRangeThatRetentionFoldsBeforeItPrunes()
    {
        // Single rows acknowledged one commit after another: on a store file one range, which
        // each next acknowledgement extends (PostgreSQL writes per-user rows).
        const bool ranges = !OutboxBackend::postgres();
        Rig rig = open();
        const QList<qint64> s = write(rig, {"s0:u0", "s1:u1", "s2:u0", "s3:u3"}, false, 100);
        const QStringList users{QStringLiteral("u0"), QStringLiteral("u1"), QStringLiteral("u0"),
                                QStringLiteral("u3")};
        for (int i = 0; i < 4; ++i)
            acknowledge(rig, s[i], users[i], QStringLiteral("s%1").arg(i), 200 + 10 * i);
        const QStringList acked({QStringLiteral("u0 %1 s2").arg(s[2]),
                                 QStringLiteral("u1 %1 s1").arg(s[1]),
                                 QStringLiteral("u3 %1 s3").arg(s[3])});
        QCOMPARE(ledger(rig), acked);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges WHERE"
                                              " first_seq = %1 AND end_seq = %2 AND acked_at = 200")
                                   .arg(s[0])
                                   .arg(s[3] + 1)),
                 ranges ? 1 : 0);

        // A range the pass's fold does not take (acknowledged after its cutoff, as if recorded
        // while it ran) keeps every row with an event in it, delivered before the cutoff or not.
        QSqlQuery(rig.db).exec(QStringLiteral("UPDATE ledger_ranges SET acked_at = 5000"));
        auto pruned = OutboxBackend::prune(rig.path, 1000, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QCOMPARE(pruned->deliveries, ranges ? 0 : 1);
        QCOMPARE(ledger(rig), acked);

        // Folded: u0's older event is nobody's latest and goes; the others stay.
        QSqlQuery(rig.db).exec(QStringLiteral("UPDATE ledger_ranges SET acked_at = 200"));
        pruned = OutboxBackend::prune(rig.path, 1000, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QCOMPARE(pruned->deliveries, ranges ? 1 : 0);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM events")), 3);
        QCOMPARE(count(rig.db, QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")), 0);
        QCOMPARE(ledger(rig), acked);
    }

    void aStoreOfTheSchemaBeforeRangesIsUpgraded()
    {
        if (OutboxBackend::postgres())
            QSKIP("The store file's schema (PostgreSQL's upgrade: tst_postgresoutbox)");
        const QString path = m_dir.filePath(QStringLiteral("schema8.db"));
        {
            // Schema 8, as the previous engine left it: single and bulk acknowledgements as
            // per-user ledger rows.
            Rig old = open(path);
            const QList<qint64> seqs = write(old, {"a0:u0", "a1:u1"}, true, 100);
            QSqlQuery q(old.store->database());
            for (const char *sql :
                 {"DROP TABLE ledger_ranges",
                  "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
                  "INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                  " SELECT 't', user_id, event_id, seq, 200 FROM events"})
                QVERIFY2(q.exec(QString::fromLatin1(sql)), qPrintable(q.lastError().text()));
            QCOMPARE(seqs.size(), 2);
        }
        Rig rig = open(path);
        QCOMPARE(
            count(rig.db, QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")),
            Store::SchemaVersion);
        QCOMPARE(ledger(rig), QStringList({QStringLiteral("u0 1 a0"), QStringLiteral("u1 2 a1")}));
        // And the next bulk row is acknowledged as a range on top of the old rows.
        const QList<qint64> b = write(rig, {"b1:u1", "b2:u2"}, true, 300);
        acknowledge(rig, b[0], {}, {}, 400);
        QCOMPARE(ledger(rig),
                 QStringList({QStringLiteral("u0 1 a0"), QStringLiteral("u1 %1 b1").arg(b[0]),
                              QStringLiteral("u2 %1 b2").arg(b[1])}));
    }
};

QTEST_GUILESS_MAIN(TestLedgerRanges)
#include "tst_ledgerranges.moc"
