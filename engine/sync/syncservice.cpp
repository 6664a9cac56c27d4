// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/syncservice.h"

#include "core/urlpath.h"
#include "store/daemonheartbeat.h"
#include "store/postgresurl.h"
#include "store/store.h"
#include "store/syncrecords.h"
#include "sync/deliveryengine.h"
#include "sync/outboxwriter.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSet>
#include <QUrl>
#include <algorithm>

namespace jobfirst {

namespace {

Error unknownTarget(const QString &target)
{
    return makeError(QStringLiteral("sync.unknown_target"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "there is no sync target \"%1\""),
                              {target}));
}

Error notRunning()
{
    return makeError(QStringLiteral("sync.stopped"),
                     Sentence(QT_TRANSLATE_NOOP("EngineSentence", "the sync service is not running")));
}

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }
QString iso(qint64 ms) { return ms ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) : QString(); }
const QString NodePrefix = QStringLiteral("node:");

/// A node that is not up, or in maintenance, receives what it missed once it is back: its
/// cluster sync is held, not retried.
bool holdsClusterSync(const NodeStatus &n)
{
    return n.health != HealthState::Up || n.spec.adminState == AdminState::Maintenance;
}

} // namespace

QJsonObject deadLetterToJson(const DeadLetter &d)
{
    return {{QStringLiteral("id"), d.deliveryId},       {QStringLiteral("target"), d.target},
            {QStringLiteral("user_id"), d.userId},      {QStringLiteral("event_id"), d.eventId},
            {QStringLiteral("type"), d.eventType},      {QStringLiteral("attempts"), d.attempts},
            {QStringLiteral("last_error"), d.lastError}, {QStringLiteral("failed_at"), iso(d.failedAt)},
            {QStringLiteral("payload"), d.payload},     {QStringLiteral("events"), d.eventCount}};
}

QJsonObject attemptToJson(const DeliveryAttempt &a)
{
    return {{QStringLiteral("at"), iso(a.at)},
            {QStringLiteral("status"), a.httpStatus},
            {QStringLiteral("duration_ms"), a.durationMs},
            {QStringLiteral("error"), a.error},
            {QStringLiteral("body"), a.bodyHead}};
}

SyncService::SyncService(Store *store, const ClusterConfig &config, QObject *parent)
    : SyncService(store, QString(), config, parent)
{
}

SyncService::SyncService(Store *store, const QString &outbox, const ClusterConfig &config,
                         QObject *parent, ClusterStateStore *state)
    : QObject(parent), m_store(store), m_state(state ? state : store),
      m_outbox(outbox.isEmpty() ? store->path() : outbox), m_config(config)
{
    auto opened = SyncRecords::open(m_outbox, m_store, m_state);
    if (!opened) {
        m_recordsError = opened.error().message;
        return;
    }
    m_records = std::move(opened).value();
    if (auto states = m_records->targetStates()) {
        for (auto it = states->cbegin(); it != states->cend(); ++it)
            m_overrides.insert(it.key(), TargetOverride{it->paused, it->disabled, it->reason});
    }
}

Result<SyncRecords *> SyncService::records() const
{
    if (!m_records)
        return makeError(QStringLiteral("store.unavailable"), m_recordsError);
    return m_records.get();
}

SyncService::~SyncService()
{
    stop();
}

QString SyncService::dbPath() const { return m_records ? m_records->location() : m_outbox; }

