// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/bulkimporter.h"

#include "store/importjobs.h"
#include "store/store.h"
#include "sync/eventfilereader.h"
#include "sync/rawjsonobject.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <deque>
#include <future>
#include <optional>
#include <vector>

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

namespace {

/// A CSV record under its header: every field a string of the user's data.
Result<SyncEvent> readCsvRecord(const QByteArray &line, const QStringList &header)
{
    SyncEvent e;
    e.type = QStringLiteral("user.created");
    const QStringList fields = BulkImporter::splitCsv(QString::fromUtf8(line));
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
    return e;
}

/// A JSON user record that QJsonDocument would read as the same data, kept as written
/// (without whitespace outside strings): parsing it into a QJsonObject and writing that back
/// out was most of an import's CPU (issue 12). Nullopt when the line is an event, or is for
/// QJsonDocument to read (and to name what is wrong with it).
std::optional<SyncEvent> readUserRecordAsWritten(const QByteArray &line)
{
    const auto o = RawJsonObject::read(line);
    if (!o || (!o->value("type").isEmpty() && !o->value("user_id").isEmpty()))
        return std::nullopt;
    const auto id = RawJsonObject::plainText(o->value("id"));
    if (!id)
        return std::nullopt;
    SyncEvent e;
    e.type = QStringLiteral("user.created");
    e.userId = *id;
    e.dataJson = o->spaced() ? RawJsonObject::compacted(line) : line;
    return e;
}

/// A JSON line through QJsonDocument: an event (type, user_id, data) or a user record.
Result<SyncEvent> readJsonLine(const QByteArray &line)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(QStringLiteral("import.format"),
                         QStringLiteral("not a JSON object (%1)").arg(pe.errorString()));
    const QJsonObject o = doc.object();
    if (o.contains(QStringLiteral("type")) && o.contains(QStringLiteral("user_id")))
        return SyncEvent::fromJson(o);
    SyncEvent e;
    e.type = QStringLiteral("user.created");
    e.data = o;
    e.userId = o.value(QStringLiteral("id")).toVariant().toString();
    return e;
}

} // namespace

