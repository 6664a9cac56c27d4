// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/remoteenginesession.h"

#include "api/codec.h"
#include "core/cryptolifetime.h"
#include "core/portnumber.h"
#include "core/urltext.h"
#include "core/whenfinished.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimer>


namespace jobfirst {

namespace {

/// The port of a "scheme://[user@]host:port/…" URL as typed; none when no ':' follows the host
/// (never a part of the user's password).
std::optional<QString> typedPort(const QString &url)
{
    static const QRegularExpression authority(
        QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?:\\[[^\\]/?#]*\\]|[^:/?#]*)"
                       ":([^/?#@]*)(?=[/?#]|$)"));
    const QRegularExpressionMatch m = authority.match(url);
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1);
}

template <typename T>
Result<T> decodeAnswer(const Result<QJsonValue> &answer)
{
    if (!answer)
        return answer.error();
    auto value = codec::decode<T>(answer.value());
    if (!value)
        return makeError(QStringLiteral("remote.bad_answer"),
                         QStringLiteral("the engine's answer could not be read: %1").arg(value.error().message));
    return value;
}

template <typename T>
Result<QList<T>> decodeListAnswer(const Result<QJsonValue> &answer)
{
    if (!answer)
        return answer.error();
    auto value = codec::decodeList<T>(answer.value());
    if (!value)
        return makeError(QStringLiteral("remote.bad_answer"),
                         QStringLiteral("the engine's answer could not be read: %1").arg(value.error().message));
    return value;
}

QString nodePath(const QString &id, const QString &rest = {})
{
    return QStringLiteral("/api/v1/nodes/") + QString::fromLatin1(QUrl::toPercentEncoding(id)) + rest;
}

QString targetPath(const QString &name, const QString &rest = {})
{
    return QStringLiteral("/api/v1/sync/targets/") + QString::fromLatin1(QUrl::toPercentEncoding(name)) + rest;
}

QJsonArray idArray(const QList<qint64> &ids)
{
    QJsonArray a;
    for (qint64 id : ids)
        a.append(id);
    return a;
}

} // namespace

RemoteEngineSession::RemoteEngineSession(const RemoteOptions &options, QObject *parent)
    : EngineSession(parent), m_options(options), m_transport(new ApiTransport(options))
{
    keepCryptoUntilExit(); // before TLS on its transport's thread
    m_decoder = std::make_unique<SnapshotDecoder>(
        [this](EngineSnapshot s) { deliverSnapshot(std::move(s)); });
    m_info.remote = true;
    m_info.endpoint = options.server.toString();
    m_info.role = Role::Viewer;
    m_thread.setObjectName(QStringLiteral("jobfirst-remote"));
    m_transport->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_transport, &QObject::deleteLater);
    // Split on the session's thread; snapshots (hundreds of kB for a large cluster) are decoded
    // on the decoder's, and the result handed to this object's thread.
    connect(m_transport, &ApiTransport::streamEvent, m_transport,
            [this](const QByteArray &event, const QByteArray &data) { onStreamEvent(event, data); });
    connect(m_transport, &ApiTransport::streamState, this, [this](bool up, const Sentence &reason) {
        m_connected = up;
        emit connectionChanged(up, reason);
    });
    connect(m_transport, &ApiTransport::reconnectScheduled, this,
            &EngineSession::reconnectScheduled);
    m_thread.start();
}

