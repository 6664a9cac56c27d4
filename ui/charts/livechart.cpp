// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts/livechart.h"

#include "charts/plotruns.h"

#include <QChart>
#include <QCoreApplication>
#include <QDateTime>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QStyleOptionGraphicsItem>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace jobfirst::ui {

LiveChart::LiveChart(std::function<QString()> title, std::function<QString()> unit, QWidget *parent)
    : QChartView(parent), m_title(std::move(title)), m_unit(std::move(unit)),
      m_axisX(new QValueAxis), m_axisY(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_axisX->setLabelFormat(QStringLiteral("%.0f s"));
    m_axisX->setTickCount(7);
    m_axisX->setRange(-double(m_windowMs) / 1000.0, 0);
    m_axisY->setTickCount(6); // with maxima of 1, 2 or 5 times ten to the n, every label is round
    m_axisY->setRange(0, 1);
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    // The value labels are right-aligned in a box six digits wide (%g writes at most six;
    // in a box five wide "10000" wrapped onto two lines): a new range ("5" -> "10")
    // changes their text, not their width. A wider label changes the axis' size hint, and
    // Qt Charts then lays the whole chart out again, legend and all (8-9 ms of a frame on the
    // Overview when a burst moved the queue chart's axis, issue 12). Measured in the font the
    // chart's theme gave the labels.
    m_axisY->setLabelFormat(
        QStringLiteral("<table width=\"%1\" cellspacing=\"0\" cellpadding=\"0\"><tr>"
                       "<td align=\"right\">%g</td></tr></table>")
            .arg(QFontMetrics(m_axisY->labelsFont()).horizontalAdvance(QStringLiteral("000000"))));
    setChart(chart);
    // The background is the lowest rectangle item the chart shows (the plot area's own is
    // hidden unless asked for).
    for (QGraphicsItem *item : chart->childItems())
        if (auto *rect = qgraphicsitem_cast<QGraphicsRectItem *>(item);
            rect && rect->isVisible() && (!m_background || rect->zValue() < m_background->zValue()))
            m_background = rect;
    if (m_background)
        m_background->setFlag(QGraphicsItem::ItemHasNoContents);
    setRenderHint(QPainter::Antialiasing, false);
    useHairlines();
    // The series change geometry with every tick: keeping them in a BSP index cost more than
    // it saves for the dozen items of a chart.
    scene()->setItemIndexMethod(QGraphicsScene::NoIndex);
    setMinimumHeight(180);
    retranslate();
    // A line thinned for a smaller plot would hide what a larger one shows (a resize, the
    // legend laid out anew, a paused chart made larger): thinned again for the new size.
    connect(chart, &QChart::plotAreaChanged, this, [this] {
        if (!m_pendingAt && !m_drawn.isEmpty())
            drawThinned();
    });
}

void LiveChart::setWindowMs(qint64 ms)
{
    m_windowMs = ms;
    m_axisX->setRange(-double(m_windowMs) / 1000.0, 0);
}

void LiveChart::setRefreshIntervalMs(qint64 ms)
{
    // Three intervals, and never under 2 s: a snapshot late by a busy moment is not a gap.
    if (ms > 0)
        m_breakAfterMs = std::max<qint64>(3 * ms, 2000);
}

void LiveChart::setStaleSince(qint64 sinceMs)
{
    if (sinceMs == m_staleSince)
        return;
    m_staleSince = sinceMs;
    for (QAbstractSeries *series : chart()->series())
        series->setOpacity(sinceMs > 0 ? 0.3 : 1.0);
    retranslate();
}

void LiveChart::retranslate()
{
    // The unit goes in the title, not a vertical axis title: Qt Charts turns that text on its
    // side, where Chinese glyphs overlapped and longer units were cut to "…" (session 9).
    const QString unit = m_unit ? m_unit() : QString();
    const QString title =
        unit.isEmpty() ? m_title() : tr("%1 (%2)", "chart title (unit)").arg(m_title(), unit);
    chart()->setTitle(m_staleSince > 0
                          ? tr("%1 (not live since %2)")
                                .arg(title, QDateTime::fromMSecsSinceEpoch(m_staleSince)
                                                .toString(QStringLiteral("HH:mm:ss")))
                          : title);
    m_axisY->setTitleVisible(false);
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it)
        applyName(it.key());
    if (m_gaps)
        m_gaps->setName(tr("no answer"));
}

