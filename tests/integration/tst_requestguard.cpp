// SPDX-License-Identifier: GPL-3.0-or-later
// Malformed HTTP fed to a real jobfirstd over raw loopback sockets, as an operator's curl or a
// broken client sends it: each gets a 4xx naming what is wrong, in the API's JSON error shape,
// the connection ends, nothing changes, and the daemon keeps answering good requests.
#include "daemonprocess.h"
#include "rawhttp.h"
#include "remote/apitransport.h"
#include "scriptedserver.h"
#include "testcertificates.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

Q_DECLARE_METATYPE(ScriptedServer::Ending)

namespace {

/// What ApiTransport (jobfirstctl --server, the remote console) makes of one call to `server`.
jobfirst::Result<QJsonValue> transportCall(const QString &server, jobfirst::ApiRequest request,
                                           const QString &caFile = {})
{
    jobfirst::ApiTransport transport(
        jobfirst::RemoteOptions{QUrl(server), "not-a-known-token", caFile});
    std::optional<jobfirst::Result<QJsonValue>> result;
    transport.send(request, [&](const jobfirst::Result<QJsonValue> &r) { result = r; });
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 60000))
        return jobfirst::makeError(QStringLiteral("test.no_answer"), QStringLiteral("no answer"));
    return *result;
}

/// Raw connections that begin a TLS handshake and never end it: silent, half a ClientHello, or
/// plain HTTP sent to the HTTPS port.
struct StalledClients
{
    std::vector<std::unique_ptr<QTcpSocket>> silent, halfHello, plainHttp;

    /// Opens `each` of every kind, ten of a kind at a time: all at once, more than the kernel
    /// queues for accepting (50 with Qt) would wait for the server's SYN-ACK again, up to 31 s.
    void open(quint16 port, int each)
    {
        // A TLS record header announcing a 512-byte ClientHello, and its first bytes.
        const QByteArray half("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
        for (int i = 0; i < each; ++i) {
            silent.push_back(connected(port, {}));
            halfHello.push_back(connected(port, half));
            plainHttp.push_back(connected(port, "GET /api/v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n"));
            if (i % 10 == 9 || i == each - 1)
                (void)QTest::qWaitFor([&] { return connecting() == 0; }, 5000);
        }
    }
    static std::unique_ptr<QTcpSocket> connected(quint16 port, const QByteArray &first)
    {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, port);
        if (!first.isEmpty())
            socket->write(first); // sent once connected
        return socket;
    }
    static int open(const std::vector<std::unique_ptr<QTcpSocket>> &sockets)
    {
        return int(std::count_if(sockets.begin(), sockets.end(), [](const auto &s) {
            return s->state() == QAbstractSocket::ConnectedState;
        }));
    }
    int open() const { return open(silent) + open(halfHello) + open(plainHttp); }
    int connecting() const
    {
        int n = 0;
        for (const auto *kind : {&silent, &halfHello, &plainHttp})
            for (const auto &s : *kind)
                n += s->state() == QAbstractSocket::ConnectingState;
        return n;
    }
};

} // namespace

class TestRequestGuard final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    DaemonProcess m_daemon;
    QByteArray m_operator;
    QByteArray m_viewer;

    QString db() const { return m_dir.filePath(QStringLiteral("c.db")); }

    QJsonObject node(const QString &id)
    {
        return apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/nodes/") + id, m_viewer)
            .json()
            .toObject();
    }

    int auditEntries()
    {
        return apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/audit?limit=100000"),
                       m_viewer)
            .json()
            .toArray()
            .size();
    }

    /// Sends `request` on a new connection; answers what came back, and in `closed` whether
    /// the daemon then ended the connection (it does after a refusal, without waiting for more).
    RawAnswer refusedAnswer(const QByteArray &request, bool *closed)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_daemon.port());
        *closed = false;
        if (!socket.waitForConnected(5000))
            return {};
        socket.write(request);
        QByteArray received;
        connect(&socket, &QTcpSocket::readyRead, this, [&] { received += socket.readAll(); });
        *closed = QTest::qWaitFor(
            [&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 20000);
        received += socket.readAll();
        return takeAnswer(received);
    }

    /// How many refusals with `code` the daemon has logged so far.
    qsizetype refusalsLogged(const QString &code)
    {
        const QByteArray needle = "\"code\":\"" + code.toUtf8() + '"';
        qsizetype n = 0;
        for (const QByteArray &line : m_daemon.logs().split('\n'))
            n += line.contains("refused a request") && line.contains(needle);
        return n;
    }

    QByteArray withOperator(const QByteArray &head) const
    {
        return head + "Authorization: Bearer " + m_operator + "\r\n\r\n";
    }

