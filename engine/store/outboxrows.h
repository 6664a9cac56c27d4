// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/outboxrequest.h"

#include <QHash>
#include <QString>

#include <algorithm>
#include <vector>

namespace jobfirst {

/// Which rows accepted events make, the same for every dialect: one delivery row per (event,
/// target), near-real-time rows superseding that user's earlier unsent ones, and bulk rows
/// of consecutive events (up to each target's batch size). `Sql` runs the statements:
///   qint64 insertEvent(const OutboxItem &, QString &error): the new seq, 0 when the event id
///          was accepted before (nothing more to write), -1 on an error;
///   bool insertDelivery(qint64 seq, const QString &target, const QString &user, qint64 due,
///          int count, const QString &mode, QString &error);
///   qint64 supersede(const QString &target, const QString &user): rows superseded.
/// A template, so the SQLite hot path makes direct calls.
template <class Sql>
bool writeOutboxRows(EventWrite &write, QList<SyncEvent> &stored,
                     QHash<QString, qint64> &pendingDelta, qint64 now, QString &error, Sql &sql)
{
    // Bulk rows being filled, per target: a few targets, looked up for every event, so a
    // short list beats hashing the name each time.
    struct OpenRow
    {
        QString target;
        qint64 firstSeq = 0;
        int count = 0;
        int limit = 0;
        qint64 due = 0;
        QString user; ///< "" when the row carries many users
    };
    std::vector<OpenRow> open;
    // Events of one type share their list of targets (SyncService::route), so the t-th target
    // of an event is most often the t-th row's, the same string: found without comparing
    // text (comparing names was most of this function's time in a bulk import).
    const auto openRow = [&open](qsizetype t, const QString &target) -> OpenRow & {
        if (std::size_t(t) < open.size() && open[t].target.constData() == target.constData() &&
            open[t].target.size() == target.size())
            return open[t];
        for (OpenRow &row : open)
            if (row.target == target)
                return row;
        open.push_back(OpenRow{target});
        return open.back();
    };
    // How a row is sent, kept for the SLO figures: only real-time rows count towards the
    // real-time latency target; bulk rows and deferred (near-real-time) ones do not.
    static const QString RealTime = QStringLiteral("real-time"),
                         NearRealTime = QStringLiteral("near-real-time"),
                         Bulk = QStringLiteral("bulk");
    const auto insertRow = [&](qint64 seq, const QString &target, const QString &user, qint64 due,
                               int count, const QString &mode) {
        if (!sql.insertDelivery(seq, target, user, due, count, mode, error))
            return false;
        pendingDelta[target] += count;
        return true;
    };
    stored.reserve(write.items.size());
    for (OutboxItem &item : write.items) {
        SyncEvent &e = item.event;
        const qint64 seq = sql.insertEvent(item, error);
        if (seq < 0)
            return false;
        if (seq == 0) {
            stored << e; // already accepted earlier
            continue;
        }
        e.version = seq;
        const qint64 due = item.dueAt > 0 ? item.dueAt : now;
        if (!item.rowLimits.isEmpty()) {
            for (qsizetype t = 0; t < item.targets.size() && t < item.rowLimits.size(); ++t) {
                const QString &target = item.targets.at(t);
                OpenRow &row = openRow(t, target);
                if (row.count > 0 && (row.firstSeq + row.count != seq || row.count >= row.limit)) {
                    if (!insertRow(row.firstSeq, target, row.user, row.due, row.count, Bulk))
                        return false;
                    row.count = 0;
                }
                if (row.count == 0)
                    row = OpenRow{target, seq, 0, std::max(1, item.rowLimits.at(t)), due, e.userId};
                else if (!row.user.isEmpty() && row.user != e.userId)
                    row.user.clear(); // many users: no per-user order to keep for this row
                ++row.count;
            }
            stored << e;
            continue;
        }
        for (const QString &target : std::as_const(item.targets)) {
            if (item.coalesce)
                pendingDelta[target] -= sql.supersede(target, e.userId);
            if (!insertRow(seq, target, e.userId, due, 1,
                           item.coalesce || due > now ? NearRealTime : RealTime))
                return false;
        }
        stored << e;
    }
    for (const OpenRow &row : open)
        if (row.count > 0 &&
            !insertRow(row.firstSeq, row.target, row.user, row.due, row.count, Bulk))
            return false;
    return true;
}

} // namespace jobfirst