QList<QColor> LiveChart::palette()
{
    return {QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73),
            QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9), QColor(0x8c, 0x56, 0x4b),
            QColor(0x59, 0x4f, 0x9f), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22),
            QColor(0x17, 0xbe, 0xcf)};
}

void LiveChart::applyName(const QString &key)
{
    const QList<QLineSeries *> pieces = m_series.value(key);
    if (pieces.isEmpty())
        return;
    const auto title = m_titles.value(key);
    QString name = title ? title() : key;
    if (const QString note = m_notes.value(key); !note.isEmpty())
        name = tr("%1 (%2)").arg(name, note);
    if (pieces.first()->name() == name)
        return;
    pieces.first()->setName(name);
    m_legendToFit = true;
}

void LiveChart::setSeriesTitle(const QString &series, std::function<QString()> title)
{
    m_titles.insert(series, std::move(title));
    applyName(series);
}

void LiveChart::setSeriesNote(const QString &series, const QString &note)
{
    if (m_notes.value(series) == note)
        return;
    m_notes.insert(series, note);
    applyName(series);
}

void LiveChart::setFailureSeries(const QString &series)
{
    m_failureSeries.insert(series);
}

QLineSeries *LiveChart::newSegment(const QString &name, int index)
{
    auto *series = new QLineSeries;
    series->setUseOpenGL(false);
    if (!m_pens.contains(name)) {
        const QList<QColor> colors = palette();
        const bool failure = m_failureSeries.contains(name);
        const int order = failure ? 0 : m_nextColor++;
        QPen pen(failure ? QColor(0xc0, 0x39, 0x2b) : colors.at(order % colors.size()));
        // Lines with equal values lie on top of each other: the later ones are drawn thinner,
        // so an earlier one still shows at the edges; past the palette, dashes tell them apart.
        pen.setWidthF(failure ? 2.0 : std::max(1.5, 3.5 - 0.5 * (order % 5)));
        if (failure)
            pen.setStyle(Qt::DashLine);
        else if (order >= int(colors.size()))
            pen.setStyle(Qt::DashDotLine);
        m_pens.insert(name, pen);
    }
    const QPen pen = m_pens.value(name);
    series->setPen(pen);
    chart()->addSeries(series);
    series->attachAxis(m_axisX);
    series->attachAxis(m_axisY);
    if (index > 0)
        for (QLegendMarker *m : chart()->legend()->markers(series))
            m->setVisible(false);
    return series;
}

void LiveChart::addSeries(const QString &name)
{
    if (m_series.contains(name))
        return;
    m_series.insert(name, {newSegment(name, 0)});
    applyName(name);
    // More names than one line holds at 1280×820 (seven targets were cut to "unified…"):
    // the legend goes to the side, one name a line (session 9).
    if (m_series.size() == 5)
        chart()->legend()->setAlignment(Qt::AlignRight);
}

void LiveChart::addPoint(const QString &name, qint64 atMs, double value)
{
    addSeries(name);
    auto &points = m_points[name];
    // No snapshot for longer than a few intervals: an infinite value breaks the line there
    // (decided now, with the interval in force now: a later interval does not re-cut history).
    if (!points.empty() && double(atMs) - points.back().x() > double(m_breakAfterMs))
        points.emplace_back(points.back().x(), std::numeric_limits<double>::infinity());
    points.emplace_back(double(atMs), value);
    while (!points.empty() && points.front().x() < double(atMs - m_windowMs))
        points.pop_front();
}

void LiveChart::removeSeriesNotIn(const QStringList &names)
{
    const QSet<QString> keep(names.begin(), names.end());
    for (auto it = m_series.begin(); it != m_series.end();) {
        if (!keep.contains(it.key())) {
            for (QLineSeries *piece : std::as_const(it.value())) {
                chart()->removeSeries(piece);
                delete piece;
            }
            m_points.remove(it.key());
            m_drawn.remove(it.key());
            m_shown.remove(it.key());
            m_notes.remove(it.key());
            it = m_series.erase(it);
        } else {
            ++it;
        }
    }
    if (m_gaps && m_series.isEmpty())
        m_gaps->clear();
}

int LiveChart::pointCount(const QString &series) const
{
    drawPending();
    return m_shown.value(series);
}

int LiveChart::segmentCount(const QString &series) const
{
    drawPending();
    int n = 0;
    for (const QLineSeries *piece : m_series.value(series))
        n += piece->count() > 0;
    return n;
}

