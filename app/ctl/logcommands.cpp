// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl logs: engine, health, delivery and audit lines in one place (the plan's 日志聚合).
#include "api/codec.h"
#include "core/duration.h"
#include "core/unixsignalwatcher.h"
#include "core/whenfinished.h"
#include "ctlcontext.h"
#include "optiontypes.h"

#include <QSet>
#include <QTimer>

#include <csignal>

using namespace jobfirst;

namespace {

void print(CtlContext &ctx, const LogEntry &e, bool json)
{
    if (json) {
        ctx.printJson(QJsonDocument(codec::encode(e)), false);
        return;
    }
    QString where = e.node.isEmpty() ? e.target : e.node;
    ctx.out << QStringLiteral("%1 %2 %3 %4%5\n")
                   .arg(codec::isoTime(e.at), -24)
                   .arg(e.level.toUpper(), -7)
                   .arg(e.component, -9)
                   .arg(where.isEmpty() ? QString() : QStringLiteral("[%1] ").arg(where), e.message);
    ctx.out.flush();
}

} // namespace

int runLogsCommand(CtlContext &ctx, const Arguments &args)
{
    LogQuery query;
    query.node = args.value(QStringLiteral("node"));
    query.target = args.value(QStringLiteral("target"));
    query.text = args.value(QStringLiteral("text"));
    // --level, --since and --until: as the command table has checked them (OptionTypes).
    query.minLevel = args.value(QStringLiteral("level"), QStringLiteral("debug"));
    query.since = codec::parseIsoTime(args.value(QStringLiteral("since"))).value_or(0);
    query.until = codec::parseIsoTime(args.value(QStringLiteral("until"))).value_or(0);
    QString error;
    const auto limit = args.integer(QStringLiteral("limit"), 200, OptionTypes::ShortLimit, &error);
    if (!limit)
        return ctx.usage(error);
    query.limit = int(*limit);
    const bool json = args.isOn(QStringLiteral("json"));
    const auto first = ctx.wait(ctx.session->logs(query));
    if (!first)
        return ctx.fail(first.error().message);
    // Oldest first, as a log is read; --follow then prints what comes after.
    QSet<QString> seen;
    qint64 newest = query.since;
    for (auto it = first->crbegin(); it != first->crend(); ++it) {
        print(ctx, *it, json);
        seen.insert(it->source + u':' + QString::number(it->id));
        newest = std::max(newest, it->at);
    }
    if (!args.isOn(QStringLiteral("follow")))
        return 0;
    UnixSignalWatcher stop({SIGINT, SIGTERM});
    QObject::connect(&stop, &UnixSignalWatcher::received, qApp, &QCoreApplication::quit);
    QTimer poll;
    bool busy = false;
    QObject::connect(&poll, &QTimer::timeout, &poll, [&] {
        if (busy)
            return;
        busy = true;
        LogQuery next = query;
        next.since = newest; // the same millisecond again: lines already printed are skipped
        next.limit = 10000;
        whenFinished(ctx.session->logs(next), &poll, [&](const Result<QList<LogEntry>> &lines) {
            busy = false;
            if (!lines) {
                ctx.err << "jobfirstctl: " << lines.error().message << Qt::endl;
                return;
            }
            for (auto it = lines->crbegin(); it != lines->crend(); ++it) {
                const QString key = it->source + u':' + QString::number(it->id);
                if (seen.contains(key))
                    continue;
                seen.insert(key);
                print(ctx, *it, json);
                newest = std::max(newest, it->at);
            }
        });
    });
    poll.start(1000);
    return QCoreApplication::exec();
}

namespace {

QString sloValue(const SloFigure &f, double v)
{
    return f.unit == QLatin1String("percent") ? QStringLiteral("%1 %").arg(v, 0, 'f', 3) : QStringLiteral("%1 ms").arg(v, 0, 'f', 0);
}

/// A line a figure: what was measured against its target, and whether it was met.
void printSlo(CtlContext &ctx, const SloReport &report)
{
    ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n").arg(u"FIGURE", -20).arg(u"MEASURED", -14).arg(u"TARGET", -16).arg(u"WINDOW", -7).arg(u"STATUS");
    for (const SloFigure &f : report.figures) {
        const QString target = (f.higherIsBetter ? QStringLiteral(">= ") : QStringLiteral("<= ")) + sloValue(f, f.target);
        ctx.out << QStringLiteral("%1 %2 %3 %4 %5\n")
                       .arg(f.key, -20)
                       .arg(f.measuredAny ? sloValue(f, f.measured) : QStringLiteral("-"), -14)
                       .arg(target, -16)
                       .arg(formatDuration(f.windowMs), -7)
                       .arg(!f.measuredAny ? QStringLiteral("nothing to measure") : f.met ? QStringLiteral("met") : QStringLiteral("MISSED"));
    }
}

} // namespace

int runSloCommand(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(
        args, ctx.session->slo(), [](const SloReport &report) { return codec::encode(report); },
        [&ctx](const SloReport &report) { printSlo(ctx, report); });
}
