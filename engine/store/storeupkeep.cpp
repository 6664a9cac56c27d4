// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/storeupkeep.h"

#include "core/backgroundpool.h"
#include "core/secrets.h"
#include "core/whenfinished.h"
#include "store/backup.h"
#include "store/postgresretentionpruner.h"
#include "store/store.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QTimer>
#include <QtConcurrent>

namespace jobfirst {

namespace {

const QString BackupPattern = QStringLiteral("jobfirst-*.jfbackup");
constexpr qint64 QuickCheckInBackgroundBytes = 64 * 1024 * 1024; // smaller: checked when opened

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

StoreUpkeep::StoreUpkeep(QString dbPath, QObject *parent)
    : QObject(parent), m_dbPath(std::move(dbPath)), m_pruneTimer(new QTimer(this)),
      m_backupTimer(new QTimer(this))
{
    m_pruneTimer->setSingleShot(true);
    m_backupTimer->setSingleShot(true);
    connect(m_pruneTimer, &QTimer::timeout, this, [this] {
        pruneNow();
        m_pruneTimer->start(PruneEveryMs);
    });
    connect(m_backupTimer, &QTimer::timeout, this, [this] {
        backupNow();
        m_backupTimer->start(
            int(std::min<qint64>(m_config.backupIntervalMs, std::numeric_limits<int>::max())));
    });
}

StoreUpkeep::~StoreUpkeep()
{
    stop();
}

void StoreUpkeep::apply(const ClusterConfig &config)
{
    const bool backupsChanged = config.backupDir != m_config.backupDir ||
                                config.backupIntervalMs != m_config.backupIntervalMs;
    m_config = config;
    if (m_started && backupsChanged)
        scheduleBackup();
}

void StoreUpkeep::start()
{
    m_started = true;
    *m_cancel = false;
    m_pruneTimer->start(FirstPruneDelayMs);
    scheduleBackup();
    if (QFileInfo(m_dbPath).size() > QuickCheckInBackgroundBytes) {
        // Too big to check when opened (it reads the whole file): checked once, off the
        // engine thread; damage raises an alert.
        const QString path = m_dbPath;
        QFuture<QString> check = QtConcurrent::run(backgroundPool(), [path] {
            auto store = Store::open(path);
            if (!store)
                return QString(store.error().message);
            auto check = store.value()->quickCheck();
            return check ? check.value() : check.error().message;
        });
        track(QFuture<void>(check));
        whenFinished(check, this, [this](const QString &problem) {
            if (!problem.isEmpty())
                emit this->problem(
                    QStringLiteral("store.corrupt"),
                    QStringLiteral("store %1 failed its quick_check: %2; restore it from a backup")
                        .arg(m_dbPath, problem));
        });
    }
}

void StoreUpkeep::track(const QFuture<void> &work)
{
    // The work itself (not its continuation, which runs on this thread) is waited for by stop().
    m_running.removeIf([](const QFuture<void> &f) { return f.isFinished(); });
    m_running << work;
}

void StoreUpkeep::stop()
{
    m_started = false;
    m_pruneTimer->stop();
    m_backupTimer->stop();
    *m_cancel = true;
    for (QFuture<void> &f : m_running)
        f.waitForFinished();
    m_running.clear();
}

void StoreUpkeep::scheduleBackup()
{
    m_backupTimer->stop();
    if (m_config.backupDir.isEmpty())
        return;
    // Due one interval after the newest backup there (or soon, when there is none).
    const QFileInfoList existing =
        QDir(m_config.backupDir).entryInfoList({BackupPattern}, QDir::Files, QDir::Name);
    const qint64 last = existing.isEmpty() ? 0 : existing.last().lastModified().toMSecsSinceEpoch();
    const qint64 due = last ? last + m_config.backupIntervalMs : nowMs() + 10000;
    m_backupTimer->start(
        int(std::clamp<qint64>(due - nowMs(), 1000, std::numeric_limits<int>::max())));
}

Result<QString> StoreUpkeep::runBackup(const QString &dbPath, const ClusterConfig &config,
                                       const std::atomic_bool *cancel)
{
    if (config.backupDir.isEmpty())
        return makeError(QStringLiteral("backup.config"),
                         QStringLiteral("no backup_dir is configured"));
    auto passphrase =
        readSecretFile(config.backupPassphraseFile, QStringLiteral("backup passphrase"));
    if (!passphrase)
        return passphrase.error();
    const QString file = QDir(config.backupDir)
                             .filePath(QStringLiteral("jobfirst-%1.jfbackup")
                                           .arg(QDateTime::currentDateTimeUtc().toString(
                                               QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
    auto made = Backup::create(dbPath, file, passphrase->toUtf8(), cancel);
    if (!made)
        return made.error();
    // Keep the newest backup_keep (names sort by time).
    const QFileInfoList all =
        QDir(config.backupDir).entryInfoList({BackupPattern}, QDir::Files, QDir::Name);
    for (qsizetype i = 0; i + config.backupKeep < all.size(); ++i)
        QFile::remove(all.at(i).absoluteFilePath());
    return file;
}

QFuture<Result<QString>> StoreUpkeep::backupNow()
{
    if (m_backingUp)
        return QtFuture::makeReadyFuture(Result<QString>(makeError(
            QStringLiteral("backup.busy"), QStringLiteral("a backup is already running"))));
    if (!m_sharedUrl.isEmpty()) {
        const Error refused = Backup::sharedStoreError(m_sharedUrl);
        emit problem(QStringLiteral("backup"), refused.message);
        return QtFuture::makeReadyFuture(Result<QString>(refused));
    }
    m_backingUp = true;
    const QString path = m_dbPath;
    const ClusterConfig config = m_config;
    auto cancel = m_cancel;
    QFuture<Result<QString>> future = QtConcurrent::run(
        backgroundPool(), [path, config, cancel] { return runBackup(path, config, cancel.get()); });
    track(QFuture<void>(future));
    whenFinished(future, this, [this](const Result<QString> &r) {
        m_backingUp = false;
        emit backupFinished(r.ok(), r ? r.value() : r.error().message);
        if (!r && r.error().code != QStringLiteral("backup.cancelled"))
            emit problem(QStringLiteral("backup"), r.error().message);
    });
    return future;
}

QFuture<Result<PruneCounts>> StoreUpkeep::pruneNow()
{
    if (m_pruning)
        return QtFuture::makeReadyFuture(
            Result<PruneCounts>(makeError(QStringLiteral("retention.busy"),
                                          QStringLiteral("a retention pass is already running"))));
    m_pruning = true;
    const QString path = m_dbPath;
    const QString shared = m_sharedUrl;
    const qint64 cutoff = nowMs() - m_config.retentionMs;
    auto cancel = m_cancel;
    QFuture<Result<PruneCounts>> future = QtConcurrent::run(
        backgroundPool(), [path, shared, cutoff, cancel]() -> Result<PruneCounts> {
            auto local = RetentionPruner::pruneOnce(path, cutoff, 500, cancel.get());
            if (!local || shared.isEmpty())
                return local;
            auto remote = PostgresRetentionPruner::pruneOnce(shared, cutoff, 500, cancel.get());
            if (!remote)
                return remote;
            PruneCounts sum = local.value();
            sum.deliveries += remote->deliveries;
            sum.attempts += remote->attempts;
            sum.events += remote->events;
            sum.healthEvents += remote->healthEvents;
            sum.elsewhere = remote->elsewhere;
            return sum;
        });
    track(QFuture<void>(future));
    whenFinished(future, this, [this](const Result<PruneCounts> &r) {
        m_pruning = false;
        if (r)
            emit pruned(r->deliveries, r->events, r->healthEvents);
        else
            emit problem(QStringLiteral("retention"), r.error().message);
    });
    return future;
}

} // namespace jobfirst