Result<SyncEvent> BulkImporter::parseLine(const QByteArray &line, const QStringList &header)
{
    Result<SyncEvent> e;
    if (!header.isEmpty())
        e = readCsvRecord(line, header);
    else if (auto kept = readUserRecordAsWritten(line))
        e = std::move(*kept);
    else
        e = readJsonLine(line);
    if (!e)
        return e;
    if (Status s = e->validate(); !s)
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
    ImportJobs jobs(*opened.value());
    const QString key = QFileInfo(filePath).absoluteFilePath();
    const QByteArray fileTag = QCryptographicHash::hash((key + QString::number(file.size())).toUtf8(), QCryptographicHash::Sha1)
                                   .toHex()
                                   .left(12);
    // Event ids: "import-<file tag>-<line>".
    const QString idPrefix = QStringLiteral("import-%1-").arg(QString::fromLatin1(fileTag));
    ImportProgress p;
    p.bytesTotal = file.size();
    const auto saved = jobs.find(key);
    if (!saved)
        return saved.error();
    if (saved.value() && !saved.value()->done) {
        p.bytesDone = saved.value()->offset;
        p.lines = saved.value()->lines;
        p.resumed = p.bytesDone > 0;
        file.seek(p.bytesDone);
    }
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
    auto checkpoint = [&](bool done) {
        return jobs.save(key, ImportCheckpoint{p.bytesDone, p.lines, done},
                         QDateTime::currentMSecsSinceEpoch());
    };
    // Up to three batches are on their way at once: while one is written and another synced,
    // the next lines are parsed. Batches that share a user are never on their way together,
    // so a user's later line always gets the later version. Progress is saved in file order
    // up to the first batch not yet durable (or that failed), so a crash resumes at or before
    // it; ids derive from the line, so a batch sent twice is accepted once.
    struct Pending
    {
        std::future<Result<QList<SyncEvent>>> written;
        /// Hashes of its users, sorted: two batches whose lists meet may share a user (a
        /// collision only makes one wait for the other, which is safe).
        std::vector<std::size_t> users;
        qint64 events = 0;
        qint64 bytesDone = 0;
        qint64 lines = 0;
    };
    std::deque<Pending> pending;
    constexpr std::size_t InFlight = 3;
    qint64 savedBytes = p.bytesDone, savedLines = p.lines;
    Status failure; ///< the first batch that could not be written, if any
    const auto settleOldest = [&] {
        Pending oldest = std::move(pending.front());
        pending.pop_front();
        auto r = oldest.written.get();
        if (!r) {
            if (failure.ok())
                failure = r.error();
            return;
        }
        p.accepted += oldest.events;
        if (failure.ok()) { // nothing after a failed batch counts as done in the file
            savedBytes = oldest.bytesDone;
            savedLines = oldest.lines;
        }
    };
    qint64 lastSaved = -1;
    QElapsedTimer sinceSaved;
    // Progress goes through this importer's own connection, which waits for the outbox
    // writer's lock (SQLite's busy handler sleeps in steps of up to 100 ms): saved at most
    // every half second, a resumed run sends a little more again (accepted once) instead of
    // every batch waiting for the lock.
    const auto saveProgress = [&](bool force) -> Status {
        if (savedBytes == lastSaved || (!force && sinceSaved.isValid() && sinceSaved.elapsed() < 500))
            return {};
        lastSaved = savedBytes;
        sinceSaved.start();
        const bool done = force && !(cancel && cancel->load()) && savedBytes == p.bytesDone;
        // The file position and line count of the last durable batch.
        const qint64 bytes = p.bytesDone, lines = p.lines;
        p.bytesDone = savedBytes;
        p.lines = savedLines;
        Status s = checkpoint(done);
        if (s && progress)
            progress(p);
        p.bytesDone = bytes;
        p.lines = lines;
        return s;
    };
    QList<SyncEvent> batch;
    batch.reserve(batchSize);
    auto flush = [&]() -> Status {
        if (!batch.isEmpty()) {
            Pending next;
            next.events = batch.size();
            next.bytesDone = p.bytesDone;
            next.lines = p.lines;
            next.users.reserve(std::size_t(batch.size()));
            for (const SyncEvent &e : std::as_const(batch))
                next.users.push_back(qHash(e.userId, 0));
            std::sort(next.users.begin(), next.users.end());
            const auto shares = [&next](const Pending &other) {
                auto a = next.users.cbegin(), b = other.users.cbegin();
                while (a != next.users.cend() && b != other.users.cend()) {
                    if (*a == *b)
                        return true;
                    if (*a < *b)
                        ++a;
                    else
                        ++b;
                }
                return false;
            };
            while (!pending.empty()
                   && (pending.size() >= InFlight
                       || std::any_of(pending.begin(), pending.end(), shares)))
                settleOldest();
            next.written = std::async(std::launch::async, [&publish, events = std::move(batch)] {
                return publish(events);
            });
            batch = QList<SyncEvent>();
            batch.reserve(batchSize);
            pending.push_back(std::move(next));
        } else if (pending.empty() && failure.ok()) {
            savedBytes = p.bytesDone; // only lines without events since the last batch
            savedLines = p.lines;
        }
        if (!failure.ok()) {
            while (!pending.empty())
                settleOldest();
            saveProgress(true); // what was durable before it
            return failure;
        }
        return saveProgress(false);
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
                e.eventId = idPrefix + QString::number(p.lines);
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
    while (!pending.empty())
        settleOldest();
    if (!failure.ok()) {
        saveProgress(true);
        return failure.error();
    }
    savedBytes = p.bytesDone;
    savedLines = p.lines;
    lastSaved = -1; // the last save says whether the file is done
    if (Status s = saveProgress(true); !s)
        return s.error();
    return p;
}

} // namespace jobfirst
