// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's JSON: what the admin API answers and the remote session reads back must be
// the same values, and bad JSON names the field.
#include "api/codec.h"
#include "api/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <cmath>

using namespace jobfirst;

class TestCodec final : public QObject
{
    Q_OBJECT

    static NodeStatus sampleNode()
    {
        NodeStatus n;
        n.spec = NodeSpec{QStringLiteral("n-1"), QStringLiteral("https://10.0.0.5:8443"), QStringLiteral("/healthz"), 7,
                          {QStringLiteral("eu"), QStringLiteral("blue \"quoted\"\n")}, AdminState::Drain};
        // The TLS settings travel too: a remote console must not drop them on an edit.
        n.spec.caFile = QStringLiteral("/etc/jobfirst/ca.pem");
        n.spec.clientCert = QStringLiteral("/etc/jobfirst/client.pem");
        n.spec.clientKey = QStringLiteral("/etc/jobfirst/client.key");
        n.spec.tlsInsecure = true;
        n.spec.tokenFile = QStringLiteral("/etc/jobfirst/node.token");
        n.health = HealthState::Down;
        n.effectiveWeight = 3;
        n.eligible = false;
        n.activeConnections = 12;
        n.responseTimeMs = std::numeric_limits<double>::quiet_NaN();
        n.successRate = 97.25;
        n.requests = 123456789012;
        n.failures = 42;
        n.lastCheckAt = 1764300000123;
        n.lastCheckResult = QStringLiteral("connection refused — 拒绝");
        n.lastChangeAt = 1764299999000;
        n.stalledWhileDownMs = 30250; // a remote console's countdown waits for it too
        n.consecutiveOk = 0;
        n.consecutiveFail = 3;
        return n;
    }

    template <typename T>
    static T roundTrip(const T &value)
    {
        const QByteArray json = QJsonDocument(codec::encode(value)).toJson(QJsonDocument::Compact);
        auto back = codec::decode<T>(QJsonDocument::fromJson(json).object());
        if (!back)
            qWarning("decode failed: %s", qPrintable(back.error().message));
        return back.value();
    }

private slots:
    void nodesSurviveTheTrip()
    {
        const NodeStatus n = sampleNode();
        const NodeStatus back = roundTrip(n);
        QCOMPARE(back.spec, n.spec);
        QCOMPARE(back.health, n.health);
        QVERIFY(std::isnan(back.responseTimeMs)); // "no latency" stays no latency
        QCOMPARE(back.successRate, n.successRate);
        QCOMPARE(back.requests, n.requests);
        QCOMPARE(back.lastCheckAt, n.lastCheckAt);
        QCOMPARE(back.lastCheckResult, n.lastCheckResult);
        QCOMPARE(back.lastChangeAt, n.lastChangeAt);
        QCOMPARE(back.stalledWhileDownMs, n.stalledWhileDownMs);
        QCOMPARE(back.consecutiveFail, n.consecutiveFail);
    }

    void theFastNodeJsonIsTheSameJson()
    {
        NodeStatus n = sampleNode();
        QCOMPARE(QJsonDocument::fromJson(codec::nodeJson(n)).object(), codec::encode(n));
        n.responseTimeMs = 1.0 / 3.0;
        n.health = HealthState::Up;
        n.spec.tags = {QStringLiteral("ctrl\x01\x1f")};
        QCOMPARE(QJsonDocument::fromJson(codec::nodeJson(n)).object(), codec::encode(n));
    }

