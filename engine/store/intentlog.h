// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/outboxrequest.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <span>

namespace jobfirst {

/// An append-only log of accepted events next to a SQLite store (`<store>-intent`), which
/// makes a small group durable with one write and one sync of a few hundred bytes instead of
/// a sync of the WAL pages its commit wrote (about five 4 KiB frames an event). The group's
/// SQLite commit runs meanwhile on the writer thread; the WAL itself is synced later (by the
/// checkpointer, or when the log starts over). On open, the caller replays the events of the
/// log's current epoch (replay()): those already in the store are ignored by event id.
///
/// The file is written once, zero-filled, and then only overwritten, so a sync writes data
/// blocks and no file-system metadata. A header (magic, the store's id, the epoch) is
/// followed by records, each one group: length, CRC-32C, epoch, then its events as the store
/// writes them. A scan stops at the first record that is torn (its CRC fails) or of another
/// epoch (left from before the last restart()). One process at a time holds the log (flock).
class IntentLog final
{
public:
    static constexpr int HeaderBytes = 4096;
    static constexpr int RecordHeaderBytes = 16;

    /// One group's events, encoded; placed (offset, epoch) by place() on the writer thread,
    /// sealed and written by write() on the sync thread.
    struct Record
    {
        QByteArray bytes; ///< RecordHeaderBytes of header, then the body
        qint64 offset = 0;
        quint64 epoch = 0;
    };

    /// Opens the log at `path` for the store whose 16-byte id is `storeId`, creating it
    /// (`bytes` long) when missing, and reads the records of its current epoch. Errors:
    /// "intentlog.busy" when another process holds it (no log for this one), "intentlog.create"
    /// when a new one cannot be made (it held nothing), "intentlog.unreadable" when an
    /// existing one cannot be read, "intentlog.malformed" when the file is not a log, and
    /// "intentlog.foreign" when it holds events of another store: the message names the file
    /// and what is wrong, and nothing is changed. Another store's log that holds no events
    /// becomes this store's.
    static Result<std::unique_ptr<IntentLog>> open(const QString &path, const QByteArray &storeId,
                                                   qint64 bytes);
    ~IntentLog();
    IntentLog(const IntentLog &) = delete;
    IntentLog &operator=(const IntentLog &) = delete;

    QString path() const { return m_path; }
    /// The events of the current epoch found at open, in the order they were logged.
    const QList<OutboxItem> &replay() const { return m_replay; }
    quint64 epoch() const { return m_epoch; }

    /// Bytes the record of `writes` (each an EventWrite) takes.
    static qsizetype recordBytes(std::span<OutboxRequest *const> writes);
    /// The record of `writes`, not placed yet.
    static Record encode(std::span<OutboxRequest *const> writes);
    /// Gives `record` the next place in the current epoch; false when it does not fit.
    bool place(Record &record);
    /// True when no record was placed since the last restart().
    bool empty() const { return m_next == HeaderBytes; }
    /// Starts the next epoch from the start of the file (header written and synced): every
    /// record placed before must be written, and what it holds durable in the store.
    Status restart();
    /// Seals (CRC) and writes `records`, placed one after another, and syncs them. Called
    /// from one thread at a time, not concurrently with restart().
    Status write(std::span<Record *const> records);

private:
    IntentLog(QString path, int fd);
    Status initialize(qint64 bytes, const QByteArray &storeId);
    Status load(const QByteArray &storeId);
    Status writeHeader(quint64 epoch);
    Error malformed(const QString &what) const;

    QString m_path;
    int m_fd = -1;
    qint64 m_bytes = 0;
    quint64 m_epoch = 0;
    qint64 m_next = HeaderBytes; ///< where the next record goes
    QByteArray m_storeId;
    QList<OutboxItem> m_replay;
};

} // namespace jobfirst
