// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/clusterconfig.h"

#include "core/duration.h"
#include "core/httpsecurity.h"
#include "core/secrets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QUrl>

#include <cmath>
#include <functional>

namespace jobfirst {

namespace {

Error keyError(const QString &key, const QJsonValue &value, const QString &why)
{
    QString shown;
    if (value.isString())
        shown = u'"' +
                (value.toString().size() > 100 ? value.toString().left(100) + QStringLiteral("…")
                                               : value.toString()) +
                u'"';
    else if (value.isDouble())
        shown = QString::number(value.toDouble());
    else if (value.isBool())
        shown = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    else if (value.isNull())
        shown = QStringLiteral("null");
    else
        shown = value.isArray() ? QStringLiteral("an array") : QStringLiteral("an object");
    return makeError(QStringLiteral("config.invalid"),
                     QStringLiteral("key '%1': value %2 %3").arg(key, shown, why));
}

Status readInt(const QJsonObject &o, const QString &key, int lo, int hi, int *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    // std::trunc, not a cast: casting 1e300 to an integer is undefined (found by fuzz_config).
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() != std::trunc(v.toDouble()))
        return keyError(key, v, QStringLiteral("is not a whole number"));
    const double d = v.toDouble();
    if (d < lo || d > hi)
        return keyError(key, v, QStringLiteral("is out of range (%1..%2)").arg(lo).arg(hi));
    *out = int(d);
    return {};
}

Status readDuration(const QJsonObject &o, const QString &key, qint64 lo, qint64 hi, qint64 *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    if (!v.isString())
        return keyError(key, v, QStringLiteral("is not a duration string (use e.g. 500ms, 30s, 2m)"));
    const auto ms = parseDuration(v.toString());
    if (!ms)
        return keyError(key, v, QStringLiteral("is not a duration (use e.g. 500ms, 30s, 2m)"));
    if (ms.value() < lo || ms.value() > hi)
        return keyError(key, v,
                        QStringLiteral("is out of range (%1..%2)").arg(formatDuration(lo), formatDuration(hi)));
    *out = ms.value();
    return {};
}

bool hasControlCharacters(const QString &s)
{
    for (const QChar c : s)
        if (c.category() == QChar::Other_Control)
            return true;
    return false;
}

// Every string is bounded (a 20 MB cluster_id was once accepted) and free of control
// characters, which have no business in a name, URL or path.
Status readString(const QJsonObject &o, const QString &key, QString *out, int maxBytes = 4096)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    if (!v.isString())
        return keyError(key, v, QStringLiteral("is not a string"));
    const QString text = v.toString();
    if (text.size() > maxBytes || text.toUtf8().size() > maxBytes)
        return keyError(key, v, QStringLiteral("is longer than %1 bytes").arg(maxBytes));
    if (hasControlCharacters(text))
        return keyError(key, v, QStringLiteral("holds control characters"));
    *out = text;
    return {};
}

// A secret is either a real one (checked: length, base64) or a masked one, which is resolved
// against the current config when the config is applied. The error never shows the value.
Status readSecret(const QJsonObject &o, const QString &key, const QString &shownKey, QString *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    if (!v.isString())
        return keyError(shownKey, v, QStringLiteral("is not a string"));
    const QString text = v.toString();
    if (text.size() > 4096)
        return makeError(
            QStringLiteral("config.invalid_secret"),
            QStringLiteral("key '%1': the secret is longer than 4096 characters").arg(shownKey));
    if (!isMaskedSecret(text))
        if (Status s = validateSecret(shownKey, text); !s)
            return s;
    *out = text;
    return {};
}

Status readBool(const QJsonObject &o, const QString &key, bool *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    if (!v.isBool())
        return keyError(key, v, QStringLiteral("is not true or false"));
    *out = v.toBool();
    return {};
}

