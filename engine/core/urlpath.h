// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QUrl>

namespace jobfirst {

/// base + path without a doubled slash: ("http://h:1/api/", "/health") → http://h:1/api/health.
inline QUrl joinUrlPath(const QString &base, const QString &path)
{
    QUrl url(base);
    QString p = url.path();
    if (p.endsWith(u'/'))
        p.chop(1);
    url.setPath(p + path);
    return url;
}

} // namespace jobfirst
