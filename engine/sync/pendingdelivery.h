// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace jobfirst {

/// A pending delivery row read ahead from the store, with its (first) event.
struct PendingDelivery
{
    qint64 id = 0;
    qint64 due = 0;       ///< not before (ms since epoch)
    qint64 seq = 0;       ///< its (first) event: the event's version
    qint64 createdAt = 0; ///< of the event, for enqueue-to-acknowledged latency
    int attempts = 0;
    int count = 1; ///< events: a bulk row covers seqs seq .. seq + count - 1
    QString user;  ///< "" for a bulk row of many users
    QString eventId;
    QByteArray payload; ///< the event as stored (without its version)
};

} // namespace jobfirst
