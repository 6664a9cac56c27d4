// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/targetrules.h"

#include "config/clusterconfig.h"

#include <QUrl>

namespace jobfirst::TargetRules {

const QStringList &eventTypes()
{
    static const QStringList events = {
        QStringLiteral("user.created"), QStringLiteral("user.updated"),
        QStringLiteral("user.status"),  QStringLiteral("user.login"),
        QStringLiteral("user.logout"),  QStringLiteral("user.permissions"),
        QStringLiteral("user.quota"),   QStringLiteral("session"),
        QStringLiteral("config"),       QStringLiteral("state"),
    };
    return events;
}

Sentence urlFault(const QString &url)
{
    if (url.toUtf8().size() > ClusterConfig::MaxUrlBytes)
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "is longer than %1 bytes"),
                        {Sentence::value(ClusterConfig::MaxUrlBytes)});
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || (u.scheme() != u"http" && u.scheme() != u"https") || u.host().isEmpty())
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence", "is not an http(s) URL with a host"));
    if (!u.userInfo().isEmpty())
        return Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                          "holds a user name or password; use token_file or "
                                          "client_cert instead"));
    return {};
}

bool holdsCredentials(const QString &url)
{
    return !QUrl(url, QUrl::StrictMode).userInfo().isEmpty();
}

} // namespace jobfirst::TargetRules
