// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/consolestyle.h"

#include <QPaintDevice>
#include <QPainter>
#include <QStyleOptionSlider>

#include <algorithm>

namespace jobfirst::ui {

ConsoleStyle::ConsoleStyle(const QString &baseStyle) : QProxyStyle(baseStyle) {}

void ConsoleStyle::drawComplexControl(ComplexControl control, const QStyleOptionComplex *option,
                                      QPainter *painter, const QWidget *widget) const
{
    const QRect rect = option->rect;
    const qreal ratio = painter->device() ? painter->device()->devicePixelRatio() : 1.0;
    const int rows = std::max(1, int(bandRows / ratio)); // device rows, not logical ones
    const auto *bar = qstyleoption_cast<const QStyleOptionSlider *>(option);
    if (control != CC_ScrollBar || !bar || rect.height() <= rows) {
        QProxyStyle::drawComplexControl(control, option, painter, widget);
        return;
    }
    // Each band is painted whole into an image of its own rows: clipping the one painter
    // would not do, as Fusion replaces the clip to draw the groove's edge, and that edge,
    // translucent, then went on the screen once per band, darker each time.
    QImage image(QSize(rect.width(), rows) * ratio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    for (int top = rect.top(); top <= rect.bottom(); top += rows) {
        const QRect band(rect.left(), top, rect.width(), std::min(rows, rect.bottom() - top + 1));
        image.fill(Qt::transparent);
        {
            QPainter bandPainter(&image);
            bandPainter.translate(-band.topLeft());
            // The parts not in the band (the arrows, mostly) are left out of its painting.
            QStyleOptionSlider part(*bar);
            for (const SubControl sc :
                 {SC_ScrollBarAddLine, SC_ScrollBarSubLine, SC_ScrollBarSlider})
                if (!subControlRect(control, bar, sc, widget).intersects(band))
                    part.subControls &= ~sc;
            QProxyStyle::drawComplexControl(control, &part, &bandPainter, widget);
        }
        painter->drawImage(QRectF(band), image, QRectF(QPointF(0, 0), QSizeF(band.size()) * ratio));
    }
}

} // namespace jobfirst::ui
