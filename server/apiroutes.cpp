// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API's routes: each one reads its request, calls the caller's engine session, and
// answers with the codec's JSON. docs/api.md lists them with their roles.
#include "adminapiserver.h"

#include "api/codec.h"
#include "api/localenginesession.h"
#include "core/whenfinished.h"
#include "eventstreamhub.h"
#include "importjobs.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace jobfirst {

namespace {

using Call = std::shared_ptr<ApiCall>;

/// Answers with encode(value) when the future succeeds, or with its error.
template <typename T, typename Encode>
void reply(QObject *context, const Call &call, QFuture<Result<T>> future, Encode encode, int status = 200,
           std::function<void()> afterSuccess = {})
{
    whenFinished(future, context, [call, encode, status, afterSuccess](const Result<T> &r) {
        if (!r) {
            call->fail(r.error());
            return;
        }
        if (afterSuccess)
            afterSuccess();
        call->json(status, encode(r.value()));
    });
}

void replyDone(QObject *context, const Call &call, QFuture<Status> future, std::function<void()> afterSuccess = {})
{
    whenFinished(future, context, [call, afterSuccess](const Status &s) {
        if (!s) {
            call->fail(s.error());
            return;
        }
        if (afterSuccess)
            afterSuccess();
        call->bytes(204, {}, "application/json");
    });
}

template <typename T>
auto listOf()
{
    return [](const QList<T> &items) { return QJsonValue(codec::encodeList(items)); };
}

template <typename T>
auto one()
{
    return [](const T &item) { return QJsonValue(codec::encode(item)); };
}

/// {"ids": [1, 2]} as delivery ids; answers 400 when it is not that.
std::optional<QList<qint64>> idsOf(const Call &call)
{
    const auto body = call->jsonObject();
    if (!body)
        return std::nullopt;
    const QJsonValue ids = body->value(QStringLiteral("ids"));
    QList<qint64> out;
    if (!ids.isArray() || ids.toArray().isEmpty()) {
        call->error(400, QStringLiteral("json.invalid"), QStringLiteral("field \"ids\" must be a non-empty array of delivery ids"),
                    QStringLiteral("ids"));
        return std::nullopt;
    }
    for (const QJsonValue &v : ids.toArray()) {
        if (!v.isDouble()) {
            call->error(400, QStringLiteral("json.invalid"), QStringLiteral("field \"ids\" must hold whole numbers"), QStringLiteral("ids"));
            return std::nullopt;
        }
        out << v.toInteger();
    }
    return out;
}

/// The body decoded as a T; on failure the call is answered (400 and what is wrong) and
/// nullopt returned.
template <typename T> std::optional<T> bodyAs(const Call &call)
{
    const auto body = call->jsonObject();
    if (!body)
        return std::nullopt;
    auto decoded = codec::decode<T>(*body);
    if (!decoded) {
        call->fail(decoded.error());
        return std::nullopt;
    }
    return std::move(decoded).value();
}

std::optional<QStringList> stringsOf(const Call &call, const QJsonObject &body, const QString &key)
{
    const QJsonValue v = body.value(key);
    if (v.isUndefined() || v.isNull())
        return QStringList();
    QStringList out;
    if (v.isArray()) {
        bool ok = true;
        for (const QJsonValue &s : v.toArray()) {
            ok = ok && s.isString();
            out << s.toString();
        }
        if (ok)
            return out;
    }
    call->error(400, QStringLiteral("json.invalid"), QStringLiteral("field \"%1\" must be an array of strings").arg(key), key);
    return std::nullopt;
}

/// The body's "mode", real-time when there is none; answers 400 when it is not a mode.
std::optional<SyncMode> syncModeOf(const Call &call, const QJsonObject &body)
{
    const QString modeText =
        body.value(QStringLiteral("mode")).toString(QStringLiteral("real-time"));
    if (modeText == QLatin1String("real-time"))
        return SyncMode::RealTime;
    if (modeText == QLatin1String("near-real-time"))
        return SyncMode::NearRealTime;
    if (modeText == QLatin1String("bulk"))
        return SyncMode::Bulk;
    call->error(400, QStringLiteral("json.invalid"),
                QStringLiteral("field \"mode\" must be real-time, near-real-time or bulk"),
                QStringLiteral("mode"));
    return std::nullopt;
}

/// Answers 400 naming the first field of `body` not in `known` (false), as events' own unknown
/// fields are: a misspelled "mode" would otherwise send a bulk load as real-time.
bool onlyKnownFields(const Call &call, const QJsonObject &body, const QStringList &known)
{
    for (auto it = body.constBegin(); it != body.constEnd(); ++it) {
        if (known.contains(it.key()))
            continue;
        call->error(400, QStringLiteral("json.unknown_field"),
                    QStringLiteral("field \"%1\" is not known (known: %2)")
                        .arg(it.key().left(60), known.join(QStringLiteral(", "))),
                    it.key().left(60));
        return false;
    }
    return true;
}

/// The body's `key`, naming `what` on the engine's machine; answers 400 naming the field when it
/// is empty.
std::optional<QString> engineFileOf(const Call &call, const QJsonObject &body, const QString &key,
                                    const QString &what)
{
    const QString path = body.value(key).toString();
    if (!path.isEmpty())
        return path;
    call->error(400, QStringLiteral("json.invalid"),
                QStringLiteral("field \"%1\" must name %2 on the engine's machine").arg(key, what),
                key);
    return std::nullopt;
}

/// A backup request's body, its backup file and passphrase; on failure the call is answered
/// (400 and what is wrong) and nullopt returned.
struct BackupRequest
{
    QJsonObject body;
    QString path;
    QByteArray passphrase;
};

std::optional<BackupRequest> backupRequestOf(const Call &call)
{
    const auto body = call->jsonObject();
    if (!body)
        return std::nullopt;
    const auto path =
        engineFileOf(call, *body, QStringLiteral("path"), QStringLiteral("the backup file"));
    if (!path)
        return std::nullopt;
    return BackupRequest{*body, *path,
                         body->value(QStringLiteral("passphrase")).toString().toUtf8()};
}

} // namespace

