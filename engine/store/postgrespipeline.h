// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

struct pg_conn;
struct pg_result;

namespace jobfirst {

/// Statements sent to PostgreSQL together and answered in one round trip (libpq's pipeline
/// mode), on the libpq connection under a QPSQL connection: a group's BEGIN, its markers and
/// its enqueue, the last one a prepared statement with parameters in binary format. QtSql
/// sends a prepared statement's values as literals in an EXECUTE, which the server lexes and
/// parses character by character. Used from the connection's thread only, between QtSql's
/// statements (run() leaves the connection as it found it: idle or in a transaction).
class PostgresPipeline final
{
public:
    /// The libpq connection of `db` (QPSQL), nullptr when it has none.
    static pg_conn *connectionOf(const QSqlDatabase &db);

    explicit PostgresPipeline(pg_conn *connection);
    ~PostgresPipeline();
    PostgresPipeline(const PostgresPipeline &) = delete;
    PostgresPipeline &operator=(const PostgresPipeline &) = delete;

    /// A statement without parameters.
    void add(QByteArray sql);
    /// The statement prepared as `name` (SQL PREPARE), its parameters in binary format.
    void addPrepared(QByteArray name, std::vector<QByteArray> params);

    /// Which statement's rows rows() and value() read (the last one unless told), and what to
    /// call once they have arrived, before the answers of the statements after it are read
    /// (not called when that statement or one before it failed).
    void keepRowsOf(std::size_t statement, std::function<void()> arrived = {});

    /// Sends the statements and reads their answers: false, with error() and sqlState(), when
    /// one failed (those after it did not run).
    bool run();
    /// Whether the connection broke (rather than a statement failing): what was sent may or
    /// may not have run.
    bool broken() const;
    /// Whether a transaction is still open after run() (BEGIN ran, its COMMIT did not).
    bool inTransaction() const;

    QString error() const { return m_error; }
    /// The SQLSTATE of the statement that failed ("23505": a unique key taken).
    QByteArray sqlState() const { return m_sqlState; }
    /// The rows the kept statement answered, and their values as text.
    int rows() const;
    QByteArray value(int row, int column) const;

private:
    struct Statement
    {
        QByteArray sql; ///< or the prepared statement's name
        bool prepared = false;
        std::vector<QByteArray> params;
    };
    bool send(const Statement &s);
    /// Reads every statement's answers, then the end of the pipeline.
    bool receive();
    void failed(const QString &why, QByteArray sqlState = {});

    pg_conn *m_connection;
    std::vector<Statement> m_statements;
    std::unique_ptr<pg_result, void (*)(pg_result *)> m_last;
    std::size_t m_keep = std::size_t(-1); ///< the statement whose rows are kept (else the last)
    std::function<void()> m_arrived;
    QString m_error;
    QByteArray m_sqlState;
};

} // namespace jobfirst