Status SyncService::start(bool deliver)
{
    if (!m_records)
        return records().error();
    if (!m_writer) {
        m_writer = std::make_unique<OutboxWriter>(m_outbox);
        m_writer->setMaxEventBytes(m_config.syncMaxEventBytes);
        if (Status s = m_writer->start(m_config.syncBacklogLimit); !s) {
            m_writer.reset();
            return s;
        }
    }
    if (deliver && !m_delivery) {
        m_delivery = std::make_unique<DeliveryEngine>(m_outbox, m_writer.get());
        m_delivery->onTargetDisabled = [this](const QString &target, const QString &reason) {
            QMetaObject::invokeMethod(this, [this, target, reason] {
                m_overrides[target].disabled = true;
                m_overrides[target].reason = QStringLiteral("410 Gone: ") + reason.left(200);
                // The target is disabled either way (its deliveries already stopped); a
                // failed write is said in the log, as nobody waits for an answer.
                if (Status s =
                        audited(QStringLiteral("engine"), QStringLiteral("target.disabled"), target,
                                {}, reason.left(200), [&] { return saveOverride(target); });
                    !s)
                    qWarning("%s", qPrintable(s.error().message));
                emit targetDisabled(target, reason);
                pushTargets();
            }, Qt::QueuedConnection);
        };
        m_delivery->onCircuitChanged = [this](const QString &target, CircuitState state) {
            QMetaObject::invokeMethod(this, [this, target, state] { emit circuitChanged(target, state); }, Qt::QueuedConnection);
        };
        m_delivery->onNodeResult = [this](const QString &target, bool ok, const QString &error) {
            if (ok)
                return;
            QMetaObject::invokeMethod(this, [this, target, error] {
                emit nodeDeliveryFailed(target.mid(NodePrefix.size()), error);
            }, Qt::QueuedConnection);
        };
        m_delivery->onDelivered = m_deliveryObserver;
        DeliveryEngine *delivery = m_delivery.get();
        m_writer->onCommitted = [delivery] { delivery->wake(); };
        pushTargets();
        if (Status s = m_delivery->start(); !s) {
            m_writer->onCommitted = nullptr;
            m_delivery.reset();
            return s;
        }
        if (m_startedAt == 0)
            m_startedAt = QDateTime::currentMSecsSinceEpoch();
        // Daemons sharing a PostgreSQL outbox show themselves to each other.
        if (auto url = PostgresUrl::parse(m_outbox); PostgresUrl::isUrl(m_outbox) && url) {
            m_heartbeat = std::make_unique<DaemonHeartbeat>(
                url.value(), delivery->owner(), [delivery] {
                    double p50, p95, p99, perSecond;
                    delivery->latency(&p50, &p95, &p99, &perSecond);
                    return DaemonHeartbeat::Figures{delivery->deliveredTotal(), perSecond};
                });
            m_heartbeat->setAdminUrl(m_adminUrl);
        }
    }
    // Not delivering, no lease claim recounts the backlog while others deliver what it holds.
    m_writer->setFollowsOthersDeliveries(!m_delivery);
    return {};
}

void SyncService::setAdminUrl(const QString &url)
{
    m_adminUrl = url;
    if (m_heartbeat)
        m_heartbeat->setAdminUrl(url);
}

QHash<int, QString> SyncService::partitionHolders() const
{
    QHash<int, QString> holders;
    const Result<QList<DaemonStatus>> daemons =
        m_heartbeat ? m_heartbeat->daemons() : Result<QList<DaemonStatus>>(QList<DaemonStatus>());
    if (!daemons)
        return holders;
    for (const DaemonStatus &d : daemons.value())
        if (!d.self && d.state() != DaemonState::Gone)
            for (int p : d.partitions)
                holders.insert(p, d.id);
    return holders;
}

Result<QList<DaemonStatus>> SyncService::daemons() const
{
    if (m_heartbeat)
        return m_heartbeat->daemons();
    if (PostgresUrl::isUrl(m_outbox)) {
        auto url = PostgresUrl::parse(m_outbox);
        if (!url)
            return url.error();
        return DaemonHeartbeat::read(url.value());
    }
    // SQLite: one engine delivers from the store, this one (or none, when it stands by).
    DaemonStatus self;
    self.id = m_delivery ? m_delivery->owner() : QString(); // "": not delivering
    self.adminUrl = m_adminUrl;
    self.startedAt = m_startedAt;
    self.heartbeatAt = QDateTime::currentMSecsSinceEpoch();
    self.leaseMs = m_delivery ? DeliveryLease::ttlMs() : 0;
    self.allPartitions = m_delivery && m_delivery->leaseHolder().isEmpty(); // not standing by
    if (m_delivery) {
        double p50, p95, p99;
        m_delivery->latency(&p50, &p95, &p99, &self.deliveriesPerSecond);
        self.delivered = m_delivery->deliveredTotal();
    }
    self.self = true;
    return QList<DaemonStatus>{self};
}

Status SyncService::forgetDaemon(const QString &id)
{
    if (!PostgresUrl::isUrl(m_outbox))
        return makeError(QStringLiteral("daemon.not_shared"),
                         QStringLiteral("this store is SQLite: it keeps no daemon rows (the one "
                                        "process delivering from it leaves the list by itself "
                                        "when its lease lapses)"));
    auto url = PostgresUrl::parse(m_outbox);
    if (!url)
        return url.error();
    if (Status s = DaemonHeartbeat::forget(url.value(), id); !s)
        return s;
    if (m_heartbeat)
        m_heartbeat->dropFromView(id);
    return {};
}

void SyncService::stop()
{
    m_heartbeat.reset(); // before the delivery engine whose figures it reads
    if (m_writer)
        m_writer->onCommitted = nullptr;
    if (m_delivery)
        m_delivery->stop();
    m_delivery.reset();
    if (m_writer)
        m_writer->stop();
    m_writer.reset();
}

