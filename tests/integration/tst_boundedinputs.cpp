// SPDX-License-Identifier: GPL-3.0-or-later
// Bounded inputs: ids, event sizes, files streamed line by line, response bodies capped, slow
// peers cut off, only http(s) spoken, and URLs checked again when read back from the store.
#include "nodesimprocess.h"
#include "store/store.h"
#include "sync/bulkimporter.h"
#include "sync/eventfilereader.h"
#include "sync/httpdeliveryclient.h"
#include "sync/syncservice.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {

SyncEvent makeEvent(const QString &id, const QString &user)
{
    SyncEvent e;
    e.eventId = id;
    e.type = QStringLiteral("user.created");
    e.userId = user;
    return e;
}

qint64 count(Store &store, const QString &sql)
{
    QSqlQuery q(store.database());
    q.exec(sql);
    return q.next() ? q.value(0).toLongLong() : -1;
}

HttpResult fetch(const QString &url, long timeoutMs = 5000, const QList<QByteArray> &headers = {},
                 qint64 maxResponseBytes = 1024 * 1024)
{
    HttpPost get;
    get.url = url.toUtf8();
    get.get = true;
    get.timeoutMs = timeoutMs;
    get.headers = headers;
    get.maxResponseBytes = maxResponseBytes;
    return HttpDeliveryClient::fetch(get);
}

} // namespace

class TestBoundedInputs final : public QObject
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

