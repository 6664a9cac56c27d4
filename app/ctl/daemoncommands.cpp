// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl daemons: every engine working on the store (issue 13), from the store itself
// (--db postgresql://…) or from any daemon (--server).
#include "api/codec.h"
#include "ctlcontext.h"

#include <QDateTime>

using namespace jobfirst;

namespace {

/// "0-9,20-29,41": runs as ranges, as the console shows them (20 partitions one by one pushed
/// the admin API column 35 characters out of line).
QString partitionList(const DaemonStatus &d)
{
    if (d.allPartitions)
        return QStringLiteral("all"); // the one delivery lease of a SQLite store
    const QStringList runs = d.partitionRuns(u'-');
    return runs.isEmpty() ? QStringLiteral("-") : runs.join(u',');
}

/// "since HH:mm" as the console says it: local time, the date too when not today.
QString sinceText(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return QStringLiteral("-");
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    return at.toString(at.date() == QDate::currentDate() ? QStringLiteral("HH:mm")
                                                         : QStringLiteral("yyyy-MM-dd HH:mm"));
}

/// "0.4 s ago" for a live heartbeat; a late or gone one in words, never like a live one.
QString heartbeatText(const DaemonStatus &d)
{
    const qint64 ms = d.heartbeatAgeMs;
    if (d.state() == DaemonState::Live)
        return QStringLiteral("%1 s ago").arg(double(ms) / 1000.0, 0, 'f', 1);
    const QString age = ms < 120000    ? QStringLiteral("%1 s").arg(ms / 1000)
                        : ms < 7200000 ? QStringLiteral("%1 min").arg(ms / 60000)
                                       : QStringLiteral("%1 h").arg(ms / 3600000);
    return QStringLiteral("not heard from for ") + age;
}

/// A row a daemon: its state, heartbeat, deliveries since its start, partitions and lease.
void printDaemons(CtlContext &ctx, const QList<DaemonStatus> &daemons)
{
    // A daemon counts its deliveries from its start, so the count says since when (local time).
    ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8  %9\n")
                   .arg(QStringLiteral("DAEMON"), -36)
                   .arg(QStringLiteral("STATE"), -5)
                   .arg(QStringLiteral("HEARTBEAT"), -25)
                   .arg(QStringLiteral("DELIVERED"), 10)
                   .arg(QStringLiteral("SINCE"), -16)
                   .arg(QStringLiteral("PER S"), 7)
                   .arg(QStringLiteral("PARTITIONS"), -24)
                   .arg(QStringLiteral("LEASE"), 6)
                   .arg(QStringLiteral("ADMIN API"));
    // A process known only by the store's delivery lease: its counts are its own, not known here;
    // a late one's rate is the last it wrote, not a current one.
    const QString unknown = QStringLiteral("—");
    for (const DaemonStatus &d : daemons)
        ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8  %9\n")
                       .arg((d.id.isEmpty() ? QStringLiteral("(not delivering)") : d.id) +
                                (d.self ? QStringLiteral(" *") : QString()),
                            -36)
                       .arg(DaemonStatus::stateName(d.state()), -5)
                       .arg(heartbeatText(d), -25)
                       .arg(d.fromLease ? unknown : QString::number(d.delivered), 10)
                       .arg(sinceText(d.startedAt), -16)
                       .arg(d.rateKnown() ? QString::number(d.deliveriesPerSecond, 'f', 0)
                                          : unknown,
                            7)
                       .arg(partitionList(d), -24)
                       // Its --lease where known (not by a daemon of an older version);
                       // "-" as the other columns say none, ASCII so columns line up in bytes.
                       .arg(d.leaseMs > 0 ? QStringLiteral("%1 s").arg(d.leaseMs / 1000)
                                          : QStringLiteral("-"),
                            6)
                       .arg(d.adminUrl.isEmpty() ? QStringLiteral("-") : d.adminUrl);
    ctx.out.flush();
}

/// jobfirstctl daemons forget ID: a gone daemon's row removed (admin, audited).
int forgetDaemon(CtlContext &ctx, const Arguments &args)
{
    const QString id = args.positional.at(1);
    if (Status s = ctx.wait(ctx.session->forgetDaemon(id)); !s)
        return ctx.fail(s.error().message);
    ctx.out << "daemon \"" << id << "\" forgotten" << Qt::endl;
    return 0;
}

} // namespace

int runDaemonsCommand(CtlContext &ctx, const Arguments &args)
{
    if (args.positional.value(0) == QLatin1String("forget"))
        return forgetDaemon(ctx, args);
    return ctx.printAnswer(
        args, ctx.session->daemons(), codec::encodeList<DaemonStatus>,
        [&ctx](const QList<DaemonStatus> &daemons) { printDaemons(ctx, daemons); });
}