private slots:
    void initTestCase()
    {
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        QVERIFY(writeNoTargetConfig(config));
        m_operator = readToken(
            makeToken(db(), m_dir.path(), QStringLiteral("op"), QStringLiteral("operator")));
        m_viewer =
            readToken(makeToken(db(), m_dir.path(), QStringLiteral("v"), QStringLiteral("viewer")));
        QByteArray admin =
            readToken(makeToken(db(), m_dir.path(), QStringLiteral("a"), QStringLiteral("admin")));
        QVERIFY(!m_operator.isEmpty() && !m_viewer.isEmpty() && !admin.isEmpty());
        QVERIFY(m_daemon.start(db(), config));
        const QByteArray body = R"({"id":"n1","url":"http://127.0.0.1:9"})";
        QCOMPARE(
            apiCall(m_daemon.url(), "POST", QStringLiteral("/api/v1/nodes"), admin, body).status,
            201);
    }

    void cleanupTestCase() { QCOMPARE(m_daemon.terminate(), 0); }

    void malformedRequestsAreAnsweredAndChangeNothing_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("names"); ///< what the error's text must name
        const QByteArray drain = "POST /api/v1/nodes/n1/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        QTest::newRow("garbage line") << QByteArray("HELLO\r\n\r\n") << 400 << "http.request_line"
                                      << "HELLO";
        QTest::newRow("method alone") << QByteArray("GET\r\n\r\n") << 400 << "http.request_line"
                                      << "METHOD TARGET HTTP/1.1";
        QTest::newRow("binary") << QByteArray("\x16\x03\x01\x02\x00\x01\xff\r\n\r\n", 11) << 400
                                << "http.request_line"
                                << "\\x16\\x03";
        QTest::newRow("negative length")
            << withOperator(drain + "Content-Length: -5\r\n") << 400 << "http.content_length"
            << "\"-5\"";
        QTest::newRow("length not a number")
            << withOperator(drain + "Content-Length: abc\r\n") << 400 << "http.content_length"
            << "\"abc\"";
        QTest::newRow("two lengths")
            << withOperator(drain + "Content-Length: 0\r\nContent-Length: 7\r\n") << 400
            << "http.content_length"
            << "0 and 7";
        QTest::newRow("chunked and length")
            << withOperator(drain + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n") << 400
            << "http.framing"
            << "Transfer-Encoding and Content-Length";
        QTest::newRow("bad chunk size")
            << withOperator(drain + "Transfer-Encoding: chunked\r\n") + "zz\r\nhello\r\n0\r\n\r\n"
            << 411 << "http.length_required"
            << "Content-Length";
        QTest::newRow("too large, before the body")
            << withOperator(drain + "Content-Length: 2097152\r\n") << 413 << "http.too_large"
            << "2097152";
        QTest::newRow("no host") << withOperator("POST /api/v1/nodes/n1/drain HTTP/1.1\r\n") << 400
                                 << "http.host"
                                 << "Host";
        QTest::newRow("folded header")
            << withOperator(drain + "X-A: 1\r\n  2\r\n") << 400 << "http.header"
            << "folded";
        QTest::newRow("header without a colon")
            << withOperator(drain + "Authorization Bearer " + m_operator + "\r\n") << 400
            << "http.header"
            << "header line 2 must be NAME: VALUE; it begins \"Authorization\"";
        QTest::newRow("endless headers")
            << drain + "X-Pad: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n"
            << 431 << "http.head_too_large"
            << "64 KiB";
        QTest::newRow("HTTP/2 over HTTP/1")
            << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 505 << "http.version"
            << "HTTP/2.0";
        QTest::newRow("headers never end") << drain + "X-Slow: 1\r\n"
                                           << 408 << "http.timeout"
                                           << "did not arrive";
    }

    void malformedRequestsAreAnsweredAndChangeNothing()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, names);
        const int audited = auditEntries();
        const qsizetype logged = refusalsLogged(code);
        bool closed = false;
        const RawAnswer answer = refusedAnswer(request, &closed);
        QCOMPARE(answer.status, status);
        QVERIFY2(closed, "the daemon left the connection open after its answer");
        QVERIFY2(answer.head.toLower().contains("connection: close"), answer.head.constData());
        QCOMPARE(answer.json.value(QStringLiteral("code")).toString(), code);
        const QString message = answer.json.value(QStringLiteral("error")).toString();
        QVERIFY2(message.contains(names), qPrintable(message));
        const QByteArray secret = m_operator.mid(8, 16); // random (its prefix is not)
        QVERIFY2(!message.toUtf8().contains(secret), "the answer quotes the token");
        // Nothing was done (the drain would have been audited), and the daemon still answers.
        QCOMPARE(node(QStringLiteral("n1")).value(QStringLiteral("admin_state")).toString(),
                 QStringLiteral("ready"));
        QCOMPARE(auditEntries(), audited);
        QCOMPARE(apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/whoami"), m_viewer).status,
                 200);
        // The operator finds it in the log, once, and never the token it carried.
        QTRY_COMPARE(refusalsLogged(code), logged + 1);
        QVERIFY2(!m_daemon.logs().contains(secret), "the log quotes the token");
    }

    void everyRequestOnAKeepAliveConnectionIsChecked()
    {
        RawConnection raw;
        QVERIFY(raw.open(m_daemon.port()));
        QTcpSocket &socket = raw.socket;
        QByteArray &received = raw.received;
        const QByteArray whoami = "GET /api/v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        // Two good requests, each sent in two pieces, answered on the same connection.
        for (int i = 0; i < 2; ++i) {
            const QByteArray request = withOperator(whoami);
            socket.write(request.left(10));
            socket.flush();
            socket.write(request.mid(10));
            RawAnswer good;
            // Not QTRY_VERIFY: it evaluates its condition once more after it held, and taking an
            // answer off `received` is not idempotent.
            QVERIFY(
                QTest::qWaitFor([&] { return (good = takeAnswer(received)).status != 0; }, 10000));
            QCOMPARE(good.status, 200);
        }
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
        // The third is refused, and is the connection's last.
        socket.write(withOperator("POST /api/v1/nodes/n1/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Length: abc\r\n"));
        RawAnswer bad;
        QVERIFY(QTest::qWaitFor([&] { return (bad = takeAnswer(received)).status != 0; }, 10000));
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("http.content_length"));
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(node(QStringLiteral("n1")).value(QStringLiteral("admin_state")).toString(),
                 QStringLiteral("ready"));
    }

    void aGoodRequestPipelinedBeforeABadOneIsAnsweredFirst()
    {
        RawConnection raw;
        QVERIFY(raw.open(m_daemon.port()));
        QTcpSocket &socket = raw.socket;
        QByteArray &received = raw.received;
        // Two good requests and a bad one, in one packet, as a pipelining client sends them.
        const QByteArray good = withOperator("GET /api/v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        const QByteArray getNode =
            withOperator("GET /api/v1/nodes/n1 HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        const QByteArray bad = withOperator("POST /api/v1/nodes/n1/drain HTTP/1.1\r\n"
                                            "Host: 127.0.0.1\r\nContent-Length: abc\r\n");
        socket.write(good + getNode + bad);
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 15000);
        received += socket.readAll();
        const RawAnswer first = takeAnswer(received);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json.value(QStringLiteral("role")).toString(), QStringLiteral("operator"));
        const RawAnswer second = takeAnswer(received);
        QCOMPARE(second.status, 200);
        QCOMPARE(second.json.value(QStringLiteral("id")).toString(), QStringLiteral("n1"));
        const RawAnswer third = takeAnswer(received);
        QCOMPARE(third.status, 400);
        QCOMPARE(third.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("http.content_length"));
        QVERIFY2(third.head.toLower().contains("connection: close"), third.head.constData());
        QVERIFY2(received.isEmpty(), received.constData()); // and nothing after the refusal
        QCOMPARE(node(QStringLiteral("n1")).value(QStringLiteral("admin_state")).toString(),
                 QStringLiteral("ready"));
    }

    void aRequestAnsweredAtOncePipelinedBeforeABadOneKeepsTheRefusal()
    {
        // whoami is answered inside the call that hands it to the server: the refusal behind
        // it must be ready by then.
        RawConnection raw;
        QVERIFY(raw.open(m_daemon.port()));
        raw.socket.write(withOperator("GET /api/v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n") +
                         withOperator("POST /api/v1/nodes/n1/drain HTTP/1.1\r\n"
                                      "Host: 127.0.0.1\r\nContent-Length: abc\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(raw.socket.state(), QAbstractSocket::UnconnectedState, 15000);
        raw.received += raw.socket.readAll();
        QCOMPARE(takeAnswer(raw.received).status, 200);
        const RawAnswer refusal = takeAnswer(raw.received);
        QCOMPARE(refusal.status, 400);
        QCOMPARE(refusal.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("http.content_length"));
    }

    void aBodyThatTricklesInIsTimedOut()
    {
        // Slowloris on the body: within its limit, one byte every 2 s. The body is due 10 s
        // after its headers (plus 1 s per 64 KiB announced).
        const qsizetype logged = refusalsLogged(QStringLiteral("http.body_timeout"));
        RawConnection raw;
        QVERIFY(raw.open(m_daemon.port()));
        QTcpSocket &socket = raw.socket;
        QByteArray &received = raw.received;
        socket.write(withOperator("POST /api/v1/nodes/n1/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Content-Type: application/json\r\nContent-Length: 1000\r\n"));
        int sent = 0;
        QTimer trickle;
        connect(&trickle, &QTimer::timeout, this, [&] {
            if (socket.state() == QAbstractSocket::ConnectedState && socket.write(" ") == 1)
                ++sent;
        });
        trickle.start(2000);
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 20000);
        trickle.stop();
        received += socket.readAll();
        const RawAnswer answer = takeAnswer(received);
        QCOMPARE(answer.status, 408);
        QVERIFY2(answer.head.toLower().contains("connection: close"), answer.head.constData());
        QCOMPARE(answer.json.value(QStringLiteral("code")).toString(),
                 QStringLiteral("http.body_timeout"));
        const QString message = answer.json.value(QStringLiteral("error")).toString();
        QVERIFY2(message.contains(QStringLiteral("did not arrive within 10")) &&
                     message.contains(QStringLiteral("of its 1000 bytes came")),
                 qPrintable(message));
        QVERIFY2(sent >= 3 && sent < 1000, qPrintable(QString::number(sent)));
        QCOMPARE(node(QStringLiteral("n1")).value(QStringLiteral("admin_state")).toString(),
                 QStringLiteral("ready"));
        QTRY_COMPARE(refusalsLogged(QStringLiteral("http.body_timeout")), logged + 1);
    }

    void theClientSaysWhatHappenedToTheConnection_data()
    {
        using Ending = ScriptedServer::Ending;
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<Ending>("ending");
        QTest::addColumn<qint64>("upload"); ///< bytes of body the client sends
        QTest::addColumn<QString>("says");  ///< a pattern of the message (%1: the server's URL)
        const QByteArray body =
            R"({"error":"the body is too large for this server","code":"http.too_large"})";
        const QByteArray refusal = "HTTP/1.1 413 Content Too Large\r\nContent-Type: "
                                   "application/json\r\nConnection: close\r\nContent-Length: " +
                                   QByteArray::number(body.size()) + "\r\n\r\n" + body;
        // Qt tells a reset from a close only when it meets the reset while writing: reading,
        // it says "closed".
        QTest::newRow("reset at once")
            << QByteArray() << Ending::ResetAtOnce << qint64(0)
            << "^cannot reach the engine at %1: (connection reset by the server|the server closed "
               "the connection without answering)$";
        QTest::newRow("closed after the request") << QByteArray() << Ending::Close << qint64(0)
                                                  << "^cannot reach the engine at %1: the server "
                                                     "closed the connection without answering$";
        QTest::newRow("no answer") << QByteArray() << Ending::Keep << qint64(0)
                                   << "^cannot reach the engine at %1: timed out after 1.5 s$";
        QTest::newRow("an answer, then a reset")
            << refusal << Ending::Reset << qint64(0) << "^the body is too large for this server$";
        QTest::newRow("half an answer, then a reset")
            << refusal.chopped(10) << Ending::Reset << qint64(0)
            << "^the engine at %1 answered HTTP 413, and the connection ended before the whole "
               "answer came$";
        QTest::newRow("an upload refused and reset")
            << refusal << Ending::Reset << qint64(8 * 1024 * 1024)
            << "^cannot reach the engine at %1: connection reset by the server while the request "
               "was sent \\(\\d+ of 8388608 bytes\\); it may have refused it$";
    }

    void theClientSaysWhatHappenedToTheConnection()
    {
        QFETCH(QByteArray, answer);
        QFETCH(ScriptedServer::Ending, ending);
        QFETCH(qint64, upload);
        QFETCH(QString, says);
        ScriptedServer server(answer, ending);
        const QString url = server.url(QString());
        jobfirst::ApiRequest request;
        request.method = "POST";
        request.path = QStringLiteral("/api/v1/sync/imports");
        request.body = QByteArray(upload, ' ');
        request.timeoutMs = 1500;
        const auto result = transportCall(url, request);
        QVERIFY(!result);
        const QRegularExpression expected(
            QString(says).replace(QStringLiteral("%1"), QRegularExpression::escape(url)));
        QVERIFY2(result.error().message.contains(expected), qPrintable(result.error().message));
    }

    void theClientSaysConnectionRefusedOnAStoppedPort()
    {
        QTcpServer stopped;
        QVERIFY(stopped.listen(QHostAddress::LocalHost));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(stopped.serverPort());
        stopped.close();
        const auto result = transportCall(url, {"GET", QStringLiteral("/api/v1/whoami")});
        QVERIFY(!result);
        QCOMPARE(result.error().code, QStringLiteral("remote.unreachable"));
        QCOMPARE(result.error().message,
                 QStringLiteral("cannot reach the engine at %1: connection refused").arg(url));
    }

    void tlsHandshakesThatNeverEndAreClosedAndStarveNoOne()
    {
        TestCertificates certs;
        QVERIFY(certs.make(m_dir.path()));
        const QString config = m_dir.filePath(QStringLiteral("tls.json"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(QJsonObject{{QStringLiteral("targets"), QJsonArray()},
                                          {QStringLiteral("api_tls_cert"), certs.serverCert()},
                                          {QStringLiteral("api_tls_key"), certs.serverKey()}})
                    .toJson());
        f.close();
        const QString tlsDb = m_dir.filePath(QStringLiteral("tls.db"));
        const QByteArray viewer = readToken(
            makeToken(tlsDb, m_dir.path(), QStringLiteral("tlsviewer"), QStringLiteral("viewer")));
        DaemonProcess tls;
        QVERIFY(tls.start(tlsDb, config));
        const QString url = tls.url(QStringLiteral("https"));

        // 201 connections that never finish a handshake (QSslServer 6.4 stopped accepting at
        // 30), then an operator's request: it is answered while they are all still open.
        StalledClients stalled;
        stalled.open(tls.port(), 67);
        QTRY_COMPARE_WITH_TIMEOUT(StalledClients::open(stalled.plainHttp), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(stalled.open(), 134, 10000);
        QCOMPARE(apiCall(url, "GET", QStringLiteral("/api/v1/whoami"), viewer, {}, certs.caCert())
                     .status,
                 200);
        QCOMPARE(StalledClients::open(stalled.silent) + StalledClients::open(stalled.halfHello),
                 134);

        // Each stalled handshake is closed after 10 s, and said once in the log with its peer.
        QTRY_COMPARE_WITH_TIMEOUT(stalled.open(), 0, 30000);
        const auto logged = [&](const QByteArray &what) {
            int n = 0;
            for (const QByteArray &line : tls.logs().split('\n'))
                n += line.contains(what) && line.contains("\"peer\":\"127.0.0.1\"");
            return n;
        };
        // The last lines may still be on their way through the daemon's pipe.
        QTRY_COMPARE_WITH_TIMEOUT(logged("its TLS handshake did not finish within 10 s"), 134, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(logged("its TLS handshake failed"), 67, 5000);

        // The client names a TLS failure as one: here the server's CA is not given.
        const auto untrusted = transportCall(url, {"GET", QStringLiteral("/api/v1/whoami")});
        QVERIFY(!untrusted);
        QVERIFY2(
            untrusted.error().message.startsWith(
                QStringLiteral("cannot reach the engine at %1: TLS handshake failed: ").arg(url)),
            qPrintable(untrusted.error().message));
        QCOMPARE(tls.terminate(), 0);
    }

    void anUploadOverItsLimitIsToldWhyWhileStillSending()
    {
        // jobfirstctl and the console send with Qt's HTTP client, which reads no answer before
        // its whole body is sent: the daemon's early 413 must outlast the upload, not end in a
        // reset. 600 MiB is over the 512 MiB an import takes; a sparse file costs no disk.
        QFile huge(m_dir.filePath(QStringLiteral("huge.jsonl")));
        QVERIFY(huge.open(QIODevice::WriteOnly) && huge.resize(600ll * 1024 * 1024));
        huge.close();
        const CtlRun run =
            runCtl({QStringLiteral("--server"), m_daemon.url(), QStringLiteral("--token-file"),
                    m_dir.filePath("op.token"), QStringLiteral("sync"), QStringLiteral("import"),
                    huge.fileName()});
        huge.remove();
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains("takes at most 536870912 bytes"), run.err.constData());
    }

    void aLargeBodyWithinItsRoutesLimitPasses()
    {
        // 2 MiB is over the 1 MiB most routes take, and well within what an import takes.
        QByteArray events;
        for (int i = 0; events.size() < 2 * 1024 * 1024; ++i)
            events +=
                "{\"type\":\"user.updated\",\"user_id\":\"u" + QByteArray::number(i) + "\"}\n";
        const ApiReply reply = apiCall(m_daemon.url(), "POST",
                                       QStringLiteral("/api/v1/sync/imports"), m_operator, events);
        QVERIFY2(reply.status == 202, reply.body.constData());
    }
};

QTEST_GUILESS_MAIN(TestRequestGuard)
#include "tst_requestguard.moc"
