// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/urlfault.h"


#include <QRegularExpression>
#include <QUrl>

namespace jobfirst {

namespace {

/// "host:port" of a URL QUrl refused, without any user info: the part a fault is looked for.
QString authorityOf(const QString &url)
{
    QString authority = url.section(QStringLiteral("://"), 1);
    static const QRegularExpression end(QStringLiteral("[/?#]"));
    authority = authority.left(authority.indexOf(end) < 0 ? authority.size()
                                                          : authority.indexOf(end));
    return authority.mid(authority.lastIndexOf(u'@') + 1);
}

/// The fault in the host or port of a URL QUrl refused; None when they are fine.
UrlFault hostOrPortFault(const QString &authority)
{
    QString host = authority;
    QString port;
    const qsizetype colon = authority.lastIndexOf(u':');
    const bool bracketed = authority.startsWith(u'[');
    if (colon >= 0 && (!bracketed || colon > authority.indexOf(u']'))) {
        host = authority.left(colon);
        port = authority.mid(colon + 1);
        bool number = false;
        const int value = port.toInt(&number);
        if (!number || value < 1 || value > 65535 || port.startsWith(u'+'))
            return UrlFault::BadPort;
    }
    if (host.isEmpty())
        return UrlFault::NoHost;
    QUrl probe;
    probe.setScheme(QStringLiteral("http"));
    probe.setHost(host, QUrl::StrictMode);
    return probe.isValid() && !probe.host().isEmpty() ? UrlFault::None : UrlFault::BadHost;
}

} // namespace

UrlFault nodeUrlFault(const QString &url)
{
    if (url.trimmed().isEmpty())
        return UrlFault::Empty;
    if (url.toUtf8().size() > 2048)
        return UrlFault::TooLong;
    if (!url.contains(QLatin1String("://")))
        return UrlFault::NoScheme;
    const QString scheme = url.section(QStringLiteral("://"), 0, 0).toLower();
    if (scheme != u"http" && scheme != u"https")
        return UrlFault::UnsupportedScheme;
    static const QRegularExpression space(QStringLiteral("\\s"));
    if (url.trimmed().contains(space))
        return UrlFault::Spaces;
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid()) {
        const UrlFault fault = hostOrPortFault(authorityOf(url));
        return fault == UrlFault::None ? UrlFault::Malformed : fault;
    }
    if (u.host().isEmpty())
        return UrlFault::NoHost;
    if (u.port() == 0)
        return UrlFault::BadPort;
    if (!u.userInfo().isEmpty())
        return UrlFault::Credentials;
    return UrlFault::None;
}

} // namespace jobfirst
