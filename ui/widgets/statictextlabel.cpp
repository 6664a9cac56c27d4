// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/statictextlabel.h"

#include <QPainter>
#include <QStyleOption>
#include <QTextDocument>

namespace jobfirst::ui {

StaticTextLabel::StaticTextLabel(const QString &text, QWidget *parent) : QLabel(text, parent) {}

bool StaticTextLabel::isPlainLine() const
{
    const bool plain = textFormat() == Qt::PlainText ||
                       (textFormat() == Qt::AutoText && !Qt::mightBeRichText(text()));
    // QLabel indents its text by half an "x" when it has a frame and no indent of its own.
    const bool indented = indent() > 0 || (indent() < 0 && frameWidth() > 0);
    return plain && !indented && !wordWrap() && !text().contains(QLatin1Char('\n')) && !buddy() &&
           !(textInteractionFlags() & (Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard)) &&
           !isRightToLeft() && !text().isRightToLeft();
}

void StaticTextLabel::paintEvent(QPaintEvent *event)
{
    if (!isPlainLine()) {
        QLabel::paintEvent(event);
        return;
    }
    QPainter painter(this);
    drawFrame(&painter);
    if (text().isEmpty())
        return;
    if (!m_layout || m_laidOutText != text() || m_laidOutFont != font()) {
        // As QPainter::drawText lays out one line: no width to wrap at, the cache kept.
        m_layout.emplace(text(), font(), this);
        m_layout->setCacheEnabled(true);
        m_layout->beginLayout();
        m_layout->createLine().setLineWidth(0x01000000);
        m_layout->endLayout();
        m_laidOutText = text();
        m_laidOutFont = font();
        ++m_layouts;
    }
    // Where QLabel's style puts the line (QPainter::drawText): in the contents less the
    // margin, aligned by its advance and its height (not rounded).
    const QTextLine line = m_layout->lineAt(0);
    const QRectF room = contentsRect().adjusted(margin(), margin(), -margin(), -margin());
    const Qt::Alignment align = alignment();
    QPointF at = room.topLeft();
    if (align & Qt::AlignRight)
        at.rx() += room.width() - line.horizontalAdvance();
    else if (align & Qt::AlignHCenter)
        at.rx() += (room.width() - line.horizontalAdvance()) / 2;
    if (align & Qt::AlignBottom)
        at.ry() += room.height() - (line.ascent() + line.descent());
    else if (align & Qt::AlignVCenter)
        at.ry() += (room.height() - (line.ascent() + line.descent())) / 2;
    // The colour QLabel's style would take: the palette's (a style sheet's colour is in it)
    // in the state the widget is in.
    QStyleOption option;
    option.initFrom(this);
    painter.setPen(option.palette.color(foregroundRole()));
    line.draw(&painter, at);
}

} // namespace jobfirst::ui
