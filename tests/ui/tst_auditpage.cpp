// SPDX-License-Identifier: GPL-3.0-or-later
// The audit page's detail panel against a real embedded engine: a config version's before and
// after are whole configs (long JSON, of which a cell shows only the start); the panel says
// which keys changed, down to one nested key of one target among many, with secrets masked as
// they were recorded.
#include "api/localenginesession.h"
#include "awaitfuture.h"
#include "config/clusterconfig.h"
#include "core/duration.h"
#include "core/secrets.h"
#include "pages/auditpage.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTranslator>
#include <QtTest>

#include <functional>

using namespace jobfirst;

class TestAuditPage final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// The secret of target `i` (long enough to be accepted; its last 4 characters differ).
    static QString secretOf(int i, const QString &round = QStringLiteral("a"))
    {
        return QStringLiteral("signing-secret-of-target-%1-round-%2-%3")
            .arg(i)
            .arg(round)
            .arg(i, 4, 10, QLatin1Char('0'));
    }

    /// `json` with `change` made to target `name`'s object.
    static QByteArray withTarget(const QByteArray &json, const QString &name,
                                 const std::function<void(QJsonObject &)> &change)
    {
        QJsonObject config = QJsonDocument::fromJson(json).object();
        QJsonArray targets = config.value(QStringLiteral("targets")).toArray();
        for (qsizetype i = 0; i < targets.size(); ++i) {
            QJsonObject t = targets.at(i).toObject();
            if (t.value(QStringLiteral("name")).toString() == name) {
                change(t);
                targets.replace(i, t);
            }
        }
        config.insert(QStringLiteral("targets"), targets);
        return QJsonDocument(config).toJson();
    }

    /// A signed target `name` for user.created at `path` of a port where nothing answers.
    static TargetConfig hook(const QString &name, const QString &path, const QString &secret)
    {
        TargetConfig t;
        t.name = name;
        t.url = QStringLiteral("http://127.0.0.1:9/") + path;
        t.events = {QStringLiteral("user.created")};
        t.secret = secret;
        return t;
    }

    /// A long config: twelve targets hook0 to hook11 (target i signed with secretOf(i)), each
    /// then made as `shape` says.
    static ClusterConfig twelveHooks(const std::function<void(TargetConfig &)> &shape)
    {
        ClusterConfig c;
        for (int i = 0; i < 12; ++i) {
            c.targets << hook(QStringLiteral("hook%1").arg(i), QStringLiteral("hooks/%1").arg(i),
                              secretOf(i));
            shape(c.targets.last());
        }
        return c;
    }

    /// A config of one target, "hook".
    static ClusterConfig oneHook()
    {
        ClusterConfig c;
        c.targets << hook(QStringLiteral("hook"), QStringLiteral("hook"), secretOf(0));
        return c;
    }

    /// Starts `engine` without health checks on `config`, written to NAME.json, and the
    /// store NAME.db: "" when it runs, or why not.
    QString startEngine(LocalEngineSession &engine, const ClusterConfig &config,
                        const QString &name)
    {
        EngineOptions options;
        options.dbPath = m_dir.filePath(name + QStringLiteral(".db"));
        options.configPath = m_dir.filePath(name + QStringLiteral(".json"));
        options.healthChecks = false;
        const Status saved = config.saveToFile(options.configPath);
        if (!saved.ok())
            return QStringLiteral("cannot write %1: %2")
                .arg(options.configPath, saved.error().message);
        const Status started = awaitFuture(engine.start(options));
        return started.ok() ? QString()
                            : QStringLiteral("the engine did not start on %1: %2")
                                  .arg(options.dbPath, started.error().message);
    }

    /// The engine's running config applied again with `change` made to target `name`: the
    /// config version applied, or why none was.
    static Result<int> changeTarget(LocalEngineSession &engine, const QString &name,
                                    const std::function<void(QJsonObject &)> &change)
    {
        const Result<ClusterConfig> running = awaitFuture(engine.config(true));
        if (!running.ok())
            return running.error();
        return awaitFuture(engine.applyConfig(withTarget(running->toJson(), name, change)));
    }

    /// The row of the config version `version` applied (-1 when not listed).
    static int rowOfVersion(ui::AuditPage &page, int version)
    {
        const auto &rows = page.model()->rows();
        for (int r = 0; r < rows.size(); ++r)
            if (rows.at(r).action == u"config.apply" &&
                rows.at(r).subject == QStringLiteral("version %1").arg(version))
                return r;
        return -1;
    }

