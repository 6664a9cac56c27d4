// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/outboxrequest.h"

#include <QHash>
#include <QString>

#include <algorithm>
#include <vector>

namespace jobfirst {

namespace outboxrows {

/// A bulk row being filled: consecutive events for one target, up to its batch size.
struct OpenRow
{
    QString target;
    qint64 firstSeq = 0;
    int count = 0;
    int limit = 0;
    qint64 due = 0;
    QString user; ///< "" when the row carries many users
};

/// The delivery rows of one write's events, inserted with `Sql` (see writeOutboxRows()), and
/// the pending count of each target they add to.
template <class Sql> class RowWriter
{
public:
    RowWriter(QHash<QString, qint64> &pendingDelta, qint64 now, QString &error, Sql &sql)
        : m_pendingDelta(pendingDelta), m_now(now), m_error(error), m_sql(sql)
    {
    }

    /// One row per target of the event `seq`, superseding that user's unsent ones when the
    /// item coalesces.
    bool insertEventRows(const OutboxItem &item, qint64 seq, qint64 due)
    {
        // How a row is sent, kept for the SLO figures: only real-time rows count towards the
        // real-time latency target; bulk rows and deferred (near-real-time) ones do not.
        static const QString RealTime = QStringLiteral("real-time"),
                             NearRealTime = QStringLiteral("near-real-time");
        const QString &user = item.event.userId;
        for (const QString &target : std::as_const(item.targets)) {
            if (item.coalesce)
                m_pendingDelta[target] -= m_sql.supersede(target, user);
            if (!insertRow(seq, target, user, due, 1,
                           item.coalesce || due > m_now ? NearRealTime : RealTime))
                return false;
        }
        return true;
    }

    /// The event `seq` added to each target's open bulk row; a row that is full, or that the
    /// event does not follow, is inserted first and a new one opened.
    bool addToBulkRows(const OutboxItem &item, qint64 seq, qint64 due)
    {
        const QString &user = item.event.userId;
        for (qsizetype t = 0; t < item.targets.size() && t < item.rowLimits.size(); ++t) {
            const QString &target = item.targets.at(t);
            OpenRow &row = openRow(t, target);
            if (row.count > 0 && (row.firstSeq + row.count != seq || row.count >= row.limit)) {
                if (!insertRow(row.firstSeq, target, row.user, row.due, row.count, bulk()))
                    return false;
                row.count = 0;
            }
            if (row.count == 0)
                row = OpenRow{target, seq, 0, std::max(1, item.rowLimits.at(t)), due, user};
            else if (!row.user.isEmpty() && row.user != user)
                row.user.clear(); // many users: no per-user order to keep for this row
            ++row.count;
        }
        return true;
    }

    /// The bulk rows still open, inserted.
    bool closeBulkRows()
    {
        for (const OpenRow &row : m_open)
            if (row.count > 0 &&
                !insertRow(row.firstSeq, row.target, row.user, row.due, row.count, bulk()))
                return false;
        return true;
    }

private:
    static const QString &bulk()
    {
        static const QString Bulk = QStringLiteral("bulk");
        return Bulk;
    }

    bool insertRow(qint64 seq, const QString &target, const QString &user, qint64 due, int count,
                   const QString &mode)
    {
        if (!m_sql.insertDelivery(seq, target, user, due, count, mode, m_error))
            return false;
        m_pendingDelta[target] += count;
        return true;
    }

    /// The target's open bulk row. Events of one type share their list of targets
    /// (SyncService::route), so the t-th target of an event is most often the t-th row's, the
    /// same string: found without comparing text (comparing names was most of
    /// writeOutboxRows()'s time in a bulk import). A few targets: a short list beats hashing
    /// the name each time.
    OpenRow &openRow(qsizetype t, const QString &target)
    {
        if (std::size_t(t) < m_open.size() && m_open[t].target.constData() == target.constData() &&
            m_open[t].target.size() == target.size())
            return m_open[t];
        for (OpenRow &row : m_open)
            if (row.target == target)
                return row;
        m_open.push_back(OpenRow{target, 0, 0, 0, 0, {}});
        return m_open.back();
    }

    QHash<QString, qint64> &m_pendingDelta;
    const qint64 m_now;
    QString &m_error;
    Sql &m_sql;
    std::vector<OpenRow> m_open;
};

} // namespace outboxrows

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
    outboxrows::RowWriter<Sql> rows(pendingDelta, now, error, sql);
    stored.reserve(write.items.size());
    for (OutboxItem &item : write.items) {
        const qint64 seq = sql.insertEvent(item, error);
        if (seq < 0)
            return false;
        if (seq > 0) { // else accepted earlier: no rows to write
            item.event.version = seq;
            const qint64 due = item.dueAt > 0 ? item.dueAt : now;
            if (!(item.rowLimits.isEmpty() ? rows.insertEventRows(item, seq, due)
                                           : rows.addToBulkRows(item, seq, due)))
                return false;
        }
        stored << item.event;
    }
    return rows.closeBulkRows();
}

} // namespace jobfirst
