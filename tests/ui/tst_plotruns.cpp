// SPDX-License-Identifier: GPL-3.0-or-later
// What a live chart draws of a series: a few points a pixel column, pieces between gaps and
// breaks, gaps marked once a column.
#include "charts/plotruns.h"

#include <QtTest>

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
};

QTEST_GUILESS_MAIN(TestPlotRuns)
#include "tst_plotruns.moc"
