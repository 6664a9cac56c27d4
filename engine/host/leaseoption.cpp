// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/leaseoption.h"

#include "store/deliverylease.h"

namespace jobfirst {

Status setLeaseOption(EngineOptions &options, const QString &seconds)
{
    bool ok = false;
    const qint64 value = seconds.trimmed().toLongLong(&ok);
    const qint64 lo = DeliveryLease::MinTtlMs / 1000, hi = DeliveryLease::MaxTtlMs / 1000;
    if (!ok || value < lo || value > hi)
        return makeError(QStringLiteral("options.lease"),
                         QStringLiteral("--lease \"%1\" must be a whole number of seconds from "
                                        "%2 to %3 (how long a stopped process keeps its "
                                        "partitions)")
                             .arg(seconds)
                             .arg(lo)
                             .arg(hi));
    options.leaseMs = value * 1000;
    return {};
}

} // namespace jobfirst
