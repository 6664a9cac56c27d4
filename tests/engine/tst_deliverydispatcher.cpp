// SPDX-License-Identifier: GPL-3.0-or-later
// DeliveryDispatcher alone against a real jobfirst-nodesim receiver: what goes on the wire
// (body with versions, Standard Webhooks id and signature), and how requests come back.
#include "core/secrets.h"
#include "nodesimprocess.h"
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
};

QTEST_GUILESS_MAIN(TestDeliveryDispatcher)
#include "tst_deliverydispatcher.moc"
