// SPDX-License-Identifier: GPL-3.0-or-later
// The Overview's card labels lay their text out once per change, and paint exactly what a
// QLabel with the same text, font, colour and alignment paints.
#include "widgets/statictextlabel.h"

#include <QtTest>

using namespace jobfirst::ui;

namespace {

/// The same settings on both labels: what the test compares is only how they paint.
void setUp(QLabel *label, const QString &text, const QString &styleSheet, double fontScale,
           Qt::Alignment alignment, int margin)
{
    label->setText(text);
    label->setStyleSheet(styleSheet);
    QFont f = label->font();
    if (fontScale != 1.0) {
        f.setPointSizeF(f.pointSizeF() * fontScale);
        f.setBold(true);
    }
    label->setFont(f);
    label->setAlignment(alignment);
    label->setMargin(margin);
    label->resize(240, 48);
}

} // namespace

class TestStaticTextLabel : public QObject
{
    Q_OBJECT

private slots:
    void paintsWhatQLabelPaints_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("styleSheet");
        QTest::addColumn<double>("fontScale");
        QTest::addColumn<int>("alignment");
        QTest::addColumn<int>("margin");
        const int left = int(Qt::AlignLeft | Qt::AlignVCenter);
        QTest::newRow("caption") << QStringLiteral("Avg response time, last 5 min")
                                 << QStringLiteral("color: palette(mid);") << 1.0 << left << 0;
        QTest::newRow("figure") << QStringLiteral("1,000") << QString() << 1.6 << left << 0;
        QTest::newRow("coloured figure")
            << QStringLiteral("99.8 %") << QStringLiteral("color: #c0392b;") << 1.6 << left << 0;
        QTest::newRow("dash") << QStringLiteral("—") << QString() << 1.6 << left << 0;
        QTest::newRow("Chinese") << QStringLiteral("平均响应时间，最近 5 分钟") << QString() << 1.0
                                 << left << 0;
        QTest::newRow("right, margin") << QStringLiteral("12 / 3") << QString() << 1.6
                                       << int(Qt::AlignRight | Qt::AlignBottom) << 3;
        QTest::newRow("centred") << QStringLiteral("12 ms") << QString() << 1.0
                                 << int(Qt::AlignCenter) << 0;
        QTest::newRow("top") << QStringLiteral("0") << QString() << 1.0
                             << int(Qt::AlignLeft | Qt::AlignTop) << 0;
        // Not one plain line: QLabel paints it.
        QTest::newRow("rich text")
            << QStringLiteral("<b>1</b> held") << QString() << 1.0 << left << 0;
    }
    void paintsWhatQLabelPaints()
    {
        QFETCH(QString, text);
        QFETCH(QString, styleSheet);
        QFETCH(double, fontScale);
        QFETCH(int, alignment);
        QFETCH(int, margin);
        QLabel reference;
        StaticTextLabel label;
        setUp(&reference, text, styleSheet, fontScale, Qt::Alignment(alignment), margin);
        setUp(&label, text, styleSheet, fontScale, Qt::Alignment(alignment), margin);
        const QImage expected = reference.grab().toImage();
        const QImage painted = label.grab().toImage();
        QCOMPARE(painted, expected);
        // And the text is there at all: not an image of an empty label on both sides.
        QLabel empty;
        setUp(&empty, QString(), styleSheet, fontScale, Qt::Alignment(alignment), margin);
        QVERIFY(painted != empty.grab().toImage());
    }

    // The figure on a card is repainted with every snapshot; it is laid out when it changes.
    void laysOutOnlyWhenTheTextChanges()
    {
        StaticTextLabel label(QStringLiteral("1,000"));
        label.resize(200, 40);
        label.show();
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        for (int i = 0; i < 10; ++i)
            label.repaint();
        QCOMPARE(label.layouts(), 1);
        const QImage before = label.grab().toImage();
        label.setText(QStringLiteral("999"));
        for (int i = 0; i < 10; ++i)
            label.repaint();
        QCOMPARE(label.layouts(), 2);
        // What is on screen is the new figure, as a QLabel shows it.
        QLabel reference(QStringLiteral("999"));
        reference.resize(label.size());
        const QImage after = label.grab().toImage();
        QVERIFY(after != before);
        QCOMPARE(after, reference.grab().toImage());
        // A new font (a language switch, a bigger figure) is laid out anew too.
        QFont f = label.font();
        f.setBold(true);
        label.setFont(f);
        label.repaint();
        QCOMPARE(label.layouts(), 3);
    }
};

QTEST_MAIN(TestStaticTextLabel)
#include "tst_statictextlabel.moc"