bool SyncService::delivering() const { return m_delivery && m_delivery->running(); }

void SyncService::applyConfig(const ClusterConfig &config)
{
    {
        QMutexLocker lock(&m_routeMutex);
        m_config = config;
    }
    if (m_writer) {
        m_writer->setBacklogLimit(config.syncBacklogLimit);
        m_writer->setMaxEventBytes(config.syncMaxEventBytes);
    }
    pushTargets();
}

void SyncService::setNodes(const QList<NodeStatus> &nodes)
{
    {
        QMutexLocker lock(&m_routeMutex);
        m_nodes = nodes;
    }
    pushTargets();
}

bool SyncService::knownTarget(const QString &name) const
{
    if (m_config.target(name))
        return true;
    for (const NodeStatus &n : m_nodes)
        if (NodePrefix + n.spec.id == name)
            return true;
    return false;
}

void SyncService::pushTargets()
{
    if (!m_delivery)
        return;
    QList<DeliveryTarget> list;
    for (const TargetConfig &t : std::as_const(m_config.targets)) {
        const TargetOverride o = m_overrides.value(t.name);
        DeliveryTarget d;
        d.name = t.name;
        d.url = t.url.toUtf8();
        d.secret = t.secret;
        d.timeoutMs = long(t.timeoutMs > 0 ? t.timeoutMs : m_config.syncTimeoutMs);
        d.maxRetries = t.maxRetries >= 0 ? t.maxRetries : m_config.maxSyncRetries;
        d.retryIntervalMs = t.retryIntervalMs > 0 ? t.retryIntervalMs : m_config.syncRetryIntervalMs;
        d.batchSize = t.batchSize;
        d.rateLimit = t.rateLimit;
        d.workers = m_config.syncWorkers;
        d.security = HttpSecurity::fromSettings(t.caFile, t.clientCert, t.clientKey, t.tlsInsecure,
                                                t.tokenFile);
        d.enabled = t.enabled && !o.disabled;
        d.paused = o.paused;
        list << d;
    }
    // Addresses are kept from the last call for nodes with the same id and URL (the key holds
    // both); the others are made again.
    if (m_nodeTargetPath != m_config.clusterSyncPath) {
        m_nodeTargetAddresses.clear();
        m_nodeTargetPath = m_config.clusterSyncPath;
    }
    QHash<QString, NodeTargetAddress> addresses;
    addresses.reserve(m_nodes.size());
    list.reserve(list.size() + m_nodes.size());
    for (const NodeStatus &n : std::as_const(m_nodes)) {
        const QString key = n.spec.id + QChar(0) + n.spec.url;
        const auto known = m_nodeTargetAddresses.constFind(key);
        const NodeTargetAddress &address = *addresses.insert(
            key,
            known != m_nodeTargetAddresses.cend()
                ? known.value()
                : NodeTargetAddress{NodePrefix + n.spec.id,
                                    joinUrlPath(n.spec.url, m_config.clusterSyncPath).toEncoded()});
        const TargetOverride o = m_overrides.value(address.name);
        DeliveryTarget d;
        d.name = address.name;
        d.url = address.url;
        d.secret = m_config.clusterSecret;
        d.security = n.spec.security(); // the node's CA, client certificate and token
        d.timeoutMs = long(m_config.syncTimeoutMs);
        d.maxRetries = m_config.maxSyncRetries;
        d.retryIntervalMs = m_config.syncRetryIntervalMs;
        d.workers = m_config.syncWorkers;
        d.enabled = !o.disabled;
        d.paused = o.paused;
        d.held = holdsClusterSync(n);
        list << d;
    }
    m_nodeTargetAddresses = std::move(addresses);
    m_delivery->setQueueLimit(m_config.syncQueueSize);
    m_delivery->setTargets(list);
}

OutboxWriter::Accepted SyncService::submit(const QList<SyncEvent> &events, SyncMode mode,
                                           const QString &target)
{
    auto [answer, accepted] = OutboxWriter::answerWithFuture();
    submit(events, mode, target, std::move(answer));
    return std::move(accepted);
}

void SyncService::submit(const QList<SyncEvent> &events, SyncMode mode, const QString &target,
                         OutboxWriter::Answer answer)
{
    if (!m_writer)
        return answer(notRunning());
    Result<QList<OutboxItem>> items = route(events, mode, target);
    if (!items)
        return answer(items.error());
    m_writer->submit(std::move(items).value(), std::move(answer));
}

