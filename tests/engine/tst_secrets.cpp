// SPDX-License-Identifier: GPL-3.0-or-later
// Secrets: none built in, strong ones made for new configs, refused when weak, masked when
// written anywhere but the config file, and files that hold them readable by the owner only.
#include "config/clusterconfig.h"
#include "core/secrets.h"
#include "store/store.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace jobfirst;

namespace {

int modeOf(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

QByteArray configWith(const QString &key, const QJsonValue &value)
{
    return QJsonDocument(QJsonObject{{key, value}}).toJson();
}

QByteArray targetWith(const QString &key, const QJsonValue &value)
{
    QJsonObject t{{QStringLiteral("name"), QStringLiteral("auth")},
                  {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:9/sync")}};
    t.insert(key, value);
    return QJsonDocument(QJsonObject{{QStringLiteral("targets"), QJsonArray{t}}}).toJson();
}

} // namespace

class TestSecrets final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // What a typical shell has: files would be 0644 without the code under test.
        ::umask(022);
    }

    void generatedSecretsAreRandomAndStrong()
    {
        const QString a = generateSecret(), b = generateSecret();
        QVERIFY(a.startsWith(QLatin1String("whsec_")));
        QCOMPARE(QByteArray::fromBase64(a.mid(6).toLatin1()).size(), 32);
        QVERIFY(a != b);
        QVERIFY(validateSecret(QStringLiteral("k"), a).ok());
    }

    void noSecretIsBuiltIn()
    {
        const ClusterConfig defaults;
        QVERIFY(defaults.clusterSecret.isEmpty());
        for (const TargetConfig &t : defaults.targets)
            QVERIFY(t.secret.isEmpty());
        const ClusterConfig fresh = ClusterConfig::makeNew(), other = ClusterConfig::makeNew();
        QVERIFY(fresh.validate().ok());
        QSet<QString> seen{fresh.clusterSecret};
        for (const TargetConfig &t : fresh.targets)
            seen.insert(t.secret);
        QCOMPARE(seen.size(), 1 + fresh.targets.size()); // one of its own for every target
        QVERIFY(fresh.clusterSecret != other.clusterSecret);
        // The old built-in demo secret appears nowhere in a new config.
        QVERIFY(!fresh.toJson().contains("am9iZmlyc3QtZGVtby1zaWduaW5nLWtleS0wMDAx"));
    }

    void weakSecretsAreRefusedNamingTheKey_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("key");
        QTest::newRow("short cluster secret")
            << configWith(QStringLiteral("cluster_secret"), QStringLiteral("hunter2hunter2"))
            << "cluster_secret";
        QTest::newRow("whsec_ not base64")
            << configWith(QStringLiteral("cluster_secret"),
                          QStringLiteral("whsec_not*base64!!!!!!!!!!!!!!!!!!!!"))
            << "cluster_secret";
        QTest::newRow("whsec_ of 16 bytes")
            << configWith(QStringLiteral("cluster_secret"),
                          QStringLiteral("whsec_MDEyMzQ1Njc4OWFiY2RlZg=="))
            << "cluster_secret";
        QTest::newRow("short target secret")
            << targetWith(QStringLiteral("secret"), QStringLiteral("s3cret"))
            << "targets.auth.secret";
        QTest::newRow("target whsec_ garbage")
            << targetWith(QStringLiteral("secret"), QStringLiteral("whsec_%%%%"))
            << "targets.auth.secret";
    }
    void weakSecretsAreRefusedNamingTheKey()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, key);
        const auto c = ClusterConfig::fromJson(json);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.contains(QStringLiteral("'%1'").arg(key)),
                 qPrintable(c.error().message));
        // The message names the key, never the value.
        const QJsonObject o = QJsonDocument::fromJson(json).object();
        const QString value = o.contains(QStringLiteral("cluster_secret"))
                                  ? o.value(QStringLiteral("cluster_secret")).toString()
                                  : o.value(QStringLiteral("targets"))
                                        .toArray()
                                        .first()
                                        .toObject()
                                        .value(QStringLiteral("secret"))
                                        .toString();
        QVERIFY(!c.error().message.contains(value));
    }

    void strongSecretsAndEmptyOnesAreAccepted()
    {
        QVERIFY(
            ClusterConfig::fromJson(configWith(QStringLiteral("cluster_secret"), generateSecret()))
                .ok());
        QVERIFY(ClusterConfig::fromJson(configWith(QStringLiteral("cluster_secret"),
                                                   QStringLiteral("twenty-four-bytes-long!!")))
                    .ok());
        // Empty means unsigned (documented); it is not a built-in secret.
        QVERIFY(ClusterConfig::fromJson(targetWith(QStringLiteral("secret"), QString())).ok());
    }

    void maskingShowsOnlyTheLastFour()
    {
        const QString s = generateSecret();
        QCOMPARE(maskSecret(s), QStringLiteral("••••") + s.right(4));
        QCOMPARE(maskSecret(QString()), QString());
        QCOMPARE(maskSecret(QStringLiteral("short")), QStringLiteral("••••"));
        QCOMPARE(maskSecret(maskSecret(s)), maskSecret(s));
        QVERIFY(isMaskedSecret(maskSecret(s)));
    }

    void textMaskingCatchesSecretsInJsonHeadersAndKnownValues()
    {
        const QString s = generateSecret();
        const QString json =
            QStringLiteral(
                R"({"cluster_secret":"%1","targets":[{"secret":"whsec_abcdefghijklmnop","token_file":"/etc/jf/token",)"
                R"("api_key":"ak-1234567890","name":"auth"}],"password":"pw-0987654321"})")
                .arg(s);
        const QString masked = maskSecretsInText(json);
        QVERIFY(!masked.contains(s));
        QVERIFY(masked.contains(maskSecret(s)));
        QVERIFY(!masked.contains(QStringLiteral("abcdefghijklmnop")));
        QVERIFY(!masked.contains(QStringLiteral("ak-1234567890")));
        QVERIFY(!masked.contains(QStringLiteral("pw-0987654321")));
        QVERIFY(masked.contains(QStringLiteral("/etc/jf/token"))); // a path, not a secret
        QVERIFY(masked.contains(QStringLiteral("\"name\":\"auth\"")));
        QVERIFY(QJsonDocument::fromJson(masked.toUtf8()).isObject()); // still JSON

        const QString header =
            QStringLiteral("401: Authorization: Bearer tok_abcdefghijkl rejected");
        QCOMPARE(maskSecretsInText(header),
                 QStringLiteral("401: Authorization: Bearer ••••ijkl rejected"));
        const QString known = QStringLiteral("plain text quoting node-token-0123456789 here");
        QVERIFY(!maskSecretsInText(known, {QStringLiteral("node-token-0123456789")})
                     .contains(QStringLiteral("node-token-0123456789")));
        const QString harmless = QStringLiteral("HTTP 503: upstream busy");
        QCOMPARE(maskSecretsInText(harmless), harmless);
    }

    void maskedValueKeepsTheCurrentSecretWhenItsLastFourMatch()
    {
        const ClusterConfig current = ClusterConfig::makeNew();
        auto edited = ClusterConfig::fromJson(current.toMaskedJson());
        QVERIFY2(edited.ok(), edited ? "" : qPrintable(edited.error().message));
        QVERIFY(edited->hasMaskedSecrets());
        QVERIFY(
            !edited->saveToFile(QDir::temp().filePath(QStringLiteral("never-written.json"))).ok());
        ClusterConfig resolved = edited.value();
        QVERIFY(resolved.resolveMaskedSecrets(current).ok());
        QCOMPARE(resolved.clusterSecret, current.clusterSecret);
        QCOMPARE(resolved.targets.first().secret, current.targets.first().secret);
        QVERIFY(resolved == current);

        // A masked value that does not end like the current secret is an error naming the key.
        ClusterConfig wrong = edited.value();
        wrong.targets[1].secret = QStringLiteral("••••zzzz");
        const Status s = wrong.resolveMaskedSecrets(current);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(
                     QStringLiteral("targets.%1.secret").arg(current.targets[1].name)),
                 qPrintable(s.error().message));
        // A new target has no current secret to stand for.
        ClusterConfig added = edited.value();
        added.targets[0].name = QStringLiteral("brand-new");
        QVERIFY(!added.resolveMaskedSecrets(current).ok());
    }

    void configFileIsOwnerOnlyAndItsNewFolderToo()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("etc/jobfirst/cluster.json"));
        QVERIFY(ClusterConfig::makeNew().saveToFile(path).ok());
        QCOMPARE(modeOf(path), 0600);
        QCOMPARE(modeOf(dir.filePath(QStringLiteral("etc/jobfirst"))), 0700);
        // Rewriting keeps it 0600.
        QVERIFY(ClusterConfig::makeNew().saveToFile(path).ok());
        QCOMPARE(modeOf(path), 0600);
    }

    void storeFilesAreOwnerOnly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("s.db"));
        auto store = Store::open(path);
        QVERIFY(store.ok());
        QVERIFY(store.value()
                    ->appendAudit(
                        AuditEntry{0, 0, QStringLiteral("me"), QStringLiteral("x"), {}, {}, {}})
                    .ok());
        QCOMPARE(modeOf(path), 0600);
        QCOMPARE(modeOf(path + QStringLiteral("-wal")), 0600);
        QCOMPARE(modeOf(path + QStringLiteral("-shm")), 0600);
    }

    void auditRowsHoldNoSecret()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.filePath(QStringLiteral("s.db")));
        QVERIFY(store.ok());
        const ClusterConfig c = ClusterConfig::makeNew();
        // Even a writer that forgets to mask (e.g. an old jobfirstctl) leaves no secret behind.
        QVERIFY(store.value()
                    ->appendAudit(AuditEntry{0,
                                             0,
                                             QStringLiteral("me"),
                                             QStringLiteral("config.apply"),
                                             {},
                                             QString::fromUtf8(c.toJson()),
                                             QString::fromUtf8(c.toJson())})
                    .ok());
        const AuditEntry row = store.value()->auditLog(1)->first();
        for (const QString &secret :
             QStringList{c.clusterSecret, c.targets.first().secret, c.targets.last().secret}) {
            QVERIFY(!row.before.contains(secret));
            QVERIFY(!row.after.contains(secret));
            QVERIFY(row.after.contains(maskSecret(secret)));
        }
        QCOMPARE(row.after.toUtf8(), c.toMaskedJson());
    }

    void boundedConfig_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("20 MB cluster_id")
            << configWith(QStringLiteral("cluster_id"), QString(20 * 1024 * 1024, u'c')) << "bytes";
        QTest::newRow("129-byte cluster_id")
            << configWith(QStringLiteral("cluster_id"), QString(129, u'c')) << "'cluster_id'";
        QTest::newRow("129-byte node_id")
            << configWith(QStringLiteral("node_id"), QString(129, u'n')) << "'node_id'";
        QTest::newRow("control character in an id")
            << configWith(QStringLiteral("cluster_id"), QStringLiteral("a\r\nb"))
            << "control characters";
        QTest::newRow("2049-byte URL")
            << targetWith(QStringLiteral("url"), QStringLiteral("http://h/") + QString(2040, u'p'))
            << "targets.auth.url";
        QTest::newRow("129-byte target name")
            << targetWith(QStringLiteral("name"), QString(129, u't')) << "name";
    }
    void boundedConfig()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const auto c = ClusterConfig::fromJson(json);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.contains(expected), qPrintable(c.error().message));
        QVERIFY(c.error().message.size() < 400); // the huge value is not echoed back
        // At the limits, accepted.
        QVERIFY(
            ClusterConfig::fromJson(configWith(QStringLiteral("cluster_id"), QString(128, u'c')))
                .ok());
        QVERIFY(
            ClusterConfig::fromJson(targetWith(QStringLiteral("url"),
                                               QStringLiteral("http://h/") + QString(2039, u'p')))
                .ok());
    }

    void configFileOverFourMebibytesIsRefusedUnread()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"cluster_id\":\"c\"");
        f.write(QByteArray(ClusterConfig::MaxFileBytes, ' '));
        f.write("}");
        f.close();
        const auto c = ClusterConfig::fromFile(path);
        QVERIFY(!c.ok());
        QVERIFY2(c.error().message.contains(path) &&
                     c.error().message.contains(QStringLiteral("at most")),
                 qPrintable(c.error().message));
    }

    void secretFilesAreReadAndChecked()
    {
        QTemporaryDir dir;
        const auto write = [&dir](const QString &name, const QByteArray &content) {
            QFile f(dir.filePath(name));
            f.open(QIODevice::WriteOnly);
            f.write(content);
            return f.fileName();
        };
        QCOMPARE(readSecretFile(write(QStringLiteral("ok"), "tok-123\n"), QStringLiteral("token"))
                     .value(),
                 QStringLiteral("tok-123"));
        QVERIFY(
            !readSecretFile(write(QStringLiteral("empty"), "\n"), QStringLiteral("token")).ok());
        QVERIFY(!readSecretFile(write(QStringLiteral("ctl"), "a\x01"
                                                             "b"),
                                QStringLiteral("token"))
                     .ok());
        const auto missing =
            readSecretFile(dir.filePath(QStringLiteral("nope")), QStringLiteral("token"));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QStringLiteral("nope")));
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
