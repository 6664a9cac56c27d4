// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QPointF>

#include <deque>

namespace jobfirst::ui {

/// A series' points as a plot draws them: thinned to a few a pixel column, in pieces between
/// gaps and breaks, with x as seconds before now.
struct PlotRuns
{
    /// The pieces drawn apart (the first one may be empty).
    QList<QList<QPointF>> runs;
    /// Where a gap (a NaN: no answer) starts, at most one a column, at y 0.
    QList<QPointF> gapMarks;
    /// The highest value drawn (1 when none is higher).
    double highest = 1;
    /// The points the plot shows: the columns' points, before simplify() left any out.
    qsizetype shown = 0;

    /// `points` (x in ms since epoch) in columns `spanMs` wide: a plot a few hundred pixels
    /// wide cannot show thousands of points, so each column keeps its first, lowest, highest
    /// and last point. Peaks stay visible and the paint cost follows the width, not the history
    /// length. A NaN is a gap (no answer), an infinity a break (no snapshot): the points
    /// between them are separate pieces; only gaps are marked.
    static PlotRuns of(const std::deque<QPointF> &points, double spanMs, qint64 nowMs);

    /// Leaves out each point that the line drawn past it passes within `tolerancePx` of,
    /// vertically (swinging door, as process historians thin their trends): the screen shows
    /// the same line. `xPerPixel` and `yPerPixel` are a pixel in the plot's units. Every piece
    /// keeps its first and last point, and a point whose time does not move on from the last
    /// one kept is kept. Qt Charts strokes a wide pen at every vertex twice a frame (once for
    /// the item's shape, once to paint), and a smooth or flat stretch needs few of them.
    void simplify(double xPerPixel, double yPerPixel, double tolerancePx = 0.5);
};

} // namespace jobfirst::ui
