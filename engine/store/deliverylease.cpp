// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/deliverylease.h"

#include <QSqlQuery>
#include <QStringList>
#include <QSysInfo>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>

namespace jobfirst {

namespace {

std::atomic<qint64> processTtlMs{DeliveryLease::DefaultTtlMs};

} // namespace

qint64 DeliveryLease::ttlMs()
{
    return processTtlMs.load(std::memory_order_relaxed);
}

void DeliveryLease::setTtlMs(qint64 ms)
{
    processTtlMs.store(std::clamp(ms, MinTtlMs, MaxTtlMs), std::memory_order_relaxed);
}

DeliveryLease DeliveryLease::read(QSqlDatabase db)
{
    QSqlQuery q(db);
    const bool postgres = db.driverName() == QLatin1String("QPSQL");
    if (!q.exec(postgres
                    ? QStringLiteral("SELECT value FROM outbox_meta WHERE key = 'delivery_lease'")
                    : QStringLiteral("SELECT value FROM meta WHERE key = 'delivery_lease'")) ||
        !q.next())
        return {};
    return parse(q.value(0).toString());
}

qint64 DeliveryLease::readTermMs(QSqlDatabase db)
{
    // A key of its own: a third word in the lease would make older versions read it as free.
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'delivery_lease_ms'")) ||
        !q.next())
        return 0;
    return q.value(0).toLongLong();
}

DeliveryLease DeliveryLease::parse(const QString &value)
{
    const QStringList parts = value.split(u' ');
    if (parts.size() != 2)
        return {};
    return {parts.at(0), parts.at(1).toLongLong()};
}

bool DeliveryLease::isFree(qint64 now) const
{
    if (holder.isEmpty() || until < now)
        return true;
    const QStringList who = holder.split(u':');
    if (who.size() == 3 && who.at(0) == QSysInfo::machineHostName()) {
        const pid_t pid = pid_t(who.at(1).toLongLong());
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
            return true;
    }
    return false;
}

} // namespace jobfirst
