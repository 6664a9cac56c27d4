// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/cardframe.h"

#include <QPainter>
#include <QStyleOptionFrame>

#include <algorithm>

namespace jobfirst::ui {

CardFrame::CardFrame(QWidget *parent) : QFrame(parent) {}

void CardFrame::paintEvent(QPaintEvent *event)
{
    const int width = frameWidth();
    QStyleOptionFrame option;
    initStyleOption(&option);
    const Look look{size(),
                    devicePixelRatioF(),
                    option.palette.cacheKey(),
                    int(option.state),
                    frameStyle(),
                    lineWidth(),
                    midLineWidth(),
                    style()};
    // Too small for edges apart from a middle, or a scaled screen (where Fusion's one-unit
    // outline reaches a device pixel into the contents): as QFrame paints it.
    if (width <= 0 || 2 * width >= std::min(look.size.width(), look.size.height()) ||
        look.pixelRatio != 1.0) {
        QFrame::paintEvent(event);
        return;
    }
    if (m_frame.isNull() || !(look == m_look)) {
        m_frame = QPixmap(look.size);
        m_frame.fill(Qt::transparent);
        QPainter painter(&m_frame);
        drawFrame(&painter);
        m_look = look;
        ++m_frameDraws;
    }
    // A frame lies within frameWidth() of the edges (the contents start there): the four
    // edges are copied, the middle is left to what is behind it, as QFrame leaves it.
    const int w = look.size.width(), h = look.size.height();
    QPainter painter(this);
    for (const QRect &edge :
         {QRect(0, 0, w, width), QRect(0, h - width, w, width),
          QRect(0, width, width, h - 2 * width), QRect(w - width, width, width, h - 2 * width)})
        painter.drawPixmap(edge, m_frame, edge);
}

} // namespace jobfirst::ui