void AdminApiServer::addNodeReadRoutes()
{
    route("GET", QStringLiteral("/api/v1/whoami"), Permission::Read, [](const Call &call) {
        SessionInfo who = call->session->info();
        QJsonObject o = codec::encode(who);
        o.insert(QStringLiteral("token"), call->identity.name);
        if (!call->identity.nodeId.isEmpty())
            o.insert(QStringLiteral("node"), call->identity.nodeId);
        call->json(200, o);
    });
    m_routes.last().anyToken = true; // every token may ask who it is, a node token too

    route("GET", QStringLiteral("/api/v1/status"), Permission::Read,
          [this](const Call &call) { reply(this, call, call->session->clusterStats(), one<ClusterStats>()); });
    route("GET", QStringLiteral("/api/v1/nodes"), Permission::Read, [this](const Call &call) {
        if (m_haveSnapshot && !m_nodesStale) {
            if (m_nodesJson.isEmpty())
                m_nodesJson = m_encoder.nodesJson(m_snapshot.nodes);
            call->bytes(200, m_nodesJson, "application/json");
            return;
        }
        reply(this, call, call->session->nodes(), listOf<NodeStatus>());
    });
    route("GET", QStringLiteral("/api/v1/nodes/{id}"), Permission::Read, [this](const Call &call) {
        const QString id = call->param(QStringLiteral("id"));
        whenFinished(call->session->nodes(), this, [call, id](const Result<QList<NodeStatus>> &r) {
            if (!r)
                return call->fail(r.error());
            for (const NodeStatus &n : r.value())
                if (n.spec.id == id)
                    return call->json(200, codec::encode(n));
            call->error(404, QStringLiteral("node.unknown"), QStringLiteral("there is no node \"%1\"").arg(id));
        });
    });
}

