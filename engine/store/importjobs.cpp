// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/importjobs.h"

#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>

namespace jobfirst {

struct ImportJobs::Statements
{
    explicit Statements(const QSqlDatabase &db) : save(db) {}
    QSqlQuery save;
};

ImportJobs::ImportJobs(const Store &store) : m_store(store) {}

ImportJobs::~ImportJobs() = default;

Result<std::optional<ImportCheckpoint>> ImportJobs::find(const QString &path) const
{
    QSqlQuery q(m_store.database());
    q.prepare(QStringLiteral("SELECT offset, lines, done FROM import_jobs WHERE path = ?"));
    q.addBindValue(path);
    if (!q.exec())
        return storeError(m_store.path(), QStringLiteral("read import progress"),
                          q.lastError().text());
    if (!q.next())
        return std::optional<ImportCheckpoint>();
    return std::optional<ImportCheckpoint>(
        ImportCheckpoint{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toBool()});
}

Status ImportJobs::save(const QString &path, const ImportCheckpoint &checkpoint, qint64 now)
{
    if (!m_statements) {
        m_statements = std::make_unique<Statements>(m_store.database());
        if (!m_statements->save.prepare(
                QStringLiteral("INSERT OR REPLACE INTO import_jobs(path, offset, lines, done,"
                               " updated_at) VALUES (?, ?, ?, ?, ?)"))) {
            const QString why = m_statements->save.lastError().text();
            m_statements.reset();
            return storeError(m_store.path(), QStringLiteral("save import progress"), why);
        }
    }
    QSqlQuery &save = m_statements->save;
    save.addBindValue(path);
    save.addBindValue(checkpoint.offset);
    save.addBindValue(checkpoint.lines);
    save.addBindValue(checkpoint.done);
    save.addBindValue(now);
    if (!save.exec())
        return storeError(m_store.path(), QStringLiteral("save import progress"),
                          save.lastError().text());
    return {};
}

} // namespace jobfirst
