// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/eventfilereader.h"

#include <QJsonDocument>
#include <QJsonObject>

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
    // readLine(n) reads at most n - 1 bytes: room for the line, its newline (and a CR).
    QByteArray chunk = device.readLine(maxBytes + 3);
    if (chunk.endsWith('\n') || device.atEnd()) {
        while (chunk.endsWith('\n') || chunk.endsWith('\r'))
            chunk.chop(1);
        if (chunk.size() <= maxBytes) {
            *line = std::move(chunk);
            return true;
        }
    }
    // Too long: consume the rest of the line a piece at a time, keeping none of it.
    qint64 length = chunk.size();
    while (!chunk.endsWith('\n') && !device.atEnd()) {
        chunk = device.readLine(64 * 1024);
        length += chunk.size();
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
