// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "httpserver.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>

#include <random>

namespace jobfirst::sim {

/// Faults switchable at run time through POST /control.
struct Faults
{
    int latencyMs = 0;       ///< delay before every answer
    int status = 0;          ///< answer every request with this status (0: behave)
    double errorRate = 0;    ///< fraction of requests answered with errorStatus
    int errorStatus = 500;
    int retryAfter = 0;      ///< seconds, sent with 429 and 503
    bool hang = false;       ///< never answer
    bool drop = false;       ///< close the connection without an answer
    int bodyBytes = 0;       ///< pad every answer's body to this many bytes (response caps)
    int trickleMs = 0;       ///< send answers one byte per this many ms (low-speed limits)

    // The ranges of the whole-number faults, on the command line and in /control alike.
    static constexpr int MaxLatencyMs = 600000;
    static constexpr int MaxTrickleMs = 600000;
    static constexpr int MaxRetryAfter = 86400;
    static constexpr int MaxBodyBytes = 256 * 1024 * 1024;

    QJsonObject toJson() const;
    /// `base` with the keys of a /control body applied (`"reset": true` starts from the
    /// defaults instead), or an error naming the first key that is unknown or not of its
    /// kind and range (its `field`); then nothing is applied.
    static jobfirst::Result<Faults> fromJson(const QJsonObject &o, const Faults &base);
};

/// Plays a Basic Server node (GET /health) and a sync target (signed POSTs, de-duplicated by
/// event id, digests of what it applied). Admin endpoints: /control, /stats, /records/<user>.
class NodeSimulator final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeSimulator)

public:
    NodeSimulator(QString id, QString secret, QObject *parent = nullptr);
    /// Requests other than the admin endpoints must carry "Authorization: Bearer <token>".
    void setToken(const QString &token) { m_token = token.toUtf8(); }
    /// /control, /stats and /records must carry "Authorization: Bearer <token>".
    void setControlToken(const QString &token) { m_controlToken = token.toUtf8(); }
    /// Serve TLS (call before listen()).
    void setTls(const QSslConfiguration &tls) { m_server->setTls(tls); }
    bool listen(quint16 port);
    quint16 port() const { return m_server->port(); }
    QString errorString() const { return m_server->errorString(); }
    void setFaults(const Faults &f) { m_faults = f; }

private:
    void handle(const HttpRequest &request, std::shared_ptr<HttpResponder> responder);
    void serve(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);
    void serveControl(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);
    void applySync(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);
    void serveDigest(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

    bool authorized(const HttpRequest &request, const QByteArray &token) const;
    QString checkSignature(const HttpRequest &request, const QByteArray &body) const;

    QString m_id;
    QString m_secret;
    QByteArray m_token;
    QByteArray m_controlToken;
    HttpServer *m_server;
    Faults m_faults;
    QHash<QString, qint64> m_records;  ///< user id -> highest version applied
    QSet<QString> m_seen;              ///< event ids applied (de-duplication)
    qint64 m_requests = 0;
    qint64 m_applied = 0;
    qint64 m_duplicates = 0;
    qint64 m_rejected = 0;
    qint64 m_healthChecks = 0;
    qint64 m_outOfOrder = 0;
    std::mt19937 m_random{12345};
};

} // namespace jobfirst::sim
