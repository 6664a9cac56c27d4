// SPDX-License-Identifier: GPL-3.0-or-later
// DeliveryDispatcher alone against a real jobfirst-nodesim receiver: what goes on the wire
// (body with versions, Standard Webhooks id and signature), and how requests come back.
// No outbox: nothing here depends on the store's backend, so it runs once.
#include "core/secrets.h"
#include "http/plainhttpclient.h"
#include "nodesimprocess.h"
#include "scriptedserver.h"
#include "sync/deliverydispatcher.h"
#include "sync/webhooksignature.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <atomic>

using namespace jobfirst;

namespace {

const QString Secret = generateSecret(); // made per run: no secret is written in the source

DeliveryFlight flight(const QStringList &users, qint64 firstVersion, bool single)
{
    DeliveryFlight f;
    f.target = QStringLiteral("t");
    f.single = single;
    qint64 v = firstVersion;
    for (const QString &u : users) {
        const QString id = QStringLiteral("evt-%1-%2").arg(u).arg(v);
        f.rows.push_back(DeliveryFlight::Row{v * 10, v, 0, 0, 1, u, id});
        f.events.emplace_back(v, QJsonDocument(QJsonObject{{QStringLiteral("id"), id},
                                                           {QStringLiteral("type"), QStringLiteral("user.updated")},
                                                           {QStringLiteral("user_id"), u},
                                                           {QStringLiteral("data"), QJsonObject{}}})
                                     .toJson(QJsonDocument::Compact));
        ++v;
    }
    return f;
}

/// The two ways a request goes: the plain-HTTP epoll client, or libcurl (the way https and
/// proxied targets go, chosen here by JOBFIRST_DELIVERY_HTTP=curl). Both keep one contract.
enum class Route { Plain, Curl };

const char *name(Route route)
{
    return route == Route::Plain ? "plain" : "libcurl";
}

/// A dispatcher sending by `route`.
std::unique_ptr<DeliveryDispatcher> dispatcherFor(Route route)
{
    if (route == Route::Curl)
        qputenv("JOBFIRST_DELIVERY_HTTP", "curl");
    auto d = std::make_unique<DeliveryDispatcher>(std::function<void()>{});
    qunsetenv("JOBFIRST_DELIVERY_HTTP");
    return d;
}

/// Sends one signed event to `url` by `route` and waits for how it ended.
HttpResult deliverOnce(Route route, const QString &url, long timeoutMs = 5000,
                       const QString &user = QStringLiteral("ann"))
{
    auto dispatcher = dispatcherFor(route);
    if (!dispatcher->sendsPlain(url.toUtf8(), nullptr) != (route == Route::Curl))
        qFatal("route %s not taken for %s", name(route), qPrintable(url));
    std::vector<DeliveryDispatcher::Job> jobs;
    jobs.push_back(
        {flight({user}, 5, true), url.toUtf8(), WebhookSignature::key(Secret), timeoutMs});
    dispatcher->send(std::move(jobs));
    DeliveryDispatcher::Finished done;
    if (!QTest::qWaitFor([&] { return dispatcher->takeFinished(done), done.size() == 1; },
                         int(timeoutMs) + 10000))
        qFatal("no result from %s", qPrintable(url));
    return done.front().second;
}

} // namespace