Result<QList<OutboxItem>> SyncService::route(const QList<SyncEvent> &events, SyncMode mode,
                                             const QString &target)
{
    if (!target.isEmpty()) {
        QMutexLocker lock(&m_routeMutex);
        if (!knownTarget(target))
            return unknownTarget(target);
        lock.unlock();
        QList<OutboxItem> items;
        for (const SyncEvent &e : events)
            items << OutboxItem{e, {target}, 0, false, {}, {}};
        return items;
    }
    QList<OutboxItem> items;
    items.reserve(events.size());
    const qint64 now = nowMs();
    QMutexLocker lock(&m_routeMutex);
    // Events of one type go to the same targets: the lists are made once per type and shared
    // (implicitly) by its events. Events are validated by the writer, before anything is kept.
    QString routedType;
    QStringList routedTargets;
    QList<int> routedLimits;
    for (const SyncEvent &e : events) {
        if (e.type != routedType || routedType.isNull()) {
            routedType = e.type;
            routedTargets.clear();
            routedLimits.clear();
            if (isClusterEventType(e.type)) {
                for (const NodeStatus &n : std::as_const(m_nodes))
                    routedTargets << NodePrefix + n.spec.id;
            } else {
                for (const TargetConfig &t : std::as_const(m_config.targets)) {
                    if (t.events.contains(e.type)) {
                        routedTargets << t.name;
                        if (mode == SyncMode::Bulk)
                            routedLimits << std::max(1, t.batchSize);
                    }
                }
            }
            if (mode == SyncMode::Bulk && routedLimits.size() != routedTargets.size())
                routedLimits = QList<int>(routedTargets.size(), 1);
        }
        OutboxItem item;
        item.event = e;
        item.targets = routedTargets;
        item.rowLimits = routedLimits;
        if (mode == SyncMode::NearRealTime) {
            item.dueAt = now + m_config.syncBatchWindowMs;
            item.coalesce = true;
        }
        items << std::move(item);
    }
    lock.unlock();
    return items;
}

Result<QList<SyncEvent>> SyncService::publish(const QList<SyncEvent> &events, SyncMode mode)
{
    return submit(events, mode).get();
}

Result<SyncEvent> SyncService::syncToService(const QString &target, const SyncEvent &event)
{
    auto r = batchSyncToService(target, {event});
    if (!r)
        return r.error();
    return r->first();
}

Result<QList<SyncEvent>> SyncService::batchSyncToService(const QString &target, const QList<SyncEvent> &events)
{
    return submit(events, SyncMode::RealTime, target).get();
}

Result<QList<SyncEvent>> SyncService::syncClusterData(const QList<SyncEvent> &events)
{
    if (!m_writer)
        return notRunning();
    QList<OutboxItem> items;
    for (const SyncEvent &e : events) {
        OutboxItem item{e, {}, 0, false, {}, {}};
        for (const NodeStatus &n : std::as_const(m_nodes))
            item.targets << NodePrefix + n.spec.id;
        items << item;
    }
    return m_writer->write(items);
}

Result<QList<DeadLetter>> SyncService::deadLetters(const QString &target, int limit) const
{
    auto r = records();
    return r ? r.value()->deadLetters(target, limit) : Result<QList<DeadLetter>>(r.error());
}

Result<QHash<QString, qint64>> SyncService::deadLetterCounts() const
{
    auto r = records();
    return r ? r.value()->deadLetterCounts() : Result<QHash<QString, qint64>>(r.error());
}

Result<QList<DeliveryAttempt>> SyncService::attempts(qint64 deliveryId) const
{
    auto r = records();
    return r ? r.value()->attempts(deliveryId) : Result<QList<DeliveryAttempt>>(r.error());
}

Result<QList<QueuedDelivery>> SyncService::queue(const QString &target, int limit) const
{
    auto r = records();
    return r ? r.value()->queue(target, limit) : Result<QList<QueuedDelivery>>(r.error());
}

Status SyncService::retryFailedSync(qint64 deliveryId, const QString &actor)
{
    auto r = records();
    if (!r)
        return r.error();
    QString target;
    qint64 events = 0;
    const Status s = audited(actor, QStringLiteral("dlq.retry"), QString::number(deliveryId),
                             QStringLiteral("dead"), QStringLiteral("pending"), [&]() -> Status {
                                 auto row = r.value()->retryDead(deliveryId, nowMs());
                                 if (!row)
                                     return row.error();
                                 target = row->first;
                                 events = row->second;
                                 return {};
                             });
    if (!s)
        return s;
    if (m_writer)
        m_writer->counters.add(target, events);
    if (m_delivery)
        m_delivery->rescan();
    return {};
}

