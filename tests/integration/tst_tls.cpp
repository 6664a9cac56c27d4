// SPDX-License-Identifier: GPL-3.0-or-later
// TLS and node authentication over real HTTPS: certificates made by openssl in the test, a
// real nodesim serving them, and the engine's health checks, deliveries and digests.
#include "cluster/clustermanager.h"
#include "core/secrets.h"
#include "nodesimprocess.h"
#include "store/store.h"
#include "sync/httpdeliveryclient.h"
#include "sync/syncservice.h"
#include "sync/webhooksignature.h"
#include "testcertificates.h"
#include "testprograms.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestTls final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    QString m_token, m_tokenFile, m_controlTokenFile;

    QString file(const QString &name, const QByteArray &content)
    {
        QFile f(m_dir.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return f.fileName();
    }

    /// A nodesim serving `cert`/`key` (trusted by this object's own requests through the CA).
    bool startHttps(NodeSimProcess &sim, const QString &id, const QString &cert, const QString &key,
                    QStringList extra = {})
    {
        sim.useTls(m_certs.caCert(), m_certs.clientCert(), m_certs.clientKey());
        if (cert == m_certs.otherCaServerCert()) // its own requests must still get through
            sim.useTls(m_dir.filePath(QStringLiteral("other-ca.pem")), m_certs.clientCert(),
                       m_certs.clientKey());
        return sim.start(
            id, 0,
            QStringList{QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key} +
                extra);
    }

    struct Checked
    {
        HealthState health = HealthState::Unknown;
        QString reason;
    };
    /// Registers one node with `spec` in a fresh cluster and waits for its first check.
    Checked checkOnce(NodeSpec spec)
    {
        QTemporaryDir dir;
        auto store = std::move(Store::open(dir.filePath(QStringLiteral("c.db")))).value();
        ClusterConfig config;
        config.healthCheckIntervalMs = 60000;
        ClusterManager cluster(store.get(), config);
        cluster.load();
        cluster.start();
        const auto added = cluster.registerNode(spec, QStringLiteral("test"));
        if (!added) {
            qWarning("%s", qPrintable(added.error().message));
            return {};
        }
        // A check that never ends leaves Unknown, which the callers' comparisons reject.
        (void)QTest::qWaitFor(
            [&] { return cluster.node(spec.id)->health != HealthState::Unknown; }, 15000);
        const NodeStatus n = cluster.node(spec.id).value();
        cluster.stop();
        return {n.health, n.lastCheckResult};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_certs.make(m_dir.path()), "openssl could not make the test certificates");
        m_token = QStringLiteral("node-token-") + generateSecret().mid(6, 20);
        m_tokenFile = file(QStringLiteral("node.token"), m_token.toUtf8() + '\n');
        m_controlTokenFile =
            file(QStringLiteral("control.token"), "control-" + generateSecret().mid(6).toUtf8());
    }

    void trustedNodeIsUp()
    {
        NodeSimProcess sim;
        QVERIFY(startHttps(sim, QStringLiteral("n"), m_certs.serverCert(), m_certs.serverKey()));
        NodeSpec spec{QStringLiteral("n"), sim.url()};
        spec.caFile = m_certs.caCert();
        const Checked c = checkOnce(spec);
        QCOMPARE(c.health, HealthState::Up);
        QCOMPARE(c.reason, QStringLiteral("ok"));
        QVERIFY(sim.get(QStringLiteral("/stats"))[QStringLiteral("health_checks")].toInt() >= 1);
    }

    void certificateProblemsTakeTheNodeDownAndSayWhy_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<QString>("reason");
        QTest::newRow("untrusted (second CA)") << "other"
                                               << "certificate";
        QTest::newRow("expired") << "expired"
                                 << "expired";
        QTest::newRow("wrong host") << "wronghost"
                                    << "127.0.0.1";
        QTest::newRow("no CA given: system store") << "system"
                                                   << "certificate";
    }
    void certificateProblemsTakeTheNodeDownAndSayWhy()
    {
        QFETCH(QString, which);
        QFETCH(QString, reason);
        const QString cert = which == u"other"       ? m_certs.otherCaServerCert()
                             : which == u"expired"   ? m_certs.expiredCert()
                             : which == u"wronghost" ? m_certs.wrongHostCert()
                                                     : m_certs.serverCert();
        const QString key = which == u"other"       ? m_certs.otherCaServerKey()
                            : which == u"expired"   ? m_certs.expiredKey()
                            : which == u"wronghost" ? m_certs.wrongHostKey()
                                                    : m_certs.serverKey();
        NodeSimProcess sim;
        QVERIFY(startHttps(sim, QStringLiteral("n"), cert, key));
        NodeSpec spec{QStringLiteral("n"), sim.url()};
        if (which != u"system")
            spec.caFile = m_certs.caCert();
        const Checked c = checkOnce(spec);
        qInfo("%s: %s", qPrintable(which), qPrintable(c.reason));
        QCOMPARE(c.health, HealthState::Down);
        QVERIFY2(c.reason.contains(QStringLiteral("certificate"), Qt::CaseInsensitive) &&
                     c.reason.contains(reason),
                 qPrintable(c.reason));
        QCOMPARE(sim.get(QStringLiteral("/stats"))[QStringLiteral("health_checks")].toInt(),
                 0); // never got in
    }

    void tlsInsecureConnectsButSaysSoOnEveryCheck()
    {
        NodeSimProcess sim;
        QVERIFY(startHttps(sim, QStringLiteral("n"), m_certs.otherCaServerCert(),
                           m_certs.otherCaServerKey()));
        NodeSpec spec{QStringLiteral("n"), sim.url()};
        spec.tlsInsecure = true;
        const Checked c = checkOnce(spec);
        QCOMPARE(c.health, HealthState::Up);
        QVERIFY2(c.reason.contains(QStringLiteral("not verified")), qPrintable(c.reason));
    }

    void mutualTlsNeedsTheClientCertificate()
    {
        NodeSimProcess sim;
        QVERIFY(startHttps(sim, QStringLiteral("n"), m_certs.serverCert(), m_certs.serverKey(),
                           {QStringLiteral("--client-ca"), m_certs.caCert()}));
        NodeSpec spec{QStringLiteral("n"), sim.url()};
        spec.caFile = m_certs.caCert();
        QCOMPARE(checkOnce(spec).health, HealthState::Down); // no client certificate: refused
        spec.clientCert = m_certs.clientCert();
        spec.clientKey = m_certs.clientKey();
        QCOMPARE(checkOnce(spec).health, HealthState::Up);
    }

    void bearerTokenIsEnforcedAndSent()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("n"), 0, {QStringLiteral("--token-file"), m_tokenFile}));
        NodeSpec spec{QStringLiteral("n"), sim.url()};
        const Checked without = checkOnce(spec);
        QCOMPARE(without.health, HealthState::Down);
        QVERIFY2(without.reason.contains(QStringLiteral("401")), qPrintable(without.reason));
        spec.tokenFile = m_tokenFile;
        QCOMPARE(checkOnce(spec).health, HealthState::Up);
        // A token file that is missing is refused when the node is added, naming the key.
        spec.tokenFile = m_dir.filePath(QStringLiteral("no-such-token"));
        const Status s = spec.checkFiles();
        QVERIFY(!s.ok());
        QVERIFY(s.error().message.contains(QStringLiteral("token_file")));
    }

    void controlEndpointNeedsTheControlToken()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("n"), 0,
                          {QStringLiteral("--control-token-file"), m_controlTokenFile}));
        QVERIFY(!sim.control({{QStringLiteral("status"), 503}})); // 401 without the token
        QFile f(m_controlTokenFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        sim.setControlToken(f.readAll().trimmed());
        QVERIFY(sim.control({{QStringLiteral("status"), 503}}));
    }

    void deliveriesAndClusterSyncGoOverTlsWithTokens()
    {
        const QString secret = generateSecret();
        NodeSimProcess target, node;
        target.setSecret(secret);
        node.setSecret(secret);
        QVERIFY(startHttps(target, QStringLiteral("t"), m_certs.serverCert(), m_certs.serverKey(),
                           {QStringLiteral("--client-ca"), m_certs.caCert()}));
        QVERIFY(startHttps(node, QStringLiteral("n"), m_certs.serverCert(), m_certs.serverKey(),
                           {QStringLiteral("--token-file"), m_tokenFile}));
        QTemporaryDir dir;
        auto store = std::move(Store::open(dir.filePath(QStringLiteral("s.db")))).value();
        ClusterConfig config;
        config.clusterSecret = secret;
        config.syncRetryIntervalMs = 100;
        TargetConfig t;
        t.name = QStringLiteral("t");
        t.url = target.url() + QStringLiteral("/sync");
        t.events = {QStringLiteral("user.created")};
        t.secret = secret;
        t.caFile = m_certs.caCert();
        t.clientCert = m_certs.clientCert();
        t.clientKey = m_certs.clientKey();
        config.targets = {t};
        QVERIFY(config.validate().ok());
        SyncService sync(store.get(), config);
        NodeStatus n;
        n.spec = NodeSpec{QStringLiteral("n"), node.url()};
        n.spec.caFile = m_certs.caCert();
        n.spec.tokenFile = m_tokenFile;
        n.health = HealthState::Up;
        sync.setNodes({n});
        QVERIFY(sync.start(true).ok());
        SyncEvent user;
        user.type = QStringLiteral("user.created");
        user.userId = QStringLiteral("ann");
        SyncEvent session;
        session.type = QStringLiteral("session");
        session.userId = QStringLiteral("ann");
        QVERIFY(sync.publish({user, session}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(
            node.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1, 15000);
        QCOMPARE(target.get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0);

        // The digest is fetched over mTLS and signed; an unsigned request is refused.
        auto report =
            ConsistencyChecker::check(store->path(), QStringLiteral("t"),
                                      sync.digestEndpoint(QStringLiteral("t")).value(), 16);
        QVERIFY2(report.ok(), report ? "" : qPrintable(report.error().message));
        QCOMPARE(report->ratio, 1.0);
        DigestEndpoint unsigned_ = sync.digestEndpoint(QStringLiteral("t")).value();
        unsigned_.secret.clear();
        const auto refused =
            ConsistencyChecker::check(store->path(), QStringLiteral("t"), unsigned_, 16);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QStringLiteral("401")),
                 qPrintable(refused.error().message));
        sync.stop();
    }

    void nodesimTakesItsSecretFromAFileNeverFromArgv()
    {
        QProcess p;
        p.start(TestPrograms::nodesim(), {QStringLiteral("--secret"), generateSecret()});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("--secret-file"));
        const QString weak = file(QStringLiteral("weak.secret"), "short");
        p.start(TestPrograms::nodesim(), {QStringLiteral("--secret-file"), weak});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("24"));
        // From a file, it verifies signatures: a wrong secret is rejected, the right one applied.
        const QString secret = generateSecret();
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("s"), 0,
                          {QStringLiteral("--secret-file"),
                           file(QStringLiteral("good.secret"), secret.toUtf8())}));
        const auto post = [&sim](const QString &key) {
            HttpPost req;
            req.url = (sim.url() + QStringLiteral("/sync")).toUtf8();
            req.body = R"({"id":"e1","user_id":"u1","version":1})";
            const qint64 ts = QDateTime::currentSecsSinceEpoch();
            req.headers << "webhook-id: e1"
                        << "webhook-timestamp: " + QByteArray::number(ts)
                        << "webhook-signature: " + WebhookSignature::sign(key, "e1", ts, req.body);
            return HttpDeliveryClient::fetch(req).status;
        };
        QCOMPARE(post(generateSecret()), 401);
        QCOMPARE(post(secret), 200);
    }

    void untrustedTargetIsRetriedWithTheCertificateProblemNamed()
    {
        NodeSimProcess target;
        QVERIFY(
            startHttps(target, QStringLiteral("t"), m_certs.expiredCert(), m_certs.expiredKey()));
        QTemporaryDir dir;
        auto store = std::move(Store::open(dir.filePath(QStringLiteral("s.db")))).value();
        ClusterConfig config;
        config.syncRetryIntervalMs = 100;
        config.maxSyncRetries = 50;
        TargetConfig t;
        t.name = QStringLiteral("t");
        t.url = target.url() + QStringLiteral("/sync");
        t.events = {QStringLiteral("user.created")};
        t.caFile = m_certs.caCert();
        config.targets = {t};
        SyncService sync(store.get(), config);
        QVERIFY(sync.start(true).ok());
        SyncEvent user;
        user.type = QStringLiteral("user.created");
        user.userId = QStringLiteral("bo");
        QVERIFY(sync.publish({user}).ok());
        QTRY_VERIFY_WITH_TIMEOUT(
            sync.stats().targets.value(0).lastError.contains(QStringLiteral("expired")), 15000);
        QCOMPARE(sync.backlog(), 1); // waiting for a retry, not lost
        QCOMPARE(sync.deadLetters({}, 10)->size(), 0);
        sync.stop();
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
