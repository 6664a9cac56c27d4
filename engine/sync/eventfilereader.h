// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "sync/syncevent.h"

#include <QFile>
#include <QString>

#include <optional>

namespace jobfirst {

/// Streams events from a JSON Lines file (one event object per line, as `jobfirstctl sync
/// batch` reads), so a file of any size is never loaded whole. A line longer than the event
/// limit is refused with its number without being held in memory.
///
///     EventFileReader reader(path, config.syncMaxEventBytes);
///     if (Status s = reader.open(); !s) ...
///     while (true) {
///         auto e = reader.next();          // error: names the file and the line
///         if (!e) ...; if (!*e) break;     // nullopt: end of file
///         batch << **e;                    // publish in chunks of a few thousand
///     }
class EventFileReader final
{
public:
    explicit EventFileReader(QString path, qint64 maxEventBytes = DefaultMaxEventBytes);

    Status open();
    /// The next event, or std::nullopt at the end. Blank lines are skipped. An error names the
    /// file and line; reading may go on after it (the bad line is consumed).
    Result<std::optional<SyncEvent>> next();
    qint64 lineNumber() const { return m_line; }
    qint64 bytesRead() const { return m_file.pos(); }
    qint64 size() const { return m_file.size(); }

    /// One line of sync-batch input: a JSON object with type, user_id and optional id, data.
    static Result<SyncEvent> parseLine(const QByteArray &line);
    /// Reads one line of at most maxBytes (without its newline) into `line`. A longer line is
    /// consumed in pieces and false returned (with `line` empty); `skipped` gets its length.
    static bool readBoundedLine(QIODevice &device, qint64 maxBytes, QByteArray *line,
                                qint64 *skipped = nullptr);

private:
    QFile m_file;
    qint64 m_maxEventBytes;
    qint64 m_line = 0;
};

} // namespace jobfirst
