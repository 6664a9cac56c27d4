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

namespace {

/// A batch of events on its way to the outbox, and how far the file is read once it is durable.
struct PendingBatch
{
    std::future<Result<QList<SyncEvent>>> written;
    /// Hashes of its users, sorted: two batches whose lists meet may share a user (a
    /// collision only makes one wait for the other, which is safe).
    std::vector<std::size_t> users;
    qint64 events = 0;
    qint64 bytesDone = 0;
    qint64 lines = 0;

    bool sharesUserWith(const PendingBatch &other) const
    {
        auto a = users.cbegin(), b = other.users.cbegin();
        while (a != users.cend() && b != other.users.cend()) {
            if (*a == *b)
                return true;
            if (*a < *b)
                ++a;
            else
                ++b;
        }
        return false;
    }
};

/// One run of an import over one file. Up to three batches are on their way at once: while
/// one is written and another synced, the next lines are parsed. Batches that share a user
/// are never on their way together, so a user's later line always gets the later version.
/// Progress is saved in file order up to the first batch not yet durable (or that failed), so
/// a crash resumes at or before it; ids derive from the line, so a batch sent twice is
/// accepted once.
class ImportRun
{
public:
    struct Options
    {
        int batchSize;
        const BulkImporter::Publish &publish;
        const std::function<void(const ImportProgress &)> &progress;
        const std::atomic_bool *cancel;
        qint64 maxEventBytes;
    };

    ImportRun(QFile &file, ImportJobs &jobs, const Options &options)
        : m_file(file), m_jobs(jobs), m_options(options),
          m_key(QFileInfo(file.fileName()).absoluteFilePath()),
          m_csv(file.fileName().endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
    {
        // Event ids: "import-<file tag>-<line>".
        const QByteArray fileTag =
            QCryptographicHash::hash((m_key + QString::number(file.size())).toUtf8(),
                                     QCryptographicHash::Sha1)
                .toHex()
                .left(12);
        m_idPrefix = QStringLiteral("import-%1-").arg(QString::fromLatin1(fileTag));
        m_batch.reserve(m_options.batchSize);
    }

    Result<ImportProgress> run()
    {
        if (Status s = resume(); !s)
            return s.error();
        if (m_csv)
            if (Status s = readHeader(); !s)
                return s.error();
        m_savedBytes = m_p.bytesDone;
        m_savedLines = m_p.lines;
        while (!m_file.atEnd() && !cancelled()) {
            readLine();
            if (m_batch.size() >= m_options.batchSize)
                if (Status s = flush(); !s)
                    return s.error();
        }
        if (Status s = flush(); !s)
            return s.error();
        return finish();
    }

private:
    static constexpr std::size_t InFlight = 3;
    static constexpr qint64 MaxHeaderBytes = 64 * 1024;

    bool cancelled() const { return m_options.cancel && m_options.cancel->load(); }

    /// Starts where an interrupted run of the same file stopped.
    Status resume()
    {
        m_p.bytesTotal = m_file.size();
        const auto saved = m_jobs.find(m_key);
        if (!saved)
            return saved.error();
        if (saved.value() && !saved.value()->done) {
            m_p.bytesDone = saved.value()->offset;
            m_p.lines = saved.value()->lines;
            m_p.resumed = m_p.bytesDone > 0;
            m_file.seek(m_p.bytesDone);
        }
        return {};
    }

    /// The CSV header is needed even when resuming past it.
    Status readHeader()
    {
        const QString path = m_file.fileName();
        QFile head(path);
        head.open(QIODevice::ReadOnly);
        QByteArray headLine;
        if (!EventFileReader::readBoundedLine(head, MaxHeaderBytes, &headLine))
            return makeError(QStringLiteral("import.format"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "%1: the CSV header is longer than 64 KiB"),
                                      {path}));
        m_header = BulkImporter::splitCsv(QString::fromUtf8(headLine).trimmed());
        if (!m_header.contains(QStringLiteral("id")) &&
            !m_header.contains(QStringLiteral("user_id")))
            return makeError(QStringLiteral("import.format"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "%1: the CSV header has no id or user_id "
                                                        "column"),
                                      {path}));
        if (m_p.bytesDone == 0) {
            QByteArray skipped;
            EventFileReader::readBoundedLine(m_file, MaxHeaderBytes, &skipped);
            m_p.bytesDone = m_file.pos();
            m_p.lines = 1;
        }
        return {};
    }

    /// One line, bounded (an 8 MB user record is refused, not imported): an event for the
    /// batch, a rejection counted, or nothing for a blank line.
    void readLine()
    {
        QByteArray raw;
        qint64 length = 0;
        ++m_p.lines;
        const bool fits =
            EventFileReader::readBoundedLine(m_file, m_options.maxEventBytes, &raw, &length);
        const QByteArray line = raw.trimmed();
        if (!fits || !line.isEmpty()) {
            auto event = fits ? eventFrom(line)
                              : Result<SyncEvent>(makeError(
                                    QStringLiteral("import.too_large"),
                                    QStringLiteral("%1 bytes, more than sync_max_event_bytes (%2)")
                                        .arg(length)
                                        .arg(m_options.maxEventBytes)));
            if (event)
                m_batch << event.value();
            else
                reject(event.error().message);
        }
        m_p.bytesDone = m_file.pos();
    }

