// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/syncevent.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace jobfirst {

/// One event and the targets it must reach.
struct OutboxItem
{
    SyncEvent event;
    QStringList targets;
    qint64 dueAt = 0;      ///< first delivery not before (ms since epoch); 0: now
    bool coalesce = false; ///< near-real-time: supersede this user's not-yet-sent deliveries
    /// Bulk: per target (parallel to `targets`), how many consecutive events of one write()
    /// may share a delivery row, which the delivery engine sends as one request. Empty: one
    /// row per event and target.
    QList<int> rowLimits;
    QByteArray payload; ///< set by OutboxWriter::write() on the caller's thread, not by callers
};

} // namespace jobfirst
