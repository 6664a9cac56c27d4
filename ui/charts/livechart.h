// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QChartView>
#include <QHash>
#include <QList>
#include <QPointF>

#include <deque>
#include <functional>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace jobfirst::ui {

/// A scrolling time chart. Points are buffered per series and drawn once per tick with one
/// replace() per series (no clear+append, no animation); axis ranges are set explicitly.
class LiveChart final : public QChartView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveChart)

public:
    explicit LiveChart(std::function<QString()> title, std::function<QString()> unit, QWidget *parent = nullptr);

    void setWindowMs(qint64 ms) { m_windowMs = ms; }
    void addPoint(const QString &series, qint64 atMs, double value);
    /// Draws what was added since the last flush (does nothing while paused).
    void flush(qint64 nowMs);
    void setPaused(bool paused) { m_paused = paused; }
    bool paused() const { return m_paused; }
    void removeSeriesNotIn(const QStringList &names);
    void retranslate();
    int seriesCount() const { return int(m_series.size()); }
    int pointCount(const QString &series) const;

private:
    std::function<QString()> m_title;
    std::function<QString()> m_unit;
    QDateTimeAxis *m_axisX;
    QValueAxis *m_axisY;
    QHash<QString, QLineSeries *> m_series;
    QHash<QString, std::deque<QPointF>> m_points;
    qint64 m_windowMs = 5 * 60 * 1000;
    bool m_paused = false;
};

} // namespace jobfirst::ui
