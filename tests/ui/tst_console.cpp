// SPDX-License-Identifier: GPL-3.0-or-later
// The console as an operator uses it: real engine thread, real store, real nodesim processes,
// real widgets on the offscreen platform.
#include "api/localenginesession.h"
#include "charts/livechart.h"
#include "consolelanguage.h"
#include "dialogs/nodedialog.h"
#include "mainwindow.h"
#include "nodesimprocess.h"
#include "pages/alertspage.h"
#include "pages/auditpage.h"
#include "pages/configpage.h"
#include "pages/logspage.h"
#include "pages/nodespage.h"
#include "pages/overviewpage.h"
#include "pages/syncpage.h"
#include "store/store.h"

#include <QAbstractItemModelTester>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSqlQuery>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestConsole final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    NodeSimProcess m_node;
    NodeSimProcess m_target;
    std::unique_ptr<LocalEngineSession> m_engine;
    std::unique_ptr<ui::MainWindow> m_window;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("console.db")); }
    QString configPath() const { return m_dir.filePath(QStringLiteral("console.json")); }

    QByteArray configJson(int maxNodes) const
    {
        ClusterConfig c;
        c.maxNodes = maxNodes;
        c.healthCheckIntervalMs = 300;
        c.healthCheckTimeoutMs = 200;
        c.fastIntervalMs = 100;
        c.syncRetryIntervalMs = 100;
        TargetConfig t;
        t.name = QStringLiteral("t0");
        t.url = m_target.url() + QStringLiteral("/sync");
        t.events = {QStringLiteral("user.created")};
        t.secret = QStringLiteral("console-test-signing-secret-0001");
        c.targets = {t};
        return c.toJson();
    }

    int maxNodes() const { return m_engine->config(false).result().value().maxNodes; }

    /// What the comparison of `version` with the running config says above its lines, then
    /// Close: empty when no comparison opened.
    QString comparisonSummary(int version)
    {
        auto *view = m_window->config()->findChild<QTableView *>(QStringLiteral("configVersions"));
        const auto *versions = m_window->config()->versions();
        for (int r = 0; r < versions->rowCount(); ++r)
            if (versions->row(r).version == version)
                view->selectRow(r);
        auto *compare =
            m_window->config()->findChild<QPushButton *>(QStringLiteral("compareConfig"));
        if (!compare)
            return {};
        compare->click();
        QDialog *dialog = nullptr;
        if (!QTest::qWaitFor(
                [&] {
                    dialog = m_window->config()->findChild<QDialog *>(QStringLiteral("configDiff"));
                    return dialog != nullptr;
                },
                5000))
            return {};
        const auto *summary = dialog->findChild<QLabel *>(QStringLiteral("diffSummary"));
        const QString text = summary ? summary->text() : QString();
        delete dialog;
        return text;
    }

    /// The roll-back confirmation for `version`, as Roll back to this version… opens it;
    /// null when the page did not ask.
    QMessageBox *askToRollBack(int version)
    {
        auto *view = m_window->config()->findChild<QTableView *>(QStringLiteral("configVersions"));
        const auto *versions = m_window->config()->versions();
        for (int r = 0; r < versions->rowCount(); ++r)
            if (versions->row(r).version == version)
                view->selectRow(r);
        m_window->config()->findChild<QPushButton *>(QStringLiteral("rollbackConfig"))->click();
        return m_window->config()->findChild<QMessageBox *>(QStringLiteral("confirmRollback"));
    }

    /// The text of the roll-back confirmation for `version`, then Cancel: empty when the page
    /// did not ask.
    QString rollbackConfirmation(int version)
    {
        QMessageBox *box = askToRollBack(version);
        if (!box)
            return {};
        const QString text = box->text();
        box->reject(); // a person clicks Cancel: nothing changes
        delete box;
        return text;
    }

    static void writeFile(const QString &path, const QByteArray &content)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
    }

    static void type(QWidget *root, const char *field, const QString &text)
    {
        auto *e = root->findChild<QLineEdit *>(QString::fromLatin1(field));
        QVERIFY(e);
        e->clear();
        QTest::keyClicks(e, text);
    }

    /// Applies the configs of max_nodes `first` and `first + 1` and shows the Config page
    /// once it lists the newer version; false when either is refused or the page does not.
    bool twoVersionsListed(int first, int &older, int &newer)
    {
        const auto a = m_engine->applyConfig(configJson(first)).result();
        const auto b = m_engine->applyConfig(configJson(first + 1)).result();
        if (!a || !b)
            return false;
        older = a.value();
        newer = b.value();
        m_window->showPage(4);
        m_window->config()->reload();
        return QTest::qWaitFor(
            [&] {
                return m_window->config()->versions()->rowCount() > 0 &&
                       m_window->config()->versions()->row(0).version == newer;
            },
            5000);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_node.start(QStringLiteral("node-a")));
        m_target.setSecret(QStringLiteral("console-test-signing-secret-0001"));
        QVERIFY(m_target.start(QStringLiteral("t0")));
        writeFile(configPath(), configJson(10));
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("console:test"));
        EngineOptions options;
        options.dbPath = dbPath();
        options.configPath = configPath();
        options.refreshMs = 100;
        QVERIFY(m_engine->start(options).result().ok());
        m_window = std::make_unique<ui::MainWindow>(m_engine.get());
        m_window->switchLanguage(QStringLiteral("en"));
        m_window->engineReady();
        m_window->setRefreshInterval(100);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // Every model is checked for consistency on every change, for the whole run.
        for (QAbstractItemModel *m : std::initializer_list<QAbstractItemModel *>{
                 m_window->nodes()->model(), m_window->nodes()->historyModel(), m_window->sync()->targetModel(),
                 m_window->sync()->deadLetterModel(), m_window->sync()->queueModel(), m_window->sync()->attemptModel(),
                 m_window->audit()->model(), m_window->config()->versions()})
            m_testers.push_back(std::make_unique<QAbstractItemModelTester>(m, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }

    void cleanupTestCase()
    {
        m_testers.clear();
        m_window.reset();
        m_engine->stop();
    }

    void addNodeThroughTheDialog()
    {
        m_window->showPage(1);
        m_window->nodes()->addNode();
        auto *dialog = m_window->nodes()->findChild<ui::NodeDialog *>();
        QVERIFY(dialog);
        type(dialog, "id", QStringLiteral("node-a"));
        type(dialog, "url", QStringLiteral("not a url"));
        QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("urlError"))->isVisible());
        QPushButton *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());
        type(dialog, "url", m_node.url());
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->nodes()->model()->rowOfKey(QStringLiteral("node-a")) >= 0, 5000);
        const int row = m_window->nodes()->model()->rowOfKey(QStringLiteral("node-a"));
        QTRY_COMPARE_WITH_TIMEOUT(m_window->nodes()->model()->row(m_window->nodes()->model()->rowOfKey(QStringLiteral("node-a"))).health,
                                  HealthState::Up, 10000);
        Q_UNUSED(row)
        auto store = Store::open(dbPath()); // a second connection, as another process would
        QVERIFY(store.ok());
        const auto nodes = store.value()->loadNodes().value();
        QCOMPARE(nodes.size(), 1);
        QCOMPARE(nodes.first().url, m_node.url());
        QCOMPARE(m_window->findChild<QLabel *>(QStringLiteral("nodesLabel"))->text(),
                 QStringLiteral("Nodes: 1 up, 0 down, 0 failed (1 in all)"));
    }

    void drainFromTheContextMenu()
    {
        m_window->showPage(1);
        QTableView *table = m_window->nodes()->table();
        QTRY_VERIFY(table->model()->rowCount() == 1);
        table->selectRow(0);
        QMenu *menu = m_window->nodes()->contextMenu();
        QAction *drain = nullptr;
        for (QAction *a : menu->actions())
            if (a->text() == QStringLiteral("Drain"))
                drain = a;
        QVERIFY(drain);
        QVERIFY(drain->isEnabled());
        drain->trigger();
        menu->close();
        QTRY_COMPARE_WITH_TIMEOUT(m_window->nodes()->model()->row(0).spec.adminState, AdminState::Drain, 5000);
        QCOMPARE(Store::open(dbPath()).value()->loadNodes()->first().adminState, AdminState::Drain);
        // Drained: no traffic goes there.
        const auto pick = m_engine->pick(PickRequest{}).result();
        QVERIFY(!pick.ok());
        QCOMPARE(pick.error().code, QStringLiteral("pick.no_node"));
    }

    void retryADeadLetterAndSeeItLeaveTheList()
    {
        QVERIFY(m_target.control({{QStringLiteral("status"), 400}})); // refused for good: dead at once
        SyncEvent ev;
        ev.type = QStringLiteral("user.created");
        ev.userId = QStringLiteral("lin");
        QVERIFY(m_engine->sendEvents({ev}, SyncMode::RealTime, {}).result().ok());
        m_window->showPage(3);
        m_window->sync()->tabs()->setCurrentIndex(2);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->sync()->deadLetterModel()->rowCount(), 1, 10000);
        QCOMPARE(m_window->sync()->deadLetterModel()->row(0).userId, QStringLiteral("lin"));
        m_window->sync()->deadLetterView()->selectRow(0);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->sync()->attemptModel()->rowCount(), 1, 5000);
        QCOMPARE(m_window->sync()->attemptModel()->row(0).httpStatus, 400);
        QVERIFY(m_target.control({{QStringLiteral("reset"), true}}));
        QTest::mouseClick(m_window->sync()->findChild<QPushButton *>(QStringLiteral("retrySelected")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->sync()->deadLetterModel()->rowCount(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1, 10000);
        m_window->showPage(5);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->audit()->model()->rowCount() > 0 &&
                                     m_window->audit()->model()->row(0).action == QStringLiteral("dlq.retry"), 5000);
    }

    // Pause and Resume act on the target chosen in a table: with none chosen they cannot be
    // clicked (they could, and did nothing: walk19), and once one is, they pause and resume it.
    void targetButtonsActOnTheChosenTarget()
    {
        m_window->showPage(3);
        ui::SyncPage *sync = m_window->sync();
        sync->tabs()->setCurrentIndex(0);
        auto *pause = sync->findChild<QPushButton *>(QStringLiteral("pauseTarget"));
        auto *resume = sync->findChild<QPushButton *>(QStringLiteral("resumeTarget"));
        QVERIFY(pause && resume);
        sync->serviceTargetView()->clearSelection();
        sync->nodeTargetView()->clearSelection();
        QTRY_VERIFY(pause->isVisible());
        QVERIFY(!pause->isEnabled());
        QVERIFY(!resume->isEnabled());
        const auto paused = [sync] {
            const auto *m = sync->targetModel();
            const int row = m->rowOfKey(QStringLiteral("t0"));
            return row >= 0 && m->row(row).paused;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sync->serviceTargetView()->model()->rowCount() > 0, 5000);
        sync->serviceTargetView()->selectRow(0);
        // Only what would change the target is offered, and the buttons follow its state.
        QVERIFY(pause->isEnabled() && !resume->isEnabled());
        QTest::mouseClick(pause, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(paused(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(resume->isEnabled() && !pause->isEnabled(), 5000);
        QTest::mouseClick(resume, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!paused(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(pause->isEnabled() && !resume->isEnabled(), 5000);
        sync->serviceTargetView()->clearSelection();
        QVERIFY(!pause->isEnabled());
    }

    void badConfigFileIsReportedAndTheOldOneKept()
    {
        m_window->showPage(4);
        writeFile(configPath(), R"({"max_nodes": "lots"})");
        auto *banner = m_window->config()->findChild<QLabel *>(QStringLiteral("reloadBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        QVERIFY(banner->text().contains(QStringLiteral("max_nodes")));
        QCOMPARE(maxNodes(), 10);
        // Its incident says what kind of error it is in the chosen language (from the error's
        // code), then the engine's detail: it stayed English in the Chinese console.
        const auto configAlertTip = [this] {
            auto *model = m_window->alerts()->model();
            for (int r = 0; r < model->rowCount(); ++r)
                if (model->row(r).kind == u"config" && !model->row(r).resolved())
                    return model->data(model->index(r, 1), Qt::ToolTipRole).toString();
            return QString();
        };
        QTRY_VERIFY_WITH_TIMEOUT(!configAlertTip().isEmpty(), 5000);
        // The banner says the running config is kept once (the engine's message said it too).
        QVERIFY2(banner->text().count(QStringLiteral("running config is kept")) == 1,
                 qPrintable(banner->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const QString kind =
            QCoreApplication::translate("Error", "a setting has a value the engine cannot use");
        const QString chineseTip = configAlertTip();
        const QString chineseBanner = banner->text();
        m_window->switchLanguage(QStringLiteral("en"));
        QVERIFY(!kind.startsWith(QStringLiteral("a setting")));
        QVERIFY2(chineseTip.startsWith(kind) && chineseTip.contains(QStringLiteral("max_nodes")),
                 qPrintable(chineseTip));
        // So does the banner: the kind of error in Chinese, the engine's detail (the key) kept.
        QVERIFY2(chineseBanner.contains(kind) &&
                     chineseBanner.contains(QStringLiteral("max_nodes")) &&
                     !chineseBanner.contains(QStringLiteral("running config is kept")),
                 qPrintable(chineseBanner));
        QVERIFY2(
            banner->text().contains(QStringLiteral("a setting has a value the engine cannot use")),
            qPrintable(banner->text()));
        writeFile(configPath(), configJson(12));
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 12, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->config()->versions()->rowCount() >= 2, 5000);
        QVERIFY(m_window->config()->versions()->row(0).actor.startsWith(QStringLiteral("file:")));
        // The good file runs: the page no longer says the file could not be used.
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 5000);
        QTRY_VERIFY(m_window->config()->editor()->toPlainText().contains(
            QStringLiteral("\"max_nodes\": 12")));
    }

    /// A rejected file put back as the config that runs applies nothing (no new version),
    /// and the banner that said the file could not be used goes with the incident (walk28:
    /// it stayed for good, even after "Revert to running").
    void aConfigFilePutBackEndsItsBanner()
    {
        m_window->showPage(4);
        QFile file(configPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray running = file.readAll();
        file.close();
        auto *banner = m_window->config()->findChild<QLabel *>(QStringLiteral("reloadBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->config()->versions()->rowCount() > 0, 5000);
        const int versions = m_window->config()->versions()->rowCount();
        writeFile(configPath(), R"({"max_nodes": "many"})");
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
        writeFile(configPath(), running);
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 10000);
        QCOMPARE(m_window->config()->versions()->rowCount(), versions);
    }

    void editsInTheConfigEditorAreNotWipedBehindTheOperatorsBack()
    {
        m_window->showPage(4);
        QPlainTextEdit *editor = m_window->config()->editor();
        QTRY_VERIFY(editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 12")));
        const QString typed = editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 12"),
                                                            QStringLiteral("\"max_nodes\": 14"));
        editor->setPlainText(typed);
        // A look at another page and back keeps what was typed.
        m_window->showPage(0);
        m_window->showPage(4);
        const int versions = m_window->config()->versions()->rowCount();
        // Another version runs meanwhile (the file edited by someone else): the edits stay,
        // and the page says the running config changed under them.
        writeFile(configPath(), configJson(13));
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 13, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->config()->versions()->rowCount() > versions, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->config()->editsKeptNote()->isVisible(), 5000);
        QCOMPARE(editor->toPlainText(), typed);
        QVERIFY(m_window->config()
                    ->findChild<QPushButton *>(QStringLiteral("applyConfig"))
                    ->isEnabled());
        // Applying them makes them what runs; the note goes.
        m_window->config()->apply();
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 14, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->config()->editsKeptNote()->isVisible(), 5000);
        QTRY_VERIFY(!m_window->config()
                         ->findChild<QPushButton *>(QStringLiteral("applyConfig"))
                         ->isEnabled());
        // With no edits, a version applied elsewhere is shown as it runs.
        writeFile(configPath(), configJson(12));
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 12, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 12")), 5000);
        QVERIFY(!m_window->config()->editsKeptNote()->isVisible());
    }

    void editingConfigInTheConsoleValidatesAndApplies()
    {
        m_window->showPage(4);
        QPlainTextEdit *editor = m_window->config()->editor();
        QTRY_VERIFY(editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 12")));
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 12"), QStringLiteral("\"max_nodes\": 0")));
        QVERIFY(m_window->config()->errorLabel()->text().contains(QStringLiteral("max_nodes")));
        QVERIFY(!m_window->config()->findChild<QPushButton *>(QStringLiteral("applyConfig"))->isEnabled());
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 0"), QStringLiteral("\"max_nodes\": 20")));
        QVERIFY(m_window->config()->errorLabel()->text().isEmpty());
        // Validate says a good config is good (it said nothing, walk18), in the chosen
        // language, and no longer once the text is edited.
        QLabel *status = m_window->config()->statusLabel();
        auto *validateButton =
            m_window->config()->findChild<QPushButton *>(QStringLiteral("validateConfig"));
        QVERIFY(validateButton);
        QTest::mouseClick(validateButton, Qt::LeftButton);
        QVERIFY(status->isVisible());
        QCOMPARE(status->text(), QStringLiteral("The configuration is valid."));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        QCOMPARE(status->text(), QCoreApplication::translate("jobfirst::ui::ConfigPage",
                                                             "The configuration is valid."));
        QVERIFY(!status->text().contains(QStringLiteral("valid")));
        m_window->switchLanguage(QStringLiteral("en"));
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 20"),
                                                           QStringLiteral("\"max_nodes\": 0")));
        QVERIFY(!status->isVisible());
        QTest::mouseClick(validateButton, Qt::LeftButton);
        QVERIFY(!status->isVisible());
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 0"),
                                                           QStringLiteral("\"max_nodes\": 20")));
        QTest::mouseClick(m_window->config()->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 20, 5000);
        QVERIFY(ClusterConfig::fromFile(configPath())->maxNodes == 20); // written back to the file
        // The page says what the engine did: the version it runs as...
        QTRY_VERIFY(status->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(status->text(),
                                  QStringLiteral("Applied as version %1.")
                                      .arg(m_window->config()->versions()->row(0).version),
                                  5000);
        // ...or, when the engine refuses what the editor accepted, what is wrong. (Edited once
        // the page shows what runs: the reload after an apply replaces the editor's text.)
        const QString running =
            QString::fromUtf8(m_engine->config(false).result().value().toJson());
        QTRY_COMPARE_WITH_TIMEOUT(editor->toPlainText(), running, 5000);
        const QString missing = m_dir.filePath(QStringLiteral("no-such-passphrase"));
        const QString unset = QStringLiteral("\"backup_passphrase_file\": \"\"");
        QVERIFY(editor->toPlainText().contains(unset));
        editor->setPlainText(editor->toPlainText().replace(
            unset, QStringLiteral("\"backup_passphrase_file\": \"%1\"").arg(missing)));
        QVERIFY2(m_window->config()->errorLabel()->text().isEmpty(),
                 qPrintable(m_window->config()->errorLabel()->text()));
        QTest::mouseClick(
            m_window->config()->findChild<QPushButton *>(QStringLiteral("applyConfig")),
            Qt::LeftButton);
        QTRY_VERIFY2_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Not applied: ")),
                                  qPrintable(status->text()), 5000);
        QVERIFY2(status->text().contains(QStringLiteral("backup_passphrase_file")) &&
                     status->text().contains(missing),
                 qPrintable(status->text()));
        QCOMPARE(maxNodes(), 20);
        QVERIFY(ClusterConfig::fromFile(configPath())->backupPassphraseFile.isEmpty());
        // The chosen language words it, as everything else on the page.
        QVERIFY2(status->text().startsWith(QStringLiteral(
                     "Not applied: a setting has a value the engine cannot use (key ")),
                 qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        QVERIFY2(!status->text().startsWith(QStringLiteral("Not applied")),
                 qPrintable(status->text()));
        // The kind of error too, from its code; the engine's detail (the key, the path) as is.
        const QString kind =
            QCoreApplication::translate("Error", "a setting has a value the engine cannot use");
        QVERIFY(!kind.startsWith(QStringLiteral("a setting")));
        QVERIFY2(status->text().contains(kind) &&
                     status->text().contains(QStringLiteral("backup_passphrase_file")) &&
                     status->text().contains(missing),
                 qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("en"));
        m_window->config()->reload();
        QTRY_VERIFY(!editor->toPlainText().contains(missing));
    }

    // The status line says the latest outcome only: "Applied as version N." stayed beside a
    // newer error once the applied text was edited into one that is not a config (walk26),
    // and beside edits that were not applied at all.
    void configStatusSaysOnlyTheLatestOutcome()
    {
        m_window->showPage(4);
        QPlainTextEdit *editor = m_window->config()->editor();
        QLabel *status = m_window->config()->statusLabel();
        QLabel *error = m_window->config()->errorLabel();
        auto *applyButton =
            m_window->config()->findChild<QPushButton *>(QStringLiteral("applyConfig"));
        auto *validateButton =
            m_window->config()->findChild<QPushButton *>(QStringLiteral("validateConfig"));
        const auto applyMaxNodes = [&](int n) {
            const QString running =
                QString::fromUtf8(m_engine->config(false).result().value().toJson());
            QTRY_COMPARE_WITH_TIMEOUT(editor->toPlainText(), running, 5000);
            editor->setPlainText(
                QString(running).replace(QRegularExpression(QStringLiteral("\"max_nodes\": \\d+")),
                                         QStringLiteral("\"max_nodes\": %1").arg(n)));
            QTest::mouseClick(applyButton, Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), n, 5000);
            QTRY_VERIFY_WITH_TIMEOUT(status->isVisible() &&
                                         status->text().startsWith(QStringLiteral("Applied as")),
                                     5000);
            // Still said once the page shows the running config again (the reload after
            // Apply replaces the editor's text with the engine's own).
            QTRY_COMPARE_WITH_TIMEOUT(
                editor->toPlainText(),
                QString::fromUtf8(m_engine->config(false).result().value().toJson()), 5000);
            QVERIFY(status->isVisible());
            QVERIFY(status->text().startsWith(QStringLiteral("Applied as")));
        };
        applyMaxNodes(21);
        // Edited into what is not a config: the error alone, then on Validate and Apply too.
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 21"),
                                                           QStringLiteral("\"max_nodes\": 0")));
        QVERIFY(error->text().contains(QStringLiteral("max_nodes")));
        QVERIFY2(!status->isVisible(), qPrintable(status->text()));
        QTest::mouseClick(validateButton, Qt::LeftButton);
        QVERIFY2(!status->isVisible(), qPrintable(status->text()));
        m_window->config()->apply();
        QVERIFY2(!status->isVisible(), qPrintable(status->text()));
        QCOMPARE(maxNodes(), 21);
        // Applied again, then edited into another good config not applied: the line does not
        // say the text on screen runs.
        m_window->config()->reload();
        applyMaxNodes(22);
        editor->setPlainText(editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 22"),
                                                           QStringLiteral("\"max_nodes\": 23")));
        QVERIFY(error->text().isEmpty());
        QVERIFY2(!status->isVisible(), qPrintable(status->text()));
        m_window->config()->reload();
        QTRY_VERIFY(editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 22")));
    }

    // The editor's live check says on which line and column the text goes wrong and what kind
    // of error it is, in the chosen language, then the engine's detail: it showed the engine's
    // English with a byte offset, then (walk30) a line and that offset still in the detail.
    void configEditorSaysWhichLineAndWhatKind()
    {
        m_window->showPage(4);
        QPlainTextEdit *editor = m_window->config()->editor();
        QLabel *error = m_window->config()->errorLabel();
        const QString running =
            QString::fromUtf8(m_engine->config(false).result().value().toJson());
        QTRY_COMPARE_WITH_TIMEOUT(editor->toPlainText(), running, 5000);
        const QStringList lines = running.split(u'\n');
        const qsizetype maxNodesLine =
            lines.indexOf(QRegularExpression(QStringLiteral("\\s*\"max_nodes\": \\d+,")));
        QVERIFY(maxNodesLine > 0);
        // A value the engine cannot use, on the line of its key.
        editor->setPlainText(
            QString(running).replace(QRegularExpression(QStringLiteral("\"max_nodes\": \\d+")),
                                     QStringLiteral("\"max_nodes\": 0")));
        QVERIFY2(error->text().startsWith(
                     QStringLiteral("Line %1, column %2: a setting has a value the engine cannot "
                                    "use (key 'max_nodes'")
                         .arg(maxNodesLine + 1)
                         .arg(lines.at(maxNodesLine).indexOf(u'"') + 1)),
                 qPrintable(error->text()));
        // A syntax error, on the line and column where the parser stopped: the "o" of "oops".
        QStringList broken = lines;
        broken[3] += QStringLiteral(" oops");
        editor->setPlainText(broken.join(u'\n'));
        QVERIFY2(error->text().startsWith(
                     QStringLiteral("Line 4, column %1: the config is not a valid JSON object (")
                         .arg(lines.at(3).size() + 2)) &&
                     !error->text().contains(QStringLiteral("offset")),
                 qPrintable(error->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const QString chinese = error->text();
        const QString kind =
            QCoreApplication::translate("Error", "the config is not a valid JSON object");
        m_window->switchLanguage(QStringLiteral("en"));
        QVERIFY2(!chinese.startsWith(QStringLiteral("Line")) && chinese.contains(kind) &&
                     chinese.contains(QStringLiteral("4")) &&
                     !kind.startsWith(QStringLiteral("the config")),
                 qPrintable(chinese));
        editor->setPlainText(running);
        QVERIFY(error->text().isEmpty());
    }

    // Snapshots stopped (here: the refresh paused) for longer than a few intervals: the live
    // charts do not join the points on either side as if they had been measured in between.
    void chartsBreakWhereNoSnapshotCame()
    {
        for (ui::LiveChart *chart : m_window->findChildren<ui::LiveChart *>())
            QCOMPARE(chart->breakAfterMs(), 2000); // refresh every 100 ms: never under 2 s
        m_window->showPage(0);
        ui::LiveChart *queue = m_window->overview()->charts().at(1);
        QTRY_VERIFY_WITH_TIMEOUT(queue->pointCount(QStringLiteral("pending")) >= 3, 5000);
        const int pieces = queue->segmentCount(QStringLiteral("pending"));
        m_window->setRefreshInterval(0);
        QElapsedTimer stopped;
        stopped.start();
        QTRY_VERIFY_WITH_TIMEOUT(stopped.elapsed() > 2500, 5000);
        m_window->setRefreshInterval(100);
        QTRY_COMPARE_WITH_TIMEOUT(queue->segmentCount(QStringLiteral("pending")), pieces + 1, 5000);
        QCOMPARE(queue->breakAfterMs(), 2000);
    }

    void switchToChineseAndBack()
    {
        ui::LiveChart *queue = m_window->overview()->charts().at(1);
        QTRY_VERIFY_WITH_TIMEOUT(queue->pointCount(QStringLiteral("pending")) >= 3, 5000);
        QCOMPARE(queue->seriesName(QStringLiteral("pending")), QStringLiteral("pending"));
        const int points = queue->pointCount(QStringLiteral("pending"));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        // The chart keeps its history under the translated name.
        QCOMPARE(queue->seriesName(QStringLiteral("pending")), QStringLiteral("待投递"));
        QVERIFY(queue->pointCount(QStringLiteral("pending")) >= points);
        auto *sidebar = m_window->findChild<QListWidget *>(QStringLiteral("sidebar"));
        QCOMPARE(sidebar->item(0)->text(), QStringLiteral("概览"));
        QCOMPARE(sidebar->item(1)->text(), QStringLiteral("节点"));
        QCOMPARE(m_window->nodes()->table()->model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("状态"));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->findChild<QLabel *>(QStringLiteral("nodesLabel"))->text().startsWith(QStringLiteral("节点：")), 5000);
        QCOMPARE(m_window->nodes()->model()->data(m_window->nodes()->model()->index(0, 2), Qt::DisplayRole).toString(), QStringLiteral("排空中"));
        // Dates follow too: the log view's pickers were made in English.
        const QList<QDateTimeEdit *> pickers = m_window->findChildren<QDateTimeEdit *>();
        QVERIFY(!pickers.isEmpty());
        for (QDateTimeEdit *picker : pickers)
            QCOMPARE(picker->locale().language(), QLocale::Chinese);
        m_window->switchLanguage(QStringLiteral("en"));
        QCOMPARE(sidebar->item(0)->text(), QStringLiteral("Overview"));
        for (QDateTimeEdit *picker : pickers)
            QCOMPARE(picker->locale().language(), QLocale::English);
    }

    // A config version applied (and one rolled back to) reads in Chinese on the Audit and
    // Logs pages: the engine records "version N" and "(rollback to version N)" in English.
    void configVersionsAreWordedInTheChosenLanguage()
    {
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const auto applied = m_engine->applyConfig(configJson(16)).result();
        QVERIFY(applied);
        const auto rolled = m_engine->rollbackConfig(applied.value()).result();
        QVERIFY(rolled);
        // The cells from..to of the rows `wanted` picks, one line per row.
        const auto lines = [](const auto *model, auto wanted, int from, int to) {
            QStringList found;
            for (int r = 0; r < model->rowCount(); ++r) {
                if (!wanted(model->row(r)))
                    continue;
                QStringList cells;
                for (int c = from; c <= to; ++c)
                    cells << model->index(r, c).data().toString();
                found << cells.join(QStringLiteral(" | "));
            }
            return found;
        };
        // Once the rolled-back version shows, no line says "version" or "rollback".
        const auto allChinese = [&rolled](const std::function<QStringList()> &shown) {
            QTRY_VERIFY_WITH_TIMEOUT(shown().join(u'\n').contains(QString::number(rolled.value())),
                                     10000);
            for (const QString &l : shown())
                QVERIFY2(!l.contains(QStringLiteral("version"), Qt::CaseInsensitive) &&
                             !l.contains(QStringLiteral("rollback")),
                         qPrintable(l));
        };

        m_window->showPage(5);
        allChinese([&] {
            return lines(
                m_window->audit()->model(),
                [](const AuditEntry &a) { return a.action == u"config.apply"; }, 1, 3);
        });
        if (QTest::currentTestFailed())
            return;
        m_window->showPage(6);
        m_window->logs()->refresh();
        allChinese([&] {
            return lines(
                m_window->logs()->model(),
                [](const LogEntry &e) {
                    return e.kind == u"config.applied" || e.source == u"audit";
                },
                3, 4);
        });
        m_window->switchLanguage(QStringLiteral("en"));
    }

    // walk23: the roll-back confirmation said only "Apply configuration version N again?". It
    // names the version, and the keys that rolling back changes, or that none do.
    void rollbackConfirmationSaysWhatChanges()
    {
        int older = 0, newer = 0;
        QVERIFY(twoVersionsListed(17, older, newer));
        QTRY_VERIFY(m_window->config()->editor()->toPlainText().contains(
            QStringLiteral("\"max_nodes\": 18")));
        const QString back = rollbackConfirmation(older);
        QVERIFY2(back.contains(QStringLiteral("version %1").arg(older)), qPrintable(back));
        QVERIFY2(back.contains(QStringLiteral("Keys that change: max_nodes")), qPrintable(back));
        const QString same = rollbackConfirmation(newer);
        QVERIFY2(same.contains(QStringLiteral("No change")), qPrintable(same));
        // Cancelled: nothing was rolled back.
        QCOMPARE(m_engine->configVersions(1).result()->first().version, newer);
        QCOMPARE(maxNodes(), 18);
    }

    // walk35: rolling back with edits not applied in the editor replaced them without a word.
    // The confirmation says they will be discarded and Cancel, the default, keeps them; Yes
    // rolls back, and the editor shows the version that now runs.
    void rollbackSaysItDiscardsEditsNotApplied()
    {
        int older = 0, newer = 0;
        QVERIFY(twoVersionsListed(23, older, newer));
        QPlainTextEdit *editor = m_window->config()->editor();
        QTRY_VERIFY(editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 24")));
        const QString warning = QStringLiteral("Your edits in the editor are not applied and "
                                               "will be discarded");
        const QString clean = rollbackConfirmation(older);
        QVERIFY2(!clean.isEmpty() && !clean.contains(warning), qPrintable(clean));

        const QString typed = editor->toPlainText().replace(QStringLiteral("\"max_nodes\": 24"),
                                                            QStringLiteral("\"max_nodes\": 26"));
        editor->setPlainText(typed);
        const QString asked = rollbackConfirmation(older);
        QVERIFY2(asked.contains(warning), qPrintable(asked));
        QCOMPARE(editor->toPlainText(), typed); // cancelled: the edits and the config stay
        QCOMPARE(maxNodes(), 24);

        QMessageBox *box = askToRollBack(older);
        QVERIFY(box);
        QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel)); // Enter keeps them
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE_WITH_TIMEOUT(maxNodes(), 23, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            editor->toPlainText().contains(QStringLiteral("\"max_nodes\": 23")), 5000);
        QVERIFY(!m_window->config()->editsKeptNote()->isVisible());
    }

    // Comparing the running config's own version showed a whole config with nothing marked,
    // which read as a view that failed to show the differences (walk30): it says there are none.
    void comparingTheRunningVersionSaysNoDifferences()
    {
        int older = 0, newer = 0;
        QVERIFY(twoVersionsListed(19, older, newer));
        QCOMPARE(comparisonSummary(newer),
                 QStringLiteral("No differences: version %1 is the configuration running now.")
                     .arg(newer));
        const QString differs = comparisonSummary(older);
        QVERIFY2(differs.startsWith(
                     QStringLiteral("Lines marked - are only in version %1").arg(older)),
                 qPrintable(differs));
    }

    // One rule for counts: the language the console speaks decides how they are written, so
    // "System language" on an English (or C) system reads as English: "12,345" under both.
    void countsReadTheSameUnderSystemLanguageAndEnglish()
    {
        using ui::ConsoleLanguage;
        const QList<QLocale> englishSystems = {QLocale(QLocale::English, QLocale::UnitedStates),
                                               QLocale(QLocale::English, QLocale::UnitedKingdom),
                                               QLocale::c()};
        for (const QLocale &system : englishSystems)
            QCOMPARE(ConsoleLanguage::locale({}, system).toString(1234567),
                     ConsoleLanguage::locale(QStringLiteral("en"), system).toString(1234567));
        QCOMPARE(ConsoleLanguage::locale(QStringLiteral("en"), QLocale::c()).toString(1234567),
                 QStringLiteral("1,234,567"));
        QCOMPARE(ConsoleLanguage::locale({}, QLocale(QLocale::Chinese, QLocale::China)).language(),
                 QLocale::Chinese);

        // On screen, under this process's system locale (C under ctest).
        Alert backlog;
        backlog.kind = QStringLiteral("backlog");
        backlog.message = QStringLiteral("12345 deliveries wait to be sent (threshold 10000)");
        Alert dead;
        dead.kind = QStringLiteral("target.dead_letters");
        dead.subject = QStringLiteral("t0");
        dead.message = QStringLiteral("1234 dead letters for t0");
        const auto shown = [&] {
            return QStringList{ui::AlertsPage::alertText(backlog), ui::AlertsPage::alertText(dead),
                               ui::countText(12345)};
        };
        m_window->switchLanguage(QStringLiteral("en"));
        const QStringList english = shown();
        QVERIFY2(english.join(u'\n').contains(
                     QStringLiteral("12,345 deliveries wait to be sent, held ones apart "
                                    "(threshold 10,000)")),
                 qPrintable(english.join(u'\n')));
        QVERIFY2(english.at(1).contains(QStringLiteral("1,234 dead letters")),
                 qPrintable(english.at(1)));
        m_window->switchLanguage(QString());
        QCOMPARE(shown(), english);
        m_window->switchLanguage(QStringLiteral("en"));
    }

    // In English a "%Ln" string reads as English at 1 and at 2 ("1 engine", "2 engines"), not
    // "1 engine(s)": an English translation holds the plural forms, loaded like Chinese.
    void englishPluralsReadAsEnglish()
    {
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        m_window->switchLanguage(QStringLiteral("en"));
        int daemons = -1;
        for (int i = 0; i < m_window->pageCount(); ++i)
            if (m_window->page(i)->findChild<QLabel *>(QStringLiteral("daemonsSummary")))
                daemons = i;
        QVERIFY(daemons >= 0);
        m_window->showPage(daemons);
        auto *summary =
            m_window->page(daemons)->findChild<QLabel *>(QStringLiteral("daemonsSummary"));
        QTRY_COMPARE_WITH_TIMEOUT(summary->text(), QStringLiteral("1 engine on this store."),
                                  10000);
        QCOMPARE(QCoreApplication::translate("jobfirst::ui::DaemonsPage",
                                             "%Ln engine(s) on this store.", nullptr, 2),
                 QStringLiteral("2 engines on this store."));
        QCOMPARE(QCoreApplication::translate("jobfirst::ui::SyncPage",
                                             "%Ln dead letter(s) queued again.", nullptr, 1),
                 QStringLiteral("1 dead letter queued again."));
        // A count in a plural string reads as every other count on screen ("12,345"), in the
        // console's display locale, not as the C locale's "12345".
        QCOMPARE(QCoreApplication::translate("jobfirst::ui::SyncPage",
                                             "%Ln dead letter(s) queued again.", nullptr, 12345),
                 ui::countText(12345) + QStringLiteral(" dead letters queued again."));
        QCOMPARE(QCoreApplication::translate("jobfirst::ui::LogsPage", "%Ln line(s), newest first.",
                                             nullptr, 1234),
                 QStringLiteral("1,234 lines, newest first."));
        m_window->showPage(0);
    }

    // An import's outcome stays on the Sync page; it is worded again when the language
    // changes (it stayed in English before).
    void importStatusFollowsTheLanguage()
    {
        const QString file = m_dir.filePath(QStringLiteral("users.jsonl"));
        writeFile(file, "{\"id\": \"imp-1\", \"email\": \"a@jobfirst.cn\"}\n"
                        "{\"id\": \"imp-2\", \"email\": \"b@jobfirst.cn\"}\n");
        ui::SyncPage *sync = m_window->sync();
        QSignalSpy finished(sync, &ui::SyncPage::importFinished);
        sync->startImport(file);
        QVERIFY(finished.wait(30000));
        auto *status = sync->findChild<QLabel *>(QStringLiteral("importStatus"));
        QVERIFY(status);
        QVERIFY2(status->text().startsWith(QStringLiteral("Imported 2 users (2 lines).")),
                 qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        QVERIFY2(!status->text().contains(QStringLiteral("Imported")), qPrintable(status->text()));
        QVERIFY2(status->text().contains(QStringLiteral("2")), qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("en"));
        QVERIFY2(status->text().startsWith(QStringLiteral("Imported 2 users")),
                 qPrintable(status->text()));
        // A file that cannot be read says so in the chosen language, with the engine's detail
        // (the path): the detail alone was English in the Chinese console.
        const QString missing = m_dir.filePath(QStringLiteral("no-such-users.jsonl"));
        sync->startImport(missing);
        QVERIFY(finished.wait(30000));
        QVERIFY2(
            status->text().startsWith(QStringLiteral("Import failed: the file cannot be read (")) &&
                status->text().contains(missing),
            qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const QString chinese = status->text();
        const QString kind = QCoreApplication::translate("Error", "the file cannot be read");
        m_window->switchLanguage(QStringLiteral("en"));
        QVERIFY2(!kind.startsWith(QStringLiteral("the file")) && chinese.contains(kind) &&
                     chinese.contains(missing),
                 qPrintable(chinese));
    }

    // An import's summary: counts as the chosen language writes them ("1,234"), and the first
    // line that was not a user in that language too, with the parser's own detail kept (it
    // was "1234" and English in the Chinese console).
    void importSummaryReadsInTheChosenLanguage()
    {
        const QString file = m_dir.filePath(QStringLiteral("many-users.jsonl"));
        QByteArray content;
        for (int i = 1; i <= 1234; ++i) {
            content += QStringLiteral("{\"id\": \"many-%1\", \"email\": \"m%1@jobfirst.cn\"}\n")
                           .arg(i)
                           .toUtf8();
            if (i == 2)
                content += "this line is not a user\n"; // line 3
        }
        writeFile(file, content);
        ui::SyncPage *sync = m_window->sync();
        QSignalSpy finished(sync, &ui::SyncPage::importFinished);
        sync->startImport(file);
        QVERIFY(finished.wait(60000));
        auto *status = sync->findChild<QLabel *>(QStringLiteral("importStatus"));
        QVERIFY2(status->text().startsWith(QStringLiteral("Imported 1,234 users (1,235 lines). "
                                                          "1 line was not a user; the first: "
                                                          "line 3: not a JSON object (")),
                 qPrintable(status->text()));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const QString chinese = status->text();
        m_window->switchLanguage(QStringLiteral("en"));
        QVERIFY2(chinese.contains(ui::countText(1234)) && chinese.contains(ui::countText(1235)) &&
                     !chinese.contains(QStringLiteral("line 3")) &&
                     !chinese.contains(QStringLiteral("not a JSON object")) &&
                     chinese.contains(QStringLiteral("3")),
                 qPrintable(chinese));
    }

    // One user imported reads "1 user (1 line)", in English and Chinese: it said "Imported 1
    // users (1 lines)." (walk30).
    void importSummaryOfOneUserIsSingular()
    {
        const QString file = m_dir.filePath(QStringLiteral("one-user.jsonl"));
        writeFile(file, "{\"id\": \"only-one\", \"email\": \"one@jobfirst.cn\"}\n");
        ui::SyncPage *sync = m_window->sync();
        QSignalSpy finished(sync, &ui::SyncPage::importFinished);
        sync->startImport(file);
        QVERIFY(finished.wait(60000));
        auto *status = sync->findChild<QLabel *>(QStringLiteral("importStatus"));
        QCOMPARE(status->text(), QStringLiteral("Imported 1 user (1 line)."));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const QString chinese = status->text();
        m_window->switchLanguage(QStringLiteral("en"));
        QCOMPARE(chinese, QStringLiteral("已导入 1 个用户（1 行）。"));
    }

    void removeAskedForConfirmation()
    {
        m_window->showPage(1);
        m_window->nodes()->table()->selectRow(0);
        QMenu *menu = m_window->nodes()->contextMenu();
        for (QAction *a : menu->actions())
            if (a->text() == QStringLiteral("Remove"))
                a->trigger();
        menu->close();
        QMessageBox *confirm = m_window->nodes()->findChild<QMessageBox *>(QStringLiteral("confirmRemove"));
        QVERIFY(confirm);
        confirm->reject(); // a person clicks Cancel: nothing changes
        // A removal would have been queued to the engine thread at once; one round trip there
        // makes sure anything queued has run before the store is read.
        m_engine->nodes().waitForFinished();
        QCOMPARE(Store::open(dbPath()).value()->loadNodes()->size(), 1);
    }

    void backupFromTheFileMenu()
    {
        const QString path = m_dir.filePath(QStringLiteral("console.jfbackup"));
        auto made = m_window->backupTo(path, "correct horse battery staple");
        QTRY_VERIFY_WITH_TIMEOUT(made.isFinished(), 30000);
        QVERIFY2(made.result().ok(), made.result() ? "" : qPrintable(made.result().error().message));
        QVERIFY(QFileInfo(path).size() > 0);
        const auto said = [this] {
            return m_window->findChild<QLabel *>(QStringLiteral("messageLabel"))->toolTip();
        };
        QVERIFY2(said().contains(QStringLiteral("Backup made")), qPrintable(said()));
        // A passphrase too short is refused, said on screen, and leaves no file.
        const QString weak = m_dir.filePath(QStringLiteral("weak.jfbackup"));
        auto refused = m_window->backupTo(weak, "short");
        QTRY_VERIFY_WITH_TIMEOUT(refused.isFinished(), 30000);
        QVERIFY(!refused.result().ok());
        QVERIFY(!QFileInfo::exists(weak));
        QVERIFY2(!said().contains(QStringLiteral("Making a backup")) &&
                     !said().contains(QStringLiteral("Backup made")),
                 qPrintable(said()));
    }

    void auditChainStateFollowsTheStore()
    {
        m_window->showPage(5);
        auto *chain = m_window->audit()->findChild<QLabel *>(QStringLiteral("auditChain"));
        QVERIFY(chain);
        QTRY_VERIFY_WITH_TIMEOUT(chain->text().contains(QStringLiteral("verifies")), 10000);
        {
            // Someone edits the log behind the engine's back: the page must stop saying it verifies.
            auto store = Store::open(dbPath());
            QVERIFY(store.ok());
            QSqlQuery q(store.value()->database());
            QVERIFY(q.exec(QStringLiteral("UPDATE audit SET actor = 'mallory' WHERE id = (SELECT MIN(id) FROM audit)")));
        }
        QTRY_VERIFY_WITH_TIMEOUT(chain->text().contains(QStringLiteral("BROKEN")), 15000);
        QVERIFY(!chain->text().contains(QStringLiteral("verifies")));
    }

    /// Deliveries without a signing secret are accepted (configs that ran before keep
    /// running) but never silently: the Sync page marks them, the engine's log says so at
    /// start and on each apply, naming the key and never a secret.
    void unsignedDeliveriesAreMarkedAndLogged()
    {
        QAbstractItemModel *nodeTargets = m_window->sync()->nodeTargetView()->model();
        QAbstractItemModel *services = m_window->sync()->serviceTargetView()->model();
        const auto nameCell = [](QAbstractItemModel *m, const QString &name) {
            for (int r = 0; r < m->rowCount(); ++r)
                if (m->index(r, 0).data().toString().startsWith(name))
                    return m->index(r, 0);
            return QModelIndex();
        };
        // This fixture's config has no cluster_secret: its node's cluster sync is unsigned.
        QTRY_VERIFY_WITH_TIMEOUT(nameCell(nodeTargets, QStringLiteral("node:node-a")).isValid(),
                                 5000);
        const QModelIndex node = nameCell(nodeTargets, QStringLiteral("node:node-a"));
        QVERIFY(node.data().toString().contains(QStringLiteral("(unsigned)")));
        QCOMPARE(node.data(Qt::ForegroundRole).value<QBrush>().color(), QColor(0xc6, 0x28, 0x28));
        QVERIFY(node.data(Qt::ToolTipRole).toString().contains(QStringLiteral("cluster_secret")));
        QVERIFY(!nameCell(services, QStringLiteral("t0"))
                     .data()
                     .toString()
                     .contains(QStringLiteral("unsigned")));
        const auto unsignedLines = [this](const QString &key) {
            LogQuery q;
            q.text = QStringLiteral("config.unsigned");
            const auto lines = m_engine->logs(q).result();
            int n = 0;
            for (const LogEntry &e : lines.value())
                if (e.level == u"warning" &&
                    e.fields.value(QStringLiteral("key")).toString() == key)
                    ++n;
            return n;
        };
        QTRY_VERIFY_WITH_TIMEOUT(unsignedLines(QStringLiteral("cluster_secret")) >= 1,
                                 5000); // at start

        // A target added without a secret: marked, and the apply logs it.
        ClusterConfig c = m_engine->config(true).result().value();
        TargetConfig t1 = c.targets.first();
        t1.name = QStringLiteral("t1");
        t1.secret.clear();
        c.targets << t1;
        QVERIFY(m_engine->applyConfig(c.toJson()).result());
        QTRY_VERIFY_WITH_TIMEOUT(nameCell(services, QStringLiteral("t1"))
                                     .data()
                                     .toString()
                                     .contains(QStringLiteral("(unsigned)")),
                                 5000);
        QVERIFY(nameCell(services, QStringLiteral("t1"))
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("no secret")));
        QTRY_COMPARE_WITH_TIMEOUT(unsignedLines(QStringLiteral("targets.t1.secret")), 1, 5000);
        QVERIFY(unsignedLines(QStringLiteral("cluster_secret")) >= 2); // said again on apply
        LogQuery all;
        all.text = QStringLiteral("config.unsigned");
        for (const LogEntry &e : m_engine->logs(all).result().value())
            QVERIFY(!e.message.contains(QStringLiteral("console-test-signing-secret")));

        // Given secrets, the marks go (and nothing more is logged for them).
        c.clusterSecret = QStringLiteral("console-test-cluster-secret-0001");
        c.targets.last().secret = QStringLiteral("console-test-signing-secret-0002");
        QVERIFY(m_engine->applyConfig(c.toJson()).result());
        QTRY_VERIFY_WITH_TIMEOUT(!nameCell(services, QStringLiteral("t1"))
                                      .data()
                                      .toString()
                                      .contains(QStringLiteral("unsigned")),
                                 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!nameCell(nodeTargets, QStringLiteral("node:node-a"))
                                      .data()
                                      .toString()
                                      .contains(QStringLiteral("unsigned")),
                                 5000);
        QCOMPARE(unsignedLines(QStringLiteral("targets.t1.secret")), 1);
    }

    /// "Delivered" counts start again with the engine: the header says since when.
    void deliveredSaysSinceWhenItCounts()
    {
        QAbstractItemModel *targets = m_window->sync()->targetModel();
        int column = -1;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int c = 0; c < targets->columnCount(); ++c)
                    if (targets->headerData(c, Qt::Horizontal)
                            .toString()
                            .startsWith(QStringLiteral("Delivered\nsince ")))
                        column = c;
                return column >= 0;
            }(),
            5000);
        QSignalSpy snapshots(m_engine.get(), &EngineSession::snapshot);
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty(), 5000);
        const qint64 since = snapshots.first().first().value<EngineSnapshot>().sync.countingSince;
        QVERIFY(since > 0);
        QCOMPARE(targets->headerData(column, Qt::Horizontal).toString(),
                 QStringLiteral("Delivered\nsince ") +
                     QDateTime::fromMSecsSinceEpoch(since).toString(QStringLiteral("HH:mm")));
        QVERIFY(targets->index(0, column)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("restarts")));
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        QVERIFY(
            targets->headerData(column, Qt::Horizontal)
                .toString()
                .contains(QDateTime::fromMSecsSinceEpoch(since).toString(QStringLiteral("HH:mm"))));
        QVERIFY(!targets->headerData(column, Qt::Horizontal)
                     .toString()
                     .contains(QStringLiteral("Delivered")));
        m_window->switchLanguage(QStringLiteral("en"));
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
