// SPDX-License-Identifier: GPL-3.0-or-later
// The console's style paints its scroll bars in bands (see ConsoleStyle): what an operator
// sees must be what the base style paints, in a light and a dark palette, whatever the
// handle's place, pressed or not.
#include "widgets/consolestyle.h"

#include <QPainter>
#include <QScrollBar>
#include <QStyleFactory>
#include <QStyleOptionSlider>
#include <QtTest>

#include <algorithm>
#include <cstdlib>
#include <memory>

using namespace jobfirst;

namespace {

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::Base, QColor(0x2a, 0x2a, 0x2a));
    p.setColor(QPalette::WindowText, Qt::white);
    p.setColor(QPalette::ButtonText, Qt::white);
    return p;
}

/// A scroll bar whose style option a test can take, to paint it as the style would.
class OptionBar final : public QScrollBar
{
public:
    using QScrollBar::initStyleOption;
    using QScrollBar::QScrollBar;
};

/// What `style` paints for the bar on an image of device pixel ratio `ratio`, the bar at
/// `offset` (logical pixels) from the image's corner: at a fractional ratio an odd offset puts
/// the bar's edge between device pixels, as a scroll bar in a window at 150 % often is.
QImage paintedAt(QStyle *style, OptionBar &bar, qreal ratio, QPoint offset)
{
    QStyleOptionSlider option;
    bar.initStyleOption(&option);
    option.subControls = QStyle::SC_All; // as QScrollBar::paintEvent() asks
    const QSize logical = bar.size() + QSize(offset.x(), offset.y());
    QImage image(QSize(qCeil(logical.width() * ratio), qCeil(logical.height() * ratio)),
                 QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.translate(offset);
    style->drawComplexControl(QStyle::CC_ScrollBar, &option, &painter, &bar);
    return image;
}

} // namespace

class TestConsoleStyle final : public QObject
{
    Q_OBJECT
private slots:
    void scrollBarsLookAsTheBaseStyleDrawsThem_data()
    {
        QTest::addColumn<Qt::Orientation>("orientation");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("value");
        QTest::addColumn<bool>("dark");
        QTest::addColumn<bool>("pressed");
        QTest::newRow("tall, top") << Qt::Vertical << QSize(14, 700) << 0 << false << false;
        QTest::newRow("tall, middle") << Qt::Vertical << QSize(14, 287) << 37 << false << false;
        QTest::newRow("tall, end, dark") << Qt::Vertical << QSize(14, 700) << 100 << true << false;
        QTest::newRow("tall, pressed") << Qt::Vertical << QSize(14, 450) << 60 << false << true;
        QTest::newRow("tall, pressed, dark")
            << Qt::Vertical << QSize(14, 450) << 60 << true << true;
        QTest::newRow("short") << Qt::Vertical << QSize(14, 50) << 10 << false << false;
        QTest::newRow("wide") << Qt::Horizontal << QSize(900, 14) << 50 << false << false;
    }
    void scrollBarsLookAsTheBaseStyleDrawsThem()
    {
        QFETCH(Qt::Orientation, orientation);
        QFETCH(QSize, size);
        QFETCH(int, value);
        QFETCH(bool, dark);
        QFETCH(bool, pressed);
        ui::ConsoleStyle console;
        const std::unique_ptr<QStyle> base(QStyleFactory::create(console.baseStyle()->name()));
        QVERIFY(base);
        QScrollBar bar(orientation);
        bar.resize(size);
        bar.setRange(0, 100);
        bar.setPageStep(30);
        bar.setValue(value);
        bar.setSliderDown(pressed);
        if (dark)
            bar.setPalette(darkPalette());
        bar.setStyle(base.get());
        const QImage expected = bar.grab().toImage();
        bar.setStyle(&console);
        const QImage painted = bar.grab().toImage();
        QCOMPARE(painted.size(), size);
        QVERIFY(painted.pixelColor(size.width() / 2, size.height() / 2) != QColor(Qt::black));
        QCOMPARE(painted, expected);
    }

