// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/staterows.h"

#include "core/secrets.h"
#include "store/store.h"

#include <QSqlQuery>
#include <QVariant>

namespace jobfirst::StateRows {

void bindNodeFields(QSqlQuery &q, const NodeSpec &n)
{
    q.addBindValue(sqlText(n.url));
    q.addBindValue(sqlText(n.healthPath));
    q.addBindValue(n.weight);
    q.addBindValue(sqlText(n.tags.join(u',')));
    q.addBindValue(adminStateName(n.adminState));
    q.addBindValue(sqlText(n.caFile));
    q.addBindValue(sqlText(n.clientCert));
    q.addBindValue(sqlText(n.clientKey));
    q.addBindValue(n.tlsInsecure ? 1 : 0);
    q.addBindValue(sqlText(n.tokenFile));
}

void prepareInsertNode(QSqlQuery &q, const NodeSpec &n, qint64 createdAt)
{
    q.prepare(QStringLiteral(
        "INSERT INTO nodes(url, health_path, weight, tags, admin_state, ca_file, client_cert,"
        " client_key, tls_insecure, token_file, id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    bindNodeFields(q, n);
    q.addBindValue(n.id);
    q.addBindValue(createdAt);
}

QList<NodeSpec> validNodes(QSqlQuery &q, const QString &location, QStringList *rejected)
{
    QList<NodeSpec> nodes;
    while (q.next()) {
        NodeSpec n;
        n.id = q.value(0).toString();
        n.url = q.value(1).toString();
        n.healthPath = q.value(2).toString();
        n.weight = q.value(3).toInt();
        n.tags = q.value(4).toString().split(u',', Qt::SkipEmptyParts);
        n.adminState = adminStateFromName(q.value(5).toString()).value_or(AdminState::Ready);
        n.caFile = q.value(6).toString();
        n.clientCert = q.value(7).toString();
        n.clientKey = q.value(8).toString();
        n.tlsInsecure = q.value(9).toInt() != 0;
        n.tokenFile = q.value(10).toString();
        if (Status s = n.validate(); !s) {
            qWarning("store %s: node %s is not loaded: %s", qPrintable(location),
                     qPrintable(n.id.left(64)), qPrintable(s.error().message));
            if (rejected)
                *rejected << QStringLiteral("%1: %2").arg(n.id.left(64), s.error().message);
            continue;
        }
        nodes << n;
    }
    return nodes;
}

QHash<QString, std::pair<HealthState, qint64>> healthStates(QSqlQuery &q)
{
    QHash<QString, std::pair<HealthState, qint64>> states;
    while (q.next())
        states.insert(q.value(0).toString(),
                      {healthStateFromName(q.value(1).toString()), q.value(2).toLongLong()});
    return states;
}

void bindHealthEvent(QSqlQuery &q, const HealthEvent &e)
{
    q.addBindValue(sqlText(e.nodeId));
    q.addBindValue(e.timestamp);
    q.addBindValue(healthStateName(e.from));
    q.addBindValue(healthStateName(e.to));
    q.addBindValue(sqlText(e.reason));
    q.addBindValue(e.latencyMs);
    q.addBindValue(e.lastOkAt);
}

void prepareHealthEvents(QSqlQuery &q, const QString &nodeId, int limit)
{
    q.prepare(QStringLiteral(
        "SELECT id, node_id, ts, from_state, to_state, reason, latency_ms FROM health_events"
        " WHERE (? = '' OR node_id = ?) ORDER BY id DESC LIMIT ?"));
    q.addBindValue(sqlText(nodeId));
    q.addBindValue(sqlText(nodeId));
    q.addBindValue(limit);
}

QList<HealthEvent> healthEvents(QSqlQuery &q)
{
    QList<HealthEvent> events;
    while (q.next()) {
        HealthEvent e;
        e.id = q.value(0).toLongLong();
        e.nodeId = q.value(1).toString();
        e.timestamp = q.value(2).toLongLong();
        e.from = healthStateFromName(q.value(3).toString());
        e.to = healthStateFromName(q.value(4).toString());
        e.reason = q.value(5).toString();
        e.latencyMs = q.value(6).toDouble();
        events << e;
    }
    return events;
}

void sealAuditEntry(AuditEntry &a, qint64 now)
{
    if (a.timestamp == 0)
        a.timestamp = now;
    a.actor = sqlText(a.actor);
    a.action = sqlText(a.action);
    a.subject = sqlText(a.subject);
    a.before = sqlText(maskSecretsInText(a.before));
    a.after = sqlText(maskSecretsInText(a.after));
    a.hash = Store::auditHash(a.prevHash, a);
}

void bindAuditEntry(QSqlQuery &q, const AuditEntry &a)
{
    q.addBindValue(a.timestamp);
    q.addBindValue(a.actor);
    q.addBindValue(a.action);
    q.addBindValue(a.subject);
    q.addBindValue(a.before);
    q.addBindValue(a.after);
    q.addBindValue(sqlText(a.prevHash));
    q.addBindValue(a.hash);
}

void prepareAuditLog(QSqlQuery &q, int limit, const QString &filter)
{
    q.prepare(QStringLiteral(
        "SELECT id, ts, actor, action, subject, before, after, prev_hash, hash FROM audit"
        " WHERE (? = '' OR LOWER(actor) LIKE LOWER(?) OR LOWER(action) LIKE LOWER(?)"
        " OR LOWER(subject) LIKE LOWER(?))"
        " ORDER BY id DESC LIMIT ?"));
    const QString like = u'%' + filter + u'%';
    q.addBindValue(sqlText(filter));
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(limit);
}

QList<AuditEntry> auditEntries(QSqlQuery &q)
{
    QList<AuditEntry> entries;
    while (q.next()) {
        AuditEntry a;
        a.id = q.value(0).toLongLong();
        a.timestamp = q.value(1).toLongLong();
        a.actor = q.value(2).toString();
        a.action = q.value(3).toString();
        a.subject = q.value(4).toString();
        a.before = q.value(5).toString();
        a.after = q.value(6).toString();
        a.prevHash = q.value(7).toString();
        a.hash = q.value(8).toString();
        entries << a;
    }
    return entries;
}

ConfigVersion configVersion(const QSqlQuery &q)
{
    return ConfigVersion{q.value(0).toInt(), q.value(1).toLongLong(), q.value(2).toString(),
                         q.value(3).toString().toUtf8()};
}

QList<ConfigVersion> configVersions(QSqlQuery &q)
{
    QList<ConfigVersion> list;
    while (q.next())
        list << configVersion(q);
    return list;
}

} // namespace jobfirst::StateRows
