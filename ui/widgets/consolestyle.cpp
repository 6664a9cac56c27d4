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
    const auto *bar = qstyleoption_cast<const QStyleOptionSlider *>(option);
    // Bands of device rows, not logical ones: at a fractional scale (150 %) a band of logical
    // rows ends inside a device row, and the bar's edge may lie between device pixels, so
    // bands cut at logical rows left seams and shifted edges. The pixels the bar may touch:
    // its rect on the device, and the one an antialiased edge reaches past it.
    const QTransform toDevice = painter->deviceTransform();
    const QRect device =
        toDevice.mapRect(QRectF(option->rect)).toAlignedRect().adjusted(-1, -1, 1, 1);
    if (control != CC_ScrollBar || !bar || toDevice.type() > QTransform::TxScale ||
        device.height() <= bandRows) {
        QProxyStyle::drawComplexControl(control, option, painter, widget);
        return;
    }
    const QTransform toLogical = toDevice.inverted();
    QImage image(device.width(), bandRows, QImage::Format_ARGB32_Premultiplied);
    for (int top = device.top(); top <= device.bottom(); top += bandRows) {
        const QRect band(device.left(), top, device.width(),
                         std::min(bandRows, device.bottom() - top + 1));
        const QRectF logicalBand = toLogical.mapRect(QRectF(band));
        // Each band is painted whole into an image of its own rows: clipping the one painter
        // would not do, as Fusion replaces the clip to draw the groove's edge, and that edge,
        // translucent, then went on the screen once per band, darker each time.
        image.fill(Qt::transparent);
        {
            QPainter bandPainter(&image);
            bandPainter.setRenderHints(painter->renderHints());
            // The bar lands on the image's pixels as it would on the device's, sub-pixel
            // phase and all: the device's transform moved by whole pixels, nothing scaled
            // back and forth (a position rounded from 857.4999 is not one from 857.5).
            bandPainter.setWorldTransform(QTransform(toDevice.m11(), 0, 0, toDevice.m22(),
                                                     toDevice.dx() - band.left(),
                                                     toDevice.dy() - band.top()));
            // The parts not in the band (the arrows, mostly) are left out of its painting; a
            // part's edge lines reach a logical pixel past its rect (with antialiasing, more).
            QStyleOptionSlider part(*bar);
            for (const SubControl sc :
                 {SC_ScrollBarAddLine, SC_ScrollBarSubLine, SC_ScrollBarSlider})
                if (!QRectF(subControlRect(control, bar, sc, widget).adjusted(-2, -2, 2, 2))
                         .intersects(logicalBand))
                    part.subControls &= ~sc;
            QProxyStyle::drawComplexControl(control, &part, &bandPainter, widget);
        }
        painter->drawImage(logicalBand, image, QRectF(0, 0, band.width(), band.height()));
    }
}

} // namespace jobfirst::ui