RemoteEngineSession::~RemoteEngineSession()
{
    QMetaObject::invokeMethod(m_transport, &ApiTransport::closeStream, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_decoder.reset(); // nothing is decoded or handed over after this
}

void RemoteEngineSession::deliverSnapshot(EngineSnapshot decoded)
{
    // Decoder thread. A snapshot this thread has not drawn yet is replaced by the newer one
    // (with its events), so a busy window draws the latest instead of falling behind.
    QMutexLocker lock(&m_readyMutex);
    if (m_ready) {
        decoded.healthEvents = m_ready->healthEvents + decoded.healthEvents;
        decoded.alerts = m_ready->alerts + decoded.alerts;
    }
    m_ready = std::move(decoded);
    if (!std::exchange(m_readyPosted, true))
        QMetaObject::invokeMethod(this, [this] {
            EngineSnapshot ready;
            {
                QMutexLocker lock(&m_readyMutex);
                ready = std::move(*m_ready);
                m_ready.reset();
                m_readyPosted = false;
            }
            emit this->snapshot(ready);
        });
}

Result<QByteArray> RemoteEngineSession::readTokenFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(
            QStringLiteral("token.file"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read the token file %1: %2"),
                     {path, f.errorString()}));
    const QByteArray token = f.read(4096).trimmed();
    if (token.isEmpty() || token.contains('\n') || token.contains(' '))
        return makeError(QStringLiteral("token.file"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "the token file %1 must hold one token on one "
                                                    "line"),
                                  {path}));
    return token;
}

Result<QUrl> RemoteEngineSession::parseServerUrl(const QString &text)
{
    // The port as typed: QUrl says only "invalid port or port number out of range", and takes
    // 0, on which no engine listens.
    if (const auto port = typedPort(text.trimmed()); port && !parsePort(*port, 1))
        return makeError(
            QStringLiteral("server.invalid"),
            QStringLiteral("\"%1\" is not an engine URL: %2")
                .arg(withoutUserInfo(text).left(200), parsePort(*port, 1).error().message));
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    // QUrl's own reason names the part at fault (a port out of range, a bad host); only its
    // first clause, which never quotes the text (a password typed into it stays unsaid).
    if (!url.isValid() && !text.trimmed().isEmpty())
        return makeError(
            QStringLiteral("server.invalid"),
            QStringLiteral("\"%1\" is not an engine URL (%2): use http://HOST:PORT or "
                           "https://HOST:PORT")
                .arg(withoutUserInfo(text).left(200), url.errorString().section(u';', 0, 0)));
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return makeError(
            QStringLiteral("server.invalid"),
            QStringLiteral("\"%1\" is not an engine URL: use http://HOST:PORT or https://HOST:PORT")
                .arg(withoutUserInfo(text).left(200)));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment() || (!url.path().isEmpty() && url.path() != QLatin1String("/")))
        return makeError(QStringLiteral("server.invalid"),
                         QStringLiteral("\"%1\": give only the scheme, host and port of the engine "
                                        "(no path, query or user)")
                             .arg(withoutUserInfo(text).left(200)));
    QUrl clean;
    clean.setScheme(url.scheme());
    clean.setHost(url.host());
    clean.setPort(url.port());
    return clean;
}

QFuture<Status> RemoteEngineSession::connectToEngine(bool liveStream)
{
    m_liveStream = liveStream;
    return whenFinishedThen(call("GET", QStringLiteral("/api/v1/whoami")), this,
                            [this](const Result<QJsonValue> &answer) -> Status {
                                auto who = decodeAnswer<SessionInfo>(answer);
                                if (!who)
                                    return who.error();
                                m_info.role = who->role;
                                m_info.actor = who->actor;
                                m_info.demo = who->demo;
                                if (m_liveStream)
                                    QMetaObject::invokeMethod(
                                        m_transport,
                                        [t = m_transport, ms = m_refreshMs] { t->openStream(ms); });
                                return {};
                            });
}

SessionInfo RemoteEngineSession::info() const
{
    return m_info;
}

void RemoteEngineSession::setRefreshInterval(int ms)
{
    m_refreshMs = ms;
    if (m_liveStream)
        QMetaObject::invokeMethod(m_transport, [t = m_transport, ms] { t->openStream(ms); });
}

