// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts/plotruns.h"

#include <algorithm>
#include <cmath>

namespace jobfirst::ui {

namespace {

/// A column's first, lowest, highest and last point, each once, in the order of their times.
void keepColumn(QList<QPointF> &list, const QPointF &first, const QPointF &low, const QPointF &high,
                const QPointF &last, double now)
{
    const auto ago = [now](const QPointF &p) { return QPointF((p.x() - now) / 1000.0, p.y()); };
    list << ago(first);
    if (low.x() < high.x()) {
        if (low != first)
            list << ago(low);
        if (high != first && high != last)
            list << ago(high);
    } else {
        if (high != first)
            list << ago(high);
        if (low != first && low != last)
            list << ago(low);
    }
    if (last != first)
        list << ago(last);
}

} // namespace

PlotRuns PlotRuns::of(const std::deque<QPointF> &points, double spanMs, qint64 nowMs)
{
    PlotRuns plot;
    const double span = spanMs;
    const double now = double(nowMs);
    double lastGapMark = -1e300;
    plot.runs.resize(1);
    std::size_t i = 0;
    while (i < points.size()) {
        if (!std::isfinite(points[i].y())) {
            if (std::isnan(points[i].y()) && points[i].x() - lastGapMark >= span) {
                plot.gapMarks << QPointF((points[i].x() - now) / 1000.0, 0);
                lastGapMark = points[i].x();
            }
            if (!plot.runs.last().isEmpty())
                plot.runs.append(QList<QPointF>());
            ++i;
            continue;
        }
        const double bucketEnd = points[i].x() + span;
        const QPointF first = points[i];
        QPointF low = first, high = first, last = first;
        for (++i; i < points.size() && points[i].x() < bucketEnd && std::isfinite(points[i].y());
             ++i) {
            last = points[i];
            if (last.y() < low.y())
                low = last;
            if (last.y() > high.y())
                high = last;
        }
        keepColumn(plot.runs.last(), first, low, high, last, now);
        plot.highest = std::max(plot.highest, high.y());
    }
    return plot;
}

} // namespace jobfirst::ui