Status checkUrl(const QString &key, const QString &text)
{
    if (text.toUtf8().size() > ClusterConfig::MaxUrlBytes)
        return keyError(key, QJsonValue(text),
                        QStringLiteral("is longer than %1 bytes").arg(ClusterConfig::MaxUrlBytes));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty())
        return keyError(key, QJsonValue(text), QStringLiteral("is not an http(s) URL with a host"));
    if (!url.userInfo().isEmpty())
        return keyError(
            key, QJsonValue(QStringLiteral("(hidden: it holds credentials)")),
            QStringLiteral("holds a user name or password; use token_file or client_cert instead"));
    return {};
}

const QStringList &knownEvents()
{
    static const QStringList events = {
        QStringLiteral("user.created"),     QStringLiteral("user.updated"),
        QStringLiteral("user.status"),      QStringLiteral("user.login"),
        QStringLiteral("user.logout"),      QStringLiteral("user.permissions"),
        QStringLiteral("user.quota"),       QStringLiteral("session"),
        QStringLiteral("config"),           QStringLiteral("state"),
    };
    return events;
}

Result<TargetConfig> parseTarget(const QJsonValue &value, int index)
{
    const QString where = QStringLiteral("targets[%1]").arg(index);
    if (!value.isObject())
        return keyError(where, value, QStringLiteral("is not an object"));
    const QJsonObject o = value.toObject();
    static const QSet<QString> keys = {
        QStringLiteral("name"),         QStringLiteral("url"),         QStringLiteral("events"),
        QStringLiteral("timeout"),      QStringLiteral("retry"),       QStringLiteral("batch_size"),
        QStringLiteral("rate_limit"),   QStringLiteral("secret"),      QStringLiteral("enabled"),
        QStringLiteral("ca_file"),      QStringLiteral("client_cert"), QStringLiteral("client_key"),
        QStringLiteral("tls_insecure"), QStringLiteral("token_file")};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!keys.contains(it.key()))
            return makeError(QStringLiteral("config.unknown_key"),
                             QStringLiteral("key '%1.%2' is not a known target setting").arg(where, it.key()));
    TargetConfig t;
    t.events.clear();
    Status s;
    if (!(s = readString(o, QStringLiteral("name"), &t.name, ClusterConfig::MaxIdBytes)))
        return keyError(where + QStringLiteral(".name"), o.value(QStringLiteral("name")),
                        QStringLiteral("must be 1-%1 letters, digits, '.', '_' or '-'")
                            .arg(ClusterConfig::MaxIdBytes));
    if (t.name.isEmpty() || t.name.contains(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]"))))
        return keyError(where + QStringLiteral(".name"), o.value(QStringLiteral("name")),
                        QStringLiteral("must be non-empty letters, digits, '.', '_' or '-'"));
    const QString prefix = QStringLiteral("targets.%1.").arg(t.name);
    // The shared readers name the bare key; inside a target the error names the target too.
    const auto inTarget = [&prefix](const Status &st, const QString &group = {}) {
        Error e = st.error();
        e.message.replace(QStringLiteral("key '"), QStringLiteral("key '") + prefix + group);
        return e;
    };
    if (!(s = readString(o, QStringLiteral("url"), &t.url, ClusterConfig::MaxUrlBytes)))
        return inTarget(s);
    if (!(s = checkUrl(prefix + QStringLiteral("url"), t.url)))
        return s.error();
    const QJsonValue events = o.value(QStringLiteral("events"));
    if (!events.isUndefined()) {
        if (!events.isArray())
            return keyError(prefix + QStringLiteral("events"), events, QStringLiteral("is not a list of event types"));
        for (const QJsonValue &e : events.toArray()) {
            if (!e.isString() || !knownEvents().contains(e.toString()))
                return keyError(prefix + QStringLiteral("events"), e,
                                QStringLiteral("is not an event type (%1)").arg(knownEvents().join(u", ")));
            t.events << e.toString();
        }
    }
    if (!(s = readDuration(o, QStringLiteral("timeout"), 10, 600000, &t.timeoutMs)))
        return inTarget(s);
    const QJsonValue retry = o.value(QStringLiteral("retry"));
    if (!retry.isUndefined()) {
        if (!retry.isObject())
            return keyError(prefix + QStringLiteral("retry"), retry,
                            QStringLiteral("is not an object like {\"max\": 3, \"interval\": \"5s\"}"));
        const QJsonObject r = retry.toObject();
        for (auto it = r.begin(); it != r.end(); ++it)
            if (it.key() != u"max" && it.key() != u"interval")
                return makeError(QStringLiteral("config.unknown_key"),
                                 QStringLiteral("key '%1retry.%2' is not a known retry setting (max, interval)")
                                     .arg(prefix, it.key()));
        if (!(s = readInt(r, QStringLiteral("max"), 0, 100, &t.maxRetries)))
            return inTarget(s, QStringLiteral("retry."));
        if (!(s = readDuration(r, QStringLiteral("interval"), 1, 3600000, &t.retryIntervalMs)))
            return inTarget(s, QStringLiteral("retry."));
    }
    if (!(s = readInt(o, QStringLiteral("batch_size"), 1, 1000, &t.batchSize)))
        return inTarget(s);
    if (o.contains(QStringLiteral("rate_limit"))) {
        const QJsonValue v = o.value(QStringLiteral("rate_limit"));
        if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 1e6)
            return keyError(prefix + QStringLiteral("rate_limit"), v,
                            QStringLiteral("is not a rate in requests per second (0..1000000, 0 = unlimited)"));
        t.rateLimit = v.toDouble();
    }
    if (!(s = readSecret(o, QStringLiteral("secret"), prefix + QStringLiteral("secret"),
                         &t.secret)))
        return s.error();
    if (!(s = readBool(o, QStringLiteral("enabled"), &t.enabled)))
        return inTarget(s);
    if (!(s = readString(o, QStringLiteral("ca_file"), &t.caFile)))
        return inTarget(s);
    if (!(s = readString(o, QStringLiteral("client_cert"), &t.clientCert)))
        return inTarget(s);
    if (!(s = readString(o, QStringLiteral("client_key"), &t.clientKey)))
        return inTarget(s);
    if (!(s = readBool(o, QStringLiteral("tls_insecure"), &t.tlsInsecure)))
        return inTarget(s);
    if (!(s = readString(o, QStringLiteral("token_file"), &t.tokenFile)))
        return inTarget(s);
    if (t.clientCert.isEmpty() != t.clientKey.isEmpty())
        return makeError(
            QStringLiteral("config.invalid"),
            QStringLiteral(
                "key '%1client_cert' and '%1client_key' go together: give both or neither")
                .arg(prefix));
    return t;
}

} // namespace

