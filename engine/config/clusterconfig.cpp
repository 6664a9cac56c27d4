// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/clusterconfig.h"

#include "config/targetrules.h"
#include "config/textposition.h"
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

#include <cmath>
#include <functional>

namespace jobfirst {

namespace {

/// A value as a config error quotes it: JSON's own words, a long string cut.
Sentence shownValue(const QJsonValue &value)
{
    if (value.isString())
        return QString(u'"' +
                       (value.toString().size() > 100
                            ? value.toString().left(100) + QStringLiteral("…")
                            : value.toString()) +
                       u'"');
    if (value.isDouble())
        return QString::number(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isNull())
        return QStringLiteral("null");
    return value.isArray() ? Sentence(QT_TRANSLATE_NOOP("EngineSentence", "an array"))
                           : Sentence(QT_TRANSLATE_NOOP("EngineSentence", "an object"));
}

/// "key 'batch_size': value 0 is out of range (1..1000)": the key is the sentence's first
/// value (inTarget() names the target in it).
Error keyError(const QString &key, const QJsonValue &value, const Sentence &why)
{
    return makeError(QStringLiteral("config.invalid"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "key '%1': value %2 %3"),
                              {key, shownValue(value), why}));
}

Sentence outOfRange(const QString &lo, const QString &hi)
{
    return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "is out of range (%1..%2)"), {lo, hi});
}

Sentence longerThan(int maxBytes)
{
    return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "is longer than %1 bytes"),
                    {Sentence::value(maxBytes)});
}

Status readInt(const QJsonObject &o, const QString &key, int lo, int hi, int *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    // std::trunc, not a cast: casting 1e300 to an integer is undefined (found by fuzz_config).
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() != std::trunc(v.toDouble()))
        return keyError(key, v, QT_TRANSLATE_NOOP("EngineSentence", "is not a whole number"));
    const double d = v.toDouble();
    if (d < lo || d > hi)
        return keyError(key, v, outOfRange(QString::number(lo), QString::number(hi)));
    *out = int(d);
    return {};
}

Status readDuration(const QJsonObject &o, const QString &key, qint64 lo, qint64 hi, qint64 *out)
{
    if (!o.contains(key))
        return {};
    const QJsonValue v = o.value(key);
    if (!v.isString())
        return keyError(key, v,
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "is not a duration string (use e.g. 500ms, 30s, 2m)"));
    const auto ms = parseDuration(v.toString());
    if (!ms)
        return keyError(key, v,
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "is not a duration (use e.g. 500ms, 30s, 2m)"));
    if (ms.value() < lo || ms.value() > hi)
        return keyError(key, v, outOfRange(formatDuration(lo), formatDuration(hi)));
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
        return keyError(key, v, QT_TRANSLATE_NOOP("EngineSentence", "is not a string"));
    const QString text = v.toString();
    if (text.size() > maxBytes || text.toUtf8().size() > maxBytes)
        return keyError(key, v, longerThan(maxBytes));
    if (hasControlCharacters(text))
        return keyError(key, v, QT_TRANSLATE_NOOP("EngineSentence", "holds control characters"));
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
        return keyError(shownKey, v, QT_TRANSLATE_NOOP("EngineSentence", "is not a string"));
    const QString text = v.toString();
    if (text.size() > 4096)
        return makeError(QStringLiteral("config.invalid_secret"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "key '%1': the secret is longer than 4096 "
                                                    "characters"),
                                  {shownKey}));
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
        return keyError(key, v, QT_TRANSLATE_NOOP("EngineSentence", "is not true or false"));
    *out = v.toBool();
    return {};
}

Status checkUrl(const QString &key, const QString &text)
{
    const Sentence fault = TargetRules::urlFault(text);
    if (fault.isEmpty())
        return {};
    const bool hidden = TargetRules::holdsCredentials(text);
    return keyError(
        key, QJsonValue(hidden ? QStringLiteral("(hidden: it holds credentials)") : text), fault);
}

