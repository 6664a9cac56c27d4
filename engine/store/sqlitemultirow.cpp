// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlitemultirow.h"

namespace jobfirst {

SqliteMultiRow::SqliteMultiRow(sqlite3 *db, QByteArray head, QByteArray tuple, QByteArray tail)
    : m_db(db), m_head(std::move(head)), m_tuple(std::move(tuple)), m_tail(std::move(tail)),
      m_width(int(m_tuple.count('?')))
{
}

SqliteStatement *SqliteMultiRow::rows(int rows)
{
    if (rows < 1 || rows > MaxRows)
        return nullptr;
    SqliteStatement &s = m_statements[std::size_t(rows - 1)];
    if (!s.ok()) {
        QByteArray sql = m_head + ' ';
        for (int i = 0; i < rows; ++i) {
            if (i)
                sql += ", ";
            sql += m_tuple;
        }
        if (!m_tail.isEmpty())
            sql += ' ' + m_tail;
        s = SqliteStatement(m_db, sql.constData());
    }
    return s.ok() ? &s : nullptr;
}

} // namespace jobfirst