void RemoteEngineSession::onStreamEvent(const QByteArray &event, const QByteArray &data)
{
    // The server sends health changes and alerts as their own events; they are handed on in
    // the next snapshot, as the embedded engine does.
    if (event == "snapshot") {
        m_decoder->submit(data, std::exchange(m_pendingEvents, {}),
                          std::exchange(m_pendingAlerts, {}));
        return;
    }
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    if (event == "health") {
        if (auto e = codec::decode<HealthEvent>(o)) {
            m_pendingEvents << e.value();
            QMetaObject::invokeMethod(this, [this, e = e.value()] { emit healthChanged(e); });
        }
    } else if (event == "alert") {
        if (auto a = codec::decode<Alert>(o))
            m_pendingAlerts << a.value();
    } else if (event == "config") {
        QMetaObject::invokeMethod(this, [this, v = o.value(QStringLiteral("version")).toInt(), a = o.value(QStringLiteral("actor")).toString()] {
            emit configApplied(v, a);
        });
    } else if (event == "config_error") {
        QMetaObject::invokeMethod(this, [this, m = o.value(QStringLiteral("message")).toString(),
                                         c = o.value(QStringLiteral("code")).toString()] {
            emit configReloadFailed(m, c);
        });
    }
}

template <typename Decode>
auto RemoteEngineSession::call(const ApiRequest &request, Decode decode)
    -> QFuture<std::invoke_result_t<Decode, const Result<QJsonValue> &>>
{
    using T = std::invoke_result_t<Decode, const Result<QJsonValue> &>;
    auto promise = std::make_shared<QPromise<T>>();
    QFuture<T> future = promise->future();
    promise->start();
    QMetaObject::invokeMethod(
        m_transport, [t = m_transport, request, promise, decode = std::move(decode)] {
            t->send(request, [promise, decode](const Result<QJsonValue> &answer) {
                promise->addResult(decode(answer));
                promise->finish();
            });
        });
    return future;
}

template <typename Decode>
auto RemoteEngineSession::call(const QByteArray &method, const QString &path,
                               const QJsonValue &body, Decode decode)
    -> QFuture<std::invoke_result_t<Decode, const Result<QJsonValue> &>>
{
    ApiRequest r;
    r.method = method;
    r.path = path;
    if (body.isObject())
        r.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    else if (body.isArray())
        r.body = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
    return call(r, std::move(decode));
}

QFuture<Result<QJsonValue>> RemoteEngineSession::call(const ApiRequest &request)
{
    return call(request, [](const Result<QJsonValue> &answer) { return answer; });
}

QFuture<Result<QJsonValue>> RemoteEngineSession::call(const QByteArray &method, const QString &path,
                                                      const QJsonValue &body)
{
    return call(method, path, body, [](const Result<QJsonValue> &answer) { return answer; });
}

template <typename T>
QFuture<Result<T>> RemoteEngineSession::get(const QString &path, const QUrlQuery &query)
{
    ApiRequest r;
    r.path = path;
    r.query = query;
    return call(r, [](const Result<QJsonValue> &a) { return decodeAnswer<T>(a); });
}

template <typename T>
QFuture<Result<T>> RemoteEngineSession::send(const QByteArray &method, const QString &path, const QJsonValue &body)
{
    return call(method, path, body, [](const Result<QJsonValue> &a) { return decodeAnswer<T>(a); });
}

QFuture<Status> RemoteEngineSession::act(const QByteArray &method, const QString &path, const QJsonValue &body)
{
    return call(method, path, body,
                [](const Result<QJsonValue> &a) { return a ? Status() : Status(a.error()); });
}

QFuture<Result<int>> RemoteEngineSession::count(const QString &path, const QJsonValue &body, const char *field)
{
    return call("POST", path, body, [field](const Result<QJsonValue> &a) -> Result<int> {
        if (!a)
            return a.error();
        return a->toObject().value(QLatin1String(field)).toInt();
    });
}

// Nodes.

QFuture<Result<QList<NodeStatus>>> RemoteEngineSession::nodes()
{
    return call("GET", QStringLiteral("/api/v1/nodes"), {},
                [](const Result<QJsonValue> &a) { return decodeListAnswer<NodeStatus>(a); });
}

QFuture<Result<NodeStatus>> RemoteEngineSession::addNode(const NodeSpec &spec)
{
    return send<NodeStatus>("POST", QStringLiteral("/api/v1/nodes"), codec::encode(spec));
}

QFuture<Result<NodeStatus>> RemoteEngineSession::editNode(const NodeSpec &spec)
{
    return send<NodeStatus>("PUT", nodePath(spec.id), codec::encode(spec));
}

