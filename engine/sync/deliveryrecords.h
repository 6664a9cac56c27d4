// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// A delivery that ran out of retries (or was refused for good), with what it carried.
struct DeadLetter
{
    qint64 deliveryId = 0;
    QString target;
    QString userId;
    QString eventId;
    QString eventType;
    int attempts = 0;
    QString lastError;
    qint64 failedAt = 0;
    QJsonObject payload; ///< secrets masked (the first event of a bulk row)
    int eventCount = 1;  ///< a bulk row carries this many events (consecutive, in one request)
};

/// One attempt of a delivery, as kept in its log.
struct DeliveryAttempt
{
    qint64 at = 0;
    int httpStatus = 0;
    double durationMs = 0;
    QString error;
    QString bodyHead;
};

/// A delivery in the queue (pending), for the console's live queue view.
struct QueuedDelivery
{
    qint64 deliveryId = 0;
    QString target;
    QString userId;
    QString eventType;
    int attempts = 0;
    qint64 nextAt = 0;
    qint64 createdAt = 0;
    QString lastError;
    int eventCount = 1;  ///< a bulk row carries this many events
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::DeadLetter)
Q_DECLARE_METATYPE(jobfirst::DeliveryAttempt)
Q_DECLARE_METATYPE(jobfirst::QueuedDelivery)
