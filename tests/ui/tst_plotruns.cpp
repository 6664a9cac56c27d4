// SPDX-License-Identifier: GPL-3.0-or-later
// What a live chart draws of a series: a few points a pixel column, pieces between gaps and
// breaks, gaps marked once a column.
#include "charts/plotruns.h"

#include <QRandomGenerator>
#include <QtTest>

#include <cmath>

#include <limits>

using namespace jobfirst::ui;

namespace {

constexpr qint64 Now = 1'000'000;
const double Nan = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

/// A point `msBefore` ms before Now, as the plot draws it (seconds, negative).
QPointF drawn(double msBefore, double y)
{
    return QPointF(-msBefore / 1000.0, y);
}

std::deque<QPointF> points(std::initializer_list<std::pair<double, double>> beforeAndValue)
{
    std::deque<QPointF> list;
    for (const auto &[before, value] : beforeAndValue)
        list.push_back(QPointF(double(Now) - before, value));
    return list;
}

/// A piece of `values`, one a second (x in seconds, as drawn).
PlotRuns piece(const QList<double> &values)
{
    PlotRuns plot;
    plot.runs = {{}};
    for (qsizetype i = 0; i < values.size(); ++i)
        plot.runs[0] << QPointF(double(i), values.at(i));
    return plot;
}

/// The vertical distance, in pixels, from `p` to the line drawn through `line` at p's time.
double pixelsOff(const QList<QPointF> &line, const QPointF &p, double yPerPixel)
{
    for (qsizetype i = 1; i < line.size(); ++i) {
        const QPointF a = line.at(i - 1), b = line.at(i);
        if (p.x() < a.x() || p.x() > b.x())
            continue;
        const double y = b.x() == a.x() ? p.y() : a.y() + (b.y() - a.y()) * (p.x() - a.x()) / (b.x() - a.x());
        return std::abs(y - p.y()) / yPerPixel;
    }
    return std::numeric_limits<double>::infinity(); // outside the line: not drawn at all
}

} // namespace

class TestPlotRuns final : public QObject
{
    Q_OBJECT

private slots:
    // Four points in one column: all four kept, the low before the high as they came.
    void aColumnKeepsItsFirstLowestHighestAndLast()
    {
        const PlotRuns plot =
            PlotRuns::of(points({{400, 5}, {300, 1}, {200, 9}, {100, 4}}), 1000, Now);
        QCOMPARE(plot.runs.size(), 1);
        QCOMPARE(plot.runs.at(0),
                 (QList<QPointF>{drawn(400, 5), drawn(300, 1), drawn(200, 9), drawn(100, 4)}));
        QCOMPARE(plot.highest, 9.0);
    }

    // The high before the low keeps that order; the points between them go.
    void aHighBeforeTheLowKeepsItsOrder()
    {
        const PlotRuns plot =
            PlotRuns::of(points({{500, 5}, {400, 9}, {300, 6}, {200, 1}, {100, 4}}), 1000, Now);
        QCOMPARE(plot.runs.at(0),
                 (QList<QPointF>{drawn(500, 5), drawn(400, 9), drawn(200, 1), drawn(100, 4)}));
    }

    // A column whose first point is its lowest and last its highest: two points, not four.
    void aPointIsKeptOnce()
    {
        const PlotRuns plot = PlotRuns::of(points({{300, 1}, {200, 2}, {100, 3}}), 1000, Now);
        QCOMPARE(plot.runs.at(0), (QList<QPointF>{drawn(300, 1), drawn(100, 3)}));
    }

    // Points a column apart each start their own column.
    void columnsAreTheSpanWide()
    {
        const PlotRuns plot = PlotRuns::of(points({{3000, 2}, {2000, 3}, {1000, 4}}), 1000, Now);
        QCOMPARE(plot.runs.at(0), (QList<QPointF>{drawn(3000, 2), drawn(2000, 3), drawn(1000, 4)}));
    }

