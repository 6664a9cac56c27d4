// SPDX-License-Identifier: GPL-3.0-or-later
// SqliteDoneMarker alone, on a real store file: delivered rows marked done and their users'
// versions in the ledger for every row count around the statements' size, the higher version
// kept, a failure that names the rows, and no statement journal written to a file on the
// outbox writer's connection.
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

/// `n` pending rows to target "t" for users u0..u<n-1>, as the outbox writes them (ids 1..n).
std::vector<DeliveryOutcome> pendingRows(Store &store, int n)
{
    std::vector<DeliveryOutcome> outcomes;
    for (int i = 0; i < n; ++i) {
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
QString markInTransaction(Store &store, const std::vector<DeliveryOutcome> &outcomes)
{
    SqliteDoneMarker marker(sqliteHandle(store.database()));
    QString error;
    if (!exec(store, QStringLiteral("BEGIN")))
        return QStringLiteral("BEGIN failed");
    if (!marker.mark(pointers(outcomes), Now, error))
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
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM ledger")),
                 QString::number(rows));
        // Each user's own event and version, not a neighbour's.
        const QString matching = QStringLiteral(
            "SELECT COUNT(*) FROM ledger WHERE target = 't' AND event_id = 'e' ||"
            " substr(user_id, 2) AND version = 100 + substr(user_id, 2) AND acked_at = %1");
        QCOMPARE(scalar(*store, matching.arg(Now)), QString::number(rows));
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
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM ledger")),
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
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM ledger")),
                 QStringLiteral("38"));
    }

    void theLedgerKeepsTheHigherVersion()
    {
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 2);
        QVERIFY(
            exec(*store, QStringLiteral("INSERT INTO ledger VALUES ('t', 'u0', 'newer', 500, 1),"
                                        " ('t', 'u1', 'older', 50, 1)")));
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        QCOMPARE(scalar(*store, QStringLiteral("SELECT event_id || ' ' || version FROM ledger"
                                               " WHERE user_id = 'u0'")),
                 QStringLiteral("newer 500"));
        QCOMPARE(scalar(*store, QStringLiteral("SELECT event_id || ' ' || version FROM ledger"
                                               " WHERE user_id = 'u1'")),
                 QStringLiteral("e1 101"));
        QCOMPARE(
            scalar(*store, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'done'")),
            QStringLiteral("2"));
    }

    void ledgerTextIsStoredAsGivenWhateverItsCharacters()
    {
        // One statement's text goes into one buffer (ASCII narrowed, the rest converted) that
        // SQLite reads in place: each value must land whole in its own column, next to values
        // of other lengths and characters, statement after statement.
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
        }
        QCOMPARE(markInTransaction(*store, outcomes), QString());
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT target, user_id, event_id, version FROM ledger")));
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
        QCOMPARE(scalar(*store, QStringLiteral("SELECT COUNT(*) FROM ledger WHERE version ="
                                               " %1 + substr(user_id, 6)")
                                    .arg(Events)),
                 count);
        store.reset(); // closes the connection before its VFS goes
    }

    void aFailureNamesTheRowsAndTheCallerRollsBack()
    {
        auto store = open();
        std::vector<DeliveryOutcome> outcomes = pendingRows(*store, 3);
        // A ledger that cannot take the rows (renamed away, as a damaged store might be).
        QVERIFY(exec(*store, QStringLiteral("ALTER TABLE ledger RENAME TO ledger_gone")));
        SqliteDoneMarker marker(sqliteHandle(store->database()));
        QString error;
        QVERIFY(exec(*store, QStringLiteral("BEGIN")));
        QVERIFY(!marker.mark(pointers(outcomes), Now, error));
        QVERIFY(exec(*store, QStringLiteral("ROLLBACK")));
        QVERIFY2(error.contains(QStringLiteral("recording deliveries 1 to 3 as delivered")),
                 qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("ledger")), qPrintable(error));
        QCOMPARE(scalar(*store,
                        QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
                 QStringLiteral("3"));
    }
};

QTEST_GUILESS_MAIN(TestSqliteDoneMarker)
#include "tst_sqlitedonemarker.moc"
