// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jsonlog.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMutex>

#include <atomic>
#include <cstdio>

namespace jobfirst {

namespace {

QMutex s_mutex;
std::atomic_int s_minimum{1};

int rank(const QString &level)
{
    if (level == QLatin1String("debug"))
        return 0;
    if (level == QLatin1String("warning"))
        return 2;
    if (level == QLatin1String("error"))
        return 3;
    return 1;
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    const QString level = type == QtDebugMsg ? QStringLiteral("debug")
                          : type == QtInfoMsg ? QStringLiteral("info")
                          : type == QtWarningMsg ? QStringLiteral("warning")
                                                 : QStringLiteral("error");
    QString component = QString::fromLatin1(context.category && qstrcmp(context.category, "default") ? context.category : "engine");
    QString message = text;
    // The engine writes "component: text" (for example "sync: scan of x failed").
    const qsizetype colon = text.indexOf(QLatin1String(": "));
    if (colon > 0 && colon < 24 && !text.left(colon).contains(u' ')) {
        component = text.left(colon);
        message = text.mid(colon + 2);
    }
    logJson(level, component, message);
}

} // namespace

void logJson(const QString &level, const QString &component, const QString &message, const QJsonObject &fields)
{
    if (rank(level) < s_minimum.load())
        return;
    QJsonObject line{{QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                     {QStringLiteral("level"), level},
                     {QStringLiteral("component"), component},
                     {QStringLiteral("message"), message}};
    if (!fields.isEmpty())
        line.insert(QStringLiteral("fields"), fields);
    const QByteArray bytes = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
    QMutexLocker lock(&s_mutex);
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

void installJsonLog(const QString &minimumLevel)
{
    s_minimum = rank(minimumLevel);
    qInstallMessageHandler(handler);
}

} // namespace jobfirst
