// SPDX-License-Identifier: GPL-3.0-or-later
// File → Restore… as an operator uses it: a real backup made here by the engine, restored
// through the dialog's widgets on the offscreen platform; a wrong passphrase, an altered or
// truncated file, a file that is no backup and an existing target are refused and write
// nothing, in the console's language.
#include "api/localenginesession.h"
#include "dialogs/restoredialog.h"
#include "mainwindow.h"
#include "store/backup.h"
#include "store/store.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {
constexpr char Passphrase[] = "correct horse battery staple";
}

class TestRestoreDialog final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<LocalEngineSession> m_engine;
    std::unique_ptr<ui::MainWindow> m_window;
    QString m_backup;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    static QByteArray readAll(const QString &file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    static void writeAll(const QString &file, const QByteArray &bytes)
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(bytes), bytes.size());
    }

    /// Opens File → Restore… the way a user does, and answers the dialog it showed.
    ui::RestoreDialog *openFromTheFileMenu()
    {
        auto *action = m_window->findChild<QAction *>(QStringLiteral("restoreAction"));
        if (!action || !action->isEnabled())
            return nullptr;
        action->trigger();
        const auto dialogs = m_window->findChildren<ui::RestoreDialog *>();
        for (ui::RestoreDialog *d : dialogs)
            if (d->isVisible())
                return d;
        return nullptr;
    }

    static void fill(ui::RestoreDialog *d, const QString &file, const QString &passphrase,
                     const QString &target)
    {
        for (const auto &[name, text] :
             {std::pair{"backupFile", file}, std::pair{"passphrase", passphrase},
              std::pair{"restoreTarget", target}}) {
            auto *e = d->findChild<QLineEdit *>(QString::fromLatin1(name));
            QVERIFY(e);
            e->clear();
            QTest::keyClicks(e, text);
        }
    }

    /// Clicks Restore and waits for the engine's answer on screen.
    static QString clickRestore(ui::RestoreDialog *d)
    {
        auto *restore = d->findChild<QPushButton *>(QStringLiteral("restoreButton"));
        auto *outcome = d->findChild<QLabel *>(QStringLiteral("restoreOutcome"));
        if (!restore || !outcome || !restore->isEnabled())
            return QStringLiteral("(Restore not clickable)");
        auto *file = d->findChild<QLineEdit *>(QStringLiteral("backupFile"));
        QTest::mouseClick(restore, Qt::LeftButton);
        // The fields are locked while the engine works, editable again once its answer shows.
        if (!QTest::qWaitFor(
                [&] {
                    return file->isEnabled() &&
                           !outcome->text().startsWith(QStringLiteral("Restoring"));
                },
                60000))
            return QStringLiteral("(no answer within 60 s)");
        return outcome->text();
    }

    /// A backup of an SQLite file that is not a JobFirst store (it has a `meta` table, which
    /// is all a backup needs to be made): it decrypts, and its store fails the check.
    QString foreignStoreBackup()
    {
        const QString foreign = path(QStringLiteral("foreign.sqlite"));
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(foreign);
            if (!db.open() ||
                !QSqlQuery(db).exec(QStringLiteral("CREATE TABLE meta (key TEXT, value TEXT)")))
                return {};
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        const QString file = path(QStringLiteral("foreign.jfbackup"));
        return Backup::create(foreign, file, Passphrase).ok() ? file : QString();
    }

    /// The real backup made in initTestCase, damaged as `damage` says, in a file of its own; or
    /// another file in its place: random bytes, or a backup of a foreign store.
    QString damagedBackup(const QString &damage)
    {
        if (damage == u"foreign")
            return foreignStoreBackup();
        QByteArray bytes = readAll(m_backup);
        if (damage == u"flip")
            bytes[bytes.size() / 2] = char(bytes.at(bytes.size() / 2) ^ 0x40);
        else if (damage == u"truncate")
            bytes.chop(bytes.size() / 3);
        else if (damage == u"append")
            bytes.append("appended");
        else if (damage == u"format")
            bytes[8] = char(2); // the format, after "JFBACKUP"
        else if (damage == u"kdf")
            bytes[10] = char(40); // scrypt's log2 N, far out of range
        else if (damage == u"random") {
            bytes.resize(64 * 1024);
            QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                                  bytes.size() / 4);
        }
        const QString file = path(QStringLiteral("damaged-%1.jfbackup").arg(damage));
        writeAll(file, bytes);
        return file;
    }

    /// Nothing but the given files in the folder: no staging copy, no partial store.
    void expectOnlyKnownFiles()
    {
        const QStringList files = QDir(m_dir.path()).entryList(QDir::Files);
        for (const QString &f : files)
            QVERIFY2(!f.contains(QStringLiteral(".tmp")) &&
                         !f.startsWith(QStringLiteral("refused")),
                     qPrintable(files.join(u' ')));
    }

