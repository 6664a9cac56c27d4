// SPDX-License-Identifier: GPL-3.0-or-later
// Plain-HTTP health checks over kept connections: the response parser on the byte streams
// servers send, and the client against a real node simulator and real sockets that misbehave.
#include "http/httpresponseparser.h"
#include "cluster/plaincheckclient.h"
#include "nodesimprocess.h"
#include "scriptedserver.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <mutex>

using namespace jobfirst;

namespace {

using State = HttpResponseParser::State;

/// Feeds a whole response, one byte at a time when asked (as a slow network delivers it).
State parse(HttpResponseParser &p, const QByteArray &bytes, bool byteByByte = false)
{
    if (!byteByByte)
        return p.feed(bytes.constData(), bytes.size());
    State s = State::NeedMore;
    for (char c : bytes)
        s = p.feed(&c, 1);
    return s;
}

/// Collects the results the client hands over on its own thread.
class Results
{
public:
    PlainCheckClient::Done sink()
    {
        return [this](std::vector<HttpResult> &&results) {
            std::lock_guard lock(m_mutex);
            for (HttpResult &r : results)
                m_results.push_back(std::move(r));
        };
    }
    std::size_t size()
    {
        std::lock_guard lock(m_mutex);
        return m_results.size();
    }
    HttpResult at(std::size_t i)
    {
        std::lock_guard lock(m_mutex);
        return m_results.at(i);
    }

private:
    std::mutex m_mutex;
    std::vector<HttpResult> m_results;
};

PlainCheckClient::Request request(const QString &url, std::uint64_t tag, long timeoutMs = 2000)
{
    PlainCheckClient::Request r;
    if (!PlainCheckClient::prepare(url.toLatin1(), r))
        qFatal("not a plain URL: %s", qPrintable(url));
    r.tag = tag;
    r.timeoutMs = timeoutMs;
    return r;
}

} // namespace

