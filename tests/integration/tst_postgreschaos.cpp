// SPDX-License-Identifier: GPL-3.0-or-later
// Nothing accepted is lost with several daemons on one PostgreSQL (issue 13): three jobfirstd
// share the outbox in a PostgreSQL of the test's own while events are published to any of
// them; at random moments any of them is SIGKILLed and started again. Every event a caller
// was told is queued (202) must arrive, in order per user, and anything sent twice comes
// with the same event id (the receiver counts it as a duplicate, not a second event).
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "postgresserver.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

class TestPostgresChaos final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void threeDaemonsKilledAtRandomLoseNothing()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("t"), 0,
                             {QStringLiteral("--latency"), QStringLiteral("5")}));
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        {
            QFile c(config);
            QVERIFY(c.open(QIODevice::WriteOnly));
            c.write(QJsonDocument(
                        QJsonObject{
                            {QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                            {QStringLiteral("max_sync_retries"), 100},
                            {QStringLiteral("targets"),
                             QJsonArray{QJsonObject{
                                 {QStringLiteral("name"), QStringLiteral("t")},
                                 {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                                 {QStringLiteral("events"),
                                  QJsonArray{QStringLiteral("user.created")}}}}}})
                        .toJson());
        }
        constexpr int Daemons = 3;
        DaemonProcess daemons[Daemons];
        QString locals[Daemons];
        QByteArray tokens[Daemons];
        for (int i = 0; i < Daemons; ++i) {
            locals[i] = m_dir.filePath(QStringLiteral("d%1.db").arg(i));
            tokens[i] = startWithToken(daemons[i], pg.url(), config, locals[i],
                                       QStringLiteral("p%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("seed %u", seed);
        QRandomGenerator random(seed);
        QSet<QString> accepted;
        int refused = 0, kills = 0, next = 0;
        int down = -1;       // the daemon killed last, until it is started again
        int untilChange = 8; // batches until the next kill or start
        QElapsedTimer chaos;
        chaos.start();
        while (chaos.elapsed() < 20000) {
            // A batch to a random daemon (one that is down refuses: the caller knows).
            const int to = int(random.bounded(Daemons));
            QJsonArray events;
            QStringList ids;
            for (int i = 0; i < 40; ++i, ++next) {
                ids << QStringLiteral("ev-%1").arg(next);
                events.append(
                    QJsonObject{{QStringLiteral("id"), ids.last()},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(next)}});
            }
            const ApiReply r =
                daemons[to].running()
                    ? apiCall(
                          daemons[to].url(), "POST", QStringLiteral("/api/v1/sync/events"),
                          tokens[to],
                          QJsonDocument(QJsonObject{{QStringLiteral("events"), events}}).toJson())
                    : ApiReply{};
            if (r.status == 202)
                accepted.unite(QSet<QString>(ids.begin(), ids.end()));
            else
                ++refused;
            if (--untilChange > 0)
                continue;
            untilChange = int(random.bounded(3, 12));
            if (down >= 0) {
                QVERIFY(daemons[down].start(pg.url(), config,
                                            {QStringLiteral("--local-db"), locals[down]}));
                down = -1;
            } else {
                down = int(random.bounded(Daemons));
                daemons[down].kill(); // SIGKILL: no clean stop, its leases are not given back
                ++kills;
            }
        }
        if (down >= 0)
            QVERIFY(daemons[down].start(pg.url(), config,
                                        {QStringLiteral("--local-db"), locals[down]}));
        qInfo("%d kills, %d events accepted, %d batches refused", kills, int(accepted.size()),
              refused);
        QVERIFY(kills >= 3);
        QVERIFY(accepted.size() >= 1000);
        // Everything accepted arrives (a batch whose answer was lost to a kill may arrive too).
        QTRY_VERIFY_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt() >=
                accepted.size(),
            60000);
        QTRY_COMPARE_WITH_TIMEOUT(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'")),
            QStringLiteral("0"), 30000);
        const QJsonObject stats = target.get(QStringLiteral("/stats"));
        QCOMPARE(stats[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(stats[QStringLiteral("out_of_order")].toInt(), 0);
        int missing = 0;
        for (const QString &id : std::as_const(accepted))
            if (target.get(QStringLiteral("/records/u") + id.mid(3))[QStringLiteral("version")]
                    .toInteger() <= 0)
                ++missing;
        QCOMPARE(missing, 0);
        qInfo("duplicates suppressed by the receiver: %d",
              stats[QStringLiteral("duplicates")].toInt());
        for (auto &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPostgresChaos)
#include "tst_postgreschaos.moc"