private slots:
    void initTestCase()
    {
        m_engine = std::make_unique<LocalEngineSession>(QStringLiteral("console:test"));
        EngineOptions options;
        options.dbPath = path(QStringLiteral("live.db"));
        options.refreshMs = 100;
        options.healthChecks = false;
        options.deliver = false;
        QVERIFY(m_engine->start(options).result().ok());
        NodeSpec before;
        before.id = QStringLiteral("in-the-backup");
        before.url = QStringLiteral("http://127.0.0.1:9");
        QVERIFY(m_engine->addNode(before).result().ok());
        m_backup = path(QStringLiteral("live.jfbackup"));
        const auto made = m_engine->createBackup(m_backup, Passphrase).result();
        QVERIFY2(made.ok(), made ? "" : qPrintable(made.error().message));
        NodeSpec after = before;
        after.id = QStringLiteral("after-the-backup");
        QVERIFY(m_engine->addNode(after).result().ok());
        m_window = std::make_unique<ui::MainWindow>(m_engine.get());
        m_window->switchLanguage(QStringLiteral("en"));
        m_window->engineReady();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine->stop();
    }

    void restoreNeedsEveryField()
    {
        ui::RestoreDialog *d = openFromTheFileMenu();
        QVERIFY(d);
        auto *restore = d->findChild<QPushButton *>(QStringLiteral("restoreButton"));
        QVERIFY(!restore->isEnabled());
        QCOMPARE(d->findChild<QLineEdit *>(QStringLiteral("passphrase"))->echoMode(),
                 QLineEdit::Password);
        fill(d, m_backup, QString(), path(QStringLiteral("x.db")));
        QVERIFY(!restore->isEnabled());
        fill(d, m_backup, QString::fromLatin1(Passphrase), m_backup);
        QVERIFY(!restore->isEnabled());
        QVERIFY(d->findChild<QLabel *>(QStringLiteral("restoreOutcome"))
                    ->text()
                    .contains(QStringLiteral("backup file itself")));
        fill(d, m_backup, QString::fromLatin1(Passphrase), path(QStringLiteral("x.db")));
        QVERIFY(restore->isEnabled());
        d->close();
        QTRY_VERIFY(m_window->findChildren<ui::RestoreDialog *>().isEmpty()); // deleted on close
    }

    void aBackupIsRestoredIntoANewStore()
    {
        ui::RestoreDialog *d = openFromTheFileMenu();
        QVERIFY(d);
        const QString target = path(QStringLiteral("restored.db"));
        fill(d, m_backup, QString::fromLatin1(Passphrase), target);
        const QString outcome = clickRestore(d);
        QVERIFY2(outcome.startsWith(QStringLiteral("Restored")), qPrintable(outcome));
        QVERIFY2(outcome.contains(target) &&
                     outcome.contains(QStringLiteral("keeps running on its own store")),
                 qPrintable(outcome));
        QVERIFY(!outcome.contains(QString::fromLatin1(Passphrase)));
        QCOMPARE(d->restoredPath(), target);
        QVERIFY(d->findChild<QLineEdit *>(QStringLiteral("passphrase"))->text().isEmpty());
        // The restored store is the snapshot: what was there before the backup, not after.
        {
            auto restored = Store::open(target);
            QVERIFY2(restored.ok(), restored ? "" : qPrintable(restored.error().message));
            QStringList ids;
            for (const NodeSpec &n : restored.value()->loadNodes().value())
                ids << n.id;
            QCOMPARE(ids, QStringList{QStringLiteral("in-the-backup")});
        }
        QCOMPARE(QFileInfo(target).permissions() &
                     (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        // The engine still runs on its own store, with both nodes.
        QCOMPARE(m_engine->nodes().result().value().size(), 2);
        // The restore is in the engine's audit log.
        const auto audit =
            m_engine->audit(AuditQuery{5, QStringLiteral("backup.restore")}).result();
        QVERIFY(audit.ok() && !audit->isEmpty());
        QVERIFY(audit->first().after.contains(target));
        // "Open restored store" asks the console to switch to it.
        QSignalSpy open(m_window.get(), &ui::MainWindow::openRestoredStoreRequested);
        auto *openButton = d->findChild<QPushButton *>(QStringLiteral("openRestored"));
        QVERIFY(openButton && openButton->isVisible());
        QTest::mouseClick(openButton, Qt::LeftButton);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().first().toString(), target);
    }

    void refusedRestoresWriteNothing_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("passphrase");
        QTest::addColumn<QString>("expected");
        QTest::newRow("wrong passphrase")
            << QString() << QStringLiteral("not the passphrase at all")
            << QStringLiteral("wrong passphrase");
        QTest::newRow("a flipped byte") << QStringLiteral("flip") << QString::fromLatin1(Passphrase)
                                        << QStringLiteral("altered");
        QTest::newRow("truncated") << QStringLiteral("truncate") << QString::fromLatin1(Passphrase)
                                   << QStringLiteral("truncated");
        QTest::newRow("an existing store")
            << QStringLiteral("existing") << QString::fromLatin1(Passphrase)
            << QStringLiteral("exists");
    }

    void refusedRestoresWriteNothing()
    {
        QFETCH(QString, damage);
        QFETCH(QString, passphrase);
        QFETCH(QString, expected);
        QString file = m_backup;
        QString target =
            path(QStringLiteral("refused-%1.db")
                     .arg(QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-')));
        QByteArray existing;
        if (damage == u"flip" || damage == u"truncate") {
            file = damagedBackup(damage);
        } else if (damage == u"existing") {
            target = path(QStringLiteral("restored-before.db"));
            QVERIFY(Store::open(target).ok());
            existing = readAll(target);
        }
        ui::RestoreDialog *d = openFromTheFileMenu();
        QVERIFY(d);
        fill(d, file, passphrase, target);
        const QString outcome = clickRestore(d);
        QVERIFY2(outcome.startsWith(QStringLiteral("Not restored")) && outcome.contains(expected),
                 qPrintable(outcome));
        QVERIFY2(outcome.contains(QStringLiteral("Nothing was written")), qPrintable(outcome));
        QVERIFY(!outcome.contains(passphrase));
        QVERIFY(d->restoredPath().isEmpty());
        QVERIFY(!d->findChild<QPushButton *>(QStringLiteral("openRestored"))->isVisible());
        if (damage == u"existing")
            QCOMPARE(readAll(target), existing);
        else
            QVERIFY(!QFileInfo::exists(target));
        expectOnlyKnownFiles();
        // The passphrase stays for another try; the fields are editable again.
        QCOMPARE(d->findChild<QLineEdit *>(QStringLiteral("passphrase"))->text(), passphrase);
        QVERIFY(d->findChild<QLineEdit *>(QStringLiteral("backupFile"))->isEnabled());
        d->close();
    }

    // A Chinese console said "未恢复：…/live.jfbackup: wrong passphrase。": the engine's English
    // inside its own sentence. The reason is the console's, chosen by the engine's error code.
    void aWrongPassphraseIsSaidInTheConsolesLanguage()
    {
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const auto english =
            qScopeGuard([this] { m_window->switchLanguage(QStringLiteral("en")); });
        ui::RestoreDialog *d = openFromTheFileMenu();
        QVERIFY(d);
        const QString target = path(QStringLiteral("refused-in-chinese.db"));
        fill(d, m_backup, QStringLiteral("not the passphrase at all"), target);
        const QString outcome = clickRestore(d);
        QVERIFY2(outcome.startsWith(QStringLiteral("未恢复：口令错误")) &&
                     outcome.contains(QStringLiteral("未写入任何内容")),
                 qPrintable(outcome));
        static const QRegularExpression latin(QStringLiteral("[A-Za-z]"));
        QVERIFY2(!outcome.contains(latin), qPrintable(outcome));
        QVERIFY(!QFileInfo::exists(target));
        d->close();
    }

    // A Chinese console said "未恢复：…/x.jfbackup is not a JobFirst backup。" for a file that
    // is not a good backup: the engine's English inside its own sentence. Each way a file can
    // be damaged or foreign has its code, and the console words it: real files made here.
    void aDamagedOrForeignFileIsSaidInTheConsolesLanguage_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("reason");
        QTest::newRow("random bytes") << "random"
                                      << "该文件不是 JobFirst 备份";
        QTest::newRow("truncated") << "truncate"
                                   << "备份文件被截断";
        QTest::newRow("another format") << "format"
                                        << "其格式本版本无法读取";
        QTest::newRow("key settings out of range") << "kdf"
                                                   << "密钥参数超出范围";
        QTest::newRow("bytes appended") << "append"
                                        << "比文件头记录的长度长";
        QTest::newRow("a flipped byte") << "flip"
                                        << "校验和不符";
        QTest::newRow("a backup of a foreign store") << "foreign"
                                                     << "其中的存储未通过完整性检查";
    }

    void aDamagedOrForeignFileIsSaidInTheConsolesLanguage()
    {
        QFETCH(QString, damage);
        QFETCH(QString, reason);
        const QString file = damagedBackup(damage);
        QVERIFY(!file.isEmpty());
        m_window->switchLanguage(QStringLiteral("zh_CN"));
        const auto english =
            qScopeGuard([this] { m_window->switchLanguage(QStringLiteral("en")); });
        ui::RestoreDialog *d = openFromTheFileMenu();
        QVERIFY(d);
        const QString target = path(QStringLiteral("refused-%1.db").arg(damage));
        fill(d, file, QString::fromLatin1(Passphrase), target);
        const QString outcome = clickRestore(d);
        QVERIFY2(outcome.startsWith(QStringLiteral("未恢复：")) && outcome.contains(reason) &&
                     outcome.contains(QStringLiteral("未写入任何内容")),
                 qPrintable(outcome));
        // None of the engine's English (nor the file's name it quotes): only the product's.
        static const QRegularExpression latin(QStringLiteral("[A-Za-z]"));
        QVERIFY2(!QString(outcome).remove(QStringLiteral("JobFirst")).contains(latin),
                 qPrintable(outcome));
        QVERIFY(!QFileInfo::exists(target));
        expectOnlyKnownFiles();
        d->close();
    }
};

QTEST_MAIN(TestRestoreDialog)
#include "tst_restoredialog.moc"