QList<TargetConfig> ClusterConfig::defaultTargets()
{
    const auto make = [](const char *name, const char *url, QStringList events) {
        TargetConfig t;
        t.name = QString::fromLatin1(name);
        t.url = QString::fromLatin1(url);
        t.events = std::move(events);
        return t;
    };
    const QString created = QStringLiteral("user.created"), updated = QStringLiteral("user.updated"),
                  status = QStringLiteral("user.status"), login = QStringLiteral("user.login"),
                  logout = QStringLiteral("user.logout"), perms = QStringLiteral("user.permissions"),
                  quota = QStringLiteral("user.quota");
    // Routing follows the plan: auth data to auth, profile to users, permissions/quota to AI.
    return {
        make("unified-auth", "http://localhost:8207/api/v1/auth/sync/user",
             {created, updated, status, login, logout, perms}),
        make("user-service", "http://localhost:8081/api/v1/users/sync", {created, updated, status}),
        make("ai-service", "http://localhost:8206/api/v1/ai/sync/user", {created, perms, quota, status}),
        make("resume-service", "http://localhost:8082/api/v1/resume/sync/user", {created, updated, status}),
        make("company-service", "http://localhost:8083/api/v1/company/sync/user", {created, status}),
        make("job-service", "http://localhost:8084/api/v1/job/sync/user", {created, updated, status}),
    };
}