private slots:
    void idsArePrintableAndBounded_data()
    {
        QTest::addColumn<QString>("eventId");
        QTest::addColumn<QString>("userId");
        QTest::addColumn<QString>("mention");
        QTest::newRow("CR LF in the event id") << "evt\r\nX-Injected: 1"
                                               << "u1"
                                               << "event id";
        QTest::newRow("NUL in the user id") << "evt-1" << QStringLiteral("u\u0000x") << "user id";
        QTest::newRow("bidi override in the user id")
            << "evt-1" << QStringLiteral("adm\u202Enimda") << "U+202e";
        QTest::newRow("129-byte event id") << QString(129, u'e') << "u1"
                                           << "128 bytes";
        QTest::newRow("129-byte user id") << "evt-1" << QString(129, u'u') << "128 bytes";
        QTest::newRow("43 three-byte characters")
            << "evt-1" << QString(43, QChar(0x4E2D)) << "128 bytes";
        QTest::newRow("empty user") << "evt-1"
                                    << "  "
                                    << "empty";
    }
    void idsArePrintableAndBounded()
    {
        QFETCH(QString, eventId);
        QFETCH(QString, userId);
        QFETCH(QString, mention);
        const Status s = makeEvent(eventId, userId).validate();
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(mention), qPrintable(s.error().message));
        QVERIFY(!s.error().message.contains(u'\r') && !s.error().message.contains(u'\n'));
    }

    void idsAtTheLimitAreAccepted()
    {
        QVERIFY(makeEvent(QString(128, u'e'), QString(128, u'u')).validate().ok());
        QVERIFY(
            makeEvent(QStringLiteral("evt-用户-1"), QStringLiteral("用户 ann")).validate().ok());
    }

    void oversizedEventIsRefusedAtEnqueueAndNothingIsWritten()
    {
        auto store = std::move(Store::open(m_dir.filePath(QStringLiteral("e.db")))).value();
        ClusterConfig config;
        config.syncMaxEventBytes = 4096;
        SyncService sync(store.get(), config);
        QVERIFY(sync.start(false).ok());
        SyncEvent big = makeEvent(QStringLiteral("evt-big"), QStringLiteral("u2"));
        big.data.insert(QStringLiteral("bio"), QString(5000, u'x'));
        const auto r =
            sync.publish({makeEvent(QStringLiteral("evt-ok"), QStringLiteral("u1")), big});
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.contains(QStringLiteral("evt-big")) &&
                     r.error().message.contains(QStringLiteral("4096")) &&
                     r.error().message.contains(QStringLiteral("number 2 of 2")),
                 qPrintable(r.error().message));
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events")),
                 0); // not even the small one
        // Raised by the config, the same event goes.
        config.syncMaxEventBytes = 64 * 1024;
        sync.applyConfig(config);
        QVERIFY(sync.publish({big}).ok());
    }

    void importRefusesAnOversizedLineByNumberAndGoesOn()
    {
        const QString db = m_dir.filePath(QStringLiteral("i.db"));
        auto store = std::move(Store::open(db)).value();
        SyncService sync(store.get(), ClusterConfig{});
        QVERIFY(sync.start(false).ok());
        QByteArray content = "{\"id\": \"1\", \"name\": \"ann\"}\n";
        content += "{\"id\": \"2\", \"bio\": \"" + QByteArray(8 * 1024 * 1024, 'b') +
                   "\"}\n"; // an 8 MB user
        content += "{\"id\": \"3\", \"name\": \"cho\"}\n";
        const QString file = write(QStringLiteral("users.jsonl"), content);
        const auto r = BulkImporter::run(
            db, file, 100,
            [&sync](const QList<SyncEvent> &e) { return sync.publish(e, SyncMode::Bulk); }, {},
            nullptr, 1024 * 1024);
        QVERIFY(r.ok());
        QCOMPARE(r->accepted, 2);
        QCOMPARE(r->rejected, 1);
        QVERIFY2(r->firstError.contains(QStringLiteral("line 2")) &&
                     r->firstError.contains(QStringLiteral("sync_max_event_bytes")),
                 qPrintable(r->firstError));
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events WHERE user_id = '3'")),
                 1);
        QCOMPARE(count(*store, QStringLiteral("SELECT COUNT(*) FROM events WHERE user_id = '2'")),
                 0);
    }

    void eventFileIsStreamedWithLineNumbers()
    {
        QByteArray content;
        for (int i = 1; i <= 1000; ++i)
            content +=
                "{\"type\":\"user.updated\",\"user_id\":\"u" + QByteArray::number(i) + "\"}\n";
        content += "\n{\"type\":\"user.updated\",\"user_id\":\"" + QByteArray(3000, 'x') + "\"}\n";
        content += "{\"type\":\"user.updated\",\"user_id\":\"u1002\",\"data\":\"" +
                   QByteArray(10000, 'd') + "\"}\n";
        content += "{\"type\":\"nope\",\"user_id\":\"u1003\"}\n{\"type\":\"user.updated\",\"user_"
                   "id\":\"last\"}";
        EventFileReader reader(write(QStringLiteral("events.jsonl"), content), 8192);
        QVERIFY(reader.open().ok());
        int events = 0;
        QStringList errors;
        QString last;
        while (true) {
            auto e = reader.next();
            if (!e) {
                errors << e.error().message;
                continue;
            }
            if (!e.value())
                break;
            ++events;
            last = e.value()->userId;
        }
        QCOMPARE(events, 1001);
        QCOMPARE(last, QStringLiteral("last")); // a last line without a newline is read
        QCOMPARE(errors.size(), 3);
        QVERIFY2(errors.at(0).contains(QStringLiteral("line 1002")) &&
                     errors.at(0).contains(QStringLiteral("128 bytes")),
                 qPrintable(errors.at(0)));
        QVERIFY2(errors.at(1).contains(QStringLiteral("line 1003")) &&
                     errors.at(1).contains(QStringLiteral("sync_max_event_bytes")),
                 qPrintable(errors.at(1)));
        QVERIFY(errors.at(2).contains(QStringLiteral("line 1004")));
    }

    void headerInjectionIsRefusedBeforeSending()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("h")));
        const HttpResult r =
            fetch(sim.url() + QStringLiteral("/health"), 5000, {"webhook-id: evt\r\nX-Evil: 1"});
        QCOMPARE(r.status, 0);
        QVERIFY2(r.error.contains("CR or LF"), r.error.constData());
        QCOMPARE(sim.get(QStringLiteral("/stats"))[QStringLiteral("health_checks")].toInt(),
                 0); // nothing reached it
    }

    void onlyHttpAndHttpsAreSpoken()
    {
        const QString secretFile = write(QStringLiteral("local-secret"), "do not read me");
        for (const QString &url :
             {QStringLiteral("file://") + secretFile, QStringLiteral("gopher://127.0.0.1:1/"),
              QStringLiteral("dict://127.0.0.1:1/")}) {
            const HttpResult r = fetch(url);
            QCOMPARE(r.status, 0);
            QVERIFY(!r.bodyHead.contains("do not read me"));
            QVERIFY2(r.error.contains("not supported") || r.error.contains("disabled"),
                     r.error.constData());
        }
    }

    void responseBodiesAreCappedAndSlowPeersCutOff()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("b")));
        QVERIFY(sim.control({{QStringLiteral("body_bytes"), 300000}}));
        const HttpResult big = fetch(sim.url() + QStringLiteral("/anything"), 5000, {}, 100000);
        QCOMPARE(big.status, 0);
        QVERIFY2(big.error.contains("larger than 100000 bytes"), big.error.constData());
        QVERIFY(fetch(sim.url() + QStringLiteral("/anything"), 5000, {}, 400000).status == 200);
        // One byte every 300 ms: the low-speed limit ends it long before the 60 s timeout.
        QVERIFY(
            sim.control({{QStringLiteral("body_bytes"), 0}, {QStringLiteral("trickle_ms"), 300}}));
        HttpPost slow;
        slow.url = (sim.url() + QStringLiteral("/anything")).toUtf8();
        slow.get = true;
        slow.timeoutMs = 60000;
        slow.lowSpeedSeconds = 1;
        const HttpResult r = HttpDeliveryClient::fetch(slow);
        QCOMPARE(r.status, 0);
        QVERIFY2(r.error.contains("too slow"), r.error.constData());
        QVERIFY(r.durationMs < 10000);
    }

    void nodeUrlsAreCheckedAgainWhenReadFromTheStore()
    {
        auto store = std::move(Store::open(m_dir.filePath(QStringLiteral("n.db")))).value();
        QVERIFY(
            store
                ->insertNode(NodeSpec{QStringLiteral("good"), QStringLiteral("http://127.0.0.1:1")})
                .ok());
        QVERIFY(
            store
                ->insertNode(NodeSpec{QStringLiteral("evil"), QStringLiteral("http://127.0.0.1:2")})
                .ok());
        // Someone with write access to the file points a node at a local file.
        QSqlQuery q(store->database());
        QVERIFY(q.exec(
            QStringLiteral("UPDATE nodes SET url = 'file:///etc/passwd' WHERE id = 'evil'")));
        QStringList rejected;
        const auto nodes = store->loadNodes(&rejected);
        QCOMPARE(nodes->size(), 1);
        QCOMPARE(nodes->first().id, QStringLiteral("good"));
        QCOMPARE(rejected.size(), 1);
        QVERIFY2(rejected.first().startsWith(QStringLiteral("evil: ")) &&
                     rejected.first().contains(QStringLiteral("http")),
                 qPrintable(rejected.first()));
    }

    void credentialsInUrlsAreRefused()
    {
        NodeSpec n{QStringLiteral("n"), QStringLiteral("https://admin:hunter2@10.0.0.1/")};
        const Status s = n.validate();
        QVERIFY(!s.ok());
        QVERIFY(!s.error().message.contains(QStringLiteral("hunter2")));
        const auto c = ClusterConfig::fromJson(
            "{\"targets\":[{\"name\":\"t\",\"url\":\"https://u:hunter2@h/sync\"}]}");
        QVERIFY(!c.ok());
        QVERIFY(!c.error().message.contains(QStringLiteral("hunter2")));
    }
};

QTEST_GUILESS_MAIN(TestBoundedInputs)
#include "tst_boundedinputs.moc"