    // The same at fractional scales (QT_SCALE_FACTOR=1.25, 1.5 and 1.75 on a laptop), where a
    // band of logical rows is not a whole number of device rows and the bar's edge may fall
    // between device pixels: no seam, no shift, no blur where the bands meet.
    void scrollBarsLookAsTheBaseStyleDrawsThemAtFractionalScales_data()
    {
        QTest::addColumn<Qt::Orientation>("orientation");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("value");
        QTest::addColumn<qreal>("ratio");
        QTest::addColumn<QPoint>("offset");
        for (const qreal ratio : {1.25, 1.5, 1.75})
            for (const QPoint offset : {QPoint(0, 0), QPoint(1, 1), QPoint(3, 7)}) {
                // The handle at the top, across bands (54 at 1.75 ends a device row above
                // one), at the end.
                for (const int value : {0, 37, 54, 100})
                    QTest::addRow("tall %d, %.2f, at %d,%d", value, ratio, offset.x(), offset.y())
                        << Qt::Vertical << QSize(14, 700) << value << ratio << offset;
                QTest::addRow("wide, %.2f, at %d,%d", ratio, offset.x(), offset.y())
                    << Qt::Horizontal << QSize(900, 14) << 60 << ratio << offset;
            }
    }
    void scrollBarsLookAsTheBaseStyleDrawsThemAtFractionalScales()
    {
        QFETCH(Qt::Orientation, orientation);
        QFETCH(QSize, size);
        QFETCH(int, value);
        QFETCH(qreal, ratio);
        QFETCH(QPoint, offset);
        ui::ConsoleStyle console;
        const std::unique_ptr<QStyle> base(QStyleFactory::create(console.baseStyle()->name()));
        QVERIFY(base);
        OptionBar bar(orientation);
        bar.resize(size);
        bar.setRange(0, 100);
        bar.setPageStep(30);
        bar.setValue(value);
        bar.setStyle(base.get());
        const QImage expected = paintedAt(base.get(), bar, ratio, offset);
        bar.setStyle(&console);
        const QImage painted = paintedAt(&console, bar, ratio, offset);
        QCOMPARE(painted.size(), expected.size());
        // Pixel for pixel, but for a level of rounding: a translucent edge is blended onto
        // the band's clear image, then onto the screen, rather than onto the screen at once.
        const auto apart = [](QRgb a, QRgb b) {
            return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                             std::abs(qBlue(a) - qBlue(b)), std::abs(qAlpha(a) - qAlpha(b))});
        };
        for (int y = 0; y < painted.height(); ++y)
            for (int x = 0; x < painted.width(); ++x)
                if (apart(painted.pixel(x, y), expected.pixel(x, y)) > 1)
                    QFAIL(qPrintable(QStringLiteral("device pixel %1,%2: %3, Fusion %4")
                                         .arg(x)
                                         .arg(y)
                                         .arg(painted.pixelColor(x, y).name(QColor::HexArgb),
                                              expected.pixelColor(x, y).name(QColor::HexArgb))));
    }

    // In a window, where the painter is the window's and the bar sits at an odd place in it:
    // run with QT_SCALE_FACTOR=1.5 too (tst_consolestyle_scaled), as on a laptop at 150 %.
    void scrollBarsInAWindowLookAsTheBaseStyleDrawsThem()
    {
        ui::ConsoleStyle console;
        const std::unique_ptr<QStyle> base(QStyleFactory::create(console.baseStyle()->name()));
        QVERIFY(base);
        QWidget window;
        window.resize(40, 720);
        QScrollBar bar(Qt::Vertical, &window);
        bar.setGeometry(3, 7, 14, 700);
        bar.setRange(0, 100);
        bar.setPageStep(30);
        bar.setValue(54);
        bar.setStyle(base.get());
        const QImage expected = window.grab().toImage();
        bar.setStyle(&console);
        const QImage painted = window.grab().toImage();
        QCOMPARE(painted.size(), expected.size());
        QCOMPARE(painted.devicePixelRatio(), window.devicePixelRatio());
        QCOMPARE(painted, expected);
    }
};

QTEST_MAIN(TestConsoleStyle)
#include "tst_consolestyle.moc"
