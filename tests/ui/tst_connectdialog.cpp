// SPDX-License-Identifier: GPL-3.0-or-later
// File → Connect to engine…: a URL that is not an engine's says what is wrong with it, and
// nothing can be confirmed until it is right; a token remembered is filled in, and one not to
// be remembered is forgotten. Real dialog, offscreen, real token files in a HOME of its own.
#include "core/backgroundpool.h"
#include "dialogs/connectdialog.h"
#include "remote/tokenvault.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace jobfirst;

class TestConnectDialog final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home; ///< HOME and XDG_CONFIG_HOME: the settings and the token files

    /// Lets the dialog's file reads finish and their answers arrive.
    static void settle()
    {
        backgroundPool()->waitForDone();
        QCoreApplication::processEvents();
        QCoreApplication::sendPostedEvents();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        // Before anything reads a path: the tokens this test writes and deletes are its own.
        qputenv("HOME", QFile::encodeName(m_home.path()));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home.filePath(QStringLiteral(".config"))));
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("jobfirst-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_connectdialog"));
        QSettings().clear();
    }

    void badUrlSaysWhatIsWrong_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("named"); // what the error must name
        QTest::newRow("api path") << QStringLiteral("http://127.0.0.1:8700/api/v1")
                                  << QStringLiteral("/api/v1");
        QTest::newRow("query") << QStringLiteral("https://engine.example:8700/?x=1")
                               << QStringLiteral("?x=1");
        QTest::newRow("no scheme") << QStringLiteral("127.0.0.1:8700")
                                   << QStringLiteral("http://");
        QTest::newRow("other scheme") << QStringLiteral("ftp://127.0.0.1:8700")
                                      << QStringLiteral("http://");
        QTest::newRow("user") << QStringLiteral("http://me@127.0.0.1:8700")
                              << QStringLiteral("user");
        QTest::newRow("port out of range")
            << QStringLiteral("http://127.0.0.1:99999") << QStringLiteral("1 to 65535");
    }

    void badUrlSaysWhatIsWrong()
    {
        QFETCH(QString, url);
        QFETCH(QString, named);
        ui::ConnectDialog dialog;
        dialog.show();
        auto *server = dialog.findChild<QLineEdit *>(QStringLiteral("server"));
        auto *token = dialog.findChild<QLineEdit *>(QStringLiteral("token"));
        auto *error = dialog.findChild<QLabel *>(QStringLiteral("connectError"));
        auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(server && token && error && ok);
        token->setText(QStringLiteral("jft_abc"));
        server->setText(url);
        QVERIFY2(error->text().contains(named), qPrintable(error->text()));
        QVERIFY(!ok->isEnabled());
        // Put right, the error goes and the dialog can be confirmed.
        server->setText(QStringLiteral("http://127.0.0.1:8700"));
        QVERIFY(error->text().isEmpty());
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog.server(), QUrl(QStringLiteral("http://127.0.0.1:8700")));
    }

    /// The dialog says it remembers the token (in a 0600 file): the same engine chosen again
    /// gets it filled in, masked, and another engine does not. It was never filled in, so the
    /// "remembered" token had to be found and pasted again.
    void theRememberedTokenIsFilledInForItsEngine()
    {
        const QUrl engine(QStringLiteral("http://127.0.0.1:8711"));
        const QByteArray secret = "jft_remembered-for-8711";
        QVERIFY(TokenVault::store(engine, secret));
        QSettings().setValue(QStringLiteral("remote/lastTried"), engine.toString());
        ui::ConnectDialog dialog;
        dialog.show();
        auto *server = dialog.findChild<QLineEdit *>(QStringLiteral("server"));
        auto *token = dialog.findChild<QLineEdit *>(QStringLiteral("token"));
        auto *note = dialog.findChild<QLabel *>(QStringLiteral("rememberedNote"));
        auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(server && token && ok);
        QTRY_COMPARE(token->text(), QString::fromLatin1(secret));
        QCOMPARE(token->echoMode(), QLineEdit::Password);
        QVERIFY(note && note->isVisible() && !note->text().contains(QString::fromLatin1(secret)));
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog.token(), secret);

        // Another engine: not this one's token.
        server->setText(QStringLiteral("http://127.0.0.1:8712"));
        settle();
        QVERIFY(token->text().isEmpty());
        QVERIFY(!ok->isEnabled());
        server->setText(engine.toString());
        QTRY_COMPARE(token->text(), QString::fromLatin1(secret));

        // A token typed is the operator's: never replaced or cleared.
        token->clear();
        QTest::keyClicks(token, QStringLiteral("jft_typed"));
        server->setText(QStringLiteral("http://127.0.0.1:8712"));
        server->setText(engine.toString());
        settle();
        QCOMPARE(token->text(), QStringLiteral("jft_typed"));

        // The settings file holds no token.
        const QSettings settings;
        for (const QString &key : settings.allKeys())
            QVERIFY2(!settings.value(key).toString().contains(QString::fromLatin1(secret)),
                     qPrintable(key));
    }

    /// Unticked, "Remember" means forget: OK deletes the token remembered for the engine (the
    /// next start attached with it), and no other engine's, and the box says so while it is
    /// unticked. Ticked, the file stays. The file stayed either way.
    void anUntickedBoxForgetsTheRememberedToken_data()
    {
        QTest::addColumn<bool>("remember");
        QTest::newRow("unticked") << false;
        QTest::newRow("ticked") << true;
    }
    void anUntickedBoxForgetsTheRememberedToken()
    {
        QFETCH(bool, remember);
        const QUrl engine(QStringLiteral("http://127.0.0.1:8721"));
        const QUrl other(QStringLiteral("http://127.0.0.1:8722"));
        QVERIFY(TokenVault::store(engine, "jft_remembered-for-8721"));
        QVERIFY(TokenVault::store(other, "jft_remembered-for-8722"));
        const QString file = TokenVault::pathFor(engine);
        QVERIFY(file.startsWith(m_home.path()) && QFile::exists(file));
        QSettings().setValue(QStringLiteral("remote/lastTried"), engine.toString());
        ui::ConnectDialog dialog;
        dialog.show();
        auto *token = dialog.findChild<QLineEdit *>(QStringLiteral("token"));
        auto *box = dialog.findChild<QCheckBox *>();
        auto *note = dialog.findChild<QLabel *>(QStringLiteral("forgetNote"));
        auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(token && box && note && ok);
        QTRY_COMPARE(token->text(), QStringLiteral("jft_remembered-for-8721"));
        QVERIFY(box->isChecked() && !note->isVisible());
        box->setChecked(remember);
        QCOMPARE(note->isVisible(), !remember);
        QVERIFY2(note->text().contains(QStringLiteral("deletes the token")),
                 qPrintable(note->text()));
        ok->click();
        QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
        QCOMPARE(QFile::exists(file), remember);
        QVERIFY(QFile::exists(TokenVault::pathFor(other)));
        QCOMPARE(dialog.token(), QByteArray("jft_remembered-for-8721")); // connected with it
        QCOMPARE(dialog.remember(), remember);
    }

    /// The remembered token cannot be deleted (here: a folder holds its place): the dialog
    /// says so, naming the file, and stays open; nothing is connected with it believed gone.
    void aTokenThatCannotBeForgottenIsSaid()
    {
        const QUrl engine(QStringLiteral("http://127.0.0.1:8723"));
        const QString file = TokenVault::pathFor(engine);
        QVERIFY(QDir().mkpath(file + QStringLiteral("/inside")));
        QSettings().setValue(QStringLiteral("remote/lastTried"), engine.toString());
        ui::ConnectDialog dialog;
        dialog.show();
        auto *token = dialog.findChild<QLineEdit *>(QStringLiteral("token"));
        auto *error = dialog.findChild<QLabel *>(QStringLiteral("connectError"));
        auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(token && error && ok);
        settle();
        token->setText(QStringLiteral("jft_typed"));
        dialog.findChild<QCheckBox *>()->setChecked(false);
        ok->click();
        QTRY_VERIFY(error->text().contains(file));
        QVERIFY2(error->text().contains(QStringLiteral("cannot be deleted")),
                 qPrintable(error->text()));
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(ok->isEnabled());
        QVERIFY(QFileInfo(file).isDir());
    }
};

QTEST_MAIN(TestConnectDialog)
#include "tst_connectdialog.moc"
