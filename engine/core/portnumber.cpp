// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/portnumber.h"

namespace jobfirst {

Result<quint16> parsePort(const QString &text, int lowest)
{
    if (text.isEmpty())
        return makeError(QStringLiteral("port.missing"), QStringLiteral("the port is missing"));
    for (const QChar c : text)
        if (c < u'0' || c > u'9')
            return makeError(QStringLiteral("port.invalid"),
                             QStringLiteral("port \"%1\" is not a number").arg(text.left(40)));
    // More than five digits is out of range too (not a number that overflowed).
    const qlonglong value = text.size() > 5 ? 65536 : text.toLongLong();
    if (value < lowest || value > 65535)
        return makeError(
            QStringLiteral("port.range"),
            QStringLiteral("port %1 is out of range %2-65535").arg(text.left(40)).arg(lowest));
    return quint16(value);
}

} // namespace jobfirst
