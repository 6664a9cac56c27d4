// SPDX-License-Identifier: GPL-3.0-or-later
// The live charts, fed as the pages feed them (a point per series per snapshot, a flush per
// snapshot), on screen offscreen: a stretch with no snapshots is not drawn as if measured.
#include "charts/livechart.h"

#include <QChart>
#include <QGraphicsRectItem>
#include <QGraphicsTextItem>
#include <QLineSeries>
#include <QSignalSpy>
#include <QValueAxis>
#include <QtTest>

using namespace jobfirst::ui;

namespace {

/// The drawn pieces that reach over the time from `fromS` to `toS` (seconds, as drawn).
int piecesAcross(const LiveChart &chart, double fromS, double toS)
{
    int across = 0;
    for (QAbstractSeries *s : chart.chart()->series())
        if (auto *line = qobject_cast<QLineSeries *>(s); line && line->count() > 0)
            across += line->at(0).x() <= fromS && line->at(line->count() - 1).x() >= toS;
    return across;
}

/// The values the first series' line is drawn through, in order.
QList<double> drawnValues(const LiveChart &chart)
{
    QList<double> values;
    if (const auto *line = qobject_cast<QLineSeries *>(chart.chart()->series().value(0)))
        for (const QPointF &p : line->points())
            values << p.y();
    return values;
}

/// The value axis' labels (the texts left of the plot area) and their heights.
QList<std::pair<QString, qreal>> valueLabels(const LiveChart &chart)
{
    const QRectF plot = chart.chart()->mapRectToScene(chart.chart()->plotArea());
    QList<std::pair<QString, qreal>> labels;
    for (QGraphicsItem *item : chart.scene()->items())
        if (auto *text = dynamic_cast<QGraphicsTextItem *>(item);
            text && text->isVisible() && !text->toPlainText().isEmpty() &&
            text->sceneBoundingRect().right() <= plot.left() + 1)
            labels.append({text->toPlainText().simplified(), text->sceneBoundingRect().height()});
    return labels;
}

} // namespace

class TestLiveChart : public QObject
{
    Q_OBJECT

    std::unique_ptr<LiveChart> m_chart;
    qint64 m_now = 1'000'000'000'000;

