// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API closes connections that hold a file descriptor for nothing (one that never
// sends a byte, a keep-alive connection idle after its answers, a TLS connection silent after
// its handshake) and never one still owed an answer: a live stream, a slow call, a client
// whose requests come within the idle time. A real AdminApiServer on a real engine in this
// process, with its timeouts shortened, and raw sockets on loopback.
#include "adminapiserver.h"
#include "api/localenginesession.h"
#include "daemonprocess.h"
#include "rawhttp.h"
#include "scriptedserver.h"
#include "testcertificates.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {
constexpr int FirstByteMs = 1000;
constexpr int IdleMs = 1500;
/// Longer than either time, for the server to have closed a connection it closes.
constexpr int CloseWithinMs = 10000;
} // namespace

class TestIdleConnections final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    std::unique_ptr<LocalEngineSession> m_engine;
    std::unique_ptr<AdminApiServer> m_api;
    QByteArray m_viewer;
    QByteArray m_admin;

    QString db() const { return m_dir.filePath(QStringLiteral("c.db")); }

    /// The API's options with the idle times shortened; TLS with the test's certificates.
    AdminApiOptions options(bool tls = false) const
    {
        AdminApiOptions o;
        o.timeouts.firstByteMs = FirstByteMs;
        o.timeouts.idleMs = IdleMs;
        if (tls) {
            o.tlsCert = m_certs.serverCert();
            o.tlsKey = m_certs.serverKey();
        }
        return o;
    }

    QByteArray get(const QByteArray &target) const
    {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
               m_viewer + "\r\n\r\n";
    }

    /// Sends `request` on `raw` and waits for its whole answer.
    static RawAnswer ask(RawConnection &raw, const QByteArray &request)
    {
        raw.socket.write(request);
        RawAnswer answer;
        // Not QTRY_VERIFY: taking an answer off `received` is not idempotent.
        (void)QTest::qWaitFor([&] { return (answer = takeAnswer(raw.received)).status != 0; },
                              20000);
        return answer;
    }

    static bool closedByServer(QAbstractSocket &socket)
    {
        return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; },
                               CloseWithinMs);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_certs.make(m_dir.path()), "openssl could not make the test certificates");
        m_viewer =
            readToken(makeToken(db(), m_dir.path(), QStringLiteral("v"), QStringLiteral("viewer")));
        m_admin =
            readToken(makeToken(db(), m_dir.path(), QStringLiteral("a"), QStringLiteral("admin")));
        QVERIFY(!m_viewer.isEmpty() && !m_admin.isEmpty());
        // Probes wait up to 4 s for a node's answer: longer than the idle time.
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"targets": [], "health_check_interval": "10s", "health_check_timeout": "4s"})");
        f.close();
        EngineOptions engine;
        engine.dbPath = db();
        engine.configPath = config;
        engine.refreshMs = 0; // snapshots only on a change: a stream is silent while it waits
        engine.deliver = false;
        engine.healthChecks = false;
        engine.watchConfig = false;
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("tst_idleconnections"));
        const Status started = m_engine->start(engine).result();
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().message));
        m_api = std::make_unique<AdminApiServer>(m_engine.get(), db());
        const Status listening = m_api->start(options());
        QVERIFY2(listening.ok(), listening.ok() ? "" : qPrintable(listening.error().message));
    }

    void cleanupTestCase()
    {
        m_api.reset();
        if (m_engine)
            m_engine->stop();
    }

    void aConnectionThatSendsNothingIsClosedQuietly()
    {
        RawConnection raw;
        QVERIFY(raw.open(m_api->port()));
        QVERIFY2(closedByServer(raw.socket), "a silent connection was kept open");
        QVERIFY2(raw.received.isEmpty(), raw.received.constData()); // no 408: it asked nothing
    }

    void aKeepAliveConnectionIdleAfterItsAnswerIsClosed()
    {
        RawConnection raw;
        QVERIFY(raw.open(m_api->port()));
        const RawAnswer answer = ask(raw, get("/api/v1/whoami"));
        QCOMPARE(answer.status, 200);
        QVERIFY2(!answer.head.toLower().contains("connection: close"), answer.head.constData());
        QVERIFY2(closedByServer(raw.socket), "an idle keep-alive connection was kept open");
        QVERIFY2(raw.received.isEmpty(), raw.received.constData());
    }

    void aClientAskingWithinTheIdleTimeKeepsItsConnection()
    {
        // Five requests, each half the idle time after the last answer: the connection lives
        // longer than the idle time several times over and serves them all.
        RawConnection raw;
        QVERIFY(raw.open(m_api->port()));
        for (int i = 0; i < 5; ++i) {
            QTest::qWait(IdleMs / 2); // the pause under test
            QCOMPARE(raw.socket.state(), QAbstractSocket::ConnectedState);
            QCOMPARE(ask(raw, get("/api/v1/whoami")).status, 200);
        }
        QCOMPARE(raw.socket.state(), QAbstractSocket::ConnectedState);
    }

    void aCallStillBeingAnsweredIsNotCut()
    {
        // A probe of a node that never answers takes the 4 s health_check_timeout, longer than
        // the idle time: its connection waits for the answer.
        ScriptedServer silentNode(QByteArray(), ScriptedServer::Ending::Keep);
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("url"), silentNode.url()}})
                .toJson(QJsonDocument::Compact);
        RawConnection raw;
        QVERIFY(raw.open(m_api->port()));
        const RawAnswer answer =
            ask(raw, "POST /api/v1/probe HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                         m_admin + "\r\nContent-Type: application/json\r\nContent-Length: " +
                         QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json.value(QStringLiteral("ok")).toBool(true), false);
        QVERIFY(silentNode.accepted() >= 1);
    }

    void aStreamIdleLongerThanTheIdleTimeStaysAndGetsEvents()
    {
        RawConnection raw;
        QVERIFY(raw.open(m_api->port()));
        raw.socket.write(get("/api/v1/stream"));
        QTRY_VERIFY_WITH_TIMEOUT(raw.received.contains(": stream open"), 10000);
        QCOMPARE(m_api->streamClients(), 1);
        // The client says nothing more, and the engine has nothing to tell it, for well over
        // the idle time (less than the stream's 5 s keep-alive comment).
        QTest::qWait(IdleMs * 5 / 2); // the silence under test
        QCOMPARE(raw.socket.state(), QAbstractSocket::ConnectedState);
        raw.received.clear();
        // A change: its snapshot reaches the stream.
        const QByteArray node = R"({"id":"streamed","url":"http://127.0.0.1:9"})";
        RawConnection change;
        QVERIFY(change.open(m_api->port()));
        QCOMPARE(
            ask(change, "POST /api/v1/nodes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                            m_admin + "\r\nContent-Type: application/json\r\nContent-Length: " +
                            QByteArray::number(node.size()) + "\r\n\r\n" + node)
                .status,
            201);
        QTRY_VERIFY_WITH_TIMEOUT(raw.received.contains("event: snapshot") &&
                                     raw.received.contains("\"streamed\""),
                                 10000);
        QCOMPARE(raw.socket.state(), QAbstractSocket::ConnectedState);
    }

    void aTlsConnectionSilentAfterItsHandshakeIsClosed()
    {
        AdminApiServer https(m_engine.get(), db());
        const Status listening = https.start(options(true));
        QVERIFY2(listening.ok(), listening.ok() ? "" : qPrintable(listening.error().message));
        QSslSocket socket;
        QSslConfiguration ssl = socket.sslConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromPath(m_certs.caCert()));
        socket.setSslConfiguration(ssl);
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), https.port());
        // Not waitForEncrypted(): the server's half of the handshake runs on this thread.
        QTRY_VERIFY_WITH_TIMEOUT(socket.isEncrypted(), 10000);
        QVERIFY2(closedByServer(socket), "a TLS connection silent after its handshake was kept");
        QCOMPARE(socket.bytesAvailable(), 0);
    }
};

QTEST_GUILESS_MAIN(TestIdleConnections)
#include "tst_idleconnections.moc"