/// A target's settings are these: any other key is refused.
Status checkTargetKeys(const QJsonObject &o, const QString &where)
{
    static const QSet<QString> keys = {
        QStringLiteral("name"),         QStringLiteral("url"),         QStringLiteral("events"),
        QStringLiteral("timeout"),      QStringLiteral("retry"),       QStringLiteral("batch_size"),
        QStringLiteral("rate_limit"),   QStringLiteral("secret"),      QStringLiteral("enabled"),
        QStringLiteral("ca_file"),      QStringLiteral("client_cert"), QStringLiteral("client_key"),
        QStringLiteral("tls_insecure"), QStringLiteral("token_file")};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!keys.contains(it.key()))
            return makeError(QStringLiteral("config.unknown_key"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "key '%1.%2' is not a known target setting"),
                                      {where, it.key()}));
    return {};
}

Status readTargetName(const QJsonObject &o, const QString &where, QString *name)
{
    if (!readString(o, QStringLiteral("name"), name, ClusterConfig::MaxIdBytes))
        return keyError(where + QStringLiteral(".name"), o.value(QStringLiteral("name")),
                        Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                   "must be 1-%1 letters, digits, '.', '_' or '-'"),
                                 {Sentence::value(ClusterConfig::MaxIdBytes)}));
    if (name->isEmpty() || name->contains(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]"))))
        return keyError(where + QStringLiteral(".name"), o.value(QStringLiteral("name")),
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "must be non-empty letters, digits, '.', '_' or '-'"));
    return {};
}

/// The shared readers name the bare key; inside a target the error names the target too.
Error inTarget(const QString &prefix, const Status &st, const QString &group = {})
{
    const Error &e = st.error();
    // keyError() names the key first.
    const QString key = prefix + group + e.sentence.values().value(0).english();
    return makeError(e.code, e.sentence.withValue(0, key));
}

Status readEvents(const QJsonObject &o, const QString &prefix, QStringList *out)
{
    const QJsonValue events = o.value(QStringLiteral("events"));
    if (events.isUndefined())
        return {};
    if (!events.isArray())
        return keyError(prefix + QStringLiteral("events"), events,
                        QT_TRANSLATE_NOOP("EngineSentence", "is not a list of event types"));
    for (const QJsonValue &e : events.toArray()) {
        if (!e.isString() || !TargetRules::eventTypes().contains(e.toString()))
            return keyError(
                prefix + QStringLiteral("events"), e,
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "is not an event type (%1)"),
                         {TargetRules::eventTypes().join(u", ")}));
        *out << e.toString();
    }
    return {};
}

Status readRetry(const QJsonObject &o, const QString &prefix, TargetConfig &t)
{
    const QJsonValue retry = o.value(QStringLiteral("retry"));
    if (retry.isUndefined())
        return {};
    if (!retry.isObject())
        return keyError(prefix + QStringLiteral("retry"), retry,
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "is not an object like {\"max\": 3, \"interval\": \"5s\"}"));
    const QJsonObject r = retry.toObject();
    for (auto it = r.begin(); it != r.end(); ++it)
        if (it.key() != u"max" && it.key() != u"interval")
            return makeError(
                QStringLiteral("config.unknown_key"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "key '%1retry.%2' is not a known retry setting (max, "
                                           "interval)"),
                         {prefix, it.key()}));
    Status s;
    if (!(s = readInt(r, QStringLiteral("max"), 0, TargetRules::MaxRetries, &t.maxRetries)))
        return inTarget(prefix, s, QStringLiteral("retry."));
    if (!(s = readDuration(r, QStringLiteral("interval"), TargetRules::MinRetryIntervalMs,
                           TargetRules::MaxRetryIntervalMs, &t.retryIntervalMs)))
        return inTarget(prefix, s, QStringLiteral("retry."));
    return {};
}

