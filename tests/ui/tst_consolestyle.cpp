// SPDX-License-Identifier: GPL-3.0-or-later
// The console's style paints its scroll bars in bands (see ConsoleStyle): what an operator
// sees must be what the base style paints, in a light and a dark palette, whatever the
// handle's place, pressed or not.
#include "widgets/consolestyle.h"

#include <QScrollBar>
#include <QStyleFactory>
#include <QtTest>

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
};

QTEST_MAIN(TestConsoleStyle)
#include "tst_consolestyle.moc"
