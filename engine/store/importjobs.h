// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>

#include <memory>
#include <optional>

namespace jobfirst {

class Store;

/// How far a bulk import of one file got: the file position and line count after its last
/// durable batch, and whether it ran to the end.
struct ImportCheckpoint
{
    qint64 offset = 0;
    qint64 lines = 0;
    bool done = false;
};

/// The bulk importer's progress per file (the import_jobs table of the engine's file), so an
/// interrupted import resumes after its last durable batch. On the store's connection: use it
/// on the thread that opened the store.
class ImportJobs final
{
public:
    explicit ImportJobs(const Store &store);
    ~ImportJobs();
    Q_DISABLE_COPY_MOVE(ImportJobs)

    /// The progress saved for `path`; nullopt when none was.
    Result<std::optional<ImportCheckpoint>> find(const QString &path) const;
    /// Saves the progress of `path` (replacing what was saved), stamped `now` (ms).
    Status save(const QString &path, const ImportCheckpoint &checkpoint, qint64 now);

private:
    struct Statements;
    const Store &m_store;
    std::unique_ptr<Statements> m_statements; ///< prepared at the first save
};

} // namespace jobfirst
