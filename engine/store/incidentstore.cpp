// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/incidentstore.h"

#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace jobfirst {

namespace {

Alert incidentFromRow(const QSqlQuery &q)
{
    Alert a;
    a.id = q.value(0).toLongLong();
    a.kind = q.value(1).toString();
    a.subject = q.value(2).toString();
    a.severity = Alert::Severity(std::clamp(q.value(3).toInt(), 0, 2));
    a.at = q.value(4).toLongLong();
    a.lastAt = q.value(5).toLongLong();
    a.count = q.value(6).toInt();
    a.message = q.value(7).toString();
    a.code = q.value(8).toString();
    return a;
}

} // namespace

Result<QList<Alert>> IncidentStore::openIncidents() const
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("SELECT id, kind, subject, severity, started_at, last_at, count,"
                               " message, code FROM incidents ORDER BY id")))
        return storeError(m_store->path(), QStringLiteral("read the open incidents"),
                          q.lastError().text());
    QList<Alert> open;
    while (q.next())
        open << incidentFromRow(q);
    return open;
}

Result<qint64> IncidentStore::highestId() const
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("SELECT MAX(COALESCE((SELECT CAST(value AS INTEGER) FROM meta"
                               " WHERE key = 'incident_id_high'), 0),"
                               " COALESCE((SELECT MAX(id) FROM incidents), 0))")) ||
        !q.next())
        return storeError(m_store->path(), QStringLiteral("read the highest incident id"),
                          q.lastError().text());
    return q.value(0).toLongLong();
}

Status IncidentStore::save(const QList<Alert> &changed, qint64 highestId)
{
    if (changed.isEmpty())
        return {};
    QSqlDatabase db = m_store->database();
    if (!db.transaction())
        return storeError(m_store->path(), QStringLiteral("begin saving incidents"),
                          db.lastError().text());
    if (Status s = write(changed, highestId); !s) {
        db.rollback();
        return s;
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        return storeError(m_store->path(), QStringLiteral("commit the incidents"), why);
    }
    return {};
}

Status IncidentStore::write(const QList<Alert> &changed, qint64 highestId)
{
    QSqlQuery q(m_store->database());
    const auto failed = [&](const QString &what) {
        return storeError(m_store->path(), what, q.lastError().text());
    };
    for (const Alert &a : changed) {
        if (a.resolved()) {
            q.prepare(QStringLiteral("DELETE FROM incidents WHERE id = ?"));
            q.addBindValue(a.id);
        } else {
            q.prepare(QStringLiteral(
                "INSERT OR REPLACE INTO incidents(id, kind, subject, severity, started_at,"
                " last_at, count, message, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
            q.addBindValue(a.id);
            q.addBindValue(sqlText(a.kind));
            q.addBindValue(sqlText(a.subject));
            q.addBindValue(int(a.severity));
            q.addBindValue(a.at);
            q.addBindValue(a.lastAt);
            q.addBindValue(a.count);
            q.addBindValue(sqlText(a.message));
            q.addBindValue(sqlText(a.code));
        }
        if (!q.exec())
            return failed(QStringLiteral("save incident %1").arg(a.id));
    }
    return recordHighestId(highestId);
}

Status IncidentStore::recordHighestId(qint64 highestId)
{
    QSqlQuery q(m_store->database());
    q.prepare(QStringLiteral(
        "INSERT INTO meta(key, value) VALUES ('incident_id_high', ?) ON CONFLICT(key) DO UPDATE"
        " SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))"));
    q.addBindValue(QString::number(highestId));
    if (!q.exec())
        return storeError(m_store->path(), QStringLiteral("record the highest incident id"),
                          q.lastError().text());
    return {};
}

Result<qint64> IncidentStore::takeNextId(qint64 usedHere)
{
    QSqlQuery q(m_store->database());
    // IMMEDIATE: the write lock is taken before the highest id is read, so another engine's
    // connection waits (busy timeout) instead of reading the same one.
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return storeError(m_store->path(), QStringLiteral("begin taking an incident id"),
                          q.lastError().text());
    const auto rolledBack = [&q](Error e) {
        q.exec(QStringLiteral("ROLLBACK"));
        return e;
    };
    const Result<qint64> highest = highestId();
    if (!highest)
        return rolledBack(highest.error());
    const qint64 next = std::max(highest.value(), usedHere) + 1;
    if (Status s = recordHighestId(next); !s)
        return rolledBack(s.error());
    if (!q.exec(QStringLiteral("COMMIT")))
        return rolledBack(storeError(m_store->path(), QStringLiteral("commit an incident id"),
                                     q.lastError().text()));
    return next;
}

} // namespace jobfirst
