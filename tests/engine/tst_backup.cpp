// SPDX-License-Identifier: GPL-3.0-or-later
// Encrypted backups: an online copy while the engine writes, verified and restored to a new
// path; a wrong passphrase, a truncated or altered file, or a store in use: clear errors and
// nothing changed.
#include "core/secrets.h"
#include "host/engine.h"
#include "store/backup.h"
#include "store/store.h"
#include "store/storeupkeep.h"
#include "sync/syncservice.h"
#include "testprograms.h"

#include <QDateTime>
#include <QProcess>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtConcurrent>
#include <QtTest>

#include <sys/stat.h>

using namespace jobfirst;

namespace {

const QByteArray Passphrase("correct horse battery staple");

int modeOf(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

qint64 count(Store &store, const QString &sql)
{
    QSqlQuery q(store.database());
    q.exec(sql);
    return q.next() ? q.value(0).toLongLong() : -1;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(bytes);
}

} // namespace

class TestBackup final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    QString m_backup;

    QString path(const QString &name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        ::umask(022);
        // A store with events, a ledger and an audit chain, backed up while a writer goes on.
        m_db = path(QStringLiteral("live.db"));
        auto store = std::move(Store::open(m_db)).value();
        ClusterConfig config;
        config.targets.resize(2);
        SyncService sync(store.get(), config);
        QVERIFY(sync.start(false).ok());
        const auto batch = [](int from, int n) {
            QList<SyncEvent> events;
            for (int i = from; i < from + n; ++i) {
                SyncEvent e;
                e.type = QStringLiteral("user.created");
                e.userId = QStringLiteral("u%1").arg(i);
                e.data.insert(QStringLiteral("bio"), QString(200, u'b'));
                events << e;
            }
            return events;
        };
        for (int i = 0; i < 20; ++i)
            QVERIFY(sync.publish(batch(i * 500, 500), SyncMode::Bulk).ok());
        QVERIFY(store
                    ->appendAudit(
                        AuditEntry{0, 0, QStringLiteral("t"), QStringLiteral("x"), {}, {}, {}})
                    .ok());
        const qint64 before = count(*store, QStringLiteral("SELECT COUNT(*) FROM events"));
        std::atomic_bool stop{false};
        auto writer = QtConcurrent::run([&] {
            int n = 0;
            for (int i = 0; !stop.load(); ++i)
                n += sync.publish(batch(100000 + i * 50, 50)).ok() ? 50 : 0;
            return n;
        });
        m_backup = path(QStringLiteral("backups/first.jfbackup"));
        const auto info = Backup::create(m_db, m_backup, Passphrase);
        stop = true;
        const int written = writer.result();
        QVERIFY2(info.ok(), info ? "" : qPrintable(info.error().message));
        QVERIFY(written > 0); // the engine kept writing during the copy
        QVERIFY(info->storeBytes > 0);
        QCOMPARE(info->fileBytes, QFileInfo(m_backup).size());
        QCOMPARE(modeOf(m_backup), 0600);
        QCOMPARE(modeOf(path(QStringLiteral("backups"))), 0700);
        // No plain copy is left behind.
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("*.tmp*")}, QDir::Files).size(), 0);
        m_eventsBefore = before;
        m_eventsAfter = count(*store, QStringLiteral("SELECT COUNT(*) FROM events"));
        sync.stop();
    }

    void verifiesAndRestoresAConsistentCopy()
    {
        const auto verified = Backup::verify(m_backup, Passphrase);
        QVERIFY2(verified.ok(), verified ? "" : qPrintable(verified.error().message));
        const QString restored = path(QStringLiteral("restored/new.db"));
        QDir().mkpath(path(QStringLiteral("restored")));
        const auto r = Backup::restore(m_backup, Passphrase, restored);
        QVERIFY2(r.ok(), r ? "" : qPrintable(r.error().message));
        QCOMPARE(modeOf(restored), 0600);
        auto store = Store::open(restored);
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        const qint64 events = count(*store.value(), QStringLiteral("SELECT COUNT(*) FROM events"));
        // A snapshot from within the backup: everything from before it, and whole batches.
        QVERIFY2(events >= m_eventsBefore && events <= m_eventsAfter,
                 qPrintable(QStringLiteral("%1 events, expected %2..%3")
                                .arg(events)
                                .arg(m_eventsBefore)
                                .arg(m_eventsAfter)));
        QCOMPARE((events - m_eventsBefore) % 50, 0);
        QVERIFY(count(*store.value(), QStringLiteral("SELECT COUNT(*) FROM deliveries")) >=
                2 * m_eventsBefore);
        QVERIFY(store.value()->verifyAuditChain()->ok);
        QCOMPARE(store.value()->quickCheck().value(), QString());
    }

    void wrongPassphraseIsSaidAndNothingIsWritten()
    {
        const QString target = path(QStringLiteral("wrong.db"));
        const auto r = Backup::restore(m_backup, "not the passphrase", target);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, QStringLiteral("backup.passphrase"));
        QVERIFY(r.error().message.contains(QStringLiteral("wrong passphrase")));
        QVERIFY(!QFile::exists(target));
        QCOMPARE(Backup::verify(m_backup, "not the passphrase").error().code,
                 QStringLiteral("backup.passphrase"));
    }

    // Each way a file is not a good backup has a code of its own, so that the console can say
    // which in its language (it showed the engine's English inside a Chinese sentence).
    void truncatedOrAlteredFilesAreRefused_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("code");
        QTest::newRow("truncated") << "truncate"
                                   << "truncated" << Backup::Truncated;
        QTest::newRow("a flipped byte inside") << "flip"
                                               << "altered" << Backup::ChecksumMismatch;
        QTest::newRow("the header's time changed") << "header"
                                                   << "altered" << Backup::ChecksumMismatch;
        QTest::newRow("bytes appended") << "append"
                                        << "altered" << Backup::TrailingBytes;
        QTest::newRow("key settings out of range") << "kdf"
                                                   << "altered" << Backup::HeaderAltered;
        QTest::newRow("another format") << "format"
                                        << "format 2" << Backup::OtherVersion;
        QTest::newRow("not a backup") << "garbage"
                                      << "not a JobFirst backup" << Backup::NotABackup;
    }
    void truncatedOrAlteredFilesAreRefused()
    {
        QFETCH(QString, damage);
        QFETCH(QString, expected);
        QFETCH(QString, code);
        QByteArray bytes = readAll(m_backup);
        if (damage == u"truncate")
            bytes.chop(1000);
        else if (damage == u"flip")
            bytes[bytes.size() / 2] = char(bytes.at(bytes.size() / 2) ^ 0x40);
        else if (damage == u"header")
            bytes[42] = char(bytes.at(42) ^ 0x01); // inside created_at
        else if (damage == u"append")
            bytes.append("x");
        else if (damage == u"kdf")
            bytes[10] = char(40); // log2 N: far beyond what scrypt is ever run with
        else if (damage == u"format")
            bytes[8] = char(2);
        else
            bytes = QByteArray(4096, 'g');
        const QString damaged = path(QStringLiteral("damaged-%1.jfbackup").arg(damage));
        writeAll(damaged, bytes);
        const auto v = Backup::verify(damaged, Passphrase);
        QVERIFY(!v.ok());
        QVERIFY2(v.error().message.contains(expected), qPrintable(v.error().message));
        QCOMPARE(v.error().code, code);
        // A restore over an existing store (replace) changes nothing either.
        const QString existing = path(QStringLiteral("existing-%1.db").arg(damage));
        QVERIFY(Store::open(existing).ok());
        const QByteArray before = readAll(existing);
        const auto r = Backup::restore(damaged, Passphrase, existing, true);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, code);
        QCOMPARE(readAll(existing), before);
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("*.tmp*")}, QDir::Files).size(), 0);
    }

    // A backup of an SQLite file that is not a JobFirst store decrypts, and its check says so.
    void aBackupOfAForeignStoreIsRefusedByItsCheck()
    {
        const QString foreign = path(QStringLiteral("foreign.sqlite"));
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
            db.setDatabaseName(foreign);
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE meta (key TEXT, value TEXT)")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
        const QString file = path(QStringLiteral("foreign.jfbackup"));
        QVERIFY(Backup::create(foreign, file, Passphrase).ok());
        const auto v = Backup::verify(file, Passphrase);
        QVERIFY(!v.ok());
        QCOMPARE(v.error().code, QString::fromLatin1(Backup::StoreDamaged));
        QVERIFY2(v.error().message.contains(QStringLiteral("not a JobFirst store")),
                 qPrintable(v.error().message));
        const QString target = path(QStringLiteral("from-foreign.db"));
        QCOMPARE(Backup::restore(file, Passphrase, target).error().code,
                 QString::fromLatin1(Backup::StoreDamaged));
        QVERIFY(!QFileInfo::exists(target));
    }

    void restoreRefusesAStoreInUseOrAnExistingFile()
    {
        const QString existing = path(QStringLiteral("in-use.db"));
        {
            auto held = Store::open(existing);
            QVERIFY(held.ok());
            const auto r = Backup::restore(m_backup, Passphrase, existing, true);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, QStringLiteral("backup.held"));
        }
        const auto exists = Backup::restore(m_backup, Passphrase, existing);
        QCOMPARE(exists.error().code, QStringLiteral("backup.exists"));
        // Held by another process: jobfirstctl delivering from it.
        QProcess ctl;
        ctl.start(TestPrograms::ctl(), {QStringLiteral("--db"), existing, QStringLiteral("sync"),
                                        QStringLiteral("run")});
        QVERIFY(ctl.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(Store::isHeld(existing), 10000);
        QString who;
        QVERIFY(Store::isHeld(existing, &who));
        QVERIFY2(who.contains(QString::number(ctl.processId())), qPrintable(who));
        const auto r = Backup::restore(m_backup, Passphrase, existing, true);
        QCOMPARE(r.error().code, QStringLiteral("backup.held"));
        ctl.kill();
        ctl.waitForFinished();
        QTRY_VERIFY_WITH_TIMEOUT(!Store::isHeld(existing), 5000);
        const auto replaced = Backup::restore(m_backup, Passphrase, existing, true);
        QVERIFY2(replaced.ok(), replaced ? "" : qPrintable(replaced.error().message));
    }

    void scheduledBackupsRunInTheEngineAndKeepTheNewest()
    {
        const QString passFile = path(QStringLiteral("backup.pass"));
        writeAll(passFile, Passphrase + '\n');
        QFile::setPermissions(passFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        // backup_dir without a passphrase file is refused, naming the key.
        const auto noPass = ClusterConfig::fromJson(R"({"backup_dir": "/tmp/x"})");
        QVERIFY(!noPass.ok());
        QVERIFY(noPass.error().message.contains(QStringLiteral("backup_passphrase_file")));

        ClusterConfig config = ClusterConfig::makeNew();
        config.backupDir = path(QStringLiteral("scheduled"));
        config.backupIntervalMs = 3600000;
        config.backupKeep = 2;
        config.backupPassphraseFile = passFile;
        const QString configPath = path(QStringLiteral("scheduled.json"));
        QVERIFY(config.saveToFile(configPath).ok());
        Engine engine;
        QVERIFY(openQuiet(engine, path(QStringLiteral("scheduled.db")), configPath));
        QStringList made;
        for (int i = 0; i < 3; ++i) {
            auto f = engine.upkeep()->backupNow();
            QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 30000);
            QVERIFY2(f.result().ok(), f.result() ? "" : qPrintable(f.result().error().message));
            made << f.result().value();
            // Names carry the time in ms: the next backup must start in a later millisecond.
            const qint64 madeAt = QDateTime::currentMSecsSinceEpoch();
            QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentMSecsSinceEpoch() > madeAt, 1000);
        }
        const QStringList kept =
            QDir(config.backupDir)
                .entryList({QStringLiteral("*.jfbackup")}, QDir::Files, QDir::Name);
        QCOMPARE(kept.size(), 2);
        QCOMPARE(QDir(config.backupDir).filePath(kept.last()), made.last());
        QVERIFY(Backup::verify(made.last(), Passphrase).ok());
        QCOMPARE(modeOf(config.backupDir), 0700);
        engine.shutdown();
    }

    void aBackupRunsWhileQtsOwnThreadPoolIsBusy()
    {
        // Qt paints large fills on QThreadPool::globalInstance() and waits for them: engine
        // work queued there would hold frames up, and painting would hold the backup up.
        QThreadPool *qtPool = QThreadPool::globalInstance();
        QSemaphore release;
        QSemaphore running;
        const int threads = qtPool->maxThreadCount();
        for (int i = 0; i < threads; ++i)
            qtPool->start([&] {
                running.release();
                release.acquire();
            });
        QVERIFY(running.tryAcquire(threads, 10000));
        const auto releaseAtEnd = qScopeGuard([&] {
            release.release(threads);
            qtPool->waitForDone();
        });

        ClusterConfig config = ClusterConfig::makeNew();
        config.backupDir = path(QStringLiteral("busy-pool"));
        config.backupPassphraseFile = path(QStringLiteral("busy-pool.pass"));
        writeAll(config.backupPassphraseFile, Passphrase + '\n');
        QFile::setPermissions(config.backupPassphraseFile,
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        const QString configPath = path(QStringLiteral("busy-pool.json"));
        QVERIFY(config.saveToFile(configPath).ok());
        Engine engine;
        QVERIFY(openQuiet(engine, path(QStringLiteral("busy-pool.db")), configPath));
        auto f = engine.upkeep()->backupNow();
        QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 30000);
        QVERIFY2(f.result().ok(), f.result() ? "" : qPrintable(f.result().error().message));
        QVERIFY(Backup::verify(f.result().value(), Passphrase).ok());
        engine.shutdown();
    }

    void shortPassphraseIsRefused()
    {
        const auto r = Backup::create(m_db, path(QStringLiteral("short.jfbackup")), "short");
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.contains(QStringLiteral("at least")));
        QVERIFY(!QFile::exists(path(QStringLiteral("short.jfbackup"))));
    }

    // "At least 12 characters" is counted in characters: six Chinese ones (18 bytes in UTF-8)
    // were taken for a long enough passphrase (walk30); twelve are.
    void passphraseLengthIsCountedInCharacters()
    {
        const QString six = QStringLiteral("备份口令安全");
        const auto refused =
            Backup::create(m_db, path(QStringLiteral("six.jfbackup")), six.toUtf8());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("backup.passphrase"));
        QVERIFY2(refused.error().message.contains(
                     QStringLiteral("is 6 characters long; at least 12 are needed")),
                 qPrintable(refused.error().message));
        QVERIFY(!QFile::exists(path(QStringLiteral("six.jfbackup"))));
        const QByteArray twelve = (six + six).toUtf8();
        const auto made = Backup::create(m_db, path(QStringLiteral("twelve.jfbackup")), twelve);
        QVERIFY2(made.ok(), made ? "" : qPrintable(made.error().message));
        QVERIFY(Backup::verify(path(QStringLiteral("twelve.jfbackup")), twelve).ok());
    }

    // A store that is not there, or a backup file that is the store: refused by name, and
    // neither the store nor a backup is written.
    void aMissingStoreOrTheStoreAsItsOwnBackupIsRefused()
    {
        const QString missing = path(QStringLiteral("not-there.db"));
        const QString file = path(QStringLiteral("missing/store.jfbackup"));
        const auto none = Backup::create(missing, file, Passphrase);
        QVERIFY(!none.ok());
        QCOMPARE(none.error().code, QStringLiteral("backup.io"));
        QVERIFY(none.error().message.contains(missing));
        QVERIFY(!QFile::exists(file));
        QVERIFY(!QFile::exists(missing));

        const QByteArray before = contents(m_db);
        const auto itself = Backup::create(m_db, m_db, Passphrase);
        QVERIFY(!itself.ok());
        QCOMPARE(itself.error().code, QStringLiteral("backup.io"));
        QVERIFY(itself.error().message.contains(QStringLiteral("cannot be the store itself")));
        QCOMPARE(contents(m_db), before);
    }

private:
    static QByteArray contents(const QString &file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    /// An engine on `dbPath` under `configPath`, without health checks or a refresh timer.
    static bool openQuiet(Engine &engine, const QString &dbPath, const QString &configPath)
    {
        EngineOptions options;
        options.dbPath = dbPath;
        options.configPath = configPath;
        options.refreshMs = 0;
        options.healthChecks = false;
        return engine.open(options).ok();
    }

    qint64 m_eventsBefore = 0;
    qint64 m_eventsAfter = 0;
};

QTEST_GUILESS_MAIN(TestBackup)
#include "tst_backup.moc"
