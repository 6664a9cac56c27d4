// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/jobcontrol.h"
#include "core/result.h"

#include <QFuture>
#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <memory>

namespace jobfirst {

class EngineSession;

/// Imports uploaded through the admin API: the file is kept in the engine's state folder
/// under a name made from its content (so uploading the same file again resumes the earlier
/// run), imported as a job, and watched by polling.
class ImportJobs final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImportJobs)

public:
    explicit ImportJobs(const QString &folder, QObject *parent = nullptr);

    /// Saves the upload and starts importing it through `session`; answers the job id.
    Result<QString> start(EngineSession *session, const QByteArray &content, const QString &name, int batchSize);
    /// {"id", "state": running|done|failed|cancelled, "progress": {...}, "error"}; nullopt if unknown.
    std::optional<QJsonObject> describe(const QString &id) const;
    bool cancel(const QString &id);

private:
    struct Job
    {
        std::shared_ptr<JobControl> control;
        QFuture<Result<ImportProgress>> future;
        ImportProgress progress;
        QString state = QStringLiteral("running");
        QString error;
    };
    QString m_folder;
    QHash<QString, std::shared_ptr<Job>> m_jobs;
};

} // namespace jobfirst