Status readRateLimit(const QJsonObject &o, const QString &prefix, double *rate)
{
    if (!o.contains(QStringLiteral("rate_limit")))
        return {};
    const QJsonValue v = o.value(QStringLiteral("rate_limit"));
    if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > TargetRules::MaxRateLimit)
        return keyError(
            prefix + QStringLiteral("rate_limit"), v,
            QT_TRANSLATE_NOOP("EngineSentence",
                              "is not a rate in requests per second (0..1000000, 0 = unlimited)"));
    *rate = v.toDouble();
    return {};
}

/// The files of the target's TLS and authentication, and whether its certificate is checked.
Status readTargetTls(const QJsonObject &o, const QString &prefix, TargetConfig &t)
{
    Status s;
    if (!(s = readString(o, QStringLiteral("ca_file"), &t.caFile)))
        return inTarget(prefix, s);
    if (!(s = readString(o, QStringLiteral("client_cert"), &t.clientCert)))
        return inTarget(prefix, s);
    if (!(s = readString(o, QStringLiteral("client_key"), &t.clientKey)))
        return inTarget(prefix, s);
    if (!(s = readBool(o, QStringLiteral("tls_insecure"), &t.tlsInsecure)))
        return inTarget(prefix, s);
    if (!(s = readString(o, QStringLiteral("token_file"), &t.tokenFile)))
        return inTarget(prefix, s);
    if (t.clientCert.isEmpty() != t.clientKey.isEmpty())
        return makeError(
            QStringLiteral("config.invalid"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "key '%1client_cert' and '%1client_key' go "
                                                         "together: give both or neither"),
                     {prefix}));
    return {};
}

Result<TargetConfig> parseTarget(const QJsonValue &value, int index)
{
    const QString where = QStringLiteral("targets[%1]").arg(index);
    if (!value.isObject())
        return keyError(where, value, QT_TRANSLATE_NOOP("EngineSentence", "is not an object"));
    const QJsonObject o = value.toObject();
    Status s;
    if (!(s = checkTargetKeys(o, where)))
        return s.error();
    TargetConfig t;
    t.events.clear();
    if (!(s = readTargetName(o, where, &t.name)))
        return s.error();
    const QString prefix = QStringLiteral("targets.%1.").arg(t.name);
    if (!(s = readString(o, QStringLiteral("url"), &t.url, ClusterConfig::MaxUrlBytes)))
        return inTarget(prefix, s);
    if (!(s = checkUrl(prefix + QStringLiteral("url"), t.url)))
        return s.error();
    if (!(s = readEvents(o, prefix, &t.events)))
        return s.error();
    if (!(s = readDuration(o, QStringLiteral("timeout"), TargetRules::MinTimeoutMs,
                           TargetRules::MaxTimeoutMs, &t.timeoutMs)))
        return inTarget(prefix, s);
    if (!(s = readRetry(o, prefix, t)))
        return s.error();
    if (!(s = readInt(o, QStringLiteral("batch_size"), 1, TargetRules::MaxBatchSize, &t.batchSize)))
        return inTarget(prefix, s);
    if (!(s = readRateLimit(o, prefix, &t.rateLimit)))
        return s.error();
    if (!(s = readSecret(o, QStringLiteral("secret"), prefix + QStringLiteral("secret"),
                         &t.secret)))
        return s.error();
    if (!(s = readBool(o, QStringLiteral("enabled"), &t.enabled)))
        return inTarget(prefix, s);
    if (!(s = readTargetTls(o, prefix, t)))
        return s.error();
    return t;
}

/// One top-level key of a config file: how it is read into a ClusterConfig and written back.
/// The table below is the one list of keys (unknown keys are refused against it).
struct Setting
{
    QString key;
    std::function<Status(const QJsonObject &, ClusterConfig &)> read;
    std::function<QJsonValue(const ClusterConfig &)> write;
};

template <typename T>
std::function<QJsonValue(const ClusterConfig &)> writeField(T ClusterConfig::*field)
{
    return [field](const ClusterConfig &c) { return QJsonValue(c.*field); };
}

Setting intSetting(const QString &key, int lo, int hi, int ClusterConfig::*field)
{
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                return readInt(o, key, lo, hi, &(c.*field));
            },
            writeField(field)};
}

