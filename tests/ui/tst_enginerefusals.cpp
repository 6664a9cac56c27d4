// SPDX-License-Identifier: GPL-3.0-or-later
// What the engine refuses, said in the Chinese console through the real UI actions: File →
// Import configuration (from the file chosen), the Nodes page's actions, the Sync page's dead letters and targets,
// the Balancing page's strategy and what-if weights. A real engine thread, real store, a real
// nodesim target and real widgets on the offscreen platform; each refusal carries its values
// (the file, the key, the node, the delivery) into the Chinese sentence.
#include "api/localenginesession.h"
#include "dialogs/nodedialog.h"
#include "mainwindow.h"
#include "nodesimprocess.h"
#include "pages/balancingpage.h"
#include "pages/nodespage.h"
#include "pages/syncpage.h"
#include "widgets/elidedlabel.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestEngineRefusals final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    NodeSimProcess m_target;
    std::unique_ptr<LocalEngineSession> m_engine;
    std::unique_ptr<ui::MainWindow> m_window;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString caFile() const { return path(QStringLiteral("t1-ca.pem")); }

    static void writeFile(const QString &file, const QByteArray &content)
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
    }

    /// t0 receives user.created from the nodesim target; t1 names a CA file on this machine.
    ClusterConfig config(bool withTargets = true) const
    {
        ClusterConfig c;
        c.syncRetryIntervalMs = 100;
        if (!withTargets) {
            c.targets = {};
            return c;
        }
        TargetConfig t0;
        t0.name = QStringLiteral("t0");
        t0.url = m_target.url() + QStringLiteral("/sync");
        t0.events = {QStringLiteral("user.created")};
        t0.secret = QStringLiteral("refusals-test-signing-secret-0001");
        TargetConfig t1;
        t1.name = QStringLiteral("t1");
        t1.url = QStringLiteral("https://127.0.0.1:1/sync");
        t1.events = {QStringLiteral("config")};
        t1.secret = QStringLiteral("refusals-test-signing-secret-0002");
        t1.caFile = caFile();
        c.targets = {t0, t1};
        return c;
    }

    /// Files File → Import refuses: an unknown key, a value out of range, not a strategy, not
    /// a duration, not JSON.
    static QList<std::pair<QString, QByteArray>> importFiles()
    {
        return {{QStringLiteral("unknown-key.json"), R"({"max_nodez": 3})"},
                {QStringLiteral("out-of-range.json"), R"({"max_nodes": 0})"},
                {QStringLiteral("no-strategy.json"), R"({"load_balance_strategy": "fastest"})"},
                {QStringLiteral("no-duration.json"), R"({"node_timeout": "soon"})"},
                {QStringLiteral("not-json.json"), "{\n  \"max_nodes\": 3\n  \"rise\": 2\n}\n"}};
    }

    /// The red line in the status bar, whole (the label elides what does not fit).
    QString shownError() const
    {
        return m_window->findChild<ui::ElidedLabel *>(QStringLiteral("messageLabel"))->fullText();
    }

    /// The next red line in the status bar once one is there (the status bar is emptied first,
    /// by clearOldError(), so an old one is not taken for it).
    QString nextError() const
    {
        QTest::qWaitFor([this] { return !shownError().isEmpty(); }, 10000);
        return shownError();
    }

    void clearOldError() { m_window->showError(QString()); }

    /// Chooses the row whose first column says `name`, as a click on it would.
    static bool chooseRow(QTableView *view, const QString &name)
    {
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, 0).data().toString() == name) {
                view->selectRow(r);
                return true;
            }
        return false;
    }

    /// A node in the Nodes table, chosen, that the engine then forgets behind the page's back
    /// (as another console or jobfirstctl would): the page still offers its actions.
    bool chooseANodeTheEngineForgets(const QString &id)
    {
        NodeSpec spec;
        spec.id = id;
        spec.url = QStringLiteral("http://127.0.0.1:1");
        if (!m_engine->addNode(spec).result())
            return false;
        ui::NodesPage *nodes = m_window->nodes();
        if (!QTest::qWaitFor([&] { return nodes->model()->rowOfKey(id) >= 0; }, 5000))
            return false;
        if (!chooseRow(nodes->table(), id))
            return false;
        // Blocking, and nothing runs on this thread meanwhile: the row stays on screen.
        return m_engine->removeNode(id).result().ok();
    }

