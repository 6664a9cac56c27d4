// SPDX-License-Identifier: GPL-3.0-or-later
// The console's first window fits the screen it opens on. It opened at 1280×820 whatever the
// screen, so on a 1280×800 laptop its status bar was below the screen's edge (walk19).
// CTest runs this once per screen (an offscreen screen of 1280×800, one of 1920×1080, each
// with window frames), from the JSON files beside it; each run asks its primary screen.
#include "api/localenginesession.h"
#include "charts/livechart.h"
#include "mainwindow.h"
#include "pages/nodespage.h"
#include "pages/overviewpage.h"

#include <QGraphicsTextItem>
#include <QGuiApplication>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QScreen>
#include <QSettings>
#include <QTableView>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestMainWindow final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<LocalEngineSession> m_engine;

    static QRect available() { return QGuiApplication::primaryScreen()->availableGeometry(); }

    /// A window as the console opens it, shown, with its layouts settled.
    std::unique_ptr<ui::MainWindow> openWindow()
    {
        auto window = std::make_unique<ui::MainWindow>(m_engine.get());
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return {};
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCoreApplication::processEvents();
        return window;
    }

    /// Everything an operator needs on screen: the window with its frame, and the status bar.
    static QString offScreen(ui::MainWindow *window)
    {
        const QRect frame = window->frameGeometry();
        const QStatusBar *bar = window->statusBar();
        const QRect status(bar->mapToGlobal(QPoint(0, 0)), bar->size());
        if (!available().contains(frame))
            return QStringLiteral("the window %1 is not inside the screen %2")
                .arg(toString(frame), toString(available()));
        if (!bar->isVisible() || !available().contains(status))
            return QStringLiteral("the status bar %1 is not on the screen %2")
                .arg(toString(status), toString(available()));
        return {};
    }

    /// The names of the chart's legend that are not whole in the legend's part of the chart
    /// (Qt Charts clips what does not fit, or elides it).
    static QStringList cutLegendNames(QChartView *view)
    {
        QLegend *legend = view->chart()->legend();
        const QRectF shown =
            legend->mapRectToScene(legend->rect())
                .intersected(view->mapToScene(view->viewport()->rect()).boundingRect())
                .adjusted(-1, -1, 1, 1);
        QStringList cut;
        int names = 0;
        for (QGraphicsItem *item : view->scene()->items()) {
            auto *text = dynamic_cast<QGraphicsTextItem *>(item);
            if (!text || !text->isVisible() || !legend->isAncestorOf(text) ||
                text->toPlainText().isEmpty())
                continue;
            ++names;
            const QString name = text->toPlainText();
            const QRectF at = text->sceneBoundingRect();
            if (!shown.contains(at) || name.endsWith(u'…') || name.endsWith(QLatin1String("...")))
                cut << QStringLiteral("\"%1\" at %2,%3 %4x%5; the legend shows %6,%7 %8x%9")
                           .arg(name)
                           .arg(at.x())
                           .arg(at.y())
                           .arg(at.width())
                           .arg(at.height())
                           .arg(shown.x())
                           .arg(shown.y())
                           .arg(shown.width())
                           .arg(shown.height());
        }
        int markers = 0;
        for (QLegendMarker *m : legend->markers())
            markers += m->isVisible() && !m->label().isEmpty() ? 1 : 0;
        if (names != markers)
            cut << QStringLiteral("%1 names shown of %2 in the legend").arg(names).arg(markers);
        return cut;
    }

    static QString toString(const QRect &r)
    {
        return QStringLiteral("%1x%2+%3+%4").arg(r.width()).arg(r.height()).arg(r.x()).arg(r.y());
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("jobfirst-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QVERIFY(m_dir.isValid());
        // CTest runs this program for two screens side by side: one settings file between
        // them let one run's "language=zh_CN" reach the other's window.
        for (const QSettings::Format format : {QSettings::NativeFormat, QSettings::IniFormat})
            QSettings::setPath(format, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("console:test"));
        EngineOptions options;
        options.dbPath = m_dir.filePath(QStringLiteral("c.db"));
        options.healthChecks = false;
        options.deliver = false;
        QVERIFY(m_engine->start(options).result().ok());
        qInfo("the screen's free area: %s", qPrintable(toString(available())));
    }

    void init() { QSettings().clear(); }

    void cleanupTestCase()
    {
        if (m_engine)
            m_engine->stop();
    }

    // The arithmetic, on the screens operators have; a frame of a 24 px title bar and 4 px
    // borders.
    void fittedGeometry_data()
    {
        QTest::addColumn<QRect>("wanted");
        QTest::addColumn<QRect>("available");
        QTest::addColumn<QRect>("fitted");
        const QRect laptop(0, 0, 1280, 800);
        const QRect fullHd(0, 0, 1920, 1080);
        QTest::newRow("designed size, room for it")
            << QRect(320, 130, 1280, 820) << fullHd << QRect(320, 130, 1280, 820);
        QTest::newRow("designed size on a laptop")
            << QRect(0, -10, 1280, 820) << laptop << QRect(4, 24, 1272, 772);
        QTest::newRow("saved larger than the screen")
            << QRect(100, 100, 2400, 1400) << fullHd << QRect(4, 24, 1912, 1052);
        QTest::newRow("saved past the right and bottom edges")
            << QRect(1500, 900, 800, 600) << fullHd << QRect(1116, 476, 800, 600);
        QTest::newRow("saved above a top panel")
            << QRect(200, 0, 800, 600) << QRect(0, 32, 1280, 768) << QRect(200, 56, 800, 600);
        QTest::newRow("on a second screen")
            << QRect(1500, 100, 1280, 820) << QRect(1280, 0, 1280, 800)
            << QRect(1284, 24, 1272, 772);
    }
    void fittedGeometry()
    {
        QFETCH(QRect, wanted);
        QFETCH(QRect, available);
        QFETCH(QRect, fitted);
        QCOMPARE(ui::MainWindow::fittedGeometry(wanted, available, QMargins(4, 24, 4, 4)), fitted);
    }

    // Nothing saved: the designed size where the screen has room for it, else the room there
    // is, with the status bar on screen; in English and Chinese, on every page.
    void firstWindowFitsTheScreen_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("en") << QStringLiteral("en");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    }
    void firstWindowFitsTheScreen()
    {
        QFETCH(QString, language);
        QSettings().setValue(QStringLiteral("language"), language);
        const auto window = openWindow();
        QVERIFY(window);
        const QSize designed = ui::MainWindow::DesignedSize;
        for (int page = 0; page < window->pageCount(); ++page) {
            window->showPage(page);
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            QCoreApplication::processEvents();
            const QString off = offScreen(window.get());
            QVERIFY2(off.isEmpty(), qPrintable(QStringLiteral("page %1: %2").arg(page).arg(off)));
        }
        if (available().width() >= designed.width() + 100 &&
            available().height() >= designed.height() + 100)
            QCOMPARE(window->size(), designed);
        else // the room there is, not a small window in a corner of it
            QVERIFY2(window->width() >= available().width() - 40 &&
                         window->height() >= available().height() - 80,
                     qPrintable(toString(window->geometry())));
    }

    // Why delivery stands by, each reason worded as what it is, in English and Chinese: only
    // another process's lease reads "… delivers from this store" (a renewal that came late
    // read "(lease renewal answered too late) delivers from this store"). The reasons as the
    // engine's lease claims give them.
    void standbyReasonsSayWhatTheyAre_data()
    {
        QTest::addColumn<QString>("standbyFor");
        QTest::addColumn<QString>("english");
        QTest::addColumn<QString>("chinese");
        QTest::newRow("another process holds the lease")
            << QStringLiteral("host:42:ab12")
            << QStringLiteral("Sync backlog: 3 (delivery stands by: host:42:ab12 delivers from "
                              "this store)")
            << QStringLiteral("同步积压：3（投递待命：host:42:ab12 正在从此存储投递）");
        QTest::newRow("the other daemons hold every partition")
            << QStringLiteral("all 32 partitions held by a:1:x, b:2:y")
            << QStringLiteral("Sync backlog: 3 (delivery stands by: the other daemons hold every "
                              "partition (a:1:x, b:2:y))")
            << QStringLiteral("同步积压：3（投递待命：其他守护进程持有全部分区（a:1:x, b:2:y））");
        QTest::newRow("not started") << QStringLiteral("(not started)")
                                     << QStringLiteral("Sync backlog: 3 (delivery stands by: not "
                                                       "started yet)")
                                     << QStringLiteral("同步积压：3（投递待命：尚未启动）");
        QTest::newRow("renewal late")
            << QStringLiteral("(lease renewal answered too late)")
            << QStringLiteral("Sync backlog: 3 (delivery stands by: its lease renewal answered "
                              "too late)")
            << QStringLiteral("同步积压：3（投递待命：租约续期的应答来得太晚）");
        QTest::newRow("outbox stopped")
            << QStringLiteral("(the sync outbox is not running)")
            << QStringLiteral("Sync backlog: 3 (delivery stands by: the sync outbox is not "
                              "running)")
            << QStringLiteral("同步积压：3（投递待命：同步发件箱未在运行）");
        QTest::newRow("store unavailable")
            << QStringLiteral("(store unavailable: could not connect to server)")
            << QStringLiteral("Sync backlog: not known while the store cannot be reached")
            << QStringLiteral("同步积压：无法连接存储，暂时未知");
    }
    void standbyReasonsSayWhatTheyAre()
    {
        QFETCH(QString, standbyFor);
        QFETCH(QString, english);
        QFETCH(QString, chinese);
        const auto window = openWindow();
        QVERIFY(window);
        auto *backlog = window->findChild<QLabel *>(QStringLiteral("backlogLabel"));
        QVERIFY(backlog);
        EngineSnapshot s;
        s.at = QDateTime::currentMSecsSinceEpoch();
        s.sync.queueDepth = 3;
        s.sync.deliveryStandbyFor = standbyFor;
        emit m_engine->snapshot(s); // as the engine sends it
        QCOMPARE(backlog->text(), english);
        window->switchLanguage(QStringLiteral("zh_CN"));
        emit m_engine->snapshot(s); // as the engine sends it
        const QString shown = backlog->text();
        window->switchLanguage(QStringLiteral("en"));
        QCOMPARE(shown, chinese);
    }

    // While the store cannot be reached the Overview's counts read from it (backlog, held,
    // dead letters) are not shown as current: "—", and the count again once it answers. The
    // dead letters kept the last count (walk29: a frozen PostgreSQL, "Dead letters 0"), the
    // backlog's caption the last held count over its "—" (walk36: "(2,418 more held)").
    void theStoresCountsAreNotShownWhileItCannotBeReached()
    {
        const auto window = openWindow();
        QVERIFY(window);
        auto *backlog = window->findChild<QLabel *>(QStringLiteral("card6"));
        auto *dead = window->findChild<QLabel *>(QStringLiteral("card7"));
        QVERIFY(backlog && dead);
        EngineSnapshot s;
        s.at = QDateTime::currentMSecsSinceEpoch();
        s.sync.queueDepth = 5;
        s.sync.heldDeliveries = 2;
        TargetStatus target;
        target.name = QStringLiteral("user-service");
        target.deadLetters = 2;
        s.sync.targets << target;
        emit m_engine->snapshot(s);
        QCOMPARE(backlog->text(), QStringLiteral("3"));
        QCOMPARE(window->overview()->cardCaption(6), QStringLiteral("Sync backlog (2 more held)"));
        QCOMPARE(dead->text(), QStringLiteral("2"));
        s.at += 1000;
        s.sync.deliveryStandbyFor = QStringLiteral("(store unavailable: no answer from the server)");
        emit m_engine->snapshot(s);
        QCOMPARE(backlog->text(), QStringLiteral("—"));
        QCOMPARE(window->overview()->cardCaption(6), QStringLiteral("Sync backlog"));
        QCOMPARE(dead->text(), QStringLiteral("—"));
        QVERIFY2(dead->toolTip().contains(QStringLiteral("no answer from the server")),
                 qPrintable(dead->toolTip()));
        s.at += 1000;
        s.sync.deliveryStandbyFor.clear();
        emit m_engine->snapshot(s);
        QCOMPARE(backlog->text(), QStringLiteral("3"));
        QCOMPARE(window->overview()->cardCaption(6), QStringLiteral("Sync backlog (2 more held)"));
        QCOMPARE(dead->text(), QStringLiteral("2"));
        QVERIFY(dead->toolTip().isEmpty());
    }

    // The Overview's charts show every name of their legends on this screen: the last one
    // of "Deliveries per second per target" (the six services, then "failures (all)") was
    // cut at 1280×800 in Chinese, whose lines are taller (walk21).
    void overviewLegendsAreWhole_data() { firstWindowFitsTheScreen_data(); }
    void overviewLegendsAreWhole()
    {
        QFETCH(QString, language);
        QSettings().setValue(QStringLiteral("language"), language);
        const auto window = openWindow();
        QVERIFY(window);
        window->engineReady();
        window->showPage(0);
        const QList<ui::LiveChart *> charts = window->overview()->charts();
        QCOMPARE(charts.size(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(charts.at(2)->chart()->legend()->markers().size() >= 7, 20000);
        for (ui::LiveChart *chart : charts)
            QTRY_VERIFY2(cutLegendNames(chart).isEmpty(),
                         qPrintable(chart->chart()->title() + QStringLiteral(": ") +
                                    cutLegendNames(chart).join(QStringLiteral("; "))));
        QVERIFY2(offScreen(window.get()).isEmpty(), qPrintable(offScreen(window.get())));
    }

    // A node drained is "draining" whole in the Admin column, in either language: the column
    // was fitted to "ready" and a changed value brings no new fit ("drai…", walk29). Every
    // state has room from the start.
    void theAdminColumnHasRoomForEveryState_data() { firstWindowFitsTheScreen_data(); }
    void theAdminColumnHasRoomForEveryState()
    {
        QFETCH(QString, language);
        QSettings().setValue(QStringLiteral("language"), language);
        const QString id = QStringLiteral("admin-") + language;
        QVERIFY(m_engine->addNode(NodeSpec{id, QStringLiteral("http://127.0.0.1:9")}).result());
        const auto window = openWindow();
        QVERIFY(window);
        window->engineReady();
        window->showPage(1);
        ui::NodesPage *page = window->nodes();
        QTableView *table = page->table();
        int adminColumn = -1;
        for (int c = 0; c < table->model()->columnCount(); ++c)
            if (table->model()->headerData(c, Qt::Horizontal) == ui::NodesPage::tr("Admin"))
                adminColumn = c;
        QVERIFY(adminColumn >= 0);
        const auto shows = [&](const QString &text) {
            for (int r = 0; r < table->model()->rowCount(); ++r)
                if (table->model()->index(r, 0).data().toString() == id)
                    return table->model()->index(r, adminColumn).data() == text;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(shows(ui::adminText(AdminState::Ready)), 10000);
        QVERIFY(m_engine->setAdminState(id, AdminState::Drain).result());
        QTRY_VERIFY_WITH_TIMEOUT(shows(ui::adminText(AdminState::Drain)), 10000);
        const int margin =
            2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
        const QFontMetrics metrics(table->font());
        for (AdminState state : {AdminState::Ready, AdminState::Drain, AdminState::Maintenance}) {
            const QString text = ui::adminText(state);
            QTRY_VERIFY2(metrics.horizontalAdvance(text) + margin <=
                             table->columnWidth(adminColumn),
                         qPrintable(QStringLiteral("\"%1\" needs %2 px, the column has %3")
                                        .arg(text)
                                        .arg(metrics.horizontalAdvance(text) + margin)
                                        .arg(table->columnWidth(adminColumn))));
        }
        window->switchLanguage(QStringLiteral("en"));
    }

    // A message longer than the status bar's room is cut where one sees it is ("…") and is
    // whole in its tooltip: QLabel clipped it at the window's edge, mid-word (walk29).
    void aLongStatusMessageIsElidedAndWholeInItsTooltip()
    {
        const auto window = openWindow();
        QVERIFY(window);
        auto *label = window->findChild<QLabel *>(QStringLiteral("messageLabel"));
        QVERIFY(label);
        const QString message =
            QStringLiteral("Cannot open the cluster store /srv/jobfirst/%1/cluster.db: the "
                           "folder does not exist")
                .arg(QString(240, u'x'));
        window->showError(message);
        QCoreApplication::processEvents();
        const QFontMetrics metrics(label->font());
        QVERIFY2(metrics.horizontalAdvance(label->text()) <= label->contentsRect().width(),
                 qPrintable(QStringLiteral("%1 px of text in %2 px")
                                .arg(metrics.horizontalAdvance(label->text()))
                                .arg(label->contentsRect().width())));
        QVERIFY2(label->text().endsWith(u'…'), qPrintable(label->text()));
        QCOMPARE(label->toolTip(), message);
        // A narrower window shows less of it, still cut where it is seen to be.
        const QString wide = label->text();
        window->resize(window->width() - 200, window->height());
        QTRY_VERIFY(label->text().size() < wide.size());
        QVERIFY2(label->text().endsWith(u'…'), qPrintable(label->text()));
    }

    // A window saved on a larger screen (or a larger resolution) comes back onto this one.
    void savedGeometryLargerThanTheScreenIsClamped()
    {
        {
            const auto large = openWindow();
            QVERIFY(large);
            large->setGeometry(QRect(available().topLeft() + QPoint(200, 150),
                                     available().size() + QSize(600, 400)));
            QCoreApplication::processEvents();
            QVERIFY(!available().contains(large->frameGeometry())); // saved off screen
            large->close();
        }
        QVERIFY(!QSettings().value(QStringLiteral("window/geometry")).toByteArray().isEmpty());
        const auto window = openWindow();
        QVERIFY(window);
        const QString off = offScreen(window.get());
        QVERIFY2(off.isEmpty(), qPrintable(off));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
