// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSqlDatabase>
#include <QString>

namespace jobfirst {

/// The store's delivery lease: which process delivers, and until when. Kept as
/// "host:pid:nonce until_ms" in the meta table (SQLite) or outbox_meta (PostgreSQL). Only the
/// outbox writer changes it.
struct DeliveryLease
{
    /// A lease lapses this long after its holder last claimed it: the takeover time of a
    /// SIGKILLed daemon's partitions. The default (issue 13's, 10 s; 15 s until session 23);
    /// an operator sets another with --lease, from MinTtlMs to MaxTtlMs.
    static constexpr qint64 DefaultTtlMs = 10000;
    static constexpr qint64 MinTtlMs = 3000;
    static constexpr qint64 MaxTtlMs = 300000;

    /// This process's lease time: what its claims are for, and what derives from it (the
    /// renewal cadence, PostgresUrl::silenceLimitMs()). One per process, like its holder
    /// name: set once by main() from --lease before an engine opens (default DefaultTtlMs).
    static qint64 ttlMs();
    /// Sets this process's lease time (clamped to MinTtlMs..MaxTtlMs; the options check it).
    static void setTtlMs(qint64 ms);
    /// How often the holder of a store's one delivery lease (SQLite) renews it.
    static qint64 renewMs() { return ttlMs() / 3; }

    QString holder;   ///< "host:pid:nonce"; empty when nobody holds it
    qint64 until = 0; ///< ms since epoch

    /// The lease as stored (empty when there is none or it cannot be read).
    static DeliveryLease read(QSqlDatabase db);
    /// How long the holder of a SQLite store's delivery lease claims it for, each time (its
    /// --lease, stored beside it since session 24); 0 when not known (an older version).
    static qint64 readTermMs(QSqlDatabase db);
    /// The lease from its stored text.
    static DeliveryLease parse(const QString &value);
    /// Lapsed at `now`, or held by a process of this host that no longer exists.
    bool isFree(qint64 now) const;
};

} // namespace jobfirst
