// SPDX-License-Identifier: GPL-3.0-or-later
// Bulk imports into the outbox of a store file (or, with JOBFIRST_TEST_OUTBOX=postgresql, of a
// PostgreSQL of the test's own: OutboxBackend): bad lines named, an interrupted import resumed
// without duplicates, each user's lines in file order, records stored as written.
#include "outboxbackend.h"
#include "store/store.h"
#include "sync/bulkimporter.h"
#include "sync/eventfilereader.h"
#include "sync/syncservice.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <optional>

using namespace jobfirst;

class TestBulkImporter final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content)
    {
        QFile f(m_dir.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return f.fileName();
    }

    static qint64 count(const QSqlDatabase &outbox, const QString &sql)
    {
        QSqlQuery q(outbox);
        q.exec(sql);
        return q.next() ? q.value(0).toLongLong() : -1;
    }

    /// A store file in the test's folder with the sync service running on it, as the console
    /// has them when it imports.
    struct Outbox
    {
        QString db;
        std::unique_ptr<Store> store;
        QSqlDatabase rows; ///< a connection of the test's own to the outbox
        std::unique_ptr<SyncService> sync;

        /// Hands a batch to the outbox as an import does (bulk mode).
        BulkImporter::Publish publish()
        {
            return [this](const QList<SyncEvent> &e) { return sync->publish(e, SyncMode::Bulk); };
        }
    };

    /// Opens `name` with `config` (one target unless given) and starts its sync service; null
    /// (with a QWARN) when either fails.
    std::unique_ptr<Outbox> openOutbox(const QString &name,
                                       std::optional<ClusterConfig> config = {})
    {
        if (!config) {
            config.emplace();
            config->targets.resize(1);
        }
        auto outbox = std::make_unique<Outbox>();
        outbox->db = m_dir.filePath(name);
        auto store = Store::open(outbox->db);
        if (!store) {
            qWarning("%s", qPrintable(store.error().message));
            return {};
        }
        outbox->store = std::move(store).value();
        const QString location = OutboxBackend::outbox(outbox->db);
        outbox->rows = OutboxBackend::open(location, name);
        outbox->sync = std::make_unique<SyncService>(outbox->store.get(), location, *config);
        if (const Status started = outbox->sync->start(false); !started) {
            qWarning("%s", qPrintable(started.error().message));
            return {};
        }
        return outbox;
    }

private slots:
    void initTestCase()
    {
        if (const QString why = OutboxBackend::unavailable(); !why.isEmpty())
            QSKIP(qPrintable(why));
    }

    void jsonLinesAndCsvWithBadLinesNamed()
    {
        const auto outbox = openOutbox(QStringLiteral("a.db"), ClusterConfig{}); // six targets
        QVERIFY(outbox);
        const QString &db = outbox->db;
        const QSqlDatabase rows = outbox->rows;
        const auto publish = outbox->publish();
        const QString jsonl = write(QStringLiteral("users.jsonl"),
                                    "{\"id\": \"1\", \"username\": \"ann\", \"email\": \"ann@x.cn\"}\n"
                                    "\n"
                                    "{not json\n"
                                    "{\"type\": \"user.status\", \"user_id\": \"2\", \"data\": {\"status\": \"banned\"}}\n"
                                    "{\"username\": \"no id\"}\n");
        auto r = BulkImporter::run(db, jsonl, 2, publish);
        QVERIFY(r.ok());
        QCOMPARE(r->accepted, 2);
        QCOMPARE(r->rejected, 2);
        QVERIFY2(r->firstError.contains(QStringLiteral("line 3")), qPrintable(r->firstError));
        // All six default targets receive user.created and user.status.
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM deliveries")), 6 + 6);
        const QString csv = write(QStringLiteral("users.csv"), "id,username,email\n10,\"Lee, Bo\",lee@x.cn\n11,kim\n12,sun,sun@x.cn\n");
        auto c = BulkImporter::run(db, csv, 100, publish);
        QCOMPARE(c->accepted, 2);
        QCOMPARE(c->rejected, 1);
        QVERIFY(c->firstError.contains(QStringLiteral("line 3")));
        QSqlQuery q(rows);
        QVERIFY(q.exec(QStringLiteral("SELECT payload FROM events WHERE user_id = '10'")) && q.next());
        QVERIFY(q.value(0).toString().contains(QStringLiteral("Lee, Bo")));
        const QString noId = write(QStringLiteral("bad.csv"), "name,email\nx,y\n");
        auto bad = BulkImporter::run(db, noId, 100, publish);
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().message.contains(QStringLiteral("no id or user_id column")));
        QVERIFY(!BulkImporter::run(db, m_dir.filePath(QStringLiteral("absent.jsonl")), 10, publish).ok());
    }

    void interruptedImportResumesWithoutDuplicates()
    {
        const auto outbox = openOutbox(QStringLiteral("b.db"));
        QVERIFY(outbox);
        const QString &db = outbox->db;
        const QSqlDatabase rows = outbox->rows;
        QByteArray content;
        for (int i = 0; i < 1000; ++i)
            content += QStringLiteral("{\"id\": \"u%1\", \"email\": \"u%1@x.cn\"}\n").arg(i).toUtf8();
        const QString file = write(QStringLiteral("big.jsonl"), content);
        std::atomic_bool cancel{false};
        // The "crash": every batch from line 351 on fails (batches may be published from
        // several threads at once, so the cut is made by content, not by call order).
        const auto failing = [&](const QList<SyncEvent> &e) -> Result<QList<SyncEvent>> {
            for (const SyncEvent &ev : e)
                if (ev.userId.mid(1).toInt() >= 350)
                    return makeError(QStringLiteral("test.crash"), QStringLiteral("simulated crash"));
            return outbox->sync->publish(e, SyncMode::Bulk);
        };
        QVERIFY(!BulkImporter::run(db, file, 50, failing).ok());
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM events")), 350);
        double lastFraction = 0;
        auto resumed = BulkImporter::run(
            db, file, 50, outbox->publish(),
            [&](const ImportProgress &p) {
                lastFraction = double(p.bytesDone) / double(p.bytesTotal);
            },
            &cancel);
        QVERIFY(resumed.ok());
        QVERIFY(resumed->resumed);
        QCOMPARE(resumed->accepted, 650);
        QCOMPARE(lastFraction, 1.0);
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM events")), 1000);
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(DISTINCT user_id) FROM events")), 1000);
        // Running it again after completion imports again with the same ids: nothing doubles.
        auto again = BulkImporter::run(db, file, 50, outbox->publish());
        QVERIFY(again.ok());
        QCOMPARE(count(rows, QStringLiteral("SELECT COUNT(*) FROM events")), 1000);
    }

    void boundedLinesAreReadWholeOrSkipped()
    {
        // Lines longer than a read piece (4 KiB) are read whole; one over the bound is
        // consumed and reported with its length; CR LF and a last line without newline.
        const QByteArray exact(10000, 'a'), over(10001, 'b'), longer(20000, 'c');
        QBuffer in;
        in.setData("x\r\n" + exact + "\n" + over + "\n" + longer + "\r\n\nlast");
        QVERIFY(in.open(QIODevice::ReadOnly));
        QByteArray line;
        qint64 skipped = 0;
        QVERIFY(EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QCOMPARE(line, QByteArray("x"));
        QVERIFY(EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QCOMPARE(line, exact);
        QVERIFY(!EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QVERIFY(line.isEmpty());
        QCOMPARE(skipped, 10002);
        QVERIFY(!EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QCOMPARE(skipped, 20002);
        QVERIFY(EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QCOMPARE(line, QByteArray());
        QVERIFY(EventFileReader::readBoundedLine(in, 10000, &line, &skipped));
        QCOMPARE(line, QByteArray("last"));
        QVERIFY(in.atEnd());
    }

    void aUsersLaterLineGetsTheLaterVersion()
    {
        // Batches go to the outbox several at a time; a user's lines must still be accepted
        // in file order, or a receiver keeping the highest version would keep an old record.
        const auto outbox = openOutbox(QStringLiteral("c.db"));
        QVERIFY(outbox);
        const QString &db = outbox->db;
        const QSqlDatabase rows = outbox->rows;
        QByteArray content;
        for (int i = 0; i < 400; ++i)
            content += QStringLiteral("{\"id\": \"u%1\", \"n\": %2}\n").arg(i % 7).arg(i).toUtf8();
        const QString file = write(QStringLiteral("repeats.jsonl"), content);
        auto r = BulkImporter::run(db, file, 3, outbox->publish());
        QVERIFY(r.ok());
        QCOMPARE(r->accepted, 400);
        QSqlQuery q(rows);
        QVERIFY(q.exec(QStringLiteral("SELECT user_id, payload FROM events ORDER BY seq")));
        QHash<QString, int> last;
        while (q.next()) {
            const int n = QJsonDocument::fromJson(q.value(1).toByteArray()).object()[QStringLiteral("data")].toObject()[QStringLiteral("n")].toInt();
            const QString user = q.value(0).toString();
            QVERIFY2(n > last.value(user, -1), qPrintable(QStringLiteral("%1: line %2 after line %3").arg(user).arg(n).arg(last.value(user))));
            last[user] = n;
        }
        QCOMPARE(last.size(), 7);
    }

    void userRecordsAreStoredAsTheDataTheyHold()
    {
        // Most records are stored as written (RawJsonObject), the rest as QJsonDocument
        // reads them: either way the payload's data is what QJsonDocument reads from the line.
        const auto outbox = openOutbox(QStringLiteral("d.db"));
        QVERIFY(outbox);
        const QString &db = outbox->db;
        const QSqlDatabase rows = outbox->rows;
        const QList<QByteArray> lines = {
            "{\"id\":\"u1\",\"username\":\"ann\",\"role\":\"job_seeker\",\"quota\":{\"jobs\":3}}",
            "{ \"id\" : \"u2\", \"name\" : \"b  c\",  \"tags\": [ 1, 2 ] }",
            "{\"id\":3,\"score\":1.5}",
            "{\"id\":\"u4\",\"big\":1e3}",
            "{\"id\":\"u\\u0035\",\"n\":1}",
            "{\"id\":\"u6\",\"n\":1,\"n\":2}",
            "{\"id\":\"\xe5\xbc\xa0\",\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\"}",
        };
        const QString file = write(QStringLiteral("records.jsonl"), lines.join('\n') + '\n');
        auto r = BulkImporter::run(db, file, 100, outbox->publish());
        QVERIFY(r.ok());
        QCOMPARE(r->rejected, 0);
        QCOMPARE(r->accepted, lines.size());
        QSqlQuery q(rows);
        QVERIFY(q.exec(QStringLiteral("SELECT user_id, payload FROM events ORDER BY seq")));
        for (const QByteArray &line : lines) {
            QVERIFY(q.next());
            const QJsonObject expected = QJsonDocument::fromJson(line).object();
            const QJsonObject payload = QJsonDocument::fromJson(q.value(1).toByteArray()).object();
            QCOMPARE(payload[QStringLiteral("data")].toObject(), expected);
            QCOMPARE(payload[QStringLiteral("user_id")].toString(), q.value(0).toString());
            QCOMPARE(q.value(0).toString(), expected[QStringLiteral("id")].toVariant().toString());
            QCOMPARE(payload[QStringLiteral("type")].toString(), QStringLiteral("user.created"));
        }
        // The first record went in as written: the file's key order, no re-serialisation.
        QVERIFY(q.exec(QStringLiteral("SELECT payload FROM events WHERE user_id = 'u1'")) && q.next());
        QVERIFY(q.value(0).toByteArray().startsWith("{\"data\":" + lines.first() + ','));
    }
};

QTEST_GUILESS_MAIN(TestBulkImporter)
#include "tst_bulkimporter.moc"