Result<int> SyncService::replay(const QString &target, qint64 sinceMs, qint64 untilMs, const QString &actor)
{
    auto r = records();
    if (!r)
        return r.error();
    int count = 0;
    QHash<QString, qint64> perTarget;
    const Status s = m_state->audited(
        AuditEntry{0,
                   nowMs(),
                   actor,
                   QStringLiteral("dlq.replay"),
                   target.isEmpty() ? QStringLiteral("all targets") : target,
                   QStringLiteral("%1 .. %2").arg(iso(sinceMs), iso(untilMs)),
                   {}},
        [&](AuditEntry &entry) -> Status {
            auto replayed = r.value()->replayDead(target, sinceMs, untilMs, nowMs());
            if (!replayed)
                return replayed.error();
            perTarget = replayed.value();
            for (qint64 n : std::as_const(perTarget))
                count += int(n);
            entry.after = QStringLiteral("%1 deliveries").arg(count);
            return {};
        });
    if (!s)
        return s.error();
    if (m_writer)
        for (auto it = perTarget.cbegin(); it != perTarget.cend(); ++it)
            m_writer->counters.add(it.key(), it.value());
    if (m_delivery)
        m_delivery->rescan();
    return count;
}

Status SyncService::discard(qint64 deliveryId, const QString &actor)
{
    auto r = records();
    if (!r)
        return r.error();
    return audited(actor, QStringLiteral("dlq.discard"), QString::number(deliveryId),
                   QStringLiteral("dead"), QStringLiteral("discarded"),
                   [&] { return r.value()->discardDead(deliveryId, nowMs()); });
}

Result<QUrl> SyncService::digestUrl(const QString &target) const
{
    if (const TargetConfig *t = m_config.target(target))
        return QUrl(t->url + QStringLiteral("/digest"));
    for (const NodeStatus &n : m_nodes) {
        if (NodePrefix + n.spec.id == target)
            return joinUrlPath(n.spec.url, m_config.clusterSyncPath + QStringLiteral("/digest"));
    }
    return unknownTarget(target);
}

Result<DigestEndpoint> SyncService::digestEndpoint(const QString &target) const
{
    auto url = digestUrl(target);
    if (!url)
        return url.error();
    if (const TargetConfig *t = m_config.target(target))
        return DigestEndpoint{url.value(), t->secret,
                              HttpSecurity::fromSettings(t->caFile, t->clientCert, t->clientKey,
                                                         t->tlsInsecure, t->tokenFile)};
    for (const NodeStatus &n : m_nodes)
        if (NodePrefix + n.spec.id == target)
            return DigestEndpoint{url.value(), m_config.clusterSecret, n.spec.security()};
    return unknownTarget(target);
}

Result<int> SyncService::repair(const QString &target, const QStringList &eventIds, const QString &actor)
{
    if (!m_writer)
        return notRunning();
    // Receivers de-duplicate by event id, so sending the same event again would change
    // nothing: repair sends a fresh copy of the user's last acknowledged event, with a new
    // id and a newer version.
    auto r = records();
    if (!r)
        return r.error();
    QList<OutboxItem> items;
    const qint64 stamp = nowMs();
    for (const QString &id : eventIds) {
        auto stored = r.value()->eventPayload(id);
        if (!stored)
            return stored.error();
        if (stored->isEmpty())
            continue;
        const QJsonObject payload = QJsonDocument::fromJson(stored.value()).object();
        auto event = SyncEvent::fromJson(payload);
        if (!event)
            continue;
        SyncEvent copy = event.value();
        copy.eventId = QStringLiteral("%1~repair-%2").arg(id.left(100)).arg(stamp);
        copy.createdAt = 0;
        items << OutboxItem{copy, {target}, 0, false, {}, {}};
    }
    auto written = m_writer->write(items);
    if (!written)
        return written.error();
    // The copies are queued (durably) before the audit row; if it cannot be written the
    // caller hears so rather than a silent success.
    if (Status s = audited(actor, QStringLiteral("consistency.repair"), target,
                           QStringLiteral("%1 missing or stale").arg(eventIds.size()),
                           QStringLiteral("%1 events sent again").arg(written->size()), {});
        !s)
        return makeError(
            s.error().code,
            QStringLiteral("%1 events were queued again, but the audit entry could not be "
                           "written: %2")
                .arg(written->size())
                .arg(s.error().message));
    return int(written->size());
}

Status SyncService::saveOverride(const QString &target)
{
    auto r = records();
    if (!r)
        return r.error();
    const TargetOverride o = m_overrides.value(target);
    return r.value()->saveTargetState(target, SyncRecords::TargetState{o.paused, o.disabled, o.reason},
                                      nowMs());
}

