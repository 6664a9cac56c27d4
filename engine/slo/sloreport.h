// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace jobfirst {

/// One of the plan's success metrics (成功指标) as measured: the figure, its target, whether
/// it is met, and the window it was measured over.
struct SloFigure
{
    QString key;          ///< "availability_1h", "sync_latency_p99", "consistency", "recovery_time", "alert_delay", ...
    double measured = 0;  ///< in `unit`; meaningless when !measuredAny
    double target = 0;
    QString unit;         ///< "percent" or "ms"
    bool higherIsBetter = true;
    qint64 windowMs = 0;
    /// How much of the window the figure covers (ms): for availability, the time any node's
    /// state was known, which is less than the window for a cluster watched for less than
    /// it (a "30 days" figure of a cluster started today covers today). Else the window.
    qint64 observedMs = 0;
    bool measuredAny = false; ///< false: nothing in the window to measure (shown as such, neither green nor red)
    bool met = false;
    qint64 samples = 0;   ///< what it was computed from: deliveries, incidents, records...
};

struct NodeAvailability
{
    QString node;
    double hour = 100, day = 100, month = 100; ///< percent of the window the node was up (since it was added)
    /// How much of the last day the node's state was known (ms): `day` is over that span, which
    /// is less than a day for a node added (or a cluster first checked) since.
    qint64 dayObservedMs = 0;
};

struct SloReport
{
    qint64 at = 0;
    QList<SloFigure> figures;
    QList<NodeAvailability> nodes;

    const SloFigure *figure(const QString &key) const
    {
        for (const SloFigure &f : figures)
            if (f.key == key)
                return &f;
        return nullptr;
    }
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::SloReport)
