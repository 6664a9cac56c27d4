// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgrespipeline.h"

#include <QSqlDriver>
#include <QVariant>

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>

namespace jobfirst {

pg_conn *PostgresPipeline::connectionOf(const QSqlDatabase &db)
{
    const QVariant v = db.driver() ? db.driver()->handle() : QVariant();
    // Qt names the type as the compiler does, without libpq's typedef.
    if (!v.isValid() ||
        (std::strcmp(v.typeName(), "pg_conn*") != 0 && std::strcmp(v.typeName(), "PGconn*") != 0))
        return nullptr;
    return *static_cast<PGconn *const *>(v.constData());
}

PostgresPipeline::PostgresPipeline(pg_conn *connection)
    : m_connection(connection), m_last(nullptr, PQclear)
{
}

PostgresPipeline::~PostgresPipeline() = default;

void PostgresPipeline::add(QByteArray sql)
{
    m_statements.push_back(Statement{std::move(sql), false, {}});
}

void PostgresPipeline::addPrepared(QByteArray name, std::vector<QByteArray> params)
{
    m_statements.push_back(Statement{std::move(name), true, std::move(params)});
}

void PostgresPipeline::failed(const QString &why, QByteArray sqlState)
{
    if (m_error.isEmpty()) {
        m_error = why;
        m_sqlState = std::move(sqlState);
    }
}

bool PostgresPipeline::send(const Statement &s)
{
    if (!s.prepared)
        return PQsendQueryParams(m_connection, s.sql.constData(), 0, nullptr, nullptr, nullptr,
                                 nullptr, 0);
    std::vector<const char *> values;
    std::vector<int> lengths, formats(s.params.size(), 1);
    for (const QByteArray &p : s.params) {
        values.push_back(p.constData());
        lengths.push_back(int(p.size()));
    }
    return PQsendQueryPrepared(m_connection, s.sql.constData(), int(s.params.size()), values.data(),
                               lengths.data(), formats.data(), 0);
}

void PostgresPipeline::keepRowsOf(std::size_t statement, std::function<void()> arrived)
{
    m_keep = statement;
    m_arrived = std::move(arrived);
}

bool PostgresPipeline::broken() const
{
    return !m_connection || PQstatus(m_connection) != CONNECTION_OK;
}

bool PostgresPipeline::inTransaction() const
{
    return m_connection && PQtransactionStatus(m_connection) != PQTRANS_IDLE;
}

bool PostgresPipeline::run()
{
    if (!m_connection || PQstatus(m_connection) != CONNECTION_OK) {
        failed(QStringLiteral("no connection"));
        return false;
    }
    if (!PQenterPipelineMode(m_connection)) {
        failed(QString::fromUtf8(PQerrorMessage(m_connection)).trimmed());
        return false;
    }
    bool sent = true;
    for (const Statement &s : m_statements)
        if (!(sent = send(s)))
            break;
    if (sent && PQpipelineSync(m_connection))
        receive();
    else
        failed(QString::fromUtf8(PQerrorMessage(m_connection)).trimmed());
    // A connection that broke meanwhile stays in pipeline mode; QtSql then finds it gone.
    PQexitPipelineMode(m_connection);
    return m_error.isEmpty();
}

bool PostgresPipeline::receive()
{
    const std::size_t keep = std::min(m_keep, m_statements.size() - 1);
    for (std::size_t i = 0; i < m_statements.size(); ++i) {
        bool answered = false;
        while (PGresult *r = PQgetResult(m_connection)) {
            answered = true;
            const ExecStatusType status = PQresultStatus(r);
            if (status == PGRES_FATAL_ERROR) {
                const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                failed(QString::fromUtf8(PQresultErrorMessage(r)).trimmed(),
                       QByteArray(state ? state : ""));
            } else if (status == PGRES_PIPELINE_ABORTED) {
                failed(QStringLiteral("not run after an earlier statement failed"));
            }
            if (i == keep)
                m_last.reset(r);
            else
                PQclear(r);
        }
        if (!answered) { // the connection is gone
            failed(QString::fromUtf8(PQerrorMessage(m_connection)).trimmed());
            return false;
        }
        if (i == keep && m_arrived && m_error.isEmpty())
            m_arrived();
    }
    // The end of the pipeline (its Sync).
    PGresult *sync = PQgetResult(m_connection);
    const bool ended = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!ended)
        failed(QString::fromUtf8(PQerrorMessage(m_connection)).trimmed());
    return ended;
}

int PostgresPipeline::rows() const
{
    return m_last && PQresultStatus(m_last.get()) == PGRES_TUPLES_OK ? PQntuples(m_last.get()) : 0;
}

QByteArray PostgresPipeline::value(int row, int column) const
{
    return QByteArray(PQgetvalue(m_last.get(), row, column),
                      PQgetlength(m_last.get(), row, column));
}

} // namespace jobfirst
