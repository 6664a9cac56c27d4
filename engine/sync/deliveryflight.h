// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <numeric>
#include <utility>
#include <vector>

namespace jobfirst {

/// One request on its way: the delivery rows it carries and their events.
struct DeliveryFlight
{
    struct Row
    {
        qint64 id = 0;
        qint64 version = 0; ///< of its (first) event
        qint64 createdAt = 0;
        int attempts = 0;
        int count = 1;
        QString user;
        QString eventId;
    };

    QString target;
    std::vector<Row> rows;
    /// (version, stored payload) of every event, in order: the request's body.
    std::vector<std::pair<qint64, QByteArray>> events;
    /// Sent as one event's body (not an {"events": [...]} batch).
    bool single = false;

    qint64 eventCount() const
    {
        return std::accumulate(rows.begin(), rows.end(), qint64(0),
                               [](qint64 n, const Row &r) { return n + r.count; });
    }
};

} // namespace jobfirst