ClusterConfig ClusterConfig::makeNew()
{
    ClusterConfig c;
    c.clusterSecret = generateSecret();
    for (TargetConfig &t : c.targets)
        t.secret = generateSecret();
    return c;
}

Result<ClusterConfig> ClusterConfig::fromJson(const QByteArray &json)
{
    if (json.size() > MaxFileBytes)
        return makeError(QStringLiteral("config.too_large"),
                         QStringLiteral("the config is %1 bytes; at most %2 are read")
                             .arg(json.size())
                             .arg(MaxFileBytes));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("config.syntax"),
                         QStringLiteral("not valid JSON at offset %1: %2").arg(err.offset).arg(err.errorString()));
    if (!doc.isObject())
        return makeError(QStringLiteral("config.syntax"), QStringLiteral("the config must be a JSON object"));
    return fromJsonObject(doc.object());
}

Result<ClusterConfig> ClusterConfig::fromJsonObject(const QJsonObject &o)
{
    ClusterConfig c;
    using Reader = std::function<Status(const QJsonObject &)>;
    const QString strategyKey = QStringLiteral("load_balance_strategy");
    const QList<std::pair<QString, Reader>> readers = {
        {QStringLiteral("cluster_id"),
         [&](auto &o) {
             return readString(o, QStringLiteral("cluster_id"), &c.clusterId, MaxIdBytes);
         }},
        {QStringLiteral("node_id"),
         [&](auto &o) { return readString(o, QStringLiteral("node_id"), &c.nodeId, MaxIdBytes); }},
        {QStringLiteral("max_nodes"),
         [&](auto &o) { return readInt(o, QStringLiteral("max_nodes"), 1, 10000, &c.maxNodes); }},
        {strategyKey,
         [&](auto &o) {
             QString name = strategyName(c.loadBalanceStrategy);
             if (Status s = readString(o, strategyKey, &name); !s)
                 return s;
             const auto st = strategyFromName(name);
             if (!st)
                 return Status(keyError(strategyKey, o.value(strategyKey),
                                        QStringLiteral("is not a strategy (round-robin, least-connections, "
                                                       "weighted-round-robin, ip-hash, power-of-two)")));
             c.loadBalanceStrategy = *st;
             return Status();
         }},
        {QStringLiteral("health_check_interval"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("health_check_interval"), 50, 3600000,
                                 &c.healthCheckIntervalMs);
         }},
        {QStringLiteral("node_timeout"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("node_timeout"), 100, 86400000,
                                 &c.nodeTimeoutMs);
         }},
        {QStringLiteral("sync_workers"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("sync_workers"), 1, 64, &c.syncWorkers);
         }},
        {QStringLiteral("sync_queue_size"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("sync_queue_size"), 1, 1000000, &c.syncQueueSize);
         }},
        {QStringLiteral("sync_retry_interval"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("sync_retry_interval"), 1, 3600000,
                                 &c.syncRetryIntervalMs);
         }},
        {QStringLiteral("max_sync_retries"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("max_sync_retries"), 0, 100, &c.maxSyncRetries);
         }},
        {QStringLiteral("sync_timeout"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("sync_timeout"), 10, 600000, &c.syncTimeoutMs);
         }},
        {QStringLiteral("metrics_enabled"),
         [&](auto &o) {
             return readBool(o, QStringLiteral("metrics_enabled"), &c.metricsEnabled);
         }},
        {QStringLiteral("log_level"),
         [&](auto &o) {
             if (Status s = readString(o, QStringLiteral("log_level"), &c.logLevel); !s)
                 return s;
             static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                                QStringLiteral("warning"), QStringLiteral("error")};
             if (!levels.contains(c.logLevel))
                 return Status(keyError(QStringLiteral("log_level"), o.value(QStringLiteral("log_level")),
                                        QStringLiteral("is not a level (debug, info, warning, error)")));
             return Status();
         }},
        {QStringLiteral("health_check_timeout"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("health_check_timeout"), 10, 600000,
                                 &c.healthCheckTimeoutMs);
         }},
        {QStringLiteral("rise"),
         [&](auto &o) { return readInt(o, QStringLiteral("rise"), 1, 100, &c.rise); }},
        {QStringLiteral("fall"),
         [&](auto &o) { return readInt(o, QStringLiteral("fall"), 1, 100, &c.fall); }},
        {QStringLiteral("fast_interval"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("fast_interval"), 50, 3600000,
                                 &c.fastIntervalMs);
         }},
        {QStringLiteral("down_interval"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("down_interval"), 50, 3600000,
                                 &c.downIntervalMs);
         }},
        {QStringLiteral("check_jitter"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("check_jitter"), 0, 50, &c.checkJitterPercent);
         }},
        {QStringLiteral("slow_start"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("slow_start"), 0, 3600000, &c.slowStartMs);
         }},
        {QStringLiteral("sync_batch_window"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("sync_batch_window"), 0, 600000,
                                 &c.syncBatchWindowMs);
         }},
        {QStringLiteral("sync_backlog_limit"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("sync_backlog_limit"), 1, 1000000000,
                            &c.syncBacklogLimit);
         }},
        {QStringLiteral("cluster_secret"),
         [&](auto &o) {
             return readSecret(o, QStringLiteral("cluster_secret"),
                               QStringLiteral("cluster_secret"), &c.clusterSecret);
         }},
        {QStringLiteral("sync_max_event_bytes"),
         [&](auto &o) {
             int bytes = int(c.syncMaxEventBytes);
             if (Status s = readInt(o, QStringLiteral("sync_max_event_bytes"), 1024,
                                    64 * 1024 * 1024, &bytes);
                 !s)
                 return s;
             c.syncMaxEventBytes = bytes;
             return Status();
         }},
        {QStringLiteral("retention"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("retention"), 3600000, 3650LL * 86400000,
                                 &c.retentionMs);
         }},
        {QStringLiteral("backup_dir"),
         [&](auto &o) { return readString(o, QStringLiteral("backup_dir"), &c.backupDir); }},
        {QStringLiteral("backup_interval"),
         [&](auto &o) {
             return readDuration(o, QStringLiteral("backup_interval"), 60000, 365LL * 86400000,
                                 &c.backupIntervalMs);
         }},
        {QStringLiteral("backup_keep"),
         [&](auto &o) {
             return readInt(o, QStringLiteral("backup_keep"), 1, 1000, &c.backupKeep);
         }},
        {QStringLiteral("backup_passphrase_file"),
         [&](auto &o) {
             return readString(o, QStringLiteral("backup_passphrase_file"),
                               &c.backupPassphraseFile);
         }},
        {QStringLiteral("cluster_sync_path"),
         [&](auto &o) {
             if (Status s = readString(o, QStringLiteral("cluster_sync_path"), &c.clusterSyncPath,
                                       MaxUrlBytes);
                 !s)
                 return s;
             if (!c.clusterSyncPath.startsWith(u'/') || c.clusterSyncPath.contains(u' '))
                 return Status(keyError(QStringLiteral("cluster_sync_path"),
                                        o.value(QStringLiteral("cluster_sync_path")),
                                        QStringLiteral("must start with '/' and hold no spaces")));
             return Status();
         }},
        {QStringLiteral("log_retention"), [&](auto &o) { return readDuration(o, QStringLiteral("log_retention"), 3600000, 3650ll * 86400000, &c.logRetentionMs); }},
        {QStringLiteral("api_tls_cert"), [&](auto &o) { return readString(o, QStringLiteral("api_tls_cert"), &c.apiTlsCert); }},
        {QStringLiteral("api_tls_key"), [&](auto &o) { return readString(o, QStringLiteral("api_tls_key"), &c.apiTlsKey); }},
        {QStringLiteral("metrics_public"), [&](auto &o) { return readBool(o, QStringLiteral("metrics_public"), &c.metricsPublic); }},
        {QStringLiteral("targets"),
         [&](auto &o) {
             const QJsonValue v = o.value(QStringLiteral("targets"));
             if (v.isUndefined())
                 return Status();
             if (!v.isArray())
                 return Status(keyError(QStringLiteral("targets"), v, QStringLiteral("is not a list of targets")));
             QList<TargetConfig> targets;
             QSet<QString> names;
             const QJsonArray a = v.toArray();
             for (int i = 0; i < a.size(); ++i) {
                 auto t = parseTarget(a.at(i), i);
                 if (!t)
                     return Status(t.error());
                 if (names.contains(t->name))
                     return Status(makeError(QStringLiteral("config.invalid"),
                                             QStringLiteral("key 'targets[%1].name': \"%2\" is used by an earlier target")
                                                 .arg(i).arg(t->name)));
                 names.insert(t->name);
                 targets << t.value();
             }
             c.targets = targets;
             return Status();
         }},
    };
    QSet<QString> known;
    for (const auto &r : readers)
        known.insert(r.first);
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.contains(it.key()))
            return makeError(QStringLiteral("config.unknown_key"),
                             QStringLiteral("key '%1' is not a known setting").arg(it.key()));
    for (const auto &r : readers)
        if (Status s = r.second(o); !s)
            return s.error();
    if (c.clusterId.trimmed().isEmpty())
        return keyError(QStringLiteral("cluster_id"), QJsonValue(c.clusterId), QStringLiteral("must not be empty"));
    if (c.apiTlsCert.isEmpty() != c.apiTlsKey.isEmpty())
        return keyError(c.apiTlsCert.isEmpty() ? QStringLiteral("api_tls_cert") : QStringLiteral("api_tls_key"), QJsonValue(QString()),
                        QStringLiteral("must be set together with %1 (TLS needs both the certificate and its key)")
                            .arg(c.apiTlsCert.isEmpty() ? QStringLiteral("api_tls_key") : QStringLiteral("api_tls_cert")));
    if (!c.backupDir.isEmpty() && c.backupPassphraseFile.isEmpty())
        return keyError(
            QStringLiteral("backup_passphrase_file"), QJsonValue(c.backupPassphraseFile),
            QStringLiteral(
                "must name the passphrase file when backup_dir is set (backups are encrypted)"));
    if (c.healthCheckTimeoutMs > c.healthCheckIntervalMs)
        return keyError(QStringLiteral("health_check_timeout"), QJsonValue(formatDuration(c.healthCheckTimeoutMs)),
                        QStringLiteral("is longer than health_check_interval (%1)").arg(formatDuration(c.healthCheckIntervalMs)));
    return c;
}

