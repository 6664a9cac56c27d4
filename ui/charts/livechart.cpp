// SPDX-License-Identifier: GPL-3.0-or-later
#include "charts/livechart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>


namespace jobfirst::ui {

LiveChart::LiveChart(std::function<QString()> title, std::function<QString()> unit, QWidget *parent)
    : QChartView(parent), m_title(std::move(title)), m_unit(std::move(unit)), m_axisX(new QDateTimeAxis),
      m_axisY(new QValueAxis)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_axisX->setFormat(QStringLiteral("HH:mm:ss"));
    m_axisX->setTickCount(5);
    m_axisY->setLabelFormat(QStringLiteral("%.0f"));
    m_axisY->setRange(0, 1);
    chart->addAxis(m_axisX, Qt::AlignBottom);
    chart->addAxis(m_axisY, Qt::AlignLeft);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing, false);
    setMinimumHeight(180);
    retranslate();
}

void LiveChart::retranslate()
{
    chart()->setTitle(m_title());
    m_axisY->setTitleText(m_unit());
}

void LiveChart::addPoint(const QString &name, qint64 atMs, double value)
{
    if (!m_series.contains(name)) {
        auto *series = new QLineSeries;
        series->setName(name);
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
            list << first;
            if (low.x() < high.x()) {
                if (low != first)
                    list << low;
                if (high != first && high != last)
                    list << high;
            } else {
                if (high != first)
                    list << high;
                if (low != first && low != last)
                    list << low;
            }
            if (last != first)
                list << last;
            maxY = std::max(maxY, high.y());
        }
        m_series.value(it.key())->replace(list);
    }
    m_axisX->setRange(QDateTime::fromMSecsSinceEpoch(nowMs - m_windowMs), QDateTime::fromMSecsSinceEpoch(nowMs));
    // Nice numbers, so the axis does not jitter with every new maximum.
    m_axisY->setRange(0, maxY * 1.1);
    m_axisY->applyNiceNumbers();
}

} // namespace jobfirst::ui