    // A NaN (no answer) ends a piece and is marked; an infinity (no snapshot) ends a piece
    // unmarked.
    void gapsAndBreaksEndAPiece()
    {
        const PlotRuns plot = PlotRuns::of(
            points({{6000, 2}, {5000, Nan}, {4000, 3}, {3000, Inf}, {2000, 4}}), 500, Now);
        QCOMPARE(plot.runs.size(), 3);
        QCOMPARE(plot.runs.at(0), QList<QPointF>{drawn(6000, 2)});
        QCOMPARE(plot.runs.at(1), QList<QPointF>{drawn(4000, 3)});
        QCOMPARE(plot.runs.at(2), QList<QPointF>{drawn(2000, 4)});
        QCOMPARE(plot.gapMarks, QList<QPointF>{drawn(5000, 0)});
    }

    // Gaps in a row are one piece break, marked once a column; a gap first starts no piece.
    void gapsAreMarkedOnceAColumn()
    {
        const PlotRuns plot = PlotRuns::of(
            points({{5000, Nan}, {4900, Nan}, {4800, Nan}, {3000, Nan}, {2000, 7}}), 1000, Now);
        QCOMPARE(plot.runs.size(), 1);
        QCOMPARE(plot.runs.at(0), QList<QPointF>{drawn(2000, 7)});
        QCOMPARE(plot.gapMarks, (QList<QPointF>{drawn(5000, 0), drawn(3000, 0)}));
    }

    // Values under 1 leave the top at 1; nothing drawn, too.
    void theHighestIsAtLeastOne()
    {
        QCOMPARE(PlotRuns::of(points({{100, 0.5}}), 1000, Now).highest, 1.0);
        const PlotRuns none = PlotRuns::of({}, 1000, Now);
        QCOMPARE(none.highest, 1.0);
        QCOMPARE(none.runs.size(), 1);
        QVERIFY(none.runs.at(0).isEmpty());
    }

    // A straight stretch is drawn from its first point to its last: a flat queue of 300
    // snapshots is two vertices, not 300, and still shown as 300 points.
    void aStraightStretchKeepsItsEnds()
    {
        PlotRuns flat = piece(QList<double>(300, 7.0));
        flat.shown = 300;
        flat.simplify(1.0, 0.1);
        QCOMPARE(flat.runs.at(0), (QList<QPointF>{{0, 7}, {299, 7}}));
        QCOMPARE(flat.shown, 300);
        PlotRuns rising = piece({1, 2, 3, 4, 5, 6});
        rising.simplify(1.0, 0.1);
        QCOMPARE(rising.runs.at(0), (QList<QPointF>{{0, 1}, {5, 6}}));
    }

    // One snapshot two pixels above a flat line is a peak the screen shows: kept, with the
    // points either side of it. Under half a pixel, it is not seen apart from the line.
    void aPeakOfAPixelIsKept()
    {
        PlotRuns peak = piece({5, 5, 5, 5, 5.2, 5, 5, 5});
        peak.simplify(1.0, 0.1); // 0.1 a pixel: the peak is 2 pixels high
        QCOMPARE(peak.runs.at(0),
                 (QList<QPointF>{{0, 5}, {3, 5}, {4, 5.2}, {5, 5}, {7, 5}}));
        PlotRuns ripple = piece({5, 5, 5, 5, 5.04, 5, 5, 5});
        ripple.simplify(1.0, 0.1); // 0.4 of a pixel
        QCOMPARE(ripple.runs.at(0), (QList<QPointF>{{0, 5}, {7, 5}}));
    }

