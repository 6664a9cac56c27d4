// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresbinaryarray.h"

#include <QtEndian>

namespace jobfirst {

PostgresBinaryArray::PostgresBinaryArray(Type type, qsizetype count)
{
    // Header: dimensions, has-nulls flag, element type; then per dimension its length and
    // lower bound. An empty array has no dimension.
    m_bytes.reserve(20 + count * 12);
    appendInt32(count > 0 ? 1 : 0);
    appendInt32(0);
    appendInt32(qint32(type));
    if (count > 0) {
        appendInt32(qint32(count));
        appendInt32(1);
    }
}

void PostgresBinaryArray::appendInt32(qint32 value)
{
    char be[4];
    qToBigEndian(value, be);
    m_bytes.append(be, 4);
}

void PostgresBinaryArray::addInt8(qint64 value)
{
    appendInt32(8);
    m_bytes.append(int8(value));
}

void PostgresBinaryArray::addInt4(qint32 value)
{
    appendInt32(4);
    appendInt32(value);
}

void PostgresBinaryArray::addText(QStringView text)
{
    const qsizetype lengthAt = m_bytes.size();
    appendInt32(0); // its length, once known
    const qsizetype start = m_bytes.size();
    m_bytes.append(text.toUtf8());
    if (m_bytes.indexOf('\0', start) >= 0) {
        QByteArray kept = m_bytes.mid(start);
        kept.replace(QByteArrayView("\0", 1), QByteArrayView());
        m_bytes.truncate(start);
        m_bytes.append(kept);
    }
    qToBigEndian(qint32(m_bytes.size() - start), m_bytes.data() + lengthAt);
}

void PostgresBinaryArray::addBytes(QByteArrayView bytes)
{
    appendInt32(qint32(bytes.size()));
    m_bytes.append(bytes.data(), bytes.size());
}

QByteArray PostgresBinaryArray::int8(qint64 value)
{
    QByteArray be(8, Qt::Uninitialized);
    qToBigEndian(value, be.data());
    return be;
}

} // namespace jobfirst
