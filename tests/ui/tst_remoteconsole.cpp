// SPDX-License-Identifier: GPL-3.0-or-later
// The console attached to a jobfirstd started here: what a viewer and an admin may do, and
// what the screen says while the engine is away and after it is back.
#include "charts/livechart.h"
#include "config/clusterconfig.h"
#include "daemonprocess.h"
#include "dialogs/nodedialog.h"
#include "mainwindow.h"
#include "nodesimprocess.h"
#include "pages/alertspage.h"
#include "pages/configpage.h"
#include "pages/logspage.h"
#include "pages/nodespage.h"
#include "pages/overviewpage.h"
#include "pages/syncpage.h"
#include "remote/remoteenginesession.h"
#include "scriptedserver.h"
#include "widgets/slopanel.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestRemoteConsole final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    DaemonProcess m_daemon;
    NodeSimProcess m_node;
    QByteArray m_viewer, m_admin;

    QString db() const { return m_dir.filePath(QStringLiteral("c.db")); }
    QString config() const { return m_dir.filePath(QStringLiteral("c.json")); }

    template <typename T>
    static T await(QFuture<T> future)
    {
        while (!future.isFinished())
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return future.result();
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
    }

    /// A session on the daemon and the console window on it (null until one is opened);
    /// `failure` says why there is none when the daemon did not take the session.
    struct AttachedConsole
    {
        std::unique_ptr<RemoteEngineSession> session;
        std::unique_ptr<ui::MainWindow> window;
        QString failure;
    };
    enum class Shown { Now, Later };

    /// A session attached to the daemon with `token`, as the console attaches: no session
    /// when that failed, and the engine's words and the end of the daemon's log instead.
    AttachedConsole attach(const QByteArray &token)
    {
        AttachedConsole attached;
        attached.session =
            std::make_unique<RemoteEngineSession>(RemoteOptions{QUrl(m_daemon.url()), token, {}});
        const Status connected = await(attached.session->connectToEngine());
        if (connected.ok())
            return attached;
        attached.session.reset();
        attached.failure = QStringLiteral("cannot attach to %1: %2\nthe daemon's log ends: %3")
                               .arg(m_daemon.url(), connected.error().message,
                                    QString::fromUtf8(m_daemon.logs().right(2000)));
        return attached;
    }

    /// The console as an operator opens it on the daemon with `token`: attached, worded in
    /// `language`, the engine ready, and on screen unless the test shows it `Later`.
    AttachedConsole openConsole(const QByteArray &token,
                                const QString &language = QStringLiteral("en"),
                                Shown shown = Shown::Now)
    {
        AttachedConsole console = attach(token);
        if (!console.session)
            return console;
        console.window = std::make_unique<ui::MainWindow>(console.session.get());
        console.window->switchLanguage(language);
        console.window->engineReady();
        if (shown == Shown::Now)
            console.window->show();
        return console;
    }

    /// Adds node `id` at `url` through the admin API, as the admin: "" when it was made, or
    /// what the daemon answered.
    QString addNode(const QString &id, const QString &url) const
    {
        const QJsonObject node{{QStringLiteral("id"), id}, {QStringLiteral("url"), url}};
        const ApiReply added = apiCall(m_daemon.url(), "POST", QStringLiteral("/api/v1/nodes"),
                                       m_admin, QJsonDocument(node).toJson());
        return added.status == 201 ? QString()
                                   : QStringLiteral("adding node %1 answered HTTP %2: %3")
                                         .arg(id)
                                         .arg(added.status)
                                         .arg(QString::fromUtf8(added.body));
    }

    /// Starts the node simulator `sim` as `id` and adds it to the daemon: "" when both went.
    QString startNode(NodeSimProcess &sim, const QString &id) const
    {
        return sim.start(id) ? addNode(id, sim.url())
                             : QStringLiteral("the node simulator %1 did not start").arg(id);
    }

    /// Starts the daemon again on its store at `port`, the address it had before it stopped:
    /// a console attached to it comes back by itself.
    bool startDaemonAgain(quint16 port)
    {
        return m_daemon.start(db(), config(), {}, QStringLiteral("127.0.0.1:%1").arg(port));
    }

    static QAction *action(ui::NodesPage *page, const QString &text)
    {
        for (QAction *a : page->contextMenu()->actions())
            if (a->text() == text)
                return a;
        return nullptr;
    }

    /// The lightness of the darkest pixel of `index`'s cell: that of its text's colour.
    static int darkestIn(QTableView *view, const QModelIndex &index)
    {
        const QImage cell =
            view->viewport()->grab(view->visualRect(index).adjusted(1, 1, -1, -1)).toImage();
        int darkest = 255;
        for (int y = 0; y < cell.height(); ++y)
            for (int x = 0; x < cell.width(); ++x)
                darkest = std::min(darkest, QColor(cell.pixel(x, y)).lightness());
        return darkest;
    }

    /// A cell of the Sync page's target tables with a colour of its own, darker than the
    /// greyed text of a disabled view ("not tried since start"); invalid when there is none.
    static std::pair<QTableView *, QModelIndex> darkColouredCell(ui::SyncPage *page)
    {
        for (QTableView *view : {page->serviceTargetView(), page->nodeTargetView()}) {
            const int greyed =
                view->palette().color(QPalette::Disabled, QPalette::Text).lightness();
            QAbstractItemModel *model = view->model();
            for (int row = 0; row < model->rowCount(); ++row)
                for (int column = 0; column < model->columnCount(); ++column) {
                    const QModelIndex index = model->index(row, column);
                    const QVariant brush = index.data(Qt::ForegroundRole);
                    if (brush.isValid() && !index.data().toString().isEmpty() &&
                        brush.value<QBrush>().color().lightness() < greyed - 20)
                        return {view, index};
                }
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_node.start(QStringLiteral("r1")));
        QFile c(config());
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write(R"({"health_check_interval": "300ms", "health_check_timeout": "200ms", "fast_interval": "100ms", "targets": []})");
        c.close();
        m_viewer = read(makeToken(db(), m_dir.path(), QStringLiteral("watcher"), QStringLiteral("viewer")));
        m_admin = read(makeToken(db(), m_dir.path(), QStringLiteral("boss"), QStringLiteral("admin")));
        QVERIFY(!m_viewer.isEmpty() && !m_admin.isEmpty());
        QVERIFY2(m_daemon.start(db(), config()), m_daemon.logs().constData());
        const QString added = addNode(QStringLiteral("r1"), m_node.url());
        QVERIFY2(added.isEmpty(), qPrintable(added));
    }

    void aViewerSeesEverythingAndMayChangeNothing()
    {
        const AttachedConsole console = openConsole(m_viewer);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        window.showPage(1);
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowOfKey(QStringLiteral("r1")) >= 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(window.nodes()->model()->row(window.nodes()->model()->rowOfKey(QStringLiteral("r1"))).health,
                                  HealthState::Up, 10000);
        const QString engine = window.findChild<QLabel *>(QStringLiteral("engineLabel"))->text();
        QVERIFY2(engine.contains(QStringLiteral("127.0.0.1:%1").arg(m_daemon.port())) && engine.contains(QStringLiteral("viewer")),
                 qPrintable(engine));
        window.nodes()->table()->selectRow(0);
        QAction *drain = action(window.nodes(), QStringLiteral("Drain"));
        QVERIFY(drain);
        QVERIFY(!drain->isEnabled());
        QVERIFY2(drain->toolTip().contains(QStringLiteral("operator")), qPrintable(drain->toolTip()));
        QAction *remove = action(window.nodes(), QStringLiteral("Remove"));
        QVERIFY(remove && !remove->isEnabled());
        QVERIFY(remove->toolTip().contains(QStringLiteral("admin")));
        auto *retry = window.sync()->findChild<QPushButton *>(QStringLiteral("retrySelected"));
        QVERIFY(!retry->isEnabled());
        QVERIFY(retry->toolTip().contains(QStringLiteral("operator")));
        // Something that tries to enable it anyway does not get far.
        retry->setEnabled(true);
        QTRY_VERIFY(!retry->isEnabled());
        auto *apply = window.config()->findChild<QPushButton *>(QStringLiteral("applyConfig"));
        QVERIFY(apply && !apply->isEnabled());
        auto *editTarget = window.sync()->findChild<QPushButton *>(QStringLiteral("editTarget"));
        QVERIFY(editTarget && !editTarget->isEnabled());
        QVERIFY2(editTarget->toolTip().contains(QStringLiteral("admin")),
                 qPrintable(editTarget->toolTip()));
        // Backup and Restore are an admin's: disabled, and the tooltip says why.
        for (const char *name : {"backupAction", "restoreAction"}) {
            auto *a = window.findChild<QAction *>(QString::fromLatin1(name));
            QVERIFY2(a && !a->isEnabled(), name);
            QVERIFY2(a->toolTip().contains(QStringLiteral("admin")), qPrintable(a->toolTip()));
        }
        // The pages read the engine: the config is there, with secrets masked.
        window.showPage(4);
        QTRY_VERIFY_WITH_TIMEOUT(window.config()->editor()->toPlainText().contains(QStringLiteral("\"cluster_id\"")), 10000);
        QVERIFY(!window.config()->editor()->toPlainText().contains(QStringLiteral("\"cluster_secret\": \"whsec_")));
    }

    void anAdminAddsANodeThroughTheDialog()
    {
        NodeSimProcess extra;
        QVERIFY(extra.start(QStringLiteral("r2")));
        const AttachedConsole console = openConsole(m_admin);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        window.showPage(1);
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowCount() >= 1, 10000);
        window.nodes()->addNode();
        auto *dialog = window.nodes()->findChild<ui::NodeDialog *>();
        QVERIFY(dialog);
        dialog->findChild<QLineEdit *>(QStringLiteral("id"))->setText(QStringLiteral("r2"));
        dialog->findChild<QLineEdit *>(QStringLiteral("url"))->setText(extra.url());
        QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QTRY_VERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowOfKey(QStringLiteral("r2")) >= 0, 10000);
        const QJsonArray nodes = apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/nodes"), m_viewer).json().toArray();
        QCOMPARE(nodes.size(), 2);
        const QJsonArray audit = apiCall(m_daemon.url(), "GET", QStringLiteral("/api/v1/audit?limit=1"), m_viewer).json().toArray();
        QCOMPARE(audit.first()[QStringLiteral("actor")].toString(), QStringLiteral("api:boss"));
        QCOMPARE(apiCall(m_daemon.url(), "DELETE", QStringLiteral("/api/v1/nodes/r2"), m_admin).status, 204);
    }

    void theLogViewFiltersAndExports()
    {
        NodeSimProcess flaky;
        const QString started = startNode(flaky, QStringLiteral("r3"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const AttachedConsole console = openConsole(m_viewer);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        window.showPage(6);
        ui::LogsPage *logs = window.logs();
        // r3 comes up, then dies: both show, as health lines, while following.
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowOfKey(QStringLiteral("r3")) >= 0
                                     && window.nodes()->model()->row(window.nodes()->model()->rowOfKey(QStringLiteral("r3"))).health
                                            == HealthState::Up,
                                 10000);
        flaky.kill();
        const auto has = [logs](const QString &kind, const QString &node) {
            for (const LogEntry &e : logs->model()->rows())
                if (e.kind == kind && e.node == node)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(has(QStringLiteral("health.down"), QStringLiteral("r3")), 15000);
        QVERIFY(has(QStringLiteral("health.up"), QStringLiteral("r3")));
        QVERIFY(has(QStringLiteral("audit.node.add"), QStringLiteral("r3")));
        // Filters: one node; warnings and worse.
        logs->findChild<QLineEdit *>(QStringLiteral("logNode"))->setText(QStringLiteral("r3"));
        auto *level = logs->findChild<QComboBox *>(QStringLiteral("logLevel"));
        level->setCurrentIndex(level->findData(QStringLiteral("warning")));
        QTRY_VERIFY_WITH_TIMEOUT(!logs->model()->rows().isEmpty()
                                     && std::all_of(logs->model()->rows().cbegin(), logs->model()->rows().cend(), [](const LogEntry &e) {
                                            return e.node == QStringLiteral("r3") && logLevelRank(e.level) >= 2;
                                        }),
                                 10000);
        // Export writes the filtered lines, oldest first, as JSON Lines.
        QSignalSpy exported(logs, &ui::LogsPage::exported);
        const QString file = m_dir.filePath(QStringLiteral("log.jsonl"));
        logs->exportTo(file);
        QVERIFY(exported.wait(10000));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), logs->model()->rowCount());
        for (const QByteArray &line : lines) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QCOMPARE(o[QStringLiteral("node")].toString(), QStringLiteral("r3"));
            QVERIFY(o[QStringLiteral("level")].toString() == QStringLiteral("warning") || o[QStringLiteral("level")].toString() == QStringLiteral("error"));
        }
        // jobfirstctl reads the same log from the engine.
        const CtlRun ctl = runCtl({QStringLiteral("--server"), m_daemon.url(), QStringLiteral("--token-file"), m_dir.filePath(QStringLiteral("watcher.token")),
                                   QStringLiteral("logs"), QStringLiteral("--node"), QStringLiteral("r3"), QStringLiteral("--json")});
        QCOMPARE(ctl.code, 0);
        QVERIFY(ctl.out.contains("\"kind\":\"health.down\""));
        // The SLO panel reads the engine's figures.
        window.showPage(0);
        QTRY_VERIFY_WITH_TIMEOUT(!window.overview()->slo()->report().figures.isEmpty(), 10000);
        QVERIFY(window.overview()->slo()->report().figure(QStringLiteral("availability_1h")));
        QCOMPARE(apiCall(m_daemon.url(), "DELETE", QStringLiteral("/api/v1/nodes/r3"), m_admin).status, 204);
    }

    void whileTheEngineIsAwayNothingLooksLive()
    {
        const AttachedConsole console = openConsole(m_viewer);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        auto *nodesLabel = window.findChild<QLabel *>(QStringLiteral("nodesLabel"));
        auto *banner = window.findChild<QLabel *>(QStringLiteral("connectionBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(nodesLabel->text().startsWith(
                                     QStringLiteral("Nodes: 1 up, 0 down, 0 failed (1 in all)")),
                                 10000);
        QVERIFY(!banner->isVisible());
        window.showPage(3);
        QTRY_VERIFY_WITH_TIMEOUT(darkColouredCell(window.sync()).first, 10000);
        const auto [targets, cell] = darkColouredCell(window.sync());
        const int own =
            targets->model()->data(cell, Qt::ForegroundRole).value<QBrush>().color().lightness();
        QVERIFY2(darkestIn(targets, cell) <= own + 8, qPrintable(cell.data().toString()));

        const quint16 port = m_daemon.port();
        QCOMPARE(m_daemon.terminate(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        QVERIFY(banner->text().contains(QStringLiteral("lost")));
        // The Sync page greys out with its own colours: "not tried since start" kept its dark
        // grey on the greyed page and read as live (walk34).
        const int greyed = targets->palette().color(QPalette::Disabled, QPalette::Text).lightness();
        QVERIFY2(darkestIn(targets, cell) >= greyed - 8,
                 qPrintable(QStringLiteral("%1: %2, greyed text %3")
                                .arg(cell.data().toString())
                                .arg(darkestIn(targets, cell))
                                .arg(greyed)));
        QVERIFY(!window.isLive());
        QCOMPARE(nodesLabel->text(), QStringLiteral("—"));
        QVERIFY(!window.findChild<QStackedWidget *>()->isEnabled());
        // Since when, on the banner and on every chart (their time axis ends at "now").
        const QString lostAt = banner->text().section(QStringLiteral(" lost at "), 1).left(8);
        QVERIFY2(QTime::fromString(lostAt, QStringLiteral("HH:mm:ss")).isValid(),
                 qPrintable(banner->text()));
        const QList<ui::LiveChart *> charts = window.findChildren<ui::LiveChart *>();
        QVERIFY(charts.size() >= 3);
        for (ui::LiveChart *chart : charts) {
            QVERIFY(chart->stale());
            QVERIFY2(chart->chart()->title().contains(QStringLiteral("not live since ") + lostAt),
                     qPrintable(chart->chart()->title()));
        }

        // The engine comes back on its address: the console is live again by itself.
        QVERIFY2(startDaemonAgain(port), m_daemon.logs().constData());
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 20000);
        QVERIFY(window.isLive());
        QTRY_VERIFY_WITH_TIMEOUT(nodesLabel->text().startsWith(QStringLiteral("Nodes: ")), 10000);
        QVERIFY(window.findChild<QStackedWidget *>()->isEnabled());
        for (ui::LiveChart *chart : charts) {
            QVERIFY(!chart->stale());
            QVERIFY(!chart->chart()->title().contains(QStringLiteral("not live")));
        }
    }

    /// An operator's outage: the daemon stops, the console tries again and again. The banner
    /// said the first cause ("closed the stream") for the whole outage, while every try was
    /// refused; it now says how many tries failed, the latest one's cause and when the next is,
    /// and goes when the daemon is back, with what changed meanwhile on screen.
    void theBannerFollowsEachTryToReconnect()
    {
        const AttachedConsole console = openConsole(m_viewer);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        auto *banner = window.findChild<QLabel *>(QStringLiteral("connectionBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowOfKey(QStringLiteral("r1")) >= 0,
                                 10000);

        const quint16 port = m_daemon.port();
        QCOMPARE(m_daemon.terminate(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        // The port is closed once the daemon has gone: the tries after it are refused.
        QTRY_VERIFY2_WITH_TIMEOUT(
            banner->text().contains(QStringLiteral("failed, the latest with: connection refused")),
            qPrintable(banner->text()), 15000);
        const QString text = banner->text();
        QVERIFY2(!text.contains(QStringLiteral("closed the stream")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral(" lost at ")));
        const QTime next =
            QTime::fromString(text.section(QStringLiteral("Next attempt at "), 1).left(8),
                              QStringLiteral("HH:mm:ss"));
        QVERIFY2(next.isValid(), qPrintable(text));
        // The count follows the tries, and so does the time of the next.
        static const QRegularExpression failed(
            QStringLiteral("Reconnecting: (\\d+) attempts? failed"));
        const int tries = failed.match(text).captured(1).toInt();
        QVERIFY2(tries >= 1, qPrintable(text));
        QTRY_VERIFY2_WITH_TIMEOUT(
            banner->text().contains(
                QStringLiteral("Reconnecting: %1 attempts failed").arg(tries + 1)),
            qPrintable(banner->text()), 15000);
        // The wait doubles (1 s, 2 s, …): the next try is at another second.
        QVERIFY2(!banner->text().contains(QStringLiteral("Next attempt at ") +
                                          next.toString(QStringLiteral("HH:mm:ss"))),
                 qPrintable(banner->text()));

        // Changed while the daemon was away; back on its address, the console shows it.
        QCOMPARE(runCtl({QStringLiteral("--db"), db(), QStringLiteral("node"),
                         QStringLiteral("add"), QStringLiteral("--id"), QStringLiteral("r5"),
                         QStringLiteral("--url"), m_node.url()})
                     .code,
                 0);
        QVERIFY(window.nodes()->model()->rowOfKey(QStringLiteral("r5")) < 0);
        QVERIFY2(startDaemonAgain(port), m_daemon.logs().constData());
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 20000);
        QVERIFY(window.isLive());
        QTRY_VERIFY_WITH_TIMEOUT(window.nodes()->model()->rowOfKey(QStringLiteral("r5")) >= 0,
                                 10000);
        QCOMPARE(
            apiCall(m_daemon.url(), "DELETE", QStringLiteral("/api/v1/nodes/r5"), m_admin).status,
            204);
    }

    // A read of the success metrics that fails says so and why, in the console's language,
    // for as long as it fails; the figures come back with the first read that succeeds.
    void successMetricsSayWhyTheyCannotBeRead()
    {
        // Shown once the daemon has gone: the panel's first read fails.
        const AttachedConsole console =
            openConsole(m_viewer, QStringLiteral("zh_CN"), Shown::Later);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        const quint16 port = m_daemon.port();
        QCOMPARE(m_daemon.terminate(), 0);
        window.show();
        window.showPage(0);
        ui::SloPanel *panel = window.overview()->slo();
        auto *failure = panel->findChild<QLabel *>(QStringLiteral("sloFailure"));
        auto *table = panel->findChild<QTableWidget *>(QStringLiteral("sloTable"));
        QVERIFY(failure && table);
        const auto measured = [table] {
            QStringList cells;
            for (int r = 0; r < table->rowCount(); ++r)
                cells << table->item(r, 1)->text();
            return cells;
        };
        QTRY_VERIFY_WITH_TIMEOUT(failure->isVisible(), 10000);
        QVERIFY2(!failure->text().contains(QStringLiteral("engine")), qPrintable(failure->text()));
        // The engine's own words, with its address, are one hover away.
        QVERIFY2(failure->toolTip().contains(QStringLiteral("127.0.0.1:%1").arg(port)),
                 qPrintable(failure->toolTip()));
        window.switchLanguage(QStringLiteral("en"));
        QVERIFY2(failure->text().startsWith(QStringLiteral("The success metrics could not be "
                                                           "read: the engine cannot be reached")),
                 qPrintable(failure->text()));
        QVERIFY(table->rowCount() > 0);
        for (const QString &cell : measured())
            QCOMPARE(cell, QStringLiteral("could not be read"));
        // Still failing a few reads later: still said, not "measuring…".
        QSignalSpy reads(panel, &ui::SloPanel::refreshed);
        QTRY_VERIFY_WITH_TIMEOUT(reads.size() >= 2, 15000);
        QVERIFY(failure->isVisible());
        QCOMPARE(measured().first(), QStringLiteral("could not be read"));

        QVERIFY2(startDaemonAgain(port), m_daemon.logs().constData());
        QTRY_VERIFY_WITH_TIMEOUT(!failure->isVisible(), 20000);
        QVERIFY(!panel->report().figures.isEmpty());
        for (const QString &cell : measured())
            QVERIFY2(cell != QStringLiteral("could not be read") &&
                         cell != QStringLiteral("measuring…"),
                     qPrintable(cell));
    }

    // A consistency check whose session goes away before the engine answers (the target
    // never answers the digest request) says it was canceled; nothing reads a result that
    // never came.
    void checkOfADetachedSessionSaysCanceled()
    {
        ScriptedServer silent(QByteArray{}); // accepts, reads, never answers
        ClusterConfig c;
        c.healthCheckIntervalMs = 300;
        c.healthCheckTimeoutMs = 200;
        c.fastIntervalMs = 100;
        TargetConfig t;
        t.name = QStringLiteral("silent");
        t.url = silent.url(QStringLiteral("/sync"));
        t.events = {QStringLiteral("user.created")};
        t.secret = QStringLiteral("remote-console-signing-secret-001");
        c.targets = {t};
        const ApiReply applied =
            apiCall(m_daemon.url(), "PUT", QStringLiteral("/api/v1/config"), m_admin, c.toJson());
        QVERIFY2(applied.status == 200, applied.body.constData());

        AttachedConsole attached = attach(m_admin);
        QVERIFY2(attached.session, qPrintable(attached.failure));
        ui::SyncPage page(attached.session.get());
        EngineSnapshot named; // names the daemon's target, as the session's snapshots do
        named.sync.targets = {TargetStatus{}};
        named.sync.targets.first().name = t.name;
        page.applySnapshot(named);
        auto *check = page.findChild<QPushButton *>(QStringLiteral("checkConsistency"));
        auto *report = page.findChild<QPlainTextEdit *>(QStringLiteral("consistencyReport"));
        QVERIFY(check && report);
        QSignalSpy finished(&page, &ui::SyncPage::checkFinished);
        check->click();
        QVERIFY(!check->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(silent.accepted() > 0, 10000); // the engine is checking
        attached.session.reset();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY2(
            report->toPlainText().startsWith(QStringLiteral("Canceled before the engine answered")),
            qPrintable(report->toPlainText()));
        QVERIFY(check->isEnabled());
    }

    // An error answer without jobfirstd's "error" (another server at that address, a wrong
    // path, a proxy) names the URL, the path and what it means; it said "HTTP 404" alone.
    void anErrorAnswerWithoutAnErrorSaysWhoseItMayBe_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("meaning");
        QTest::newRow("404, empty")
            << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            << QStringLiteral("not a jobfirstd admin API, or an older one");
        QTest::newRow("404, another server's JSON")
            << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                          "Content-Length: 22\r\n\r\n{\"detail\":\"Not Found\"}")
            << QStringLiteral("not a jobfirstd admin API, or an older one");
        QTest::newRow("502 from a proxy")
            << QByteArray("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            << QStringLiteral("not an answer of a jobfirstd admin API (a proxy or another server "
                              "in between?)");
    }
    void anErrorAnswerWithoutAnErrorSaysWhoseItMayBe()
    {
        QFETCH(QByteArray, answer);
        QFETCH(QString, meaning);
        ScriptedServer other(answer);
        const QString base = other.url(QString());
        RemoteEngineSession session(RemoteOptions{QUrl(base), m_viewer, {}});
        const Status connected = await(session.connectToEngine());
        QVERIFY(!connected.ok());
        const QString message = connected.error().message;
        const int status = answer.mid(9, 3).toInt();
        QVERIFY2(message.contains(QStringLiteral("the server at %1 answered HTTP %2 for /api/v1/")
                                      .arg(base)
                                      .arg(status)),
                 qPrintable(message));
        QVERIFY2(message.endsWith(meaning), qPrintable(message));
    }

    // The daemon is killed and started again on its store while the console is attached (an
    // operator's walkthrough): a node still down is one open row all along, with its id and
    // the time it went down, and no row says "resolved" for an incident that goes on.
    void anIncidentOutlivesARestartOfTheDaemon()
    {
        NodeSimProcess gone;
        const QString started = startNode(gone, QStringLiteral("r9"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const AttachedConsole console = openConsole(m_viewer);
        QVERIFY2(console.window, qPrintable(console.failure));
        ui::MainWindow &window = *console.window;
        const auto rows = [&window] {
            QList<Alert> found;
            for (const Alert &a : window.alerts()->model()->rows())
                if (a.kind == u"node.down" && a.subject == u"r9")
                    found << a;
            return found;
        };
        // An incident that began and ended before: the daemon has given an id before r9's.
        const QString added = addNode(QStringLiteral("r8"), QStringLiteral("http://127.0.0.1:9"));
        QVERIFY2(added.isEmpty(), qPrintable(added));
        const auto ended = [&window] {
            for (const Alert &a : window.alerts()->model()->rows())
                if (a.kind == u"node.down" && a.subject == u"r8" && a.resolved())
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(window.alerts()->openCount() > 0, 20000);
        QCOMPARE(
            apiCall(m_daemon.url(), "DELETE", QStringLiteral("/api/v1/nodes/r8"), m_admin).status,
            204);
        QTRY_VERIFY_WITH_TIMEOUT(ended(), 20000);
        gone.kill();
        QTRY_VERIFY_WITH_TIMEOUT(rows().size() == 1 && !rows().first().resolved(), 20000);
        const Alert before = rows().first();

        // From here on, at every snapshot the console draws: one row, open, the same incident.
        QStringList untrue;
        connect(&window, &ui::MainWindow::snapshotApplied, this, [&] {
            const QList<Alert> now = rows();
            if (now.size() != 1)
                untrue << QStringLiteral("%1 rows").arg(now.size());
            else if (now.first().resolved())
                untrue << QStringLiteral("resolved");
            else if (now.first().id != before.id || now.first().at != before.at)
                untrue << QStringLiteral("incident %1 from %2")
                              .arg(now.first().id)
                              .arg(now.first().at);
        });
        auto *banner = window.findChild<QLabel *>(QStringLiteral("connectionBanner"));
        const quint16 port = m_daemon.port();
        m_daemon.kill();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        QVERIFY2(startDaemonAgain(port), m_daemon.logs().constData());
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 20000);
        // Long enough for the new run's checks to find the node down again.
        QSignalSpy drawn(&window, &ui::MainWindow::snapshotApplied);
        QTRY_VERIFY_WITH_TIMEOUT(drawn.count() >= 5, 20000);
        QVERIFY2(untrue.isEmpty(), qPrintable(untrue.join(QStringLiteral(", "))));
        QCOMPARE(rows().first().count, before.count);
        auto *model = window.alerts()->model();
        const int row = model->rowOfKey(QString::number(before.id));
        QVERIFY(row >= 0);
        QCOMPARE(model->index(row, 2).data().toString(), QStringLiteral("ongoing"));
        QCOMPARE(model->index(row, 4).data().toString(), ui::timeText(before.at));

        // Removed: its incident ends, and the row says when.
        QObject::disconnect(&window, &ui::MainWindow::snapshotApplied, this, nullptr);
        QCOMPARE(
            apiCall(m_daemon.url(), "DELETE", QStringLiteral("/api/v1/nodes/r9"), m_admin).status,
            204);
        QTRY_VERIFY_WITH_TIMEOUT(rows().first().resolved(), 10000);
        QVERIFY(rows().first().resolvedAt > 0);
    }

    void cleanupTestCase() { m_daemon.terminate(); }
};

QTEST_MAIN(TestRemoteConsole)
#include "tst_remoteconsole.moc"
