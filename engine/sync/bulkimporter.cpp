// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/bulkimporter.h"

#include "store/store.h"
#include "sync/eventfilereader.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>

namespace jobfirst {

QStringList BulkImporter::splitCsv(const QString &line)
{
    QStringList out;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < line.size() && line.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            out << field;
            field.clear();
        } else {
            field += c;
        }
    }
    out << field;
    return out;
}

Result<SyncEvent> BulkImporter::parseLine(const QByteArray &line, const QStringList &header)
{
    SyncEvent e;
    e.type = QStringLiteral("user.created");
    if (!header.isEmpty()) {
        const QStringList fields = splitCsv(QString::fromUtf8(line));
        if (fields.size() != header.size())
            return makeError(QStringLiteral("import.format"),
                             QStringLiteral("%1 fields, the header has %2")
                                 .arg(fields.size())
                                 .arg(header.size()));
        for (int i = 0; i < header.size(); ++i)
            e.data.insert(header.at(i), fields.at(i));
        e.userId = e.data.value(QStringLiteral("user_id")).toString();
        if (e.userId.isEmpty())
            e.userId = e.data.value(QStringLiteral("id")).toString();
    } else {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject())
            return makeError(QStringLiteral("import.format"),
                             QStringLiteral("not a JSON object (%1)").arg(pe.errorString()));
        const QJsonObject o = doc.object();
        if (o.contains(QStringLiteral("type")) && o.contains(QStringLiteral("user_id"))) {
            auto parsed = SyncEvent::fromJson(o);
            if (!parsed)
                return parsed.error();
            e = parsed.value();
        } else {
            e.data = o;
            e.userId = o.value(QStringLiteral("id")).toVariant().toString();
        }
    }
    if (Status s = e.validate(); !s)
        return s.error();
    return e;
}

Result<ImportProgress>
BulkImporter::run(const QString &dbPath, const QString &filePath, int batchSize,
                  const Publish &publish,
                  const std::function<void(const ImportProgress &)> &progress,
                  const std::atomic_bool *cancel, qint64 maxEventBytes)
{
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("import.io"), QStringLiteral("cannot read %1: %2").arg(filePath, file.errorString()));
    auto opened = Store::open(dbPath);
    if (!opened)
        return opened.error();
    QSqlDatabase db = opened.value()->database();
    const QString key = QFileInfo(filePath).absoluteFilePath();
    const QByteArray fileTag = QCryptographicHash::hash((key + QString::number(file.size())).toUtf8(), QCryptographicHash::Sha1)
                                   .toHex()
                                   .left(12);
    ImportProgress p;
    p.bytesTotal = file.size();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT offset, lines, done FROM import_jobs WHERE path = ?"));
    q.addBindValue(key);
    if (q.exec() && q.next() && !q.value(2).toBool()) {
        p.bytesDone = q.value(0).toLongLong();
        p.lines = q.value(1).toLongLong();
        p.resumed = p.bytesDone > 0;
        file.seek(p.bytesDone);
    }
    q.finish();
    const bool csv = filePath.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive);
    QStringList header;
    if (csv) {
        // The header is needed even when resuming past it.
        QFile head(filePath);
        head.open(QIODevice::ReadOnly);
        QByteArray headLine;
        if (!EventFileReader::readBoundedLine(head, 64 * 1024, &headLine))
            return makeError(
                QStringLiteral("import.format"),
                QStringLiteral("%1: the CSV header is longer than 64 KiB").arg(filePath));
        header = splitCsv(QString::fromUtf8(headLine).trimmed());
        const bool hasId = header.contains(QStringLiteral("id")) || header.contains(QStringLiteral("user_id"));
        if (!hasId)
            return makeError(QStringLiteral("import.format"),
                             QStringLiteral("%1: the CSV header has no id or user_id column").arg(filePath));
        if (p.bytesDone == 0) {
            QByteArray skipped;
            EventFileReader::readBoundedLine(file, 64 * 1024, &skipped);
            p.bytesDone = file.pos();
            p.lines = 1;
        }
    }
    QSqlQuery save(db);
    save.prepare(QStringLiteral("INSERT OR REPLACE INTO import_jobs(path, offset, lines, done, updated_at) VALUES (?, ?, ?, ?, ?)"));
    auto checkpoint = [&](bool done) {
        save.addBindValue(key);
        save.addBindValue(p.bytesDone);
        save.addBindValue(p.lines);
        save.addBindValue(done);
        save.addBindValue(QDateTime::currentMSecsSinceEpoch());
        if (!save.exec())
            return Status(storeError(dbPath, QStringLiteral("save import progress"), save.lastError().text()));
        return Status();
    };
    QList<SyncEvent> batch;
    batch.reserve(batchSize);
    auto flush = [&]() -> Status {
        if (!batch.isEmpty()) {
            auto r = publish(batch);
            if (!r)
                return r.error();
            p.accepted += batch.size();
            batch.clear();
        }
        if (Status s = checkpoint(false); !s)
            return s;
        if (progress)
            progress(p);
        return {};
    };
    while (!file.atEnd()) {
        if (cancel && cancel->load())
            break;
        // One line at a time, bounded: an 8 MB user record is refused, not imported.
        QByteArray raw;
        qint64 length = 0;
        ++p.lines;
        const bool fits = EventFileReader::readBoundedLine(file, maxEventBytes, &raw, &length);
        const QByteArray line = raw.trimmed();
        if (fits && line.isEmpty()) {
            p.bytesDone = file.pos();
            continue;
        }
        SyncEvent e;
        QString error;
        if (!fits) {
            error = QStringLiteral("line %1: %2 bytes, more than sync_max_event_bytes (%3)")
                        .arg(p.lines)
                        .arg(length)
                        .arg(maxEventBytes);
        } else if (auto parsed = parseLine(line, csv ? header : QStringList()); !parsed) {
            error = QStringLiteral("line %1: %2").arg(p.lines).arg(parsed.error().message);
        } else {
            e = parsed.value();
            if (e.eventId.isEmpty())
                e.eventId =
                    QStringLiteral("import-%1-%2").arg(QString::fromLatin1(fileTag)).arg(p.lines);
            // A record can grow on the way to JSON (CSV quoting, escapes): long lines are
            // measured as they will be sent, so one event cannot fail its whole batch.
            if (line.size() > maxEventBytes / 2 && e.toPayload().size() > maxEventBytes)
                error = QStringLiteral(
                            "line %1: the event would be more than sync_max_event_bytes (%2) bytes")
                            .arg(p.lines)
                            .arg(maxEventBytes);
        }
        if (!error.isEmpty()) {
            ++p.rejected;
            if (p.firstError.isEmpty())
                p.firstError = error;
        } else {
            batch << e;
        }
        p.bytesDone = file.pos();
        if (batch.size() >= batchSize)
            if (Status s = flush(); !s)
                return s.error();
    }
    if (Status s = flush(); !s)
        return s.error();
    if (!(cancel && cancel->load()))
        if (Status s = checkpoint(true); !s)
            return s.error();
    return p;
}

} // namespace jobfirst
