// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd and its admin API as an operator and a Basic Server use them: a real daemon
// process, real tokens made with jobfirstctl, real HTTP on loopback, real nodesim nodes.
#include "api/codec.h"
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "remote/remoteenginesession.h"
#include "testcertificates.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace jobfirst;

class TestAdminApi final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    DaemonProcess m_daemon;
    NodeSimProcess m_node;
    QHash<QString, QByteArray> m_tokens; ///< role -> token
    QHash<QString, QString> m_tokenFiles;

    QString db() const { return m_dir.filePath(QStringLiteral("c.db")); }
    QString config() const { return m_dir.filePath(QStringLiteral("c.json")); }

    ApiReply api(const QByteArray &method, const QString &path, const QString &role, const QByteArray &body = {})
    {
        return apiCall(m_daemon.url(), method, path, m_tokens.value(role), body);
    }

    /// Waits for an answer with the event loop running (continuations run on this thread).
    template <typename T>
    static T await(QFuture<T> future)
    {
        while (!future.isFinished())
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return future.result();
    }

    static QByteArray json(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

    void writeConfig(const QString &path, const QJsonObject &extra = {})
    {
        QJsonObject o{{QStringLiteral("health_check_interval"), QStringLiteral("300ms")},
                      {QStringLiteral("health_check_timeout"), QStringLiteral("200ms")},
                      {QStringLiteral("fast_interval"), QStringLiteral("100ms")},
                      {QStringLiteral("down_interval"), QStringLiteral("300ms")},
                      {QStringLiteral("targets"), QJsonArray()}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            o.insert(it.key(), it.value());
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(o).toJson());
    }

    QJsonObject nodeById(const QString &id)
    {
        for (const QJsonValue &n : api("GET", QStringLiteral("/api/v1/nodes"), QStringLiteral("viewer")).json().toArray())
            if (n[QStringLiteral("id")].toString() == id)
                return n.toObject();
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_node.start(QStringLiteral("n1")));
        writeConfig(config());
        for (const QString &role : {QStringLiteral("viewer"), QStringLiteral("operator"), QStringLiteral("admin")}) {
            m_tokenFiles[role] = makeToken(db(), m_dir.path(), role, role);
            QVERIFY(!m_tokenFiles[role].isEmpty());
        }
        m_tokenFiles[QStringLiteral("node")] = makeToken(db(), m_dir.path(), QStringLiteral("self"), QStringLiteral("node"), QStringLiteral("n-self"));
        for (auto it = m_tokenFiles.cbegin(); it != m_tokenFiles.cend(); ++it) {
            QFile f(it.value());
            QVERIFY(f.open(QIODevice::ReadOnly));
            m_tokens[it.key()] = f.readAll();
        }
        m_tokens[QStringLiteral("bogus")] = "jft_not-a-token";
        QVERIFY(m_daemon.start(db(), config()));
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes"), QStringLiteral("admin"),
                     json({{QStringLiteral("id"), QStringLiteral("n1")}, {QStringLiteral("url"), m_node.url()}})).status,
                 201);
        QTRY_COMPARE_WITH_TIMEOUT(nodeById(QStringLiteral("n1"))[QStringLiteral("status")].toString(), QStringLiteral("up"), 10000);
    }

    void cleanupTestCase()
    {
        QCOMPARE(m_daemon.terminate(), 0);
        const QByteArray logs = m_daemon.logs();
        // Every log line is one JSON object with the agreed fields.
        for (const QByteArray &line : logs.split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(o.contains(QStringLiteral("time")) && o.contains(QStringLiteral("level")) && o.contains(QStringLiteral("component"))
                         && o.contains(QStringLiteral("message")),
                     line.constData());
        }
        QVERIFY(logs.contains("jobfirstd stopped"));
    }

    void rolesDecideWhatATokenMayDo_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("role");
        QTest::addColumn<int>("status");
        const QByteArray event = json({{QStringLiteral("events"), QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("user.created")},
                                                                                         {QStringLiteral("user_id"), QStringLiteral("u1")}}}}});
        struct Family
        {
            const char *name;
            QByteArray method;
            QString path;
            QByteArray body;
            QList<std::pair<const char *, int>> expected;
        };
        const QList<Family> families = {
            {"read nodes",
             "GET",
             QStringLiteral("/api/v1/nodes"),
             {},
             {{"none", 401},
              {"bogus", 401},
              {"viewer", 200},
              {"operator", 200},
              {"admin", 200},
              {"node", 403}}},
            {"status",
             "GET",
             QStringLiteral("/api/v1/status"),
             {},
             {{"none", 401}, {"viewer", 200}, {"node", 403}}},
            {"sync stats",
             "GET",
             QStringLiteral("/api/v1/sync/stats"),
             {},
             {{"viewer", 200}, {"node", 403}}},
            {"audit",
             "GET",
             QStringLiteral("/api/v1/audit"),
             {},
             {{"viewer", 200}, {"operator", 200}, {"node", 403}}},
            {"metrics",
             "GET",
             QStringLiteral("/metrics"),
             {},
             {{"none", 401}, {"viewer", 200}, {"node", 403}}},
            {"weight",
             "POST",
             QStringLiteral("/api/v1/nodes/n1/weight"),
             json({{QStringLiteral("weight"), 2}}),
             {{"none", 401}, {"viewer", 403}, {"operator", 204}, {"admin", 204}, {"node", 403}}},
            {"check now",
             "POST",
             QStringLiteral("/api/v1/nodes/check"),
             json({{QStringLiteral("ids"), QJsonArray{QStringLiteral("n1")}}}),
             {{"viewer", 403}, {"operator", 200}, {"node", 403}}},
            {"send events",
             "POST",
             QStringLiteral("/api/v1/sync/events"),
             event,
             {{"none", 401}, {"viewer", 403}, {"operator", 202}, {"admin", 202}, {"node", 202}}},
            {"apply config",
             "PUT",
             QStringLiteral("/api/v1/config"),
             "{\"targets\": []}",
             {{"viewer", 403}, {"operator", 403}, {"node", 403}}},
            {"tokens",
             "GET",
             QStringLiteral("/api/v1/tokens"),
             {},
             {{"viewer", 403}, {"operator", 403}, {"admin", 200}, {"node", 403}}},
            {"audit verify",
             "GET",
             QStringLiteral("/api/v1/audit/verify"),
             {},
             {{"none", 401}, {"viewer", 200}, {"node", 403}}},
            {"backup",
             "POST",
             QStringLiteral("/api/v1/backups"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("correct horse battery staple")}}),
             {{"viewer", 403}, {"operator", 403}, {"admin", 201}, {"node", 403}}},
            {"backup verify",
             "POST",
             QStringLiteral("/api/v1/backups/verify"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("correct horse battery staple")}}),
             {{"none", 401}, {"viewer", 403}, {"operator", 403}, {"admin", 200}, {"node", 403}}},
            {"backup restore",
             "POST",
             QStringLiteral("/api/v1/backups/restore"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("correct horse battery staple")},
                   {QStringLiteral("to"), m_dir.filePath(QStringLiteral("api-restored.db"))}}),
             {{"viewer", 403}, {"operator", 403}, {"admin", 201}, {"node", 403}}},
            // The same restore again: the new store exists now, and is never overwritten.
            {"backup restore again",
             "POST",
             QStringLiteral("/api/v1/backups/restore"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("correct horse battery staple")},
                   {QStringLiteral("to"), m_dir.filePath(QStringLiteral("api-restored.db"))}}),
             {{"admin", 409}}},
            {"backup restore over the engine's store",
             "POST",
             QStringLiteral("/api/v1/backups/restore"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("correct horse battery staple")},
                   {QStringLiteral("to"), db()}}),
             {{"admin", 409}}},
            {"backup verify with a wrong passphrase",
             "POST",
             QStringLiteral("/api/v1/backups/verify"),
             json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))},
                   {QStringLiteral("passphrase"), QStringLiteral("not the passphrase at all")}}),
             {{"admin", 400}}},
            {"remove a node",
             "DELETE",
             QStringLiteral("/api/v1/nodes/ghost"),
             {},
             {{"viewer", 403}, {"operator", 403}, {"admin", 404}, {"node", 403}}},
        };
        for (const Family &f : families)
            for (const auto &[role, status] : f.expected)
                QTest::addRow("%s as %s", f.name, role) << f.method << f.path << f.body << QString::fromLatin1(role) << status;
    }

    void rolesDecideWhatATokenMayDo()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, role);
        QFETCH(int, status);
        const ApiReply r = api(method, path, role, body);
        QVERIFY2(r.status == status, qPrintable(QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(300)))));
        if (status == 401 || status == 403)
            QVERIFY2(!r.error().isEmpty(), r.body.constData());
    }

    void aRefusalChangesNothingAndIsAudited()
    {
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes/n1/drain"), QStringLiteral("viewer")).status, 403);
        QCOMPARE(nodeById(QStringLiteral("n1"))[QStringLiteral("admin_state")].toString(), QStringLiteral("ready"));
        const QJsonArray audit = api("GET", QStringLiteral("/api/v1/audit?limit=20&filter=refused"), QStringLiteral("viewer")).json().toArray();
        QVERIFY(!audit.isEmpty());
        const QJsonObject last = audit.first().toObject();
        QCOMPARE(last[QStringLiteral("actor")].toString(), QStringLiteral("api:viewer"));
        QVERIFY(last[QStringLiteral("action")].toString().contains(QStringLiteral("drain")));
        // An allowed change is audited under the token's name.
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes/n1/drain"), QStringLiteral("operator")).status, 204);
        QCOMPARE(nodeById(QStringLiteral("n1"))[QStringLiteral("admin_state")].toString(), QStringLiteral("drain"));
        const QJsonObject drained = api("GET", QStringLiteral("/api/v1/audit?limit=1"), QStringLiteral("viewer")).json().toArray().first().toObject();
        QCOMPARE(drained[QStringLiteral("actor")].toString(), QStringLiteral("api:operator"));
        QCOMPARE(drained[QStringLiteral("action")].toString(), QStringLiteral("node.drain"));
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes/n1/ready"), QStringLiteral("operator")).status, 204);
    }

    void aRevokedTokenIsRefusedAtOnce()
    {
        const ApiReply created = api("POST", QStringLiteral("/api/v1/tokens"), QStringLiteral("admin"),
                                     json({{QStringLiteral("name"), QStringLiteral("temp")}, {QStringLiteral("role"), QStringLiteral("viewer")}}));
        QCOMPARE(created.status, 201);
        const QByteArray temp = created.json()[QStringLiteral("token")].toString().toLatin1();
        QVERIFY(temp.startsWith("jft_"));
        QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/nodes"), temp).status, 200);
        QCOMPARE(api("DELETE", QStringLiteral("/api/v1/tokens/temp"), QStringLiteral("admin")).status, 204);
        QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/nodes"), temp).status, 401);
        // Revoked by jobfirstctl on the daemon's store, from another process: refused at once too.
        const QString file = makeToken(db(), m_dir.path(), QStringLiteral("temp2"), QStringLiteral("viewer"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray temp2 = f.readAll();
        QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/status"), temp2).status, 200);
        QCOMPARE(runCtl({QStringLiteral("--db"), db(), QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("temp2")}).code, 0);
        QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/status"), temp2).status, 401);
        // The token list never shows a token, only names and roles.
        const QByteArray list = api("GET", QStringLiteral("/api/v1/tokens"), QStringLiteral("admin")).body;
        QVERIFY(!list.contains("jft_"));
    }

    void aRevokedTokensLiveStreamEnds()
    {
        // A stream opened with a token does not outlive it: revoked by jobfirstctl on the
        // store (as another daemon's revocation would be), it ends with the reason, and the
        // console's session says so instead of showing a picture that no longer updates.
        const QString file = makeToken(db(), m_dir.path(), QStringLiteral("watcher"), QStringLiteral("viewer"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        RemoteEngineSession revoked(RemoteOptions{QUrl(m_daemon.url()), f.readAll(), {}});
        RemoteEngineSession kept(RemoteOptions{QUrl(m_daemon.url()), m_tokens.value(QStringLiteral("viewer")), {}});
        QSignalSpy revokedState(&revoked, &EngineSession::connectionChanged);
        QSignalSpy keptState(&kept, &EngineSession::connectionChanged);
        QSignalSpy keptSnapshots(&kept, &EngineSession::snapshot);
        QVERIFY(await(revoked.connectToEngine()).ok());
        QVERIFY(await(kept.connectToEngine()).ok());
        QTRY_VERIFY_WITH_TIMEOUT(revoked.isConnected() && kept.isConnected(), 10000);
        revokedState.clear();
        QCOMPARE(runCtl({QStringLiteral("--db"), db(), QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("watcher")}).code, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!revokedState.isEmpty(), 10000);
        QCOMPARE(revokedState.first().at(0).toBool(), false);
        const QString reason = revokedState.first().at(1).value<Sentence>().english();
        QVERIFY2(reason.contains(QStringLiteral("\"watcher\" was revoked")), qPrintable(reason));
        // The other token's stream goes on.
        keptSnapshots.clear();
        QTRY_VERIFY_WITH_TIMEOUT(keptSnapshots.size() >= 2, 10000);
        QVERIFY(kept.isConnected());
        for (const auto &change : keptState)
            QVERIFY(change.at(0).toBool());
        QVERIFY(!revoked.isConnected());
    }

    void badRequestsAreNamedAndChangeNothing_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("mention");
        QTest::newRow("not JSON") << QByteArray("POST") << QStringLiteral("/api/v1/nodes") << QByteArray("{oops") << 400 << QString()
                                  << QStringLiteral("not JSON");
        QTest::newRow("not an object") << QByteArray("POST") << QStringLiteral("/api/v1/nodes") << QByteArray("[1]") << 400 << QString()
                                       << QStringLiteral("JSON object");
        QTest::newRow("weight of the wrong type") << QByteArray("POST") << QStringLiteral("/api/v1/nodes")
                                                  << json({{QStringLiteral("id"), QStringLiteral("x1")},
                                                           {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9")},
                                                           {QStringLiteral("weight"), QStringLiteral("heavy")}})
                                                  << 400 << QStringLiteral("weight") << QStringLiteral("weight");
        QTest::newRow("a url that is not one") << QByteArray("POST") << QStringLiteral("/api/v1/nodes")
                                               << json({{QStringLiteral("id"), QStringLiteral("x2")}, {QStringLiteral("url"), QStringLiteral("ftp:/x")}})
                                               << 400 << QString() << QStringLiteral("URL");
        QTest::newRow("weight out of range") << QByteArray("POST") << QStringLiteral("/api/v1/nodes/n1/weight")
                                             << json({{QStringLiteral("weight"), 1000}}) << 400 << QString() << QStringLiteral("256");
        QTest::newRow("events not a list") << QByteArray("POST") << QStringLiteral("/api/v1/sync/events")
                                           << json({{QStringLiteral("events"), 5}}) << 400 << QStringLiteral("events") << QStringLiteral("events");
        QTest::newRow("too large") << QByteArray("POST") << QStringLiteral("/api/v1/sync/events")
                                   << QByteArray(1536 * 1024, ' ') << 413 << QString() << QStringLiteral("at most");
        QTest::newRow("unknown route") << QByteArray("GET") << QStringLiteral("/api/v1/nowhere") << QByteArray() << 404 << QString()
                                       << QStringLiteral("/api/v1/nowhere");
        QTest::newRow("wrong method") << QByteArray("PATCH") << QStringLiteral("/api/v1/nodes") << QByteArray() << 405 << QString()
                                      << QStringLiteral("PATCH");
        QTest::newRow("bad query") << QByteArray("GET") << QStringLiteral("/api/v1/audit?limit=lots") << QByteArray() << 400
                                   << QStringLiteral("limit") << QStringLiteral("limit");
        QTest::newRow("events in no mode")
            << QByteArray("POST") << QStringLiteral("/api/v1/sync/events")
            << json({{QStringLiteral("events"), QJsonArray()},
                     {QStringLiteral("mode"), QStringLiteral("soon")}})
            << 400 << QStringLiteral("mode") << QStringLiteral("real-time, near-real-time or bulk");
        // An import takes far more than the 1 MiB of the other routes: this body reaches the
        // route, whose query is then refused.
        QTest::newRow("import with a bad batch")
            << QByteArray("POST") << QStringLiteral("/api/v1/sync/imports?batch=0")
            << QByteArray(1536 * 1024, ' ') << 400 << QStringLiteral("batch")
            << QStringLiteral("batch");
        for (const char *path :
             {"/api/v1/backups", "/api/v1/backups/verify", "/api/v1/backups/restore"})
            QTest::addRow("%s without a backup file", path)
                << QByteArray("POST") << QString::fromLatin1(path)
                << json({{QStringLiteral("passphrase"),
                          QStringLiteral("correct horse battery staple")},
                         {QStringLiteral("to"), m_dir.filePath(QStringLiteral("nowhere.db"))}})
                << 400 << QStringLiteral("path")
                << QStringLiteral("the backup file on the engine's machine");
        QTest::newRow("restore to no file")
            << QByteArray("POST") << QStringLiteral("/api/v1/backups/restore")
            << json({{QStringLiteral("path"), m_dir.filePath(QStringLiteral("api.jfbackup"))}})
            << 400 << QStringLiteral("to")
            << QStringLiteral("the new store file on the engine's machine");
    }

    void badRequestsAreNamedAndChangeNothing()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, field);
        QFETCH(QString, mention);
        const int nodesBefore = int(api("GET", QStringLiteral("/api/v1/nodes"), QStringLiteral("viewer")).json().toArray().size());
        const ApiReply r = api(method, path, QStringLiteral("admin"), body);
        QVERIFY2(r.status == status, qPrintable(QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(300)))));
        QVERIFY2(r.error().contains(mention), qPrintable(r.error()));
        if (!field.isEmpty())
            QCOMPARE(r.json()[QStringLiteral("field")].toString(), field);
        QCOMPARE(int(api("GET", QStringLiteral("/api/v1/nodes"), QStringLiteral("viewer")).json().toArray().size()), nodesBefore);
        QCOMPARE(nodeById(QStringLiteral("n1"))[QStringLiteral("weight")].toInt() != 1000, true);
    }

    void repeatedFailedAuthenticationIsSlowedDown()
    {
        // The first few failures are answered at once; later ones wait longer and longer.
        // (Only a lower bound is asserted: a refusal can never come sooner than its delay.)
        QElapsedTimer t;
        qint64 last = 0;
        for (int i = 0; i < 9; ++i) {
            t.start();
            QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/nodes"), "jft_guess" + QByteArray::number(i)).status, 401);
            last = t.elapsed();
        }
        QVERIFY2(last >= 700, qPrintable(QStringLiteral("the 9th failure was answered after %1 ms").arg(last)));
        // A caller with a good token from the same address is served.
        QCOMPARE(api("GET", QStringLiteral("/api/v1/status"), QStringLiteral("viewer")).status, 200);
    }

    void manyKeepAliveProducersAreAllAnswered()
    {
        // bench_publish's load: 50 producers, each posting one event a request on its own
        // keep-alive connection. Every request is answered 202 on its connection and no
        // connection is closed. (Under this load jobfirstd used to die of Qt 6.4's QFuture::then()
        // race, core/whenfinished.h, and every connection ended at once.)
        constexpr int Producers = 50;
        constexpr int Each = 100;
        struct Producer
        {
            QByteArray received;
            int sent = 0;
            int answered = 0;
            int accepted = 0;
            QByteArray refusal; ///< the first answer that was not 202
            bool closed = false;
            QTcpSocket socket; // last: gone first, while what its signals touch is still there
        };
        const QByteArray token = m_tokens.value(QStringLiteral("operator"));
        const auto post = [&token](Producer &p) {
            const QByteArray body =
                json({{QStringLiteral("events"),
                       QJsonArray{QJsonObject{
                           {QStringLiteral("type"), QStringLiteral("user.updated")},
                           {QStringLiteral("user_id"), QStringLiteral("u%1").arg(p.sent)}}}}});
            p.socket.write(
                "POST /api/v1/sync/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                token + "\r\nContent-Type: application/json\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\n\r\n" + body);
            ++p.sent;
        };
        // Takes every whole answer off the front of what arrived; the next request follows each.
        const auto read = [&post](Producer &p) {
            p.received += p.socket.readAll();
            for (;;) {
                const qsizetype end = p.received.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QByteArray head = p.received.left(end).toLower();
                const qsizetype at = head.indexOf("content-length:");
                const qsizetype length = at < 0
                                             ? 0
                                             : head.mid(at + 15, head.indexOf('\r', at) - at - 15)
                                                   .trimmed()
                                                   .toLongLong();
                if (p.received.size() < end + 4 + length)
                    return;
                const QByteArray answer = p.received.left(end + 4 + length);
                p.received.remove(0, answer.size());
                ++p.answered;
                if (answer.startsWith("HTTP/1.1 202"))
                    ++p.accepted;
                else if (p.refusal.isEmpty())
                    p.refusal = answer;
                if (p.sent < Each)
                    post(p);
            }
        };
        std::vector<std::unique_ptr<Producer>> producers;
        for (int i = 0; i < Producers; ++i) {
            auto p = std::make_unique<Producer>();
            Producer *raw = p.get();
            connect(&p->socket, &QTcpSocket::connected, this, [raw, &post] { post(*raw); });
            connect(&p->socket, &QTcpSocket::readyRead, this, [raw, &read] { read(*raw); });
            connect(&p->socket, &QTcpSocket::disconnected, this, [raw] { raw->closed = true; });
            p->socket.connectToHost(QHostAddress::LocalHost, m_daemon.port());
            producers.push_back(std::move(p));
        }
        const auto settled = [&] {
            return std::all_of(producers.begin(), producers.end(),
                               [](const auto &p) { return p->closed || p->answered == Each; });
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 120000);
        for (const auto &p : producers) {
            QVERIFY2(p->refusal.isEmpty(), p->refusal.constData());
            QVERIFY2(
                !p->closed,
                qPrintable(
                    QStringLiteral("a connection was closed after %1 answers").arg(p->accepted)));
            QCOMPARE(p->accepted, Each);
        }
        QVERIFY(m_daemon.running());
    }

    void aNodeRegistersAndDeregistersItself()
    {
        NodeSimProcess self;
        QVERIFY(self.start(QStringLiteral("n-self"), 0,
                           {QStringLiteral("--register"), m_daemon.url(), QStringLiteral("--register-token-file"),
                            m_tokenFiles.value(QStringLiteral("node"))}));
        QCOMPARE(nodeById(QStringLiteral("n-self"))[QStringLiteral("url")].toString(), self.url());
        QTRY_COMPARE_WITH_TIMEOUT(nodeById(QStringLiteral("n-self"))[QStringLiteral("status")].toString(), QStringLiteral("up"), 10000);
        // Its token names it: it may not register (or remove) another node.
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes"), QStringLiteral("node"),
                     json({{QStringLiteral("id"), QStringLiteral("n-other")}, {QStringLiteral("url"), self.url()}})).status,
                 403);
        QCOMPARE(api("DELETE", QStringLiteral("/api/v1/nodes/n1"), QStringLiteral("node")).status, 403);
        // A clean shutdown deregisters.
        ::kill(pid_t(self.pid()), SIGTERM);
        QVERIFY(self.waitForExit(10000));
        QVERIFY(nodeById(QStringLiteral("n-self")).isEmpty());
        const QJsonArray audit = api("GET", QStringLiteral("/api/v1/audit?limit=5&filter=n-self"), QStringLiteral("viewer")).json().toArray();
        QCOMPARE(audit.first()[QStringLiteral("action")].toString(), QStringLiteral("node.remove"));
        QCOMPARE(audit.first()[QStringLiteral("actor")].toString(), QStringLiteral("api:self"));
    }

    void theStreamPushesStateChanges()
    {
        NodeSimProcess victim;
        QVERIFY(victim.start(QStringLiteral("n-victim")));
        QCOMPARE(api("POST", QStringLiteral("/api/v1/nodes"), QStringLiteral("admin"),
                     json({{QStringLiteral("id"), QStringLiteral("n-victim")}, {QStringLiteral("url"), victim.url()}})).status,
                 201);
        RemoteEngineSession remote(RemoteOptions{QUrl(m_daemon.url()), m_tokens.value(QStringLiteral("viewer")), {}});
        QSignalSpy connected(&remote, &EngineSession::connectionChanged);
        QSignalSpy snapshots(&remote, &EngineSession::snapshot);
        QSignalSpy changes(&remote, &EngineSession::healthChanged);
        QVERIFY(await(remote.connectToEngine()).ok());
        QCOMPARE(remote.info().role, Role::Viewer);
        QCOMPARE(remote.info().actor, QStringLiteral("api:viewer"));
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty(), 10000);
        QVERIFY(connected.first().at(0).toBool());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto &s : snapshots)
                    for (const NodeStatus &n : s.at(0).value<EngineSnapshot>().nodes)
                        if (n.spec.id == QStringLiteral("n-victim") && n.health == HealthState::Up)
                            return true;
                return false;
            }(),
            10000);
        changes.clear();
        victim.kill();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto &c : changes)
                    if (c.at(0).value<HealthEvent>().nodeId == QStringLiteral("n-victim")
                        && c.at(0).value<HealthEvent>().to == HealthState::Down)
                        return true;
                return false;
            }(),
            10000);
        // The viewer's session may read but not act: the engine says why.
        const auto refused = await(remote.setAdminState(QStringLiteral("n1"), AdminState::Drain));
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message.contains(QStringLiteral("operator")));
        QCOMPARE(api("DELETE", QStringLiteral("/api/v1/nodes/n-victim"), QStringLiteral("admin")).status, 204);
    }

    void jobfirstctlSaysTheSameRemotelyAsLocally_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::newRow("node list") << QStringList{QStringLiteral("node"), QStringLiteral("list")};
        QTest::newRow("config show") << QStringList{QStringLiteral("config"), QStringLiteral("show")};
        QTest::newRow("config versions") << QStringList{QStringLiteral("config"), QStringLiteral("versions")};
        QTest::newRow("audit") << QStringList{QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("10")};
        QTest::newRow("token list") << QStringList{QStringLiteral("token"), QStringLiteral("list")};
        QTest::newRow("lb pick") << QStringList{QStringLiteral("lb"), QStringLiteral("pick"), QStringLiteral("--count"),
                                                QStringLiteral("5"), QStringLiteral("--json")};
        QTest::newRow("unknown node") << QStringList{QStringLiteral("node"), QStringLiteral("history"), QStringLiteral("ghost")};
        // Here the file is read by jobfirstctl; with --server, by the engine (the same machine
        // here).
        const QString pass = m_dir.filePath(QStringLiteral("backup-pass"));
        QFile f(pass);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
                f.write("correct horse battery staple\n") > 0);
        f.close();
        QTest::newRow("backup verify")
            << QStringList{QStringLiteral("backup"), QStringLiteral("verify"),
                           m_dir.filePath(QStringLiteral("api.jfbackup")),
                           QStringLiteral("--passphrase-file"), pass};
        QTest::newRow("backup restore onto an existing file")
            << QStringList{QStringLiteral("backup"),
                           QStringLiteral("restore"),
                           m_dir.filePath(QStringLiteral("api.jfbackup")),
                           QStringLiteral("--to"),
                           config(),
                           QStringLiteral("--passphrase-file"),
                           pass};
    }

    void jobfirstctlSaysTheSameRemotelyAsLocally()
    {
        QFETCH(QStringList, command);
        const CtlRun local = runCtl(QStringList{QStringLiteral("--db"), db()} + command);
        const CtlRun remote = runCtl(QStringList{QStringLiteral("--server"), m_daemon.url(), QStringLiteral("--token-file"),
                                                 m_tokenFiles.value(QStringLiteral("admin"))}
                                     + command);
        QCOMPARE(remote.code, local.code);
        QCOMPARE(QString::fromUtf8(remote.out), QString::fromUtf8(local.out));
        QCOMPARE(QString::fromUtf8(remote.err), QString::fromUtf8(local.err));
    }

    void theApiSpeaksTlsWithCertificatesMadeHere()
    {
        TestCertificates certs;
        QVERIFY(certs.make(m_dir.path()));
        const QString tlsConfig = m_dir.filePath(QStringLiteral("tls.json"));
        writeConfig(tlsConfig, {{QStringLiteral("api_tls_cert"), certs.serverCert()}, {QStringLiteral("api_tls_key"), certs.serverKey()}});
        DaemonProcess tls;
        QVERIFY(tls.start(m_dir.filePath(QStringLiteral("tls.db")), tlsConfig));
        const QString token = makeToken(m_dir.filePath(QStringLiteral("tls.db")), m_dir.path(), QStringLiteral("tlsviewer"), QStringLiteral("viewer"));
        QFile f(token);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray secret = f.readAll();
        QCOMPARE(apiCall(tls.url(QStringLiteral("https")), "GET", QStringLiteral("/api/v1/status"), secret, {}, certs.caCert()).status, 200);
        // Without the CA the client refuses the server; plain HTTP gets no API answer.
        QCOMPARE(apiCall(tls.url(QStringLiteral("https")), "GET", QStringLiteral("/api/v1/status"), secret).status, 0);
        QVERIFY(apiCall(tls.url(), "GET", QStringLiteral("/api/v1/status"), secret).status != 200);
        const CtlRun ctl =
            runCtl({QStringLiteral("--server"), tls.url(QStringLiteral("https")),
                    QStringLiteral("--token-file"), token, QStringLiteral("--ca-file"),
                    certs.caCert(), QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(ctl.code, 0);
        QVERIFY(ctl.out.contains("total_nodes"));
        QCOMPARE(tls.terminate(), 0);
    }

    void plainHttpIsRefusedOffLoopback()
    {
        DaemonProcess open;
        QVERIFY(!open.start(m_dir.filePath(QStringLiteral("open.db")), config(), {}, QStringLiteral("0.0.0.0:0")));
        QVERIFY(open.logs().contains("plain HTTP is only allowed on a loopback address"));
    }

    /// Every route, with the permission it was added with: the role just below it is refused,
    /// named in the refusal. A route dropped answers 404 or 405, one with another permission
    /// (or a node route that lost its own-node rule) another refusal or none.
    void everyRouteKeepsItsMethodAndRole_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("role");
        QTest::addColumn<QString>("why");
        const QString read = QStringLiteral("it may not read the cluster");
        const QString operate =
            QStringLiteral("the node role may not do this; it needs the operator role");
        const QString publish =
            QStringLiteral("the viewer role may not do this; it needs the operator role");
        const QString administer =
            QStringLiteral("the operator role may not do this; it needs the admin role");
        const QString ownNode = QStringLiteral("a node token may only act on its own node");
        const struct
        {
            const char *method;
            const char *path;
            const char *role;
            QString why;
        } routes[] = {
            {"GET", "/api/v1/status", "node", read},
            {"GET", "/api/v1/nodes", "node", read},
            {"GET", "/api/v1/nodes/n1", "node", read},
            {"POST", "/api/v1/nodes", "operator", administer},
            {"PUT", "/api/v1/nodes/n1", "operator", administer},
            {"PUT", "/api/v1/nodes/n1", "node", ownNode},
            {"DELETE", "/api/v1/nodes/n1", "operator", administer},
            {"DELETE", "/api/v1/nodes/n1", "node", ownNode},
            {"POST", "/api/v1/nodes/n1/weight", "node", operate},
            {"POST", "/api/v1/nodes/n1/drain", "node", operate},
            {"POST", "/api/v1/nodes/n1/maintenance", "node", operate},
            {"POST", "/api/v1/nodes/n1/ready", "node", operate},
            {"GET", "/api/v1/nodes/n1/history", "node", read},
            {"POST", "/api/v1/nodes/check", "node", operate},
            {"POST", "/api/v1/probe", "node", operate},
            {"POST", "/api/v1/balancing/pick", "node", read},
            {"POST", "/api/v1/balancing/simulate", "node", read},
            {"POST", "/api/v1/sync/events", "viewer", publish},
            {"POST", "/api/v1/sync/imports", "node", operate},
            {"GET", "/api/v1/sync/imports/i1", "node", operate},
            {"DELETE", "/api/v1/sync/imports/i1", "node", operate},
            {"GET", "/api/v1/daemons", "node", read},
            {"DELETE", "/api/v1/daemons/d1", "operator", administer},
            {"GET", "/api/v1/sync/stats", "node", read},
            {"GET", "/api/v1/sync/targets", "node", read},
            {"GET", "/api/v1/sync/targets/t1", "node", read},
            {"POST", "/api/v1/sync/targets/t1/pause", "node", operate},
            {"POST", "/api/v1/sync/targets/t1/resume", "node", operate},
            {"POST", "/api/v1/sync/targets/t1/enable", "node", operate},
            {"POST", "/api/v1/sync/targets/t1/disable", "node", operate},
            {"GET", "/api/v1/sync/queue", "node", read},
            {"GET", "/api/v1/sync/dead-letters", "node", read},
            {"GET", "/api/v1/sync/dead-letters/1/attempts", "node", read},
            {"POST", "/api/v1/sync/dead-letters/retry", "node", operate},
            {"POST", "/api/v1/sync/dead-letters/discard", "node", operate},
            {"POST", "/api/v1/sync/replay", "node", operate},
            {"POST", "/api/v1/sync/check", "node", operate},
            {"GET", "/api/v1/config", "node", read},
            {"POST", "/api/v1/config/check", "node", read},
            {"PUT", "/api/v1/config", "operator", administer},
            {"GET", "/api/v1/config/versions", "node", read},
            {"GET", "/api/v1/config/diff", "node", read},
            {"POST", "/api/v1/config/rollback", "operator", administer},
            {"GET", "/api/v1/audit", "node", read},
            {"GET", "/api/v1/audit/verify", "node", read},
            {"POST", "/api/v1/backups", "operator", administer},
            {"POST", "/api/v1/backups/verify", "operator", administer},
            {"POST", "/api/v1/backups/restore", "operator", administer},
            {"GET", "/api/v1/slo", "node", read},
            {"GET", "/api/v1/logs", "node", read},
            {"GET", "/api/v1/tokens", "operator", administer},
            {"POST", "/api/v1/tokens", "operator", administer},
            {"DELETE", "/api/v1/tokens/t1", "operator", administer},
            {"GET", "/api/v1/stream", "node", read},
            {"GET", "/metrics", "node", read},
        };
        for (const auto &r : routes)
            QTest::addRow("%s %s as %s", r.method, r.path, r.role)
                << QByteArray(r.method) << QString::fromLatin1(r.path)
                << QString::fromLatin1(r.role) << r.why;
    }

    void everyRouteKeepsItsMethodAndRole()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QString, role);
        QFETCH(QString, why);
        const ApiReply r =
            api(method, path, role, json({{QStringLiteral("id"), QStringLiteral("n-other")}}));
        QVERIFY2(r.status == 403, qPrintable(QStringLiteral("HTTP %1: %2")
                                                 .arg(r.status)
                                                 .arg(QString::fromUtf8(r.body.left(300)))));
        QVERIFY2(r.error().contains(why), qPrintable(r.error()));
    }

    void everyTokenMayAskWhoItIs()
    {
        const ApiReply r = api("GET", QStringLiteral("/api/v1/whoami"), QStringLiteral("node"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("node")].toString(), QStringLiteral("n-self"));
    }

    // A misspelled field of an event was refused as "event user id is empty" (walk26), and a
    // misspelled "data" would have queued the event without its data: the field is named, with
    // the one it looks like and what is missing, and nothing of the batch is queued.
    void misspelledEventFieldIsNamedAndNothingQueued()
    {
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("typo")));
        const QString typoConfig = m_dir.filePath(QStringLiteral("typo.json"));
        writeConfig(
            typoConfig,
            {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
             {QStringLiteral("targets"),
              QJsonArray{QJsonObject{
                  {QStringLiteral("name"), QStringLiteral("typo")},
                  {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                  {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}}}}}});
        const QString typoDb = m_dir.filePath(QStringLiteral("typo.db"));
        QFile tf(makeToken(typoDb, m_dir.path(), QStringLiteral("producer"),
                           QStringLiteral("operator")));
        QVERIFY(tf.open(QIODevice::ReadOnly));
        const QByteArray producer = tf.readAll();
        DaemonProcess daemon;
        QVERIFY(daemon.start(typoDb, typoConfig));
        const auto post = [&](const QJsonObject &body) {
            return apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"), producer,
                           json(body));
        };
        const auto event = [](const QString &user, const char *userField = "user_id",
                              const char *dataField = "data") {
            return QJsonObject{
                {QStringLiteral("type"), QStringLiteral("user.created")},
                {QString::fromLatin1(userField), user},
                {QString::fromLatin1(dataField),
                 QJsonObject{{QStringLiteral("email"), user + QStringLiteral("@jobfirst.cn")}}}};
        };
        ApiReply r = post(
            {{QStringLiteral("events"), QJsonArray{event(QStringLiteral("u-good")),
                                                   event(QStringLiteral("u-typo"), "user_idd")}}});
        QCOMPARE(r.status, 400);
        QVERIFY2(r.error().contains(QStringLiteral("item 1: event field \"user_idd\" (did you "
                                                   "mean \"user_id\"?) is not known; "
                                                   "\"user_id\" is missing")),
                 qPrintable(r.error()));
        QCOMPARE(r.json()[QStringLiteral("field")].toString(), QStringLiteral("events"));
        r = post({{QStringLiteral("events"),
                   QJsonArray{event(QStringLiteral("u-datta"), "user_id", "datta")}}});
        QCOMPARE(r.status, 400);
        QVERIFY2(r.error().contains(QStringLiteral("\"datta\" (did you mean \"data\"?)")),
                 qPrintable(r.error()));
        QVERIFY2(!r.error().contains(QStringLiteral("missing")), qPrintable(r.error()));
        // The request's own fields too: a misspelled "mode" would send a bulk load real-time.
        r = post({{QStringLiteral("events"), QJsonArray{event(QStringLiteral("u-mode"))}},
                  {QStringLiteral("mdoe"), QStringLiteral("bulk")}});
        QCOMPARE(r.status, 400);
        QVERIFY2(r.error().contains(QStringLiteral("field \"mdoe\" is not known")),
                 qPrintable(r.error()));
        QCOMPARE(r.json()[QStringLiteral("field")].toString(), QStringLiteral("mdoe"));
        // What a client sends back as the engine answered it (version, created_at) is taken.
        QJsonObject answered = event(QStringLiteral("u-after"));
        answered.insert(QStringLiteral("id"), QStringLiteral("ev-after"));
        answered.insert(QStringLiteral("version"), 7);
        answered.insert(QStringLiteral("created_at"), QStringLiteral("2026-12-01T09:00:00.000Z"));
        r = post({{QStringLiteral("events"), QJsonArray{answered}},
                  {QStringLiteral("mode"), QStringLiteral("real-time")}});
        QVERIFY2(r.status == 202, qPrintable(r.error()));
        // Only that one is delivered: nothing of the refused requests was queued.
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(
            apiCall(daemon.url(), "GET", QStringLiteral("/api/v1/sync/stats"), producer)
                .json()[QStringLiteral("queue_depth")]
                .toInt(),
            0, 10000);
        const QJsonObject stats =
            apiCall(daemon.url(), "GET", QStringLiteral("/api/v1/sync/stats"), producer)
                .json()
                .toObject();
        QCOMPARE(stats[QStringLiteral("total_sync_tasks")].toInt(), 1);
        QCOMPARE(target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1);
        QVERIFY(
            target.get(QStringLiteral("/records/u-after"))[QStringLiteral("version")].toInteger() >
            0);
        QCOMPARE(daemon.terminate(), 0);
    }

    void sigtermWithDeliveriesInFlightLosesNothing()
    {
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("slow"), 0, {QStringLiteral("--latency"), QStringLiteral("150")}));
        const QString syncConfig = m_dir.filePath(QStringLiteral("sync.json"));
        writeConfig(syncConfig,
                    {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                     {QStringLiteral("sync_workers"), 8},
                     {QStringLiteral("targets"),
                      QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("slow")},
                                             {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                                             {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}}}}}});
        const QString syncDb = m_dir.filePath(QStringLiteral("sync.db"));
        const QString token = makeToken(syncDb, m_dir.path(), QStringLiteral("producer"), QStringLiteral("operator"));
        QFile tf(token);
        QVERIFY(tf.open(QIODevice::ReadOnly));
        const QByteArray producer = tf.readAll();
        DaemonProcess daemon;
        QVERIFY(daemon.start(syncDb, syncConfig));
        QJsonArray events;
        for (int i = 0; i < 120; ++i)
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("ev-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
        const ApiReply accepted = apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"), producer,
                                          json({{QStringLiteral("events"), events}}));
        QCOMPARE(accepted.status, 202);
        QCOMPARE(accepted.json()[QStringLiteral("accepted")].toInt(), 120);
        // Stop while deliveries are in flight (each takes 150 ms at the target).
        QTRY_VERIFY_WITH_TIMEOUT(target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt() > 0, 10000);
        QCOMPARE(daemon.terminate(), 0);
        QVERIFY(daemon.logs().contains("jobfirstd stopped"));
        const int beforeRestart = target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt();
        QVERIFY2(beforeRestart < 120, "the stop came too late to test anything");
        // A new daemon on the same store delivers the rest: every accepted event arrives.
        QVERIFY(daemon.start(syncDb, syncConfig));
        QTRY_COMPARE_WITH_TIMEOUT(target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 120, 30000);
        for (int i = 0; i < 120; i += 17)
            QVERIFY(target.get(QStringLiteral("/records/u%1").arg(i))[QStringLiteral("version")].toInteger() > 0);
        QCOMPARE(target.get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(daemon.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
