// SPDX-License-Identifier: GPL-3.0-or-later
// SqliteDoneMarker alone, on a real store file: delivered rows marked done and their users'
// versions acknowledged (ranges of seqs per target, read with the per-user ledger) for every
// row count around the statements' size, the higher version kept, a target's range extended
// by the next run of its queue, a failure that names the rows, and no statement journal
// written to a file on the outbox writer's connection.
#include "store/sqlitedonemarker.h"
#include "store/sqliteoutboxstore.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace jobfirst;

namespace {

constexpr qint64 Now = 1700000000000;

QString scalar(Store &store, const QString &sql)
{
    QSqlQuery q(store.database());
    if (!q.exec(sql) || !q.next())
        return QStringLiteral("(%1)").arg(q.lastError().text());
    return q.value(0).toString();
}

bool exec(Store &store, const QString &sql)
{
    QSqlQuery q(store.database());
    if (!q.exec(sql))
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    return !q.lastError().isValid();
}

/// Each (target, user)'s acknowledged version and event from both forms of the ledger.
const QString Acknowledged = QStringLiteral(
    "SELECT target, user_id, MAX(version) AS version, event_id FROM (SELECT target, user_id,"
    " version, event_id FROM ledger UNION ALL SELECT r.target, e.user_id, e.seq, e.event_id"
    " FROM ledger_ranges r JOIN events e ON e.seq >= r.first_seq AND e.seq < r.end_seq)"
    " GROUP BY target, user_id");

/// The event of `seq` for `user`, as the outbox writes it.
void addEvent(Store &store, qint64 seq, const QString &user, const QString &eventId)
{
    QSqlQuery q(store.database());
    q.prepare(QStringLiteral("INSERT INTO events(seq, event_id, type, user_id, version, payload,"
                             " created_at) VALUES (?, ?, 'user.updated', ?, ?, '{}', 5)"));
    q.addBindValue(seq);
    q.addBindValue(eventId);
    q.addBindValue(user);
    q.addBindValue(seq);
    if (!q.exec())
        qWarning("event %lld: %s", seq, qPrintable(q.lastError().text()));
}

/// `n` pending rows to target "t" for users u0..u<n-1> and their events e0.. (seqs 100..), as
/// the outbox writes them (ids 1..n).
std::vector<DeliveryOutcome> pendingRows(Store &store, int n)
{
    std::vector<DeliveryOutcome> outcomes;
    for (int i = 0; i < n; ++i) {
        addEvent(store, 100 + i, QStringLiteral("u%1").arg(i), QStringLiteral("e%1").arg(i));
        exec(store, QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state,"
                                   " attempts, next_at, last_error, created_at, updated_at)"
                                   " VALUES (%1, 't', 'u%2', 'pending', 2, 0, 'HTTP 503', 5, 5)")
                        .arg(100 + i)
                        .arg(i));
        DeliveryOutcome o;
        o.kind = DeliveryOutcome::Done;
        o.id = i + 1;
        o.target = QStringLiteral("t");
        o.user = QStringLiteral("u%1").arg(i);
        o.eventId = QStringLiteral("e%1").arg(i);
        o.version = 100 + i;
        o.attempts = 3;
        outcomes.push_back(o);
    }
    return outcomes;
}

/// The default VFS, counting the statement journals it opens as files: SQLite writes one when a
/// statement's journal grows past 64 KiB (the rows of six targets are far apart: each row of a
/// statement is on a page of its own) unless the connection keeps temporary files in memory.
struct CountingVfs
{
    static inline sqlite3_vfs *s_real = nullptr;
    static inline int s_statementJournals = 0;
    sqlite3_vfs vfs{};

    CountingVfs()
    {
        s_real = sqlite3_vfs_find(nullptr);
        vfs = *s_real;
        vfs.zName = "counting";
        vfs.xOpen = [](sqlite3_vfs *, sqlite3_filename name, sqlite3_file *file, int flags,
                       int *outFlags) {
            if (flags & SQLITE_OPEN_SUBJOURNAL)
                ++s_statementJournals;
            return s_real->xOpen(s_real, name, file, flags, outFlags);
        };
        sqlite3_vfs_register(&vfs, 1);
    }
    ~CountingVfs()
    {
        sqlite3_vfs_unregister(&vfs);
        sqlite3_vfs_register(s_real, 1);
    }
};

