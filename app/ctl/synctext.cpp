// SPDX-License-Identifier: GPL-3.0-or-later
#include "synctext.h"

#include "sync/syncstats.h"
#include "texttable.h"

#include <QTextStream>

using namespace jobfirst;

namespace {

/// Not known in this process (the delivering one knows it), as `daemons` says it.
QString unknown()
{
    return QStringLiteral("—");
}

/// "850 ms", "12.3 s", "4 min", "3 h": how long a delivery has waited.
QString waitText(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 120000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 7200000)
        return QStringLiteral("%1 min").arg(ms / 60000);
    return QStringLiteral("%1 h").arg(ms / 3600000);
}

QString msText(double ms)
{
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', 1);
}

QString rateText(double perSecond)
{
    return QStringLiteral("%1 deliveries/s").arg(perSecond, 0, 'f', 1);
}

/// Its name, marked as the console marks a target whose deliveries are not protected.
QString nameText(const TargetStatus &t)
{
    QString name = t.name;
    if (t.tlsInsecure)
        name += QStringLiteral(" (TLS not verified)");
    if (t.unsignedDeliveries)
        name += QStringLiteral(" (unsigned)");
    return name;
}

QString stateText(const TargetStatus &t)
{
    if (!t.enabled)
        return t.disabledReason.isEmpty() ? QStringLiteral("disabled")
                                          : QStringLiteral("disabled (%1)").arg(t.disabledReason);
    if (t.paused)
        return QStringLiteral("paused");
    if (t.held)
        return QStringLiteral("held (node not up)");
    return QStringLiteral("active");
}

/// Its circuit where this process knows it; the closed circuit of a target not tried since
/// the engine started says nothing of the target.
QString circuitText(const TargetStatus &t)
{
    if (!t.liveStateKnown())
        return unknown();
    if (!t.triedSinceStart)
        return QStringLiteral("not tried");
    if (t.circuit == CircuitState::Open && t.nextProbeAt)
        return QStringLiteral("open, next probe %1").arg(localIsoTime(t.nextProbeAt));
    return circuitStateName(t.circuit);
}

QString lastErrorText(const TargetStatus &t)
{
    if (!t.liveStateKnown())
        return unknown();
    if (t.lastError.isEmpty())
        return QStringLiteral("-");
    return t.lastErrorAt
               ? QStringLiteral("%1 (at %2)").arg(t.lastError, localIsoTime(t.lastErrorAt))
               : t.lastError;
}

QStringList targetRow(const TargetStatus &t)
{
    const bool held = t.backlog > 0 && t.holdsBacklog();
    return {nameText(t),
            stateText(t),
            circuitText(t),
            held ? QStringLiteral("%1 held").arg(t.backlog) : QString::number(t.backlog),
            t.backlog > 0 ? waitText(t.oldestWaitingMs) : QStringLiteral("-"),
            QString::number(t.success),
            QString::number(t.deadLetters),
            QString::number(t.retries),
            t.liveStateKnown() ? QString::number(t.inFlight) : unknown(),
            lastErrorText(t)};
}

QString deliveriesLine(const SyncStats &s)
{
    const QString held =
        s.heldDeliveries > 0
            ? QStringLiteral(" (%1 held: their target paused, disabled or its node not up)")
                  .arg(s.heldDeliveries)
            : QString();
    // The retries made are a count of the past (they stay after the target recovered); the
    // scheduled ones are those waiting now. "8 retries scheduled" with every backlog at 0 was
    // the first figure under the second's name (misc35).
    const QString scheduled = s.retriesScheduledKnown
                                  ? QStringLiteral(", %1 scheduled").arg(s.retriesScheduled)
                                  : QString();
    QString line = QStringLiteral("deliveries: %1 in all; %2 delivered, %3 dead-lettered, %4 "
                                  "waiting%5; %6 retries made%7\n")
                       .arg(s.totalSyncTasks)
                       .arg(s.completedSyncTasks)
                       .arg(s.failedSyncTasks)
                       .arg(s.queueDepth)
                       .arg(held)
                       .arg(s.retrySyncTasks)
                       .arg(scheduled);
    if (s.queueDepth > 0)
        line += QStringLiteral("oldest waiting: %1\n").arg(waitText(s.oldestWaitingMs));
    return line;
}

/// This engine's own measures: a process that does not deliver has none.
QString measuredLines(const SyncStats &s)
{
    if (!s.measuredHere)
        return QStringLiteral("latency and rate: not known here (the process that delivers "
                              "measures them)\n");
    return QStringLiteral("latency from enqueue to acknowledged: p50 %1, p95 %2, p99 %3\n"
                          "rate: %4 by this engine\n")
        .arg(msText(s.latencyP50Ms), msText(s.latencyP95Ms), msText(s.latencyP99Ms),
             rateText(s.deliveriesPerSecond));
}

QString daemonsLine(const SyncStats &s)
{
    if (!s.liveDaemonsKnown)
        return QStringLiteral("daemons delivering: not known here\n");
    if (!s.clusterRateKnown)
        return QStringLiteral("daemons delivering: %1 (their rate is their own, not in the "
                              "store)\n")
            .arg(s.liveDaemons);
    return QStringLiteral("daemons delivering: %1, %2 in all\n")
        .arg(s.liveDaemons)
        .arg(rateText(s.clusterDeliveriesPerSecond));
}

QString countingLine(const SyncStats &s)
{
    return s.countingSince
               ? QStringLiteral("counted since %1, when this engine started delivering\n")
                     .arg(localIsoTime(s.countingSince))
               : QStringLiteral("counted from the store's rows (they outlive a restart)\n");
}

} // namespace

void printSyncStats(QTextStream &out, const SyncStats &s)
{
    if (!s.delivery.isEmpty())
        out << "delivery: " << s.delivery << '\n';
    out << deliveriesLine(s) << measuredLines(s) << daemonsLine(s) << countingLine(s) << '\n';
    printTargetTable(out, s.targets);
}

void printTargetTable(QTextStream &out, const QList<TargetStatus> &targets)
{
    if (targets.isEmpty()) {
        out << "no sync targets" << Qt::endl;
        return;
    }
    TextTable table({QStringLiteral("TARGET"), QStringLiteral("STATE"), QStringLiteral("CIRCUIT"),
                     QStringLiteral("BACKLOG"), QStringLiteral("OLDEST WAITING"),
                     QStringLiteral("DELIVERED"), QStringLiteral("DEAD LETTERS"),
                     QStringLiteral("RETRIES"), QStringLiteral("IN FLIGHT"),
                     QStringLiteral("LAST ERROR")});
    for (int c = 3; c <= 8; ++c)
        table.alignRight(c);
    QString deliveredBy;
    for (const TargetStatus &t : targets) {
        table.addRow(targetRow(t));
        if (!t.liveStateKnown())
            deliveredBy = t.deliveredElsewhere;
    }
    table.print(out);
    if (!deliveredBy.isEmpty())
        out << "circuit, in flight and last error (" << unknown()
            << "): known only to the process that delivers (" << deliveredBy << ")" << Qt::endl;
}