void AdminApiServer::addNodeEditRoutes()
{
    route(
        "POST", QStringLiteral("/api/v1/nodes"), Permission::Administer,
        [this](const Call &call) {
            const auto spec = bodyAs<NodeSpec>(call);
            if (!spec)
                return;
            reply(this, call, call->session->addNode(*spec), one<NodeStatus>(), 201,
                  [this] { changed(); });
        },
        true);
    route(
        "PUT", QStringLiteral("/api/v1/nodes/{id}"), Permission::Administer,
        [this](const Call &call) {
            const auto spec = bodyAs<NodeSpec>(call);
            if (!spec)
                return;
            NodeSpec s = *spec;
            if (!s.id.isEmpty() && s.id != call->param(QStringLiteral("id")))
                return call->error(400, QStringLiteral("node.invalid_id"),
                                   QStringLiteral("the body's id differs from the path's"),
                                   QStringLiteral("id"));
            s.id = call->param(QStringLiteral("id"));
            reply(this, call, call->session->editNode(s), one<NodeStatus>(), 200,
                  [this] { changed(); });
        },
        true);
    route("DELETE", QStringLiteral("/api/v1/nodes/{id}"), Permission::Administer, [this](const Call &call) {
        replyDone(this, call, call->session->removeNode(call->param(QStringLiteral("id"))), [this] { changed(); });
    }, true);
}

void AdminApiServer::addNodeOperationRoutes()
{
    route("POST", QStringLiteral("/api/v1/nodes/{id}/weight"), Permission::Operate, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const QJsonValue w = body->value(QStringLiteral("weight"));
        if (!w.isDouble() || w.toDouble() != double(w.toInt()))
            return call->error(400, QStringLiteral("json.invalid"), QStringLiteral("field \"weight\" must be a whole number (1..256)"),
                               QStringLiteral("weight"));
        replyDone(this, call, call->session->setNodeWeight(call->param(QStringLiteral("id")), w.toInt()), [this] { changed(); });
    });
    for (const auto &[verb, state] : {std::pair{QStringLiteral("drain"), AdminState::Drain},
                                      std::pair{QStringLiteral("maintenance"), AdminState::Maintenance},
                                      std::pair{QStringLiteral("ready"), AdminState::Ready}}) {
        route("POST", QStringLiteral("/api/v1/nodes/{id}/") + verb, Permission::Operate, [this, state = state](const Call &call) {
            replyDone(this, call, call->session->setAdminState(call->param(QStringLiteral("id")), state), [this] { changed(); });
        });
    }
    route("GET", QStringLiteral("/api/v1/nodes/{id}/history"), Permission::Read, [this](const Call &call) {
        const auto limit = call->queryInt(QStringLiteral("limit"), 50, 1, 100000);
        if (limit)
            reply(this, call, call->session->nodeHistory(call->param(QStringLiteral("id")), int(*limit)), listOf<HealthEvent>());
    });
    route("POST", QStringLiteral("/api/v1/nodes/check"), Permission::Operate, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const auto ids = stringsOf(call, *body, QStringLiteral("ids"));
        if (ids)
            reply(this, call, call->session->checkNodes(*ids), listOf<NodeCheck>());
    });
    route("POST", QStringLiteral("/api/v1/probe"), Permission::Operate, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const QUrl url(body->value(QStringLiteral("url")).toString(), QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
            return call->error(400, QStringLiteral("node.invalid_url"), QStringLiteral("field \"url\" must be an http or https URL"),
                               QStringLiteral("url"));
        reply(this, call, call->session->probe(url), one<CheckResult>());
    });
}

void AdminApiServer::addBalancingRoutes()
{
    route("POST", QStringLiteral("/api/v1/balancing/pick"), Permission::Read,
          [this](const Call &call) {
              const auto request = bodyAs<PickRequest>(call);
              if (!request)
                  return;
              reply(this, call, call->session->pick(*request), one<PickReport>());
          });
    route("POST", QStringLiteral("/api/v1/balancing/simulate"), Permission::Read,
          [this](const Call &call) {
              const auto request = bodyAs<SimulationRequest>(call);
              if (!request)
                  return;
              const SimulationRequest r = *request;
              // The node order of the report: the request's nodes, or the cluster's as simulated.
              whenFinished(call->session->nodes(), this,
                           [this, call, r](const Result<QList<NodeStatus>> &nodes) {
                               QStringList ids;
                               if (!r.params.nodes.isEmpty())
                                   for (const SimNode &n : r.params.nodes)
                                       ids << n.id;
                               else if (nodes)
                                   for (const NodeStatus &n : nodes.value())
                                       ids << n.spec.id;
                               reply(this, call, call->session->simulate(r, {}),
                                     [ids](const SimulationReport &report) {
                                         return QJsonValue(codec::encode(report, ids));
                                     });
                           });
          });
}

