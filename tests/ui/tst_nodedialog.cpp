// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialogs/nodedialog.h"
#include "api/localenginesession.h"
#include "nodesimprocess.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTranslator>
#include <QTemporaryDir>
#include <QCheckBox>
#include <QtTest>

using namespace jobfirst;
using jobfirst::ui::NodeDialog;

class TestNodeDialog final : public QObject
{
    Q_OBJECT

    static QPushButton *ok(NodeDialog &d) { return d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok); }
    static void type(NodeDialog &d, const char *field, const QString &text)
    {
        QLineEdit *e = d.findChild<QLineEdit *>(QString::fromLatin1(field));
        e->selectAll();
        QTest::keyClick(e, Qt::Key_Backspace);
        QTest::keyClicks(e, text);
    }
    static QLabel *reason(NodeDialog &d, const char *name) { return d.findChild<QLabel *>(QString::fromLatin1(name)); }
    /// The engine on a store in `dir`, delivering nothing: what the dialog's checks need.
    static bool startEngine(LocalEngineSession &engine, const QTemporaryDir &dir)
    {
        EngineOptions options;
        options.dbPath = dir.filePath(QStringLiteral("c.db"));
        options.deliver = false;
        return engine.start(options).result().ok();
    }

private slots:
    void invalidInputShowsReasonAndDisablesOk_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("weight");
        QTest::addColumn<QString>("errorLabel");
        QTest::addColumn<QString>("mention");
        QTest::newRow("no scheme") << "n9" << "10.0.0.5:8080" << "1" << "urlError" << "http://";
        QTest::newRow("ftp") << "n9" << "ftp://host" << "1" << "urlError" << "http://";
        QTest::newRow("bad port") << "n9" << "http://host:99999" << "1" << "urlError" << "1 to 65535";
        QTest::newRow("duplicate id") << "a" << "http://127.0.0.1:1" << "1" << "idError" << "already exists";
        QTest::newRow("bad id") << "has space" << "http://127.0.0.1:1" << "1" << "idError" << "letters";
        QTest::newRow("weight 0") << "n9" << "http://127.0.0.1:1" << "0" << "weightError" << "1 to 256";
        QTest::newRow("weight text") << "n9" << "http://127.0.0.1:1" << "heavy" << "weightError" << "1 to 256";
    }
    void invalidInputShowsReasonAndDisablesOk()
    {
        QFETCH(QString, id);
        QFETCH(QString, url);
        QFETCH(QString, weight);
        QFETCH(QString, errorLabel);
        QFETCH(QString, mention);
        LocalEngineSession engine(QStringLiteral("test"));
        NodeDialog dialog(&engine, {QStringLiteral("a"), QStringLiteral("b")}, 10, std::nullopt);
        dialog.show();
        QVERIFY(!ok(dialog)->isEnabled()); // empty form
        type(dialog, "id", id);
        type(dialog, "url", url);
        type(dialog, "weight", weight);
        QLabel *label = reason(dialog, errorLabel.toLatin1().constData());
        QVERIFY(label->isVisible());
        QVERIFY2(label->text().contains(mention), qPrintable(label->text()));
        QVERIFY(!ok(dialog)->isEnabled());
        QVERIFY(!dialog.isValid());
        // Fixing the field clears the reason and enables OK.
        type(dialog, "id", QStringLiteral("n9"));
        type(dialog, "url", QStringLiteral("http://127.0.0.1:8080"));
        type(dialog, "weight", QStringLiteral("5"));
        QVERIFY(!label->isVisible());
        QVERIFY(ok(dialog)->isEnabled());
        QCOMPARE(dialog.spec().weight, 5);
    }

    // A malformed URL is said in the console's language: with the console in Chinese it was
    // "URL 格式不正确：Invalid port or port number out of range", QUrl's English inside.
    void urlFaultsAreSaidWithoutQtsEnglish_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("chinese"); // what the reason says, in the console's words
        QTest::newRow("port out of range") << "http://10.0.0.5:99999" << "65535";
        QTest::newRow("port not a number") << "http://10.0.0.5:80a" << "65535";
        QTest::newRow("port with user info") << "http://ops:pw@host:70000/x" << "65535";
        QTest::newRow("space in host") << "http://exa mple.com:8080" << "空格";
        QTest::newRow("space in path") << "http://10.0.0.5:8080/a b" << "空格";
        QTest::newRow("bad host") << "http://exa<mple>.com" << "主机";
        QTest::newRow("unclosed IPv6") << "http://[::1:8080/" << "主机";
        QTest::newRow("bad escape in path") << "http://10.0.0.5/a%zz" << "格式不正确";
    }
    void urlFaultsAreSaidWithoutQtsEnglish()
    {
        QFETCH(QString, url);
        QFETCH(QString, chinese);
        QTranslator zh;
        QVERIFY(zh.load(QStringLiteral(":/i18n/jobfirst_zh_CN.qm")));
        QCoreApplication::installTranslator(&zh);
        const auto english = qScopeGuard([&] { QCoreApplication::removeTranslator(&zh); });
        LocalEngineSession engine(QStringLiteral("test"));
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        type(dialog, "url", url);
        const QString said = reason(dialog, "urlError")->text();
        QVERIFY(reason(dialog, "urlError")->isVisible());
        QVERIFY2(said.contains(chinese), qPrintable(said));
        // No word of QUrl's own reason (the URL's own words aside: a host may be quoted).
        const QString qts = QUrl(url, QUrl::StrictMode).errorString();
        QVERIFY(!qts.isEmpty());
        static const QRegularExpression word(QStringLiteral("[A-Za-z]{2,}"));
        for (const auto &m : word.globalMatch(qts.section(QStringLiteral("; source was"), 0, 0))) {
            const QString w = m.captured();
            QVERIFY2(url.contains(w) || !said.contains(w, Qt::CaseInsensitive),
                     qPrintable(QStringLiteral("\"%1\" in \"%2\" (QUrl: %3)").arg(w, said, qts)));
        }
    }

    void fullClusterIsExplained()
    {
        LocalEngineSession engine(QStringLiteral("test"));
        NodeDialog dialog(&engine, {QStringLiteral("a"), QStringLiteral("b")}, 2, std::nullopt);
        dialog.show();
        type(dialog, "id", QStringLiteral("c"));
        type(dialog, "url", QStringLiteral("http://127.0.0.1:1"));
        QVERIFY(reason(dialog, "clusterError")->isVisible());
        QVERIFY(reason(dialog, "clusterError")->text().contains(QStringLiteral("max_nodes is 2")));
        QVERIFY(!ok(dialog)->isEnabled());
    }

    void editingKeepsTheNodesTlsSettings()
    {
        // Editing a node's weight must not drop its CA, client certificate or token.
        LocalEngineSession engine(QStringLiteral("test"));
        NodeSpec node{QStringLiteral("a"), QStringLiteral("https://10.0.0.5:8443")};
        node.caFile = QStringLiteral("/etc/jobfirst/ca.pem");
        node.clientCert = QStringLiteral("/etc/jobfirst/client.pem");
        node.clientKey = QStringLiteral("/etc/jobfirst/client.key");
        node.tokenFile = QStringLiteral("/etc/jobfirst/a.token");
        NodeDialog dialog(&engine, {QStringLiteral("a")}, 10, node);
        dialog.show();
        type(dialog, "weight", QStringLiteral("7"));
        NodeSpec edited = dialog.spec();
        QCOMPARE(edited.weight, 7);
        edited.weight = node.weight;
        QCOMPARE(edited, node);
        // Turning verification off says what that costs, in red, before anything is saved.
        auto *insecure = dialog.findChild<QCheckBox *>(QStringLiteral("tlsInsecure"));
        QVERIFY(!reason(dialog, "insecureWarning")->isVisible());
        insecure->setChecked(true);
        QVERIFY(reason(dialog, "insecureWarning")->isVisible());
        QVERIFY(dialog.spec().tlsInsecure);
    }

    void noErrorBeforeAFieldIsEditedOrLeft()
    {
        LocalEngineSession engine(QStringLiteral("test"));
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        // An empty form is not valid, but nothing was typed yet: no red text.
        for (const char *name : {"idError", "urlError", "pathError", "weightError", "tagsError"})
            QVERIFY2(!reason(dialog, name)->isVisible(), name);
        QVERIFY(!ok(dialog)->isEnabled());
        // Leaving the ID field empty shows its error.
        dialog.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        QLineEdit *id = dialog.findChild<QLineEdit *>(QStringLiteral("id"));
        id->setFocus();
        QTRY_VERIFY(id->hasFocus());
        QLineEdit *url = dialog.findChild<QLineEdit *>(QStringLiteral("url"));
        QTest::keyClick(id, Qt::Key_Tab);
        QTRY_VERIFY(url->hasFocus());
        QVERIFY(reason(dialog, "idError")->isVisible());
        QVERIFY(!reason(dialog, "urlError")->isVisible());
    }

    void errorsDoNotMoveTheFields()
    {
        LocalEngineSession engine(QStringLiteral("test"));
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QLineEdit *path = dialog.findChild<QLineEdit *>(QStringLiteral("healthPath"));
        QLineEdit *weight = dialog.findChild<QLineEdit *>(QStringLiteral("weight"));
        const int pathY = path->mapTo(&dialog, QPoint()).y(), weightY = weight->mapTo(&dialog, QPoint()).y();
        type(dialog, "id", QStringLiteral("has space"));
        type(dialog, "url", QStringLiteral("not a url"));
        QVERIFY(reason(dialog, "idError")->isVisible());
        QVERIFY(reason(dialog, "urlError")->isVisible());
        QCoreApplication::processEvents(); // layouts settle
        QCOMPARE(path->mapTo(&dialog, QPoint()).y(), pathY);
        QCOMPARE(weight->mapTo(&dialog, QPoint()).y(), weightY);
        type(dialog, "url", QStringLiteral("http://127.0.0.1:1"));
        QVERIFY(!reason(dialog, "urlError")->isVisible());
        QCoreApplication::processEvents();
        QCOMPARE(weight->mapTo(&dialog, QPoint()).y(), weightY);
    }

    void testResultClearsWhenTheUrlChanges()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("probe-me")));
        QTemporaryDir dir;
        LocalEngineSession engine(QStringLiteral("test"));
        QVERIFY(startEngine(engine, dir));
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        type(dialog, "id", QStringLiteral("p"));
        type(dialog, "url", sim.url());
        QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("testConnection")), Qt::LeftButton);
        QLabel *result = dialog.findChild<QLabel *>(QStringLiteral("testResult"));
        QTRY_VERIFY_WITH_TIMEOUT(result->text().startsWith(QStringLiteral("Healthy")), 10000);
        // Another port: "Healthy" was about the old URL and must not stay.
        QTest::keyClick(dialog.findChild<QLineEdit *>(QStringLiteral("url")), Qt::Key_Backspace);
        QVERIFY(result->text().isEmpty());
        engine.stop();
    }

    // The engine refused a node whose CA file is not on its machine after the dialog had
    // closed: the reason was a passing line in the status bar and everything typed was gone
    // (walk34). The dialog now stays, says why, and adds the node once it is put right.
    void aNodeTheEngineRefusesKeepsTheDialogAndItsFields()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("refused")));
        QTemporaryDir dir;
        LocalEngineSession engine(QStringLiteral("test"));
        QVERIFY(startEngine(engine, dir));
        auto stop = qScopeGuard([&engine] { engine.stop(); });
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        const QString missing = dir.filePath(QStringLiteral("missing-ca.pem"));
        type(dialog, "id", QStringLiteral("p"));
        type(dialog, "url", sim.url());
        type(dialog, "weight", QStringLiteral("4"));
        type(dialog, "caFile", missing);
        QVERIFY(ok(dialog)->isEnabled());
        QTest::mouseClick(ok(dialog), Qt::LeftButton);
        QVERIFY(dialog.isVisible()); // until the engine answers
        QLabel *refused = reason(dialog, "engineError");
        QVERIFY(refused);
        QTRY_VERIFY_WITH_TIMEOUT(refused->isVisible(), 10000);
        QVERIFY(dialog.isVisible());
        QVERIFY2(refused->text().contains(QStringLiteral("missing-ca.pem")) &&
                     refused->text().contains(QStringLiteral("does not exist")),
                 qPrintable(refused->text()));
        const NodeSpec kept = dialog.spec();
        QCOMPARE(kept.id, QStringLiteral("p"));
        QCOMPARE(kept.url, sim.url());
        QCOMPARE(kept.weight, 4);
        QCOMPARE(kept.caFile, missing);
        QVERIFY(engine.nodes().result().value().isEmpty());
        QVERIFY(ok(dialog)->isEnabled()); // to try again

        // The refusal was about the file named: a change makes it old; then OK adds the node.
        type(dialog, "caFile", QString());
        QVERIFY(!refused->isVisible());
        QTest::mouseClick(ok(dialog), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isVisible(), 10000);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const QList<NodeStatus> nodes = engine.nodes().result().value();
        QCOMPARE(nodes.size(), 1);
        QCOMPARE(nodes.first().spec.weight, 4);
    }

    void testConnectionRunsARealCheck()
    {
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("probe-me")));
        QTemporaryDir dir;
        LocalEngineSession engine(QStringLiteral("test"));
        QVERIFY(startEngine(engine, dir));
        NodeDialog dialog(&engine, {}, 10, std::nullopt);
        dialog.show();
        type(dialog, "id", QStringLiteral("p"));
        type(dialog, "url", sim.url());
        QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("testConnection")), Qt::LeftButton);
        QLabel *result = dialog.findChild<QLabel *>(QStringLiteral("testResult"));
        QTRY_VERIFY_WITH_TIMEOUT(result->text().startsWith(QStringLiteral("Healthy")), 10000);
        sim.kill();
        QTest::mouseClick(dialog.findChild<QPushButton *>(QStringLiteral("testConnection")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(result->text().contains(QStringLiteral("connection refused")), 10000);
        engine.stop();
    }
};

QTEST_MAIN(TestNodeDialog)
#include "tst_nodedialog.moc"