Result<ClusterConfig> ClusterConfig::fromFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("config.io"),
                         QStringLiteral("cannot read config file %1: %2").arg(path, f.errorString()));
    // Read at most one byte past the limit: a huge file is refused without being loaded.
    auto r = fromJson(f.read(MaxFileBytes + 1));
    if (!r)
        return makeError(r.error().code, QStringLiteral("%1: %2").arg(path, r.error().message));
    return r;
}

QJsonObject ClusterConfig::toJsonObject() const
{
    QJsonArray targetArray;
    for (const TargetConfig &t : targets) {
        QJsonObject o{{QStringLiteral("name"), t.name},
                      {QStringLiteral("url"), t.url},
                      {QStringLiteral("events"), QJsonArray::fromStringList(t.events)},
                      {QStringLiteral("batch_size"), t.batchSize},
                      {QStringLiteral("rate_limit"), t.rateLimit},
                      {QStringLiteral("secret"), t.secret},
                      {QStringLiteral("enabled"), t.enabled}};
        // TLS keys only when set, so plain configs stay short.
        const std::pair<const char *, QString> files[] = {{"ca_file", t.caFile},
                                                          {"client_cert", t.clientCert},
                                                          {"client_key", t.clientKey},
                                                          {"token_file", t.tokenFile}};
        for (const auto &[key, value] : files)
            if (!value.isEmpty())
                o.insert(QLatin1String(key), value);
        if (t.tlsInsecure)
            o.insert(QStringLiteral("tls_insecure"), true);
        if (t.timeoutMs > 0)
            o.insert(QStringLiteral("timeout"), formatDuration(t.timeoutMs));
        QJsonObject retry;
        if (t.maxRetries >= 0)
            retry.insert(QStringLiteral("max"), t.maxRetries);
        if (t.retryIntervalMs > 0)
            retry.insert(QStringLiteral("interval"), formatDuration(t.retryIntervalMs));
        if (!retry.isEmpty())
            o.insert(QStringLiteral("retry"), retry);
        targetArray.append(o);
    }
    return {
        {QStringLiteral("cluster_id"), clusterId},
        {QStringLiteral("node_id"), nodeId},
        {QStringLiteral("max_nodes"), maxNodes},
        {QStringLiteral("load_balance_strategy"), strategyName(loadBalanceStrategy)},
        {QStringLiteral("health_check_interval"), formatDuration(healthCheckIntervalMs)},
        {QStringLiteral("node_timeout"), formatDuration(nodeTimeoutMs)},
        {QStringLiteral("sync_workers"), syncWorkers},
        {QStringLiteral("sync_queue_size"), syncQueueSize},
        {QStringLiteral("sync_retry_interval"), formatDuration(syncRetryIntervalMs)},
        {QStringLiteral("max_sync_retries"), maxSyncRetries},
        {QStringLiteral("sync_timeout"), formatDuration(syncTimeoutMs)},
        {QStringLiteral("metrics_enabled"), metricsEnabled},
        {QStringLiteral("log_level"), logLevel},
        {QStringLiteral("health_check_timeout"), formatDuration(healthCheckTimeoutMs)},
        {QStringLiteral("rise"), rise},
        {QStringLiteral("fall"), fall},
        {QStringLiteral("fast_interval"), formatDuration(fastIntervalMs)},
        {QStringLiteral("down_interval"), formatDuration(downIntervalMs)},
        {QStringLiteral("check_jitter"), checkJitterPercent},
        {QStringLiteral("slow_start"), formatDuration(slowStartMs)},
        {QStringLiteral("sync_batch_window"), formatDuration(syncBatchWindowMs)},
        {QStringLiteral("sync_backlog_limit"), syncBacklogLimit},
        {QStringLiteral("cluster_secret"), clusterSecret},
        {QStringLiteral("cluster_sync_path"), clusterSyncPath},
        {QStringLiteral("log_retention"), formatDuration(logRetentionMs)},
        {QStringLiteral("api_tls_cert"), apiTlsCert},
        {QStringLiteral("api_tls_key"), apiTlsKey},
        {QStringLiteral("metrics_public"), metricsPublic},
        {QStringLiteral("sync_max_event_bytes"), syncMaxEventBytes},
        {QStringLiteral("retention"), formatDuration(retentionMs)},
        {QStringLiteral("backup_dir"), backupDir},
        {QStringLiteral("backup_interval"), formatDuration(backupIntervalMs)},
        {QStringLiteral("backup_keep"), backupKeep},
        {QStringLiteral("backup_passphrase_file"), backupPassphraseFile},
        {QStringLiteral("targets"), targetArray},
    };
}

