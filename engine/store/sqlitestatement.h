// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QSqlDatabase>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace jobfirst {

/// One statement prepared once on a connection and run many times (the outbox's hot paths).
/// Byte arrays are bound without a copy and must outlive the next exec() or next(); text is
/// copied. Used from the connection's thread only.
class SqliteStatement final
{
public:
    SqliteStatement() = default;
    /// Prepares `sql` on `db`; ok() says whether it could, error() why not.
    SqliteStatement(sqlite3 *db, const char *sql);
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    bool ok() const { return m_stmt != nullptr; }

    // Parameters count from 1, as in SQL.
    void bind(int index, qint64 value);
    void bind(int index, int value) { bind(index, qint64(value)); }
    void bind(int index, double value);
    /// Text; a null QString is bound as '' (text columns here are NOT NULL).
    void bind(int index, const QString &value);
    /// Bytes, stored as a blob (payloads: the UTF-8 bytes that go on the wire).
    void bindBlob(int index, const QByteArray &value);
    /// UTF-8 text, bound without a copy: it must outlive the next exec() or next().
    void bindUtf8(int index, QByteArrayView utf8);

    /// Runs the statement to its end and resets it. False on an error (see error()).
    bool exec();
    /// The next row: true while there is one; on false check failed().
    bool next();
    bool failed() const { return m_failed; }
    /// Ready to run again (bindings are kept until rebound).
    void reset();

    qint64 int64(int column) const;
    QString text(int column) const;
    QByteArray bytes(int column) const;

    /// Rows changed by the last exec() (INSERT/UPDATE/DELETE).
    qint64 changes() const;
    /// The connection's last error message.
    QString error() const;

private:
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    bool m_failed = false;
};

/// The SQLite handle behind a QSQLITE connection, or nullptr.
sqlite3 *sqliteHandle(const QSqlDatabase &db);

} // namespace jobfirst
