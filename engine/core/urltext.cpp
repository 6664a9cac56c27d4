// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/urltext.h"

namespace jobfirst {

QString withoutUserInfo(const QString &typed)
{
    const qsizetype scheme = typed.indexOf(QLatin1String("://"));
    if (scheme < 0)
        return typed;
    const qsizetype start = scheme + 3;
    qsizetype end = start;
    while (end < typed.size() && typed[end] != u'/' && typed[end] != u'?' && typed[end] != u'#')
        ++end;
    const qsizetype at = typed.lastIndexOf(u'@', end - 1);
    return at >= start ? typed.left(start) + typed.mid(at + 1) : typed;
}

} // namespace jobfirst
