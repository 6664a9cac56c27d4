// SPDX-License-Identifier: GPL-3.0-or-later
// Several daemons on one PostgreSQL outbox share its partitions through leases (issue 13):
// an outcome of a former lease holder is refused, a daemon SIGKILLed while it delivers has
// its partitions taken over and every accepted event arrives, a stopped daemon's share passes
// on after its own --lease, the claims after an outage are fair, and what each daemon shows
// (backlog, SLO) counts what the others deliver. Real daemons on a PostgreSQL of the test's own.
#include "daemonprocess.h"
#include "host/engine.h"
#include "host/storelocation.h"
#include "nodesimprocess.h"
#include "postgresoutboxfixture.h"
#include "postgresserver.h"
#include "store/connectbackoff.h"
#include "store/daemonheartbeat.h"
#include "store/deliverylease.h"
#include "store/postgresoutboxstore.h"
#include "store/postgresschema.h"
#include "sync/syncservice.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <array>
#include <chrono>
#include <csignal>
#include <future>

using namespace jobfirst;

class TestPostgresLeases final : public QObject
{
    Q_OBJECT

    DaemonFolder m_dir;

private slots:
    void outcomesOfAFormerLeaseHolderAreRefused()
    {
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, a, b] = stores;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // a holds the lease (briefly) and accepts an event for target t.
        QCOMPARE(a->claimLease(QStringLiteral("elsewhere:1:a"), 300, now), QString());
        OutboxRequest write = eventWrite(QStringLiteral("evt-fenced"), QStringLiteral("ida"), now);
        auto written = a->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*a));
        const qint64 seq = written->stored.at(0).first().version;
        QVERIFY(seq > 0);
        // b may take partitions only once a's leases have lapsed (a counts b at its next
        // claim, which does not come: a is paused); meanwhile b is told who holds them.
        QCOMPARE(b->claimLease(QStringLiteral("elsewhere:2:b"), 10000, now),
                 QStringLiteral("all %1 partitions held by elsewhere:1:a")
                     .arg(PostgresSchema::Partitions));
        QVERIFY(b->heldPartitions().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(b->claimLease(QStringLiteral("elsewhere:2:b"), 10000,
                                                QDateTime::currentMSecsSinceEpoch()),
                                  QString(), 5000);
        QCOMPARE(b->heldPartitions().size(), PostgresSchema::Partitions);
        QCOMPARE(pg.psql(QStringLiteral("SELECT MIN(fence) FROM partition_leases")),
                 QStringLiteral("2")); // a, then b
        // a, paused meanwhile, comes back with an outcome for that row: refused, row unchanged.
        // One for a row gone meanwhile (discarded, pruned) is not: nothing is left to record.
        const auto outcomes =
            acknowledged(1, seq, QStringLiteral("ida"), QStringLiteral("evt-fenced"));
        auto withGone = std::make_shared<std::vector<DeliveryOutcome>>(*outcomes);
        withGone->push_back(done(999, seq));
        withGone->back().kind = DeliveryOutcome::Hold;
        OutboxRequest late(OutcomeWrite{withGone, {}});
        auto recorded = a->commit({&late}, QDateTime::currentMSecsSinceEpoch());
        QVERIFY(recorded.ok());
        QVERIFY(finish(*a));
        QCOMPARE(int(recorded->refused.size()), 1);
        QVERIFY(recorded->refused.at(0) == std::vector<qint64>{1});
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("pending"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("0"));
        // The holder's own outcome is recorded.
        OutboxRequest own(OutcomeWrite{outcomes, {}});
        auto ok = b->commit({&own}, QDateTime::currentMSecsSinceEpoch());
        QVERIFY(ok.ok());
        QVERIFY(finish(*b));
        QVERIFY(ok->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
    }

    void aRenewalDoesNotWaitForOutcomesButAPartitionPassingOnDoes()
    {
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, a, b] = stores;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString ownerA = QStringLiteral("elsewhere:1:a");
        QCOMPARE(a->claimLease(ownerA, 1000, now), QString());
        OutboxRequest write = eventWrite(QStringLiteral("evt-pass"), QStringLiteral("ida"), now);
        auto written = a->commit({&write}, now);
        QVERIFY(written.ok());
        QVERIFY(finish(*a));
        // a records an outcome: its group holds a's partitions until its COMMIT.
        const auto outcomes = acknowledged(1, written->stored.at(0).first().version,
                                           QStringLiteral("ida"), QStringLiteral("evt-pass"));
        OutboxRequest outcome(OutcomeWrite{outcomes, {}});
        auto recorded = a->commit({&outcome}, now);
        QVERIFY(recorded.ok());
        // Meanwhile a renews its lease and b asks for a share: neither waits for that group
        // (a claim each second used to wait for every group in flight, and stop its engine).
        auto renewal =
            std::async(std::launch::async, [&] { return a->claimLease(ownerA, 1000, now); });
        const bool renewed =
            renewal.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        if (!renewed)
            QVERIFY(finish(*a)); // lets the renewal end before failing
        QVERIFY2(renewed, "a renewal waited for a group recording outcomes");
        QCOMPARE(renewal.get(), QString());
        auto asked = std::async(std::launch::async, [&] {
            return b->claimLease(QStringLiteral("elsewhere:2:b"), 1000, now);
        });
        QCOMPARE(asked.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        QVERIFY(asked.get().startsWith(QStringLiteral("all ")));
        // Once a's leases lapsed, b takes the partitions, but only after a's group ended: the
        // outcome it recorded (fenced by a's lease) is in before the partitions pass on.
        const qint64 later = now + 2000;
        auto taken = std::async(std::launch::async, [&] {
            return b->claimLease(QStringLiteral("elsewhere:2:b"), 1000, later);
        });
        QCOMPARE(taken.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
        QVERIFY(finish(*a));
        QCOMPARE(taken.get(), QString());
        QCOMPARE(b->heldPartitions().size(), PostgresSchema::Partitions);
        QVERIFY(recorded->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT MIN(fence) FROM partition_leases")),
                 QStringLiteral("2"));
    }

    void aSigkilledDaemonsPartitionsAreTakenOver()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("slow"), 0,
                             {QStringLiteral("--latency"), QStringLiteral("20")}));
        const QString config = m_dir.writeConfig(
            QStringLiteral("shared.json"),
            {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
             {QStringLiteral("sync_workers"), 4},
             {QStringLiteral("targets"), oneTarget(QStringLiteral("slow"), target)}});
        QVERIFY(!config.isEmpty());
        // Three daemons, each with its own file for tokens (and nodes, config, audit), one outbox.
        constexpr int Daemons = 3;
        DaemonProcess daemons[Daemons];
        QByteArray tokens[Daemons];
        // A daemon that joins or leaves makes the others rebalance within one lease period,
        // give or take the second between claims (each claim is a heartbeat of its own).
        const qint64 rebalanceMs = DeliveryLease::DefaultTtlMs + DaemonHeartbeat::BeatMs;
        QElapsedTimer sinceLastJoin;
        for (int i = 0; i < Daemons; ++i) {
            sinceLastJoin.start();
            tokens[i] = startWithToken(
                daemons[i], pg.url(), config, m_dir.filePath(QStringLiteral("daemon%1.db").arg(i)),
                QStringLiteral("producer%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const auto partitionsOf = [&](int i) { return partitionsHeldBy(pg, daemons[i].pid()); };
        // Each holds a fair share of the partitions (a third each once all have claimed).
        const int third = PostgresSchema::Partitions / Daemons;
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(0) == third && partitionsOf(1) == third &&
                                     partitionsOf(2) == third,
                                 int(std::max<qint64>(0, rebalanceMs - sinceLastJoin.elapsed())));
        qInfo("a third each %lld ms after the last daemon joined", sinceLastJoin.elapsed());
        QCOMPARE(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''")),
            QString::number(PostgresSchema::Partitions));
        // The daemons view, from any daemon: every daemon with its admin API and the
        // partitions it holds (as the lease table says), the one asked marked.
        const auto daemonsSeenBy = [&](int asked) {
            QHash<qint64, QJsonObject> byPid;
            const ApiReply r = apiCall(daemons[asked].url(), "GET",
                                       QStringLiteral("/api/v1/daemons"), tokens[asked]);
            for (const QJsonValue &v : r.json().toArray()) {
                const QJsonObject d = v.toObject();
                byPid.insert(d[QStringLiteral("id")].toString().section(u':', 1, 1).toLongLong(),
                             d);
            }
            return byPid;
        };
        for (int asked = 0; asked < Daemons; ++asked) {
            QTRY_COMPARE_WITH_TIMEOUT(daemonsSeenBy(asked).size(), Daemons, 10000);
            QTRY_VERIFY_WITH_TIMEOUT(
                ([&] {
                    const auto seen = daemonsSeenBy(asked);
                    for (int i = 0; i < Daemons; ++i) {
                        const QJsonObject d = seen.value(daemons[i].pid());
                        if (d[QStringLiteral("admin_url")].toString() != daemons[i].url() ||
                            d[QStringLiteral("partitions")].toArray().size() != partitionsOf(i) ||
                            d[QStringLiteral("self")].toBool() != (i == asked))
                            return false;
                    }
                    return true;
                }()),
                10000);
        }
        for (int i = 0; i < Daemons; ++i)
            QCOMPARE(
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/sync/stats"), tokens[i])
                    .json()[QStringLiteral("delivery")]
                    .toString(),
                QStringLiteral("active in this process"));
        const auto publish = [&](int daemon, int from, int count) {
            QJsonArray events;
            for (int i = from; i < from + count; ++i)
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("ev-%1").arg(i)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
            return apiCall(daemons[daemon].url(), "POST", QStringLiteral("/api/v1/sync/events"),
                           tokens[daemon], json({{QStringLiteral("events"), events}}));
        };
        for (int i = 0; i < Daemons; ++i)
            QCOMPARE(publish(i, i * 300, 300).status, 202);
        QTRY_VERIFY_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt() > 60, 10000);
        const QString killed = QString::number(daemons[0].pid());
        daemons[0].kill(); // SIGKILL while it delivers: its leases are not given back
        const int atKill = target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt();
        QVERIFY2(atKill < 900, "the kill came too late to test anything");
        QElapsedTimer sinceKill;
        sinceKill.start();
        QCOMPARE(publish(1, 900, 100).status, 202); // the others still accept
        // The survivors take its partitions over (at their next claim: a holder on this host
        // whose process is gone loses its leases at once, elsewhere when its lease lapses) and
        // deliver everything accepted by any daemon: nothing lost.
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1000, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(
            pg.psql(
                QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                    .arg(killed)),
            QStringLiteral("0"), 20000);
        QCOMPARE(partitionsOf(1) + partitionsOf(2), PostgresSchema::Partitions);
        // The view follows: the killed daemon's heartbeat ages and it holds nothing; the
        // survivors hold all of them. The same through jobfirstctl, from the store and from a
        // daemon.
        QTRY_VERIFY_WITH_TIMEOUT(
            ([&] {
                const QJsonObject gone = daemonsSeenBy(2).value(killed.toLongLong());
                return gone[QStringLiteral("heartbeat_age_ms")].toInteger() > 3000 &&
                       gone[QStringLiteral("partitions")].toArray().isEmpty();
            }()),
            15000);
        const CtlRun local = runCtl({QStringLiteral("--db"), pg.url(), QStringLiteral("--local-db"),
                                     m_dir.filePath(QStringLiteral("ctl.db")),
                                     QStringLiteral("daemons"), QStringLiteral("--json")});
        QVERIFY2(local.code == 0, local.err.constData());
        int held = 0;
        for (const QJsonValue &v : QJsonDocument::fromJson(local.out).array())
            held += v.toObject()[QStringLiteral("partitions")].toArray().size();
        QCOMPARE(QJsonDocument::fromJson(local.out).array().size(), Daemons);
        QCOMPARE(held, PostgresSchema::Partitions);
        QFile tokenFile(m_dir.filePath(QStringLiteral("producer1.token")));
        const CtlRun remote =
            runCtl({QStringLiteral("--server"), daemons[1].url(), QStringLiteral("--token-file"),
                    tokenFile.fileName(), QStringLiteral("daemons")});
        QVERIFY2(remote.code == 0, remote.err.constData());
        QVERIFY2(remote.out.contains(daemons[1].url().toUtf8()), remote.out.constData());
        QVERIFY2(remote.out.contains(":" + killed.toUtf8() + ":"), remote.out.constData());
        // The columns line up: each admin API starts under ADMIN API (the partitions, listed
        // one by one, pushed it out of line).
        const QList<QByteArray> lines = remote.out.split('\n');
        const qsizetype apiColumn = lines.at(0).indexOf("ADMIN API");
        QVERIFY(apiColumn > 0);
        for (int i = 1; i < Daemons; ++i)
            for (const QByteArray &line : lines)
                if (line.contains(":" + QByteArray::number(daemons[i].pid()) + ":"))
                    QVERIFY2(line.indexOf(daemons[i].url().toUtf8()) == apiColumn,
                             remote.out.constData());
        qInfo("jobfirstctl daemons:\n%s", remote.out.constData());
        qInfo("all 1000 events arrived %lld ms after the SIGKILL (%d had arrived before it)",
              sinceKill.elapsed(), atKill);
        // The receiver counts each event id once ("applied": all 1000 distinct ids arrived), so
        // anything sent twice (by the killed daemon and again by its successor) came with the
        // same id; per-user order held, and every signature verified.
        const QJsonObject stats = target.get(QStringLiteral("/stats"));
        qInfo("duplicates (same event id, sent again after the takeover): %d",
              stats[QStringLiteral("duplicates")].toInt());
        QCOMPARE(stats[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(stats[QStringLiteral("out_of_order")].toInt(), 0);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'")),
                 QStringLiteral("0"));
        // A clean stop gives its partitions back; the last daemon then holds all of them.
        QElapsedTimer sinceLeave;
        sinceLeave.start();
        QCOMPARE(daemons[1].terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(partitionsOf(2), PostgresSchema::Partitions,
                                  int(std::max<qint64>(0, rebalanceMs - sinceLeave.elapsed())));
        qInfo("the last daemon held every partition %lld ms after the other left",
              sinceLeave.elapsed());
        QCOMPARE(daemons[2].terminate(), 0);
        QCOMPARE(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''")),
            QStringLiteral("0"));
    }

    /// The "real-time sync latency" SLO of a daemon on PostgreSQL counts every daemon's
    /// deliveries, as its availability counts every node. It read the daemon's own SQLite file,
    /// where a PostgreSQL outbox writes no deliveries, so it had no samples on any daemon. The
    /// consistency figure too: a check run through one daemon counted only on that one.
    void theSloCountsEveryDaemonsDeliveriesAndChecks()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("slo"), 0));
        const QString config = m_dir.writeConfig(
            QStringLiteral("slo.json"),
            {{QStringLiteral("targets"), oneTarget(QStringLiteral("slo"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemons[2];
        QByteArray tokens[2];
        for (int i = 0; i < 2; ++i) {
            tokens[i] = startWithToken(daemons[i], pg.url(), config,
                                       m_dir.filePath(QStringLiteral("slo%1.db").arg(i)),
                                       QStringLiteral("slo%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        QTRY_VERIFY_WITH_TIMEOUT(partitionsHeldBy(pg, daemons[0].pid()) > 0 &&
                                     partitionsHeldBy(pg, daemons[1].pid()) > 0,
                                 30000);
        QJsonArray events;
        for (int i = 0; i < 200; ++i)
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("slo-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), QStringLiteral("s%1").arg(i)}});
        QCOMPARE(apiCall(daemons[0].url(), "POST", QStringLiteral("/api/v1/sync/events"), tokens[0],
                         json({{QStringLiteral("events"), events}}))
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 200, 30000);
        // Both daemons delivered some (each holds partitions), and each one's SLO counts all.
        QVERIFY(pg.psql(QStringLiteral("SELECT COUNT(DISTINCT holder) FROM partition_leases"
                                       " WHERE holder <> ''"))
                    .toInt() == 2);
        // A figure's samples as daemon `i`'s API gives them (-1: not measured).
        const auto samples = [&](int i, const QString &key) {
            const ApiReply reply =
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/slo"), tokens[i]);
            for (const QJsonValue &f : reply.json()[QStringLiteral("figures")].toArray())
                if (f[QStringLiteral("key")].toString() == key &&
                    !f[QStringLiteral("measured")].isNull())
                    return f[QStringLiteral("samples")].toInt();
            return -1;
        };
        const QString latency = QStringLiteral("sync_latency_p99");
        const QString consistency = QStringLiteral("consistency");
        for (int i = 0; i < 2; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(samples(i, latency), 200, 40000);
        QCOMPARE(samples(1, consistency), -1);
        // Every acknowledgement in the ledger, then a check through the first daemon only.
        QTRY_COMPARE_WITH_TIMEOUT(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")),
                                  QStringLiteral("200"), 10000);
        const ApiReply checked = apiCall(daemons[0].url(), "POST",
                                         QStringLiteral("/api/v1/sync/check"), tokens[0], "{}");
        QCOMPARE(checked.status, 200);
        QVERIFY2(checked.json().toArray().first()[QStringLiteral("error")].toString().isEmpty(),
                 checked.body.constData());
        QTRY_COMPARE_WITH_TIMEOUT(samples(1, consistency), 200, 40000);
        QCOMPARE(daemons[0].terminate(), 0);
        QCOMPARE(daemons[1].terminate(), 0);
    }

    /// A daemon's --lease is how long its partitions stay its own after its last claim; a
    /// daemon beside it may run another. Stopped (SIGSTOP: its process still exists, so its
    /// leases are not freed at once as a dead process's on this host are), a daemon with
    /// --lease 3 loses its partitions to the other within its 3 s and the claim cadence (1 s),
    /// not the other's 10 s.
    void aDaemonsOwnLeaseIsWhenItsPartitionsPassOn()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.writeConfig(QStringLiteral("lease.json"), {});
        QVERIFY(!config.isEmpty());
        DaemonProcess standard, brief;
        QVERIFY(standard.start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("standard.db"))}));
        QVERIFY(
            brief.start(pg.url(), config,
                        {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("brief.db")),
                         QStringLiteral("--lease"), QStringLiteral("3")}));
        QVERIFY2(brief.logs().contains("\"lease_seconds\":3"), brief.logs().constData());
        const int half = PostgresSchema::Partitions / 2;
        QTRY_VERIFY_WITH_TIMEOUT(partitionsHeldBy(pg, brief.pid()) == half &&
                                     partitionsHeldBy(pg, standard.pid()) == half,
                                 30000);
        // Each claims for its own time: how far ahead of now its leases run.
        const auto ahead = [&](const DaemonProcess &d) {
            return pg
                .psql(QStringLiteral("SELECT MAX(until) - CAST(EXTRACT(EPOCH FROM"
                                     " clock_timestamp()) * 1000 AS BIGINT) FROM partition_leases"
                                     " WHERE holder LIKE '%:%1:%'")
                          .arg(d.pid()))
                .toLongLong();
        };
        const qint64 briefAhead = ahead(brief), standardAhead = ahead(standard);
        QVERIFY2(briefAhead <= 3000, qPrintable(QString::number(briefAhead)));
        QVERIFY2(standardAhead > 3000, qPrintable(QString::number(standardAhead)));
        QVERIFY(::kill(pid_t(brief.pid()), SIGSTOP) == 0);
        // The promise of --lease 3: its share passes on 3 s after its last claim, at the
        // other's next claim (each second), with 2 s for claims slowed by a busy machine.
        QTRY_COMPARE_WITH_TIMEOUT(partitionsHeldBy(pg, standard.pid()), PostgresSchema::Partitions,
                                  3000 + 1000 + 2000);
        QCOMPARE(partitionsHeldBy(pg, brief.pid()), 0);
        brief.kill(); // SIGKILL ends a stopped process too
        QCOMPARE(standard.terminate(), 0);
    }

    void theClaimAfterAnOutageLongerThanTheLeaseIsFairFromTheStart()
    {
        // Two daemons with a 3 s lease share the partitions; PostgreSQL stops for longer than
        // the lease (every daemon's share lapses, since none can renew it) and starts again.
        // The daemons come back one after the other (each connects again after its own
        // backoff), and neither ever holds more than its half: before, the first to claim saw
        // the other's share lapsed, took all 60, and gave 30 back once the other claimed.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.writeConfig(QStringLiteral("outage.json"), {});
        QVERIFY(!config.isEmpty());
        constexpr int LeaseMs = 3000;
        DaemonProcess daemons[2];
        for (int i = 0; i < 2; ++i)
            QVERIFY(daemons[i].start(pg.url(), config,
                                     {QStringLiteral("--local-db"),
                                      m_dir.filePath(QStringLiteral("outage%1.db").arg(i)),
                                      QStringLiteral("--lease"), QString::number(LeaseMs / 1000)}));
        const int half = PostgresSchema::Partitions / 2;
        // Held by each (by name, lapsed or not) and running (not lapsed), in one read.
        const auto leases = [&] {
            const QStringList n =
                pg.psql(QStringLiteral("SELECT SUM(CASE WHEN holder LIKE '%:%1:%' THEN 1 ELSE 0"
                                       " END) || ',' || SUM(CASE WHEN holder LIKE '%:%2:%' THEN 1"
                                       " ELSE 0 END) || ',' || SUM(CASE WHEN until > CAST(EXTRACT("
                                       "EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) THEN 1"
                                       " ELSE 0 END) FROM partition_leases")
                            .arg(daemons[0].pid())
                            .arg(daemons[1].pid()))
                    .split(u',');
            return std::array<int, 3>{n.value(0).toInt(), n.value(1).toInt(), n.value(2).toInt()};
        };
        QTRY_VERIFY_WITH_TIMEOUT((leases() == std::array<int, 3>{half, half, 60}), 30000);

        QVERIFY(pg.stop());
        // The world this test is about: an outage longer than the lease (twice it), so every
        // share and partition lease lapses. Waited for as the elapsed time it is.
        QElapsedTimer down;
        down.start();
        QTRY_VERIFY_WITH_TIMEOUT(down.elapsed() > 2 * LeaseMs, 4 * LeaseMs);
        QVERIFY(pg.resume());
        // From the restart until both have claimed again and for a lease plus the longest
        // reconnect wait after (ClaimAfterOutage's grace, when it could go wrong too): sampled
        // as often as psql answers, neither ever holds more than its half.
        int most[2] = {0, 0};
        QElapsedTimer fair;
        bool settled = false;
        for (QElapsedTimer since; !settled;) {
            const std::array<int, 3> now = leases();
            most[0] = std::max(most[0], now[0]);
            most[1] = std::max(most[1], now[1]);
            if (now == std::array<int, 3>{half, half, 60} && !fair.isValid())
                fair.start(); // both claimed again
            settled = fair.isValid() && fair.elapsed() > LeaseMs + ConnectBackoff::MaxMs + 2000;
            if (!since.isValid())
                since.start();
            QVERIFY2(since.elapsed() < 60000, "the daemons did not both claim again");
            QTest::qWait(20); // fixed on purpose: a sampling interval, every sample is checked
        }
        QVERIFY2(most[0] <= half && most[1] <= half,
                 qPrintable(QStringLiteral("most held: %1 and %2").arg(most[0]).arg(most[1])));
        QCOMPARE(leases(), (std::array<int, 3>{half, half, 60}));
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    /// Two daemons; one takes the events of all users and delivers only its partitions' half,
    /// the other delivers the rest. Once everything is delivered, the backlog the first one
    /// shows (status bar, Overview, backlog alert, Prometheus) is 0 again: it counted what it
    /// accepted and what it delivered itself, so the other's half stayed "waiting" for good
    /// and a steady stream of events raised a false backlog alert.
    void aDaemonsBacklogFollowsWhatTheOthersDeliver()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("shared"), 0));
        const QString config = m_dir.writeConfig(
            QStringLiteral("backlog.json"),
            {{QStringLiteral("targets"), oneTarget(QStringLiteral("shared"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemons[2];
        QByteArray tokens[2];
        for (int i = 0; i < 2; ++i) {
            tokens[i] = startWithToken(
                daemons[i], pg.url(), config, m_dir.filePath(QStringLiteral("backlog%1.db").arg(i)),
                QStringLiteral("backlog%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const auto partitionsOf = [&](int i) { return partitionsHeldBy(pg, daemons[i].pid()); };
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(0) == PostgresSchema::Partitions / 2 &&
                                     partitionsOf(1) == PostgresSchema::Partitions / 2,
                                 30000);
        // The queue depth of the target as the first daemon's /metrics says it (-1: not there).
        const auto waiting = [&] {
            const ApiReply r =
                apiCall(daemons[0].url(), "GET", QStringLiteral("/metrics"), tokens[0]);
            for (const QByteArray &line : r.body.split('\n'))
                if (line.startsWith("jobfirst_sync_queue_depth{target=\"shared\"} "))
                    return line.mid(line.indexOf(' ') + 1).toDouble();
            return -1.0;
        };
        QJsonArray events;
        int others = 0; // events of users whose partition the second daemon holds
        const QString heldByOther = pg.psql(
            QStringLiteral("SELECT string_agg(CAST(part AS TEXT), ',') FROM partition_leases"
                           " WHERE holder LIKE '%:%1:%'")
                .arg(daemons[1].pid()));
        const QStringList otherParts = heldByOther.split(u',');
        for (int i = 0; i < 400; ++i) {
            const QString user = QStringLiteral("b%1").arg(i);
            others += otherParts.contains(QString::number(PostgresSchema::partitionOf(user, 0)));
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("backlog-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), user}});
        }
        QVERIFY2(others > 50 && others < 350, qPrintable(QString::number(others)));
        QCOMPARE(apiCall(daemons[0].url(), "POST", QStringLiteral("/api/v1/sync/events"), tokens[0],
                         json({{QStringLiteral("events"), events}}))
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 400, 30000);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
                 QStringLiteral("0"));
        // Within a few of its claims (one a second; a recount at each while it is quick).
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 0.0, 15000);
        QCOMPARE(daemons[0].terminate(), 0);
        QCOMPARE(daemons[1].terminate(), 0);
    }

    void anEngineThatDoesNotDeliverFollowsTheOthersDeliveries()
    {
        // An engine with delivery off (EngineOptions::deliver, as jobfirstctl's) accepts events
        // that a daemon on the same store delivers. Its backlog follows them down within a few
        // seconds, as a delivering daemon's does at its lease claims; it claims no lease, and
        // kept counting what it had accepted.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("shared"), 0));
        const QString config = m_dir.writeConfig(
            QStringLiteral("follows.json"),
            {{QStringLiteral("targets"), oneTarget(QStringLiteral("shared"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemon;
        QVERIFY(!startWithToken(daemon, pg.url(), config,
                                m_dir.filePath(QStringLiteral("follows-daemon.db")),
                                QStringLiteral("follower"), QStringLiteral("operator"))
                     .isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(partitionsHeldBy(pg, daemon.pid()), PostgresSchema::Partitions,
                                  30000);
        Engine engine;
        EngineOptions o;
        QVERIFY(setStoreLocation(o, pg.url(), m_dir.filePath(QStringLiteral("follows-ctl.db"))));
        o.configPath = config;
        o.deliver = false;
        o.healthChecks = false;
        o.refreshMs = 0;
        const Status opened = engine.open(o);
        QVERIFY2(opened.ok(), opened ? "" : qPrintable(opened.error().message));
        QList<SyncEvent> events;
        for (int i = 0; i < 200; ++i) {
            SyncEvent e;
            e.type = QStringLiteral("user.created");
            e.userId = QStringLiteral("f%1").arg(i);
            events << e;
        }
        const auto published = engine.sync()->publish(events);
        QVERIFY2(published.ok(), published ? "" : qPrintable(published.error().message));
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 200, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), qint64(0), 15000);
        engine.shutdown();
        QCOMPARE(daemon.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPostgresLeases)
#include "tst_postgresleases.moc"