void AdminApiServer::addEventRoutes()
{
    route("POST", QStringLiteral("/api/v1/sync/events"), Permission::Publish, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body || !onlyKnownFields(call, *body,
                                      {QStringLiteral("events"), QStringLiteral("mode"),
                                       QStringLiteral("target")}))
            return;
        auto events = codec::decodeList<SyncEvent>(body->value(QStringLiteral("events")));
        if (!events)
            return call->error(400, QStringLiteral("event.invalid"), QStringLiteral("field \"events\": %1").arg(events.error().message),
                               QStringLiteral("events"));
        const auto mode = syncModeOf(call, *body);
        if (!mode)
            return;
        reply(
            this, call,
            call->session->sendEvents(events.value(), *mode,
                                      body->value(QStringLiteral("target")).toString()),
            [](const QList<SyncEvent> &accepted) {
                QJsonArray ids;
                for (const SyncEvent &e : accepted)
                    ids.append(e.eventId);
                return QJsonValue(
                    QJsonObject{{QStringLiteral("accepted"), accepted.size()},
                                {QStringLiteral("ids"), ids},
                                {QStringLiteral("events"), codec::encodeList(accepted)}});
            },
            202);
    });
}

void AdminApiServer::addImportRoutes()
{
    route("POST", QStringLiteral("/api/v1/sync/imports"), Permission::Operate, [this](const Call &call) {
        const auto batch = call->queryInt(QStringLiteral("batch"), 5000, 1, 1000000);
        if (!batch)
            return;
        auto id = m_imports->start(call->session, call->body, call->query.queryItemValue(QStringLiteral("name")), int(*batch));
        if (!id)
            return call->fail(id.error());
        call->json(202, QJsonObject{{QStringLiteral("id"), id.value()}});
    }, false, 512ll * 1024 * 1024);
    route("GET", QStringLiteral("/api/v1/sync/imports/{id}"), Permission::Operate, [this](const Call &call) {
        const auto job = m_imports->describe(call->param(QStringLiteral("id")));
        if (!job)
            return call->error(404, QStringLiteral("import.unknown"), QStringLiteral("there is no import %1").arg(call->param(QStringLiteral("id"))));
        call->json(200, *job);
    });
    route("DELETE", QStringLiteral("/api/v1/sync/imports/{id}"), Permission::Operate, [this](const Call &call) {
        const QString id = call->param(QStringLiteral("id"));
        if (!m_imports->cancel(id))
            return call->error(404, QStringLiteral("import.unknown"), QStringLiteral("there is no import %1").arg(id));
        call->json(200, *m_imports->describe(id));
    });
}

void AdminApiServer::addDaemonRoutes()
{
    // Every daemon sharing the store, from any of them (issue 13).
    route("GET", QStringLiteral("/api/v1/daemons"), Permission::Read,
          [this](const Call &call) { reply(this, call, call->session->daemons(), listOf<DaemonStatus>()); });
    // A daemon that is gone, forgotten (Consul's force-leave): admin only, audited.
    route("DELETE", QStringLiteral("/api/v1/daemons/{id}"), Permission::Administer,
          [this](const Call &call) {
              replyDone(this, call, call->session->forgetDaemon(call->param(QStringLiteral("id"))));
          });
}

