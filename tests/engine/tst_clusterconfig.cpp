// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/clusterconfig.h"
#include "config/configdiff.h"
#include "core/duration.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestClusterConfig final : public QObject
{
    Q_OBJECT

private slots:
    // What an audit entry of a config version shows: the keys that differ, down to the value.
    // Targets are matched by name, so one added before the others reads as added, not as
    // every later target changed; a list of plain values changes as one value.
    void keyDiffNamesEachKeyThatChanged()
    {
        const auto json = [](const char *text) {
            return QJsonDocument::fromJson(QByteArray(text)).object();
        };
        const QJsonObject before =
            json("{\"sync_workers\": 5, \"log_level\": \"info\", \"targets\": [ {\"name\": \"a\", "
                 "\"url\": \"http://a\", \"retry\": {\"max\": 3, \"interval\": \"1s\"}}, "
                 "{\"name\": \"b\", \"url\": \"http://b\", \"events\": [\"user.created\"]}]}");
        const QJsonObject after =
            json("{\"sync_workers\": 5, \"alert_webhook\": \"http://w\", \"targets\": [ {\"name\": "
                 "\"new\", \"url\": \"http://n\"}, {\"name\": \"a\", \"url\": \"http://a\", "
                 "\"retry\": {\"max\": 3, \"interval\": \"2s\"}}, {\"name\": \"b\", \"url\": "
                 "\"http://b\", \"events\": [\"user.created\", \"user.deleted\"]}]}");
        const QList<KeyChange> changes = keyDiff(before, after);
        const auto text = [](const QJsonValue &v) {
            if (v.isUndefined())
                return QStringLiteral("-");
            const QByteArray list = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
            return QString::fromUtf8(list.mid(1, list.size() - 2));
        };
        QStringList said;
        for (const KeyChange &c : changes)
            said << QStringLiteral("%1 %2 %3").arg(c.key, text(c.before), text(c.after));
        QCOMPARE(said,
                 (QStringList{
                     QStringLiteral("alert_webhook - \"http://w\""),
                     QStringLiteral("log_level \"info\" -"),
                     QStringLiteral("targets[a].retry.interval \"1s\" \"2s\""),
                     QStringLiteral("targets[b].events [\"user.created\"] "
                                    "[\"user.created\",\"user.deleted\"]"),
                     QStringLiteral("targets[new] - {\"name\":\"new\",\"url\":\"http://n\"}")}));
        QVERIFY(keyDiff(before, before).isEmpty());
        // Objects without a name or id: by their place in the list.
        QCOMPARE(keyDiff(json("{\"l\": [{\"x\": 1}, {\"x\": 2}]}"),
                         json("{\"l\": [{\"x\": 1}, {\"x\": 3}]}"))
                     .value(0)
                     .key,
                 QStringLiteral("l[1].x"));
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("ms") << "500ms" << qint64(500);
        QTest::newRow("s") << "30s" << qint64(30000);
        QTest::newRow("m") << "2m" << qint64(120000);
        QTest::newRow("h") << "1h" << qint64(3600000);
        QTest::newRow("sum") << "1m30s" << qint64(90000);
        QTest::newRow("fraction") << "1.5s" << qint64(1500);
        QTest::newRow("bad unit") << "5x" << qint64(-1);
        QTest::newRow("no unit") << "30" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
        QTest::newRow("negative") << "-5s" << qint64(-1);
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        const auto r = parseDuration(text);
        QCOMPARE(r.ok(), ms >= 0);
        if (ms >= 0) {
            QCOMPARE(r.value(), ms);
            QCOMPARE(parseDuration(formatDuration(ms)).value(), ms);
        } else {
            QVERIFY(r.error().message.contains(text.isEmpty() ? QStringLiteral("empty") : text));
        }
    }

    void defaultsFollowThePlan()
    {
        const auto c = ClusterConfig::fromJson("{}");
        QVERIFY(c.ok());
        QCOMPARE(c->clusterId, QStringLiteral("jobfirst-cluster-1"));
        QCOMPARE(c->maxNodes, 10);
        QCOMPARE(c->loadBalanceStrategy, Strategy::RoundRobin);
        QCOMPARE(c->healthCheckIntervalMs, 30000);
        QCOMPARE(c->nodeTimeoutMs, 60000);
        QCOMPARE(c->syncWorkers, 5);
        QCOMPARE(c->syncQueueSize, 2000);
        QCOMPARE(c->syncRetryIntervalMs, 5000);
        QCOMPARE(c->maxSyncRetries, 3);
        QCOMPARE(c->syncTimeoutMs, 30000);
        QCOMPARE(c->rise, 2);
        QCOMPARE(c->fall, 3);
        QCOMPARE(c->targets.size(), 6);
        QCOMPARE(c->target(QStringLiteral("unified-auth"))->url, QStringLiteral("http://localhost:8207/api/v1/auth/sync/user"));
        QCOMPARE(c->target(QStringLiteral("job-service"))->url, QStringLiteral("http://localhost:8084/api/v1/job/sync/user"));
    }

    void roundTrip()
    {
        auto c = ClusterConfig::fromJson(
            "{\"cluster_id\":\"c2\",\"max_nodes\":20,\"load_balance_strategy\":\"ip-hash\",\n"
            "            "
            "\"health_check_interval\":\"5s\",\"rise\":3,\"targets\":[{\"name\":\"t1\",\"url\":"
            "\"http://127.0.0.1:9/x\",\n"
            "            "
            "\"events\":[\"user.created\"],\"timeout\":\"2s\",\"retry\":{\"max\":5,\"interval\":"
            "\"1s\"},\"batch_size\":10,\n"
            "            "
            "\"rate_limit\":50,\"secret\":\"a-signing-secret-of-32-bytes-000\",\"enabled\":false}]"
            "}");
        QVERIFY2(c.ok(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->loadBalanceStrategy, Strategy::IpHash);
        QCOMPARE(c->targets.size(), 1);
        QCOMPARE(c->targets.first().maxRetries, 5);
        QCOMPARE(c->targets.first().enabled, false);
        const auto again = ClusterConfig::fromJson(c->toJson());
        QVERIFY(again.ok());
        QVERIFY(again.value() == c.value());
    }

    void badInputNamesKeyValueAndWhy_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("mustMention");
        QTest::newRow("syntax") << QByteArray("{\"max_nodes\": ") << QStringList{"not valid JSON"};
        QTest::newRow("not object") << QByteArray("[1]") << QStringList{"JSON object"};
        QTest::newRow("unknown key") << QByteArray(R"({"max_node": 3})") << QStringList{"max_node", "not a known setting"};
        QTest::newRow("wrong type") << QByteArray(R"({"max_nodes": "ten"})") << QStringList{"max_nodes", "\"ten\"", "whole number"};
        QTest::newRow("out of range") << QByteArray(R"({"max_nodes": 0})") << QStringList{"max_nodes", "0", "1..10000"};
        QTest::newRow("fraction") << QByteArray(R"({"rise": 1.5})") << QStringList{"rise", "1.5"};
        QTest::newRow("bad duration") << QByteArray(R"({"node_timeout": "soon"})") << QStringList{"node_timeout", "\"soon\"", "duration"};
        QTest::newRow("duration as number") << QByteArray(R"({"node_timeout": 30})") << QStringList{"node_timeout", "30", "duration string"};
        QTest::newRow("bad strategy") << QByteArray(R"({"load_balance_strategy": "random"})") << QStringList{"load_balance_strategy", "\"random\"", "round-robin"};
        QTest::newRow("bad level") << QByteArray(R"({"log_level": "loud"})") << QStringList{"log_level", "loud"};
        QTest::newRow("timeout > interval") << QByteArray(R"({"health_check_interval": "1s", "health_check_timeout": "2s"})") << QStringList{"health_check_timeout", "health_check_interval"};
        QTest::newRow("target url") << QByteArray("{\"targets\": [{\"name\": \"a\", \"url\": \"ftp://x\"}]}") << QStringList{"targets.a.url", "ftp://x"};
        QTest::newRow("target event") << QByteArray("{\"targets\": [{\"name\": \"a\", \"url\": \"http://x/\", \"events\": [\"user.deleted\"]}]}") << QStringList{"targets.a.events", "user.deleted"};
        QTest::newRow("target key") << QByteArray("{\"targets\": [{\"name\": \"a\", \"url\": \"http://x/\", \"retries\": 3}]}") << QStringList{"targets[0].retries"};
        QTest::newRow("target dup") << QByteArray("{\"targets\": [{\"name\": \"a\", \"url\": \"http://x/\"}, {\"name\": \"a\", \"url\": \"http://y/\"}]}") << QStringList{"targets[1].name", "\"a\""};
        QTest::newRow("target batch") << QByteArray("{\"targets\": [{\"name\": \"a\", \"url\": \"http://x/\", \"batch_size\": 0}]}") << QStringList{"batch_size", "1..1000"};
    }
    void badInputNamesKeyValueAndWhy()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, mustMention);
        const auto c = ClusterConfig::fromJson(json);
        QVERIFY(!c.ok());
        for (const QString &m : mustMention)
            QVERIFY2(c.error().message.contains(m), qPrintable(c.error().message + QStringLiteral(" lacks ") + m));
    }

    // Where the parser stopped, as the line and column an editor shows, never a byte offset:
    // the column counts characters, so a Chinese value before the error does not push it out
    // by two a character (walk30).
    void aSyntaxErrorSaysItsLineAndColumn_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("place");
        QTest::newRow("first line") << QByteArray("{oops}") << "line 1, column 2:";
        QTest::newRow("after a space") << QByteArray("{} x") << "line 1, column 4:";
        QTest::newRow("third line")
            << QByteArray("{\n  \"max_nodes\": 5,\n  oops\n}") << "line 3, column 3:";
        QTest::newRow("after Chinese")
            << QByteArray("{\n  \"cluster_id\": \"集群\" oops\n}") << "line 2, column 22:";
        QTest::newRow("cut short") << QByteArray("{\n  \"max_nodes\": ") << "line 2, column 16:";
    }
    void aSyntaxErrorSaysItsLineAndColumn()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, place);
        const auto c = ClusterConfig::fromJson(json);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, QStringLiteral("config.syntax"));
        QVERIFY2(c.error().message.startsWith(QStringLiteral("not valid JSON at ") + place),
                 qPrintable(c.error().message));
        QVERIFY(!c.error().message.contains(QStringLiteral("offset")));
    }

    void fileErrorsNameTheFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cluster.json"));
        auto missing = ClusterConfig::fromFile(path);
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(path));
        ClusterConfig c;
        c.maxNodes = 42;
        QVERIFY(c.saveToFile(path).ok());
        auto loaded = ClusterConfig::fromFile(path);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->maxNodes, 42);
    }
};

QTEST_GUILESS_MAIN(TestClusterConfig)
#include "tst_clusterconfig.moc"
