// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlitetextscratch.h"

#include <QByteArray>

#include <algorithm>
#include <cstring>

namespace jobfirst {

void SqliteTextScratch::reset(qsizetype units)
{
    // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair 4 for 2 units): the room never
    // grows while the strings are added, so none of them moves.
    m_bytes.resize(std::max(m_bytes.size(), std::size_t(3 * units)));
    m_used = 0;
}

QByteArrayView SqliteTextScratch::add(const QString &s)
{
    char *out = m_bytes.data() + m_used;
    const qsizetype n = s.size();
    const QChar *u = s.constData();
    qsizetype i = 0;
    for (; i < n && u[i].unicode() < 0x80; ++i) // ids and names are mostly ASCII: narrowed here
        out[i] = char(u[i].unicode());
    if (i < n) {
        const QByteArray utf8 = s.toUtf8();
        std::memcpy(out, utf8.constData(), std::size_t(utf8.size()));
        i = utf8.size();
    }
    m_used += std::size_t(i);
    return {out, i};
}

} // namespace jobfirst
