// SPDX-License-Identifier: GPL-3.0-or-later
// Retention removes what was delivered long ago (rows, attempts, events) and old health
// history, in small batches; never the ledger, the audit log, undelivered rows or the event
// a repair would send again. On a store file, or with JOBFIRST_TEST_OUTBOX=postgresql on a
// PostgreSQL of the test's own (OutboxBackend) and its pruner.
#include "outboxbackend.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {

constexpr qint64 Day = 86400000;

qint64 count(const QSqlDatabase &outbox, const QString &sql)
{
    QSqlQuery q(outbox);
    if (!q.exec(sql))
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    return q.next() ? q.value(0).toLongLong() : -1;
}

void exec(const QSqlDatabase &outbox, const QString &sql)
{
    QSqlQuery q(outbox);
    QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
}

QList<SyncEvent> users(const QString &prefix, int n)
{
    QList<SyncEvent> list;
    for (int i = 0; i < n; ++i) {
        SyncEvent e;
        e.eventId = QStringLiteral("%1-%2").arg(prefix).arg(i);
        e.type = QStringLiteral("user.created");
        e.userId = QStringLiteral("%1-u%2").arg(prefix).arg(i);
        list << e;
    }
    return list;
}

} // namespace

class TestRetention final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void removesOnlyWhatWasDeliveredLongAgo()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("r.db"));
        auto store = std::move(Store::open(db)).value();
        const QString outbox = OutboxBackend::outbox(db);
        const QSqlDatabase rows = OutboxBackend::open(outbox, QStringLiteral("rows"));
        ClusterConfig config;
        config.targets.resize(2); // two targets: every event has two delivery rows
        config.targets[1].batchSize = 50;
        SyncService sync(store.get(), outbox, config);
        QVERIFY(sync.start(false).ok());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // Each publish is one transaction (one created_at run); age whole runs, as time would.
        const auto age = [&](const QString &prefix, qint64 days) {
            exec(rows,
                 QStringLiteral(
                     "UPDATE deliveries SET created_at = created_at - %1, updated_at = updated_at "
                     "- %1"
                     " WHERE event_seq IN (SELECT seq FROM events WHERE event_id LIKE '%2-%%')")
                     .arg(days * Day)
                     .arg(prefix));
        };
        QVERIFY(sync.publish(users(QStringLiteral("old"), 5)).ok());
        QVERIFY(sync.publish(users(QStringLiteral("half"), 2)).ok());
        QVERIFY(sync.publish(users(QStringLiteral("dead"), 2)).ok());
        QVERIFY(sync.publish(users(QStringLiteral("bulk"), 200), SyncMode::Bulk).ok());
        QVERIFY(sync.publish(users(QStringLiteral("new"), 3)).ok());
        sync.stop();
        exec(rows, QStringLiteral("UPDATE deliveries SET state = 'done'"));
        exec(rows, QStringLiteral("UPDATE deliveries SET state = 'pending' WHERE target = '%1' "
                                  "AND user_id LIKE 'half-%'")
                       .arg(config.targets[1].name));
        exec(rows,
             QStringLiteral("UPDATE deliveries SET state = 'dead' WHERE user_id LIKE 'dead-%'"));
        for (const QString &prefix : {QStringLiteral("old"), QStringLiteral("half"),
                                      QStringLiteral("dead"), QStringLiteral("bulk")})
            age(prefix, 40);
        // Attempt logs of the old rows, and the ledger: old-u0's latest acknowledged event.
        exec(rows,
             QStringLiteral(
                 "INSERT INTO attempts(delivery_id, ts, status, duration_ms, error, body_head)"
                 " SELECT id, 0, 503, 1, 'x', '' FROM deliveries"));
        exec(rows, QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                                  " VALUES ('%1', 'old-u0', 'old-0', 1, 0)")
                       .arg(config.targets[0].name));
        // Health history: 30 old, 4 recent.
        for (int i = 0; i < 34; ++i)
            exec(rows, QStringLiteral(
                           "INSERT INTO health_events(node_id, ts, from_state, to_state, reason)"
                           " VALUES ('n', %1, 'up', 'down', 'x')")
                           .arg(i < 30 ? now - 40 * Day : now));
        QVERIFY(store
                    ->appendAudit(AuditEntry{
                        0, now - 400 * Day, QStringLiteral("t"), QStringLiteral("x"), {}, {}, {}})
                    .ok());
        const qint64 ledger = count(rows, QStringLiteral("SELECT COUNT(*) FROM ledger"));
        const qint64 deliveriesBefore =
            count(rows, QStringLiteral("SELECT COUNT(*) FROM deliveries"));

        const auto pruned = OutboxBackend::prune(outbox, now - 30 * Day, 7); // small batches
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));

        const auto events = [&](const QString &prefix) {
            return count(rows,
                         QStringLiteral("SELECT COUNT(*) FROM events WHERE event_id LIKE '%1-%'")
                             .arg(prefix));
        };
        QCOMPARE(events(QStringLiteral("old")), 1);  // old-0 is the ledger's latest: kept
        QCOMPARE(events(QStringLiteral("half")), 2); // one target has not received them yet
        QCOMPARE(events(QStringLiteral("dead")), 2); // dead letters keep their events
        QCOMPARE(events(QStringLiteral("bulk")), 0); // bulk rows and every event they covered
        QCOMPARE(events(QStringLiteral("new")), 3);  // recent
        QCOMPARE(
            count(rows, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
            2);
        QCOMPARE(
            count(rows, QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'dead'")), 4);
        QCOMPARE(count(rows, QStringLiteral(
                                 "SELECT COUNT(*) FROM deliveries WHERE user_id LIKE 'new-%'")),
                 6);
        // Every remaining row still finds its event; attempts of removed rows are gone.
        QCOMPARE(
            count(rows,
                  QStringLiteral(
                      "SELECT COUNT(*) FROM deliveries d LEFT JOIN events e ON e.seq = d.event_seq"
                      " WHERE e.seq IS NULL")),
            0);
        QCOMPARE(
            count(
                rows,
                QStringLiteral(
                    "SELECT COUNT(*) FROM attempts a LEFT JOIN deliveries d ON d.id = a.delivery_id"
                    " WHERE d.id IS NULL")),
            0);
        QCOMPARE(pruned->deliveries,
                 deliveriesBefore - count(rows, QStringLiteral("SELECT COUNT(*) FROM deliveries")));
        QCOMPARE(pruned->events, 4 + 200);
        QCOMPARE(pruned->healthEvents, 30);
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM health_events")), 4);
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM ledger")),
                 ledger);                       // never touched
        QVERIFY(store->verifyAuditChain()->ok); // nor the audit
        // A second pass finds nothing more.
        const auto again = OutboxBackend::prune(outbox, now - 30 * Day, 7);
        QCOMPARE(again->deliveries + again->events + again->healthEvents, 0);
    }
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