std::vector<const DeliveryOutcome *> pointers(const std::vector<DeliveryOutcome> &outcomes)
{
    std::vector<const DeliveryOutcome *> out;
    for (const DeliveryOutcome &o : outcomes)
        out.push_back(&o);
    return out;
}

/// Marks `outcomes` done in a transaction of their own; the error, or "" when it went through.
QString markInTransaction(Store &store, const std::vector<DeliveryOutcome> &outcomes,
                          qint64 now = Now)
{
    SqliteDoneMarker marker(sqliteHandle(store.database()));
    QString error;
    if (!exec(store, QStringLiteral("BEGIN")))
        return QStringLiteral("BEGIN failed");
    if (!marker.mark(pointers(outcomes), now, error))
        return error;
    return exec(store, QStringLiteral("COMMIT")) ? QString() : QStringLiteral("COMMIT failed");
}

} // namespace

class TestSqliteDoneMarker final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<Store> open()
    {
        auto s = Store::open(m_dir.filePath(QStringLiteral("s%1.db").arg(++m_n)));
        if (!s)
            qFatal("%s", qPrintable(s.error().message));
        return std::move(s).value();
    }

private slots:
    void everyRowIsDoneAndAcknowledged_data()
    {
        QTest::addColumn<int>("rows");
        for (int n : {1, 2, 31, 32, 33, 64, 70})
            QTest::addRow("%d rows", n) << n;
    }

    void everyRowIsDoneAndAcknowledged()
    {
        QFETCH(int, rows);
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, rows + 1);
        outcomes.pop_back(); // the last row is not delivered: it stays as it was
        QCOMPARE(markInTransaction(*store, outcomes), QString());

        const QString done = QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'done'"
                                            " AND attempts = 3 AND last_error = ''"
                                            " AND updated_at = %1")
                                 .arg(Now);
        QCOMPARE(scalar(*store, done), QString::number(rows));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT state || ' ' || attempts || ' ' ||"
                                               " last_error FROM deliveries WHERE id = %1")
                                    .arg(rows + 1)),
                 QStringLiteral("pending 2 HTTP 503"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM (%1)").arg(Acknowledged)),
                 QString::number(rows));
        // Each user's own event and version, not a neighbour's: one range of the seqs.
        const QString matching =
            QStringLiteral("SELECT COUNT(*) FROM (%1) WHERE target = 't' AND event_id = 'e' ||"
                           " substr(user_id, 2) AND version = 100 + substr(user_id, 2)");
        QCOMPARE(scalar(*store, matching.arg(Acknowledged)), QString::number(rows));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT group_concat(target || ' ' || first_seq"
                                               " || ' ' || end_seq || ' ' || acked_at)"
                                               " FROM ledger_ranges")),
                 QStringLiteral("t 100 %1 %2").arg(100 + rows).arg(Now));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM ledger")),
                 QStringLiteral("0"));
    }

    void rowsOfDifferentAttemptCountsKeepTheirOwn()
    {
        // Rows share an UPDATE per attempt count: 70 rows in three counts, out of id order,
        // each ends with its own count (and only the rows given are touched).
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 71);
        outcomes.pop_back();
        for (DeliveryOutcome &o : outcomes)
            o.attempts = 1 + int(o.id % 3);
        std::reverse(outcomes.begin(), outcomes.end());
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state ="
                                               " 'done' AND attempts = 1 + id % 3")),
                 QStringLiteral("70"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT state || ' ' || attempts FROM deliveries"
                                               " WHERE id = 71")),
                 QStringLiteral("pending 2"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM (%1)").arg(Acknowledged)),
                 QStringLiteral("70"));
    }

    void rowsBetweenRunsStayAsTheyWere()
    {
        // Runs of consecutive ids are marked as ranges: rows 9 and 30 (not delivered) sit
        // between runs of 20 and 10 rows, and row 41 at the end of one; row 5 was retried and
        // ends with its own attempt count, between a run of 4 and one of 3 (too short for a
        // range).
        auto store = open();
        std::vector<DeliveryOutcome> all = pendingRows(*store, 41);
        std::vector<DeliveryOutcome> outcomes;
        for (DeliveryOutcome &o : all) {
            if (o.id == 9 || o.id == 30 || o.id == 41)
                continue;
            if (o.id == 5)
                o.attempts = 7;
            outcomes.push_back(o);
        }
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        QCOMPARE(scalar(*store, QStringLiteral("SELECT group_concat(id || ' ' || attempts, ', ')"
                                               " FROM deliveries WHERE state = 'pending'")),
                 QStringLiteral("9 2, 30 2, 41 2"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state ="
                                               " 'done' AND attempts = 3 AND updated_at = %1")
                                    .arg(Now)),
                 QStringLiteral("37"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT attempts FROM deliveries WHERE id = 5")),
                 QStringLiteral("7"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM (%1)").arg(Acknowledged)),
                 QStringLiteral("38"));
        // The seqs of the rows left out are not acknowledged: three ranges around them.
        QCOMPARE(scalar(*store, QStringLiteral("SELECT group_concat(first_seq || '-' || end_seq,"
                                               " ' ') FROM ledger_ranges")),
                 QStringLiteral("100-108 109-129 130-140"));
    }

    void theLedgerKeepsTheHigherVersion()
    {
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 2);
        QVERIFY(
            exec(*store, QStringLiteral("INSERT INTO ledger VALUES ('t', 'u0', 'newer', 500, 1),"
                                        " ('t', 'u1', 'older', 50, 1)")));
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        const QString of = QStringLiteral("SELECT event_id || ' ' || version FROM (%1)"
                                          " WHERE user_id = '%2'");
        QCOMPARE(scalar(*store, of.arg(Acknowledged, QStringLiteral("u0"))),
                 QStringLiteral("newer 500"));
        QCOMPARE(scalar(*store, of.arg(Acknowledged, QStringLiteral("u1"))),
                 QStringLiteral("e1 101"));
        QCOMPARE(
            scalar(*store, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'done'")),
            QStringLiteral("2"));
    }

    void acknowledgementsAreReadBackWhateverTheirCharacters()
    {
        // Targets of any characters keep ranges of their own; users and event ids are read
        // back from the events, each whole and with its own seq.
        const QStringList users{
            QStringLiteral("u0"), QStringLiteral("用户-零"),          QStringLiteral("émilie"),
            QStringLiteral("u3"), QStringLiteral("\U0001F600-smile"), QString(40, u'x')};
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 40);
        for (DeliveryOutcome &o : outcomes) {
            const int i = int(o.id - 1);
            o.user = users[i % users.size()] + QString::number(i);
            o.eventId =
                (i % 2 ? QStringLiteral("évènement-") : QStringLiteral("e")) + QString::number(i);
            o.target = i % 3 ? QStringLiteral("t") : QStringLiteral("目标");
            QSqlQuery e(store->database());
            e.prepare(QStringLiteral("UPDATE events SET user_id = ?, event_id = ? WHERE seq = ?"));
            e.addBindValue(o.user);
            e.addBindValue(o.eventId);
            e.addBindValue(o.version);
            QVERIFY(e.exec());
        }
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT target, user_id, event_id, version FROM (%1)")
                           .arg(Acknowledged)));
        int rows = 0;
        while (q.next()) {
            const int i = int(q.value(3).toLongLong() - 100);
            QVERIFY2(i >= 0 && i < 40, qPrintable(q.value(3).toString()));
            QCOMPARE(q.value(0).toString(), outcomes[std::size_t(i)].target);
            QCOMPARE(q.value(1).toString(), outcomes[std::size_t(i)].user);
            QCOMPARE(q.value(2).toString(), outcomes[std::size_t(i)].eventId);
            ++rows;
        }
        QCOMPARE(rows, 40);
    }

    void aTargetsRangeGrowsWithItsQueue()
    {
        // The next run of a target's queue extends its range (which keeps the time of its
        // first acknowledgement, as retention folds it); a gap (rows not delivered yet) starts
        // another range, another target has its own, and events acknowledged again add no
        // user twice.
        auto store = open();
        std::vector<DeliveryOutcome> all = pendingRows(*store, 30);
        const auto slice = [&](int from, int to) {
            return std::vector<DeliveryOutcome>(all.begin() + from, all.begin() + to);
        };
        QCOMPARE(markInTransaction(*store, slice(0, 10), Now), QString());
        QCOMPARE(markInTransaction(*store, slice(10, 20), Now + 5), QString());
        QCOMPARE(markInTransaction(*store, slice(25, 30), Now + 10), QString());
        std::vector<DeliveryOutcome> other = slice(20, 22);
        for (DeliveryOutcome &o : other)
            o.target = QStringLiteral("t2");
        QCOMPARE(markInTransaction(*store, other, Now + 15), QString());
        QCOMPARE(markInTransaction(*store, slice(3, 8), Now + 20), QString());
        QCOMPARE(scalar(*store, QStringLiteral("SELECT group_concat(target || ' ' || first_seq"
                                               " || '-' || end_seq || ' ' || (acked_at - %1), ', ')"
                                               " FROM ledger_ranges")
                                    .arg(Now)),
                 QStringLiteral("t 100-120 0, t 103-108 20, t 125-130 10, t2 120-122 15"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) || ' ' || SUM(target = 't')"
                                               " FROM (%1)")
                                    .arg(Acknowledged)),
                 QStringLiteral("27 25"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT group_concat(id) FROM deliveries"
                                               " WHERE state = 'pending'")),
                 QStringLiteral("23,24,25"));
    }

    void aMarkerGoesOnFromWhatIsStoredNotFromWhatItWrote()
    {
        // One marker across transactions extends the stored range that ends where a run
        // begins: after a transaction rolled back, or a range folded away by retention, the
        // events are acknowledged all the same, and no others.
        auto store = open();
        std::vector<DeliveryOutcome> all = pendingRows(*store, 40);
        SqliteDoneMarker marker(sqliteHandle(store->database()));
        const auto mark = [&](int from, int to, bool commit) {
            const std::vector<DeliveryOutcome> rows(all.begin() + from, all.begin() + to);
            QString error;
            const bool ok = exec(*store, QStringLiteral("BEGIN")) &&
                            marker.mark(pointers(rows), Now + from, error);
            exec(*store, commit ? QStringLiteral("COMMIT") : QStringLiteral("ROLLBACK"));
            return ok ? error : QStringLiteral("failed: %1").arg(error);
        };
        const auto ranges = [&] {
            return scalar(*store, QStringLiteral("SELECT group_concat(first_seq || '-' || end_seq"
                                                 " || ' ' || (acked_at - %1), ', ')"
                                                 " FROM ledger_ranges")
                                      .arg(Now));
        };
        const auto acked = [&] {
            return scalar(*store, QStringLiteral("SELECT COUNT(*) || ' ' || MIN(version) || ' ' ||"
                                                 " MAX(version) FROM (%1)")
                                      .arg(Acknowledged));
        };
        QCOMPARE(mark(0, 10, true), QString());
        QCOMPARE(mark(10, 15, true), QString());
        QCOMPARE(ranges(), QStringLiteral("100-115 0"));
        QCOMPARE(mark(15, 20, false), QString()); // undone
        QCOMPARE(mark(15, 18, true), QString());
        QCOMPARE(acked(), QStringLiteral("18 100 117"));
        QVERIFY(exec(*store, QStringLiteral("DELETE FROM ledger_ranges"))); // as a fold would
        QCOMPARE(mark(18, 25, true), QString());
        QCOMPARE(acked(), QStringLiteral("7 118 124"));
        QCOMPARE(mark(25, 30, true), QString());
        QCOMPARE(ranges(), QStringLiteral("118-130 18"));
    }

    void rowsOfSixTargetsNeedNoJournalFile()
    {
        // As the outbox writes them: an event's rows to six targets are neighbours, and each
        // target's ledger is a region of its own. Marking every 40th event's rows of each
        // target (a group of outcomes when the targets run at different places in their
        // queues) touches a page per row in each statement.
        CountingVfs counting;
        auto store = open();
        constexpr int Events = 6000, Targets = 6;
        QVERIFY(exec(*store, QStringLiteral("BEGIN")));
        QVERIFY(exec(*store,
                     QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
                                    " WHERE i < %1 * %2 - 1)"
                                    " INSERT INTO deliveries(event_seq, target, user_id, state,"
                                    " attempts, next_at, created_at, updated_at)"
                                    " SELECT i / %2, 't' || (i % %2), 'user-' || (i / %2),"
                                    " 'pending', 0, 0, 5, 5 FROM n")
                         .arg(Events)
                         .arg(Targets)));
        QVERIFY(exec(*store,
                     QStringLiteral("INSERT INTO ledger SELECT target, user_id, 'old', event_seq,"
                                    " 1 FROM deliveries")));
        QVERIFY(exec(*store,
                     QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
                                    " WHERE i < %1 - 1)"
                                    " INSERT INTO events(seq, event_id, type, user_id, version,"
                                    " payload, created_at) SELECT %1 + i, 'e' || i, 'user.updated',"
                                    " 'user-' || i, %1 + i, '{}', 5 FROM n")
                         .arg(Events)));
        QVERIFY(exec(*store, QStringLiteral("COMMIT")));
        std::vector<DeliveryOutcome> outcomes;
        for (int t = 0; t < Targets; ++t) {
            for (int e = t * 7; e < Events; e += 40) {
                DeliveryOutcome o;
                o.id = qint64(e) * Targets + t + 1;
                o.target = QStringLiteral("t%1").arg(t);
                o.user = QStringLiteral("user-%1").arg(e);
                o.eventId = QStringLiteral("e%1").arg(e);
                o.version = Events + e;
                o.attempts = 1;
                outcomes.push_back(o);
            }
        }
        // Through the outbox writer's connection, whose settings keep the journal in memory.
        auto opened = SqliteOutboxStore::open(store->path());
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
        std::unique_ptr<SqliteOutboxStore> writer = std::move(opened).value();
        OutboxRequest write(std::in_place_type<OutcomeWrite>);
        std::get<OutcomeWrite>(write).outcomes =
            std::make_shared<const std::vector<DeliveryOutcome>>(outcomes);
        CountingVfs::s_statementJournals = 0; // the set-up's own do not count
        const auto committed = writer->commit({&write}, Now);
        QVERIFY2(committed.ok(),
                 qPrintable(committed.ok() ? QString() : committed.error().message));
        QCOMPARE(CountingVfs::s_statementJournals, 0);
        writer.reset(); // closes its connection before its VFS goes
        const QString count = QString::number(outcomes.size());
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state ="
                                               " 'done' AND attempts = 1")),
                 count);
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM (%1) WHERE version ="
                                               " %2 + substr(user_id, 6)")
                                    .arg(Acknowledged)
                                    .arg(Events)),
                 count);
        store.reset(); // closes the connection before its VFS goes
    }

    void aFailureNamesTheRowsAndTheCallerRollsBack()
    {
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 3);
        // Ranges that cannot be written (their table renamed away, as a damaged store's).
        QVERIFY(exec(*store, QStringLiteral("ALTER TABLE ledger_ranges RENAME TO ranges_gone")));
        SqliteDoneMarker marker(sqliteHandle(store->database()));
        QString error;
        QVERIFY(exec(*store, QStringLiteral("BEGIN")));
        QVERIFY(!marker.mark(pointers(outcomes), Now, error));
        QVERIFY(exec(*store, QStringLiteral("ROLLBACK")));
        QVERIFY2(error.contains(QStringLiteral("recording events 100 to 102 as acknowledged by t")),
                 qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("ledger_ranges")), qPrintable(error));
        QCOMPARE(scalar(*store,
                        QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
                 QStringLiteral("3"));
    }
};

QTEST_GUILESS_MAIN(TestSqliteDoneMarker)
#include "tst_sqlitedonemarker.moc"
