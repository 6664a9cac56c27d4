// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// How one delivery attempt ended, as the outbox writer records it.
struct DeliveryOutcome
{
    enum Kind { Done, Retry, Dead, Hold } kind = Done;
    qint64 id = 0;          ///< delivery row
    int count = 1;          ///< events the row covers (seqs version .. version + count - 1)
    QString target;
    QString user;
    QString eventId;
    qint64 version = 0;
    int attempts = 0;
    qint64 nextAt = 0;      ///< Retry: when to try again
    QString error;
    int status = 0;
    double durationMs = 0;
    QString bodyHead;
};

} // namespace jobfirst
