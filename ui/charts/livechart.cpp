// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts/livechart.h"

#include <QChart>
#include <QDateTime>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>


namespace jobfirst::ui {

LiveChart::LiveChart(std::function<QString()> title, std::function<QString()> unit, QWidget *parent)
    : QChartView(parent), m_title(std::move(title)), m_unit(std::move(unit)), m_axisX(new QValueAxis),
      m_axisY(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_axisX->setLabelFormat(QStringLiteral("%.0f s"));
    m_axisX->setTickCount(7);
    m_axisX->setRange(-double(m_windowMs) / 1000.0, 0);
    m_axisY->setLabelFormat(QStringLiteral("%g"));
    m_axisY->setTickCount(6); // with maxima of 1, 2 or 5 times ten to the n, every label is round
    m_axisY->setRange(0, 1);
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing, false);
    setMinimumHeight(180);
    retranslate();
}

void LiveChart::setWindowMs(qint64 ms)
{
    m_windowMs = ms;
    m_axisX->setRange(-double(m_windowMs) / 1000.0, 0);
}

void LiveChart::retranslate()
{
    chart()->setTitle(m_title());
    m_axisY->setTitleText(m_unit());
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it)
        if (const auto title = m_titles.value(it.key()))
            it.value()->setName(title());
}

void LiveChart::setSeriesTitle(const QString &series, std::function<QString()> title)
{
    m_titles.insert(series, std::move(title));
    if (QLineSeries *s = m_series.value(series))
        s->setName(m_titles.value(series)());
}

void LiveChart::addPoint(const QString &name, qint64 atMs, double value)
{
    if (!m_series.contains(name)) {
        auto *series = new QLineSeries;
        const auto title = m_titles.value(name);
        series->setName(title ? title() : name);
        series->setUseOpenGL(false);
        chart()->addSeries(series);
        series->attachAxis(m_axisX);
        series->attachAxis(m_axisY);
        m_series.insert(name, series);
    }
    auto &points = m_points[name];
    points.emplace_back(double(atMs), value);
    while (!points.empty() && points.front().x() < double(atMs - m_windowMs))
        points.pop_front();
}

void LiveChart::removeSeriesNotIn(const QStringList &names)
{
    for (auto it = m_series.begin(); it != m_series.end();) {
        if (!names.contains(it.key())) {
            chart()->removeSeries(it.value());
            delete it.value();
            m_points.remove(it.key());
            it = m_series.erase(it);
        } else {
            ++it;
        }
    }
}

int LiveChart::pointCount(const QString &series) const
{
    const auto s = m_series.value(series);
    return s ? int(s->count()) : 0;
}

QString LiveChart::seriesName(const QString &series) const
{
    const auto s = m_series.value(series);
    return s ? s->name() : QString();
}

void LiveChart::flush(qint64 nowMs)
{
    if (m_paused)
        return;
    double maxY = 1;
    // A plot a few hundred pixels wide cannot show thousands of points: keep the first, the
    // lowest, the highest and the last point of each pixel column. Peaks stay visible and
    // the paint cost follows the width, not the history length.
    const int columns = std::max(50, int(chart()->plotArea().width()));
    const double span = double(m_windowMs) / double(columns);
    const double now = double(nowMs);
    const auto ago = [now](const QPointF &p) { return QPointF((p.x() - now) / 1000.0, p.y()); };
    for (auto it = m_points.cbegin(); it != m_points.cend(); ++it) {
        const auto &points = it.value();
        QList<QPointF> list;
        list.reserve(std::min<qsizetype>(qsizetype(points.size()), columns * 4));
        std::size_t i = 0;
        while (i < points.size()) {
            const double bucketEnd = points[i].x() + span;
            const QPointF first = points[i];
            QPointF low = first, high = first, last = first;
            for (++i; i < points.size() && points[i].x() < bucketEnd; ++i) {
                last = points[i];
                if (last.y() < low.y())
                    low = last;
                if (last.y() > high.y())
                    high = last;
            }
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
            maxY = std::max(maxY, high.y());
        }
        m_series.value(it.key())->replace(list);
    }
    // Nice numbers, so the axis does not jitter with every new maximum; set only on change.
    const double niceMax = niceCeiling(maxY * 1.1);
    if (niceMax != m_maxY) {
        m_maxY = niceMax;
        m_axisY->setRange(0, niceMax);
    }
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