private slots:
    void aConfigVersionShowsTheKeysThatChanged()
    {
        // Each target signed, each with its own retry.
        const ClusterConfig c = twelveHooks([](TargetConfig &t) {
            t.events << QStringLiteral("user.updated");
            t.maxRetries = 5;
            t.retryIntervalMs = 1000;
        });
        LocalEngineSession engine(QStringLiteral("console:auditor"));
        const QString started = startEngine(engine, c, QStringLiteral("long"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto running = awaitFuture(engine.config(true));
        QVERIFY(running.ok());
        const QByteArray first = running->toJson();
        QVERIFY2(first.size() > 2000, first.constData()); // far more than a cell shows

        // One nested key of one target deep in the config changes: its retry interval.
        const auto retried = changeTarget(engine, QStringLiteral("hook7"), [](QJsonObject &t) {
            QJsonObject retry = t.value(QStringLiteral("retry")).toObject();
            retry.insert(QStringLiteral("interval"), formatDuration(2500));
            t.insert(QStringLiteral("retry"), retry);
        });
        QVERIFY2(retried.ok(), retried.ok() ? "" : qPrintable(retried.error().message));
        // Then a secret changes: said as changed, masked on both sides.
        const QString newSecret =
            secretOf(3, QStringLiteral("b")).left(40) + QStringLiteral("WXYZ");
        const auto signedAnew = changeTarget(engine, QStringLiteral("hook3"), [&](QJsonObject &t) {
            t.insert(QStringLiteral("secret"), newSecret);
        });
        QVERIFY2(signedAnew.ok(), signedAnew.ok() ? "" : qPrintable(signedAnew.error().message));

        ui::AuditPage page(&engine);
        page.resize(1200, 700);
        page.show();
        page.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(rowOfVersion(page, retried.value()) >= 0 &&
                                     rowOfVersion(page, signedAnew.value()) >= 0,
                                 10000);
        auto *table = page.findChild<QTableView *>(QStringLiteral("auditTable"));
        auto *detail = page.findChild<QPlainTextEdit *>(QStringLiteral("auditDetail"));
        QVERIFY(table);
        QVERIFY(detail);

        table->selectRow(rowOfVersion(page, retried.value()));
        QCOMPARE(detail->toPlainText(),
                 QStringLiteral("1 key(s) changed:\ntargets[hook7].retry.interval: \"%1\" → \"%2\"")
                     .arg(formatDuration(1000), formatDuration(2500)));

        table->selectRow(rowOfVersion(page, signedAnew.value()));
        const QString secretLine = detail->toPlainText();
        QCOMPARE(secretLine,
                 QStringLiteral("1 key(s) changed:\ntargets[hook3].secret: \"%1\" → \"%2\"")
                     .arg(maskSecret(secretOf(3)), maskSecret(newSecret)));
        for (const QString &secret : {secretOf(3), newSecret, secretOf(7)})
            QVERIFY2(!secretLine.contains(secret.left(12)), qPrintable(secretLine));

        // Anything else than a config: its before and after, whole.
        table->clearSelection();
        QCOMPARE(detail->toPlainText(), QStringLiteral("Select an entry to see what it changed."));
    }

    void aConfigVersionsCellsShowTheKeysThatChanged()
    {
        // The table's Before and After cells of a config version showed the start of two whole
        // configs, the same for every version: they now say the changed keys, each side its own
        // value, secrets masked as recorded.
        const ClusterConfig c = twelveHooks([](TargetConfig &t) { t.batchSize = 1; });
        LocalEngineSession engine(QStringLiteral("console:auditor"));
        const QString started = startEngine(engine, c, QStringLiteral("cells"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QString newSecret =
            secretOf(9, QStringLiteral("b")).left(40) + QStringLiteral("WXYZ");
        const auto applied = changeTarget(engine, QStringLiteral("hook9"), [&](QJsonObject &t) {
            t.insert(QStringLiteral("batch_size"), 5);
            t.insert(QStringLiteral("secret"), newSecret);
        });
        QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error().message));

        ui::AuditPage page(&engine);
        page.resize(1200, 700);
        page.show();
        page.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(rowOfVersion(page, applied.value()) >= 0, 10000);
        const int row = rowOfVersion(page, applied.value());
        const QAbstractItemModel *model = page.model();
        QCOMPARE(model->headerData(4, Qt::Horizontal).toString(), QStringLiteral("Before"));
        QCOMPARE(model->headerData(5, Qt::Horizontal).toString(), QStringLiteral("After"));
        QCOMPARE(model->index(row, 4).data().toString(),
                 QStringLiteral("targets[hook9].batch_size: 1; targets[hook9].secret: \"%1\"")
                     .arg(maskSecret(secretOf(9))));
        QCOMPARE(model->index(row, 5).data().toString(),
                 QStringLiteral("targets[hook9].batch_size: 5; targets[hook9].secret: \"%1\"")
                     .arg(maskSecret(newSecret)));
    }

    void theEntryWhereTheChainBreaksIsMarked()
    {
        // The banner said "BROKEN at entry 5" over a table that numbers no entry: an operator
        // counting rows from the top found another entry (walk35). The entry is now marked in
        // the table, named by its time and actor in the banner, and explained when selected.
        LocalEngineSession engine(QStringLiteral("console:auditor"));
        const QString started = startEngine(engine, oneHook(), QStringLiteral("chain"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QList<int> versions;
        for (int size = 2; size <= 4; ++size) {
            const auto applied = changeTarget(engine, QStringLiteral("hook"), [&](QJsonObject &o) {
                o.insert(QStringLiteral("batch_size"), size);
            });
            QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error().message));
            versions << applied.value();
        }
        {
            // Someone edits the middle one behind the engine's back.
            auto store = Store::open(m_dir.filePath(QStringLiteral("chain.db")));
            QVERIFY(store.ok());
            QSqlQuery q(store.value()->database());
            QVERIFY(q.exec(QStringLiteral("UPDATE audit SET actor = 'mallory' WHERE action = "
                                          "'config.apply' AND subject = 'version %1'")
                               .arg(versions.at(1))));
            QCOMPARE(q.numRowsAffected(), 1);
        }

        ui::AuditPage page(&engine);
        page.resize(1200, 700);
        page.show();
        page.refresh();
        const QAbstractItemModel *model = page.model();
        const auto marked = [&](int version) {
            const int row = rowOfVersion(page, version);
            return row >= 0 && model->index(row, 0).data(Qt::BackgroundRole).isValid();
        };
        QTRY_VERIFY_WITH_TIMEOUT(marked(versions.at(1)), 10000);
        const int row = rowOfVersion(page, versions.at(1));
        for (int column = 0; column < model->columnCount(); ++column)
            QVERIFY(model->index(row, column).data(Qt::BackgroundRole).isValid());
        QVERIFY(!marked(versions.at(0)));
        QVERIFY(!marked(versions.at(2)));

        auto *chain = page.findChild<QLabel *>(QStringLiteral("auditChain"));
        QVERIFY(chain);
        QVERIFY2(chain->text().contains(QStringLiteral("BROKEN")) &&
                     chain->text().contains(model->index(row, 0).data().toString()) &&
                     chain->text().contains(QStringLiteral("mallory")) &&
                     chain->text().contains(QStringLiteral("marked in the table")),
                 qPrintable(chain->text()));

        auto *table = page.findChild<QTableView *>(QStringLiteral("auditTable"));
        auto *detail = page.findChild<QPlainTextEdit *>(QStringLiteral("auditDetail"));
        QVERIFY(table);
        QVERIFY(detail);
        table->selectRow(row);
        QVERIFY2(detail->toPlainText().startsWith(QStringLiteral("The audit chain breaks here")),
                 qPrintable(detail->toPlainText()));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("batch_size")));
        table->selectRow(rowOfVersion(page, versions.at(2)));
        QVERIFY(!detail->toPlainText().contains(QStringLiteral("breaks")));
    }

    // Typing "node added" (or "configuration", or in Chinese "添加节点"), the words of the
    // Action column, gave an empty table and no word: only the recorded "node.add" matched
    // (misc35). The filter matches what the table shows, in the console's language, and the
    // recorded form; an empty result says that nothing matches.
    void theFilterMatchesTheWordsTheTableShows()
    {
        LocalEngineSession engine(QStringLiteral("console:auditor"));
        const QString started = startEngine(engine, oneHook(), QStringLiteral("words"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        NodeSpec spec;
        spec.id = QStringLiteral("web-1");
        spec.url = QStringLiteral("http://127.0.0.1:9");
        QVERIFY(awaitFuture(engine.addNode(spec)).ok());
        const auto applied = changeTarget(engine, QStringLiteral("hook"), [](QJsonObject &o) {
            o.insert(QStringLiteral("batch_size"), 7);
        });
        QVERIFY2(applied.ok(), applied.ok() ? "" : qPrintable(applied.error().message));

        ui::AuditPage page(&engine);
        page.resize(1200, 700);
        page.show();
        auto *filter = page.findChild<QLineEdit *>(QStringLiteral("auditFilter"));
        QVERIFY(filter);
        // The actions of the rows shown, each once.
        const auto actions = [&page] {
            QStringList found;
            for (const AuditEntry &e : page.model()->rows())
                found << e.action;
            found.removeDuplicates();
            return found;
        };
        const QStringList nodeAdd{QStringLiteral("node.add")};
        const QStringList configApply{QStringLiteral("config.apply")};
        const QStringList none;
        filter->setText(QStringLiteral("node added"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), nodeAdd, 10000);
        auto *noMatch = page.findChild<QLabel *>(QStringLiteral("auditNoMatch"));
        QVERIFY(noMatch);
        QVERIFY(!noMatch->isVisible());
        filter->setText(QStringLiteral("Configuration"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), configApply, 10000);
        filter->setText(QStringLiteral("node.add")); // the recorded form still matches
        QTRY_COMPARE_WITH_TIMEOUT(actions(), nodeAdd, 10000);
        filter->setText(QStringLiteral("node deleted"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), none, 10000);
        QTRY_VERIFY(noMatch->isVisible());
        QCOMPARE(noMatch->text(), QStringLiteral("No entries match \"node deleted\"."));

        QTranslator zh;
        QVERIFY(zh.load(QStringLiteral(":/i18n/jobfirst_zh_CN.qm")));
        QCoreApplication::installTranslator(&zh);
        page.retranslate();
        filter->setText(QStringLiteral("添加节点"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), nodeAdd, 10000);
        QVERIFY(!noMatch->isVisible());
        filter->setText(QStringLiteral("应用配置"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), configApply, 10000);
        filter->setText(QStringLiteral("删除节点"));
        QTRY_COMPARE_WITH_TIMEOUT(actions(), none, 10000);
        QTRY_VERIFY(noMatch->isVisible());
        QVERIFY2(noMatch->text().contains(QStringLiteral("删除节点")), qPrintable(noMatch->text()));
        QCoreApplication::removeTranslator(&zh);
    }
};

QTEST_MAIN(TestAuditPage)
#include "tst_auditpage.moc"