QJsonObject ClusterConfig::toMaskedJsonObject() const
{
    ClusterConfig masked = *this;
    masked.clusterSecret = maskSecret(clusterSecret);
    for (TargetConfig &t : masked.targets)
        t.secret = maskSecret(t.secret);
    return masked.toJsonObject();
}

QByteArray ClusterConfig::toMaskedJson() const
{
    return QJsonDocument(toMaskedJsonObject()).toJson(QJsonDocument::Indented);
}

Status ClusterConfig::validate() const
{
    auto parsed = fromJsonObject(toJsonObject());
    if (!parsed)
        return parsed.error();
    return {};
}

Status ClusterConfig::checkFiles() const
{
    for (const TargetConfig &t : targets)
        if (Status s = validateTlsFiles(QStringLiteral("targets.%1.").arg(t.name), t.caFile,
                                        t.clientCert, t.clientKey, t.tokenFile);
            !s)
            return s;
    if (!backupPassphraseFile.isEmpty()) {
        auto passphrase = readSecretFile(backupPassphraseFile, QStringLiteral("backup passphrase"));
        if (!passphrase)
            return makeError(
                QStringLiteral("config.invalid"),
                QStringLiteral("key 'backup_passphrase_file': %1").arg(passphrase.error().message));
    }
    return {};
}