void AdminApiServer::addTargetRoutes()
{
    route("GET", QStringLiteral("/api/v1/sync/stats"), Permission::Read,
          [this](const Call &call) { reply(this, call, call->session->syncStats(), one<SyncStats>()); });
    route("GET", QStringLiteral("/api/v1/sync/targets"), Permission::Read, [this](const Call &call) {
        reply(this, call, call->session->syncStats(), [](const SyncStats &s) { return QJsonValue(codec::encodeList(s.targets)); });
    });
    route("GET", QStringLiteral("/api/v1/sync/targets/{name}"), Permission::Read, [this](const Call &call) {
        reply(this, call, call->session->targetStatus(call->param(QStringLiteral("name"))), one<TargetStatus>());
    });
    for (const QString &verb : {QStringLiteral("pause"), QStringLiteral("resume"), QStringLiteral("enable"), QStringLiteral("disable")}) {
        route("POST", QStringLiteral("/api/v1/sync/targets/{name}/") + verb, Permission::Operate, [this, verb](const Call &call) {
            const QString name = call->param(QStringLiteral("name"));
            QFuture<Status> f = verb == QLatin1String("pause")    ? call->session->setTargetPaused(name, true)
                                : verb == QLatin1String("resume") ? call->session->setTargetPaused(name, false)
                                : verb == QLatin1String("enable") ? call->session->setTargetEnabled(name, true)
                                                                  : call->session->setTargetEnabled(name, false);
            replyDone(this, call, f, [this] { changed(); });
        });
    }
}

void AdminApiServer::addQueueRoutes()
{
    route("GET", QStringLiteral("/api/v1/sync/queue"), Permission::Read, [this](const Call &call) {
        const auto limit = call->queryInt(QStringLiteral("limit"), 200, 1, 100000);
        if (limit)
            reply(this, call, call->session->queue(call->query.queryItemValue(QStringLiteral("target")), int(*limit)), listOf<QueuedDelivery>());
    });
    route("GET", QStringLiteral("/api/v1/sync/dead-letters"), Permission::Read, [this](const Call &call) {
        const auto limit = call->queryInt(QStringLiteral("limit"), 100, 1, 1000000);
        if (limit)
            reply(this, call, call->session->deadLetters(call->query.queryItemValue(QStringLiteral("target")), int(*limit)), listOf<DeadLetter>());
    });
    route("GET", QStringLiteral("/api/v1/sync/dead-letters/{id}/attempts"), Permission::Read, [this](const Call &call) {
        bool ok = false;
        const qint64 id = call->param(QStringLiteral("id")).toLongLong(&ok);
        if (!ok)
            return call->error(400, QStringLiteral("json.invalid"), QStringLiteral("a delivery id is a whole number"), QStringLiteral("id"));
        reply(this, call, call->session->attempts(id), listOf<DeliveryAttempt>());
    });
    route("POST", QStringLiteral("/api/v1/sync/dead-letters/retry"), Permission::Operate, [this](const Call &call) {
        if (const auto ids = idsOf(call))
            reply(this, call, call->session->retryDeadLetters(*ids), [](int n) { return QJsonValue(QJsonObject{{QStringLiteral("retried"), n}}); });
    });
    route("POST", QStringLiteral("/api/v1/sync/dead-letters/discard"), Permission::Operate, [this](const Call &call) {
        if (const auto ids = idsOf(call))
            reply(this, call, call->session->discardDeadLetters(*ids), [](int n) { return QJsonValue(QJsonObject{{QStringLiteral("discarded"), n}}); });
    });
}

void AdminApiServer::addRepairRoutes()
{
    route("POST", QStringLiteral("/api/v1/sync/replay"), Permission::Operate, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const auto since = codec::parseIsoTime(body->value(QStringLiteral("since")).toString());
        const QString untilText = body->value(QStringLiteral("until")).toString();
        const auto until = untilText.isEmpty() ? std::optional<qint64>(std::numeric_limits<qint64>::max()) : codec::parseIsoTime(untilText);
        if (!since || !until)
            return call->error(400, QStringLiteral("json.invalid"), QStringLiteral("\"since\" and \"until\" are ISO 8601 times"),
                               since ? QStringLiteral("until") : QStringLiteral("since"));
        reply(this, call, call->session->replay(body->value(QStringLiteral("target")).toString(), *since, *until),
              [](int n) { return QJsonValue(QJsonObject{{QStringLiteral("replayed"), n}}); });
    });
    route("POST", QStringLiteral("/api/v1/sync/check"), Permission::Operate, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const auto targets = stringsOf(call, *body, QStringLiteral("targets"));
        if (targets)
            reply(this, call, call->session->checkConsistency(*targets, body->value(QStringLiteral("repair")).toBool()),
                  listOf<ConsistencyReport>());
    });
}