QFuture<Status> RemoteEngineSession::removeNode(const QString &id)
{
    return act("DELETE", nodePath(id));
}

QFuture<Status> RemoteEngineSession::setNodeWeight(const QString &id, int weight)
{
    return act("POST", nodePath(id, QStringLiteral("/weight")), QJsonObject{{QStringLiteral("weight"), weight}});
}

QFuture<Status> RemoteEngineSession::setAdminState(const QString &id, AdminState state)
{
    const QString verb = state == AdminState::Drain ? QStringLiteral("/drain")
                         : state == AdminState::Maintenance ? QStringLiteral("/maintenance")
                                                            : QStringLiteral("/ready");
    return act("POST", nodePath(id, verb), QJsonObject());
}

QFuture<Result<QList<HealthEvent>>> RemoteEngineSession::nodeHistory(const QString &id, int limit)
{
    ApiRequest r;
    r.path = nodePath(id, QStringLiteral("/history"));
    r.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<HealthEvent>(a); });
}

QFuture<Result<QList<NodeCheck>>> RemoteEngineSession::checkNodes(const QStringList &ids)
{
    return call("POST", QStringLiteral("/api/v1/nodes/check"),
                QJsonObject{{QStringLiteral("ids"), QJsonArray::fromStringList(ids)}},
                [](const Result<QJsonValue> &a) { return decodeListAnswer<NodeCheck>(a); });
}

QFuture<Result<CheckResult>> RemoteEngineSession::probe(const QUrl &url)
{
    return send<CheckResult>("POST", QStringLiteral("/api/v1/probe"), QJsonObject{{QStringLiteral("url"), url.toString()}});
}

QFuture<Result<ClusterStats>> RemoteEngineSession::clusterStats()
{
    return get<ClusterStats>(QStringLiteral("/api/v1/status"));
}

// Balancing.

QFuture<Result<PickReport>> RemoteEngineSession::pick(const PickRequest &request)
{
    return send<PickReport>("POST", QStringLiteral("/api/v1/balancing/pick"), codec::encode(request));
}

QFuture<Result<SimulationReport>> RemoteEngineSession::simulate(const SimulationRequest &request,
                                                                std::shared_ptr<JobControl> control)
{
    ApiRequest r;
    r.method = "POST";
    r.path = QStringLiteral("/api/v1/balancing/simulate");
    r.body = QJsonDocument(codec::encode(request)).toJson(QJsonDocument::Compact);
    r.timeoutMs = 10 * 60 * 1000;
    if (control)
        control->report(0);
    return call(r, [control](const Result<QJsonValue> &a) {
        if (control)
            control->report(1);
        return decodeAnswer<SimulationReport>(a);
    });
}

// Sync.

QFuture<Result<QList<SyncEvent>>> RemoteEngineSession::sendEvents(const QList<SyncEvent> &events, SyncMode mode,
                                                                  const QString &target)
{
    QJsonObject body{{QStringLiteral("events"), codec::encodeList(events)},
                     {QStringLiteral("mode"), mode == SyncMode::NearRealTime ? QStringLiteral("near-real-time")
                                              : mode == SyncMode::Bulk       ? QStringLiteral("bulk")
                                                                             : QStringLiteral("real-time")}};
    if (!target.isEmpty())
        body.insert(QStringLiteral("target"), target);
    return call("POST", QStringLiteral("/api/v1/sync/events"), body,
                [](const Result<QJsonValue> &a) -> Result<QList<SyncEvent>> {
                    if (!a)
                        return a.error();
                    return decodeListAnswer<SyncEvent>(
                        a->toObject().value(QStringLiteral("events")));
                });
}

