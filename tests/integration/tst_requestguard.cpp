// SPDX-License-Identifier: GPL-3.0-or-later
// Malformed HTTP fed to a real jobfirstd over raw loopback sockets, as an operator's curl or a
// broken client sends it: each gets a 4xx naming what is wrong, in the API's JSON error shape,
// the connection ends, nothing changes, and the daemon keeps answering good requests.
#include "daemonprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

namespace {

/// One answer read off a raw connection.
struct RawAnswer
{
    int status = 0;
    QByteArray head;
    QJsonObject error;
};

/// Takes the first whole answer off `bytes` (empty status while it is not whole).
RawAnswer takeAnswer(QByteArray &bytes)
{
    RawAnswer a;
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    if (end < 0)
        return a;
    const QByteArray head = bytes.left(end);
    const qsizetype at = head.toLower().indexOf("content-length:");
    const qsizetype length =
        at < 0 ? 0 : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toLongLong();
    if (bytes.size() < end + 4 + length)
        return a;
    a.head = head;
    a.status = head.mid(9, 3).toInt();
    a.error = QJsonDocument::fromJson(bytes.mid(end + 4, length)).object();
    bytes.remove(0, end + 4 + length);
    return a;
}

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
        QCOMPARE(answer.error.value(QStringLiteral("code")).toString(), code);
        const QString message = answer.error.value(QStringLiteral("error")).toString();
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
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_daemon.port());
        QVERIFY(socket.waitForConnected(5000));
        QByteArray received;
        connect(&socket, &QTcpSocket::readyRead, this, [&] { received += socket.readAll(); });
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
        QCOMPARE(bad.error.value(QStringLiteral("code")).toString(),
                 QStringLiteral("http.content_length"));
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(node(QStringLiteral("n1")).value(QStringLiteral("admin_state")).toString(),
                 QStringLiteral("ready"));
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
