// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/textposition.h"

#include <QList>
#include <QString>

#include <algorithm>

namespace jobfirst {

TextPosition TextPosition::of(const QByteArray &text, qsizetype offset)
{
    offset = std::clamp<qsizetype>(offset, 0, text.size());
    const QByteArrayView before(text.constData(), offset);
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const QString onLine = QString::fromUtf8(before.sliced(lineStart));
    return TextPosition{int(before.count('\n')) + 1, int(onLine.toUcs4().size()) + 1};
}

TextPosition TextPosition::ofJsonError(const QByteArray &json, qsizetype offset)
{
    // Qt's offset is mostly one past the character that was wrong ("tru" stops after its t,
    // "{oops}" after the first o), and at it when whitespace came before ("{} x"): the
    // character read last, unless that was whitespace.
    offset = std::clamp<qsizetype>(offset, 0, json.size());
    const bool pastIt = offset > 0 && !QChar::isSpace(uchar(json.at(offset - 1)));
    return of(json, pastIt ? offset - 1 : offset);
}

} // namespace jobfirst