double LiveChart::lastValue(const QString &series) const
{
    drawPending();
    const QList<QLineSeries *> pieces = m_series.value(series);
    for (auto it = pieces.crbegin(); it != pieces.crend(); ++it)
        if ((*it)->count() > 0)
            return (*it)->at((*it)->count() - 1).y();
    return std::nan("");
}

int LiveChart::gapMarkCount() const
{
    drawPending();
    return m_gaps ? int(m_gaps->count()) : 0;
}

QColor LiveChart::seriesColor(const QString &series) const
{
    return m_pens.value(series).color();
}

QString LiveChart::seriesName(const QString &series) const
{
    drawPending();
    const auto pieces = m_series.value(series);
    return pieces.isEmpty() ? QString() : pieces.first()->name();
}

void LiveChart::flush(qint64 nowMs)
{
    if (m_paused)
        return;
    // Hidden (another page is shown): re-drawing every series would be work nobody sees;
    // the points are kept and drawn once the chart is shown.
    if (!isVisible()) {
        m_pendingAt = nowMs;
        return;
    }
    draw(nowMs);
    // Laid out now, not on a later pass of the event loop: the window's next paint shows the
    // chart as drawn, and no layout moves it after that paint.
    if (QGraphicsLayout *layout = chart()->layout())
        layout->activate();
    if (QGraphicsLayout *layout = chart()->legend()->layout())
        layout->activate();
    if (m_legendToFit)
        keepLegendWhole();
}

void LiveChart::keepLegendWhole()
{
    m_legendToFit = false;
    QLegend *legend = chart()->legend();
    if (!legend->isVisible() || (legend->alignment() & (Qt::AlignLeft | Qt::AlignRight)) == 0)
        return;
    // What the list needs beyond what it has now; the rest of the chart (title, margins)
    // stays as it is laid out.
    const qreal missing =
        legend->effectiveSizeHint(Qt::PreferredSize).height() - legend->geometry().height();
    if (missing > 0.5)
        setMinimumHeight(height() + int(std::ceil(missing)));
}

void LiveChart::useHairlines()
{
    // Grid lines, ticks and axis lines one pixel wide are drawn pixel for pixel the same by a
    // zero-width (cosmetic) pen without antialiasing. Qt Graphics View bounds a line item
    // whose pen has a width by stroking its outline, on every paint: the grid and ticks were
    // a third of a chart's full repaint (issue 12). Where a unit is more than a device pixel
    // (a scaled screen), the theme's pens stay.
    const qreal width = devicePixelRatioF() == 1.0 ? 0.0 : 1.0;
    for (QValueAxis *axis : {m_axisX, m_axisY}) {
        if (QPen pen = axis->gridLinePen(); pen.widthF() != width) {
            pen.setWidthF(width);
            axis->setGridLinePen(pen);
        }
        if (QPen pen = axis->linePen(); pen.widthF() != width) {
            pen.setWidthF(width);
            axis->setLinePen(pen);
        }
    }
}

void LiveChart::showEvent(QShowEvent *event)
{
    useHairlines(); // the screen, and its scale, may have changed
    drawPending();
    // The scene hands its changes to the view on the event loop's next pass, and the view
    // then has the window painted at once (QGraphicsView dispatches the window's pending
    // update request after each scene's changes): the Overview's three charts had the window
    // painted three times per snapshot, each time with one more chart new. Each chart instead
    // hands its scene's changes over as the window is about to paint, so one paint takes all.
    if (window() != m_window) {
        if (m_window)
            m_window->removeEventFilter(this);
        m_window = window();
        m_window->installEventFilter(this);
    }
    QChartView::showEvent(event);
}

bool LiveChart::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window && event->type() == QEvent::UpdateRequest && isVisible())
        QCoreApplication::sendPostedEvents(scene(), QEvent::MetaCall);
    return QChartView::eventFilter(watched, event);
}

