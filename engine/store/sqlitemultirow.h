// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/sqlitestatement.h"

#include <QByteArray>

#include <array>

struct sqlite3;

namespace jobfirst {

/// One INSERT of 1 to MaxRows rows at once: `head` VALUES `tuple`, `tuple`, ... `tail`,
/// prepared for each row count when first needed. A statement of many rows runs SQLite's
/// per-statement work (its program, AUTOINCREMENT's sqlite_sequence lookup and update) once
/// for all of them. Used from the connection's thread only.
class SqliteMultiRow final
{
public:
    static constexpr int MaxRows = 32;

    /// `head`: "INSERT INTO t(a, b) VALUES"; `tuple`: "(?, ?)"; `tail`: what follows, or "".
    SqliteMultiRow(sqlite3 *db, QByteArray head, QByteArray tuple, QByteArray tail = {});
    SqliteMultiRow(const SqliteMultiRow &) = delete;
    SqliteMultiRow &operator=(const SqliteMultiRow &) = delete;

    /// The statement for `rows` rows (1..MaxRows), or nullptr when it cannot be prepared
    /// (the connection's error says why).
    SqliteStatement *rows(int rows);
    /// Parameters per row.
    int width() const { return m_width; }

private:
    sqlite3 *m_db;
    QByteArray m_head, m_tuple, m_tail;
    int m_width;
    std::array<SqliteStatement, MaxRows> m_statements;
};

} // namespace jobfirst
