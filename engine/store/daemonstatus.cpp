// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/daemonstatus.h"

#include <algorithm>

namespace jobfirst {

DaemonState DaemonStatus::state() const
{
    if (!late())
        return DaemonState::Live;
    // Gone once its leases have lapsed (only then may it be forgotten: a daemon whose lease
    // still runs could be alive and would list itself again). The store keeps each partition
    // lease's end; a SQLite holder's lease is its last renewal plus its lease time.
    const bool lapsed = fromLease
                            ? heartbeatAgeMs > (leaseMs > 0 ? leaseMs : DeliveryLease::DefaultTtlMs)
                            : leaseLeftMs <= 0;
    return lapsed ? DaemonState::Gone : DaemonState::Late;
}

QString DaemonStatus::stateName(DaemonState state)
{
    switch (state) {
    case DaemonState::Live:
        return QStringLiteral("live");
    case DaemonState::Late:
        return QStringLiteral("late");
    case DaemonState::Gone:
        return QStringLiteral("gone");
    }
    return {};
}

QStringList DaemonStatus::partitionRuns(QChar dash) const
{
    QList<int> parts = partitions;
    std::sort(parts.begin(), parts.end());
    QStringList runs;
    for (qsizetype i = 0; i < parts.size();) {
        qsizetype end = i;
        while (end + 1 < parts.size() && parts.at(end + 1) == parts.at(end) + 1)
            ++end;
        runs << (end > i ? QStringLiteral("%1%2%3").arg(parts.at(i)).arg(dash).arg(parts.at(end))
                         : QString::number(parts.at(i)));
        i = end + 1;
    }
    return runs;
}

} // namespace jobfirst
