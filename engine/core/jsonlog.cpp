// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/jsonlog.h"

#include "core/repeatlimiter.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMutex>

#include <atomic>
#include <cstdio>

namespace jobfirst {

namespace {

QMutex s_mutex;
std::atomic_int s_minimum{1};
QMutex s_repeatMutex;
RepeatLimiter s_repeats; ///< Qt's own messages, which a store outage can repeat by the hundred

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

/// logJson() unless the same line came more than RepeatLimiter's burst in its window: the
/// first one left out says so, and the next one after the window says how many were.
void logLimited(const QString &level, const QString &component, const QString &message)
{
    RepeatLimiter::Verdict v;
    {
        QMutexLocker lock(&s_repeatMutex);
        v = s_repeats.take(level + u'\n' + component + u'\n' + message,
                           QDateTime::currentMSecsSinceEpoch());
    }
    if (v.startsLeavingOut)
        logJson(level, component,
                QStringLiteral("this line came %1 times in %2 s; more like it are left out "
                               "until then, and the next one written says how many: %3")
                    .arg(s_repeats.burst() + 1)
                    .arg(s_repeats.windowMs() / 1000)
                    .arg(message));
    if (!v.write)
        return;
    logJson(level, component, message,
            v.leftOut ? QJsonObject{{QStringLiteral("left_out_before"), v.leftOut}} : QJsonObject{});
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
    logLimited(level, component, message);
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
