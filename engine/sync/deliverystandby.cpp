// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/deliverystandby.h"

#include <QRegularExpression>

namespace jobfirst {

DeliveryStandby DeliveryStandby::of(const QString &standbyFor)
{
    if (standbyFor.isEmpty())
        return {};
    // PostgresOutboxStore::claimLease(): "all 32 partitions held by a, b".
    static const QRegularExpression partitions(
        QStringLiteral("^all \\d+ partitions held by (.*)$"));
    if (const QRegularExpressionMatch m = partitions.match(standbyFor); m.hasMatch())
        return {Reason::PartitionsTaken, m.captured(1)};
    if (!standbyFor.startsWith(u'('))
        return {Reason::OtherProcess, standbyFor}; // the lease holder, "host:pid:nonce"
    const QString inner = standbyFor.mid(1, standbyFor.size() - 2);
    // SqliteOutboxStore::claimLease(): BEGIN IMMEDIATE waited out its busy timeout.
    if (inner.startsWith(QLatin1String("store busy: ")))
        return {Reason::StoreBusy, inner.mid(QStringLiteral("store busy: ").size())};
    // OutboxWriter::answer(): the group with the claim was committed, its WAL sync failed.
    if (inner.startsWith(QLatin1String("store not synced: ")))
        return {Reason::StoreNotSynced, inner.mid(QStringLiteral("store not synced: ").size())};
    if (inner.startsWith(QLatin1String("store")))
        return {Reason::StoreUnavailable, inner};
    if (inner == QLatin1String("not started"))
        return {Reason::NotStarted, {}};
    if (inner.startsWith(QLatin1String("lease renewal")))
        return {Reason::RenewalLate, {}};
    return {Reason::OutboxStopped, {}};
}

QString DeliveryStandby::text() const
{
    switch (reason) {
    case Reason::None:
        return QStringLiteral("active in this process");
    case Reason::OtherProcess:
        return QStringLiteral("standby, lease held by ") + detail;
    case Reason::PartitionsTaken:
        return QStringLiteral("standby, every partition held by ") + detail;
    case Reason::NotStarted:
        return QStringLiteral("standby, not started yet");
    case Reason::RenewalLate:
        return QStringLiteral("standby, the lease renewal answered too late");
    case Reason::StoreUnavailable:
        return QStringLiteral("standby, ") + detail;
    case Reason::StoreBusy:
        return QStringLiteral("standby, the store is busy: another process is writing to it (%1)")
            .arg(detail);
    case Reason::StoreNotSynced:
        return QStringLiteral("standby, the store's last write could not be synced to disk (%1)")
            .arg(detail);
    case Reason::OutboxStopped:
        return QStringLiteral("standby, the sync outbox is not running");
    }
    return {};
}

QString DeliveryStandby::code() const
{
    switch (reason) {
    case Reason::None:
        return QStringLiteral("self");
    case Reason::OtherProcess:
        return QStringLiteral("other_process");
    case Reason::PartitionsTaken:
        return QStringLiteral("all_partitions_held");
    case Reason::NotStarted:
        return QStringLiteral("not_started");
    case Reason::RenewalLate:
        return QStringLiteral("renewal_late");
    case Reason::StoreUnavailable:
        return QStringLiteral("store_away");
    case Reason::StoreBusy:
        return QStringLiteral("store_busy");
    case Reason::StoreNotSynced:
        return QStringLiteral("store_not_synced");
    case Reason::OutboxStopped:
        return QStringLiteral("stopped");
    }
    return {};
}

} // namespace jobfirst
