// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// Why an engine's delivery stands by, read from SyncStats::deliveryStandbyFor (what the
/// delivery lease claim answered): another process holds the lease, or something else keeps
/// this one from delivering. Each is worded as what it is, not as a process that delivers.
struct DeliveryStandby
{
    enum class Reason {
        None,             ///< this engine delivers
        OtherProcess,     ///< another process holds the store's delivery lease (SQLite)
        PartitionsTaken,  ///< the other daemons hold every partition (PostgreSQL)
        NotStarted,       ///< the delivery engine has made no claim yet
        RenewalLate,      ///< the last renewal answered too late to count
        StoreUnavailable, ///< the claim failed: the store cannot be reached or written
        StoreBusy,        ///< SQLite: another connection holds the store's write lock now
        StoreNotSynced,   ///< SQLite: the claim was written but could not be synced to disk
        OutboxStopped,    ///< the sync outbox is not running
    };
    Reason reason = Reason::None;
    /// The other process(es) for OtherProcess and PartitionsTaken; the store's error for
    /// StoreUnavailable, StoreBusy and StoreNotSynced; else empty.
    QString detail;

    static DeliveryStandby of(const QString &standbyFor);
    /// In English, for the API's "delivery" and jobfirstctl: "standby, lease held by …".
    QString text() const;
    /// A stable code, for Prometheus labels: "self", "other_process", "all_partitions_held",
    /// "not_started", "renewal_late", "store_away", "store_busy", "store_not_synced",
    /// "stopped". Never a process name or a store's error (free text, unbounded).
    QString code() const;
};

} // namespace jobfirst