QList<ConfigWarning> ClusterConfig::warnings() const
{
    QList<ConfigWarning> out;
    if (clusterSecret.isEmpty())
        out << ConfigWarning{QStringLiteral("cluster_secret"), QString(),
                             QStringLiteral("key 'cluster_secret' is empty: cluster sync to the "
                                            "nodes goes out unsigned, and nodes cannot tell it "
                                            "from a forgery")};
    for (const TargetConfig &t : targets)
        if (t.secret.isEmpty())
            out << ConfigWarning{QStringLiteral("targets.%1.secret").arg(t.name), t.name,
                                 QStringLiteral("key 'targets.%1.secret' is empty: deliveries to "
                                                "%1 go out unsigned, and it cannot tell them "
                                                "from a forgery")
                                     .arg(t.name)};
    return out;
}

bool ClusterConfig::hasMaskedSecrets() const
{
    if (isMaskedSecret(clusterSecret))
        return true;
    for (const TargetConfig &t : targets)
        if (isMaskedSecret(t.secret))
            return true;
    return false;
}

Status ClusterConfig::resolveMaskedSecrets(const ClusterConfig &current)
{
    auto cluster =
        resolveMaskedSecret(QStringLiteral("cluster_secret"), clusterSecret, current.clusterSecret);
    if (!cluster)
        return cluster.error();
    clusterSecret = cluster.value();
    for (TargetConfig &t : targets) {
        const TargetConfig *was = current.target(t.name);
        auto secret = resolveMaskedSecret(QStringLiteral("targets.%1.secret").arg(t.name), t.secret,
                                          was ? was->secret : QString());
        if (!secret)
            return secret.error();
        t.secret = secret.value();
    }
    return {};
}