    void snapshotsSurviveTheTrip()
    {
        EngineSnapshot s;
        s.at = 1764300000000;
        s.cluster.clusterId = QStringLiteral("c1");
        s.cluster.totalNodes = 1;
        s.nodes = {sampleNode()};
        TargetStatus t;
        t.name = QStringLiteral("user-service");
        t.circuit = CircuitState::HalfOpen;
        t.backlog = 5;
        t.lastErrorAt = 1764300000999;
        t.nextProbeAt = 1764300004000;
        s.sync.targets = {t};
        s.sync.queueDepth = 5;
        s.healthEvents = {HealthEvent{9, QStringLiteral("n-1"), 1764300000001, HealthState::Up, HealthState::Down, QStringLiteral("timeout"), 2000}};
        s.alerts = {Alert{1764300000002, Alert::Severity::Critical, QStringLiteral("node.failed"), QStringLiteral("n-1"), QStringLiteral("gone")}};
        s.alerts.first().id = 7;
        s.alerts.first().lastAt = 1764300000500;
        s.alerts.first().count = 3;
        s.alerts.first().resolvedAt = 1764300000900;
        s.openAlerts = {Alert{1764300000003, Alert::Severity::Warning,
                              QStringLiteral("circuit.open"), QStringLiteral("t"), QString()},
                        Alert{1764300000004, Alert::Severity::Warning, QStringLiteral("config"),
                              QStringLiteral("c.json"), QStringLiteral("not valid JSON")}};
        s.openAlerts.last().code = QStringLiteral("config.syntax");
        s.maxNodes = 10;
        s.strategy = QStringLiteral("ip-hash");
        const EngineSnapshot back = roundTrip(s);
        QCOMPARE(back.at, s.at);
        QCOMPARE(back.nodes.size(), 1);
        QCOMPARE(back.sync.targets.first().circuit, CircuitState::HalfOpen);
        QCOMPARE(back.sync.targets.first().lastErrorAt, t.lastErrorAt);
        QCOMPARE(back.sync.targets.first().nextProbeAt, t.nextProbeAt);
        QCOMPARE(back.healthEvents.first().to, HealthState::Down);
        QCOMPARE(back.alerts.first().severity, Alert::Severity::Critical);
        QCOMPARE(back.alerts.first().id, 7);
        QCOMPARE(back.alerts.first().lastAt, 1764300000500);
        QCOMPARE(back.alerts.first().count, 3);
        QCOMPARE(back.alerts.first().resolvedAt, 1764300000900);
        QCOMPARE(back.openAlerts.size(), 2);
        QCOMPARE(back.openAlerts.first().kind, QStringLiteral("circuit.open"));
        QCOMPARE(back.openAlerts.first().code, QString());
        QCOMPARE(back.openAlerts.last().code, QStringLiteral("config.syntax"));
        QVERIFY(!back.openAlerts.first().resolved());
        QCOMPARE(back.strategy, s.strategy);
    }

    void daemonsKnownByTheirLeaseHaveNoCounts()
    {
        DaemonStatus d;
        d.id = QStringLiteral("host:42:abc");
        d.heartbeatAt = 1764300000123;
        d.heartbeatAgeMs = 2500;
        d.fromLease = true;
        // Unknown is null, not 0: the counts are the other process's own.
        const QJsonObject json = codec::encode(d);
        QVERIFY(json.value(QStringLiteral("delivered")).isNull());
        QVERIFY(json.value(QStringLiteral("deliveries_per_second")).isNull());
        const DaemonStatus back = roundTrip(d);
        QVERIFY(back.fromLease);
        QCOMPARE(back.id, d.id);
        QCOMPARE(back.heartbeatAt, d.heartbeatAt);
        QCOMPARE(back.heartbeatAgeMs, d.heartbeatAgeMs);
        QCOMPARE(back.deliveriesPerSecond, 0.0);
        // A daemon that reports its own counts keeps them.
        d.fromLease = false;
        d.delivered = 12;
        d.deliveriesPerSecond = 3;
        QCOMPARE(codec::encode(d).value(QStringLiteral("delivered")).toInteger(), 12);
        QVERIFY(!roundTrip(d).fromLease);
        QCOMPARE(roundTrip(d).deliveriesPerSecond, 3.0);
    }

    // A SIGKILLed daemon's row keeps the rate of its last heartbeat: once the heartbeat is
    // older than a live daemon's (RateFreshMs, long before it is late) that rate is not a
    // current one, so it goes out as unknown (null), not as live.
    void silentDaemonsHaveNoCurrentRate()
    {
        DaemonStatus d;
        d.id = QStringLiteral("host:42:abc");
        d.delivered = 7324;
        d.deliveriesPerSecond = 116;
        d.heartbeatAgeMs = DaemonStatus::RateFreshMs;
        QCOMPARE(codec::encode(d).value(QStringLiteral("deliveries_per_second")).toDouble(), 116.0);
        d.heartbeatAgeMs = DaemonStatus::RateFreshMs + 1;
        QVERIFY(!d.late()); // still live: its row is not late yet, but its rate is not current
        QJsonObject json = codec::encode(d);
        QCOMPARE(json.value(QStringLiteral("state")).toString(), QStringLiteral("live"));
        QVERIFY(json.value(QStringLiteral("deliveries_per_second")).isNull());
        QCOMPARE(json.value(QStringLiteral("delivered")).toInteger(), 7324); // a count, still true
        DaemonStatus back = roundTrip(d);
        QVERIFY(!back.rateKnown());
        QCOMPARE(back.deliveriesPerSecond, 0.0);
        d.heartbeatAgeMs = DaemonStatus::LateMs + 1;
        QVERIFY(d.late());
        json = codec::encode(d);
        QVERIFY(json.value(QStringLiteral("deliveries_per_second")).isNull());
        back = roundTrip(d);
        QVERIFY(!back.rateKnown());
    }

