// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl store copy (issue 13): a SQLite store that a real jobfirstd filled (delivered
// events, a bulk migration acknowledged as ranges, a node, config versions, audit) moved into a
// PostgreSQL of the test's own, verified, and run there by a jobfirstd; a store an engine holds and
// a destination that is not empty are refused with a clear message and change nothing.
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "postgresserver.h"
#include "store/ledgerranges.h"
#include "store/postgresstatestore.h"
#include "store/postgresurl.h"
#include "store/store.h"
#include "store/storecopy.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestStoreCopy final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static qint64 sqliteCount(const QString &path, const QString &table)
    {
        const QString name = QStringLiteral("count-sqlite");
        qint64 n = -1;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            QSqlQuery q(db);
            if (db.open() && q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) &&
                q.next())
                n = q.value(0).toLongLong();
        }
        QSqlDatabase::removeDatabase(name);
        return n;
    }

    static qint64 pgCount(const QString &url, const QString &table)
    {
        const QString name = QStringLiteral("count-pg");
        qint64 n = -1;
        {
            auto db = PostgresUrl::parse(url).value().connect(name);
            if (db) {
                QSqlQuery q(db.value());
                if (q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) && q.next())
                    n = q.value(0).toLongLong();
            }
        }
        QSqlDatabase::removeDatabase(name);
        return n;
    }

