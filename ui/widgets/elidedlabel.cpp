// SPDX-License-Identifier: GPL-3.0-or-later
#include "widgets/elidedlabel.h"

#include <QEvent>

#include <algorithm>

namespace jobfirst::ui {

ElidedLabel::ElidedLabel(QWidget *parent) : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
}

void ElidedLabel::setFullText(const QString &text)
{
    m_fullText = text;
    setToolTip(text);
    elide();
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    elide();
}

void ElidedLabel::changeEvent(QEvent *event)
{
    QLabel::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        elide();
}

void ElidedLabel::elide()
{
    // One line: a message's line breaks would be cut by the status bar's height.
    const QString line = QString(m_fullText).replace(u'\n', u' ');
    const int room = contentsRect().width() - 2 * margin();
    QLabel::setText(fontMetrics().elidedText(line, Qt::ElideRight, std::max(0, room)));
}

} // namespace jobfirst::ui
