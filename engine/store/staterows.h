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

/// id, url, health_path, weight, tags, admin_state, ca_file, client_cert, client_key,
/// tls_insecure, token_file. A row that no longer validates (a URL edited in the database to
/// file:// or gopher://) is left out with a warning naming `location`, and listed in
/// `rejected`: it is never fetched.
QList<NodeSpec> validNodes(QSqlQuery &q, const QString &location, QStringList *rejected);

/// id, health_state, health_changed_at.
QHash<QString, std::pair<HealthState, qint64>> healthStates(QSqlQuery &q);

/// id, node_id, ts, from_state, to_state, reason, latency_ms.
QList<HealthEvent> healthEvents(QSqlQuery &q);

/// Readies an entry whose prevHash is the chain's head: the time when unset (`now`), text
/// fields made storable, secrets masked in before/after (the audit log never holds a secret,
/// whoever writes to it), and its hash over the previous one.
void sealAuditEntry(AuditEntry &a, qint64 now);

/// Binds ts, actor, action, subject, before, after, prev_hash, hash, in that order.
void bindAuditEntry(QSqlQuery &q, const AuditEntry &a);

/// id, ts, actor, action, subject, before, after, prev_hash, hash.
QList<AuditEntry> auditEntries(QSqlQuery &q);

/// version, ts, actor, json: the query's current row.
ConfigVersion configVersion(const QSqlQuery &q);
QList<ConfigVersion> configVersions(QSqlQuery &q);

} // namespace StateRows
} // namespace jobfirst
