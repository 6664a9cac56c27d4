// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd's /metrics read by a real Prometheus server started here, and checked by promtool.
#include "daemonprocess.h"
#include "nodesimprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

class TestPrometheus final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    static quint16 freePort()
    {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        return s.serverPort();
    }

    static bool have(const QString &program)
    {
        return !QStandardPaths::findExecutable(program).isEmpty();
    }

private slots:
    void initTestCase()
    {
        // scripts/bootstrap installs the prometheus package; a machine without it cannot run this.
        QVERIFY2(have(QStringLiteral("prometheus")) && have(QStringLiteral("promtool")),
                 "prometheus and promtool are needed (Debian package prometheus; scripts/bootstrap installs it)");
    }

    /// jobfirst_delivery_lease_info's holder is a code (docs/api.md), never the stand-by text:
    /// two jobfirstd on one store, the one delivering says "self", the other "other_process"
    /// (not "host:pid:nonce", a new series for each process that ever held the lease).
    void theLeaseHolderLabelIsACode()
    {
        const QString db = m_dir.filePath(QStringLiteral("lease.db"));
        const QString config = m_dir.filePath(QStringLiteral("lease.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"targets": []})");
        }
        const QString tokenPath =
            makeToken(db, m_dir.path(), QStringLiteral("scraper"), QStringLiteral("viewer"));
        QFile tokenFile(tokenPath);
        QVERIFY(tokenFile.open(QIODevice::ReadOnly));
        const QByteArray token = tokenFile.readAll();
        DaemonProcess first, second;
        QVERIFY(first.start(db, config));
        QVERIFY(second.start(db, config));
        const auto leaseLine = [&](const DaemonProcess &d) {
            const ApiReply r = apiCall(d.url(), "GET", QStringLiteral("/metrics"), token);
            for (const QByteArray &line : r.body.split('\n'))
                if (line.startsWith("jobfirst_delivery_lease_info{"))
                    return line;
            return QByteArray();
        };
        QTRY_COMPARE_WITH_TIMEOUT(
            leaseLine(first),
            QByteArray(R"(jobfirst_delivery_lease_info{role="active",holder="self"} 1)"), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            leaseLine(second),
            QByteArray(R"(jobfirst_delivery_lease_info{role="standby",holder="other_process"} 1)"),
            20000);
        QCOMPARE(second.terminate(), 0);
        QCOMPARE(first.terminate(), 0);
    }

    /// A target not tried since the engine started claims no circuit state (the closed circuit
    /// every engine starts with says nothing about it: the console and the API say "not tried
    /// since start"): its three jobfirst_sync_circuit_state samples are all 0, so the series
    /// stay and no state is claimed. After its first failed delivery the circuit is known: one
    /// state 1.
    void aTargetNotTriedClaimsNoCircuitState()
    {
        const QString db = m_dir.filePath(QStringLiteral("untried.db"));
        const QString config = m_dir.filePath(QStringLiteral("untried.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            // Nothing listens on its port: every delivery to it fails.
            f.write(
                QStringLiteral(R"({"targets": [{"name": "down", "url": "http://127.0.0.1:%1/sync",)"
                               R"( "events": ["user.created"]}]})")
                    .arg(freePort())
                    .toUtf8());
        }
        const QString token =
            makeToken(db, m_dir.path(), QStringLiteral("untried"), QStringLiteral("operator"));
        QVERIFY(!token.isEmpty());
        DaemonProcess daemon;
        QVERIFY(daemon.start(db, config));
        const auto samples = [&](const QByteArray &metric) {
            QHash<QByteArray, QByteArray> byLabels; // the labels after target="down", the value
            const QByteArray prefix = metric + "{target=\"down\"";
            const ApiReply r =
                apiCall(daemon.url(), "GET", QStringLiteral("/metrics"), readToken(token));
            for (const QByteArray &line : r.body.split('\n'))
                if (line.startsWith(prefix)) {
                    const qsizetype space = line.lastIndexOf(' ');
                    byLabels.insert(line.mid(prefix.size(), space - prefix.size()),
                                    line.mid(space + 1));
                }
            return byLabels;
        };
        const QHash<QByteArray, QByteArray> untried{{R"(,state="closed"})", "0"},
                                                    {R"(,state="open"})", "0"},
                                                    {R"(,state="half-open"})", "0"}};
        // Delivering (it answers for the circuit), nothing tried yet.
        QTRY_VERIFY_WITH_TIMEOUT(!samples("jobfirst_sync_in_flight").isEmpty(), 20000);
        QCOMPARE(samples("jobfirst_sync_circuit_state"), untried);

        const CtlRun sent = runCtl(
            {QStringLiteral("--server"), daemon.url(), QStringLiteral("--token-file"), token,
             QStringLiteral("sync"), QStringLiteral("send"), QStringLiteral("--type"),
             QStringLiteral("user.created"), QStringLiteral("--user"), QStringLiteral("u-down")});
        QVERIFY2(sent.code == 0, sent.err.constData());
        QTRY_VERIFY_WITH_TIMEOUT(
            samples("jobfirst_sync_deliveries_total").value(R"(,outcome="retried"})").toDouble() >=
                1,
            20000);
        const QHash<QByteArray, QByteArray> tried = samples("jobfirst_sync_circuit_state");
        QCOMPARE(tried.size(), 3);
        QCOMPARE(tried.values().count("1"), 1); // closed after one failure, open after five
        QCOMPARE(tried.values().count("0"), 2);
        QCOMPARE(daemon.terminate(), 0);
    }

    /// jobfirst_sync_dead_letters is what waits in the dead-letter queue, as the Dead letters
    /// list and `sync dlq list` show it, also after a restart (walk28: it read 0 while six
    /// waited, so an alert on it could never fire).
    void theDeadLetterGaugeCountsTheQueueAcrossRestarts()
    {
        const QString db = m_dir.filePath(QStringLiteral("dead.db"));
        const QString config = m_dir.filePath(QStringLiteral("dead.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            // Nothing listens on its port, and nothing is retried: one failure, one dead letter.
            f.write(QStringLiteral("{\"max_sync_retries\": 0, \"targets\": [{\"name\": \"gone\", "
                                   "\"url\": \"http://127.0.0.1:%1/sync\", \"events\": [\"user.created\"]}]}")
                        .arg(freePort())
                        .toUtf8());
        }
        const QString token =
            makeToken(db, m_dir.path(), QStringLiteral("dead"), QStringLiteral("operator"));
        QVERIFY(!token.isEmpty());
        const auto gauge = [&](const DaemonProcess &daemon) {
            const ApiReply r =
                apiCall(daemon.url(), "GET", QStringLiteral("/metrics"), readToken(token));
            for (const QByteArray &line : r.body.split('\n'))
                if (line.startsWith("jobfirst_sync_dead_letters{target=\"gone\"} "))
                    return line.mid(line.lastIndexOf(' ') + 1);
            return QByteArray();
        };
        {
            DaemonProcess daemon;
            QVERIFY(daemon.start(db, config));
            QTRY_COMPARE_WITH_TIMEOUT(gauge(daemon), QByteArray("0"), 20000);
            for (const QString &user : {QStringLiteral("u-1"), QStringLiteral("u-2")}) {
                const CtlRun sent = runCtl({QStringLiteral("--server"), daemon.url(),
                                            QStringLiteral("--token-file"), token,
                                            QStringLiteral("sync"), QStringLiteral("send"),
                                            QStringLiteral("--type"), QStringLiteral("user.created"),
                                            QStringLiteral("--user"), user});
                QVERIFY2(sent.code == 0, sent.err.constData());
            }
            QTRY_COMPARE_WITH_TIMEOUT(gauge(daemon), QByteArray("2"), 20000);
            QCOMPARE(daemon.terminate(), 0);
        }
        DaemonProcess again;
        QVERIFY(again.start(db, config));
        QTRY_COMPARE_WITH_TIMEOUT(gauge(again), QByteArray("2"), 20000);
        QCOMPARE(again.terminate(), 0);
    }

    void aRealPrometheusScrapesTheEngine()
    {
        const QString db = m_dir.filePath(QStringLiteral("c.db"));
        const QString config = m_dir.filePath(QStringLiteral("c.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"health_check_interval": "500ms", "health_check_timeout": "300ms", "targets": []})");
        }
        const QString token = makeToken(db, m_dir.path(), QStringLiteral("prometheus"), QStringLiteral("viewer"));
        const QString admin = makeToken(db, m_dir.path(), QStringLiteral("admin"), QStringLiteral("admin"));
        QVERIFY(!token.isEmpty() && !admin.isEmpty());
        NodeSimProcess a, b;
        QVERIFY(a.start(QStringLiteral("a")));
        QVERIFY(b.start(QStringLiteral("b")));
        DaemonProcess daemon;
        QVERIFY(daemon.start(db, config));
        for (NodeSimProcess *n : {&a, &b})
            QCOMPARE(runCtl({QStringLiteral("--server"), daemon.url(), QStringLiteral("--token-file"), admin, QStringLiteral("node"),
                             QStringLiteral("add"), QStringLiteral("--id"), n == &a ? QStringLiteral("a") : QStringLiteral("b"),
                             QStringLiteral("--url"), n->url()})
                         .code,
                     0);

        // promtool: the exposition is well-formed and follows the naming rules.
        QFile tokenFile(token);
        QVERIFY(tokenFile.open(QIODevice::ReadOnly));
        const ApiReply scraped = apiCall(daemon.url(), "GET", QStringLiteral("/metrics"), tokenFile.readAll());
        QCOMPARE(scraped.status, 200);
        QProcess promtool;
        promtool.start(QStringLiteral("promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
        promtool.write(scraped.body);
        promtool.closeWriteChannel();
        QVERIFY(promtool.waitForFinished(30000));
        QVERIFY2(promtool.exitCode() == 0, (promtool.readAllStandardOutput() + promtool.readAllStandardError()).constData());

        // A Prometheus server scrapes it with the viewer token and answers PromQL about it.
        const quint16 port = freePort();
        const QString promConfig = m_dir.filePath(QStringLiteral("prometheus.yml"));
        {
            QFile f(promConfig);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QStringLiteral("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: jobfirst\n"
                                   "    authorization:\n      credentials_file: %1\n"
                                   "    static_configs:\n      - targets: ['127.0.0.1:%2']\n")
                        .arg(token)
                        .arg(daemon.port())
                        .toUtf8());
        }
        QProcess prometheus;
        prometheus.setProcessChannelMode(QProcess::MergedChannels);
        prometheus.start(QStringLiteral("prometheus"),
                         {QStringLiteral("--config.file=") + promConfig, QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("tsdb")),
                          QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port)});
        QVERIFY(prometheus.waitForStarted(10000));
        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(port);
        const auto query = [&base](const QString &promql) {
            QUrlQuery q;
            q.addQueryItem(QStringLiteral("query"), promql);
            const ApiReply r = apiCall(base, "GET", QStringLiteral("/api/v1/query?") + q.toString(QUrl::FullyEncoded));
            const QJsonArray result = r.json()[QStringLiteral("data")][QStringLiteral("result")].toArray();
            return result.isEmpty() ? QString() : result.first()[QStringLiteral("value")].toArray().at(1).toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("count(jobfirst_node_up)")), QStringLiteral("2"), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("sum(jobfirst_node_up)")), QStringLiteral("2"), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("up{job=\"jobfirst\"}")), QStringLiteral("1"), 30000);
        // A session event (sent to every node) shows in the delivery-latency histogram.
        QCOMPARE(runCtl({QStringLiteral("--server"), daemon.url(), QStringLiteral("--token-file"), admin, QStringLiteral("sync"),
                         QStringLiteral("send"), QStringLiteral("--type"), QStringLiteral("session"), QStringLiteral("--user"),
                         QStringLiteral("u-1")})
                     .code,
                 0);
        QTRY_VERIFY_WITH_TIMEOUT(query(QStringLiteral("sum(jobfirst_sync_delivery_latency_seconds_count)")).toDouble() >= 2, 30000);
        // A node that dies shows in the next scrapes.
        b.kill();
        QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("sum(jobfirst_node_up)")), QStringLiteral("1"), 30000);
        QVERIFY(query(QStringLiteral("sum(jobfirst_health_check_duration_seconds_count)")).toDouble() > 0);
        prometheus.terminate();
        prometheus.waitForFinished(10000);
        QCOMPARE(daemon.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
