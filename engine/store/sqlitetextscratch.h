// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>

#include <vector>

namespace jobfirst {

/// UTF-8 copies of the text one SQLite statement binds, bound with SQLITE_STATIC
/// (SqliteStatement::bindUtf8) instead of SQLITE_TRANSIENT, which made SQLite allocate and
/// copy every value again. The copies stay in place until the next reset(): that is, until the
/// statement has run and its next rows are bound. Used from one thread.
class SqliteTextScratch final
{
public:
    /// Room for strings of `units` UTF-16 units in all; forgets the ones before.
    void reset(qsizetype units);
    /// `s` as UTF-8, valid until the next reset().
    QByteArrayView add(const QString &s);

private:
    std::vector<char> m_bytes;
    std::size_t m_used = 0;
};

} // namespace jobfirst