bool SyncService::followTargetStates()
{
    auto r = records();
    if (!r)
        return false;
    auto states = r.value()->targetStates();
    if (!states)
        return false;
    QHash<QString, TargetOverride> stored;
    for (auto it = states->cbegin(); it != states->cend(); ++it)
        stored.insert(it.key(), TargetOverride{it->paused, it->disabled, it->reason});
    // A target whose row says neither paused nor disabled is as one with no row.
    const auto plain = [](const QHash<QString, TargetOverride> &all) {
        QHash<QString, TargetOverride> set;
        for (auto it = all.cbegin(); it != all.cend(); ++it)
            if (it->paused || it->disabled)
                set.insert(it.key(), it.value());
        return set;
    };
    if (plain(stored) == plain(m_overrides))
        return false;
    m_overrides = std::move(stored);
    pushTargets();
    return true;
}

Status SyncService::setTargetPaused(const QString &target, bool paused, const QString &actor)
{
    if (!knownTarget(target))
        return unknownTarget(target);
    const TargetOverride was = m_overrides.value(target);
    m_overrides[target].paused = paused;
    if (Status s = audited(
            actor, paused ? QStringLiteral("target.pause") : QStringLiteral("target.resume"),
            target, {}, {}, [&] { return saveOverride(target); });
        !s) {
        m_overrides[target] = was;
        return s;
    }
    pushTargets();
    return {};
}

Status SyncService::setTargetEnabled(const QString &target, bool enabled, const QString &actor)
{
    if (!knownTarget(target))
        return unknownTarget(target);
    const TargetOverride was = m_overrides.value(target);
    m_overrides[target].disabled = !enabled;
    m_overrides[target].reason = enabled ? QString() : QStringLiteral("disabled by %1").arg(actor);
    if (Status s = audited(
            actor, enabled ? QStringLiteral("target.enable") : QStringLiteral("target.disable"),
            target, {}, {}, [&] { return saveOverride(target); });
        !s) {
        m_overrides[target] = was;
        return s;
    }
    pushTargets();
    return {};
}

Status SyncService::audited(const QString &actor, const QString &action, const QString &subject,
                            const QString &before, const QString &after,
                            const std::function<Status()> &change)
{
    // The change and its audit row commit together: an action that cannot be audited fails.
    return m_state->audited(AuditEntry{0, nowMs(), actor, action, subject, before, after},
                            [&change](AuditEntry &) { return change ? change() : Status(); });
}

QList<int> SyncService::heldPartitions() const
{
    // None while the lease's last renewal is too old to count (its answer came late or not
    // yet): another daemon may hold them by now.
    if (!m_writer || (m_delivery && !m_delivery->leaseCurrent()))
        return {};
    return m_writer->heldPartitions();
}

QString SyncService::leaseOwner() const
{
    return m_delivery ? m_delivery->owner() : QString();
}

qint64 SyncService::backlog() const
{
    return m_writer ? m_writer->counters.total() : 0;
}

/// What stats() makes each target's row from, read once a call.
struct SyncService::TargetRowSources
{
    QHash<QString, TargetStatus> live; ///< the delivering process's own figures
    QHash<QString, qint64> backlog;
    bool nodesUnsigned = false; ///< no cluster signing secret
    qint64 now = 0;
    /// Who delivers, when not this process (standing by, or not delivering at all): the
    /// circuit and last error are that process's, not known here. Empty when it is this one.
    QString elsewhere;
    /// A configured target is named like a node target ("node:<id>"): it shares its row's marks.
    bool namesLikeNodes = false;
};

SyncStats SyncService::stats() const
{
    SyncStats s;
    TargetRowSources from;
    from.live = m_delivery ? m_delivery->targetStatuses() : QHash<QString, TargetStatus>{};
    from.backlog = m_writer ? m_writer->counters.perTarget() : QHash<QString, qint64>{};
    from.nodesUnsigned = m_config.clusterSecret.isEmpty();
    from.now = nowMs();
    s.delivery = deliveryText(from.now, &s.deliveryStandbyFor);
    from.elsewhere = m_delivery && s.deliveryStandbyFor.isEmpty() ? QString() : s.delivery;
    from.namesLikeNodes =
        std::any_of(m_config.targets.cbegin(), m_config.targets.cend(),
                    [](const TargetConfig &t) { return t.name.startsWith(NodePrefix); });
    s.targets.reserve(m_config.targets.size() + m_nodes.size());
    for (const TargetConfig &t : m_config.targets)
        addTargetRow(s, from, t.name, t.tlsInsecure || insecureNode(t.name, from), &t);
    addNodeTargetRows(s, from);
    s.totalSyncTasks = s.completedSyncTasks + s.failedSyncTasks + s.queueDepth;
    if (m_delivery) {
        s.countingSince = m_startedAt;
        m_delivery->latency(&s.latencyP50Ms, &s.latencyP95Ms, &s.latencyP99Ms,
                            &s.deliveriesPerSecond);
        addClusterRate(s);
    } else {
        // Not delivering, this process measured nothing and has not read the daemons: not
        // known (storedStats reads what the store says of them).
        s.measuredHere = false;
        s.liveDaemonsKnown = false;
        s.clusterRateKnown = false;
    }
    return s;
}

