// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/syncevent.h"

#include <QString>

#include <atomic>
#include <functional>

namespace jobfirst {

struct ImportProgress
{
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    qint64 lines = 0;      ///< lines read so far, over all runs of this file
    qint64 accepted = 0;   ///< events accepted in this run
    qint64 rejected = 0;   ///< lines that were not a user; named in firstError
    bool resumed = false;  ///< continued where an interrupted run stopped
    QString firstError;
};

/// Historical migration of users from a JSON Lines or CSV file (bulk mode of the plan).
/// Events are enqueued in batches through `publish`, which is called from worker threads for
/// up to three batches at once (never two that share a user), so it must be thread-safe
/// (SyncService::publish is). The file position of the last durable batch is saved about
/// twice a second, so a run killed half way resumes there. Event ids derive from the file and
/// line, so the overlap after a crash is accepted once, not twice.
class BulkImporter final
{
public:
    using Publish = std::function<Result<QList<SyncEvent>>(const QList<SyncEvent> &)>;

    /// A line longer than `maxEventBytes` (sync_max_event_bytes), or an event that would be,
    /// is rejected with its line number without being read whole.
    static Result<ImportProgress>
    run(const QString &dbPath, const QString &filePath, int batchSize, const Publish &publish,
        const std::function<void(const ImportProgress &)> &progress = {},
        const std::atomic_bool *cancel = nullptr, qint64 maxEventBytes = DefaultMaxEventBytes);

    /// One line of an import file as an event (without its id): a JSON user record, a JSON
    /// event, or a CSV record under `csvHeader` (empty for JSON Lines). The error says why.
    /// A JSON user record is mostly kept as written: its data is then in `dataJson`, not
    /// `data` (see RawJsonObject).
    static Result<SyncEvent> parseLine(const QByteArray &line, const QStringList &csvHeader);
    /// Splits one CSV record (RFC 4180 quoting).
    static QStringList splitCsv(const QString &line);
};

} // namespace jobfirst