Setting durationSetting(const QString &key, qint64 lo, qint64 hi, qint64 ClusterConfig::*field)
{
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                return readDuration(o, key, lo, hi, &(c.*field));
            },
            [field](const ClusterConfig &c) { return QJsonValue(formatDuration(c.*field)); }};
}

Setting boolSetting(const QString &key, bool ClusterConfig::*field)
{
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) { return readBool(o, key, &(c.*field)); },
            writeField(field)};
}

/// A string; `why` says what is wrong with a value read (empty when it is fine).
Setting stringSetting(const QString &key, QString ClusterConfig::*field, int maxBytes = 4096,
                      std::function<Sentence(const QString &)> why = {})
{
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                if (Status s = readString(o, key, &(c.*field), maxBytes); !s)
                    return s;
                if (const Sentence problem = why ? why(c.*field) : Sentence(); !problem.isEmpty())
                    return Status(keyError(key, o.value(key), problem));
                return Status();
            },
            writeField(field)};
}

Setting strategySetting()
{
    const QString key = QStringLiteral("load_balance_strategy");
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                QString name = strategyName(c.loadBalanceStrategy);
                if (Status s = readString(o, key, &name); !s)
                    return s;
                const auto strategy = strategyFromName(name);
                if (!strategy)
                    return Status(keyError(
                        key, o.value(key),
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "is not a strategy (round-robin, least-connections, "
                                          "weighted-round-robin, ip-hash, power-of-two)")));
                c.loadBalanceStrategy = *strategy;
                return Status();
            },
            [](const ClusterConfig &c) { return QJsonValue(strategyName(c.loadBalanceStrategy)); }};
}

Setting eventBytesSetting()
{
    const QString key = QStringLiteral("sync_max_event_bytes");
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                int bytes = int(c.syncMaxEventBytes);
                if (Status s = readInt(o, key, 1024, 64 * 1024 * 1024, &bytes); !s)
                    return s;
                c.syncMaxEventBytes = bytes;
                return Status();
            },
            writeField(&ClusterConfig::syncMaxEventBytes)};
}

Setting secretSetting()
{
    const QString key = QStringLiteral("cluster_secret");
    return {key,
            [=](const QJsonObject &o, ClusterConfig &c) {
                return readSecret(o, key, key, &c.clusterSecret);
            },
            writeField(&ClusterConfig::clusterSecret)};
}

Status readTargets(const QJsonObject &o, ClusterConfig &c)
{
    const QJsonValue v = o.value(QStringLiteral("targets"));
    if (v.isUndefined())
        return {};
    if (!v.isArray())
        return keyError(QStringLiteral("targets"), v,
                        QT_TRANSLATE_NOOP("EngineSentence", "is not a list of targets"));
    QList<TargetConfig> targets;
    QSet<QString> names;
    const QJsonArray a = v.toArray();
    for (int i = 0; i < a.size(); ++i) {
        auto t = parseTarget(a.at(i), i);
        if (!t)
            return t.error();
        if (names.contains(t->name))
            return makeError(QStringLiteral("config.invalid"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "key 'targets[%1].name': \"%2\" is used "
                                                        "by an earlier target"),
                                      {Sentence::value(i), t->name}));
        names.insert(t->name);
        targets << t.value();
    }
    c.targets = targets;
    return {};
}

QJsonObject targetToJson(const TargetConfig &t)
{
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
    return o;
}

Setting targetsSetting()
{
    return {QStringLiteral("targets"), readTargets, [](const ClusterConfig &c) {
                QJsonArray targets;
                for (const TargetConfig &t : c.targets)
                    targets.append(targetToJson(t));
                return QJsonValue(targets);
            }};
}

Sentence logLevelProblem(const QString &level)
{
    static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                       QStringLiteral("warning"), QStringLiteral("error")};
    return levels.contains(level)
               ? Sentence()
               : Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                            "is not a level (debug, info, warning, error)"));
}