void AdminApiServer::addConfigRoutes()
{
    route("GET", QStringLiteral("/api/v1/config"), Permission::Read, [this](const Call &call) {
        const bool reveal = call->query.queryItemValue(QStringLiteral("reveal_secrets")) == QLatin1String("true");
        reply(this, call, call->session->config(reveal), [](const ClusterConfig &c) { return QJsonValue(c.toJsonObject()); });
    });
    route("POST", QStringLiteral("/api/v1/config/check"), Permission::Read,
          [this](const Call &call) { replyDone(this, call, call->session->checkConfig(call->body)); });
    route("PUT", QStringLiteral("/api/v1/config"), Permission::Administer, [this](const Call &call) {
        reply(this, call, call->session->applyConfig(call->body),
              [](int v) { return QJsonValue(QJsonObject{{QStringLiteral("version"), v}}); }, 200, [this] { changed(); });
    });
    route("GET", QStringLiteral("/api/v1/config/versions"), Permission::Read, [this](const Call &call) {
        const auto limit = call->queryInt(QStringLiteral("limit"), 100, 1, 100000);
        if (!limit)
            return;
        reply(this, call, call->session->configVersions(int(*limit)), [](const QList<ConfigVersion> &versions) {
            QJsonArray a;
            for (const ConfigVersion &v : versions)
                a.append(codec::encode(v, true));
            return QJsonValue(a);
        });
    });
    route("GET", QStringLiteral("/api/v1/config/diff"), Permission::Read, [this](const Call &call) {
        const auto from = call->queryInt(QStringLiteral("from"), 0, 0, 1000000000);
        const auto to = from ? call->queryInt(QStringLiteral("to"), 0, 0, 1000000000) : std::nullopt;
        if (from && to)
            reply(this, call, call->session->configDiff(int(*from), int(*to)), one<ConfigDiff>());
    });
    route("POST", QStringLiteral("/api/v1/config/rollback"), Permission::Administer, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const QJsonValue v = body->value(QStringLiteral("version"));
        if (!v.isDouble() || v.toInt() < 1)
            return call->error(400, QStringLiteral("json.invalid"), QStringLiteral("field \"version\" must be a version number"),
                               QStringLiteral("version"));
        reply(this, call, call->session->rollbackConfig(v.toInt()),
              [](int n) { return QJsonValue(QJsonObject{{QStringLiteral("version"), n}}); }, 200, [this] { changed(); });
    });
}

void AdminApiServer::addAuditRoutes()
{
    route("GET", QStringLiteral("/api/v1/audit"), Permission::Read, [this](const Call &call) {
        const auto limit = call->queryInt(QStringLiteral("limit"), 100, 1, 1000000);
        if (limit)
            reply(this, call, call->session->audit(AuditQuery{int(*limit), call->query.queryItemValue(QStringLiteral("filter"))}),
                  listOf<AuditEntry>());
    });
    route("GET", QStringLiteral("/api/v1/audit/verify"), Permission::Read,
          [this](const Call &call) { reply(this, call, call->session->verifyAudit(), one<AuditVerification>()); });
}

void AdminApiServer::addBackupRoutes()
{
    route("POST", QStringLiteral("/api/v1/backups"), Permission::Administer,
          [this](const Call &call) {
              if (const auto b = backupRequestOf(call))
                  reply(this, call, call->session->createBackup(b->path, b->passphrase),
                        one<BackupInfo>(), 201);
          });
    // Verify and restore read a file on the engine's machine with the passphrase in the body;
    // a restore writes a new store there, never over an existing one.
    route("POST", QStringLiteral("/api/v1/backups/verify"), Permission::Administer,
          [this](const Call &call) {
              if (const auto b = backupRequestOf(call))
                  reply(this, call, call->session->verifyBackup(b->path, b->passphrase),
                        one<BackupInfo>());
          });
    route("POST", QStringLiteral("/api/v1/backups/restore"), Permission::Administer,
          [this](const Call &call) {
              const auto b = backupRequestOf(call);
              if (!b)
                  return;
              const auto to = engineFileOf(call, b->body, QStringLiteral("to"),
                                           QStringLiteral("the new store file"));
              if (to)
                  reply(this, call, call->session->restoreBackup(b->path, b->passphrase, *to),
                        one<BackupInfo>(), 201);
          });
}