QFuture<Result<ImportProgress>> RemoteEngineSession::importUsers(const QString &path, int batchSize,
                                                                 std::shared_ptr<JobControl> control)
{
    // The file is uploaded and imported by the engine as a job; its progress is polled.
    ApiRequest upload;
    upload.method = "POST";
    upload.path = QStringLiteral("/api/v1/sync/imports");
    upload.query.addQueryItem(QStringLiteral("batch"), QString::number(batchSize));
    upload.query.addQueryItem(QStringLiteral("name"), QFileInfo(path).fileName());
    upload.uploadFile = path;
    upload.timeoutMs = 10 * 60 * 1000;
    auto promise = std::make_shared<QPromise<Result<ImportProgress>>>();
    QFuture<Result<ImportProgress>> future = promise->future();
    promise->start();
    whenFinished(call(upload), this, [this, promise, control](const Result<QJsonValue> &started) {
        if (!started) {
            promise->addResult(Result<ImportProgress>(started.error()));
            promise->finish();
            return;
        }
        const QString job = QStringLiteral("/api/v1/sync/imports/") + started->toObject().value(QStringLiteral("id")).toString();
        auto *poll = new QTimer(this);
        auto busy = std::make_shared<bool>(false);
        connect(poll, &QTimer::timeout, this, [this, poll, busy, job, promise, control] {
            if (*busy)
                return;
            *busy = true;
            const bool cancel = control && control->isCancelled();
            whenFinished(call(cancel ? "DELETE" : "GET", job), this,
                         [poll, busy, promise, control](const Result<QJsonValue> &a) {
                             *busy = false;
                             if (!a) {
                                 poll->deleteLater();
                                 promise->addResult(Result<ImportProgress>(a.error()));
                                 promise->finish();
                                 return;
                             }
                             const QJsonObject o = a->toObject();
                             auto progress =
                                 codec::decode<ImportProgress>(o.value(QStringLiteral("progress")));
                             if (control && progress)
                                 control->report(progress->bytesTotal
                                                     ? double(progress->bytesDone) /
                                                           double(progress->bytesTotal)
                                                     : 0,
                                                 progress.value());
                             const QString state = o.value(QStringLiteral("state")).toString();
                             if (state == QLatin1String("running"))
                                 return;
                             poll->deleteLater();
                             if (state == QLatin1String("failed"))
                                 promise->addResult(Result<ImportProgress>(
                                     makeError(QStringLiteral("import.failed"),
                                               o.value(QStringLiteral("error")).toString())));
                             else
                                 promise->addResult(progress);
                             promise->finish();
                         });
        });
        poll->start(300);
    });
    return future;
}

QFuture<Result<QList<DaemonStatus>>> RemoteEngineSession::daemons()
{
    return call("GET", QStringLiteral("/api/v1/daemons"), {},
                [](const Result<QJsonValue> &a) { return decodeListAnswer<DaemonStatus>(a); });
}

QFuture<Status> RemoteEngineSession::forgetDaemon(const QString &id)
{
    return act("DELETE", QStringLiteral("/api/v1/daemons/") +
                             QString::fromLatin1(QUrl::toPercentEncoding(id)));
}

QFuture<Result<SyncStats>> RemoteEngineSession::syncStats()
{
    return get<SyncStats>(QStringLiteral("/api/v1/sync/stats"));
}

QFuture<Result<TargetStatus>> RemoteEngineSession::targetStatus(const QString &target)
{
    return get<TargetStatus>(targetPath(target));
}

QFuture<Result<QList<QueuedDelivery>>> RemoteEngineSession::queue(const QString &target, int limit)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/sync/queue");
    r.query.addQueryItem(QStringLiteral("target"), target);
    r.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<QueuedDelivery>(a); });
}

QFuture<Result<QList<DeadLetter>>> RemoteEngineSession::deadLetters(const QString &target, int limit)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/sync/dead-letters");
    r.query.addQueryItem(QStringLiteral("target"), target);
    r.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<DeadLetter>(a); });
}

QFuture<Result<QList<DeliveryAttempt>>> RemoteEngineSession::attempts(qint64 deliveryId)
{
    return call("GET", QStringLiteral("/api/v1/sync/dead-letters/%1/attempts").arg(deliveryId), {},
                [](const Result<QJsonValue> &a) { return decodeListAnswer<DeliveryAttempt>(a); });
}