Sentence syncPathProblem(const QString &path)
{
    return path.startsWith(u'/') && !path.contains(u' ')
               ? Sentence()
               : Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                            "must start with '/' and hold no spaces"));
}

/// Every key, in the order they are read (a file with several errors reports the first).
const std::vector<Setting> &settings()
{
    using C = ClusterConfig;
    constexpr qint64 Hour = 3600000, Day = 24 * Hour;
    static const std::vector<Setting> table = {
        stringSetting(QStringLiteral("cluster_id"), &C::clusterId, C::MaxIdBytes),
        stringSetting(QStringLiteral("node_id"), &C::nodeId, C::MaxIdBytes),
        intSetting(QStringLiteral("max_nodes"), 1, 10000, &C::maxNodes),
        strategySetting(),
        durationSetting(QStringLiteral("health_check_interval"), 50, Hour,
                        &C::healthCheckIntervalMs),
        durationSetting(QStringLiteral("node_timeout"), 100, Day, &C::nodeTimeoutMs),
        intSetting(QStringLiteral("sync_workers"), 1, 64, &C::syncWorkers),
        intSetting(QStringLiteral("sync_queue_size"), 1, 1000000, &C::syncQueueSize),
        durationSetting(QStringLiteral("sync_retry_interval"), 1, Hour, &C::syncRetryIntervalMs),
        intSetting(QStringLiteral("max_sync_retries"), 0, 100, &C::maxSyncRetries),
        durationSetting(QStringLiteral("sync_timeout"), 10, 600000, &C::syncTimeoutMs),
        boolSetting(QStringLiteral("metrics_enabled"), &C::metricsEnabled),
        stringSetting(QStringLiteral("log_level"), &C::logLevel, 4096, logLevelProblem),
        durationSetting(QStringLiteral("health_check_timeout"), 10, 600000,
                        &C::healthCheckTimeoutMs),
        intSetting(QStringLiteral("rise"), 1, 100, &C::rise),
        intSetting(QStringLiteral("fall"), 1, 100, &C::fall),
        durationSetting(QStringLiteral("fast_interval"), 50, Hour, &C::fastIntervalMs),
        durationSetting(QStringLiteral("down_interval"), 50, Hour, &C::downIntervalMs),
        intSetting(QStringLiteral("check_jitter"), 0, 50, &C::checkJitterPercent),
        durationSetting(QStringLiteral("slow_start"), 0, Hour, &C::slowStartMs),
        durationSetting(QStringLiteral("sync_batch_window"), 0, 600000, &C::syncBatchWindowMs),
        intSetting(QStringLiteral("sync_backlog_limit"), 1, 1000000000, &C::syncBacklogLimit),
        intSetting(QStringLiteral("sync_backlog_alert"), 1, 1000000000, &C::syncBacklogAlert),
        secretSetting(),
        eventBytesSetting(),
        durationSetting(QStringLiteral("retention"), Hour, 3650 * Day, &C::retentionMs),
        stringSetting(QStringLiteral("backup_dir"), &C::backupDir),
        durationSetting(QStringLiteral("backup_interval"), 60000, 365 * Day, &C::backupIntervalMs),
        intSetting(QStringLiteral("backup_keep"), 1, 1000, &C::backupKeep),
        stringSetting(QStringLiteral("backup_passphrase_file"), &C::backupPassphraseFile),
        stringSetting(QStringLiteral("cluster_sync_path"), &C::clusterSyncPath, C::MaxUrlBytes,
                      syncPathProblem),
        durationSetting(QStringLiteral("log_retention"), Hour, 3650 * Day, &C::logRetentionMs),
        stringSetting(QStringLiteral("api_tls_cert"), &C::apiTlsCert),
        stringSetting(QStringLiteral("api_tls_key"), &C::apiTlsKey),
        boolSetting(QStringLiteral("metrics_public"), &C::metricsPublic),
        targetsSetting(),
    };
    return table;
}

const Setting *setting(const QString &key)
{
    for (const Setting &s : settings())
        if (s.key == key)
            return &s;
    return nullptr;
}