void AdminApiServer::addLogRoutes()
{
    route("GET", QStringLiteral("/api/v1/slo"), Permission::Read,
          [this](const Call &call) { reply(this, call, call->session->slo(), one<SloReport>()); });
    route("GET", QStringLiteral("/api/v1/logs"), Permission::Read, [this](const Call &call) {
        LogQuery q;
        q.minLevel = call->query.queryItemValue(QStringLiteral("level"));
        if (q.minLevel.isEmpty())
            q.minLevel = QStringLiteral("debug");
        if (logLevelRank(q.minLevel) < 0)
            return call->error(400, QStringLiteral("query.invalid"), QStringLiteral("level must be debug, info, warning or error"),
                               QStringLiteral("level"));
        q.node = call->query.queryItemValue(QStringLiteral("node"));
        q.target = call->query.queryItemValue(QStringLiteral("target"));
        q.text = call->query.queryItemValue(QStringLiteral("text"));
        for (const auto &[key, into] : {std::pair{QStringLiteral("since"), &q.since}, std::pair{QStringLiteral("until"), &q.until}}) {
            const auto t = codec::parseIsoTime(call->query.queryItemValue(key));
            if (!t)
                return call->error(400, QStringLiteral("query.invalid"), QStringLiteral("%1 is an ISO 8601 time").arg(key), key);
            *into = *t;
        }
        const auto limit = call->queryInt(QStringLiteral("limit"), 500, 1, 100000);
        if (!limit)
            return;
        q.limit = int(*limit);
        reply(this, call, call->session->logs(q), listOf<LogEntry>());
    });
}

void AdminApiServer::addTokenRoutes()
{
    route("GET", QStringLiteral("/api/v1/tokens"), Permission::ManageTokens,
          [this](const Call &call) { reply(this, call, call->session->tokens(), listOf<ApiToken>()); });
    route("POST", QStringLiteral("/api/v1/tokens"), Permission::ManageTokens, [this](const Call &call) {
        const auto body = call->jsonObject();
        if (!body)
            return;
        const QString roleText = body->value(QStringLiteral("role")).toString();
        const auto role = roleFromName(roleText);
        if (!role)
            return call->error(400, QStringLiteral("token.invalid"),
                               QStringLiteral("field \"role\" must be viewer, operator, admin or node"), QStringLiteral("role"));
        reply(this, call,
              call->session->createToken(body->value(QStringLiteral("name")).toString(), *role, body->value(QStringLiteral("node")).toString()),
              one<CreatedToken>(), 201);
    });
    route("DELETE", QStringLiteral("/api/v1/tokens/{name}"), Permission::ManageTokens, [this](const Call &call) {
        replyDone(this, call, call->session->revokeToken(call->param(QStringLiteral("name"))));
    });
}

void AdminApiServer::addStreamRoutes()
{
    route("GET", QStringLiteral("/api/v1/stream"), Permission::Read, [this](const Call &call) {
        const auto interval = call->queryInt(QStringLiteral("interval_ms"), 1000, 0, 3600000);
        if (!interval)
            return;
        QTcpSocket *socket = call->socket();
        const StreamToken token{call->identity.name, call->identity.tokenCreatedAt};
        m_stream->add(call->takeResponder(), socket, token, int(*interval), m_snapshot.at,
                      m_haveSnapshot ? std::function<QByteArray()>([this] { return m_encoder.snapshotJson(m_snapshot); })
                                     : std::function<QByteArray()>());
    });
    route("GET", QStringLiteral("/metrics"), Permission::Read, [this](const Call &call) {
        whenFinished(m_engine->metrics(), this, [call](const QByteArray &text) {
            call->bytes(200, text, "text/plain; version=0.0.4; charset=utf-8");
        });
    });
}

} // namespace jobfirst