private slots:
    void aCheckThatFailsAfterCommitSaysTheCopyIsThere()
    {
        // The checks run on what was committed: when one finds a difference, the rows are in
        // PostgreSQL already, and the error says what to do before trying again. A trigger
        // that drops config versions on their way in makes the counts differ.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString file = m_dir.filePath(QStringLiteral("mismatch.db"));
        {
            auto store = Store::open(file);
            QVERIFY(store);
            QVERIFY(store.value()->saveConfigVersion("{}", QStringLiteral("me")));
        }
        QVERIFY(PostgresStateStore::open(pg.url())); // the schema, to hang the trigger on
        pg.psql(QStringLiteral("CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$ BEGIN RETURN NULL; END $$;"
                               " CREATE TRIGGER drop_versions BEFORE INSERT ON config_versions"
                               " FOR EACH ROW EXECUTE FUNCTION drop_row();"));
        const auto copied = StoreCopy::toPostgres(file, pg.url());
        QVERIFY(!copied);
        QCOMPARE(copied.error().code, QStringLiteral("store.copy_mismatch"));
        QVERIFY2(copied.error().message.contains(QStringLiteral("config_versions")),
                 qPrintable(copied.error().message));
        QVERIFY2(copied.error().message.contains(QStringLiteral(
                     "the copy was committed; drop the database before trying again")),
                 qPrintable(copied.error().message));
    }

    void aStoreIsCopiedVerifiedAndRunsThere()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("crm")));
        NodeSimProcess web;
        QVERIFY(web.start(QStringLiteral("web1")));
        const QString config = m_dir.filePath(QStringLiteral("config.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(QJsonObject{{QStringLiteral("targets"),
                                               QJsonArray{QJsonObject{
                                                   {QStringLiteral("name"), QStringLiteral("crm")},
                                                   {QStringLiteral("batch_size"), 10},
                                                   {QStringLiteral("url"),
                                                    target.url() + QStringLiteral("/sync")},
                                                   {QStringLiteral("events"),
                                                    QJsonArray{QStringLiteral("user.created")}}}}}})
                        .toJson());
        }
        // A store filled by a real daemon: a node, 40 delivered events, audit rows.
        const QString file = m_dir.filePath(QStringLiteral("cluster.db"));
        const QByteArray token = readFile(makeToken(file, m_dir.path(), QStringLiteral("admin"),
                                                    QStringLiteral("admin")))
                                     .trimmed();
        QVERIFY(!token.isEmpty());
        DaemonProcess daemon;
        QVERIFY(daemon.start(file, config));
        QCOMPARE(apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/nodes"), token,
                         QJsonDocument(QJsonObject{{QStringLiteral("id"), QStringLiteral("web1")},
                                                   {QStringLiteral("url"), web.url()},
                                                   {QStringLiteral("health_path"),
                                                    QStringLiteral("/health")}})
                             .toJson(QJsonDocument::Compact))
                     .status,
                 201);
        QJsonArray events;
        for (int i = 0; i < 40; ++i)
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("ev-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
        QCOMPARE(apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"), token,
                         QJsonDocument(QJsonObject{{QStringLiteral("events"), events}})
                             .toJson(QJsonDocument::Compact))
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 40, 20000);
        // A bulk migration of 60 users in rows of 10: acknowledged as ranges (ledger_ranges),
        // not as rows per user. A copy that left them out would lose what those users have.
        QByteArray lines;
        for (int i = 0; i < 60; ++i)
            lines += QJsonDocument(
                         QJsonObject{{QStringLiteral("id"), QStringLiteral("imp-%1").arg(i)},
                                     {QStringLiteral("type"), QStringLiteral("user.created")},
                                     {QStringLiteral("user_id"), QStringLiteral("b%1").arg(i)}})
                         .toJson(QJsonDocument::Compact) +
                     '\n';
        QCOMPARE(apiCall(daemon.url(), "POST",
                         QStringLiteral("/api/v1/sync/imports?batch=10&name=users.jsonl"), token,
                         lines)
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 100, 20000);

        // Its first check made a health event.
        QTRY_COMPARE_WITH_TIMEOUT(
            apiCall(daemon.url(), "GET", QStringLiteral("/api/v1/nodes/web1"), token)
                .json()[QStringLiteral("status")]
                .toString(),
            QStringLiteral("up"), 15000);
        const QString url = pg.url();
        // While the daemon holds the store, the copy is refused: what it accepts afterwards
        // would be lost.
        CtlRun held = runCtl({QStringLiteral("--db"), file, QStringLiteral("store"),
                              QStringLiteral("copy"), QStringLiteral("--to"), url});
        QCOMPARE(held.code, 1);
        QVERIFY2(held.err.contains("stop it first"), held.err.constData());
        QCOMPARE(daemon.terminate(), 0);
        // Every user acknowledged, in ranges (single rows' too, on a store file).
        QTRY_COMPARE_WITH_TIMEOUT(
            sqliteCount(file, QStringLiteral("(%1)").arg(LedgerRanges::latestVersionsSql())), 100,
            5000);
        QVERIFY(sqliteCount(file, QStringLiteral("ledger_ranges")) > 0);

        const CtlRun copied =
            runCtl({QStringLiteral("--db"), file, QStringLiteral("store"), QStringLiteral("copy"),
                    QStringLiteral("--to"), url, QStringLiteral("--json")});
        QVERIFY2(copied.code == 0, copied.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(copied.out).object();
        // Users in the ledger, both forms.
        QCOMPARE(report[QStringLiteral("ledger_rows")].toInt(), 100);
        QVERIFY(!report[QStringLiteral("ledger_digest")].toString().isEmpty());
        // Counted again here, independently of the command's own check.
        for (const QString &table :
             {QStringLiteral("events"), QStringLiteral("deliveries"), QStringLiteral("ledger"),
              QStringLiteral("ledger_ranges"), QStringLiteral("nodes"), QStringLiteral("audit"),
              QStringLiteral("config_versions"), QStringLiteral("health_events"),
              QStringLiteral("api_tokens")}) {
            const qint64 rows = sqliteCount(file, table);
            // Per-user ledger rows are only what retention folded: none yet.
            QVERIFY2(rows > 0 || table == u"ledger", qPrintable(table));
            QCOMPARE(pgCount(url, table), rows);
            QCOMPARE(report[QStringLiteral("tables")][table].toInteger(), rows);
        }

        // A second copy into the same database is refused, naming what is there, and changes
        // nothing.
        const CtlRun again = runCtl({QStringLiteral("--db"), file, QStringLiteral("store"),
                                     QStringLiteral("copy"), QStringLiteral("--to"), url});
        QCOMPARE(again.code, 1);
        QVERIFY2(again.err.contains("is not empty") && again.err.contains("100 rows in events") &&
                     again.err.contains("nothing was copied"),
                 again.err.constData());
        QCOMPARE(pgCount(url, QStringLiteral("events")), 100);

        // A daemon on PostgreSQL runs what was copied: the node, the config (its latest
        // version: no config file), one audit chain that verifies, and new events after the
        // copied ones.
        const QString local = m_dir.filePath(QStringLiteral("local.db"));
        const QByteArray pgToken =
            readFile(
                makeToken(local, m_dir.path(), QStringLiteral("pgadmin"), QStringLiteral("admin")))
                .trimmed();
        QVERIFY(!pgToken.isEmpty());
        DaemonProcess onPg;
        QVERIFY(onPg.start(url, {}, {QStringLiteral("--local-db"), local}));
        const QJsonArray nodes =
            apiCall(onPg.url(), "GET", QStringLiteral("/api/v1/nodes"), pgToken).json().toArray();
        QCOMPARE(nodes.size(), 1);
        QCOMPARE(nodes.first()[QStringLiteral("id")].toString(), QStringLiteral("web1"));
        // The token made for the SQLite store was copied (its hash): it works there too.
        QCOMPARE(apiCall(onPg.url(), "GET", QStringLiteral("/api/v1/nodes"), token).status, 200);
        const ApiReply verified =
            apiCall(onPg.url(), "GET", QStringLiteral("/api/v1/audit/verify"), pgToken);
        QVERIFY2(verified.json()[QStringLiteral("ok")].toBool(), verified.body.constData());
        QCOMPARE(verified.json()[QStringLiteral("rows")].toInt(),
                 int(sqliteCount(file, QStringLiteral("audit"))));
        QCOMPARE(
            apiCall(onPg.url(), "POST", QStringLiteral("/api/v1/sync/events"), pgToken,
                    QJsonDocument(
                        QJsonObject{{QStringLiteral("events"),
                                     QJsonArray{QJsonObject{
                                         {QStringLiteral("id"), QStringLiteral("ev-new")},
                                         {QStringLiteral("type"), QStringLiteral("user.created")},
                                         {QStringLiteral("user_id"), QStringLiteral("u-new")}}}}})
                        .toJson(QJsonDocument::Compact))
                .status,
            202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 101, 30000);
        // The daemon records the acknowledgement after the target answered (its own commit):
        // the check compares once it is in the ledger, else it may find the target ahead by
        // that one event (it did, once in ten runs under load).
        QTRY_COMPARE_WITH_TIMEOUT(
            pgCount(url, QStringLiteral("(%1) l").arg(LedgerRanges::latestVersionsSql())),
            qint64(101), 10000);
        // The target and the copied ledger agree user by user: the migration's ranges read
        // there as they did here.
        const ApiReply checked =
            apiCall(onPg.url(), "POST", QStringLiteral("/api/v1/sync/check"), pgToken,
                    QJsonDocument(
                        QJsonObject{{QStringLiteral("targets"), QJsonArray{QStringLiteral("crm")}}})
                        .toJson(QJsonDocument::Compact));
        QCOMPARE(checked.status, 200);
        const QJsonObject crm = checked.json().toArray().first().toObject();
        QVERIFY2(crm[QStringLiteral("error")].toString().isEmpty(), checked.body.constData());
        QCOMPARE(crm[QStringLiteral("ledger_records")].toInt(), 101);
        QCOMPARE(crm[QStringLiteral("target_records")].toInt(), 101);
        QCOMPARE(crm[QStringLiteral("missing")].toInt(), 0);
        QCOMPARE(crm[QStringLiteral("stale")].toInt(), 0);
        QCOMPARE(onPg.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestStoreCopy)
#include "tst_storecopy.moc"
