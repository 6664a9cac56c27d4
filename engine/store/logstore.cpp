// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/logstore.h"

#include "store/store.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

namespace jobfirst {

namespace {

// Health transitions and audited actions are read where they are kept, in the log's shape.
const char *const Merged =
    "SELECT 'log' AS source, id, ts, level, component, kind, node, target, message, fields FROM logs"
    " UNION ALL"
    " SELECT 'health', id, ts, CASE to_state WHEN 'up' THEN 'info' WHEN 'failed' THEN 'error' ELSE 'warning' END,"
    " 'health', 'health.' || to_state, node_id, '',"
    " 'node ' || node_id || ' ' || from_state || ' -> ' || to_state || ': ' || reason,"
    " json_object('from', from_state, 'to', to_state, 'reason', reason, 'latency_ms', latency_ms) FROM health_events"
    " UNION ALL"
    " SELECT 'audit', id, ts, CASE WHEN action LIKE 'refused:%' THEN 'warning' ELSE 'info' END, 'audit', 'audit.' || action,"
    " CASE WHEN action LIKE 'node.%' THEN subject ELSE '' END, CASE WHEN action LIKE 'target.%' OR action LIKE 'dlq.%' THEN subject ELSE '' END,"
    " actor || ' ' || action || ' ' || subject, json_object('actor', actor, 'action', action, 'subject', subject) FROM audit";

int levelRank(const QString &level)
{
    return std::max(0, logLevelRank(level));
}

} // namespace

Status LogStore::append(const QList<LogEntry> &entries)
{
    if (entries.isEmpty())
        return {};
    QSqlDatabase db = m_store->database();
    if (!db.transaction())
        return storeError(m_store->path(), QStringLiteral("begin log write"), db.lastError().text());
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO logs(ts, level, component, kind, node, target, message, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const LogEntry &e : entries) {
        q.addBindValue(e.at);
        q.addBindValue(sqlText(e.level));
        q.addBindValue(sqlText(e.component));
        q.addBindValue(sqlText(e.kind));
        q.addBindValue(sqlText(e.node));
        q.addBindValue(sqlText(e.target));
        q.addBindValue(sqlText(e.message));
        q.addBindValue(e.fields.isEmpty() ? QStringLiteral("") : QString::fromUtf8(QJsonDocument(e.fields).toJson(QJsonDocument::Compact)));
        if (!q.exec()) {
            const QString error = q.lastError().text();
            db.rollback();
            return storeError(m_store->path(), QStringLiteral("append log lines"), error);
        }
    }
    if (!db.commit())
        return storeError(m_store->path(), QStringLiteral("commit log lines"), db.lastError().text());
    return {};
}

Result<QList<LogEntry>> LogStore::query(const LogQuery &query) const
{
    QSqlQuery q(m_store->database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT source, id, ts, level, component, kind, node, target, message, fields FROM (%1)"
                             " WHERE (CASE level WHEN 'debug' THEN 0 WHEN 'info' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END) >= ?"
                             " AND (? = '' OR node = ?) AND (? = '' OR target = ?)"
                             " AND (? = '' OR message LIKE ? OR kind LIKE ? OR component LIKE ?)"
                             " AND (? = 0 OR ts >= ?) AND (? = 0 OR ts <= ?)"
                             " ORDER BY ts DESC, source, id DESC LIMIT ?")
                  .arg(QLatin1String(Merged)));
    const QString like = u'%' + query.text + u'%';
    q.addBindValue(levelRank(query.minLevel));
    q.addBindValue(sqlText(query.node));
    q.addBindValue(sqlText(query.node));
    q.addBindValue(sqlText(query.target));
    q.addBindValue(sqlText(query.target));
    q.addBindValue(sqlText(query.text));
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(query.since);
    q.addBindValue(query.since);
    q.addBindValue(query.until);
    q.addBindValue(query.until);
    q.addBindValue(std::clamp(query.limit, 1, 100000));
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("read the log"), q.lastError().text());
    QList<LogEntry> entries;
    while (q.next()) {
        LogEntry e;
        e.source = q.value(0).toString();
        e.id = q.value(1).toLongLong();
        e.at = q.value(2).toLongLong();
        e.level = q.value(3).toString();
        e.component = q.value(4).toString();
        e.kind = q.value(5).toString();
        e.node = q.value(6).toString();
        e.target = q.value(7).toString();
        e.message = q.value(8).toString();
        e.fields = QJsonDocument::fromJson(q.value(9).toString().toUtf8()).object();
        entries << e;
    }
    return entries;
}

Result<int> LogStore::prune(qint64 beforeMs, int batch)
{
    QSqlQuery q(m_store->database());
    q.prepare(QStringLiteral("DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ? ORDER BY id LIMIT ?)"));
    q.addBindValue(beforeMs);
    q.addBindValue(batch);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("prune the log"), q.lastError().text());
    return q.numRowsAffected();
}

} // namespace jobfirst
