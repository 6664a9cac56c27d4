// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"
#include "config/configversion.h"
#include "store/auditentry.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <utility>

class QSqlQuery;

namespace jobfirst {

/// The cluster-state tables' rows, written and read the same way by both dialects (the SQLite
/// `Store` and `PostgresStateStore`): each reader walks a query whose SELECT lists the columns
/// in the order named on it.
namespace StateRows {

/// Binds url, health_path, weight, tags, admin_state, ca_file, client_cert, client_key,
/// tls_insecure, token_file, in that order.
void bindNodeFields(QSqlQuery &q, const NodeSpec &n);

/// Prepares the INSERT of a new node, created at `createdAt`, with its values bound.
void prepareInsertNode(QSqlQuery &q, const NodeSpec &n, qint64 createdAt);

/// id, url, health_path, weight, tags, admin_state, ca_file, client_cert, client_key,
/// tls_insecure, token_file. A row that no longer validates (a URL edited in the database to
/// file:// or gopher://) is left out with a warning naming `location`, and listed in
/// `rejected`: it is never fetched.
QList<NodeSpec> validNodes(QSqlQuery &q, const QString &location, QStringList *rejected);

/// id, health_state, health_changed_at.
QHash<QString, std::pair<HealthState, qint64>> healthStates(QSqlQuery &q);

/// Binds node_id, ts, from_state, to_state, reason, latency_ms, last_ok_at, in that order.
void bindHealthEvent(QSqlQuery &q, const HealthEvent &e);

/// Prepares the read of the newest `limit` health events, of one node or (empty) of all.
void prepareHealthEvents(QSqlQuery &q, const QString &nodeId, int limit);

/// id, node_id, ts, from_state, to_state, reason, latency_ms.
QList<HealthEvent> healthEvents(QSqlQuery &q);

/// Readies an entry whose prevHash is the chain's head: the time when unset (`now`), text
/// fields made storable, secrets masked in before/after (the audit log never holds a secret,
/// whoever writes to it), and its hash over the previous one.
void sealAuditEntry(AuditEntry &a, qint64 now);

/// Binds ts, actor, action, subject, before, after, prev_hash, hash, in that order.
void bindAuditEntry(QSqlQuery &q, const AuditEntry &a);

/// Prepares the read of the newest `limit` audit entries whose actor, action or subject
/// contains `filter` (any case; an empty filter keeps all).
void prepareAuditLog(QSqlQuery &q, int limit, const QString &filter);

/// id, ts, actor, action, subject, before, after, prev_hash, hash.
QList<AuditEntry> auditEntries(QSqlQuery &q);

/// version, ts, actor, json: the query's current row.
ConfigVersion configVersion(const QSqlQuery &q);
QList<ConfigVersion> configVersions(QSqlQuery &q);

} // namespace StateRows
} // namespace jobfirst