void LiveChart::drawBackground(QPainter *painter, const QRectF &rect)
{
    QChartView::drawBackground(painter, rect);
    // Qt 6.4 splits a blend of 96 spans or more over its thread pool: 64 device rows a band
    // keep each under that. The item paints within its bounds; the bands cover what of them
    // is exposed. Clipped to whole pixels, each row is filled as the item fills it alone.
    if (!m_background || !m_background->isVisible() ||
        !(m_background->flags() & QGraphicsItem::ItemHasNoContents))
        return;
    const QTransform toScene = m_background->sceneTransform();
    const QRect area = painter->transform()
                           .mapRect(toScene.mapRect(m_background->boundingRect()) & rect)
                           .toAlignedRect();
    QStyleOptionGraphicsItem option;
    option.exposedRect = m_background->boundingRect();
    const int bandRows = std::max(1, int(64 / devicePixelRatioF()));
    for (int top = area.top(); top <= area.bottom(); top += bandRows) {
        painter->save();
        const QTransform toDevice = painter->transform();
        painter->resetTransform();
        painter->setClipRect(QRect(area.left(), top, area.width(), bandRows), Qt::IntersectClip);
        painter->setTransform(toScene * toDevice);
        painter->setOpacity(painter->opacity() * m_background->effectiveOpacity());
        m_background->paint(painter, &option, viewport());
        painter->restore();
    }
}

void LiveChart::drawPending() const
{
    if (m_pendingAt)
        const_cast<LiveChart *>(this)->draw(m_pendingAt); // the series are the chart's cache
}

void LiveChart::draw(qint64 nowMs)
{
    m_pendingAt = 0;
    // A column of the plot a pixel wide: PlotRuns keeps a few points of each.
    const QRectF area = chart()->plotArea();
    const int columns = std::max(50, int(area.width()));
    const double span = double(m_windowMs) / double(columns);
    double maxY = 1;
    QList<QPointF> gapMarks;
    m_drawn.clear();
    for (auto it = m_points.cbegin(); it != m_points.cend(); ++it) {
        const PlotRuns &plot = *m_drawn.insert(it.key(), PlotRuns::of(it.value(), span, nowMs));
        gapMarks << plot.gapMarks;
        maxY = std::max(maxY, plot.highest);
    }
    drawGapMarks(gapMarks);
    setValueRange(maxY);
    drawThinned();
}

void LiveChart::drawThinned()
{
    // Thinned on the axes just set, to what a pixel (a device pixel on a scaled screen) shows.
    const QRectF area = chart()->plotArea();
    const double pixel = 1.0 / devicePixelRatioF();
    for (auto it = m_drawn.cbegin(); it != m_drawn.cend(); ++it) {
        PlotRuns plot = it.value();
        if (!area.isEmpty())
            plot.simplify(double(m_windowMs) / 1000.0 / area.width() * pixel,
                          m_maxY / area.height() * pixel);
        m_shown.insert(it.key(), int(plot.shown));
        drawRuns(it.key(), plot.runs);
    }
}

void LiveChart::setValueRange(double highest)
{
    // Nice numbers, so the axis does not jitter with every new maximum; set only on change.
    const double niceMax = niceCeiling(highest * 1.1);
    if (niceMax != m_maxY) {
        m_maxY = niceMax;
        m_axisY->setRange(0, niceMax);
    }
}

void LiveChart::drawRuns(const QString &series, const QList<QList<QPointF>> &runs)
{
    QList<QLineSeries *> &pieces = m_series[series];
    while (pieces.size() < runs.size())
        pieces << newSegment(series, int(pieces.size()));
    for (qsizetype r = 0; r < pieces.size(); ++r) {
        if (r < runs.size())
            pieces[r]->replace(runs.at(r));
        else if (pieces[r]->count() > 0)
            pieces[r]->clear();
    }
}

void LiveChart::drawGapMarks(const QList<QPointF> &gapMarks)
{
    if (!gapMarks.isEmpty() && !m_gaps) {
        m_gaps = new QScatterSeries;
        m_gaps->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
        m_gaps->setMarkerSize(6);
        m_gaps->setColor(QColor(0xc0, 0x39, 0x2b));
        m_gaps->setBorderColor(QColor(0xc0, 0x39, 0x2b));
        m_gaps->setName(tr("no answer"));
        chart()->addSeries(m_gaps);
        m_gaps->attachAxis(m_axisX);
        m_gaps->attachAxis(m_axisY);
    }
    if (m_gaps && (m_gaps->count() > 0 || !gapMarks.isEmpty()))
        m_gaps->replace(gapMarks);
}

double LiveChart::niceCeiling(double value)
{
    // The next of 1, 2, 5 times a power of ten at or above value.
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(value, 1e-9))));
    for (double step : {1.0, 2.0, 5.0, 10.0})
        if (step * magnitude >= value)
            return step * magnitude;
    return 10 * magnitude;
}

} // namespace jobfirst::ui
