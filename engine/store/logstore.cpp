// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/logstore.h"

#include "store/statereports.h"
#include "store/store.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <limits>

namespace jobfirst {

LogStore::LogStore(Store *store, const ClusterStateStore *state)
    : m_store(store), m_state(state ? state : store)
{
}

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
    const int limit = std::clamp(query.limit, 1, 100000);
    QSqlQuery q(m_store->database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, ts, level, component, kind, node, target, message, fields"
                             " FROM logs WHERE %1 >= ?"
                             " AND (? = '' OR node = ?) AND (? = '' OR target = ?)"
                             " AND (? = '' OR LOWER(message) LIKE LOWER(?) OR LOWER(kind) LIKE"
                             " LOWER(?) OR LOWER(component) LIKE LOWER(?))"
                             " AND ts >= ? AND ts <= ?"
                             " ORDER BY ts DESC, id DESC LIMIT ?")
                  .arg(StateReports::levelRankSql()));
    const QString like = u'%' + query.text + u'%';
    q.addBindValue(std::max(0, logLevelRank(query.minLevel)));
    q.addBindValue(sqlText(query.node));
    q.addBindValue(sqlText(query.node));
    q.addBindValue(sqlText(query.target));
    q.addBindValue(sqlText(query.target));
    q.addBindValue(sqlText(query.text));
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(like);
    q.addBindValue(query.since);
    q.addBindValue(query.until ? query.until : std::numeric_limits<qint64>::max());
    q.addBindValue(limit);
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("read the log"), q.lastError().text());
    QList<LogEntry> entries;
    while (q.next()) {
        LogEntry e;
        e.source = QStringLiteral("log");
        e.id = q.value(0).toLongLong();
        e.at = q.value(1).toLongLong();
        e.level = q.value(2).toString();
        e.component = q.value(3).toString();
        e.kind = q.value(4).toString();
        e.node = q.value(5).toString();
        e.target = q.value(6).toString();
        e.message = q.value(7).toString();
        e.fields = QJsonDocument::fromJson(q.value(8).toString().toUtf8()).object();
        entries << e;
    }
    q.finish();
    // Health and audit lines are kept where the cluster state is.
    auto shared = m_state->logLines(query);
    if (!shared)
        return shared.error();
    entries << std::move(shared).value();
    std::sort(entries.begin(), entries.end(), [](const LogEntry &a, const LogEntry &b) {
        if (a.at != b.at)
            return a.at > b.at;
        if (a.source != b.source)
            return a.source < b.source;
        return a.id > b.id;
    });
    if (entries.size() > limit)
        entries.resize(limit);
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