class TestPlainCheckClient final : public QObject
{
    Q_OBJECT

private slots:
    void parsesResponses_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("reusable");
        QTest::newRow("content-length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << 200
            << QByteArray("ok") << true;
        QTest::newRow("chunked, extensions, trailers")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3;x=y\r\n{\"s\r\n9\r\ntatus\":1}\r\n0\r\nX-Trailer: 1\r\n\r\n")
            << 200 << QByteArray("{\"status\":1}") << true;
        QTest::newRow("connection close")
            << QByteArray("HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            << 503 << QByteArray() << false;
        QTest::newRow("1.0 keep-alive")
            << QByteArray("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx")
            << 200 << QByteArray("x") << true;
        QTest::newRow("100 continue first")
            << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") << 204
            << QByteArray() << true;
    }
    void parsesResponses()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, reusable);
        for (const bool byteByByte : {false, true}) {
            HttpResponseParser p(1024, 4096);
            QCOMPARE(parse(p, bytes, byteByByte), State::Done);
            QCOMPARE(p.status(), status);
            QCOMPARE(p.body(), body);
            QCOMPARE(p.reusable(), reusable);
        }
    }

    void readsTheHeadersItUsesInAnyCase_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("reusable");
        QTest::addColumn<qint64>("retryAfter");
        QTest::newRow("names and values in other cases, spaces around them")
            << QByteArray("HTTP/1.1 429 Slow Down\r\nCONTENT-length :  2 \r\n"
                          "retry-AFTER:\t7\r\nConnection: Keep-Alive, CLOSE\r\n\r\nno")
            << QByteArray("no") << false << qint64(7);
        QTest::newRow("chunked in upper case, after another coding")
            << QByteArray("HTTP/1.1 503 Busy\r\nTransfer-Encoding: gzip, CHUNKED\r\n"
                          "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n\r\n"
                          "2\r\nab\r\n0\r\n\r\n")
            << QByteArray("ab") << true << qint64(-1);
        QTest::newRow("look-alike names are not read")
            << QByteArray("HTTP/1.0 200 OK\r\nContent-Lengths: 9\r\nX-Connection: keep-alive\r\n"
                          "Retry-Afterx: 5\r\nConnection: keep-alive\r\nContent-Length: 1\r\n"
                          "\r\nx")
            << QByteArray("x") << true << qint64(-1);
        QTest::newRow("a line without a colon is passed over")
            << QByteArray("HTTP/1.1 200 OK\r\nnonsense\r\nContent-Length: 0\r\n\r\n")
            << QByteArray() << true << qint64(-1);
    }
    void readsTheHeadersItUsesInAnyCase()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, body);
        QFETCH(bool, reusable);
        QFETCH(qint64, retryAfter);
        for (const bool byteByByte : {false, true}) {
            HttpResponseParser p(1024, 4096);
            QCOMPARE(parse(p, bytes, byteByByte), State::Done);
            QCOMPARE(p.body(), body);
            QCOMPARE(p.reusable(), reusable);
            QCOMPARE(p.retryAfterSeconds(), retryAfter);
        }
    }

    void bodyUntilCloseEndsWithTheConnection()
    {
        HttpResponseParser p(1024, 4096);
        QCOMPARE(parse(p, "HTTP/1.0 200 OK\r\n\r\nall of it"), State::NeedMore);
        QCOMPARE(p.closed(), State::Done);
        QCOMPARE(p.body(), QByteArray("all of it"));
        QVERIFY(!p.reusable());
    }

    void keepsOnlyTheStartOfTheBody()
    {
        HttpResponseParser p(4, 4096);
        QCOMPARE(parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"), State::Done);
        QCOMPARE(p.body(), QByteArray("0123"));
        QCOMPARE(p.bodyBytes(), qint64(10));
    }

    void refusesWhatIsWrong_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("error");
        QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n")
                                  << QByteArray("malformed status line");
        QTest::newRow("status not three digits")
            << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n") << QByteArray("malformed status line");
        QTest::newRow("status below 100")
            << QByteArray("HTTP/1.1 099 Low\r\n\r\n") << QByteArray("malformed status line");
        QTest::newRow("signed status")
            << QByteArray("HTTP/1.1 +20 OK\r\n\r\n") << QByteArray("malformed status line");
        QTest::newRow("bad length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n")
                                    << QByteArray("malformed Content-Length");
        QTest::newRow("too long") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n")
                                  << QByteArray(
                                         "response body larger than 4096 bytes: stopped reading");
        QTest::newRow("too long, chunked")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n") +
                   QByteArray(4096, 'x') + "\r\n1\r\nx\r\n"
            << QByteArray("response body larger than 4096 bytes: stopped reading");
        QTest::newRow("bad chunk")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            << QByteArray("malformed chunked body: bad chunk size");
        QTest::newRow("endless headers")
            << QByteArray("HTTP/1.1 200 OK\r\nX: ") + QByteArray(70000, 'a')
            << QByteArray("response headers larger than 65536 bytes");
    }
    void refusesWhatIsWrong()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, error);
        HttpResponseParser p(1024, 4096);
        QCOMPARE(parse(p, bytes), State::Failed);
        QCOMPARE(p.error(), error);
    }

    void truncatedResponseFails()
    {
        HttpResponseParser p(1024, 4096);
        QCOMPARE(parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), State::NeedMore);
        QCOMPARE(p.closed(), State::Failed);
        QCOMPARE(p.error(), QByteArray("connection closed before the response was complete"));
    }

    void onlyPlainUrlsWithAddressesArePrepared()
    {
        PlainCheckClient::Request r;
        QVERIFY(PlainCheckClient::prepare("http://127.0.0.1:8080/health?deep=1", r));
        QCOMPARE(r.hostHeader, QByteArray("127.0.0.1:8080"));
        QCOMPARE(r.target, QByteArray("/health?deep=1"));
        QVERIFY(PlainCheckClient::prepare("http://[::1]:81", r));
        QCOMPARE(r.target, QByteArray("/"));
        QVERIFY(!PlainCheckClient::prepare("https://127.0.0.1/health", r));
        QVERIFY(!PlainCheckClient::prepare("http://node-a.internal/health", r));
        QVERIFY(!PlainCheckClient::prepare("http://user:pw@127.0.0.1/health", r));
    }

    void checksANodeOverOneKeptConnection()
    {
        NodeSimProcess node;
        QVERIFY(node.start(QStringLiteral("a")));
        Results results;
        PlainCheckClient client(results.sink());
        for (std::uint64_t tag = 1; tag <= 3; ++tag) {
            client.submit(request(node.url() + QStringLiteral("/health"), tag));
            QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(tag), 5000);
            const HttpResult r = results.at(tag - 1);
            QCOMPARE(r.tag, tag);
            QCOMPARE(r.status, 200);
            QVERIFY2(r.bodyHead.contains("\"ok\""), r.bodyHead.constData());
            QCOMPARE(client.openConnections(), 1); // the same connection each time
        }
        QCOMPARE(node.get(QStringLiteral("/stats")).value(QStringLiteral("health_checks")).toInt(),
                 3);
    }

    void badStatusIsReported()
    {
        NodeSimProcess node;
        QVERIFY(node.start(QStringLiteral("a")));
        QVERIFY(node.control(QJsonObject{{QStringLiteral("status"), 503}}));
        Results results;
        PlainCheckClient client(results.sink());
        client.submit(request(node.url() + QStringLiteral("/health"), 1));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(1), 5000);
        QCOMPARE(results.at(0).status, 503);
    }

    void refusedConnectionIsSaid()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        } // closed: nothing listens there now
        Results results;
        PlainCheckClient client(results.sink());
        client.submit(request(QStringLiteral("http://127.0.0.1:%1/health").arg(port), 9));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(1), 5000);
        const HttpResult r = results.at(0);
        QVERIFY(r.refused);
        QCOMPARE(r.status, 0);
        QCOMPARE(r.error, QByteArray("Connection refused"));
        QCOMPARE(client.openConnections(), 0);
    }

    void silentNodeTimesOut()
    {
        ScriptedServer silent({}); // accepts, reads, never answers
        Results results;
        PlainCheckClient client(results.sink());
        client.submit(request(silent.url(), 4, 300));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(1), 5000);
        const HttpResult r = results.at(0);
        QVERIFY(r.timedOut);
        QCOMPARE(r.error, QByteArray("timeout after 300 ms"));
        QVERIFY(r.durationMs >= 300);
        QCOMPARE(client.openConnections(), 0); // a timed-out connection is not kept
        QVERIFY(silent.requests().startsWith("GET /health HTTP/1.1\r\nHost: 127.0.0.1:"));
    }

    void requestsInFlightTogetherEachEndOnTheirOwn()
    {
        // Requests end in another order than they began (answers, then timeouts): each one
        // that ends leaves the others in flight, and the answered ones' connections are kept.
        ScriptedServer silent({});
        ScriptedServer node("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        Results results;
        PlainCheckClient client(results.sink());
        // The last one begun ends first of the silent ones: taken from the middle of the
        // requests in flight once the answered ones ended.
        const QHash<std::uint64_t, long> silentTimeouts{{1, 900}, {3, 600}, {5, 300}};
        client.submit(request(silent.url(), 1, 900));
        client.submit(request(node.url(), 2));
        client.submit(request(silent.url(), 3, 600));
        client.submit(request(node.url(), 4));
        client.submit(request(silent.url(), 5, 300));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(5), 5000);
        QSet<std::uint64_t> tags;
        for (std::size_t i = 0; i < 5; ++i) {
            const HttpResult r = results.at(i);
            tags.insert(r.tag);
            if (silentTimeouts.contains(r.tag)) {
                QVERIFY(r.timedOut);
                QCOMPARE(r.error,
                         "timeout after " + QByteArray::number(silentTimeouts[r.tag]) + " ms");
            } else {
                QCOMPARE(r.status, 200);
                QCOMPARE(r.bodyHead, QByteArray("ok"));
            }
        }
        QCOMPARE(tags, (QSet<std::uint64_t>{1, 2, 3, 4, 5}));
        QCOMPARE(client.openConnections(), 2); // the node's two, kept; the silent ones closed
        client.submit(request(node.url(), 6)); // on a kept one
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(6), 5000);
        QCOMPARE(results.at(5).status, 200);
        QCOMPARE(node.accepted(), 2);
    }

    void connectionTheNodeClosedIsReplaced()
    {
        ScriptedServer node("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        Results results;
        PlainCheckClient client(results.sink());
        client.submit(request(node.url(), 1));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(1), 5000);
        QCOMPARE(client.openConnections(), 1);
        node.closeAll(); // an idle timeout on the node's side
        QTRY_COMPARE_WITH_TIMEOUT(client.openConnections(), 0, 5000);
        client.submit(request(node.url(), 2));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(2), 5000);
        QCOMPARE(results.at(1).status, 200);
        QCOMPARE(node.accepted(), 2);
    }

    void connectionCloseIsHonoured()
    {
        ScriptedServer node("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                            true);
        Results results;
        PlainCheckClient client(results.sink());
        for (std::uint64_t tag = 1; tag <= 2; ++tag) {
            client.submit(request(node.url(), tag));
            QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(tag), 5000);
            QCOMPARE(results.at(tag - 1).status, 200);
        }
        QCOMPARE(node.accepted(), 2);
        QCOMPARE(client.openConnections(), 0);
    }

    void oversizedAnswerIsCutOff()
    {
        ScriptedServer node("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" +
                            QByteArray(100000, 'x'));
        Results results;
        PlainCheckClient client(results.sink());
        client.submit(request(node.url(), 1));
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), std::size_t(1), 5000);
        const HttpResult r = results.at(0);
        QCOMPARE(r.status, 0);
        QCOMPARE(r.error, QByteArray("response body larger than 65536 bytes: stopped reading"));
        QCOMPARE(client.openConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPlainCheckClient)
#include "tst_plaincheckclient.moc"
