// SPDX-License-Identifier: GPL-3.0-or-later
#include "adminapiserver.h"

#include "api/codec.h"
#include "api/localenginesession.h"
#include "core/sentence.h"
#include "eventstreamhub.h"
#include "guardedserver.h"
#include "importjobs.h"
#include "store/apitokenstore.h"
#include "store/postgresstatestore.h"
#include "store/store.h"
#include "tlsserver.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTimer>

namespace jobfirst {

namespace {

QByteArray methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    default: return "UNKNOWN";
    }
}

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    for (const auto &[key, value] : request.headers())
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

/// Matches "/api/v1/nodes/{id}/drain" against a path; fills the captures.
bool matches(const QString &pattern, const QString &path, QHash<QString, QString> *params)
{
    const QStringList want = pattern.split(u'/');
    const QStringList have = path.split(u'/');
    if (want.size() != have.size())
        return false;
    QHash<QString, QString> captured;
    for (qsizetype i = 0; i < want.size(); ++i) {
        if (want[i].startsWith(u'{') && want[i].endsWith(u'}')) {
            if (have[i].isEmpty())
                return false;
            captured.insert(want[i].mid(1, want[i].size() - 2), QUrl::fromPercentEncoding(have[i].toUtf8()));
        } else if (want[i] != have[i]) {
            return false;
        }
    }
    *params = captured;
    return true;
}

bool isLoopback(const QHostAddress &a)
{
    return a.isLoopback();
}

} // namespace

AdminApiServer::AdminApiServer(LocalEngineSession *engine, const QString &dbPath, QObject *parent)
    : QAbstractHttpServer(parent), m_engine(engine), m_dbPath(dbPath), m_stream(new EventStreamHub(this)), m_imports(nullptr)
{
    connect(engine, &EngineSession::snapshot, this, &AdminApiServer::onSnapshot);
    connect(engine, &EngineSession::healthChanged, m_stream, &EventStreamHub::publishHealth);
    connect(engine, &EngineSession::configApplied, m_stream, &EventStreamHub::publishConfig);
    connect(engine, &EngineSession::configReloadFailed, m_stream, &EventStreamHub::publishConfigError);
    addRoutes();
}

AdminApiServer::~AdminApiServer() = default;

Status AdminApiServer::start(const AdminApiOptions &options)
{
    m_options = options;
    const bool tls = !options.tlsCert.isEmpty();
    if (!tls && !isLoopback(options.address))
        return makeError(QStringLiteral("api.plaintext"),
                         QStringLiteral("the admin API listens on %1 without TLS: plain HTTP is only allowed on a loopback "
                                        "address; set api_tls_cert and api_tls_key in the config")
                             .arg(options.address.toString()));
    if (tls) {
        QFile certFile(options.tlsCert), keyFile(options.tlsKey);
        if (!certFile.open(QIODevice::ReadOnly))
            return makeError(QStringLiteral("api.tls"), QStringLiteral("api_tls_cert: cannot read %1: %2").arg(options.tlsCert, certFile.errorString()));
        if (!keyFile.open(QIODevice::ReadOnly))
            return makeError(QStringLiteral("api.tls"), QStringLiteral("api_tls_key: cannot read %1: %2").arg(options.tlsKey, keyFile.errorString()));
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey usable(keyPem, QSsl::Rsa, QSsl::Pem);
        if (usable.isNull())
            usable = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty())
            return makeError(QStringLiteral("api.tls"), QStringLiteral("api_tls_cert: %1 holds no PEM certificate").arg(options.tlsCert));
        if (usable.isNull())
            return makeError(QStringLiteral("api.tls"), QStringLiteral("api_tls_key: %1 holds no PEM RSA or EC private key").arg(options.tlsKey));
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificateChain(chain);
        ssl.setPrivateKey(usable);
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_tls = ssl;
    }
    auto store = Store::open(m_dbPath);
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    if (!options.stateUrl.isEmpty()) {
        // Tokens are shared by every daemon on the PostgreSQL store. Those this daemon's file
        // still holds (made before they were shared) move there once, with their hashes, so
        // its tokens keep working and one revoked later does not come back from the file.
        auto shared = PostgresStateStore::open(options.stateUrl);
        if (!shared)
            return shared.error();
        m_sharedState = std::move(shared).value();
        m_tokens = std::make_unique<ApiTokenStore>(m_sharedState.get());
        QStringList kept;
        const auto moved = m_tokens->moveFrom(ApiTokenStore(m_store.get()), &kept);
        if (!moved)
            return moved.error();
        if (moved.value() > 0)
            qInfo("api: moved %d API token(s) from %s to the shared store", moved.value(),
                  qPrintable(m_dbPath));
        if (!kept.isEmpty())
            qWarning("api: token(s) %s of %s not moved to the shared store, which has other tokens "
                     "of those names: they "
                     "are not accepted (make new ones)",
                     qPrintable(kept.join(QStringLiteral(", "))), qPrintable(m_dbPath));
    } else {
        m_tokens = std::make_unique<ApiTokenStore>(m_store.get());
    }
    m_imports = new ImportJobs(options.stateFolder.isEmpty() ? QFileInfo(m_dbPath).absoluteDir().filePath(QStringLiteral("imports"))
                                                             : options.stateFolder,
                               this);
    m_port = listenGuarded(options.address, options.port, tls);
    if (m_port == 0)
        return makeError(QStringLiteral("api.listen"),
                         QStringLiteral("cannot listen on %1:%2 (in use, or not an address of this host)")
                             .arg(options.address.toString()).arg(options.port));
    return {};
}