QFuture<Result<int>> RemoteEngineSession::retryDeadLetters(const QList<qint64> &ids)
{
    return count(QStringLiteral("/api/v1/sync/dead-letters/retry"), QJsonObject{{QStringLiteral("ids"), idArray(ids)}}, "retried");
}

QFuture<Result<int>> RemoteEngineSession::discardDeadLetters(const QList<qint64> &ids)
{
    return count(QStringLiteral("/api/v1/sync/dead-letters/discard"), QJsonObject{{QStringLiteral("ids"), idArray(ids)}}, "discarded");
}

QFuture<Result<int>> RemoteEngineSession::replay(const QString &target, qint64 sinceMs, qint64 untilMs)
{
    QJsonObject body{{QStringLiteral("target"), target}, {QStringLiteral("since"), codec::isoTime(sinceMs)}};
    if (untilMs != std::numeric_limits<qint64>::max())
        body.insert(QStringLiteral("until"), codec::isoTime(untilMs));
    return count(QStringLiteral("/api/v1/sync/replay"), body, "replayed");
}

QFuture<Result<QList<ConsistencyReport>>> RemoteEngineSession::checkConsistency(const QStringList &targets, bool repair)
{
    ApiRequest r;
    r.method = "POST";
    r.path = QStringLiteral("/api/v1/sync/check");
    r.body = QJsonDocument(QJsonObject{{QStringLiteral("targets"), QJsonArray::fromStringList(targets)},
                                       {QStringLiteral("repair"), repair}})
                 .toJson(QJsonDocument::Compact);
    r.timeoutMs = 30 * 60 * 1000;
    return call(r,
                [](const Result<QJsonValue> &a) { return decodeListAnswer<ConsistencyReport>(a); });
}

QFuture<Status> RemoteEngineSession::setTargetPaused(const QString &target, bool paused)
{
    return act("POST", targetPath(target, paused ? QStringLiteral("/pause") : QStringLiteral("/resume")), QJsonObject());
}

QFuture<Status> RemoteEngineSession::setTargetEnabled(const QString &target, bool enabled)
{
    return act("POST", targetPath(target, enabled ? QStringLiteral("/enable") : QStringLiteral("/disable")), QJsonObject());
}

// Configuration.

QFuture<Result<ClusterConfig>> RemoteEngineSession::config(bool revealSecrets)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/config");
    if (revealSecrets)
        r.query.addQueryItem(QStringLiteral("reveal_secrets"), QStringLiteral("true"));
    return call(r, [](const Result<QJsonValue> &a) -> Result<ClusterConfig> {
        if (!a)
            return a.error();
        return ClusterConfig::fromJsonObject(a->toObject());
    });
}

QFuture<Status> RemoteEngineSession::checkConfig(const QByteArray &json)
{
    ApiRequest r;
    r.method = "POST";
    r.path = QStringLiteral("/api/v1/config/check");
    r.body = json;
    return call(r, [](const Result<QJsonValue> &a) { return a ? Status() : Status(a.error()); });
}

QFuture<Result<int>> RemoteEngineSession::applyConfig(const QByteArray &json)
{
    ApiRequest r;
    r.method = "PUT";
    r.path = QStringLiteral("/api/v1/config");
    r.body = json;
    return call(r, [](const Result<QJsonValue> &a) -> Result<int> {
        if (!a)
            return a.error();
        return a->toObject().value(QStringLiteral("version")).toInt();
    });
}

QFuture<Result<QList<ConfigVersion>>> RemoteEngineSession::configVersions(int limit)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/config/versions");
    r.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<ConfigVersion>(a); });
}

QFuture<Result<ConfigDiff>> RemoteEngineSession::configDiff(int from, int to)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("from"), QString::number(from));
    q.addQueryItem(QStringLiteral("to"), QString::number(to));
    return get<ConfigDiff>(QStringLiteral("/api/v1/config/diff"), q);
}

QFuture<Result<int>> RemoteEngineSession::rollbackConfig(int version)
{
    return call("POST", QStringLiteral("/api/v1/config/rollback"),
                QJsonObject{{QStringLiteral("version"), version}},
                [](const Result<QJsonValue> &a) -> Result<int> {
                    if (!a)
                        return a.error();
                    return a->toObject().value(QStringLiteral("version")).toInt();
                });
}

