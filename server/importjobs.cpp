// SPDX-License-Identifier: GPL-3.0-or-later
#include "importjobs.h"

#include "api/codec.h"
#include "api/enginesession.h"
#include "core/whenfinished.h"

#include <QCryptographicHash>
#include <QDir>
#include <QRandomGenerator>
#include <QSaveFile>

namespace jobfirst {

ImportJobs::ImportJobs(const QString &folder, QObject *parent) : QObject(parent), m_folder(folder) {}

Result<QString> ImportJobs::start(EngineSession *session, const QByteArray &content, const QString &name, int batchSize)
{
    if (!QDir().mkpath(m_folder))
        return makeError(QStringLiteral("import.io"), QStringLiteral("cannot create the import folder %1").arg(m_folder));
    const QString suffix = name.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive) ? QStringLiteral(".csv") : QStringLiteral(".jsonl");
    const QString path = QDir(m_folder).filePath(
        QString::fromLatin1(QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex().left(32)) + suffix);
    if (!QFile::exists(path)) {
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size() || !f.commit())
            return makeError(QStringLiteral("import.io"), QStringLiteral("cannot keep the upload in %1: %2").arg(path, f.errorString()));
    }
    const QString id = QString::number(QRandomGenerator::system()->generate64(), 16);
    auto job = std::make_shared<Job>();
    job->control = std::make_shared<JobControl>();
    connect(job->control.get(), &JobControl::progressed, this, [job](double, const ImportProgress &p) { job->progress = p; });
    job->future = session->importUsers(path, batchSize, job->control);
    whenFinished(job->future, this, [job](const Result<ImportProgress> &r) {
        if (!r) {
            job->state = QStringLiteral("failed");
            job->error = r.error().message;
            return;
        }
        job->progress = r.value();
        job->state = job->control->isCancelled() ? QStringLiteral("cancelled") : QStringLiteral("done");
    });
    m_jobs.insert(id, job);
    return id;
}

std::optional<QJsonObject> ImportJobs::describe(const QString &id) const
{
    const auto job = m_jobs.value(id);
    if (!job)
        return std::nullopt;
    QJsonObject o{{QStringLiteral("id"), id},
                  {QStringLiteral("state"), job->state},
                  {QStringLiteral("progress"), codec::encode(job->progress)}};
    if (!job->error.isEmpty())
        o.insert(QStringLiteral("error"), job->error);
    return o;
}

bool ImportJobs::cancel(const QString &id)
{
    const auto job = m_jobs.value(id);
    if (!job)
        return false;
    job->control->cancel();
    return true;
}

} // namespace jobfirst