    // A remote console says over what span a node's day availability was measured.
    void aDaemonCountNotKnownSaysSo()
    {
        // The store away: the engine counts itself alone, and says the count is not known,
        // so a console does not take it for one daemon left.
        SyncStats s;
        s.liveDaemons = 1;
        s.liveDaemonsKnown = false;
        QVERIFY(!roundTrip(s).liveDaemonsKnown);
        s.liveDaemonsKnown = true;
        QVERIFY(roundTrip(s).liveDaemonsKnown);
        // An engine from before live_daemons_known: its count is known.
        QJsonObject older = codec::encode(s);
        older.remove(QStringLiteral("live_daemons_known"));
        const auto back = codec::decode<SyncStats>(older);
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QVERIFY(back->liveDaemonsKnown);
    }

    void nodeAvailabilityKeepsItsObservedSpan()
    {
        SloReport r;
        r.at = 1764300000000;
        r.nodes << NodeAvailability{QStringLiteral("n1"), 100, 99.5, 99.9, 3 * 3600000};
        SloFigure month;
        month.key = QStringLiteral("availability_30d");
        month.windowMs = 30LL * 86400000;
        month.observedMs = 3 * 3600000;
        r.figures << month;
        const SloReport back = roundTrip(r);
        QCOMPARE(back.nodes.size(), 1);
        QCOMPARE(back.nodes.first().day, 99.5);
        QCOMPARE(back.nodes.first().dayObservedMs, qint64(3 * 3600000));
        QCOMPARE(back.figures.size(), 1);
        QCOMPARE(back.figures.first().observedMs, qint64(3 * 3600000));
        // An engine from before observed_s: its figure is over its whole window.
        QJsonObject json = codec::encode(r);
        QJsonArray figures = json.value(QStringLiteral("figures")).toArray();
        QJsonObject figure = figures.first().toObject();
        figure.remove(QStringLiteral("observed_s"));
        figures[0] = figure;
        json[QStringLiteral("figures")] = figures;
        const auto older = codec::decode<SloReport>(json);
        QVERIFY(older);
        QCOMPARE(older->figures.first().observedMs, month.windowMs);
    }

    void badJsonNamesTheField_data()
    {
        // (Plain strings: moc reads the "//" of a URL inside a raw string as a comment.)
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("weight as text") << QByteArray("{\"id\":\"a\",\"url\":\"http:\/\/h:1\",\"weight\":\"heavy\"}") << QStringLiteral("weight");
        QTest::newRow("tags not a list") << QByteArray("{\"id\":\"a\",\"url\":\"http:\/\/h:1\",\"tags\":\"eu\"}") << QStringLiteral("tags");
        QTest::newRow("unknown admin state") << QByteArray("{\"id\":\"a\",\"url\":\"http:\/\/h:1\",\"admin_state\":\"asleep\"}") << QStringLiteral("admin_state");
        QTest::newRow("fractional weight") << QByteArray("{\"id\":\"a\",\"url\":\"http:\/\/h:1\",\"weight\":1.5}") << QStringLiteral("weight");
    }

    void badJsonNamesTheField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        const auto spec = codec::decode<NodeSpec>(QJsonDocument::fromJson(json).object());
        QVERIFY(!spec.ok());
        QCOMPARE(spec.error().field, field);
        QVERIFY2(spec.error().message.contains(field), qPrintable(spec.error().message));
    }

    void timesAreIsoWithMilliseconds()
    {
        QCOMPARE(codec::isoTime(1764300000123), QStringLiteral("2025-11-28T03:20:00.123Z"));
        QCOMPARE(codec::parseIsoTime(QStringLiteral("2025-11-28T03:20:00.123Z")).value(), qint64(1764300000123));
        QCOMPARE(codec::parseIsoTime(QString()).value(), qint64(0));
        QVERIFY(!codec::parseIsoTime(QStringLiteral("yesterday")).has_value());
    }
};

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
