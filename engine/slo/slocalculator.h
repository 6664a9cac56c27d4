// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "slo/sloreport.h"

#include <QHash>
#include <QList>
#include <QString>

namespace jobfirst {

/// A node's health over time: its state changes (oldest first) and when it was added.
struct NodeHistory
{
    QString node;
    qint64 addedAt = 0;
    struct Change
    {
        qint64 at = 0;
        QString to;       ///< "up", "down", "failed", "unknown"
        qint64 lastOkAt = 0; ///< for a change to down/failed: when the node last answered
    };
    QList<Change> changes;
};

/// The latest consistency check of each target within a window, summed over the targets.
struct ConsistencySummary
{
    qint64 ledgerRecords = 0;
    qint64 consistentRecords = 0;
    int targetsChecked = 0;
};

/// What the SLO figures are computed from, read from the store.
struct SloInputs
{
    qint64 now = 0;
    QList<NodeHistory> nodes;
    QList<qint64>
        realTimeLatenciesMs; ///< real-time deliveries of the last hour, and waiting ones' ages
    qint64 ledgerRecords = 0;          ///< at the latest check of each target within a day
    qint64 consistentRecords = 0;
    int targetsChecked = 0;
};

/// The plan's success metrics: availability ≥ 99.9 % (cluster and per node, over an hour, a
/// day and 30 days), real-time sync latency p99 ≤ 100 ms (last hour), consistency ≥ 99.99 %
/// (latest check of each target within a day), recovery from down to up ≤ 30 s and failure to
/// alert ≤ 1 min (worst over a day). Pure: everything comes from SloInputs.
class SloCalculator final
{
public:
    static SloReport compute(const SloInputs &inputs);

    /// Percent of the known part of [from, to) that `history` was up: time before it was
    /// added or before its first check (state unknown) is not counted either way.
    static double availability(const NodeHistory &history, qint64 from, qint64 to);
    /// Percent of the known part of [from, to) that at least one node was up.
    static double clusterAvailability(const QList<NodeHistory> &nodes, qint64 from, qint64 to);
    /// Every down (or failed) to up recovery that ended in [from, to), in ms.
    static QList<qint64> recoveries(const QList<NodeHistory> &nodes, qint64 from, qint64 to);
    /// For every change to down in [from, to): the change's time minus when the node last
    /// answered (an upper bound of how long the failure went unnoticed), in ms.
    static QList<qint64> alertDelays(const QList<NodeHistory> &nodes, qint64 from, qint64 to);
    static double percentile(QList<qint64> values, double p);
};

} // namespace jobfirst
