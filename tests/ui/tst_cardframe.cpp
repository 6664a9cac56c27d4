// SPDX-License-Identifier: GPL-3.0-or-later
// The Overview's card frames are drawn by the style once per size and look, and paint exactly
// what a QFrame of the same shape paints.
#include "widgets/cardframe.h"

#include <QLabel>
#include <QVBoxLayout>
#include <QtTest>

using namespace jobfirst::ui;

class TestCardFrame : public QObject
{
    Q_OBJECT

private slots:
    void paintsWhatQFramePaints_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("shape");
        QTest::newRow("card") << QSize(330, 76) << int(QFrame::StyledPanel);
        QTest::newRow("narrow") << QSize(40, 200) << int(QFrame::StyledPanel);
        QTest::newRow("box") << QSize(120, 60) << int(QFrame::Box);
        QTest::newRow("tiny") << QSize(2, 2) << int(QFrame::StyledPanel);
    }
    void paintsWhatQFramePaints()
    {
        QFETCH(QSize, size);
        QFETCH(int, shape);
        QFrame reference;
        CardFrame frame;
        for (QFrame *f : {&reference, static_cast<QFrame *>(&frame)}) {
            f->setFrameShape(QFrame::Shape(shape));
            f->resize(size);
        }
        const QImage expected = reference.grab().toImage();
        QCOMPARE(frame.grab().toImage(), expected);
        QFrame none;
        none.resize(size);
        if (size.width() > 2)
            QVERIFY(expected != none.grab().toImage()); // a frame was drawn at all
    }

    // Repainted with every snapshot, drawn by the style when its size or look changed; what
    // is inside (the labels) is painted as before.
    void drawsTheFrameOnlyWhenItChanges()
    {
        CardFrame frame;
        frame.setFrameShape(QFrame::StyledPanel);
        auto *label = new QLabel(QStringLiteral("1,000"));
        (new QVBoxLayout(&frame))->addWidget(label);
        frame.resize(300, 80);
        frame.show();
        if (frame.devicePixelRatioF() != 1.0)
            QSKIP("a scaled screen has QFrame paint the frame");
        QVERIFY(QTest::qWaitForWindowActive(&frame)); // an active window is a look of its own
        frame.repaint();
        const int first = frame.frameDraws();
        QVERIFY(first >= 1);
        for (int i = 0; i < 10; ++i)
            frame.repaint();
        QCOMPARE(frame.frameDraws(), first);
        label->setText(QStringLiteral("999"));
        frame.repaint();
        QCOMPARE(frame.frameDraws(), first);
        frame.resize(320, 80);
        frame.repaint();
        QCOMPARE(frame.frameDraws(), first + 1);
        QPalette p = frame.palette();
        p.setColor(QPalette::Window, Qt::darkGray);
        frame.setPalette(p);
        frame.repaint();
        QCOMPARE(frame.frameDraws(), first + 2);
        // And what it shows is the QFrame with the new look.
        QFrame reference;
        reference.setFrameShape(QFrame::StyledPanel);
        reference.setPalette(p);
        reference.resize(frame.size());
        auto *copy = new QLabel(QStringLiteral("999"));
        (new QVBoxLayout(&reference))->addWidget(copy);
        QCOMPARE(frame.grab().toImage(), reference.grab().toImage());
    }
};

QTEST_MAIN(TestCardFrame)
#include "tst_cardframe.moc"
