// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/eventfilereader.h"

#include <QJsonDocument>

#include <QJsonObject>
#include <algorithm>

namespace jobfirst {

EventFileReader::EventFileReader(QString path, qint64 maxEventBytes)
    : m_file(std::move(path)), m_maxEventBytes(maxEventBytes)
{
}

Status EventFileReader::open()
{
    if (!m_file.open(QIODevice::ReadOnly))
        return makeError(
            QStringLiteral("import.io"),
            QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString()));
    return {};
}

bool EventFileReader::readBoundedLine(QIODevice &device, qint64 maxBytes, QByteArray *line,
                                      qint64 *skipped)
{
    // In pieces through a buffer on the stack: QIODevice::readLine(n) allocates n bytes for
    // every line (1 MiB at the default bound, which made a bulk import mostly mmap and munmap).
    // Room is kept for the line, its newline and a CR; the rest of a longer line is consumed
    // and dropped.
    char piece[4096];
    QByteArray out;
    qint64 length = 0;
    const qint64 keep = maxBytes + 2;
    while (true) {
        const qint64 n = device.readLine(piece, qint64(sizeof piece));
        if (n <= 0)
            break;
        if (length < keep)
            out.append(piece, qsizetype(std::min(n, keep - length)));
        length += n;
        if (piece[n - 1] == '\n')
            break;
    }
    qsizetype end = out.size();
    while (end > 0 && (out.at(end - 1) == '\n' || out.at(end - 1) == '\r'))
        --end;
    if (length <= keep && end <= maxBytes) {
        out.truncate(end);
        *line = std::move(out);
        return true;
    }
    line->clear();
    if (skipped)
        *skipped = length;
    return false;
}

Result<SyncEvent> EventFileReader::parseLine(const QByteArray &line)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(QStringLiteral("event.syntax"),
                         QStringLiteral("not a JSON object (%1)")
                             .arg(pe.error != QJsonParseError::NoError
                                      ? pe.errorString()
                                      : QStringLiteral("a JSON value of another kind")));
    return SyncEvent::fromJson(doc.object());
}

Result<std::optional<SyncEvent>> EventFileReader::next()
{
    while (!m_file.atEnd()) {
        QByteArray line;
        qint64 length = 0;
        ++m_line;
        if (!readBoundedLine(m_file, m_maxEventBytes, &line, &length))
            return makeError(
                QStringLiteral("event.too_large"),
                QStringLiteral("%1 line %2: %3 bytes, more than sync_max_event_bytes (%4)")
                    .arg(m_file.fileName())
                    .arg(m_line)
                    .arg(length)
                    .arg(m_maxEventBytes));
        if (line.trimmed().isEmpty())
            continue;
        auto event = parseLine(line);
        if (!event)
            return makeError(event.error().code, QStringLiteral("%1 line %2: %3")
                                                     .arg(m_file.fileName())
                                                     .arg(m_line)
                                                     .arg(event.error().message));
        return std::optional<SyncEvent>(std::move(event).value());
    }
    return std::optional<SyncEvent>();
}

} // namespace jobfirst
