// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/httpsecurity.h"

#include "core/secrets.h"

#include <QFileInfo>

namespace jobfirst {

std::shared_ptr<const HttpSecurity>
HttpSecurity::fromSettings(const QString &caFile, const QString &clientCert,
                           const QString &clientKey, bool insecure, const QString &tokenFile)
{
    auto s = std::make_shared<HttpSecurity>();
    s->caFile = QFile::encodeName(caFile);
    s->clientCert = QFile::encodeName(clientCert);
    s->clientKey = QFile::encodeName(clientKey);
    s->insecure = insecure;
    if (!tokenFile.isEmpty()) {
        auto token = readSecretFile(tokenFile, QStringLiteral("token"));
        if (token)
            s->bearerToken = token->toUtf8();
        else
            s->problem = token.error().message;
    }
    return s;
}

Status validateTlsFiles(const QString &what, const QString &caFile, const QString &clientCert,
                        const QString &clientKey, const QString &tokenFile)
{
    const auto readable = [&what](const char *key, const QString &path) -> Status {
        if (path.isEmpty())
            return {};
        const QFileInfo info(path);
        QString why;
        if (path.size() > 4096)
            why = QStringLiteral("is longer than 4096 characters");
        else if (!info.exists())
            why = QStringLiteral("does not exist");
        else if (!info.isFile())
            why = QStringLiteral("is not a file");
        else if (!info.isReadable())
            why = QStringLiteral("is not readable by this user");
        if (why.isEmpty())
            return {};
        return makeError(
            QStringLiteral("tls.file"),
            QStringLiteral("%1%2: \"%3\" %4").arg(what, QLatin1String(key), path.left(200), why));
    };
    if (Status s = readable("ca_file", caFile); !s)
        return s;
    if (Status s = readable("client_cert", clientCert); !s)
        return s;
    if (Status s = readable("client_key", clientKey); !s)
        return s;
    if (Status s = readable("token_file", tokenFile); !s)
        return s;
    if (clientCert.isEmpty() != clientKey.isEmpty())
        return makeError(QStringLiteral("tls.file"),
                         QStringLiteral("%1client_cert and %1client_key go together: give both "
                                        "or neither")
                             .arg(what));
    if (!tokenFile.isEmpty()) {
        auto token = readSecretFile(tokenFile, QStringLiteral("token"));
        if (!token)
            return makeError(QStringLiteral("tls.file"),
                             QStringLiteral("%1token_file: %2").arg(what, token.error().message));
    }
    return {};
}

} // namespace jobfirst