bool SyncService::insecureNode(const QString &name, const TargetRowSources &from) const
{
    return from.namesLikeNodes &&
           std::any_of(m_nodes.cbegin(), m_nodes.cend(), [&](const NodeStatus &n) {
               return n.spec.tlsInsecure && NodePrefix + n.spec.id == name;
           });
}

void SyncService::addNodeTargetRows(SyncStats &s, const TargetRowSources &from) const
{
    // A snapshot is made on every refresh: each node target's name ("node:<id>") is kept
    // while the node at that place has the same id, not made again for a thousand nodes.
    m_nodeTargetNames.resize(m_nodes.size());
    for (qsizetype i = 0; i < m_nodes.size(); ++i) {
        const NodeStatus &n = m_nodes.at(i);
        QString &name = m_nodeTargetNames[i];
        if (name.size() != NodePrefix.size() + n.spec.id.size() ||
            QStringView(name).sliced(NodePrefix.size()) != n.spec.id)
            name = NodePrefix + n.spec.id;
        const TargetConfig *c = from.namesLikeNodes ? m_config.target(name) : nullptr;
        TargetStatus t = targetRow(from, name, n.spec.tlsInsecure || (c && c->tlsInsecure), c);
        // No delivery engine here (jobfirstctl on the store): the node's state in the store
        // says what the delivering process does with the backlog. jobfirstctl said "active"
        // with a failed node's backlog not held (walk34).
        if (!from.live.contains(name))
            t.held = holdsClusterSync(n);
        addTargetRow(s, t);
    }
}

void SyncService::addTargetRow(SyncStats &s, const TargetRowSources &from, const QString &name,
                               bool insecure, const TargetConfig *c) const
{
    addTargetRow(s, targetRow(from, name, insecure, c));
}

void SyncService::addTargetRow(SyncStats &s, const TargetStatus &t)
{
    s.completedSyncTasks += t.success;
    s.failedSyncTasks += t.failed;
    s.retrySyncTasks += t.retries;
    s.queueDepth += t.backlog;
    if (t.holdsBacklog())
        s.heldDeliveries += t.backlog;
    s.oldestWaitingMs = std::max(s.oldestWaitingMs, t.oldestWaitingMs);
    s.targets << t;
}

TargetStatus SyncService::targetRow(const TargetRowSources &from, const QString &name,
                                    bool insecure, const TargetConfig *c) const
{
    TargetStatus t = from.live.value(name);
    t.name = name;
    if (!from.elsewhere.isEmpty())
        t.forgetLiveState(from.elsewhere);
    // tls_insecure targets and nodes: the console marks them red.
    t.tlsInsecure = insecure;
    // Without a signing secret the console marks a target "unsigned": a configured target has
    // its own; node targets share the cluster secret.
    t.unsignedDeliveries = c ? c->secret.isEmpty() : from.nodesUnsigned;
    const auto o = m_overrides.constFind(name);
    const bool overridden = o != m_overrides.cend();
    const bool disabled = overridden && o->disabled;
    if (c) {
        t.url = c->url;
        t.enabled = c->enabled && !disabled;
    } else if (t.url.isEmpty()) {
        t.enabled = !disabled;
    }
    if (!t.enabled)
        t.disabledReason = overridden ? o->reason : QString();
    t.paused = overridden && o->paused;
    t.backlog = from.backlog.value(name);
    if (t.backlog > 0 && m_records) {
        if (const qint64 oldest = m_records->oldestPending(name); oldest > 0)
            t.oldestWaitingMs = from.now - oldest;
    }
    return t;
}

namespace {

/// Counts the daemons whose rate is current into `s` (this one, `self`, is counted already);
/// a daemon awaited after the store came back makes the count not known.
void addDaemonRates(const QList<DaemonStatus> &daemons, SyncStats &s)
{
    for (const DaemonStatus &d : daemons) {
        s.liveDaemonsKnown = s.liveDaemonsKnown && !d.awaited;
        if (d.self || !d.rateKnown())
            continue;
        ++s.liveDaemons;
        s.clusterDeliveriesPerSecond += d.deliveriesPerSecond;
    }
}

} // namespace

