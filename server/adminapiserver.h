// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "apicall.h"
#include "auththrottle.h"
#include "core/result.h"
#include "requestguard.h"
#include "snapshotencoder.h"

#include <QAbstractHttpServer>
#include <QHash>
#include <QSslConfiguration>

#include <functional>
#include <memory>

namespace jobfirst {

class ApiTokenStore;
class EventStreamHub;
class ImportJobs;
class LocalEngineSession;
class Store;
class ClusterStateStore;

/// Where the admin API listens and how.
struct AdminApiOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0;
    QString tlsCert; ///< PEM; with tlsKey, the API speaks only https
    QString tlsKey;
    bool metricsPublic = false;
    QString stateFolder; ///< where uploaded imports are kept
    /// postgresql://… when the cluster state is there (EngineOptions::outboxUrl): tokens are
    /// looked up there, shared by every daemon on it; "" for the engine's file.
    QString stateUrl;
    /// When an idle or slow connection is closed (shorter in tests).
    ConnectionTimeouts timeouts;
};

/// One admin API route: method, path pattern ("/api/v1/nodes/{id}"), what the caller needs,
/// and whether a node token may use it for its own node ({id} or the body's "id").
struct ApiRoute
{
    QByteArray method;
    QString pattern;
    Permission permission = Permission::Read;
    bool selfNode = false;
    bool anyToken = false; ///< any known token may call it, whatever its role
    qint64 maxBody = 1024 * 1024;
    std::function<void(const std::shared_ptr<ApiCall> &)> handler;
};

/// The engine's admin API: HTTP + JSON under /api/v1/, a live stream, and /metrics, on
/// QHttpServer. Every request carries `Authorization: Bearer TOKEN`; the token's role decides
/// (401 without a known token, 403 when its role is too low, audited), and every change is
/// made by a session acting as the token, so the audit log names it.
class AdminApiServer final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminApiServer)

public:
    AdminApiServer(LocalEngineSession *engine, const QString &dbPath, QObject *parent = nullptr);
    ~AdminApiServer() override;

    /// Opens the token store and listens. Plain HTTP is refused on anything but loopback.
    Status start(const AdminApiOptions &options);
    quint16 port() const { return m_port; }
    int streamClients() const;
    void setMetricsPublic(bool open) { m_options.metricsPublic = open; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    /// Listens through a GuardedServer (TLS with m_tls); answers the port, 0 on failure.
    quint16 listenGuarded(const QHostAddress &address, quint16 port, bool tls);
    /// The most body METHOD PATH takes (its route's maxBody), for the RequestGuard.
    qint64 bodyLimit(QByteArrayView method, const QString &path) const;
    void addRoutes();
    void route(QByteArray method, QString pattern, Permission permission, std::function<void(const std::shared_ptr<ApiCall> &)> handler,
               bool selfNode = false, qint64 maxBody = 1024 * 1024);
    void dispatch(const std::shared_ptr<ApiCall> &call);
    bool authenticate(const std::shared_ptr<ApiCall> &call, const QByteArray &authorization);
    bool authorize(const std::shared_ptr<ApiCall> &call, const ApiRoute &route);
    LocalEngineSession *sessionFor(const ApiIdentity &identity);
    void onSnapshot(const EngineSnapshot &snapshot);
    /// Ends the live streams whose tokens were revoked (looked up at most every TokenCheckMs).
    void endRevokedStreams();
    /// After a change: stream readers and the next GET see it at once.
    void changed();

    // Route handlers, one family each (apiroutes.cpp), added in this order.
    void addNodeReadRoutes();
    void addNodeEditRoutes();
    void addNodeOperationRoutes();
    void addBalancingRoutes();
    void addEventRoutes();
    void addImportRoutes();
    void addDaemonRoutes();
    void addTargetRoutes();
    void addQueueRoutes();
    void addRepairRoutes();
    void addConfigRoutes();
    void addAuditRoutes();
    void addBackupRoutes();
    void addLogRoutes();
    void addTokenRoutes();
    void addStreamRoutes();

    LocalEngineSession *m_engine;
    QString m_dbPath;
    AdminApiOptions m_options;
    QSslConfiguration m_tls;
    quint16 m_port = 0;
    std::unique_ptr<Store> m_store; ///< this thread's connection to the engine's file
    /// With a PostgreSQL state: this thread's connection to it, for token lookups.
    std::unique_ptr<ClusterStateStore> m_sharedState;
    std::unique_ptr<ApiTokenStore> m_tokens;
    QList<ApiRoute> m_routes;
    QHash<QString, std::shared_ptr<LocalEngineSession>> m_sessions;
    AuthThrottle m_throttle;
    EventStreamHub *m_stream;
    ImportJobs *m_imports;
    EngineSnapshot m_snapshot;
    bool m_haveSnapshot = false;
    bool m_nodesStale = true;
    QByteArray m_nodesJson; ///< GET /api/v1/nodes, encoded once per snapshot on demand
    SnapshotEncoder m_encoder;
    static constexpr qint64 TokenCheckMs = 2000;
    qint64 m_tokensCheckedAt = 0;
};

} // namespace jobfirst