    void feed(int snapshots, qint64 everyMs, double value = 3)
    {
        for (int i = 0; i < snapshots; ++i) {
            m_now += everyMs;
            m_chart->addPoint(QStringLiteral("pending"), m_now, value);
            m_chart->flush(m_now);
        }
    }

private slots:
    void init()
    {
        m_chart = std::make_unique<LiveChart>([] { return QStringLiteral("Sync queue"); },
                                              [] { return QStringLiteral("deliveries"); });
        m_chart->resize(640, 320);
        m_chart->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_chart.get()));
    }
    void cleanup() { m_chart.reset(); }

    void stretchWithoutSnapshotsBreaksTheLine_data()
    {
        QTest::addColumn<int>("refreshMs");
        QTest::addColumn<qint64>("stoppedMs");
        QTest::newRow("1 s, stopped 1 min") << 1000 << qint64(60'000);
        QTest::newRow("250 ms, stopped 3 s") << 250 << qint64(3'000);
        QTest::newRow("5 s, stopped 20 s") << 5000 << qint64(20'000);
    }
    void stretchWithoutSnapshotsBreaksTheLine()
    {
        QFETCH(int, refreshMs);
        QFETCH(qint64, stoppedMs);
        m_chart->setRefreshIntervalMs(refreshMs);
        feed(20, refreshMs);
        QCOMPARE(m_chart->segmentCount(QStringLiteral("pending")), 1);
        const qint64 stoppedAt = m_now;
        m_now += stoppedMs; // SIGSTOPped, or the engine not reached
        const qint64 resumedAt = m_now + refreshMs;
        feed(20, refreshMs);
        QCOMPARE(m_chart->segmentCount(QStringLiteral("pending")), 2);
        // No piece reaches over the stretch (the flat line before it is drawn as one
        // segment, from its first point to its last).
        QCOMPARE(piecesAcross(*m_chart, double(stoppedAt - m_now) / 1000.0 + 0.001,
                              double(resumedAt - m_now) / 1000.0 - 0.001),
                 0);
        QCOMPARE(m_chart->gapMarkCount(), 0); // not a node that did not answer
    }

    // A flat queue is drawn from its first point to its last; a peak of a few pixels stays,
    // a ripple under half a pixel does not; every snapshot is still counted as shown.
    void aFlatStretchIsDrawnThroughItsEndsAndAPeakStays()
    {
        m_chart->setRefreshIntervalMs(1000);
        feed(100, 1000, 10);
        feed(1, 1000, 10.001); // 0.01 of a pixel at a top of 20 over ~250 pixels
        feed(50, 1000, 10);
        feed(1, 1000, 12); // ~25 pixels
        feed(50, 1000, 10);
        QCOMPARE(drawnValues(*m_chart), (QList<double>{10, 10, 12, 10, 10}));
        QCOMPARE(m_chart->pointCount(QStringLiteral("pending")), 202);
        QCOMPARE(m_chart->lastValue(QStringLiteral("pending")), 10.0);
    }

    // A ripple under half a pixel at this size is over a pixel on a chart four times as high:
    // drawn as soon as the plot grows, with no new snapshot, and on a paused chart too.
    void aLargerPlotDrawsWhatItNowShows()
    {
        m_chart->setRefreshIntervalMs(1000);
        const double pixel = 20.0 / m_chart->chart()->plotArea().height(); // an axis of 0-20
        const double ripple = 10 + 0.4 * pixel;
        feed(30, 1000, 10);
        feed(1, 1000, ripple);
        feed(30, 1000, 10);
        QCOMPARE(drawnValues(*m_chart), (QList<double>{10, 10}));
        m_chart->setPaused(true);
        m_chart->resize(640, 1280);
        QTRY_VERIFY2(drawnValues(*m_chart).contains(ripple),
                     qPrintable(QString::number(drawnValues(*m_chart).size())));
        m_chart->resize(640, 320); // and thinned again when it shrinks
        QTRY_COMPARE(drawnValues(*m_chart), (QList<double>{10, 10}));
    }

    // Snapshots a little late, the interval changed: one line still.
    void usualIntervalsStayOneLine()
    {
        QCOMPARE(m_chart->breakAfterMs(), 3000); // three times the default interval
        m_chart->setRefreshIntervalMs(1000);
        for (qint64 late : {0, 400, 900, 1500, 100, 0})
            feed(1, 1000 + late);
        m_chart->setRefreshIntervalMs(5000);
        feed(10, 5000);
        m_chart->setRefreshIntervalMs(1000); // the 5 s history is not cut afterwards
        feed(10, 1000);
        QCOMPARE(m_chart->segmentCount(QStringLiteral("pending")), 1);
        QCOMPARE(m_chart->pointCount(QStringLiteral("pending")), 26);
        m_chart->setRefreshIntervalMs(0); // paused: the bound stays
        QCOMPARE(m_chart->breakAfterMs(), 3000);
    }

    // The value labels stay on one line however many digits they have: with 6,000 events
    // held the Overview's queue chart showed its top label "10000" as "1000" over "0"
    // (session 18's walk).
    void valueLabelsStayOnOneLine_data()
    {
        QTest::addColumn<double>("most");
        QTest::newRow("10000") << 6000.0;
        QTest::newRow("100000") << 60000.0;
        QTest::newRow("500000") << 450000.0;
    }
    void valueLabelsStayOnOneLine()
    {
        QFETCH(double, most);
        feed(5, 1000, most);
        QTRY_VERIFY(!valueLabels(*m_chart).isEmpty());
        const auto labels = valueLabels(*m_chart);
        qreal lowest = labels.first().second;
        for (const auto &[text, height] : labels)
            lowest = std::min(lowest, height);
        for (const auto &[text, height] : labels)
            QVERIFY2(height < lowest * 1.5,
                     qPrintable(QStringLiteral("\"%1\": %2 px high, \"0\" %3")
                                    .arg(text)
                                    .arg(height)
                                    .arg(lowest)));
    }

    // A burst moves the value axis, and its labels get wider ("5" -> "10" -> "20"): the plot
    // area stays where it was (a moved plot area is a relayout of the whole chart, legend and
    // all: 8-9 ms of a frame on the Overview), and the axis still covers every point.
    void burstDoesNotMoveThePlotArea()
    {
        feed(30, 1000, 4);
        QSignalSpy moved(m_chart->chart(), &QChart::plotAreaChanged);
        auto *axis = qobject_cast<QValueAxis *>(m_chart->chart()->axes(Qt::Vertical).first());
        QSignalSpy ranges(axis, &QValueAxis::rangeChanged);
        for (double burst : {6.0, 9.0, 14.0, 40.0, 4.0, 0.5})
            feed(1, 1000, burst);
        QVERIFY(ranges.count() >= 3); // 5 -> 10 -> 20 -> 50: the axis did move
        QCOMPARE(moved.count(), 0);
        for (QAbstractSeries *s : m_chart->chart()->series())
            if (auto *line = qobject_cast<QLineSeries *>(s))
                for (const QPointF &p : line->points())
                    QVERIFY2(p.y() >= axis->min() && p.y() <= axis->max(),
                             qPrintable(QStringLiteral("%1 outside %2..%3")
                                            .arg(p.y())
                                            .arg(axis->min())
                                            .arg(axis->max())));
    }

    // The grid, the ticks and the axis lines are drawn with zero-width pens, which Qt Graphics
    // View bounds without stroking the line on every paint (a third of a chart's repaint); on
    // an unscaled screen they draw the very pixels the theme's one-unit pens draw.
    void hairlinesDrawWhatTheThemesPensDraw()
    {
        if (m_chart->devicePixelRatioF() != 1.0)
            QSKIP("a scaled screen keeps the theme's pens");
        feed(60, 1000, 7);
        QList<QValueAxis *> axes;
        for (QAbstractAxis *a : m_chart->chart()->axes())
            axes << qobject_cast<QValueAxis *>(a);
        QCOMPARE(axes.size(), 2);
        for (QValueAxis *axis : std::as_const(axes)) {
            QCOMPARE(axis->gridLinePen().widthF(), 0.0);
            QCOMPARE(axis->linePen().widthF(), 0.0);
        }
        const QImage hairlines = m_chart->grab().toImage();
        for (QValueAxis *axis : std::as_const(axes)) {
            QPen pen = axis->gridLinePen();
            pen.setWidthF(1.0);
            axis->setGridLinePen(pen);
            pen = axis->linePen();
            pen.setWidthF(1.0);
            axis->setLinePen(pen);
        }
        QCOMPARE(m_chart->grab().toImage(), hairlines);
    }

    void backgroundInBandsPaintsWhatItsItemPaints_data()
    {
        QTest::addColumn<int>("theme");
        QTest::addColumn<QRect>("exposed"); // what is repainted (empty: the whole chart)
        QTest::newRow("light, whole") << int(QChart::ChartThemeLight) << QRect();
        QTest::newRow("light, a part") << int(QChart::ChartThemeLight) << QRect(13, 37, 301, 211);
        QTest::newRow("dark, whole") << int(QChart::ChartThemeDark) << QRect();
        QTest::newRow("blue cerulean (a gradient), whole")
            << int(QChart::ChartThemeBlueCerulean) << QRect();
        QTest::newRow("blue cerulean, a part")
            << int(QChart::ChartThemeBlueCerulean) << QRect(0, 150, 640, 97);
    }
    /// The chart's background is painted in bands of rows by the view (Qt 6.4 hands a taller
    /// fill to its thread pool and waits): pixel for pixel what Qt Charts' item paints.
    void backgroundInBandsPaintsWhatItsItemPaints()
    {
        QFETCH(int, theme);
        QFETCH(QRect, exposed);
        m_chart->resize(640, 480); // several bands
        m_chart->chart()->setTheme(QChart::ChartTheme(theme));
        feed(60, 1000, 7);
        QGraphicsRectItem *background = nullptr;
        for (QGraphicsItem *item : m_chart->chart()->childItems())
            if (auto *rect = qgraphicsitem_cast<QGraphicsRectItem *>(item);
                rect && (rect->flags() & QGraphicsItem::ItemHasNoContents))
                background = rect;
        QVERIFY(background);
        QVERIFY(background->isVisible());
        QVERIFY(background->rect().height() > 200);
        const QRect area = exposed.isEmpty() ? m_chart->rect() : exposed;
        const QImage bands = m_chart->grab(area).toImage();
        background->setFlag(QGraphicsItem::ItemHasNoContents, false); // the item paints itself
        const QImage itself = m_chart->grab(area).toImage();
        QCOMPARE(bands, itself);
        // Not a background-less chart against another: the background shows.
        background->setVisible(false);
        QVERIFY(m_chart->grab(area).toImage() != itself);
    }
};

QTEST_MAIN(TestLiveChart)
#include "tst_livechart.moc"
