// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/tokenvault.h"

#include "remote/remoteenginesession.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

namespace jobfirst {

QString TokenVault::folder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
           QStringLiteral("/tokens");
}

QString TokenVault::pathFor(const QUrl &server)
{
    const QString name = QString::fromLatin1(
        QCryptographicHash::hash(server.toString().toUtf8(), QCryptographicHash::Sha256)
            .toHex()
            .left(16));
    return folder() + u'/' + name + QStringLiteral(".token");
}

Result<QString> TokenVault::store(const QUrl &server, const QByteArray &token)
{
    const QString dir = folder();
    if (!QDir().mkpath(dir))
        return makeError(QStringLiteral("token.file"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot create %1"), {dir}));
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QString path = pathFor(server);
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("token.file"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                  {path, f.errorString()}));
    // Readable by this user only before the token goes in.
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(token + '\n');
    if (!f.commit())
        return makeError(QStringLiteral("token.file"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot write %1: %2"),
                                  {path, f.errorString()}));
    return path;
}

Status TokenVault::forget(const QUrl &server)
{
    const QString path = pathFor(server);
    QFile f(path);
    if (!f.exists() || f.remove())
        return {};
    return makeError(QStringLiteral("token.file"),
                     QStringLiteral("cannot delete %1: %2").arg(path, f.errorString()));
}

Result<QByteArray> TokenVault::load(const QString &path)
{
    return RemoteEngineSession::readTokenFile(path);
}

} // namespace jobfirst
