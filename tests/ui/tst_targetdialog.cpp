// SPDX-License-Identifier: GPL-3.0-or-later
// Sync → Targets → "Edit connection…": a target's TLS files, token and tls_insecure set in the
// console's dialog, checked by the engine as they are typed, applied as a config version, and
// used by real deliveries to a nodesim that serves HTTPS and requires a client certificate
// (certificates made by openssl here). A tls_insecure target is marked red in the table.
#include "api/localenginesession.h"
#include "dialogs/targetdialog.h"
#include "mainwindow.h"
#include "nodesimprocess.h"
#include "pages/syncpage.h"
#include "testcertificates.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestTargetDialog final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    TestCertificates m_certs;
    NodeSimProcess m_target;
    std::unique_ptr<LocalEngineSession> m_engine;
    std::unique_ptr<ui::MainWindow> m_window;
    const QString m_secret = QStringLiteral("target-dialog-signing-secret-0001");

    ui::SyncPage *sync() const { return m_window->sync(); }

    /// Selects the service target `name` and clicks "Edit connection…"; answers the dialog.
    ui::TargetDialog *openEditor(const QString &name)
    {
        QTableView *view = sync()->serviceTargetView();
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, 0).data().toString().startsWith(name))
                view->selectRow(r);
        auto *edit = sync()->findChild<QPushButton *>(QStringLiteral("editTarget"));
        if (!edit || !edit->isEnabled())
            return nullptr;
        QTest::mouseClick(edit, Qt::LeftButton);
        for (ui::TargetDialog *d : sync()->findChildren<ui::TargetDialog *>())
            if (d->isVisible())
                return d;
        return nullptr;
    }

    static void type(QWidget *root, const char *field, const QString &text)
    {
        auto *e = root->findChild<QLineEdit *>(QString::fromLatin1(field));
        QVERIFY(e);
        e->selectAll();
        if (text.isEmpty())
            QTest::keyClick(e, Qt::Key_Delete);
        else
            QTest::keyClicks(e, text);
    }

    static QString error(QWidget *d)
    {
        return d->findChild<QLabel *>(QStringLiteral("targetError"))->text();
    }
    static QPushButton *ok(QWidget *d)
    {
        return d->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    }

    TargetConfig running() const
    {
        return *m_engine->config(true).result().value().target(QStringLiteral("t0"));
    }

    int applied()
    {
        return m_target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_certs.make(m_dir.path()));
        // HTTPS with a certificate from a CA the system does not trust, and mTLS required.
        m_target.setSecret(m_secret);
        m_target.useTls(m_certs.caCert(), m_certs.clientCert(), m_certs.clientKey());
        QVERIFY(m_target.start(QStringLiteral("t0"), 0,
                               {QStringLiteral("--tls-cert"), m_certs.serverCert(),
                                QStringLiteral("--tls-key"), m_certs.serverKey(),
                                QStringLiteral("--client-ca"), m_certs.caCert()}));
        ClusterConfig c;
        c.syncRetryIntervalMs = 100;
        TargetConfig t;
        t.name = QStringLiteral("t0");
        t.url = m_target.url() + QStringLiteral("/sync");
        t.events = {QStringLiteral("user.created")};
        t.secret = m_secret;
        t.maxRetries = 50;
        c.targets = {t};
        const QString configPath = m_dir.filePath(QStringLiteral("c.json"));
        QVERIFY(c.saveToFile(configPath).ok());
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("console:test"));
        EngineOptions options;
        options.dbPath = m_dir.filePath(QStringLiteral("c.db"));
        options.configPath = configPath;
        options.refreshMs = 100;
        options.healthChecks = false;
        QVERIFY(m_engine->start(options).result().ok());
        m_window = std::make_unique<ui::MainWindow>(m_engine.get());
        m_window->switchLanguage(QStringLiteral("en"));
        m_window->engineReady();
        m_window->setRefreshInterval(100);
        m_window->show();
        m_window->showPage(3);
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(sync()->serviceTargetView()->model()->rowCount() == 1, 10000);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine->stop();
    }

    void withoutTheCaTheCertificateIsRefused()
    {
        SyncEvent e;
        e.type = QStringLiteral("user.created");
        e.userId = QStringLiteral("ann");
        QVERIFY(m_engine->sendEvents({e}, SyncMode::RealTime, QString()).result().ok());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_engine->targetStatus(QStringLiteral("t0"))
                .result()
                ->lastError.contains(QStringLiteral("certificate"), Qt::CaseInsensitive),
            15000);
        QCOMPARE(applied(), 0);
    }

    void eachBadSettingIsNamedAndOkStaysDisabled_data()
    {
        QTest::addColumn<QString>("caFile");
        QTest::addColumn<QString>("clientCert");
        QTest::addColumn<QString>("clientKey");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("expected");
        const QString missing = QStringLiteral("/nonexistent/ca.pem");
        QTest::newRow("a CA file that is not there")
            << missing << QString() << QString() << QString()
            << QStringLiteral("ca_file: \"%1\" does not exist").arg(missing);
        QTest::newRow("a certificate without its key")
            << QString() << QStringLiteral("CERT") << QString() << QString()
            << QStringLiteral("client_key");
        QTest::newRow("a key without its certificate")
            << QString() << QString() << QStringLiteral("KEY") << QString()
            << QStringLiteral("client_cert");
        QTest::newRow("not a web URL")
            << QString() << QString() << QString() << QStringLiteral("ftp://127.0.0.1/sync")
            << QStringLiteral("url");
    }

    void eachBadSettingIsNamedAndOkStaysDisabled()
    {
        QFETCH(QString, caFile);
        QFETCH(QString, clientCert);
        QFETCH(QString, clientKey);
        QFETCH(QString, url);
        QFETCH(QString, expected);
        ui::TargetDialog *d = openEditor(QStringLiteral("t0"));
        QVERIFY(d);
        QTRY_VERIFY(d->isLoaded());
        QTRY_VERIFY(d->isValid()); // the running settings pass
        QVERIFY(ok(d)->isEnabled());
        type(d, "caFile", caFile);
        type(d, "clientCert", clientCert == u"CERT" ? m_certs.clientCert() : clientCert);
        type(d, "clientKey", clientKey == u"KEY" ? m_certs.clientKey() : clientKey);
        if (!url.isEmpty())
            type(d, "url", url);
        QTRY_VERIFY2_WITH_TIMEOUT(error(d).contains(expected), qPrintable(error(d)), 10000);
        QVERIFY(error(d).contains(QStringLiteral("t0")));
        QVERIFY(!ok(d)->isEnabled());
        QVERIFY(!d->isValid());
        d->reject();
        // Nothing was applied.
        QCOMPARE(running().caFile, QString());
        QCOMPARE(running().clientCert, QString());
        QVERIFY(running().url.startsWith(QStringLiteral("https://")));
    }

    void theCaAndClientCertificateSetHereAreUsedForDeliveries()
    {
        ui::TargetDialog *d = openEditor(QStringLiteral("t0"));
        QVERIFY(d);
        QTRY_VERIFY(d->isLoaded());
        type(d, "caFile", m_certs.caCert());
        type(d, "clientCert", m_certs.clientCert());
        type(d, "clientKey", m_certs.clientKey());
        QTRY_VERIFY_WITH_TIMEOUT(d->isValid(), 10000);
        QVERIFY2(error(d).isEmpty(), qPrintable(error(d)));
        QSignalSpy applied(d, &ui::TargetDialog::applied);
        QTest::mouseClick(ok(d), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
        const TargetConfig t = running();
        QCOMPARE(t.caFile, m_certs.caCert());
        QCOMPARE(t.clientCert, m_certs.clientCert());
        QCOMPARE(t.clientKey, m_certs.clientKey());
        QCOMPARE(t.secret, m_secret); // the masked secret in the dialog's copy kept its value
        // The waiting event now goes through, over mTLS, with the CA given here.
        QTRY_COMPARE_WITH_TIMEOUT(this->applied(), 1, 60000);
        // The config file on disk says the same.
        QVERIFY(ClusterConfig::fromFile(m_dir.filePath(QStringLiteral("c.json")))
                    ->target(QStringLiteral("t0"))
                    ->caFile == m_certs.caCert());
    }

    void anInsecureTargetIsMarkedRed()
    {
        const QModelIndex name = sync()->serviceTargetView()->model()->index(0, 0);
        QVERIFY(!name.data().toString().contains(QStringLiteral("TLS not verified")));
        ui::TargetDialog *d = openEditor(QStringLiteral("t0"));
        QVERIFY(d);
        QTRY_VERIFY(d->isLoaded());
        auto *insecure = d->findChild<QCheckBox *>(QStringLiteral("tlsInsecure"));
        auto *warning = d->findChild<QLabel *>(QStringLiteral("insecureWarning"));
        QVERIFY(!warning->isVisible());
        insecure->click();
        QVERIFY(warning->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(d->isValid(), 10000);
        QTest::mouseClick(ok(d), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(running().tlsInsecure, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            sync()->serviceTargetView()->model()->index(0, 0).data().toString().contains(
                QStringLiteral("TLS not verified")),
            10000);
        const QModelIndex marked = sync()->serviceTargetView()->model()->index(0, 0);
        QCOMPARE(marked.data(Qt::ForegroundRole).value<QBrush>().color(), QColor(0xc6, 0x28, 0x28));
        QVERIFY(marked.data(Qt::ToolTipRole).toString().contains(QStringLiteral("tls_insecure")));
        // And back: the mark goes when verification is on again.
        d = openEditor(QStringLiteral("t0"));
        QVERIFY(d);
        QTRY_VERIFY(d->isLoaded());
        QVERIFY(d->findChild<QCheckBox *>(QStringLiteral("tlsInsecure"))->isChecked());
        d->findChild<QCheckBox *>(QStringLiteral("tlsInsecure"))->click();
        QTRY_VERIFY_WITH_TIMEOUT(d->isValid(), 10000);
        QTest::mouseClick(ok(d), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            !sync()->serviceTargetView()->model()->index(0, 0).data().toString().contains(
                QStringLiteral("TLS not verified")),
            10000);
    }
};

QTEST_MAIN(TestTargetDialog)
#include "tst_targetdialog.moc"
