// SPDX-License-Identifier: GPL-3.0-or-later
// A table on a page that is not on screen measures nothing when its rows change: the Alerts
// page's ResizeToContents measured all its rows (up to 500 incidents) on every snapshot even
// while hidden, 25-50 ms of each Overview frame with ~1,000 nodes down (gui18's profile).
// Shown, its columns fit the rows on screen, measuring only those. Counted, not timed: the
// delegate counts the cells Qt asks the size of.
#include "cellsfit.h"
#include "pages/alertspage.h"

#include <QHeaderView>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QtTest>

using namespace jobfirst;

namespace {

/// Counts the cells whose size the view asks for (what ResizeToContents and a fit cost).
class CountingDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        ++m_calls;
        return QStyledItemDelegate::sizeHint(option, index);
    }
    mutable int m_calls = 0;
};

/// `n` open incidents, each raised `count` times: nodes down in a large cluster.
EngineSnapshot nodesDown(int n, int count)
{
    EngineSnapshot s;
    s.at = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < n; ++i) {
        Alert a;
        a.id = i + 1;
        a.at = s.at - 60000;
        a.lastAt = s.at;
        a.count = count;
        a.severity = Alert::Severity::Critical;
        a.kind = QStringLiteral("node.down");
        a.subject = QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0'));
        a.message = QStringLiteral("connection refused");
        s.openAlerts << a;
    }
    return s;
}

} // namespace

class TestHiddenTables final : public QObject
{
    Q_OBJECT

private slots:
    void hiddenAlertsMeasureNothingAndShownFitTheScreen()
    {
        QStackedWidget stack;
        auto *alerts = new ui::AlertsPage(nullptr);
        auto *overview = new QWidget;
        stack.addWidget(alerts);
        stack.addWidget(overview);
        stack.resize(1280, 820);
        stack.show();
        QVERIFY(QTest::qWaitForWindowExposed(&stack));
        auto *view = alerts->findChild<QTableView *>(QStringLiteral("alertTable"));
        QVERIFY(view);
        auto *delegate = new CountingDelegate(view);
        view->setItemDelegate(delegate);

        // The console on another page while 500 nodes are down, counted again each snapshot.
        stack.setCurrentWidget(overview);
        alerts->applySnapshot(nodesDown(500, 1));
        QCOMPARE(alerts->model()->rowCount(), 500);
        for (int count = 2; count <= 4; ++count) {
            delegate->m_calls = 0;
            alerts->applySnapshot(nodesDown(500, count));
            // The header's deferred resize runs on the next pass of the event loop.
            QCoreApplication::processEvents();
            QVERIFY2(
                delegate->m_calls == 0,
                qPrintable(
                    QStringLiteral("%1 cells measured on a hidden page").arg(delegate->m_calls)));
        }

        // Looked at: the columns fit the rows on screen, which are all that is measured.
        delegate->m_calls = 0;
        stack.setCurrentWidget(alerts);
        QTRY_VERIFY(delegate->m_calls > 0);
        const int measured = delegate->m_calls; // before the checks below measure again
        const int onScreen = view->rowAt(view->viewport()->height() - 1) - view->rowAt(0) + 1;
        QVERIFY(onScreen > 0 && onScreen < 100);
        QVERIFY2(measured <= 2 * onScreen * alerts->model()->columnCount(),
                 qPrintable(QStringLiteral("%1 cells measured for %2 rows on screen")
                                .arg(measured)
                                .arg(onScreen)));
        for (int c : {0, 2, 3, 4, 5})
            QCOMPARE(view->columnWidth(c), fittedWidth(view, c));
        // The alert takes the room the others leave: no sideways scroll.
        QVERIFY(view->horizontalHeader()->length() <= view->viewport()->width());
    }
};

QTEST_MAIN(TestHiddenTables)
#include "tst_hiddentables.moc"