quint16 AdminApiServer::listenGuarded(const QHostAddress &address, quint16 port, bool tls)
{
    // Not QAbstractHttpServer::listen(): every connection goes through a RequestGuard, so a
    // malformed request is answered (4xx) before QHttpServer 6.4's parser sees it.
    RequestRules rules;
    rules.timeouts = m_options.timeouts;
    rules.bodyLimit = [this](QByteArrayView method, const QString &path) {
        return bodyLimit(method, path);
    };
    QTcpServer *server = nullptr;
    bool listening = false;
    if (tls) {
        auto *sslServer = new GuardedServer<TlsServer>(std::move(rules), this);
        sslServer->setSslConfiguration(m_tls);
        listening = sslServer->listenGuarded(address, port);
        server = sslServer;
    } else {
        auto *plainServer = new GuardedServer<QTcpServer>(std::move(rules), this);
        listening = plainServer->listenGuarded(address, port);
        server = plainServer;
    }
    if (!listening) {
        delete server;
        return 0;
    }
    bind(server);
    return server->serverPort();
}

qint64 AdminApiServer::bodyLimit(QByteArrayView method, const QString &path) const
{
    for (const ApiRoute &r : std::as_const(m_routes)) {
        QHash<QString, QString> params;
        if (r.method == method && matches(r.pattern, path, &params))
            return r.maxBody;
    }
    return ApiRoute().maxBody; // no such route: the 404 or 405 follows the (small) body
}

int AdminApiServer::streamClients() const
{
    return m_stream->clientCount();
}

void AdminApiServer::route(QByteArray method, QString pattern, Permission permission,
                           std::function<void(const std::shared_ptr<ApiCall> &)> handler, bool selfNode, qint64 maxBody)
{
    ApiRoute r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.permission = permission;
    r.selfNode = selfNode;
    r.maxBody = maxBody;
    r.handler = std::move(handler);
    m_routes.append(std::move(r));
}

void AdminApiServer::addRoutes()
{
    addNodeReadRoutes();
    addNodeEditRoutes();
    addNodeOperationRoutes();
    addBalancingRoutes();
    addEventRoutes();
    addImportRoutes();
    addDaemonRoutes();
    addTargetRoutes();
    addQueueRoutes();
    addRepairRoutes();
    addConfigRoutes();
    addAuditRoutes();
    addBackupRoutes();
    addLogRoutes();
    addTokenRoutes();
    addStreamRoutes();
}

bool AdminApiServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto call = std::make_shared<ApiCall>(makeResponder(request, socket), socket);
    call->method = methodName(request.method());
    call->path = request.url().path();
    call->query = request.query();
    call->body = request.body();
    call->peer = request.remoteAddress();
    const QByteArray authorization = header(request, "Authorization");

    const ApiRoute *found = nullptr;
    bool pathKnown = false;
    for (const ApiRoute &r : std::as_const(m_routes)) {
        QHash<QString, QString> params;
        if (!matches(r.pattern, call->path, &params))
            continue;
        pathKnown = true;
        if (r.method == call->method) {
            found = &r;
            call->params = params;
            break;
        }
    }
    if (!found) {
        if (pathKnown)
            call->error(405, QStringLiteral("http.method"), QStringLiteral("%1 is not allowed on %2").arg(QString::fromLatin1(call->method), call->path));
        else
            call->error(404, QStringLiteral("http.not_found"), QStringLiteral("there is no %1 (see docs/api.md)").arg(call->path));
        return true;
    }
    const bool publicMetrics = call->path == QLatin1String("/metrics") && m_options.metricsPublic;
    if (!publicMetrics && !authenticate(call, authorization))
        return true;
    if (!publicMetrics && !authorize(call, *found))
        return true;
    if (call->body.size() > found->maxBody) {
        call->error(413, QStringLiteral("http.too_large"),
                    QStringLiteral("the body is %1 bytes; this endpoint takes at most %2").arg(call->body.size()).arg(found->maxBody));
        return true;
    }
    found->handler(call);
    return true;
}

void AdminApiServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Q_UNUSED(request);
    Q_UNUSED(socket);
}

bool AdminApiServer::authenticate(const std::shared_ptr<ApiCall> &call, const QByteArray &authorization)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Sentences, so that a remote console says why in its language.
    const auto refuse = [&](const Sentence &said) {
        const int delay = m_throttle.failed(call->peer, now);
        auto answer = [call, said] {
            call->error(401, QStringLiteral("auth.unauthenticated"), said.english(), {}, said);
        };
        if (delay > 0)
            QTimer::singleShot(delay, this, answer);
        else
            answer();
        return false;
    };
    if (!authorization.startsWith("Bearer ") || authorization.size() <= 7)
        return refuse(Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                 "this API needs 'Authorization: Bearer TOKEN' "
                                                 "(make one with jobfirstctl token create)")));
    auto token = m_tokens->authenticate(authorization.mid(7).trimmed());
    if (!token) {
        call->error(503, token.error().code, token.error().message);
        return false;
    }
    if (!token->has_value())
        return refuse(Sentence(QT_TRANSLATE_NOOP(
            "EngineSentence", "the token is not known (revoked, or never made)")));
    m_throttle.succeeded(call->peer);
    const ApiToken &t = *token.value();
    call->identity = ApiIdentity{t.name, t.role, t.nodeId, t.createdAt};
    call->session = sessionFor(call->identity);
    return true;
}

bool AdminApiServer::authorize(const std::shared_ptr<ApiCall> &call, const ApiRoute &route)
{
    const ApiIdentity &who = call->identity;
    if (route.anyToken || roleAllows(who.role, route.permission))
        return true;
    QString why = QStringLiteral("the %1 role may not do this; it needs the %2 role").arg(roleName(who.role), roleName(lowestRoleFor(route.permission)));
    if (route.selfNode && who.role == Role::Node) {
        QString id = call->param(QStringLiteral("id"));
        if (id.isEmpty())
            id = QJsonDocument::fromJson(call->body).object().value(QStringLiteral("id")).toString();
        if (id == who.nodeId)
            return true;
        why = QStringLiteral("a node token may only act on its own node (%1), not on \"%2\"").arg(who.nodeId, id);
    } else if (route.permission == Permission::Read && who.role == Role::Node) {
        why = QStringLiteral("a node token may register its node and publish events; it may not read the cluster");
    }
    call->error(403, QStringLiteral("auth.forbidden"), why);
    // A refusal is audited: who tried what, and why it was refused. The result is not awaited.
    (void)call->session->auditRefusal(QString::fromLatin1(call->method) + u' ' + route.pattern, call->path, why);
    return false;
}

LocalEngineSession *AdminApiServer::sessionFor(const ApiIdentity &identity)
{
    const QString key = identity.name + u'/' + roleName(identity.role);
    auto &slot = m_sessions[key];
    if (!slot)
        slot = m_engine->asActor(QStringLiteral("api:") + identity.name, identity.role);
    return slot.get();
}

void AdminApiServer::onSnapshot(const EngineSnapshot &snapshot)
{
    m_snapshot = snapshot;
    m_haveSnapshot = true;
    m_nodesStale = false;
    m_nodesJson.clear();
    m_stream->publishSnapshot(snapshot, [this] { return m_encoder.snapshotJson(m_snapshot); });
    endRevokedStreams();
}

void AdminApiServer::endRevokedStreams()
{
    // A stream lasts no longer than its token: revoked here, through another daemon, or by
    // jobfirstctl on the store, it ends within TokenCheckMs.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_stream->clientCount() == 0 || !m_tokens || now - m_tokensCheckedAt < TokenCheckMs)
        return;
    m_tokensCheckedAt = now;
    const auto tokens = m_tokens->list();
    if (!tokens)
        return; // the store is away: the next check decides
    QSet<QPair<QString, qint64>> live;
    for (const ApiToken &t : tokens.value())
        live.insert({t.name, t.createdAt});
    m_stream->endRevoked([&live](const StreamToken &token) {
        return !live.contains({token.name, token.createdAt});
    });
}

void AdminApiServer::changed()
{
    m_nodesStale = true;
    m_engine->refreshNow();
}

} // namespace jobfirst