/// What no single key can say: settings that must go together or agree.
Status checkCombinations(const ClusterConfig &c)
{
    if (c.clusterId.trimmed().isEmpty())
        return keyError(QStringLiteral("cluster_id"), QJsonValue(c.clusterId),
                        QT_TRANSLATE_NOOP("EngineSentence", "must not be empty"));
    if (c.apiTlsCert.isEmpty() != c.apiTlsKey.isEmpty()) {
        const QString missing =
            c.apiTlsCert.isEmpty() ? QStringLiteral("api_tls_cert") : QStringLiteral("api_tls_key");
        const QString given =
            c.apiTlsCert.isEmpty() ? QStringLiteral("api_tls_key") : QStringLiteral("api_tls_cert");
        return keyError(missing, QJsonValue(QString()),
                        Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                   "must be set together with %1 (TLS needs both "
                                                   "the certificate and its key)"),
                                 {given}));
    }
    if (!c.backupDir.isEmpty() && c.backupPassphraseFile.isEmpty())
        return keyError(QStringLiteral("backup_passphrase_file"),
                        QJsonValue(c.backupPassphraseFile),
                        QT_TRANSLATE_NOOP("EngineSentence",
                                          "must name the passphrase file when backup_dir is set "
                                          "(backups are encrypted)"));
    if (c.healthCheckTimeoutMs > c.healthCheckIntervalMs)
        return keyError(QStringLiteral("health_check_timeout"),
                        QJsonValue(formatDuration(c.healthCheckTimeoutMs)),
                        Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                   "is longer than health_check_interval (%1)"),
                                 {formatDuration(c.healthCheckIntervalMs)}));
    return {};
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
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "the config is %1 bytes; at most %2 are read"),
                                  {Sentence::value(json.size()), Sentence::value(MaxFileBytes)}));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError) {
        const TextPosition at = TextPosition::ofJsonError(json, err.offset);
        return makeError(QStringLiteral("config.syntax"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "not valid JSON at line %1, column %2: %3"),
                                  {Sentence::value(at.line), Sentence::value(at.column),
                                   jsonSyntaxSentence(err)}));
    }
    if (!doc.isObject())
        return makeError(QStringLiteral("config.syntax"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the config must be a JSON object")));
    return fromJsonObject(doc.object());
}

Result<ClusterConfig> ClusterConfig::fromJsonObject(const QJsonObject &o)
{
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!setting(it.key()))
            return makeError(
                QStringLiteral("config.unknown_key"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "key '%1' is not a known setting"),
                         {it.key()}));
    ClusterConfig c;
    for (const Setting &s : settings())
        if (Status read = s.read(o, c); !read)
            return read.error();
    if (Status s = checkCombinations(c); !s)
        return s.error();
    return c;
}

Result<ClusterConfig> ClusterConfig::fromFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(
            QStringLiteral("config.io"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read config file %1: %2"),
                     {path, f.errorString()}));
    // Read at most one byte past the limit: a huge file is refused without being loaded.
    auto r = fromJson(f.read(MaxFileBytes + 1));
    if (!r)
        return makeError(r.error().code,
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1: %2"),
                                  {path, r.error().said()}));
    return r;
}

QJsonObject ClusterConfig::toJsonObject() const
{
    QJsonObject o;
    for (const Setting &s : settings())
        o.insert(s.key, s.write(*this));
    return o;
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
        if (Status s = validateTlsFiles(Sentence(QStringLiteral("targets.%1.").arg(t.name)), t.caFile,
                                        t.clientCert, t.clientKey, t.tokenFile);
            !s)
            return s;
    if (!backupPassphraseFile.isEmpty()) {
        auto passphrase = readSecretFile(backupPassphraseFile, QStringLiteral("backup passphrase"));
        if (!passphrase)
            return makeError(
                QStringLiteral("config.invalid"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence", "key 'backup_passphrase_file': %1"),
                         {passphrase.error().said()}));
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