private slots:
    void initTestCase()
    {
        m_target.setSecret(QStringLiteral("refusals-test-signing-secret-0001"));
        QVERIFY(m_target.start(QStringLiteral("t0")));
        writeFile(caFile(), "not checked before a delivery; it only has to exist\n");
        // The files to import exist before any file dialog lists their folder.
        for (const auto &[name, content] : importFiles())
            writeFile(path(name), content);
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("console:test"));
        EngineOptions options;
        options.dbPath = path(QStringLiteral("console.db"));
        options.refreshMs = 100;
        QVERIFY(m_engine->start(options).result().ok());
        QVERIFY(m_engine->applyConfig(config().toJson()).result().ok());
        m_window = std::make_unique<ui::MainWindow>(m_engine.get());
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        m_window->engineReady();
        m_window->setRefreshInterval(100);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine->stop();
    }

    // File → Import configuration showed the engine's English for a file it refused
    // ("…/c.json: key 'max_nodez' is not a known setting") in the Chinese console.
    void importRefusalsAreSaidInChinese_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("said");
        const QStringList said = {
            QStringLiteral("键“max_nodez”不是已知的设置"),
            QStringLiteral("键“max_nodes”：值 0 超出范围（1..10000）"),
            QStringLiteral("键“load_balance_strategy”：值 \"fastest\" 不是负载均衡策略（"),
            QStringLiteral("键“node_timeout”：值 \"soon\" 不是有效的时长"),
            QStringLiteral("第 3 行第 3 列不是有效的 JSON：对象未结束")};
        const auto files = importFiles();
        for (qsizetype i = 0; i < files.size(); ++i)
            QTest::newRow(qPrintable(files.at(i).first)) << path(files.at(i).first) << said.at(i);
    }

    void importRefusalsAreSaidInChinese()
    {
        QFETCH(QString, file);
        QFETCH(QString, said);
        const int maxNodes = m_engine->config(false).result().value().maxNodes;
        clearOldError();
        // What File → Import configuration… does with the file chosen in its dialog (Qt's
        // file dialog did not take a chosen file reliably on the offscreen platform).
        m_window->importConfigFile(file);
        // The file's path and the key as they are, the rest in Chinese.
        const QString shown = nextError();
        QVERIFY2(shown.startsWith(file + QStringLiteral("：") + said), qPrintable(shown));
        QCOMPARE(m_engine->config(false).result().value().maxNodes, maxNodes);
    }

    // Drain, Ready (enable) and Remove of a node the engine no longer has: its refusal was
    // "there is no node \"gone-drain\"" in the Chinese console's status bar.
    void nodeActionsRefusedAreSaidInChinese_data()
    {
        QTest::addColumn<QString>("action");
        QTest::newRow("drain") << "drainAction";
        QTest::newRow("enable") << "readyAction";
        QTest::newRow("remove") << "removeAction";
    }

    void nodeActionsRefusedAreSaidInChinese()
    {
        QFETCH(QString, action);
        m_window->showPage(1);
        const QString id = QStringLiteral("gone-%1").arg(QString::fromLatin1(QTest::currentDataTag()));
        QVERIFY(chooseANodeTheEngineForgets(id));
        auto *act = m_window->nodes()->findChild<QAction *>(action);
        QVERIFY(act && act->isEnabled());
        clearOldError();
        act->trigger();
        if (auto *box = m_window->nodes()->findChild<QMessageBox *>(QStringLiteral("confirmRemove")))
            box->button(QMessageBox::Yes)->click();
        QCOMPARE(nextError(), QStringLiteral("没有节点“%1”").arg(id));
    }

    // Add node: a CA file that is not on the engine's machine (session 34 kept the dialog open
    // and said "Not added: …" in Chinese around the engine's English).
    void addingANodeTheEngineRefusesIsSaidInChinese()
    {
        m_window->showPage(1);
        m_window->nodes()->addNode();
        auto *dialog = m_window->nodes()->findChild<ui::NodeDialog *>();
        QVERIFY(dialog);
        const QString missing = path(QStringLiteral("missing-ca.pem"));
        for (const auto &[field, text] : {std::pair{"id", QStringLiteral("dn2")},
                                          std::pair{"url", m_target.url()},
                                          std::pair{"caFile", missing}}) {
            auto *e = dialog->findChild<QLineEdit *>(QString::fromLatin1(field));
            QVERIFY(e);
            e->clear();
            QTest::keyClicks(e, text);
        }
        QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok),
                          Qt::LeftButton);
        auto *refused = dialog->findChild<QLabel *>(QStringLiteral("engineError"));
        QVERIFY(refused);
        QTRY_VERIFY_WITH_TIMEOUT(refused->isVisible(), 10000);
        QCOMPARE(refused->text(),
                 QStringLiteral("未添加：节点 dn2：ca_file：“%1”不存在").arg(missing));
        dialog->reject();
    }

    // Retry of a dead letter that was discarded meanwhile: "Retry failed: delivery 1 is not a
    // dead letter" in the Chinese console.
    void aDeadLetterRetryRefusedIsSaidInChinese()
    {
        QVERIFY(m_target.control({{QStringLiteral("status"), 400}})); // refused for good: dead
        SyncEvent ev;
        ev.type = QStringLiteral("user.created");
        ev.userId = QStringLiteral("lin");
        QVERIFY(m_engine->sendEvents({ev}, SyncMode::RealTime, {}).result().ok());
        m_window->showPage(3);
        ui::SyncPage *sync = m_window->sync();
        sync->tabs()->setCurrentIndex(2);
        QTRY_COMPARE_WITH_TIMEOUT(sync->deadLetterModel()->rowCount(), 1, 10000);
        const qint64 id = sync->deadLetterModel()->row(0).deliveryId;
        sync->deadLetterView()->selectRow(0);
        QVERIFY(m_engine->discardDeadLetters({id}).result().ok()); // another console did
        QTest::mouseClick(sync->findChild<QPushButton *>(QStringLiteral("retrySelected")),
                          Qt::LeftButton);
        auto *status = sync->findChild<QLabel *>(QStringLiteral("deadLetterStatus"));
        QTRY_VERIFY2_WITH_TIMEOUT(
            status->text().endsWith(QStringLiteral("重试失败：投递 %1 不是死信").arg(id)),
            qPrintable(status->text()), 10000);
        QVERIFY(m_target.control({{QStringLiteral("reset"), true}}));
    }

    // Balancing → apply a strategy while a file the running config names is gone: the engine
    // refuses the whole config, and said so in English.
    void aStrategyRefusedIsSaidInChinese()
    {
        m_window->showPage(2);
        ui::BalancingPage *page = m_window->balancing();
        QVERIFY(QFile::remove(caFile()));
        const auto restore = qScopeGuard([this] { writeFile(caFile(), "back\n"); });
        auto *strategy = page->findChild<QComboBox *>(QStringLiteral("liveStrategy"));
        strategy->setCurrentIndex((strategy->currentIndex() + 1) % strategy->count());
        clearOldError();
        page->findChild<QPushButton *>(QStringLiteral("applyStrategy"))->click();
        QCOMPARE(nextError(), QStringLiteral("targets.t1.ca_file：“%1”不存在").arg(caFile()));
    }

    // A what-if weight out of range: "Cannot simulate: node a: weight 0 is out of range".
    void aWhatIfWeightRefusedIsSaidInChinese()
    {
        m_window->showPage(2);
        ui::BalancingPage *page = m_window->balancing();
        auto *nodes = page->findChild<QTableView *>(QStringLiteral("simulatorNodes"));
        auto *model = qobject_cast<QStandardItemModel *>(nodes->model());
        QVERIFY(model);
        if (model->rowCount() == 0)
            model->appendRow({new QStandardItem(QStringLiteral("a")), new QStandardItem,
                              new QStandardItem(QStringLiteral("8")),
                              new QStandardItem(QStringLiteral("20")),
                              new QStandardItem(QStringLiteral("64"))});
        const QString id = model->item(0, 0)->text();
        model->item(0, 1)->setText(QStringLiteral("0"));
        page->findChild<QPushButton *>(QStringLiteral("runSimulation"))->click();
        QCOMPARE(page->statusText(),
                 QStringLiteral("无法模拟：节点 %1：权重 0 超出范围（1..256）").arg(id));
    }

    // Pause of a target that a new config version took away meanwhile.
    void aTargetActionRefusedIsSaidInChinese()
    {
        m_window->showPage(3);
        ui::SyncPage *sync = m_window->sync();
        sync->tabs()->setCurrentIndex(0);
        QTRY_VERIFY_WITH_TIMEOUT(chooseRow(sync->serviceTargetView(), QStringLiteral("t0")), 5000);
        auto *pause = sync->findChild<QPushButton *>(QStringLiteral("pauseTarget"));
        QVERIFY(pause->isEnabled());
        QVERIFY(m_engine->applyConfig(config(false).toJson()).result().ok());
        clearOldError();
        QTest::mouseClick(pause, Qt::LeftButton);
        QCOMPARE(nextError(), QStringLiteral("没有同步目标“t0”"));
    }

    // File → Backup… to a place the backup cannot be written: the engine's English ("cannot
    // create folder …") in the Chinese console's status bar. The path is kept as it is.
    void aBackupThatCannotBeMadeIsSaidInChinese_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("passphrase");
        QTest::addColumn<QString>("said");
        const QByteArray passphrase = "a passphrase long enough";
        // A file where its folder would be: the folder cannot be made (also for root).
        const QString underAFile = path(QStringLiteral("plain-file/backups/b.jfbackup"));
        QTest::newRow("folder cannot be made")
            << underAFile << passphrase
            << QStringLiteral("无法创建文件夹 %1").arg(path(QStringLiteral("plain-file/backups")));
        // A folder by the backup's name: the file cannot be written (also for root).
        const QString aFolder = path(QStringLiteral("a-folder.jfbackup"));
        QTest::newRow("cannot be written")
            << aFolder << passphrase << QStringLiteral("无法写入 %1：").arg(aFolder);
        QTest::newRow("passphrase too short")
            << path(QStringLiteral("short.jfbackup")) << QByteArray("short")
            << QStringLiteral("备份口令长 5 个字符；至少需要 12 个");
    }

    void aBackupThatCannotBeMadeIsSaidInChinese()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, passphrase);
        QFETCH(QString, said);
        writeFile(path(QStringLiteral("plain-file")), "not a folder\n");
        QVERIFY(QDir().mkpath(path(QStringLiteral("a-folder.jfbackup"))));
        // Waited for here: the window says the refusal once the engine answered.
        auto made = m_window->backupTo(file, passphrase);
        QTRY_VERIFY_WITH_TIMEOUT(made.isFinished(), 30000);
        QVERIFY(!made.result().ok());
        const QString shown = shownError();
        QVERIFY2(shown.startsWith(said), qPrintable(shown));
        QVERIFY(!QFileInfo(file).isFile()); // nothing was written
    }

    // Sync → Import users of a file the engine cannot import: its reason was English after
    // "导入失败：", and the JSON parser's words after "不是 JSON 对象（".
    void aUserFileTheEngineCannotImportIsSaidInChinese_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("said");
        const QString noId = path(QStringLiteral("no-id.csv"));
        QTest::newRow("CSV without an id column")
            << noId << QByteArray("name,email\nAda,ada@example.com\n")
            << QStringLiteral("%1：CSV 表头没有 id 或 user_id 列").arg(noId);
        const QString missing = path(QStringLiteral("missing-users.jsonl"));
        QTest::newRow("no such file")
            << missing << QByteArray() << QStringLiteral("无法读取 %1：").arg(missing);
        QTest::newRow("a line that is not JSON")
            << path(QStringLiteral("broken.jsonl")) << QByteArray("{\"id\": \"u1\",\n")
            << QStringLiteral("第 1 行：不是 JSON 对象（");
    }

    void aUserFileTheEngineCannotImportIsSaidInChinese()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, said);
        if (!content.isEmpty())
            writeFile(file, content);
        m_window->showPage(3);
        auto *status = m_window->sync()->findChild<QLabel *>(QStringLiteral("importStatus"));
        QVERIFY(status);
        status->clear();
        m_window->sync()->startImport(file);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(said), 15000);
        // The parser's own words too ("illegal value"), not only the frame around them.
        static const QRegularExpression latin(QStringLiteral("[A-Za-z]"));
        const QString parserSaid = status->text().section(QStringLiteral("不是 JSON 对象（"), 1);
        QVERIFY2(!parserSaid.contains(latin), qPrintable(status->text()));
    }
};

QTEST_MAIN(TestEngineRefusals)
#include "tst_enginerefusals.moc"
