// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QProxyStyle>

namespace jobfirst::ui {

/// The platform's style (Fusion on Linux), with its scroll bars painted in bands of rows.
/// Qt 6.4's raster engine splits a gradient or translucent fill of more than 96 rows over
/// Qt's global thread pool and the GUI thread waits for it: Fusion fills a vertical scroll
/// bar's groove with a gradient and edges it with translucent lines the bar's height, so
/// every repaint of a table's scroll bar waited on other threads dozens of times (session
/// 16). Painting the same control band by band, each into a small image of fewer rows, gives
/// the same pixels without the hand-off. Set once for the application (QApplication::setStyle).
class ConsoleStyle final : public QProxyStyle
{
    Q_OBJECT
public:
    /// Over the style of that name (as QStyleFactory knows it), or the platform's.
    explicit ConsoleStyle(const QString &baseStyle = QString());

    void drawComplexControl(ComplexControl control, const QStyleOptionComplex *option,
                            QPainter *painter, const QWidget *widget = nullptr) const override;

    /// Device rows per band: the raster engine keeps a fill of up to 95 rows on the calling
    /// thread.
    static constexpr int bandRows = 64;
};

} // namespace jobfirst::ui