class TestDeliveryDispatcher final : public QObject
{
    Q_OBJECT

private slots:
    void signaturesMatchTheStandardWebhooksExample()
    {
        // The example of the Standard Webhooks specification, signed by an independent
        // implementation (openssl dgst -mac HMAC gives the same). Signed again after another
        // key and with the same key again: a thread keeps keyed contexts, which must not
        // carry anything of one signature into the next.
        const QByteArray id = "msg_p5jXN8AQM9LWM0D4loKWxJek", body = "{\"test\": 2432232314}";
        const QByteArray expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        const QByteArray key =
            WebhookSignature::key(QStringLiteral("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        QCOMPARE(WebhookSignature::signWithKey(key, id, 1614265330, body), expected);
        const QByteArray other = WebhookSignature::signWithKey("another key", id, 1614265330, body);
        QVERIFY(other != expected);
        QCOMPARE(WebhookSignature::signWithKey(key, id, 1614265330, body), expected);
        QCOMPARE(WebhookSignature::signWithKey("another key", id, 1614265330, body), other);
        QVERIFY(WebhookSignature::signWithKey(key, id, 1614265331, body) != expected);
        QVERIFY(WebhookSignature::signWithKey(QByteArray(), id, 1614265330, body) != expected);
    }

    void requestsCarryVersionsIdsAndAValidSignature()
    {
        const QByteArray key = WebhookSignature::key(Secret);
        DeliveryDispatcher::Job one{flight({QStringLiteral("ann")}, 7, true), "http://x/sync", key, 1000};
        const HttpPost p = DeliveryDispatcher::buildPost(one, 1, 1700000000);
        const QJsonObject body = QJsonDocument::fromJson(p.body).object();
        QCOMPARE(body[QStringLiteral("version")].toInt(), 7);
        QCOMPARE(body[QStringLiteral("user_id")].toString(), QStringLiteral("ann"));
        QVERIFY(p.headers.contains("webhook-id: evt-ann-7"));
        QVERIFY(p.headers.contains("webhook-timestamp: 1700000000"));
        const QByteArray signature = p.headers.last().mid(QByteArray("webhook-signature: ").size());
        QVERIFY(WebhookSignature::verify(Secret, "evt-ann-7", 1700000000, p.body, signature));
        QVERIFY(!WebhookSignature::verify(Secret, "evt-ann-7", 1700000001, p.body, signature));

        DeliveryDispatcher::Job batch{flight({QStringLiteral("bo"), QStringLiteral("cy")}, 20, false), "http://x/sync", {}, 1000};
        const HttpPost b = DeliveryDispatcher::buildPost(batch, 2, 1700000000);
        const QJsonArray events = QJsonDocument::fromJson(b.body).object()[QStringLiteral("events")].toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[1].toObject()[QStringLiteral("version")].toInt(), 21);
        QVERIFY(b.headers.contains("webhook-id: batch_200_2")); // first row id, events
        QCOMPARE(b.headers.size(), 2);                           // no key: not signed
    }

    void aReceiverAppliesWhatIsSentAndRefusesABadSignature()
    {
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        std::atomic<int> ready{0};
        DeliveryDispatcher dispatcher([&] { ++ready; });
        const QByteArray url = (sim.url() + QStringLiteral("/sync")).toUtf8();
        std::vector<DeliveryDispatcher::Job> jobs;
        jobs.push_back({flight({QStringLiteral("ann")}, 5, true), url, WebhookSignature::key(Secret), 2000});
        jobs.push_back({flight({QStringLiteral("bo"), QStringLiteral("cy")}, 8, false), url, WebhookSignature::key(Secret), 2000});
        jobs.push_back({flight({QStringLiteral("dee")}, 11, true), url, QByteArray("not the key"), 2000});
        dispatcher.send(std::move(jobs));
        QCOMPARE(dispatcher.load(), 3);
        DeliveryDispatcher::Finished done;
        QTRY_VERIFY_WITH_TIMEOUT((dispatcher.takeFinished(done), done.size() == 3), 10000);
        QCOMPARE(dispatcher.load(), 0);
        QHash<QString, int> status;
        for (const auto &[f, r] : done)
            status.insert(f.rows.front().user, r.status);
        QCOMPARE(status.value(QStringLiteral("ann")), 200);
        QCOMPARE(status.value(QStringLiteral("bo")), 200);
        QCOMPARE(status.value(QStringLiteral("dee")), 401);
        QCOMPARE(sim.get(QStringLiteral("/records/cy"))[QStringLiteral("version")].toInt(), 9);
        QCOMPARE(sim.get(QStringLiteral("/records/dee"))[QStringLiteral("version")].toInt(), 0);
        QVERIFY(ready.load() >= 1);
    }

    void anUnreachableTargetEndsWithATransportError()
    {
        DeliveryDispatcher dispatcher({});
        std::vector<DeliveryDispatcher::Job> jobs;
        jobs.push_back({flight({QStringLiteral("ann")}, 1, true), "http://127.0.0.1:1/sync", {}, 2000});
        dispatcher.send(std::move(jobs));
        DeliveryDispatcher::Finished done;
        QTRY_VERIFY_WITH_TIMEOUT((dispatcher.takeFinished(done), done.size() == 1), 10000);
        QCOMPARE(done.front().second.status, 0);
        QVERIFY(!done.front().second.error.isEmpty());
    }

    void plainTargetsGoThroughTheEpollClient()
    {
        DeliveryDispatcher d({});
        QVERIFY(d.sendsPlain("http://127.0.0.1:8080/sync", nullptr));
        QVERIFY(d.sendsPlain("http://[::1]:8080/sync", nullptr));
        QVERIFY(!d.sendsPlain("https://127.0.0.1:8443/sync", nullptr));
        QVERIFY(!d.sendsPlain("http://crm.internal/sync", nullptr)); // a name: libcurl resolves
        const HttpSecurity token{{}, {}, {}, false, "t0ken", {}};
        QVERIFY(!d.sendsPlain("http://127.0.0.1:8080/sync", &token));
        // A proxy variable sends everything through libcurl, which honours it.
        qputenv("http_proxy", "http://127.0.0.1:3128");
        DeliveryDispatcher proxied({});
        qunsetenv("http_proxy");
        QVERIFY(!proxied.sendsPlain("http://127.0.0.1:8080/sync", nullptr));
    }

    void bothRoutesDeliverSignedRequestsOverKeptConnections()
    {
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        for (Route route : {Route::Plain, Route::Curl}) {
            auto dispatcher = dispatcherFor(route);
            const QByteArray url = (sim.url() + QStringLiteral("/sync")).toUtf8();
            const QString user = QStringLiteral("u-%1").arg(name(route));
            for (int round = 0; round < 3; ++round) { // in order, one after the other
                std::vector<DeliveryDispatcher::Job> jobs;
                jobs.push_back({flight({user}, 10 + round, true), url,
                                WebhookSignature::key(Secret), 2000});
                dispatcher->send(std::move(jobs));
                DeliveryDispatcher::Finished done;
                QTRY_VERIFY_WITH_TIMEOUT((dispatcher->takeFinished(done), done.size() == 1),
                                         10000);
                QCOMPARE(done.front().second.status, 200); // the simulator checked the signature
                QVERIFY(done.front().second.error.isEmpty());
            }
            QCOMPARE(sim.get(QStringLiteral("/records/") + user)[QStringLiteral("version")].toInt(),
                     12);
        }
        // Six requests, and the simulator saw each of them once.
        QCOMPARE(sim.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 6);
    }

    void aServerErrorIsItsStatusWithRetryAfter()
    {
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        QVERIFY(sim.control({{QStringLiteral("status"), 503}, {QStringLiteral("retry_after"), 7}}));
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, sim.url() + QStringLiteral("/sync"));
            QCOMPARE(r.status, 503);
            QCOMPARE(r.retryAfterSeconds, qint64(7));
            QVERIFY(r.error.isEmpty());
        }
    }

    void aSilentTargetTimesOut()
    {
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        QVERIFY(sim.control({{QStringLiteral("hang"), true}}));
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, sim.url() + QStringLiteral("/sync"), 400);
            QCOMPARE(r.status, 0);
            QVERIFY(r.timedOut);
            QCOMPARE(r.error, QByteArray("timeout after 400 ms"));
            QVERIFY(r.durationMs >= 390);
        }
    }

    void aPeerClosingMidResponseIsAFailure()
    {
        // Says 100 bytes come, sends 3 and closes: nothing was acknowledged.
        ScriptedServer cut("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", true);
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, cut.url(QStringLiteral("/sync")));
            QCOMPARE(r.status, 0);
            QVERIFY(!r.timedOut);
            QVERIFY2(!r.error.isEmpty(), name(route));
            if (route == Route::Plain)
                QCOMPARE(r.error,
                         QByteArray("connection closed before the response was complete"));
        }
        // A close before any answer is a failure too, not a success.
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        QVERIFY(sim.control({{QStringLiteral("drop"), true}}));
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, sim.url() + QStringLiteral("/sync"));
            QCOMPARE(r.status, 0);
            QVERIFY2(!r.error.isEmpty(), name(route));
        }
    }

    void aMalformedResponseIsNamed()
    {
        ScriptedServer notHttp("SSH-2.0-OpenSSH_9.2\r\n", true);
        ScriptedServer badLength("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", true);
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, notHttp.url(QStringLiteral("/sync")));
            QCOMPARE(r.status, 0);
            QVERIFY2(!r.error.isEmpty(), name(route));
            const HttpResult l = deliverOnce(route, badLength.url(QStringLiteral("/sync")));
            QCOMPARE(l.status, 0);
            QVERIFY2(!l.error.isEmpty(), name(route));
            if (route == Route::Plain) {
                QCOMPARE(r.error, QByteArray("malformed status line"));
                QCOMPARE(l.error, QByteArray("malformed Content-Length"));
            }
        }
        QVERIFY(notHttp.requests().startsWith("POST /sync HTTP/1.1\r\nHost: 127.0.0.1:"));
    }

    void aBodyOverTheCapIsCutOff()
    {
        NodeSimProcess sim;
        sim.setSecret(Secret);
        QVERIFY(sim.start(QStringLiteral("d"), 0));
        QVERIFY(sim.control({{QStringLiteral("body_bytes"), 2 * 1024 * 1024}}));
        for (Route route : {Route::Plain, Route::Curl}) {
            const HttpResult r = deliverOnce(route, sim.url() + QStringLiteral("/sync"));
            QCOMPARE(r.status, 0);
            QVERIFY2(r.error.contains("response body larger than 1048576 bytes"),
                     r.error.constData());
        }
        // Under the cap it is an answer as any other.
        QVERIFY(sim.control({{QStringLiteral("body_bytes"), 600 * 1024}}));
        for (Route route : {Route::Plain, Route::Curl})
            QCOMPARE(deliverOnce(route, sim.url() + QStringLiteral("/sync"), 5000,
                                 QStringLiteral("bo"))
                         .status,
                     200);
    }

    void bothRoutesSendTheSameHeaders()
    {
        ScriptedServer sink("HTTP/1.1 204 No Content\r\n\r\n");
        QByteArray seen[2];
        for (Route route : {Route::Plain, Route::Curl}) {
            const qsizetype before = sink.requests().size();
            QCOMPARE(deliverOnce(route, sink.url(QStringLiteral("/sync?x=1"))).status, 204);
            QTRY_VERIFY(sink.requests().size() > before && sink.requests().endsWith("}"));
            seen[int(route)] = sink.requests().mid(before);
        }
        // The same header names in the same order; only the timestamp and signature may differ.
        const auto names = [](const QByteArray &request) {
            QList<QByteArray> out;
            const QByteArray head = request.left(request.indexOf("\r\n\r\n"));
            for (const QByteArray &line : head.split('\n'))
                out << line.left(line.indexOf(':')).trimmed().toLower();
            return out;
        };
        QCOMPARE(names(seen[0]), names(seen[1]));
        QVERIFY(seen[0].startsWith("POST /sync?x=1 HTTP/1.1\r\n"));
        QCOMPARE(seen[0].mid(seen[0].indexOf("\r\n\r\n")), seen[1].mid(seen[1].indexOf("\r\n\r\n")));
    }

    void bothRoutesSignTheIdTheySend_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addRow("ascii id") << QStringLiteral("ann");
        QTest::addRow("non-ascii id") << QStringLiteral("zo\u00eb-\u674e");
    }

    void bothRoutesSignTheIdTheySend()
    {
        // The plain route writes the id, timestamp and signature straight into its request
        // head: the id goes as UTF-8 and the signature verifies over it, as libcurl's does.
        QFETCH(QString, user);
        ScriptedServer sink("HTTP/1.1 204 No Content\r\n\r\n");
        for (Route route : {Route::Plain, Route::Curl}) {
            const qsizetype before = sink.requests().size();
            QCOMPARE(deliverOnce(route, sink.url(QStringLiteral("/sync")), 5000, user).status, 204);
            QTRY_VERIFY(sink.requests().size() > before && sink.requests().endsWith("}"));
            const QByteArray request = sink.requests().mid(before);
            const qsizetype end = request.indexOf("\r\n\r\n");
            const QByteArray body = request.mid(end + 4);
            QHash<QByteArray, QByteArray> headers;
            for (const QByteArray &line : request.left(end).split('\n')) {
                const qsizetype colon = line.indexOf(':');
                headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
            }
            const QByteArray id = QStringLiteral("evt-%1-5").arg(user).toUtf8();
            QCOMPARE(headers.value("webhook-id"), id);
            QCOMPARE(headers.value("content-length").toLongLong(), body.size());
            QVERIFY2(WebhookSignature::verify(Secret, id,
                                              headers.value("webhook-timestamp").toLongLong(), body,
                                              headers.value("webhook-signature")),
                     name(route));
        }
    }

    void aTricklingPeerIsCutOffByTheLowSpeedLimit()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("b")));
        QVERIFY(sim.control({{QStringLiteral("trickle_ms"), 300}}));
        PlainHttpClient client;
        PlainHttpClient::Endpoint e;
        QVERIFY(PlainHttpClient::endpoint((sim.url() + QStringLiteral("/health")).toUtf8(), e));
        PlainHttpClient::Request r;
        r.tag = 3;
        r.address = e.address;
        r.addressLength = e.addressLength;
        r.head = "GET /health HTTP/1.1\r\nHost: " + e.hostHeader + "\r\n\r\n";
        r.timeoutMs = 60000;
        r.lowSpeedSeconds = 1;
        client.submit(std::move(r));
        std::vector<HttpResult> done;
        QVERIFY(QTest::qWaitFor([&] { return client.poll(100, done), !done.empty(); }, 20000));
        QCOMPARE(done.front().tag, std::uint64_t(3));
        QCOMPARE(done.front().status, 0);
        QVERIFY(done.front().timedOut);
        QVERIFY2(done.front().error.startsWith("too slow: fewer than 16 bytes/s"),
                 done.front().error.constData());
        QCOMPARE(client.openConnections(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDeliveryDispatcher)
#include "tst_deliverydispatcher.moc"