QByteArray ClusterConfig::toJson() const
{
    return QJsonDocument(toJsonObject()).toJson(QJsonDocument::Indented);
}

Status ClusterConfig::saveToFile(const QString &path) const
{
    if (hasMaskedSecrets())
        return makeError(
            QStringLiteral("config.masked_secret"),
            QStringLiteral("cannot write %1: a secret holds a masked value, not the secret itself")
                .arg(path));
    if (Status s = validate(); !s)
        return makeError(s.error().code,
                         QStringLiteral("cannot write %1: %2").arg(path, s.error().message));
    const QFileInfo info(path);
    if (!info.absoluteDir().exists()) {
        // A folder made here holds secrets: only the owner may list it.
        if (!QDir().mkpath(info.absolutePath()) ||
            !QFile::setPermissions(info.absolutePath(), QFileDevice::ReadOwner |
                                                            QFileDevice::WriteOwner |
                                                            QFileDevice::ExeOwner))
            return makeError(
                QStringLiteral("config.io"),
                QStringLiteral("cannot create folder %1 for %2").arg(info.absolutePath(), path));
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("config.io"), QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    // The file holds the signing secrets: owner only, whatever the umask says.
    if (!f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return makeError(
            QStringLiteral("config.io"),
            QStringLiteral("cannot restrict the permissions of %1: %2").arg(path, f.errorString()));
    f.write(toJson());
    if (!f.commit())
        return makeError(QStringLiteral("config.io"), QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    return {};
}

const TargetConfig *ClusterConfig::target(const QString &name) const
{
    for (const TargetConfig &t : targets)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace jobfirst
