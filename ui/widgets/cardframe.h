// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>
#include <QPixmap>

class QStyle;

namespace jobfirst::ui {

/// The frame around a figure on the Overview, repainted with every snapshot on screen and
/// changed only when the card is resized or restyled: the style draws it once into a pixmap,
/// and each paint copies the frame's edges from it. A style draws a one-pixel outline with
/// the cosmetic stroker a pixel at a time (about 137k instructions a card, a fifth of the
/// Overview's full repaint); four copies of the edges cost a few thousand. On a scaled screen
/// the outline reaches past frameWidth(): QFrame paints it there.
class CardFrame final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CardFrame)

public:
    explicit CardFrame(QWidget *parent = nullptr);
    /// How many times the style drew the frame (for the tests: once per size and look).
    int frameDraws() const { return m_frameDraws; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    /// What the style's drawing depends on.
    struct Look
    {
        QSize size;
        qreal pixelRatio = 0;
        qint64 palette = 0;
        int state = 0;
        int frameStyle = 0;
        int lineWidth = 0;
        int midLineWidth = 0;
        const QStyle *style = nullptr;
        bool operator==(const Look &) const = default;
    };

    QPixmap m_frame;
    Look m_look;
    int m_frameDraws = 0;
};

} // namespace jobfirst::ui