void SyncService::addClusterRate(SyncStats &s) const
{
    s.daemonId = m_delivery->owner();
    s.liveDaemons = 1;
    s.clusterDeliveriesPerSecond = s.deliveriesPerSecond; // this one's own, current rate
    if (!m_heartbeat)
        return; // SQLite: one engine delivers at a time
    // The others' rates as they wrote them at their last heartbeat (a second ago at most); a
    // late daemon's is not current (a SIGKILLed one keeps its last), so it is not counted.
    // The view unread for too long (the store away): this one's figures alone. A daemon
    // awaited after the store came back (alive, perhaps, and not reconnected yet): the count
    // and the cluster's rate are not known.
    const Result<QList<DaemonStatus>> daemons = m_heartbeat->daemons();
    if (!daemons) {
        s.liveDaemonsKnown = false;
        return;
    }
    addDaemonRates(daemons.value(), s);
}

void SyncService::addStoredDaemons(SyncStats &s) const
{
    // PostgreSQL: the daemons' heartbeat rows, each with its current rate, counted as
    // addClusterRate counts them. SQLite: the one delivery lease says whether a process
    // delivers; its rate is its own, not in the store.
    if (PostgresUrl::isUrl(m_outbox)) {
        const Result<QList<DaemonStatus>> daemons = this->daemons();
        if (!daemons)
            return; // not known
        s.liveDaemonsKnown = s.clusterRateKnown = true;
        addDaemonRates(daemons.value(), s);
        return;
    }
    const bool held = m_records && !m_records->lease().isFree(nowMs());
    s.liveDaemons = held ? 1 : 0;
    s.liveDaemonsKnown = true;
    s.clusterRateKnown = !held; // none delivers: 0 is the store's rate
}

QString SyncService::deliveryText(qint64 now, QString *standbyFor) const
{
    if (m_delivery) {
        *standbyFor = m_delivery->leaseHolder();
        return DeliveryStandby::of(*standbyFor).text();
    }
    // This process does not deliver: say who does, from the lease in the store.
    const DeliveryLease lease = m_records ? m_records->lease() : DeliveryLease{};
    return lease.isFree(now) ? QStringLiteral("no process is delivering from this store")
                             : QStringLiteral("by another process, lease held by ") + lease.holder;
}

Result<SyncStats> SyncService::storedStats() const
{
    SyncStats s = stats();
    auto r = records();
    if (!r)
        return r.error();
    auto rows = r.value()->countsByState();
    if (!rows)
        return rows.error();
    QHash<QString, TargetStatus *> byName;
    for (TargetStatus &t : s.targets)
        byName.insert(t.name, &t);
    s.countingSince = 0; // the store's rows, not this engine's counts: they outlive a restart
    if (!m_delivery)
        addStoredDaemons(s);
    s.completedSyncTasks = s.failedSyncTasks = s.retrySyncTasks = s.queueDepth = s.totalSyncTasks = 0;
    s.heldDeliveries = s.retriesScheduled = 0;
    s.retriesScheduledKnown = true;
    for (TargetStatus &t : s.targets)
        t.success = t.failed = t.retries = t.backlog = t.deadLetters = 0;
    const qint64 now = nowMs();
    s.oldestWaitingMs = 0;
    for (const SyncRecords::StateCount &row : std::as_const(rows.value())) {
        const QString &name = row.target;
        const QString &state = row.state;
        const qint64 n = row.events;
        TargetStatus *t = byName.value(name);
        if (!t) {
            s.targets << TargetStatus{};
            t = &s.targets.last();
            t->name = name;
            byName.clear();
            for (TargetStatus &x : s.targets)
                byName.insert(x.name, &x);
            t = byName.value(name);
        }
        t->retries += row.retries;
        s.retrySyncTasks += row.retries;
        if (state == u"done") {
            t->success += n;
            s.completedSyncTasks += n;
        } else if (state == u"dead") {
            t->failed += n;
            t->deadLetters += n;
            s.failedSyncTasks += n;
        } else if (state == u"pending") {
            t->backlog += n;
            s.queueDepth += n;
            s.retriesScheduled += row.retriesScheduled;
            if (t->holdsBacklog())
                s.heldDeliveries += n;
            if (row.oldestPending > 0) {
                t->oldestWaitingMs = now - row.oldestPending;
                s.oldestWaitingMs = std::max(s.oldestWaitingMs, t->oldestWaitingMs);
            }
        }
        if (state != u"coalesced")
            s.totalSyncTasks += n;
    }
    return s;
}

Result<TargetStatus> SyncService::syncStatus(const QString &target) const
{
    auto all = storedStats();
    if (!all)
        return all.error();
    for (const TargetStatus &t : all->targets)
        if (t.name == target)
            return t;
    return unknownTarget(target);
}

} // namespace jobfirst