    Result<SyncEvent> eventFrom(const QByteArray &line) const
    {
        auto parsed = BulkImporter::parseLine(line, m_csv ? m_header : QStringList());
        if (!parsed)
            return parsed.error();
        SyncEvent e = std::move(parsed).value();
        if (e.eventId.isEmpty())
            e.eventId = m_idPrefix + QString::number(m_p.lines);
        // A record can grow on the way to JSON (CSV quoting, escapes): long lines are
        // measured as they will be sent, so one event cannot fail its whole batch.
        if (line.size() > m_options.maxEventBytes / 2 &&
            e.toPayload().size() > m_options.maxEventBytes)
            return makeError(QStringLiteral("import.too_large"),
                             QStringLiteral("the event would be more than sync_max_event_bytes "
                                            "(%1) bytes")
                                 .arg(m_options.maxEventBytes));
        return e;
    }

    void reject(const QString &why)
    {
        ++m_p.rejected;
        if (m_p.firstError.isEmpty())
            m_p.firstError = QStringLiteral("line %1: %2").arg(m_p.lines).arg(why);
    }

    /// Sends the batch read so far (if any) and saves progress now and then; after a batch
    /// that failed, waits for the others and saves what was durable before it.
    Status flush()
    {
        if (!m_batch.isEmpty()) {
            send();
        } else if (m_pending.empty() && m_failure.ok()) {
            m_savedBytes = m_p.bytesDone; // only lines without events since the last batch
            m_savedLines = m_p.lines;
        }
        if (!m_failure.ok()) {
            settleAll();
            saveProgress(true);
            return m_failure;
        }
        return saveProgress(false);
    }

    void send()
    {
        PendingBatch next;
        next.events = m_batch.size();
        next.bytesDone = m_p.bytesDone;
        next.lines = m_p.lines;
        next.users.reserve(std::size_t(m_batch.size()));
        for (const SyncEvent &e : std::as_const(m_batch))
            next.users.push_back(qHash(e.userId, 0));
        std::sort(next.users.begin(), next.users.end());
        while (!m_pending.empty() &&
               (m_pending.size() >= InFlight ||
                std::any_of(m_pending.begin(), m_pending.end(),
                            [&](const PendingBatch &other) { return next.sharesUserWith(other); })))
            settleOldest();
        next.written = std::async(std::launch::async,
                                  [&publish = m_options.publish, events = std::move(m_batch)] {
                                      return publish(events);
                                  });
        m_batch = QList<SyncEvent>();
        m_batch.reserve(m_options.batchSize);
        m_pending.push_back(std::move(next));
    }

    void settleOldest()
    {
        PendingBatch oldest = std::move(m_pending.front());
        m_pending.pop_front();
        auto written = oldest.written.get();
        if (!written) {
            if (m_failure.ok())
                m_failure = written.error();
            return;
        }
        m_p.accepted += oldest.events;
        if (m_failure.ok()) { // nothing after a failed batch counts as done in the file
            m_savedBytes = oldest.bytesDone;
            m_savedLines = oldest.lines;
        }
    }

    void settleAll()
    {
        while (!m_pending.empty())
            settleOldest();
    }

    /// Progress goes through this importer's own connection, which waits for the outbox
    /// writer's lock (SQLite's busy handler sleeps in steps of up to 100 ms): saved at most
    /// every half second, a resumed run sends a little more again (accepted once) instead of
    /// every batch waiting for the lock. What is saved is the file position and line count of
    /// the last durable batch.
    Status saveProgress(bool force)
    {
        if (m_savedBytes == m_lastSaved ||
            (!force && m_sinceSaved.isValid() && m_sinceSaved.elapsed() < 500))
            return {};
        m_lastSaved = m_savedBytes;
        m_sinceSaved.start();
        const bool done = force && !cancelled() && m_savedBytes == m_p.bytesDone;
        ImportProgress saved = m_p;
        saved.bytesDone = m_savedBytes;
        saved.lines = m_savedLines;
        Status s = m_jobs.save(m_key, ImportCheckpoint{saved.bytesDone, saved.lines, done},
                               QDateTime::currentMSecsSinceEpoch());
        if (s && m_options.progress)
            m_options.progress(saved);
        return s;
    }

    Result<ImportProgress> finish()
    {
        settleAll();
        if (!m_failure.ok()) {
            saveProgress(true);
            return m_failure.error();
        }
        m_savedBytes = m_p.bytesDone;
        m_savedLines = m_p.lines;
        m_lastSaved = -1; // the last save says whether the file is done
        if (Status s = saveProgress(true); !s)
            return s.error();
        return m_p;
    }

    QFile &m_file;
    ImportJobs &m_jobs;
    const Options &m_options;
    const QString m_key; ///< the file's absolute path: its saved progress
    const bool m_csv;
    QString m_idPrefix;
    QStringList m_header;
    ImportProgress m_p;
    QList<SyncEvent> m_batch;
    std::deque<PendingBatch> m_pending;
    qint64 m_savedBytes = 0, m_savedLines = 0; ///< the file read up to the last durable batch
    qint64 m_lastSaved = -1;
    QElapsedTimer m_sinceSaved;
    Status m_failure; ///< the first batch that could not be written, if any
};

} // namespace

Result<ImportProgress>
BulkImporter::run(const QString &dbPath, const QString &filePath, int batchSize,
                  const Publish &publish,
                  const std::function<void(const ImportProgress &)> &progress,
                  const std::atomic_bool *cancel, qint64 maxEventBytes)
{
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("import.io"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "cannot read %1: %2"),
                                  {filePath, file.errorString()}));
    auto opened = Store::open(dbPath);
    if (!opened)
        return opened.error();
    ImportJobs jobs(*opened.value());
    const ImportRun::Options options{batchSize, publish, progress, cancel, maxEventBytes};
    return ImportRun(file, jobs, options).run();
}

} // namespace jobfirst
