// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts/plotruns.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

/// One piece thinned (see PlotRuns::simplify), measured in pixels.
QList<QPointF> swingingDoor(const QList<QPointF> &run, double xPerPixel, double yPerPixel,
                            double tolerance)
{
    if (run.size() < 3)
        return run;
    const auto px = [&](qsizetype i) {
        return QPointF(run.at(i).x() / xPerPixel, run.at(i).y() / yPerPixel);
    };
    constexpr double Open = std::numeric_limits<double>::infinity();
    QList<QPointF> kept{run.first()};
    qsizetype lastKept = 0;
    QPointF anchor = px(0);
    double low = -Open, high = Open; // the slopes from the anchor that pass near every point since
    const auto keep = [&](qsizetype at) {
        if (at != lastKept)
            kept << run.at(at);
        lastKept = at;
        anchor = px(at);
        low = -Open;
        high = Open;
    };
    for (qsizetype i = 1; i < run.size(); ++i) {
        const QPointF p = px(i);
        // No time since the point before: a vertical step, or a clock that went back. Both
        // are kept, so no line is judged by a slope through them.
        if (p.x() <= px(i - 1).x()) {
            keep(i - 1);
            keep(i);
            continue;
        }
        // The anchor is at or before the point before (times rise since it), so dx > 0.
        if (const double slope = (p.y() - anchor.y()) / (p.x() - anchor.x());
            slope < low || slope > high)
            keep(i - 1); // the door closed: the last point that fitted ends the line
        const double dx = p.x() - anchor.x();
        low = std::max(low, (p.y() - tolerance - anchor.y()) / dx);
        high = std::min(high, (p.y() + tolerance - anchor.y()) / dx);
    }
    keep(run.size() - 1);
    return kept;
}

} // namespace

void PlotRuns::simplify(double xPerPixel, double yPerPixel, double tolerancePx)
{
    if (!(xPerPixel > 0) || !(yPerPixel > 0))
        return; // no plot area to measure in: everything is kept
    for (QList<QPointF> &run : runs)
        run = swingingDoor(run, xPerPixel, yPerPixel, tolerancePx);
}

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
    for (const QList<QPointF> &run : std::as_const(plot.runs))
        plot.shown += run.size();
    return plot;
}

} // namespace jobfirst::ui
