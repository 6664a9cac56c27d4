// SPDX-License-Identifier: GPL-3.0-or-later
// The sync outbox in PostgreSQL (issue 13), one store at a time: what --db says about a bad
// URL or a password; what jobfirstd logs; schema upgrades; what the outbox stores and reads
// back, byte for byte; retention. Several daemons sharing the partitions: tst_postgresleases;
// a server that is not there, restarts and network faults: tst_postgresfaults.
#include "daemonprocess.h"
#include "postgresoutboxfixture.h"
#include "postgresserver.h"
#include "store/daemonheartbeat.h"
#include "store/deliverylease.h"
#include "store/postgresoutboxreader.h"
#include "store/postgresoutboxstore.h"
#include "store/postgresretentionpruner.h"
#include "store/postgresschema.h"
#include "store/postgresurl.h"
#include "store/syncrecords.h"
#include "sync/syncevent.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

#include <tuple>

using namespace jobfirst;

class TestPostgresOutbox final : public QObject
{
    Q_OBJECT

    DaemonFolder m_dir;

    /// Makes the tables on `pg`'s database as the schema steps up to `version` made them, for
    /// migration tests; answers what failed ("" when done).
    static QString makeSchema(const PostgresServer &pg, int version)
    {
        const QString name = QStringLiteral("schema%1").arg(version);
        QString error;
        {
            auto db = PostgresUrl::parse(pg.url()).value().connect(name);
            if (!db)
                error = db.error().message;
            else if (const Status made = PostgresSchema::migrate(db.value(), pg.url(), version);
                     !made)
                error = made.error().message;
        }
        QSqlDatabase::removeDatabase(name);
        return error;
    }

private slots:
    void badUrlsAreNamed_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("says");
        QTest::newRow("password") << QStringLiteral("postgresql://bo:secret@127.0.0.1:5432/jf")
                                  << QStringLiteral("password");
        QTest::newRow("no user") << QStringLiteral("postgresql://127.0.0.1:5432/jf")
                                 << QStringLiteral("no user");
        QTest::newRow("no database")
            << QStringLiteral("postgresql://bo@127.0.0.1:5432") << QStringLiteral("no database");
        QTest::newRow("no host") << QStringLiteral("postgresql://bo@:5432/jf")
                                 << QStringLiteral("no host");
        QTest::newRow("bad port") << QStringLiteral("postgresql://bo@127.0.0.1:99999/jf")
                                  << QStringLiteral("URL");
        QTest::newRow("unknown option") << QStringLiteral("postgresql://bo@127.0.0.1/jf?pasfile=x")
                                        << QStringLiteral("pasfile");
        QTest::newRow("missing passfile")
            << QStringLiteral("postgresql://bo@127.0.0.1/jf?passfile=/nonexistent/pgpass")
            << QStringLiteral("passfile /nonexistent/pgpass cannot be read");
        QTest::newRow("no slashes") << QStringLiteral("postgresql:bo@127.0.0.1/jf")
                                    << QStringLiteral("postgresql://user@host:port/database");
    }

    void badUrlsAreNamed()
    {
        QFETCH(QString, url);
        QFETCH(QString, says);
        const auto parsed = PostgresUrl::parse(url);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().code, QStringLiteral("store.bad_url"));
        QVERIFY2(parsed.error().message.contains(says), qPrintable(parsed.error().message));
        // The daemon refuses to start and says the same; the password is not echoed.
        DaemonProcess daemon;
        QVERIFY(!daemon.start(
            url, {}, {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("bad.db"))}));
        const QByteArray logs = daemon.logs();
        QVERIFY2(logs.contains(says.toUtf8()), logs.constData());
        QVERIFY(!logs.contains("secret"));
    }

    void aPasswordIsReadFromAFileNeverFromTheCommandLine()
    {
        // A server that asks for a password (scram-sha-256): jobfirstctl and jobfirstd reach it
        // with the password in a file, named in the URL (?passfile=) or by PGPASSFILE, and say
        // clearly when the file's password is wrong, without printing it.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString password = QStringLiteral("pw-Kd83-sesame");
        QVERIFY(pg.addPasswordRole(QStringLiteral("app"), password));
        const QString url = QStringLiteral("postgresql://app@127.0.0.1:%1/app").arg(pg.port());
        const auto passFile = [&](const QString &name, const QString &pw) {
            QFile f(m_dir.filePath(name));
            if (!f.open(QIODevice::WriteOnly))
                return QString();
            f.write(QStringLiteral("127.0.0.1:%1:app:app:%2\n").arg(pg.port()).arg(pw).toUtf8());
            f.close();
            f.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // libpq ignores it otherwise
            return f.fileName();
        };
        const QString right = passFile(QStringLiteral("right.pgpass"), password);
        const QString wrong = passFile(QStringLiteral("wrong.pgpass"), QStringLiteral("not-it"));
        const QString local = m_dir.filePath(QStringLiteral("pw.db"));
        const auto daemons = [&](const QString &db) {
            return runCtl({QStringLiteral("--db"), db, QStringLiteral("--local-db"), local,
                           QStringLiteral("daemons"), QStringLiteral("--json")});
        };
        const CtlRun named = daemons(url + QStringLiteral("?passfile=") + right);
        QVERIFY2(named.code == 0, named.err.constData());
        const CtlRun refused = daemons(url + QStringLiteral("?passfile=") + wrong);
        QVERIFY(refused.code != 0);
        QVERIFY2(refused.err.contains("password authentication failed"), refused.err.constData());
        QVERIFY(!refused.err.contains("not-it") && !refused.out.contains("not-it"));
        // PGPASSFILE, as libpq reads it, for jobfirstd and jobfirstctl alike.
        qputenv("PGPASSFILE", right.toUtf8());
        const CtlRun byEnvironment = daemons(url);
        DaemonProcess daemon;
        const bool started =
            daemon.start(url, m_dir.writeConfig(QStringLiteral("pw.json"), {}),
                         {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("pwd.db"))});
        qunsetenv("PGPASSFILE");
        QVERIFY2(byEnvironment.code == 0, byEnvironment.err.constData());
        QVERIFY2(started, daemon.logs().constData());
        QTRY_COMPARE_WITH_TIMEOUT(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = 'app'"))
                    .toInt() > 0,
            true, 10000);
        QCOMPARE(daemon.terminate(), 0);
        QVERIFY(!daemon.logs().contains(password.toUtf8()));
    }

    /// jobfirstd logs one JSON object per line, and jobfirstctl's stderr carries only what it
    /// says: on a store that exists, the schema check's NOTICEs ("relation ... already exists,
    /// skipping"), which libpq prints to stderr, were lines of neither.
    void startingOnAStoreThatExistsLogsOnlyJsonLines()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.writeConfig(QStringLiteral("notice.json"), {});
        const QStringList local{QStringLiteral("--local-db"),
                                m_dir.filePath(QStringLiteral("notice.db"))};
        DaemonProcess first;
        QVERIFY(first.start(pg.url(), config, local));
        QCOMPARE(first.terminate(), 0);
        DaemonProcess again; // the schema is there now
        QVERIFY(again.start(pg.url(), config, local));
        QCOMPARE(again.terminate(), 0);
        const QByteArray logs = again.logs();
        for (const QByteArray &line : logs.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            QJsonParseError error;
            QVERIFY2(QJsonDocument::fromJson(line, &error).isObject(), line.constData());
        }
        const CtlRun ctl = runCtl({QStringLiteral("--db"), pg.url(), local.at(0), local.at(1),
                                   QStringLiteral("daemons"), QStringLiteral("--json")});
        QVERIFY2(ctl.code == 0, ctl.err.constData());
        QVERIFY2(ctl.err.isEmpty(), ctl.err.constData());
    }

    // A WARNING the server sends on a daemon's connection (here from a trigger on the
    // heartbeat it writes each second) is a JSON line of its log at level warning: libpq
    // printed it raw to stderr among the JSON lines.
    void aServerWarningIsAJsonLineOfTheLog()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.writeConfig(QStringLiteral("warning.json"), {});
        DaemonProcess daemon;
        QVERIFY(daemon.start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("warning.db"))}));
        QVERIFY(!pg.psql(QStringLiteral(
                             "CREATE FUNCTION jf_test_warn() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE WARNING 'a warning for the log'; RETURN NEW; END $$;"
                             " CREATE TRIGGER jf_test_warn BEFORE INSERT OR UPDATE ON "
                             "daemon_heartbeats FOR EACH ROW EXECUTE FUNCTION jf_test_warn();"
                             " SELECT 'made'"))
                     .isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(daemon.logs().contains("a warning for the log"), 15000);
        QCOMPARE(daemon.terminate(), 0);
        int warnings = 0;
        for (const QByteArray &line : daemon.logs().split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(!o.isEmpty(), line.constData());
            if (!line.contains("a warning for the log"))
                continue;
            ++warnings;
            QCOMPARE(o.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
            QCOMPARE(o.value(QStringLiteral("component")).toString(), QStringLiteral("postgresql"));
        }
        QVERIFY(warnings > 0);
    }

    void aStoreOfSchemaFourMovesToTheNewPartitionCount()
    {
        // A store made by schema 4 (16 partitions), with rows to deliver, delivered rows, a
        // bulk row and leases still held, migrated by an engine of this version: every row
        // still to deliver is in the partition this engine computes for its user, delivered
        // rows are left alone, and there is one free lease per partition.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 4);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QStringLiteral("4"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases")),
                 QStringLiteral("16"));
        const QString pendingAll = QStringLiteral(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'deliveries_pending_all'");
        QCOMPARE(pg.psql(pendingAll), QStringLiteral("1"));
        // Users with ASCII and multi-byte ids (the hash runs over UTF-8 bytes), and one bulk
        // row of many users (""), which goes by its event's seq. Old rows carry part = seq % 16.
        pg.psql(QStringLiteral(
            "INSERT INTO events(event_id, type, user_id, version, payload, created_at)"
            " SELECT 'e' || i, 'user.created', CASE WHEN i % 5 = 0 THEN '用户-' || i"
            " WHEN i = 7 THEN '' ELSE 'u' || i END, 0, '\\x00', 0 FROM generate_series(1, 300) i"));
        pg.psql(QStringLiteral(
            "INSERT INTO deliveries(event_seq, target, user_id, state, next_at, created_at,"
            " updated_at, part) SELECT seq, 't', user_id, CASE seq % 3 WHEN 0 THEN 'done' WHEN 1"
            " THEN 'pending' ELSE 'dead' END, 0, 0, 0, seq % 16 FROM events"));
        pg.psql(QStringLiteral("UPDATE partition_leases SET holder = 'elsewhere:1:a', until ="
                               " 9000000000000, fence = 3 WHERE part < 8"));

        auto store = PostgresOutboxStore::open(url); // migrates to the current version
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        QCOMPARE(pg.psql(pendingAll), QStringLiteral("0")); // schema 9: no reader needs it
        const QStringList rows =
            pg.psql(QStringLiteral("SELECT id || '|' || user_id || '|' || event_seq || '|' ||"
                                   " state || '|' || part FROM deliveries ORDER BY id"))
                .split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 300);
        int moved = 0, multiByte = 0, bulk = 0;
        for (const QString &row : rows) {
            const QStringList f = row.split(u'|');
            QCOMPARE(f.size(), 5);
            const qint64 seq = f[2].toLongLong();
            const int part = f[4].toInt();
            if (f[3] == QLatin1String("done")) {
                QCOMPARE(part, int(seq % 16)); // delivered: not touched
                continue;
            }
            QVERIFY2(part == PostgresSchema::partitionOf(f[1], seq), qPrintable(row));
            moved += part != int(seq % 16);
            multiByte += f[1].startsWith(QStringLiteral("用户"));
            bulk += f[1].isEmpty();
        }
        QVERIFY(moved > 100);
        QVERIFY(multiByte > 30);
        QCOMPARE(bulk, 1);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) || ' ' || MIN(part) || ' ' || MAX(part)"
                                        " FROM partition_leases")),
                 QStringLiteral("%1 0 %2")
                     .arg(PostgresSchema::Partitions)
                     .arg(PostgresSchema::Partitions - 1));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''"
                                        " OR until <> 0")),
                 QStringLiteral("0"));
        // The fences of the partitions that were held moved on (their meaning changed).
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(part || ':' || fence, ',' ORDER BY"
                                        " part) FROM partition_leases WHERE part < 9")),
                 QStringLiteral("0:4,1:4,2:4,3:4,4:4,5:4,6:4,7:4,8:0"));
        // And the store works on them: a claim takes every partition.
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:b"), 10000,
                                           QDateTime::currentMSecsSinceEpoch()),
                 QString());
        QCOMPARE(store.value()->heldPartitions().size(), PostgresSchema::Partitions);
    }

    void aStoreOfSchemaTenKeepsItsDaemonRowsAndLearnsTheirLeases()
    {
        // A store of schema 10 (no lease beside the heartbeats) with the row of a daemon of
        // that version, migrated by this engine: the old row stays, its lease not known (0,
        // never this engine's own taken for it); a daemon of this version beats its own.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 10);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        pg.psql(QStringLiteral("INSERT INTO daemon_heartbeats(daemon, admin_url, started_at,"
                               " heartbeat_at, delivered, rate) VALUES ('older:1:a', '', 1,"
                               " CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT),"
                               " 7, 0)"));
        const auto leases = [&] {
            QMap<QString, qint64> byId;
            const auto list = DaemonHeartbeat::read(url); // migrates to the current version
            if (!list)
                byId.insert(list.error().message, -1);
            for (const DaemonStatus &d : list ? list.value() : QList<DaemonStatus>())
                byId.insert(d.id, d.leaseMs);
            return byId;
        };
        QCOMPARE(leases(), (QMap<QString, qint64>{{QStringLiteral("older:1:a"), 0}}));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        QCOMPARE(pg.psql(QStringLiteral("SELECT delivered FROM daemon_heartbeats")),
                 QStringLiteral("7"));

        DaemonHeartbeat beating(url, QStringLiteral("newer:2:b"), nullptr);
        QTRY_COMPARE_WITH_TIMEOUT(leases().size(), 2, 10000);
        QCOMPARE(leases(),
                 (QMap<QString, qint64>{{QStringLiteral("older:1:a"), 0},
                                        {QStringLiteral("newer:2:b"), DeliveryLease::ttlMs()}}));
    }

    void aStoreOfSchemaSevenKeepsItsLedgerAndAcknowledgesBulkRowsAsRanges()
    {
        // A store of schema 7 (per-user ledger rows only), migrated by this engine: its ledger
        // reads as before; a bulk row delivered now is one range per target, read as every
        // user it carries; retention folds old ranges into per-user rows, and nothing a reader
        // sees changes.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 7);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        pg.psql(
            QStringLiteral("INSERT INTO events(event_id, type, user_id, version, payload,"
                           " created_at) VALUES ('old1', 'user.created', 'u1', 0, '\\x00', 1)"));
        pg.psql(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                               " SELECT 't', user_id, event_id, seq, 1 FROM events"));

        auto store = PostgresOutboxStore::open(url); // migrates to the current version
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        // One bulk row of three events (u1 again, u2, u2 again) to t.
        OutboxRequest write(std::in_place_type<EventWrite>);
        const QList<std::pair<QString, QString>> idsAndUsers{
            {QStringLiteral("b1"), QStringLiteral("u1")},
            {QStringLiteral("b2"), QStringLiteral("u2")},
            {QStringLiteral("b3"), QStringLiteral("u2")}};
        for (const auto &[id, user] : idsAndUsers) {
            OutboxItem item = eventItem(id, user, now);
            item.rowLimits = {100};
            std::get<EventWrite>(write).items << item;
        }
        auto written = store.value()->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store.value()));
        const qint64 first = written->stored.at(0).first().version;
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) || ' ' || MIN(event_count) FROM"
                                        " deliveries")),
                 QStringLiteral("1 3"));
        DeliveryOutcome bulkDone =
            done(pg.psql(QStringLiteral("SELECT id FROM deliveries")).toLongLong(), first);
        bulkDone.count = 3;
        OutboxRequest outcome(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, bulkDone), {}});
        auto recorded = store.value()->commit({&outcome}, 5000);
        QVERIFY2(recorded.ok(), recorded ? "" : qPrintable(recorded.error().message));
        QVERIFY(finish(*store.value()));
        QCOMPARE(pg.psql(QStringLiteral("SELECT target || ' ' || (end_seq - first_seq) FROM"
                                        " ledger_ranges")),
                 QStringLiteral("t 3"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("1"));

        auto records = SyncRecords::open(pg.url(), nullptr);
        QVERIFY2(records.ok(), records ? "" : qPrintable(records.error().message));
        const auto ledger = [&] {
            QStringList rows;
            const Status s = records.value()->forEachLedgerRow(
                QStringLiteral("t"), [&](const QString &user, qint64 version, const QString &id) {
                    rows << QStringLiteral("%1 %2 %3").arg(user).arg(version).arg(id);
                });
            if (!s)
                rows << s.error().message;
            rows.sort();
            return rows;
        };
        const QStringList expected{QStringLiteral("u1 %1 b1").arg(first),
                                   QStringLiteral("u2 %1 b3").arg(first + 2)};
        QCOMPARE(ledger(), expected);

        // Retention (the row is recent: nothing pruned) folds the range acknowledged before
        // its cutoff; the row stays, pinned by the users' latest events.
        pg.psql(QStringLiteral("UPDATE deliveries SET updated_at = 5000, created_at = 5000"));
        const auto pruned = PostgresRetentionPruner::pruneOnce(pg.url(), 6000, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QCOMPARE(pruned->deliveries, qint64(0));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")),
                 QStringLiteral("0"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(user_id || ':' || event_id, ',' ORDER"
                                        " BY user_id) FROM ledger")),
                 QStringLiteral("u1:b1,u2:b3"));
        QCOMPARE(ledger(), expected);
    }

    void aRowThatCannotBeMarkedNamesWhy()
    {
        // A bulk row's success whose row cannot be marked done: the error is the server's
        // reason, not "transaction is aborted" from the ledger statement after it, and the
        // row stays pending with nothing acknowledged.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store = PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value());
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        OutboxRequest write(std::in_place_type<EventWrite>);
        for (const QString &id : {QStringLiteral("b1"), QStringLiteral("b2")}) {
            OutboxItem item = eventItem(id, QStringLiteral("u1"), now);
            item.rowLimits = {100};
            std::get<EventWrite>(write).items << item;
        }
        auto written = store.value()->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store.value()));
        pg.psql(QStringLiteral("CREATE FUNCTION jf_frozen() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$ BEGIN RAISE EXCEPTION 'rows frozen by the test'; END $$"));
        pg.psql(QStringLiteral("CREATE TRIGGER frozen BEFORE UPDATE ON deliveries FOR EACH ROW"
                               " EXECUTE FUNCTION jf_frozen()"));

        DeliveryOutcome bulkDone =
            done(pg.psql(QStringLiteral("SELECT id FROM deliveries")).toLongLong(),
                 written->stored.at(0).first().version);
        bulkDone.count = 2;
        OutboxRequest outcome(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, bulkDone), {}});
        auto recorded = store.value()->commit({&outcome}, now + 1);
        QVERIFY(!recorded.ok());
        QVERIFY2(recorded.error().message.contains(QLatin1String("rows frozen by the test")),
                 qPrintable(recorded.error().message));
        QVERIFY2(recorded.error().message.contains(QLatin1String("recording delivery outcomes")),
                 qPrintable(recorded.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries")),
                 QStringLiteral("pending"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT (SELECT COUNT(*) FROM ledger) + (SELECT COUNT(*)"
                                        " FROM ledger_ranges)")),
                 QStringLiteral("0"));
    }

    void retentionPrunesDeliveredRowsOnlyAndOneDaemonAtATime()
    {
        // Retention on PostgreSQL: delivered rows older than the cutoff go with their attempts
        // and the events nothing else covers; pending and dead rows, rows the ledger pins,
        // newer rows, the ledger and the audit log stay. One daemon prunes at a time.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        { // the schema, as a daemon makes it
            auto store = PostgresOutboxStore::open(url);
            QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        }
        const qint64 old = 1000, fresh = 2000000, cutoff = 1000000;
        // seq: user, then the rows: (id, seq, count, target, user, state, updated_at)
        pg.psql(QStringLiteral(
                    "INSERT INTO events(seq, event_id, type, user_id, version, payload, created_at)"
                    " SELECT i, 'e' || i, 'user.created', 'u' || i, 0, '\\x00', %1 FROM"
                    " generate_series(1, 11) i")
                    .arg(old));
        pg.psql(QStringLiteral(
                    "INSERT INTO deliveries(id, event_seq, event_count, target, user_id, state,"
                    " next_at, created_at, updated_at) VALUES"
                    " (1, 1, 1, 't', 'u1', 'done', 0, %1, %1),"     // delivered, old: goes
                    " (2, 2, 1, 't', 'u2', 'pending', 0, %1, %1),"  // undelivered: stays
                    " (3, 3, 1, 't', 'u3', 'dead', 0, %1, %1),"     // dead letter: stays
                    " (4, 4, 1, 't', 'u4', 'done', 0, %1, %1),"     // the ledger names e4
                    " (6, 6, 1, 't', 'u6', 'done', 0, %1, %2),"     // delivered lately
                    " (7, 7, 1, 't', 'u7', 'done', 0, %1, %1),"     // goes, but e7 ...
                    " (8, 7, 1, 't2', 'u7', 'pending', 0, %1, %1)," // ... is still due here
                    " (9, 8, 2, 'tb', '', 'done', 0, %1, %1),"      // a bulk row: goes
                    " (10, 10, 2, 'tb', '', 'pending', 0, %1, %1)") // a bulk row: stays
                    .arg(old)
                    .arg(fresh));
        pg.psql(QStringLiteral("INSERT INTO attempts(delivery_id, ts, status, duration_ms, error,"
                               " body_head) VALUES (1, 1, 500, 1, 'x', ''), (1, 2, 500, 1, 'x',"
                               " ''), (2, 3, 500, 1, 'x', '')"));
        pg.psql(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                               " VALUES ('t', 'u1', 'e5', 5, 1), ('t', 'u4', 'e4', 4, 1)"));
        pg.psql(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state,"
                               " reason) VALUES ('n', %1, 'up', 'down', ''), ('n', %1, 'down',"
                               " 'up', ''), ('n', %2, 'up', 'down', '')")
                    .arg(old)
                    .arg(fresh));

        // Another daemon prunes (it holds the lock): this one skips its pass.
        const QString other = QStringLiteral("other-daemon");
        {
            auto db = url.connect(other);
            QVERIFY(db.ok());
            QSqlQuery lock(db.value());
            QVERIFY(lock.exec(
                QStringLiteral("SELECT pg_advisory_lock(%1)").arg(PostgresRetentionPruner::Lock)));
            const auto skipped = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff, 2);
            QVERIFY2(skipped.ok(), skipped ? "" : qPrintable(skipped.error().message));
            QVERIFY(skipped->elsewhere);
            QCOMPARE(skipped->deliveries, qint64(0));
            QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")),
                     QStringLiteral("9"));
            // Released before the session closes: a closed connection's server process may
            // still hold the lock a moment after the client has gone.
            QVERIFY(lock.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)")
                                  .arg(PostgresRetentionPruner::Lock)));
        }
        QSqlDatabase::removeDatabase(other); // its session ends

        // Batches of 2 rows: several transactions.
        const auto pruned = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QVERIFY(!pruned->elsewhere);
        QCOMPARE(pruned->deliveries, qint64(3));
        QCOMPARE(pruned->attempts, qint64(2));
        QCOMPARE(pruned->events, qint64(3));
        QCOMPARE(pruned->healthEvents, qint64(2));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(id::text, ',' ORDER BY id) FROM"
                                        " deliveries")),
                 QStringLiteral("2,3,4,6,8,10"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM"
                                        " events")),
                 QStringLiteral("2,3,4,5,6,7,10,11"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM attempts WHERE delivery_id = 2")),
                 QStringLiteral("1"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("2"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM health_events")),
                 QStringLiteral("1"));
        // A second pass finds nothing more.
        const auto again = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff);
        QVERIFY(again.ok());
        QCOMPARE(again->deliveries + again->events + again->healthEvents, qint64(0));
    }

    void anOutcomeKeepsItsUserIdAsWritten()
    {
        // Successes are recorded in one statement of arrays, each written as an array literal:
        // quotes, backslashes, commas and braces in a user id reach the ledger as written.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        const QString user = QStringLiteral("u \"q\" \\b 'a',{x} 用户");
        OutboxRequest write = eventWrite(QStringLiteral("evt-odd"), user, now);
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        OutboxRequest outcome(OutcomeWrite{
            acknowledged(1, written->stored.at(0).first().version, user, QStringLiteral("evt-odd")),
            {}});
        auto recorded = store->commit({&outcome}, now);
        QVERIFY2(recorded.ok(), recorded ? "" : qPrintable(recorded.error().message));
        QVERIFY(finish(*store));
        QVERIFY(recorded->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT user_id FROM ledger")), user);
    }

    void aPayloadIsStoredByteForByte_data()
    {
        QTest::addColumn<QByteArray>("payload");
        // Sent in binary format; these were the literal text's hard cases (bytea's escape
        // format and hex), kept as plain bytes that must not be read as either.
        QTest::newRow("JSON") << QByteArray("{\"a\":\"it's \\\"quoted\\\" \\\\ {x}\",\"b\":[1,2]}");
        QTest::newRow("a few other bytes")
            << QByteArray("line\nnext\ttab \x01\x7f\x80\xff 用户 end", 30);
        QTest::newRow("mostly other bytes")
            << QByteArray("用户用户用户\x00\x01\x02", 21).repeated(50); // more than the JSON
        QTest::newRow("starts like hex") << QByteArray("\\x41\\\\0101'");
        QTest::newRow("empty") << QByteArray();
    }

    void aPayloadIsStoredByteForByte()
    {
        QFETCH(QByteArray, payload);
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // With a plain JSON event in the same group: its payload and this one share a BYTEA.
        OutboxRequest write = eventWrite(QStringLiteral("evt-json"), QStringLiteral("u1"), now);
        OutboxItem item = eventItem(QStringLiteral("evt-bytes"), QStringLiteral("u2"), now);
        item.payload = payload;
        std::get<EventWrite>(write).items.append(item);
        const QByteArray json = std::get<EventWrite>(write).items.first().payload;
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(encode(payload, 'hex'), ' ' ORDER BY"
                                        " seq) FROM events")),
                 QString::fromLatin1(json.toHex() + ' ' + payload.toHex()).trimmed());
    }

    void aNulInTextIsLeftOut()
    {
        // Text cannot hold a NUL character: the enqueue leaves it out of an event's text, as
        // the literals did, instead of failing the callers of the whole group.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString user = QStringLiteral("u") + QChar(0) + QStringLiteral("用户");
        OutboxRequest write = eventWrite(QStringLiteral("evt-nul"), user, now);
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        QCOMPARE(pg.psql(QStringLiteral("SELECT user_id FROM events")), QStringLiteral("u用户"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")), QStringLiteral("1"));
    }

    void aGroupOfManyWritesIsStoredAsEachWriteAlone_data()
    {
        QTest::addColumn<bool>("plain");
        // Plain items go in one statement with their delivery rows; a group holding a bulk
        // or coalescing item inserts its rows after planning them (writeOutboxRows).
        QTest::newRow("plain items") << true;
        QTest::newRow("with a bulk item") << false;
    }

    void aGroupOfManyWritesIsStoredAsEachWriteAlone()
    {
        // The writer commits every write waiting at one moment in one group; the store
        // writes the group's events (and rows) together. What it stores must be what each
        // write alone would have stored: every event once, the text exactly as given (quotes,
        // backslashes, non-Latin letters), rows per target in the writes' order, an event id
        // sent twice accepted once.
        QFETCH(bool, plain);
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        auto store = std::move(PostgresOutboxStore::open(url)).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto item = [now](const QString &id, const QString &user, const QStringList &targets,
                                qint64 dueAt = 0) {
            SyncEvent e;
            e.eventId = id;
            e.type = QStringLiteral("user.updated");
            e.userId = user;
            e.createdAt = now;
            e.data = {{QStringLiteral("note"), QStringLiteral("it's a \\ \"test\" 名前")}};
            OutboxItem i{e, targets, dueAt, false, {}, {}};
            i.payload = e.toPayload();
            return i;
        };
        const QString odd =
            QStringLiteral("o'brien\\x\\'; \"{a,b}\" NULL DROP TABLE events; --名前");
        std::vector<OutboxRequest> writes;
        const auto add = [&writes](QList<OutboxItem> items) {
            writes.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(writes.back()).items = std::move(items);
        };
        add({item(QStringLiteral("evt-1"), odd, {QStringLiteral("t"), QStringLiteral("t'2")}),
             item(QStringLiteral("evt-2"), QStringLiteral("u2"), {QStringLiteral("t")})});
        add({item(QStringLiteral("evt-1"), odd, {QStringLiteral("t")})}); // sent twice
        add({item(QStringLiteral("evt-3"), QStringLiteral("u3"), {QStringLiteral("t")},
                  now + 60000)}); // due later: near-real-time
        add({item(QStringLiteral("evt-4"), odd, {QStringLiteral("t")})});
        if (!plain) {
            OutboxItem bulk =
                item(QStringLiteral("evt-5"), QStringLiteral("u5"), {QStringLiteral("t")});
            bulk.rowLimits = {100};
            add({bulk});
        }
        std::vector<OutboxRequest *> group;
        for (OutboxRequest &w : writes)
            group.push_back(&w);
        auto written = store->commit(group, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));

        // Versions are the seqs, in the writes' order; the second copy of evt-1 is answered
        // as accepted before.
        const auto &stored = written->stored;
        QCOMPARE(int(stored.size()), int(writes.size()));
        const qint64 v1 = stored[0].at(0).version, v2 = stored[0].at(1).version,
                     v3 = stored[2].at(0).version, v4 = stored[3].at(0).version;
        QVERIFY(v1 > 0 && v1 < v2 && v2 < v3 && v3 < v4);
        QCOMPARE(stored[1].size(), 1);
        QCOMPARE(stored[1].at(0).eventId, QStringLiteral("evt-1"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM events")),
                 QString::number(plain ? 4 : 5));
        // Text and payload exactly as given.
        const auto hex = [](const QString &s) { return QString::fromLatin1(s.toUtf8().toHex()); };
        QCOMPARE(pg.psql(QStringLiteral("SELECT encode(convert_to(user_id, 'UTF8'), 'hex') FROM"
                                        " events WHERE event_id = 'evt-4'")),
                 hex(odd));
        for (const auto &[id, write, at] :
             {std::tuple{"evt-1", 0, 0}, std::tuple{"evt-2", 0, 1}, std::tuple{"evt-4", 3, 0}})
            QCOMPARE(
                pg.psql(QStringLiteral("SELECT encode(payload, 'hex') FROM events WHERE"
                                       " event_id = '%1'")
                            .arg(QLatin1String(id))),
                QString::fromLatin1(
                    std::get<EventWrite>(writes[std::size_t(write)]).items.at(at).payload.toHex()));
        // One row per (event, target), in the writes' order, with its user's partition and
        // mode; none for the copy.
        const QString rows = pg.psql(QStringLiteral(
            "SELECT string_agg(concat_ws('|', e.event_id, encode(convert_to(d.target, 'UTF8'),"
            " 'hex'), d.part, d.mode, d.event_count), ',' ORDER BY d.id) FROM deliveries d JOIN"
            " events e ON e.seq = d.event_seq"));
        const auto row = [&](const char *event, const QString &target, const QString &user,
                             const char *mode) {
            return QStringLiteral("%1|%2|%3|%4|1")
                .arg(QLatin1String(event), hex(target))
                .arg(PostgresSchema::partitionOf(user, 0))
                .arg(QLatin1String(mode));
        };
        QStringList expected{
            row("evt-1", QStringLiteral("t"), odd, "real-time"),
            row("evt-1", QStringLiteral("t'2"), odd, "real-time"),
            row("evt-2", QStringLiteral("t"), QStringLiteral("u2"), "real-time"),
            row("evt-3", QStringLiteral("t"), QStringLiteral("u3"), "near-real-time"),
            row("evt-4", QStringLiteral("t"), odd, "real-time")};
        if (!plain)
            expected << row("evt-5", QStringLiteral("t"), QStringLiteral("u5"), "bulk");
        QCOMPARE(rows, expected.join(u','));
        QCOMPARE(written->pendingDelta.value(QStringLiteral("t")), plain ? 4 : 5);
        QCOMPARE(written->pendingDelta.value(QStringLiteral("t'2")), 1);
        // The delivery engine reads them back as written.
        auto reader = std::move(PostgresOutboxReader::open(url)).value();
        reader->setPartitions(allPartitions());
        std::vector<PendingDelivery> pending;
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t'2"), 0, 100, pending).ok());
        QCOMPARE(int(pending.size()), 1);
        QCOMPARE(pending.at(0).eventId, QStringLiteral("evt-1"));
        QCOMPARE(pending.at(0).user, odd);

        // An event id accepted in an earlier group (a plain group inserts without checking
        // each id, and goes again checking them): answered as accepted before, with no row of
        // its own; the new events of its group are stored with their rows, in order, and so
        // are those of the groups after it.
        for (const char *id : {"evt-6", "evt-8"}) {
            std::vector<OutboxRequest> again;
            again.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(again.back()).items = {
                item(QString::fromLatin1(id), QStringLiteral("u6"), {QStringLiteral("t")}),
                item(QStringLiteral("evt-2"), QStringLiteral("u2"), {QStringLiteral("t")})};
            again.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(again.back()).items = {
                item(QString::fromLatin1(id) + u'b', QStringLiteral("u7"), {QStringLiteral("t")})};
            auto more = store->commit({&again[0], &again[1]}, now);
            QVERIFY2(more.ok(), more ? "" : qPrintable(more.error().message));
            QVERIFY(finish(*store));
            QCOMPARE(more->stored.at(0).at(1).eventId, QStringLiteral("evt-2"));
            QCOMPARE(more->stored.at(0).at(1).version, 0);
            QVERIFY(more->stored.at(0).at(0).version > v4);
            QVERIFY(more->stored.at(1).at(0).version > more->stored.at(0).at(0).version);
            QCOMPARE(more->pendingDelta.value(QStringLiteral("t")), 2);
        }
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM events")),
                 QString::number(plain ? 8 : 9));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(e.event_id, ',' ORDER BY d.id) FROM"
                                        " deliveries d JOIN events e ON e.seq = d.event_seq"
                                        " WHERE d.id > (SELECT MAX(id) FROM deliveries d2 JOIN"
                                        " events e2 ON e2.seq = d2.event_seq WHERE e2.event_id"
                                        " = 'evt-4')")),
                 plain ? QStringLiteral("evt-6,evt-6b,evt-8,evt-8b")
                       : QStringLiteral("evt-5,evt-6,evt-6b,evt-8,evt-8b"));
    }

    void aRowCommittedLateIsNotPassedOver()
    {
        // Enqueues of several connections (daemons, or one writer's two) commit in any order:
        // one that took smaller delivery ids may commit after one that took larger ones. The
        // delivery engine reads each queue through an id cursor, so a reader must not read
        // past a row that may still appear.
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, slow, fast] = stores;
        auto reader =
            std::move(PostgresOutboxReader::open(PostgresUrl::parse(pg.url()).value())).value();
        reader->setPartitions(allPartitions());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        OutboxRequest first = eventWrite(QStringLiteral("evt-first"), QStringLiteral("u1"), now);
        OutboxRequest second = eventWrite(QStringLiteral("evt-second"), QStringLiteral("u2"), now);
        QVERIFY(slow->commit({&first}, now).ok()); // its ids taken, its COMMIT not sent yet
        QVERIFY(fast->commit({&second}, now).ok());
        QVERIFY(finish(*fast)); // the larger id is committed first
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")), QStringLiteral("1"));
        std::vector<PendingDelivery> rows;
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t"), 0, 100, rows).ok());
        QVERIFY2(rows.empty(),
                 "a row above an open enqueue was read: its cursor would skip the other");
        QVERIFY(finish(*slow));
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t"), 0, 100, rows).ok());
        QCOMPARE(int(rows.size()), 2);
        QCOMPARE(rows.at(0).eventId, QStringLiteral("evt-first"));
        QCOMPARE(rows.at(1).eventId, QStringLiteral("evt-second"));
        QVERIFY(rows.at(0).id < rows.at(1).id);
    }
};

QTEST_GUILESS_MAIN(TestPostgresOutbox)
#include "tst_postgresoutbox.moc"