    // A random walk: every point left out lies within half a pixel of the line drawn; the
    // points kept are points of the series, in order, first and last among them.
    void everyPointLeftOutIsWithinHalfAPixel()
    {
        QRandomGenerator random(12);
        QList<double> values{50};
        for (int i = 1; i < 2000; ++i)
            values << std::max(0.0, values.last() + random.bounded(1.0) - 0.5 + (i % 300 == 0 ? 30 : 0));
        const PlotRuns all = piece(values);
        PlotRuns thin = all;
        const double xPerPixel = 2000.0 / 400.0, yPerPixel = 100.0 / 200.0;
        thin.simplify(xPerPixel, yPerPixel);
        const QList<QPointF> line = thin.runs.at(0);
        QVERIFY2(line.size() < values.size(), qPrintable(QString::number(line.size())));
        QCOMPARE(line.first(), all.runs.at(0).first());
        QCOMPARE(line.last(), all.runs.at(0).last());
        qsizetype at = 0;
        for (const QPointF &p : all.runs.at(0)) {
            if (at < line.size() && line.at(at) == p)
                ++at;
            else
                QVERIFY2(pixelsOff(line, p, yPerPixel) <= 0.5 + 1e-9,
                         qPrintable(QStringLiteral("%1 s: %2 px off").arg(p.x()).arg(
                             pixelsOff(line, p, yPerPixel))));
        }
        QCOMPARE(at, line.size()); // every kept point is one of the series', in order
    }

    // Points at one time (a step, or a clock set back) are all kept: no line through them
    // can be judged by its slope.
    void pointsAtOneTimeAreKept()
    {
        PlotRuns step;
        step.runs = {{{0, 1}, {1, 1}, {2, 1}, {2, 9}, {3, 9}, {4, 9}, {3.5, 2}, {5, 2}}};
        step.simplify(1.0, 0.1);
        QCOMPARE(step.runs.at(0),
                 (QList<QPointF>{{0, 1}, {2, 1}, {2, 9}, {4, 9}, {3.5, 2}, {5, 2}}));
    }

    // A clock set back to a time still after the last point kept: the point before it is
    // kept, not left out behind a line that would end short of its time (review32).
    void aClockSetBackKeepsThePointBefore()
    {
        PlotRuns plot;
        plot.runs = {{}};
        for (int t = 0; t <= 8; ++t)
            plot.runs[0] << QPointF(t, 10);
        plot.runs[0] << QPointF(4, 9.9) << QPointF(5, 50) << QPointF(5.5, 40);
        for (int t = 9; t <= 20; ++t)
            plot.runs[0] << QPointF(t, 40);
        plot.simplify(1.0, 0.4);
        const QList<QPointF> line = plot.runs.at(0);
        QVERIFY2(line.contains(QPointF(8, 10)), qPrintable(QStringLiteral("%1 vertices").arg(line.size())));
        QCOMPARE(line.indexOf(QPointF(4, 9.9)), line.indexOf(QPointF(8, 10)) + 1);
    }

    // With no plot area to measure in (a chart never laid out), nothing is left out; each
    // piece is thinned on its own.
    void noAreaKeepsEveryPointAndPiecesStayApart()
    {
        PlotRuns plot = piece({1, 1, 1, 1});
        plot.runs << QList<QPointF>{{10, 3}, {11, 3}, {12, 3}};
        PlotRuns unmeasured = plot;
        unmeasured.simplify(0, 0.1);
        QCOMPARE(unmeasured.runs, plot.runs);
        plot.simplify(1.0, 0.1);
        QCOMPARE(plot.runs, (QList<QList<QPointF>>{{{0, 1}, {3, 1}}, {{10, 3}, {12, 3}}}));
    }

    // What a column keeps is counted as shown, before any is left out.
    void shownCountsTheColumnsPoints()
    {
        const PlotRuns plot = PlotRuns::of(
            points({{6000, 2}, {5000, Nan}, {4000, 3}, {3900, 3}, {3000, Inf}, {2000, 4}}), 500, Now);
        QCOMPARE(plot.shown, 4);
    }
};

QTEST_GUILESS_MAIN(TestPlotRuns)
#include "tst_plotruns.moc"
