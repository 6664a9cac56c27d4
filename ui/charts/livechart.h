// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "charts/plotruns.h"

#include <QChartView>
#include <QHash>
#include <QList>
#include <QPen>
#include <QPointF>
#include <QPointer>
#include <QSet>

#include <deque>
#include <functional>

class QGraphicsRectItem;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace jobfirst::ui {

/// A scrolling time chart. Points are buffered per series and drawn once per tick with one
/// replace() per series (no clear+append, no animation). The time axis is "seconds ago" and
/// never moves, and the value axis moves only when its rounded maximum changes: every range
/// change makes Qt Charts rebuild and re-stroke every series, so a moving clock axis cost
/// three extra rebuilds per series per tick.
class LiveChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveChart)

public:
    explicit LiveChart(std::function<QString()> title, std::function<QString()> unit,
                       QWidget *parent = nullptr);

    void setWindowMs(qint64 ms);
    /// The time between snapshots (0: paused, the bound stays). Two points further apart than
    /// a few of these were not measured in between (the console stopped, the engine was not
    /// reached, the machine slept): the line breaks there, with no "no answer" mark.
    void setRefreshIntervalMs(qint64 ms);
    /// Points further apart than this are not joined.
    qint64 breakAfterMs() const { return m_breakAfterMs; }
    /// `series` is a stable key; its legend shows the key unless setSeriesTitle() gave a title.
    /// A NaN value is a gap: the line breaks there, and the chart marks the time on its
    /// "no answer" row at the bottom (a node that is not up has no latency to draw).
    void addPoint(const QString &series, qint64 atMs, double value);
    /// A series in the legend with no point added (a node measured by another daemon): its
    /// name and note say what there is to say. Nothing is marked on the "no answer" row.
    void addSeries(const QString &series);
    /// Drawn red and dashed, apart from the palette (failures must not look like a target).
    void setFailureSeries(const QString &series);
    /// A note after the legend title, e.g. the state of a node that is not up ("" for none).
    void setSeriesNote(const QString &series, const QString &note);
    /// A translatable legend title for a series key, re-read by retranslate().
    void setSeriesTitle(const QString &series, std::function<QString()> title);
    /// Draws what was added since the last flush (does nothing while paused). A chart that
    /// is not on screen draws when it is shown (or asked what it shows), not on every flush.
    /// What it draws is painted with the rest of the window, in the window's next paint.
    void flush(qint64 nowMs);
    void setPaused(bool paused) { m_paused = paused; }
    /// Not live (the engine cannot be reached) since `sinceMs`, or live again with 0: the
    /// title says since when and the lines fade, so old points never pass for current ones.
    void setStaleSince(qint64 sinceMs);
    bool stale() const { return m_staleSince > 0; }
    bool paused() const { return m_paused; }
    void removeSeriesNotIn(const QStringList &names);
    void retranslate();
    int seriesCount() const { return int(m_series.size()); }
    /// The points shown of a series (what a pixel column keeps of them); the line is drawn
    /// through fewer where a straight stretch passes within half a pixel of the rest.
    int pointCount(const QString &series) const;
    /// Pieces the series is drawn in (1 + the gaps that have points after them).
    int segmentCount(const QString &series) const;
    /// The newest value drawn for a series (NaN when none is drawn).
    double lastValue(const QString &series) const;
    /// Points on the "no answer" row: the times some series had a gap.
    int gapMarkCount() const;
    /// The colour a series is drawn in.
    QColor seriesColor(const QString &series) const;
    /// The palette: ten colours told apart also by people with the common colour blindness
    /// (Okabe-Ito and Tableau 10), none of them the failure red.
    static QList<QColor> palette();
    /// The legend text of a series ("" when there is no such series).
    QString seriesName(const QString &series) const;

    /// The next 1, 2 or 5 times a power of ten at or above value.
    static double niceCeiling(double value);

    bool eventFilter(QObject *watched, QEvent *event) override;

protected:
    void showEvent(QShowEvent *event) override;
    /// Paints the chart's background as its own item would, in bands (see m_background).
    void drawBackground(QPainter *painter, const QRectF &rect) override;

private:
    /// Draws the points buffered up to nowMs into the series.
    void draw(qint64 nowMs);
    /// The last draw's points, thinned for the plot's size now (and again when it changes).
    void drawThinned();
    /// The value axis from 0 to a round number above `highest`, set only when that changes.
    void setValueRange(double highest);
    /// A series' pieces get `runs`; pieces left over are emptied (kept for later gaps).
    void drawRuns(const QString &series, const QList<QList<QPointF>> &runs);
    /// The "no answer" row, made when the first gap is marked.
    void drawGapMarks(const QList<QPointF> &gapMarks);
    /// Draws a flush that waited for the chart to be shown, so what it is asked shows is
    /// what it would draw now.
    void drawPending() const;
    QLineSeries *newSegment(const QString &series, int index);
    void applyName(const QString &series);
    /// A legend at the side lists one name a line: the chart is made at least as high as
    /// that list (Qt Charts cut the last names off, "失败（全部）" at 1280×800, walk21).
    void keepLegendWhole();
    /// Zero-width pens for the grid and the axes where that draws the same pixels.
    void useHairlines();

    std::function<QString()> m_title;
    std::function<QString()> m_unit;
    QValueAxis *m_axisX;
    QValueAxis *m_axisY;
    QHash<QString, QList<QLineSeries *>>
        m_series; ///< key -> pieces; the first one has the legend entry
    QHash<QString, std::function<QString()>> m_titles;
    QHash<QString, QString> m_notes;
    QHash<QString, QPen> m_pens;
    QSet<QString> m_failureSeries;
    QScatterSeries *m_gaps = nullptr;
    int m_nextColor = 0;
    QHash<QString, std::deque<QPointF>> m_points;
    QHash<QString, int> m_shown; ///< key -> points shown at the last draw (pointCount())
    QHash<QString, PlotRuns> m_drawn; ///< key -> the last draw's points, before thinning
    qint64 m_windowMs = 5 * 60 * 1000;
    qint64 m_breakAfterMs = 3000; ///< three times the default refresh interval (1 s)
    double m_maxY = 0;
    bool m_paused = false;
    bool m_legendToFit = false; ///< names changed since the legend's height was last checked
    qint64 m_staleSince = 0;
    qint64 m_pendingAt = 0; ///< a flush not drawn while the chart was hidden (0: none)
    QPointer<QWidget> m_window; ///< the window whose paints take this chart's changes along
    /// Qt Charts' background item (a rounded rectangle the chart's size), painted by
    /// drawBackground() a band of rows at a time while the item has no contents of its own:
    /// Qt 6.4's raster engine hands a fill of more than about 96 rows to its thread pool and
    /// waits for it, and on a busy machine the GUI thread slept there for a core (issue 12).
    /// None where Qt Charts has no such item: it is then left to paint itself.
    QGraphicsRectItem *m_background = nullptr;
};

} // namespace jobfirst::ui