// SLO, logs, audit and tokens.

QFuture<Result<SloReport>> RemoteEngineSession::slo()
{
    return get<SloReport>(QStringLiteral("/api/v1/slo"));
}

QFuture<Result<QList<LogEntry>>> RemoteEngineSession::logs(const LogQuery &query)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/logs");
    const QList<std::pair<QString, QString>> items = {
        {QStringLiteral("level"), query.minLevel}, {QStringLiteral("node"), query.node}, {QStringLiteral("target"), query.target},
        {QStringLiteral("text"), query.text}, {QStringLiteral("since"), query.since ? codec::isoTime(query.since) : QString()},
        {QStringLiteral("until"), query.until ? codec::isoTime(query.until) : QString()}, {QStringLiteral("limit"), QString::number(query.limit)}};
    for (const auto &[key, value] : items)
        if (!value.isEmpty())
            r.query.addQueryItem(key, value);
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<LogEntry>(a); });
}

QFuture<Result<QList<AuditEntry>>> RemoteEngineSession::audit(const AuditQuery &query)
{
    ApiRequest r;
    r.path = QStringLiteral("/api/v1/audit");
    r.query.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    if (!query.filter.isEmpty())
        r.query.addQueryItem(QStringLiteral("filter"), query.filter);
    return call(r, [](const Result<QJsonValue> &a) { return decodeListAnswer<AuditEntry>(a); });
}

QFuture<Result<AuditVerification>> RemoteEngineSession::verifyAudit()
{
    return get<AuditVerification>(QStringLiteral("/api/v1/audit/verify"));
}

QFuture<Result<BackupInfo>> RemoteEngineSession::createBackup(const QString &path, const QByteArray &passphrase)
{
    // The passphrase travels in the body (TLS off loopback), never in the URL or a log.
    return send<BackupInfo>("POST", QStringLiteral("/api/v1/backups"),
                            QJsonObject{{QStringLiteral("path"), path},
                                        {QStringLiteral("passphrase"), QString::fromUtf8(passphrase)}});
}

QFuture<Result<BackupInfo>> RemoteEngineSession::verifyBackup(const QString &path,
                                                              const QByteArray &passphrase)
{
    return send<BackupInfo>(
        "POST", QStringLiteral("/api/v1/backups/verify"),
        QJsonObject{{QStringLiteral("path"), path},
                    {QStringLiteral("passphrase"), QString::fromUtf8(passphrase)}});
}

QFuture<Result<BackupInfo>> RemoteEngineSession::restoreBackup(const QString &path,
                                                               const QByteArray &passphrase,
                                                               const QString &newDbPath)
{
    return send<BackupInfo>(
        "POST", QStringLiteral("/api/v1/backups/restore"),
        QJsonObject{{QStringLiteral("path"), path},
                    {QStringLiteral("passphrase"), QString::fromUtf8(passphrase)},
                    {QStringLiteral("to"), newDbPath}});
}

QFuture<Result<CreatedToken>> RemoteEngineSession::createToken(const QString &name, Role role, const QString &nodeId)
{
    QJsonObject body{{QStringLiteral("name"), name}, {QStringLiteral("role"), roleName(role)}};
    if (!nodeId.isEmpty())
        body.insert(QStringLiteral("node"), nodeId);
    return send<CreatedToken>("POST", QStringLiteral("/api/v1/tokens"), body);
}

QFuture<Result<QList<ApiToken>>> RemoteEngineSession::tokens()
{
    return call("GET", QStringLiteral("/api/v1/tokens"), {},
                [](const Result<QJsonValue> &a) { return decodeListAnswer<ApiToken>(a); });
}

QFuture<Status> RemoteEngineSession::revokeToken(const QString &name)
{
    return act("DELETE", QStringLiteral("/api/v1/tokens/") + QString::fromLatin1(QUrl::toPercentEncoding(name)));
}

} // namespace jobfirst
