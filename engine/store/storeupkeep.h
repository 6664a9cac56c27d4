// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/clusterconfig.h"
#include "core/result.h"
#include "store/retentionpruner.h"

#include <QFuture>
#include <QObject>

#include <atomic>
#include <memory>

class QTimer;

namespace jobfirst {

/// The store's upkeep, run by the engine in the background: retention passes (hourly),
/// scheduled encrypted backups (backup_dir, backup_interval, backup_keep,
/// backup_passphrase_file) and, for stores too big to check when opened, one quick_check.
/// Lives on the engine thread; the work runs on QtConcurrent workers with connections of
/// their own. Failures are signalled (the engine raises alerts), never swallowed.
class StoreUpkeep final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StoreUpkeep)

public:
    explicit StoreUpkeep(QString dbPath, QObject *parent = nullptr);
    ~StoreUpkeep() override;

    void apply(const ClusterConfig &config);
    /// The PostgreSQL store (postgresql://…) the outbox and health history are in: each
    /// retention pass prunes it too (PostgresRetentionPruner: one daemon at a time).
    void setSharedStore(const QString &url) { m_sharedUrl = url; }
    void start();
    /// Cancels what runs and waits for it.
    void stop();

    /// A scheduled-style backup now into backup_dir: the file written, or why not.
    QFuture<Result<QString>> backupNow();
    /// One retention pass now (cutoff: now - retention).
    QFuture<Result<PruneCounts>> pruneNow();

    /// The first retention pass runs this long after start().
    static constexpr int FirstPruneDelayMs = 60000;
    static constexpr int PruneEveryMs = 3600000;

signals:
    void backupFinished(bool ok, const QString &fileOrError);
    void pruned(qint64 deliveries, qint64 events, qint64 healthEvents);
    /// kind: "store.corrupt" (background quick_check), "retention", "backup".
    void problem(const QString &kind, const QString &message);

private:
    void scheduleBackup();
    void track(const QFuture<void> &work);
    static Result<QString> runBackup(const QString &dbPath, const ClusterConfig &config,
                                     const std::atomic_bool *cancel);

    QString m_dbPath;
    QString m_sharedUrl;
    ClusterConfig m_config;
    QTimer *m_pruneTimer;
    QTimer *m_backupTimer;
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
    QList<QFuture<void>> m_running;
    bool m_pruning = false;
    bool m_backingUp = false;
    bool m_started = false;
};

} // namespace jobfirst
