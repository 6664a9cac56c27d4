// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/httpsecurity.h"

#include "core/secrets.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QStringList>

namespace jobfirst {

std::shared_ptr<const HttpSecurity>
HttpSecurity::fromSettings(const QString &caFile, const QString &clientCert,
                           const QString &clientKey, bool insecure, const QString &tokenFile)
{
    if (caFile.isEmpty() && clientCert.isEmpty() && clientKey.isEmpty() && !insecure &&
        tokenFile.isEmpty())
        return {};
    // Targets are rebuilt on every health change; the token file is read again only when it
    // changed (size or time), so a rotated token is picked up without reading it each time.
    const QFileInfo token(tokenFile);
    const QString stamp = tokenFile.isEmpty() ? QString()
                                              : QStringLiteral("%1/%2")
                                                    .arg(token.size())
                                                    .arg(token.lastModified().toMSecsSinceEpoch());
    const QString key =
        QStringList{caFile,    clientCert, clientKey, insecure ? QStringLiteral("1") : QString(),
                    tokenFile, stamp}
            .join(QChar(0));
    static QMutex mutex;
    static QHash<QString, std::shared_ptr<const HttpSecurity>> cache;
    {
        QMutexLocker lock(&mutex);
        if (auto it = cache.constFind(key); it != cache.cend())
            return it.value();
    }
    auto s = std::make_shared<HttpSecurity>();
    s->caFile = QFile::encodeName(caFile);
    s->clientCert = QFile::encodeName(clientCert);
    s->clientKey = QFile::encodeName(clientKey);
    s->insecure = insecure;
    if (!tokenFile.isEmpty()) {
        auto read = readSecretFile(tokenFile, QStringLiteral("token"));
        if (read)
            s->bearerToken = read->toUtf8();
        else
            s->problem = read.error().message;
    }
    QMutexLocker lock(&mutex);
    if (cache.size() > 10000)
        cache.clear();
    cache.insert(key, s);
    return s;
}

Status validateTlsFiles(const Sentence &what, const QString &caFile, const QString &clientCert,
                        const QString &clientKey, const QString &tokenFile)
{
    const auto readable = [&what](const char *key, const QString &path) -> Status {
        if (path.isEmpty())
            return {};
        const QFileInfo info(path);
        const char *why = nullptr;
        if (path.size() > 4096)
            why = QT_TRANSLATE_NOOP("EngineSentence", "is longer than 4096 characters");
        else if (!info.exists())
            why = QT_TRANSLATE_NOOP("EngineSentence", "does not exist");
        else if (!info.isFile())
            why = QT_TRANSLATE_NOOP("EngineSentence", "is not a file");
        else if (!info.isReadable())
            why = QT_TRANSLATE_NOOP("EngineSentence", "is not readable by this user");
        if (!why)
            return {};
        return makeError(QStringLiteral("tls.file"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1%2: \"%3\" %4"),
                                  {what, QString::fromLatin1(key), path.left(200), why}));
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
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "%1client_cert and %1client_key go together: "
                                                    "give both or neither"),
                                  {what}));
    if (!tokenFile.isEmpty()) {
        auto token = readSecretFile(tokenFile, QStringLiteral("token"));
        if (!token)
            return makeError(QStringLiteral("tls.file"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence", "%1token_file: %2"),
                                      {what, token.error().said()}));
    }
    return {};
}

} // namespace jobfirst
