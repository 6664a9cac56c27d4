// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace jobfirst {

/// Where a place in a text is, as an editor shows it: the line and the column, both from 1.
/// A JSON parser says where it stopped as a byte offset, which no operator can look up; a
/// line with Chinese on it puts the offset three bytes a character ahead of the column.
struct TextPosition
{
    int line = 1;
    int column = 1; ///< in characters (code points), not bytes

    /// The position of byte `offset` of the UTF-8 `text` (clamped to the text).
    static TextPosition of(const QByteArray &text, qsizetype offset);
    /// Where a JSON parser stopped in `json`, from its QJsonParseError::offset: the character
    /// it read last, which is the one at fault ("tru" is wrong at its t).
    static TextPosition ofJsonError(const QByteArray &json, qsizetype offset);
};

} // namespace jobfirst
