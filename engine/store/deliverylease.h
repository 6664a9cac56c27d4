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
    /// SIGKILLed daemon's partitions (issue 13's default, 10 s; 15 s until session 23).
    static constexpr qint64 TtlMs = 10000;
    /// How often the holder of a store's one delivery lease (SQLite) renews it.
    static constexpr qint64 RenewMs = TtlMs / 3;

    QString holder;   ///< "host:pid:nonce"; empty when nobody holds it
    qint64 until = 0; ///< ms since epoch

    /// The lease as stored (empty when there is none or it cannot be read).
    static DeliveryLease read(QSqlDatabase db);
    /// The lease from its stored text.
    static DeliveryLease parse(const QString &value);
    /// Lapsed at `now`, or held by a process of this host that no longer exists.
    bool isFree(qint64 now) const;
};

} // namespace jobfirst
