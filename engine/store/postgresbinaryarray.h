// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QStringView>

namespace jobfirst {

/// A one-dimensional array in PostgreSQL's binary format, to bind as a parameter of a prepared
/// statement (libpq, format 1): the server reads each element by its length, where the text
/// of an array literal had it lex and unescape every character (and the statement's text
/// around it). Elements are added in order; the count is fixed first.
class PostgresBinaryArray final
{
public:
    /// Element types, by their OIDs (pg_type).
    enum class Type : quint32 { Bytea = 17, Int8 = 20, Int4 = 23, Text = 25 };

    PostgresBinaryArray(Type type, qsizetype count);

    void addInt8(qint64 value);
    void addInt4(qint32 value);
    /// Text as UTF-8 (the connection's client encoding), without NUL characters (text
    /// cannot hold them; the literal path leaves them out too).
    void addText(QStringView text);
    void addBytes(QByteArrayView bytes);

    /// The encoded array; the count given must have been added.
    const QByteArray &bytes() const { return m_bytes; }

    /// `value` as a binary BIGINT parameter.
    static QByteArray int8(qint64 value);

private:
    void appendInt32(qint32 value);
    QByteArray m_bytes;
};

} // namespace jobfirst
