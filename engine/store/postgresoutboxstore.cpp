// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresoutboxstore.h"

#include "core/bulkwork.h"
#include "store/connectbackoff.h"
#include "store/postgresnotices.h"

#include "store/deliverylease.h"
#include "store/outboxrows.h"
#include "store/postgresbinaryarray.h"
#include "store/postgrespipeline.h"
#include "store/postgresschema.h"
#include "store/postgressilencewatch.h"
#include "store/store.h"

#include <QDateTime>
#include <QSet>
#include <QSqlError>
#include <QSqlRecord>
#include <QStringList>
#include <QVariant>


#include <algorithm>
#include <array>
#include <future>
#include <limits>

namespace jobfirst {

namespace {

/// PostgreSQL text cannot hold NUL characters (an answer body might).
QString pgText(const QString &s)
{
    if (s.isNull())
        return QStringLiteral("");
    if (!s.contains(QChar(0)))
        return s;
    QString copy = s;
    copy.remove(QChar(0));
    return copy;
}

constexpr int ChunkRows = 64; ///< rows per multi-row INSERT (outcomes)
/// The marker of an enqueue, taken before any delivery id: readers do not read from the next
/// id on while its transaction is open (see PostgresOutboxReader::dataVersion()).
constexpr char EnqueueMarker[] = "SELECT pg_advisory_xact_lock_shared(-(CASE WHEN is_called THEN"
                                 " last_value + 1 ELSE last_value END)) FROM deliveries_id_seq";
/// Groups that check each event id against those accepted before, after one came again.
constexpr int CheckIdsGroups = 100;

/// The PREPARE of jf_enqueue (`onConflict` empty) or jf_enqueue_once (see prepareEnqueues()).
QString enqueueStatementSql(const QString &onConflict)
{
    return QStringLiteral(
               "PREPARE jf_enqueue%1(TEXT[], TEXT[], TEXT[], BYTEA, INTEGER[], INTEGER[],"
               " BIGINT[], INTEGER[], TEXT[], BIGINT[], TEXT[], INTEGER[], BIGINT) AS WITH"
               " ev AS (INSERT INTO events(event_id, type, user_id, version, payload,"
               " created_at) SELECT e, t, u, 0, substring($4 FROM po FOR pl), c FROM"
               " unnest($1, $2, $3, $5, $6, $7) WITH ORDINALITY AS x(e, t, u, po, pl, c, i)"
               " ORDER BY i%2 RETURNING seq, event_id, user_id), dl AS (INSERT INTO"
               " deliveries(event_seq, target, user_id, state, next_at, created_at,"
               " updated_at, event_count, mode, part) SELECT ev.seq, d.t, ev.user_id,"
               " 'pending', d.due, $13, $13, 1, d.m, CASE WHEN d.p < 0 THEN CAST(ev.seq %"
               " %3 AS INTEGER) ELSE d.p END FROM unnest($8, $9, $10, $11, $12) WITH"
               " ORDINALITY AS d(ei, t, due, m, p, o) JOIN ev ON ev.event_id = ($1)[d.ei]"
               " ORDER BY d.o) SELECT seq, event_id FROM ev")
        .arg(onConflict.isEmpty() ? QString() : QStringLiteral("_once"), onConflict)
        .arg(PostgresSchema::Partitions);
}

// jf_events and jf_deliveries (groups with bulk or coalescing items) take their values as
// arrays, each written as one array literal
// inside one string literal (E'{…}'::TEXT[]): the server reads it with the array's input
// function, where ARRAY[E'…', …] had it parse, analyse and copy an expression per element
// (a tenth of the server backend's instructions for a group of 35 events).

/// Appends `s` as an element of an array literal: in double quotes, `"` and `\` escaped for the
/// array; with `inString` (the literal goes inside an E'…' string), every `\` and `'` again for
/// the string. E'…' means the same whatever the server's standard_conforming_strings. A NUL
/// (text cannot hold one) is left out.
void appendElement(QString &sql, const QString &s, bool inString)
{
    sql += u'"';
    for (const QChar c : s) {
        if (c == u'"')
            sql += inString ? QLatin1String("\\\\\"") : QLatin1String("\\\"");
        else if (c == u'\\')
            sql += inString ? QLatin1String("\\\\\\\\") : QLatin1String("\\\\");
        else if (c == u'\'' && inString)
            sql += QLatin1String("''");
        else if (c.unicode() != 0)
            sql += c;
    }
    sql += u'"';
}

/// appendElement() of an array literal inside an E'…' string.
void appendText(QString &sql, const QString &s)
{
    appendElement(sql, s, true);
}

/// Appends `bytes` as a BYTEA element (hex) of an array literal inside an E'…' string.
void appendBytes(QString &sql, const QByteArray &bytes)
{
    sql += QLatin1String("\"\\\\\\\\x");
    sql += QLatin1String(bytes.toHex());
    sql += u'"';
}

/// Appends `add(sql, element)` for each element of `list`, separated by commas.
template <class List, class Add> void appendElements(QString &sql, const List &list, Add add)
{
    bool first = true;
    for (const auto &element : list) {
        if (!first)
            sql += u',';
        first = false;
        add(sql, element);
    }
}

/// Appends "E'{…}'::type[]" of `add(sql, element)` for each element of `list`.
template <class List, class Add>
void appendArray(QString &sql, const List &list, const char *type, Add add)
{
    sql += QLatin1String("E'{");
    appendElements(sql, list, add);
    sql += QLatin1String("}'::");
    sql += QLatin1String(type);
    sql += QLatin1String("[]");
}

/// Appends the arrays of the events' ids, types and users of `items`, each with a comma.
void appendEventTexts(QString &sql, const std::vector<const OutboxItem *> &items)
{
    appendArray(sql, items, "TEXT",
                [](QString &s, const OutboxItem *i) { appendText(s, i->event.eventId); });
    sql += u',';
    appendArray(sql, items, "TEXT",
                [](QString &s, const OutboxItem *i) { appendText(s, i->event.type); });
    sql += u',';
    appendArray(sql, items, "TEXT",
                [](QString &s, const OutboxItem *i) { appendText(s, i->event.userId); });
    sql += u',';
}

/// Runs `sql`, one statement or several, with `q`: false, with why in `error`, when any of
/// them failed. With `rows`, `q` is left on the first result of a statement that answers
/// rows of two columns (QPSQL answers each statement's result in turn, or only the last).
bool runScript(QSqlQuery &q, const QString &sql, bool rows, QString &error)
{
    bool ok = q.exec(sql);
    while (ok && !(rows && q.isSelect() && q.record().count() == 2)) {
        if (!q.nextResult()) {
            ok = !q.lastError().isValid() && !rows;
            break;
        }
    }
    if (!ok)
        error = q.lastError().isValid() ? q.lastError().text() : QStringLiteral("no rows answered");
    return ok;
}

/// The fence lock of the lease owner that SQL expression `holder` names: an advisory lock of
/// two keys (class "jffe", the hash of the name), which PostgresOutboxReader's markers (one
/// key) never match. A hash shared by two owners only makes one wait for the other's groups.
QString fenceLock(const QString &holder)
{
    return QStringLiteral("1785095781, hashtext(%1)").arg(holder);
}

/// The array literal "{…}" of `add(text, element)` for each element of `list`, to bind as a
/// value (QPSQL quotes it as a string).
template <class List, class Add> QString arrayValue(const List &list, Add add)
{
    QString text = QStringLiteral("{");
    appendElements(text, list, add);
    return text + u'}';
}

} // namespace

/// One connection of the writer, its prepared statements, and the one thread that uses it:
/// it opens the connection, runs every statement on it (a group's, a lease claim's) and its
/// COMMIT, and closes it. Qt documents a connection as usable only from the thread that made
/// it, so no other thread touches `db` or the queries. Busy from the end of commit() until
/// that group's COMMIT has returned.
struct PostgresOutboxStore::Link
{
    QString name;
    QSqlDatabase db;
    bool connected = false;
    /// Prepared once per connection (each prepared per call cost a PREPARE and a DEALLOCATE
    /// round trip), whatever the size of the group: markDones takes arrays.
    std::unique_ptr<QSqlQuery> supersede, markDones, markDone, markRetry, markDead, markHold,
        ledger, ledgerRange, logAttempt;
    /// A lease claim's statements.
    std::unique_ptr<QSqlQuery> wantShare, leaveShare, claimRows, daemons, fenceParts, passParts,
        giveParts, renewParts, takeParts;
    /// Every statement above.
    std::array<std::unique_ptr<QSqlQuery> *, 18> statements()
    {
        return {&supersede, &markDones,   &markDone,   &markRetry, &markDead,   &markHold,
                &ledger,    &ledgerRange, &logAttempt, &wantShare, &leaveShare, &claimRows,
                &daemons,   &fenceParts,  &passParts,  &giveParts, &renewParts, &takeParts};
    }
    ConnectBackoff backoff; ///< calls fail at once for a while after a failed connect
    /// Drops the connection when a task waits a lease period for a server that says nothing.
    std::unique_ptr<PostgresSilenceWatch> silence;
    bool busy = false;      ///< guarded by m_mutex
    std::size_t requests = 0;                ///< of the group whose COMMIT is in flight (m_mutex)
    std::deque<std::function<void()>> tasks; ///< to run on `thread`, in order (m_mutex)
    std::condition_variable work;
    std::thread thread;
};

template <class F> auto PostgresOutboxStore::onLink(Link &link, F &&f) -> decltype(f())
{
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    auto result = task->get_future();
    post(link, [task] { (*task)(); });
    return result.get();
}

void PostgresOutboxStore::post(Link &link, std::function<void()> task)
{
    {
        std::lock_guard lock(m_mutex);
        link.tasks.push_back(std::move(task));
    }
    link.work.notify_one();
}

/// The statements writeOutboxRows() runs, batched: a round trip to the server costs more than
/// the row, so the events of a group go in one INSERT before the rows are planned, and
/// delivery rows wait in memory until the group ends (or a supersede must see them).
struct PostgresOutboxStore::Rows
{
    PostgresOutboxStore &store;
    qint64 now;
    QHash<QString, qint64> seqs; ///< event id → seq of the events this write inserted
    struct Delivery
    {
        qint64 seq;
        QString target, user;
        qint64 due;
        int count;
        QString mode;
        int part;
    };
    std::vector<Delivery> pending;
    QString failure;
    /// The rows were inserted with the events (enqueueStatement()): nothing more to write.
    bool inserted = false;

    qint64 insertEvent(const OutboxItem &item, QString &)
    {
        return seqs.take(item.event.eventId); // 0: accepted before (or twice in this write)
    }
    bool insertDelivery(qint64 seq, const QString &target, const QString &user, qint64 due,
                        int count, const QString &mode, QString &)
    {
        if (inserted)
            return true;
        pending.push_back(
            Delivery{seq, target, user, due, count, mode, PostgresSchema::partitionOf(user, seq)});
        return true;
    }
    qint64 supersede(const QString &target, const QString &user)
    {
        if (!flush())
            return 0;
        QSqlQuery &q = *store.m_link->supersede;
        q.bindValue(0, now);
        q.bindValue(1, pgText(target));
        q.bindValue(2, pgText(user));
        q.bindValue(3, now);
        return q.exec() ? std::max(0, q.numRowsAffected()) : 0;
    }
    /// Inserts the rows waiting now.
    bool flush()
    {
        if (pending.empty() || !failure.isEmpty())
            return failure.isEmpty();
        const qint64 first = pending.front().seq;
        QSqlQuery q(store.m_link->db);
        QString why;
        if (!runScript(q, take(), false, why))
            failure = QStringLiteral("deliveries from seq %1: %2").arg(first).arg(why);
        return failure.isEmpty();
    }
    /// The statement inserting the rows waiting ("" none), which no longer wait.
    QString take()
    {
        if (pending.empty())
            return {};
        QString sql = QStringLiteral("EXECUTE jf_deliveries(");
        sql.reserve(int(pending.size()) * 120);
        const auto number = [](QString &s, qint64 v) { s += QString::number(v); };
        appendArray(sql, pending, "BIGINT",
                    [&](QString &s, const Delivery &d) { number(s, d.seq); });
        sql += u',';
        appendArray(sql, pending, "TEXT",
                    [](QString &s, const Delivery &d) { appendText(s, d.target); });
        sql += u',';
        appendArray(sql, pending, "TEXT",
                    [](QString &s, const Delivery &d) { appendText(s, d.user); });
        sql += u',';
        appendArray(sql, pending, "BIGINT",
                    [&](QString &s, const Delivery &d) { number(s, d.due); });
        sql += u',';
        appendArray(sql, pending, "INTEGER",
                    [&](QString &s, const Delivery &d) { number(s, d.count); });
        sql += u',';
        appendArray(sql, pending, "TEXT",
                    [](QString &s, const Delivery &d) { appendText(s, d.mode); });
        sql += u',';
        appendArray(sql, pending, "INTEGER",
                    [&](QString &s, const Delivery &d) { number(s, d.part); });
        sql += u',';
        number(sql, now);
        sql += u')';
        pending.clear();
        return sql;
    }
};

QString PostgresOutboxStore::eventsStatement(const std::vector<const OutboxItem *> &items)
{
    // A re-sent event id is accepted once: the second copy is ignored, not an error.
    QString sql = QStringLiteral("EXECUTE jf_events(");
    sql.reserve(int(items.size()) * 400);
    appendEventTexts(sql, items);
    appendArray(sql, items, "BYTEA",
                [](QString &s, const OutboxItem *i) { appendBytes(s, i->payload); });
    sql += u',';
    appendArray(sql, items, "BIGINT",
                [](QString &s, const OutboxItem *i) { s += QString::number(i->event.createdAt); });
    sql += u')';
    return sql;
}

std::vector<QByteArray>
PostgresOutboxStore::enqueueParams(const std::vector<const OutboxItem *> &items, qint64 now)
{
    // The rows writeOutboxRows() makes for such items: one per target, due when asked (else
    // now), real-time unless due later; only for the first copy of an event id in the group
    // (a second copy is not sent: it is answered as accepted before, as when each write
    // inserted its own).
    struct Row
    {
        int event; // 1-based, into the event arrays
        const QString *target;
        qint64 due;
        bool deferred;
        int part;
    };
    std::vector<Row> rows;
    std::vector<const OutboxItem *> events; // first copies
    events.reserve(items.size());
    QSet<QString> seen;
    for (const OutboxItem *i : items) {
        const OutboxItem &item = *i;
        if (seen.contains(item.event.eventId))
            continue;
        seen.insert(item.event.eventId);
        events.push_back(i);
        const qint64 due = item.dueAt > 0 ? item.dueAt : now;
        // An empty user goes by its seq, which the server knows (-1 here).
        const int part =
            item.event.userId.isEmpty() ? -1 : PostgresSchema::partitionOf(item.event.userId, 0);
        for (const QString &target : item.targets)
            rows.push_back(Row{int(events.size()), &target, due, due > now, part});
    }
    using Array = PostgresBinaryArray;
    const auto array = [](Array::Type type, const auto &list, auto add) {
        Array a(type, qsizetype(list.size()));
        for (const auto &element : list)
            add(a, element);
        return a.bytes();
    };
    std::vector<QByteArray> params;
    params.reserve(13);
    params.push_back(array(Array::Type::Text, events,
                           [](Array &a, const OutboxItem *i) { a.addText(i->event.eventId); }));
    params.push_back(array(Array::Type::Text, events,
                           [](Array &a, const OutboxItem *i) { a.addText(i->event.type); }));
    params.push_back(array(Array::Type::Text, events,
                           [](Array &a, const OutboxItem *i) { a.addText(i->event.userId); }));
    // The payloads in one BYTEA, cut by offsets and lengths (one allocation on each side).
    QByteArray payloads;
    for (const OutboxItem *i : events)
        payloads += i->payload;
    params.push_back(payloads);
    qint32 offset = 1; // substring() counts from 1
    params.push_back(array(Array::Type::Int4, events, [&](Array &a, const OutboxItem *i) {
        a.addInt4(offset);
        offset += qint32(i->payload.size());
    }));
    params.push_back(array(Array::Type::Int4, events, [](Array &a, const OutboxItem *i) {
        a.addInt4(qint32(i->payload.size()));
    }));
    params.push_back(array(Array::Type::Int8, events,
                           [](Array &a, const OutboxItem *i) { a.addInt8(i->event.createdAt); }));
    params.push_back(
        array(Array::Type::Int4, rows, [](Array &a, const Row &r) { a.addInt4(r.event); }));
    params.push_back(
        array(Array::Type::Text, rows, [](Array &a, const Row &r) { a.addText(*r.target); }));
    params.push_back(
        array(Array::Type::Int8, rows, [](Array &a, const Row &r) { a.addInt8(r.due); }));
    params.push_back(array(Array::Type::Text, rows, [](Array &a, const Row &r) {
        a.addText(r.deferred ? u"near-real-time" : u"real-time");
    }));
    params.push_back(
        array(Array::Type::Int4, rows, [](Array &a, const Row &r) { a.addInt4(r.part); }));
    params.push_back(Array::int8(now));
    return params;
}

Result<std::unique_ptr<PostgresOutboxStore>> PostgresOutboxStore::open(const PostgresUrl &url)
{
    std::unique_ptr<PostgresOutboxStore> s(new PostgresOutboxStore(url));
    for (int i = 0; i < Links; ++i) {
        auto link = std::make_unique<Link>();
        link->name = PostgresSchema::newConnectionName("writer");
        Link &l = *link;
        // Held by the store before its thread starts: when a thread cannot start
        // (std::system_error), the store's destructor ends the ones that did; a thread
        // started first would have been left joinable (std::terminate) had push_back thrown.
        s->m_links.push_back(std::move(link));
        l.thread = std::thread([store = s.get(), &l] { store->linkLoop(l); });
        // Opened on its own thread. The first connection migrates the schema; the others
        // only connect.
        const Status opened = s->onLink(l, [&]() -> Status {
            auto db = i == 0 ? PostgresSchema::open(url, l.name) : url.connect(l.name);
            if (!db)
                return db.error();
            l.db = db.value();
            if (const QString error = s->connect(l); !error.isEmpty())
                return makeError(QStringLiteral("store.unavailable"), error);
            return {};
        });
        if (!opened)
            return opened.error(); // the destructor closes what was opened
    }
    return s;
}

PostgresOutboxStore::PostgresOutboxStore(PostgresUrl url)
    : m_url(std::move(url)), m_probe(m_url.libpqConnInfo(), m_url.toString())
{
}

PostgresOutboxStore::~PostgresOutboxStore()
{
    {
        // COMMITs handed to finish() are still sent and answered; a group left open (no
        // finish()) is rolled back when its connection closes.
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    for (auto &link : m_links) {
        link->work.notify_all();
        if (link->thread.joinable())
            link->thread.join();
    }
}

void PostgresOutboxStore::linkLoop(Link &link)
{
    beginBulkWorkThread("jf-pg-writer");
    while (true) {
        std::function<void()> task;
        {
            std::unique_lock lock(m_mutex);
            link.work.wait(lock, [&] { return m_stopping || !link.tasks.empty(); });
            if (link.tasks.empty())
                break;
            task = std::move(link.tasks.front());
            link.tasks.pop_front();
        }
        const auto waiting = link.silence ? link.silence->busy() : PostgresSilenceWatch::Busy();
        task();
    }
    // The connection ends on the thread that opened it.
    disconnect(link);
    link.db = QSqlDatabase();
    QSqlDatabase::removeDatabase(link.name);
}

void PostgresOutboxStore::sendCommit(Link &link,
                                     const std::function<void(bool, const QString &)> &answer)
{
    // COMMIT returns once the server has flushed its WAL (synchronous_commit = on).
    QString error;
    {
        QSqlQuery q(link.db);
        if (!q.exec(QStringLiteral("COMMIT"))) {
            error =
                QStringLiteral("PostgreSQL store %1: commit failed, nothing of it was written: %2")
                    .arg(m_url.toString(), q.lastError().text());
            q.finish();
            rollback(link);
        }
    }
    answer(error.isEmpty(), error);
    linkFreed(link);
}

void PostgresOutboxStore::linkFreed(Link &link)
{
    {
        std::lock_guard lock(m_mutex);
        link.busy = false;
        m_answered = link.requests;
        m_answeredAt = std::chrono::steady_clock::now();
    }
    m_linkFree.notify_all();
    if (m_readyHook)
        m_readyHook();
}

bool PostgresOutboxStore::commitWhole(const std::vector<OutboxRequest *> &group, qint64 now,
                                      std::function<void(Result<Summary>)> done)
{
    bool any = false;
    for (OutboxRequest *r : group) {
        const auto *w = std::get_if<EventWrite>(r);
        if (!w)
            return false;
        for (const OutboxItem &item : w->items)
            if (!item.rowLimits.isEmpty() || item.coalesce)
                return false;
        any = any || !w->items.isEmpty();
    }
    if (!any)
        return false;
    // After an event id came again, the next groups check each id (jf_enqueue_once).
    int checks = m_checkIds.load();
    while (checks > 0 && !m_checkIds.compare_exchange_weak(checks, checks - 1)) {
    }
    const bool idsNew = checks == 0;
    Link &link = idleLink();
    {
        std::lock_guard lock(m_mutex);
        link.busy = true;
        link.requests = group.size();
    }
    auto started = std::make_shared<std::promise<void>>();
    std::future<void> ids = started->get_future();
    post(link, [this, &link, group, now, idsNew, started, done = std::move(done)] {
        writeWhole(link, group, now, idsNew, *started, done);
    });
    // The next group's ids follow this one's (a user's events keep their order) once its
    // jf_enqueue has answered; its COMMIT is still on its way.
    ids.wait();
    return true;
}

void PostgresOutboxStore::writeWhole(Link &link, const std::vector<OutboxRequest *> &group,
                                     qint64 now, bool idsNew, std::promise<void> &started,
                                     const std::function<void(Result<Summary>)> &done)
{
    bool released = false;
    const std::function<void()> release = [&] {
        if (!std::exchange(released, true))
            started.set_value();
    };
    std::vector<const OutboxItem *> items;
    for (OutboxRequest *r : group)
        for (const OutboxItem &item : std::as_const(std::get<EventWrite>(*r).items))
            items.push_back(&item);
    QHash<QString, qint64> seqs;
    QString error, firstError;
    QByteArray sqlState;
    bool broken = false, retried = false, written = false;
    for (int attempt = 0; attempt < 2 && !written; ++attempt) {
        if (const QString why = connect(link); !why.isEmpty()) {
            error = why;
            break;
        }
        seqs.clear();
        written = sendWhole(link, items, now, idsNew, release, seqs, error, sqlState, broken);
        if (written)
            break;
        if (broken) {
            // The COMMIT may have run: the group goes once more, each event id checked, so
            // what the first try stored is answered as accepted before, never stored twice.
            disconnect(link);
            retried = true;
            idsNew = false;
            firstError = error;
        } else if (sqlState == "23505" && idsNew) {
            // An event id accepted before: this group and the next ones check each id.
            m_checkIds = CheckIdsGroups;
            idsNew = false;
        } else {
            break;
        }
    }
    release();
    if (!written) {
        if (retried)
            error = QStringLiteral("PostgreSQL store %1: the connection broke with the group's "
                                   "COMMIT in flight (%2), and it could not be written again: "
                                   "%3; its events may have been stored: send them again (a "
                                   "repeated event id is accepted once)")
                        .arg(m_url.toString(), firstError, error);
        else if (!error.startsWith(QLatin1String("PostgreSQL store")))
            error = QStringLiteral("PostgreSQL store %1: enqueue failed, nothing of it was "
                                   "written: %2")
                        .arg(m_url.toString(), error);
        done(makeError(QStringLiteral("store.unavailable"), error));
        linkFreed(link);
        return;
    }
    Summary summary;
    summary.stored.resize(group.size());
    summary.retried = retried;
    summary.lastDeliveryId = std::numeric_limits<qint64>::max(); // as commitOn()'s
    Rows rows{*this, now, std::move(seqs), {}, {}, true};
    for (std::size_t i = 0; i < group.size(); ++i)
        writeOutboxRows(std::get<EventWrite>(*group[i]), summary.stored[i], summary.pendingDelta,
                        now, error, rows);
    done(std::move(summary));
    linkFreed(link);
}

bool PostgresOutboxStore::sendWhole(Link &link, const std::vector<const OutboxItem *> &items,
                                    qint64 now, bool idsNew, const std::function<void()> &arrived,
                                    QHash<QString, qint64> &seqs, QString &error,
                                    QByteArray &sqlState, bool &broken)
{
    PostgresPipeline pipeline(PostgresPipeline::connectionOf(link.db));
    pipeline.add("BEGIN");
    pipeline.add(EnqueueMarker);
    pipeline.addPrepared(idsNew ? "jf_enqueue" : "jf_enqueue_once", enqueueParams(items, now));
    // COMMIT returns once the server has flushed its WAL (synchronous_commit = on).
    pipeline.add("COMMIT");
    pipeline.keepRowsOf(2, [&] {
        for (int row = 0; row < pipeline.rows(); ++row)
            seqs.insert(QString::fromUtf8(pipeline.value(row, 1)),
                        pipeline.value(row, 0).toLongLong());
        arrived();
    });
    const bool ok = pipeline.run();
    error = pipeline.error();
    sqlState = pipeline.sqlState();
    broken = !ok && pipeline.broken();
    // A failed statement leaves the transaction to roll back; a failed COMMIT has ended it.
    if (!ok && !broken && pipeline.inTransaction())
        rollback(link);
    return ok;
}

bool PostgresOutboxStore::ready(std::size_t queued) const
{
    std::lock_guard lock(m_mutex);
    std::size_t busy = 0, inFlight = 0;
    for (const auto &l : m_links)
        if (l->busy) {
            ++busy;
            inFlight += l->requests;
        }
    if (busy == m_links.size())
        return false;
    // PostgreSQL's CPU is mostly per transaction (pgbench here: ~450 us per COMMIT against
    // ~9 us per event's rows): while COMMITs are in flight, a group starts only once it is at
    // least as large as the average of theirs, so groups do not shrink to the few callers
    // answered first (with 50 callers they had ~11 events, then ~30). With none in flight it
    // starts once the callers of the last COMMIT are back (or Settle has passed): they come
    // back one by one as they hear their answers, and a group taken at the first of them
    // left the rest to a COMMIT of their own (~27 events a COMMIT, now ~50). A COMMIT
    // ending wakes the writer (the ready hook), so nothing waits longer than the COMMITs
    // already in flight, or Settle.
    if (busy == 0) {
        const auto end = settleEnd(queued);
        return !end || std::chrono::steady_clock::now() >= *end;
    }
    return queued * busy >= inFlight;
}

std::optional<std::chrono::steady_clock::time_point>
PostgresOutboxStore::settleEnd(std::size_t queued) const
{
    if (queued == 0 || queued >= m_answered)
        return std::nullopt;
    for (const auto &l : m_links)
        if (l->busy)
            return std::nullopt;
    return m_answeredAt + Settle;
}

std::optional<std::chrono::steady_clock::time_point>
PostgresOutboxStore::readyAt(std::size_t queued) const
{
    std::lock_guard lock(m_mutex);
    return settleEnd(queued);
}

PostgresOutboxStore::Link &PostgresOutboxStore::quietLink()
{
    std::unique_lock lock(m_mutex);
    m_linkFree.wait(lock, [&] {
        return std::none_of(m_links.begin(), m_links.end(), [](const auto &l) { return l->busy; });
    });
    return *m_links.front();
}

PostgresOutboxStore::Link &PostgresOutboxStore::idleLink()
{
    Link *link = nullptr;
    std::unique_lock lock(m_mutex);
    m_linkFree.wait(lock, [&] {
        for (auto &l : m_links)
            if (!l->busy) {
                link = l.get();
                return true;
            }
        return false;
    });
    return *link;
}

void PostgresOutboxStore::finish(std::function<void(bool, const QString &)> answer)
{
    Link *link = std::exchange(m_pending, nullptr);
    if (!link) {
        answer(true, {});
        return;
    }
    post(*link, [this, link, answer = std::move(answer)] { sendCommit(*link, answer); });
}

void PostgresOutboxStore::disconnect(Link &link)
{
    if (link.silence && link.silence->cut())
        markServerSilent(link.silence->reason());
    // Freeing a prepared statement is a round trip too: on a server found silent (here or on
    // another connection) each would wait out the silence limit, one connection after
    // another (a stop took a minute), so the socket goes first and they fail at once.
    if (link.silence && m_serverSilent)
        link.silence->drop();
    {
        const auto waiting = link.silence ? link.silence->busy() : PostgresSilenceWatch::Busy();
        for (auto *q : link.statements())
            q->reset();
    }
    link.silence.reset();
    if (link.db.isValid())
        link.db.close();
    link.connected = false;
}

void PostgresOutboxStore::rollback(Link &link)
{
    QSqlQuery rollback(link.db);
    if (!rollback.exec(QStringLiteral("ROLLBACK")) && !rollback.exec(QStringLiteral("SELECT 1")))
        disconnect(link); // the connection is gone: open it again next time
}

void PostgresOutboxStore::markServerSilent(const QString &why)
{
    std::lock_guard lock(m_silenceMutex);
    m_probe.start(QStringLiteral("PostgreSQL store %1: %2").arg(m_url.toString(), why));
    m_serverSilent = true;
}

bool PostgresOutboxStore::serverAway(QString *reason)
{
    std::lock_guard lock(m_silenceMutex);
    if (m_probe.waiting(reason))
        return true;
    m_serverSilent = false; // the probe found the server answering
    return false;
}

QString PostgresOutboxStore::connect(Link &link)
{
    if (QString reason; serverAway(&reason)) {
        if (link.connected && m_serverSilent) {
            // Another connection found the server silent: a statement here would wait as
            // long (each claim and outcome a lease period, one connection after another).
            // A server that only refuses new connections leaves these alone.
            disconnect(link);
        }
        if (!link.connected)
            return reason;
    }
    if (link.connected)
        return {};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (QString wait = link.backoff.waiting(now); !wait.isEmpty())
        return wait;
    if (!link.db.isOpen() && !link.db.open()) {
        const QString reason =
            QStringLiteral("PostgreSQL store %1 cannot be reached: %2")
                .arg(m_url.toString(), PostgresUrl::errorText(link.db.lastError()));
        m_probe.start(reason);
        return link.backoff.failed(now, reason);
    }
    link.backoff.succeeded();
    routePostgresNotices(link.db);
    QString why;
    if (!prepareEnqueues(link, why) || !prepareOutcomes(link) || !prepareLeases(link)) {
        if (why.isEmpty()) {
            why = link.db.lastError().text();
            for (auto *q : link.statements())
                if (*q && (*q)->lastError().isValid())
                    why = (*q)->lastError().text();
        }
        disconnect(link);
        return QStringLiteral("PostgreSQL store %1: cannot prepare the outbox statements: %2")
            .arg(m_url.toString(), why);
    }
    link.connected = true;
    // A lease period, not the silence limit: a claim may wait that long on a fence lock that
    // a cut-off daemon's transaction holds until the server ends it.
    link.silence = std::make_unique<PostgresSilenceWatch>(
        PostgresPipeline::connectionOf(link.db), DeliveryLease::ttlMs(), m_url.toString());
    return {};
}

bool PostgresOutboxStore::prepareOn(Link &link, std::unique_ptr<QSqlQuery> &q, const QString &sql)
{
    q = std::make_unique<QSqlQuery>(link.db);
    return q->prepare(sql);
}

bool PostgresOutboxStore::prepareEnqueues(Link &link, QString &why)
{
    QSqlQuery set(link.db);
    set.exec(QStringLiteral("SET synchronous_commit = on"));
    // The enqueue statements take arrays: one statement per group, whatever its size (the
    // events' is sent in the round trip of BEGIN). Ids are taken in the order of the arrays,
    // so a user's rows keep their events' order.
    const bool ok =
        set.exec(QStringLiteral(
            "PREPARE jf_events(TEXT[], TEXT[], TEXT[], BYTEA[], BIGINT[]) AS INSERT INTO"
            " events(event_id, type, user_id, version, payload, created_at) SELECT e, t, u, 0, p,"
            " c FROM unnest($1, $2, $3, $4, $5) AS x(e, t, u, p, c) ON CONFLICT (event_id) DO"
            " NOTHING RETURNING seq, event_id")) &&
        set.exec(QStringLiteral(
            "PREPARE jf_deliveries(BIGINT[], TEXT[], TEXT[], BIGINT[], INTEGER[], TEXT[],"
            " INTEGER[], BIGINT) AS INSERT INTO deliveries(event_seq, target, user_id, state,"
            " next_at, created_at, updated_at, event_count, mode, part) SELECT s, t, u,"
            " 'pending', d, $8, $8, c, m, p FROM unnest($1, $2, $3, $4, $5, $6, $7) AS x(s, t,"
            " u, d, c, m, p)")) &&
        // Events and their delivery rows in one statement, for groups of plain items (no
        // bulk rows, no coalescing: commitWhole()); ids follow the rows' order (ORDER
        // BY). jf_enqueue takes event ids not accepted before: a plain INSERT, where
        // ON CONFLICT cost each event an index probe before its insert and a WAL record after
        // it (a tenth of the server's instructions per event); an id accepted before fails it
        // (unique_violation) and the group goes again through jf_enqueue_once, which inserts
        // only the new ones and makes rows only for them (the join).
        set.exec(enqueueStatementSql(QString())) &&
        set.exec(enqueueStatementSql(QStringLiteral(" ON CONFLICT (event_id) DO NOTHING")));
    if (!ok)
        why = set.lastError().text();
    return ok;
}

bool PostgresOutboxStore::prepareOutcomes(Link &link)
{
    const auto prepare = [&link](std::unique_ptr<QSqlQuery> &q, const QString &sql) {
        return prepareOn(link, q, sql);
    };
    // Fencing: an outcome changes its row only while the row's partition is held by the lease
    // owner bound here ('' holds none). The group's transaction holds the owner's fence lock
    // (fenceLock(), shared) from its BEGIN on, before any of these statements takes its
    // snapshot; a claim passing partitions of that owner on takes it exclusively, so it waits
    // for the groups in flight, and a group that begins after it sees the partitions gone.
    // Locking the held partitions' rows FOR KEY SHARE in each statement did the same, but
    // every statement then wrote a row lock (and, with the writer's other connections locking
    // the same rows, a MultiXact) for each of the 60 partitions: 31 % of an outcome's WAL.
    const QString held = QStringLiteral(
        " AND part = ANY(ARRAY(SELECT part FROM partition_leases WHERE holder = CAST(? AS TEXT)"
        " AND holder <> ''))");
    return prepare(link.supersede,
                   "UPDATE deliveries SET state = 'coalesced', updated_at = ? WHERE target = ? AND"
                   " user_id = ? AND state = 'pending' AND attempts = 0 AND next_at > created_at"
                   " AND next_at > ?") &&
           // Successes of single-event rows, any number in one statement (arrays): the rows
           // marked done, fenced, and the ledger of those rows, a user seen twice keeping its
           // latest version (one row may not be updated twice in a statement); it answers the ids
           // it marked. A statement per number of rows (VALUES) was prepared once for each size
           // on each connection, and planned anew at each of its first five runs.
           prepare(
               link.markDones,
               QStringLiteral(
                   "WITH v(id, attempts, target, user_id, event_id, version) AS (SELECT * FROM"
                   " unnest(CAST(? AS BIGINT[]), CAST(? AS INTEGER[]), CAST(? AS TEXT[]),"
                   " CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]))), done AS"
                   " (UPDATE deliveries d SET state = 'done', attempts = v.attempts, last_error ="
                   " '', updated_at = CAST(? AS BIGINT) FROM v WHERE d.id = v.id") +
                   held +
                   QStringLiteral(
                       " RETURNING d.id), acked AS (INSERT INTO ledger(target, user_id,"
                       " event_id, version, acked_at) SELECT DISTINCT ON (v.target, v.user_id)"
                       " v.target, v.user_id, v.event_id, v.version, CAST(? AS BIGINT) FROM v"
                       " JOIN done ON done.id = v.id ORDER BY v.target, v.user_id, v.version"
                       " DESC ON CONFLICT (target, user_id) DO UPDATE SET event_id ="
                       " excluded.event_id, version = excluded.version, acked_at ="
                       " excluded.acked_at WHERE excluded.version > ledger.version) SELECT id"
                       " FROM done")) &&
           prepare(link.markDone,
                   QStringLiteral("UPDATE deliveries SET state = 'done', attempts = ?,"
                                  " last_error = '', updated_at = ? WHERE id = ?") +
                       held) &&
           prepare(link.markRetry, QStringLiteral("UPDATE deliveries SET attempts = ?, next_at = ?,"
                                                  " last_error = ?, updated_at = ? WHERE id = ?") +
                                       held) &&
           prepare(link.markDead,
                   QStringLiteral("UPDATE deliveries SET state = 'dead', attempts = ?,"
                                  " last_error = ?, updated_at = ? WHERE id = ?") +
                       held) &&
           prepare(
               link.markHold,
               QStringLiteral("UPDATE deliveries SET last_error = ?, updated_at = ? WHERE id = ?") +
                   held) &&
           prepare(link.ledger,
                   "INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT (target, user_id) DO UPDATE SET"
                   " event_id = excluded.event_id, version = excluded.version,"
                   " acked_at = excluded.acked_at WHERE excluded.version > ledger.version") &&
           // A row covering many events acknowledges all of them as one range (LedgerRanges):
           // one small row per target instead of an upsert per user and target.
           prepare(link.ledgerRange,
                   "INSERT INTO ledger_ranges(target, acked_at, first_seq, end_seq)"
                   " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING") &&
           prepare(link.logAttempt,
                   "INSERT INTO attempts(delivery_id, ts, status, duration_ms, error, body_head)"
                   " VALUES (?, ?, ?, ?, ?, ?)");
}

bool PostgresOutboxStore::prepareLeases(Link &link)
{
    // Partition leases (claimLeaseOn()).
    const auto prepare = [&link](std::unique_ptr<QSqlQuery> &q, const QString &sql) {
        return prepareOn(link, q, sql);
    };
    return prepare(link.wantShare, "INSERT INTO outbox_daemons(holder, until) VALUES (?, ?)"
                                   " ON CONFLICT (holder) DO UPDATE SET until = excluded.until") &&
           prepare(link.leaveShare, "DELETE FROM outbox_daemons WHERE holder = ?") &&
           prepare(link.claimRows, "SELECT part, holder, until FROM partition_leases ORDER BY part "
                                   "FOR NO KEY UPDATE") &&
           prepare(link.daemons, "SELECT holder, until FROM outbox_daemons") &&
           prepare(link.fenceParts,
                   QStringLiteral("SELECT pg_advisory_xact_lock(%1) FROM (SELECT DISTINCT h FROM"
                                  " unnest(CAST(? AS TEXT[])) AS h ORDER BY h) x")
                       .arg(fenceLock(QStringLiteral("x.h")))) &&
           prepare(link.passParts, "SELECT part FROM partition_leases WHERE part ="
                                   " ANY(CAST(? AS INTEGER[])) ORDER BY part FOR UPDATE") &&
           prepare(link.giveParts, "UPDATE partition_leases SET holder = '', until = 0"
                                   " WHERE part = ANY(CAST(? AS INTEGER[]))") &&
           prepare(link.renewParts, "UPDATE partition_leases SET until = ?"
                                    " WHERE part = ANY(CAST(? AS INTEGER[]))") &&
           prepare(link.takeParts, "UPDATE partition_leases SET holder = ?, until = ?,"
                                   " fence = fence + 1 WHERE part = ANY(CAST(? AS INTEGER[]))");
}

QString PostgresOutboxStore::fail(QSqlQuery &q, const QString &what)
{
    return QStringLiteral("%1: %2").arg(what, q.lastError().text());
}

Result<OutboxStore::Summary> PostgresOutboxStore::commit(const std::vector<OutboxRequest *> &group,
                                                         qint64 now)
{
    for (int attempt = 0;; ++attempt) {
        Link &link = idleLink();
        bool lost = false;
        auto summary = onLink(link, [&] { return commitOn(link, group, now, lost); });
        if (summary) {
            // The COMMIT is finish()'s, on the connection's own thread.
            {
                std::lock_guard lock(m_mutex);
                link.busy = true;
                link.requests = group.size();
            }
            m_pending = &link;
            return summary;
        }
        if (!lost || attempt > 0)
            return summary;
        // Nothing is written yet. A connection the server dropped (a restart, a failover)
        // was found at BEGIN; the writer's other idle connections went with it: all are
        // opened again, and the group tries once more instead of failing its callers.
        std::vector<Link *> idle;
        {
            std::lock_guard lock(m_mutex);
            for (auto &l : m_links)
                if (!l->busy)
                    idle.push_back(l.get());
        }
        for (Link *l : idle)
            onLink(*l, [this, l] { disconnect(*l); });
    }
}

Result<OutboxStore::Summary>
PostgresOutboxStore::commitOn(Link &link, const std::vector<OutboxRequest *> &group, qint64 now,
                              bool &lost)
{
    if (QString error = connect(link); !error.isEmpty())
        return makeError(QStringLiteral("store.unavailable"), error);
    m_link = &link;
    QString error;
    Summary summary;
    summary.stored.resize(group.size());
    const bool enqueues = std::any_of(group.begin(), group.end(), [](OutboxRequest *r) {
        return std::holds_alternative<EventWrite>(*r);
    });
    const QStringList begin = beginStatements(group, enqueues);
    // The events of every write of the group go in first, together, in the round trip of
    // BEGIN: their seqs follow the writes' order, and an event id sent twice is taken by the
    // first write that has it, as when each write inserted its own. Nothing else of the group
    // reads these rows. Groups of plain items (nearly all) insert their delivery rows in the
    // same statement; otherwise the rows of all writes wait in `rows` and go in together at
    // the end (or before a supersede, which must see them). Either way on this thread, one
    // group after another: ids are taken in the order groups are built, as seqs are.
    Rows rows{*this, now, {}, {}, {}};
    std::vector<const OutboxItem *> items;
    if (enqueues)
        items = groupItems(group, rows);
    if (std::optional<Error> gone = openGroup(begin, items, rows, now, error, lost))
        return *gone;
    writeGroup(group, rows, summary, now, error);
    // Every row a reader sees is committed, hence durable (readers stop below open enqueues):
    // no bound on what may be sent is needed.
    summary.lastDeliveryId = std::numeric_limits<qint64>::max();
    if (!error.isEmpty()) {
        rollback(*m_link);
        // A group of outcomes only is not an enqueue: say what failed.
        const QString what =
            enqueues ? QStringLiteral("enqueue") : QStringLiteral("recording delivery outcomes");
        return makeError(QStringLiteral("store.unavailable"),
                         QStringLiteral("PostgreSQL store %1: %2 failed, nothing of it was "
                                        "written: %3")
                             .arg(m_url.toString(), what, error));
    }
    return summary;
}

QStringList PostgresOutboxStore::beginStatements(const std::vector<OutboxRequest *> &group,
                                                 bool enqueues)
{
    // The marker of an enqueue, before it takes any delivery id: readers do not read from the
    // next id on while this transaction is open (see PostgresOutboxReader::dataVersion()).
    // Sent with BEGIN: a round trip costs more than either statement.
    QStringList begin{QStringLiteral("BEGIN")};
    if (enqueues)
        begin << QString::fromLatin1(EnqueueMarker);
    // Outcomes are fenced by the lease of the owner they are written for (connect()): its
    // fence lock, shared, in the same round trip.
    m_fencedBy = m_leaseOwner;
    if (std::any_of(group.begin(), group.end(),
                    [](OutboxRequest *r) { return std::holds_alternative<OutcomeWrite>(*r); }))
        begin << QStringLiteral("SELECT pg_advisory_xact_lock_shared(%1)")
                     .arg(fenceLock(QStringLiteral("'%1'").arg(
                         QString(m_fencedBy).replace(u'\'', QStringLiteral("''")))));
    return begin;
}

std::vector<const OutboxItem *>
PostgresOutboxStore::groupItems(const std::vector<OutboxRequest *> &group, Rows &rows)
{
    std::vector<const OutboxItem *> items;
    for (OutboxRequest *r : group)
        if (auto *w = std::get_if<EventWrite>(r))
            for (const OutboxItem &item : std::as_const(w->items))
                items.push_back(&item);
    // Plain items (nearly every enqueue): their delivery rows go in the same statement.
    rows.inserted = std::all_of(items.begin(), items.end(), [](const OutboxItem *i) {
        return i->rowLimits.isEmpty() && !i->coalesce;
    });
    return items;
}

std::optional<Error> PostgresOutboxStore::openGroup(const QStringList &begin,
                                                    const std::vector<const OutboxItem *> &items,
                                                    Rows &rows, qint64 now, QString &error,
                                                    bool &lost)
{
    const bool idsNew = m_checkIds == 0;
    if (rows.inserted && !items.empty() && m_checkIds > 0)
        --m_checkIds;
    QString why;
    QByteArray sqlState;
    if (!beginGroup(begin, items, rows.inserted, now, idsNew, rows.seqs, why, sqlState)) {
        // Nothing is written yet: a connection the server dropped is tried again by commit()
        // (with the writer's other idle ones); else once more here, checking each event id
        // when one was accepted before (and for the next groups: it may come again).
        const bool again = rows.inserted && !items.empty() && sqlState == "23505";
        if (again)
            m_checkIds = CheckIdsGroups;
        rollback(*m_link);
        if (!m_link->connected) {
            lost = true;
            return makeError(QStringLiteral("store.unavailable"),
                             QStringLiteral("PostgreSQL store %1: enqueue failed, nothing of it "
                                            "was written: begin: %2")
                                 .arg(m_url.toString(), why));
        }
        rows.seqs.clear();
        if (!beginGroup(begin, items, rows.inserted, now, idsNew && !again, rows.seqs, why,
                        sqlState))
            error = QStringLiteral("begin: %1").arg(why);
    }
    return std::nullopt;
}

void PostgresOutboxStore::writeGroup(const std::vector<OutboxRequest *> &group, Rows &rows,
                                     Summary &summary, qint64 now, QString &error)
{
    // Fencing: outcomes are recorded only for rows of partitions m_leaseOwner still holds,
    // locked by each outcome statement until this transaction ends (connect()).
    // Successes of single-event rows (nearly every outcome) are written together, several per
    // statement (writeDone()); any other outcome, and any enqueue, first writes those waiting,
    // so the rows change in the order the group has them.
    std::vector<std::vector<qint64>> refused(group.size());
    std::vector<std::pair<const DeliveryOutcome *, std::size_t>> dones;
    for (std::size_t i = 0; i < group.size() && error.isEmpty(); ++i) {
        if (auto *w = std::get_if<EventWrite>(group[i])) {
            if (!writeDone(dones, summary, now, error, refused))
                break;
            if (!writeOutboxRows(*w, summary.stored[i], summary.pendingDelta, now, error, rows) &&
                error.isEmpty())
                error = rows.failure;
            else if (error.isEmpty() && !rows.failure.isEmpty())
                error = rows.failure;
        } else if (auto *o = std::get_if<OutcomeWrite>(group[i])) {
            for (const DeliveryOutcome &outcome : *o->outcomes) {
                if (outcome.kind == DeliveryOutcome::Done && outcome.count == 1) {
                    dones.emplace_back(&outcome, i);
                    continue;
                }
                if (!writeDone(dones, summary, now, error, refused) ||
                    !writeOutcome(outcome, summary, now, error, refused[i]))
                    break;
            }
        }
    }
    if (error.isEmpty() && !rows.flush())
        error = rows.failure;
    if (error.isEmpty())
        writeDone(dones, summary, now, error, refused);
    // The recorder says which partitions passed on (once per change, not per group).
    if (error.isEmpty() && keepExisting(refused, error) &&
        std::any_of(refused.begin(), refused.end(), [](const auto &r) { return !r.empty(); }))
        summary.refused = std::move(refused);
}

bool PostgresOutboxStore::beginGroup(const QStringList &begin,
                                     const std::vector<const OutboxItem *> &items, bool plain,
                                     qint64 now, bool idsNew, QHash<QString, qint64> &seqs,
                                     QString &error, QByteArray &sqlState)
{
    sqlState.clear();
    if (plain && !items.empty()) {
        // The statements of BEGIN, then jf_enqueue with its values in binary format, in one
        // round trip.
        PostgresPipeline pipeline(PostgresPipeline::connectionOf(m_link->db));
        for (const QString &sql : begin)
            pipeline.add(sql.toUtf8());
        pipeline.addPrepared(idsNew ? "jf_enqueue" : "jf_enqueue_once", enqueueParams(items, now));
        if (!pipeline.run()) {
            error = pipeline.error();
            sqlState = pipeline.sqlState();
            return false;
        }
        for (int row = 0; row < pipeline.rows(); ++row)
            seqs.insert(QString::fromUtf8(pipeline.value(row, 1)),
                        pipeline.value(row, 0).toLongLong());
        return true;
    }
    QString script = begin.join(QStringLiteral("; "));
    if (!items.empty())
        script += QStringLiteral("; ") + eventsStatement(items);
    QSqlQuery q(m_link->db);
    if (!runScript(q, script, !items.empty(), error)) {
        sqlState = q.lastError().nativeErrorCode().toLatin1();
        return false;
    }
    while (!items.empty() && q.next())
        seqs.insert(q.value(1).toString(), q.value(0).toLongLong());
    return true;
}

bool PostgresOutboxStore::writeDone(
    std::vector<std::pair<const DeliveryOutcome *, std::size_t>> &dones, Summary &summary,
    qint64 now, QString &error, std::vector<std::vector<qint64>> &refused)
{
    if (dones.empty())
        return true;
    const auto number = [](QString &s, qint64 v) { s += QString::number(v); };
    const auto text = [](QString &s, const QString &v) { appendElement(s, v, false); };
    using Done = std::pair<const DeliveryOutcome *, std::size_t>;
    QSqlQuery &q = *m_link->markDones;
    q.bindValue(0, arrayValue(dones, [&](QString &s, const Done &d) { number(s, d.first->id); }));
    q.bindValue(
        1, arrayValue(dones, [&](QString &s, const Done &d) { number(s, d.first->attempts); }));
    q.bindValue(2, arrayValue(dones, [&](QString &s, const Done &d) { text(s, d.first->target); }));
    q.bindValue(3, arrayValue(dones, [&](QString &s, const Done &d) { text(s, d.first->user); }));
    q.bindValue(4,
                arrayValue(dones, [&](QString &s, const Done &d) { text(s, d.first->eventId); }));
    q.bindValue(5,
                arrayValue(dones, [&](QString &s, const Done &d) { number(s, d.first->version); }));
    q.bindValue(6, now);
    q.bindValue(7, m_fencedBy);
    q.bindValue(8, now);
    if (!q.exec()) {
        error = QStringLiteral("recording deliveries from %1: %2")
                    .arg(dones.front().first->id)
                    .arg(q.lastError().text());
        q.finish();
        return false;
    }
    QSet<qint64> marked;
    while (q.next())
        marked.insert(q.value(0).toLongLong());
    q.finish();
    for (const auto &[o, request] : dones) {
        if (marked.contains(o->id))
            summary.pendingDelta[o->target] -= o->count;
        else
            refused[request].push_back(o->id);
    }
    dones.clear();
    return true;
}

bool PostgresOutboxStore::keepExisting(std::vector<std::vector<qint64>> &refused, QString &error)
{
    // Only when something was refused (a rebalance, a takeover): a round trip then.
    std::vector<qint64> ids;
    for (const auto &rows : refused)
        ids.insert(ids.end(), rows.begin(), rows.end());
    if (ids.empty())
        return true;
    QSqlQuery q(m_link->db);
    q.prepare(QStringLiteral("SELECT id FROM deliveries WHERE id = ANY(CAST(? AS BIGINT[]))"));
    q.bindValue(0, arrayValue(ids, [](QString &s, qint64 id) { s += QString::number(id); }));
    if (!q.exec()) {
        error = QStringLiteral("looking up refused deliveries: %1").arg(q.lastError().text());
        return false;
    }
    QSet<qint64> existing;
    while (q.next())
        existing.insert(q.value(0).toLongLong());
    for (auto &rows : refused)
        std::erase_if(rows, [&](qint64 id) { return !existing.contains(id); });
    return true;
}

bool PostgresOutboxStore::writeOutcome(const DeliveryOutcome &o, Summary &summary, qint64 now,
                                       QString &error, std::vector<qint64> &refused)
{
    // The row first, fenced: nothing more of an outcome whose partition passed on.
    QSqlQuery &mark = boundMark(o, now);
    const bool marked = mark.exec();
    if (marked && mark.numRowsAffected() == 0) {
        refused.push_back(o.id);
        return true;
    }
    // A failed mark ends the group: its error is the cause the operator needs (a statement
    // after it would only say the transaction is aborted).
    QSqlQuery *failed = &mark;
    if (marked) {
        QSqlQuery &next =
            o.kind == DeliveryOutcome::Done ? boundLedgerRow(o, now) : boundAttempt(o, now);
        failed = next.exec() ? nullptr : &next;
    }
    if (failed) {
        error =
            QStringLiteral("recording delivery %1: %2").arg(o.id).arg(failed->lastError().text());
        return false;
    }
    if (o.kind == DeliveryOutcome::Done || o.kind == DeliveryOutcome::Dead)
        summary.pendingDelta[o.target] -= o.count;
    return true;
}

QSqlQuery &PostgresOutboxStore::boundMark(const DeliveryOutcome &o, qint64 now)
{
    QSqlQuery *mark = nullptr;
    switch (o.kind) {
    case DeliveryOutcome::Done:
        mark = m_link->markDone.get();
        mark->bindValue(0, o.attempts);
        mark->bindValue(1, now);
        mark->bindValue(2, o.id);
        mark->bindValue(3, m_fencedBy);
        break;
    case DeliveryOutcome::Retry:
        mark = m_link->markRetry.get();
        mark->bindValue(0, o.attempts);
        mark->bindValue(1, o.nextAt);
        mark->bindValue(2, pgText(o.error));
        mark->bindValue(3, now);
        mark->bindValue(4, o.id);
        mark->bindValue(5, m_fencedBy);
        break;
    case DeliveryOutcome::Dead:
        mark = m_link->markDead.get();
        mark->bindValue(0, o.attempts);
        mark->bindValue(1, pgText(o.error));
        mark->bindValue(2, now);
        mark->bindValue(3, o.id);
        mark->bindValue(4, m_fencedBy);
        break;
    case DeliveryOutcome::Hold:
        mark = m_link->markHold.get();
        mark->bindValue(0, pgText(o.error));
        mark->bindValue(1, now);
        mark->bindValue(2, o.id);
        mark->bindValue(3, m_fencedBy);
        break;
    }
    return *mark;
}

QSqlQuery &PostgresOutboxStore::boundLedgerRow(const DeliveryOutcome &o, qint64 now)
{
    if (o.count > 1) {
        QSqlQuery &range = *m_link->ledgerRange;
        range.bindValue(0, pgText(o.target));
        range.bindValue(1, now);
        range.bindValue(2, o.version);
        range.bindValue(3, o.version + o.count);
        return range;
    }
    QSqlQuery &ledger = *m_link->ledger;
    ledger.bindValue(0, pgText(o.target));
    ledger.bindValue(1, pgText(o.user));
    ledger.bindValue(2, pgText(o.eventId));
    ledger.bindValue(3, o.version);
    ledger.bindValue(4, now);
    return ledger;
}

QSqlQuery &PostgresOutboxStore::boundAttempt(const DeliveryOutcome &o, qint64 now)
{
    QSqlQuery &attempt = *m_link->logAttempt;
    attempt.bindValue(0, o.id);
    attempt.bindValue(1, now);
    attempt.bindValue(2, o.status);
    attempt.bindValue(3, o.durationMs);
    attempt.bindValue(4, pgText(o.error));
    attempt.bindValue(5, pgText(o.bodyHead));
    return attempt;
}

QString PostgresOutboxStore::claimLease(const QString &owner, qint64 ttlMs, qint64 now)
{
    Link &link = idleLink();
    return onLink(link, [&] { return claimLeaseOn(&link, owner, ttlMs, now); });
}

/// What one claim of the partition leases read and decided (claimLeaseOn()).
struct PostgresOutboxStore::LeaseClaim
{
    struct Part
    {
        int part;
        DeliveryLease lease;
    };
    QString owner;
    qint64 ttlMs;
    qint64 now;
    std::vector<Part> parts;     ///< every partition's lease
    QSet<QString> live;          ///< the owner and the daemons whose share has not lapsed
    QList<int> mine, take, give; ///< partitions the owner keeps, takes and gives up
};

namespace {

QString partList(const QList<int> &l)
{
    QStringList text;
    for (int p : l)
        text << QString::number(p);
    return u'{' + text.join(u',') + u'}';
}

bool runWith(QSqlQuery &statement, const QVariantList &values)
{
    for (int i = 0; i < values.size(); ++i)
        statement.bindValue(i, values.at(i));
    const bool ok = statement.exec();
    if (ok)
        statement.finish();
    return ok;
}

} // namespace

QString PostgresOutboxStore::claimLeaseOn(Link *link, const QString &owner, qint64 ttlMs,
                                          qint64 now)
{
    m_afterOutage.beforeClaim(now, ttlMs);
    if (QString error = connect(*link); !error.isEmpty())
        return QStringLiteral("(store unavailable: %1)").arg(error);
    QSqlQuery q(link->db);
    if (!q.exec(QStringLiteral("BEGIN")))
        return claimFailed(*link, QStringLiteral("begin"), q);
    // This daemon wants a share (or, released, none); the others see it at their next claim.
    QSqlQuery &want = ttlMs > 0 ? *link->wantShare : *link->leaveShare;
    want.bindValue(0, owner);
    if (ttlMs > 0)
        want.bindValue(1, now + ttlMs);
    if (!want.exec())
        return claimFailed(*link, QStringLiteral("register the daemon"), want);
    LeaseClaim claim{owner, ttlMs, now, {}, {owner}, {}, {}, {}};
    if (QString error = readLeases(*link, claim); !error.isEmpty())
        return error;
    divideShare(claim);
    if (QString error = passOn(*link, claim); !error.isEmpty())
        return error;
    if (QString error = writeLeases(*link, claim); !error.isEmpty())
        return error;
    if (!q.exec(QStringLiteral("COMMIT")))
        return claimFailed(*link, QStringLiteral("commit the partition leases"), q);
    m_afterOutage.claimed(now);
    m_held = claim.mine + claim.take;
    std::sort(m_held.begin(), m_held.end());
    m_leaseOwner = ttlMs > 0 ? owner : QString();
    if (!m_held.isEmpty())
        return {};
    if (ttlMs <= 0)
        return {};
    QStringList others(claim.live.begin(), claim.live.end());
    others.removeAll(owner);
    others.sort();
    return QStringLiteral("all %1 partitions held by %2")
        .arg(claim.parts.size())
        .arg(others.join(QStringLiteral(", ")));
}

QString PostgresOutboxStore::claimFailed(Link &link, const QString &what, QSqlQuery &failing)
{
    const QString why = failing.lastError().text();
    failing.finish();
    rollback(link);
    m_held.clear();
    return QStringLiteral("(store: %1: %2)").arg(what, why);
}

QString PostgresOutboxStore::readLeases(Link &link, LeaseClaim &claim)
{
    // Every partition row locked FOR NO KEY UPDATE: claims of all daemons take turns. A group
    // recording outcomes holds its owner's fence lock (shared), which this lock and a renewal
    // do not wait for; a partition passing on is locked FOR UPDATE below, then its former
    // holder's fence lock is taken exclusively, which waits until those groups end (fencing).
    QSqlQuery &rows = *link.claimRows;
    if (!rows.exec())
        return claimFailed(link, QStringLiteral("read the partition leases"), rows);
    while (rows.next())
        claim.parts.push_back(
            LeaseClaim::Part{rows.value(0).toInt(),
                             DeliveryLease{rows.value(1).toString(), rows.value(2).toLongLong()}});
    rows.finish();
    QSqlQuery &daemons = *link.daemons;
    if (!daemons.exec())
        return claimFailed(link, QStringLiteral("read the daemons"), daemons);
    while (daemons.next()) {
        DeliveryLease daemon{daemons.value(0).toString(), daemons.value(1).toLongLong()};
        // Right after an outage, a share that lapsed in it counts as running (ClaimAfterOutage),
        // unless its holder is a process of this host that no longer exists (isFree()).
        if (m_afterOutage.countsAlive(daemon.until, claim.now))
            daemon.until = std::max(daemon.until, claim.now);
        if (!daemon.isFree(claim.now))
            claim.live.insert(daemon.holder);
    }
    daemons.finish();
    return {};
}

void PostgresOutboxStore::divideShare(LeaseClaim &claim)
{
    // A fair share: the partitions over the live holders, rounded up; extras are given up
    // (highest first) so a daemon that joins finds some free at its next claim.
    const int share =
        claim.ttlMs > 0 ? int((claim.parts.size() + claim.live.size() - 1) / claim.live.size()) : 0;
    for (const LeaseClaim::Part &p : claim.parts)
        if (p.lease.holder == claim.owner)
            claim.mine << p.part;
    while (claim.mine.size() > share)
        claim.give << claim.mine.takeLast();
    for (const LeaseClaim::Part &p : claim.parts) {
        if (claim.mine.size() + claim.take.size() >= share)
            break;
        if (p.lease.holder != claim.owner && p.lease.isFree(claim.now))
            claim.take << p.part;
    }
}

QString PostgresOutboxStore::passOn(Link &link, const LeaseClaim &claim)
{
    if (claim.give.isEmpty() && claim.take.isEmpty())
        return {};
    QList<int> passing = claim.give + claim.take;
    std::sort(passing.begin(), passing.end());
    if (!runWith(*link.passParts, {partList(passing)}))
        return claimFailed(link, QStringLiteral("lock the partitions passing on"), *link.passParts);
    // The fence lock of each holder they pass from: this waits for that holder's groups
    // in flight, which may still record outcomes of these partitions (fencing, connect()).
    QStringList from;
    if (!claim.give.isEmpty())
        from << claim.owner;
    for (const LeaseClaim::Part &p : claim.parts)
        if (claim.take.contains(p.part) && !p.lease.holder.isEmpty() &&
            !from.contains(p.lease.holder))
            from << p.lease.holder;
    if (!from.isEmpty()) {
        link.fenceParts->bindValue(
            0, arrayValue(from, [](QString &s, const QString &h) { appendElement(s, h, false); }));
        if (!link.fenceParts->exec())
            return claimFailed(link, QStringLiteral("wait for the groups of the former holders"),
                               *link.fenceParts);
        link.fenceParts->finish();
    }
    return {};
}

QString PostgresOutboxStore::writeLeases(Link &link, const LeaseClaim &claim)
{
    const qint64 until = claim.now + claim.ttlMs;
    if (!claim.give.isEmpty() && !runWith(*link.giveParts, {partList(claim.give)}))
        return claimFailed(link, QStringLiteral("give up partitions"), *link.giveParts);
    if (!claim.mine.isEmpty() && !runWith(*link.renewParts, {until, partList(claim.mine)}))
        return claimFailed(link, QStringLiteral("renew partitions"), *link.renewParts);
    if (!claim.take.isEmpty() &&
        !runWith(*link.takeParts, {claim.owner, until, partList(claim.take)}))
        return claimFailed(link, QStringLiteral("take partitions"), *link.takeParts);
    return {};
}

bool PostgresOutboxStore::sharesDelivery() const
{
    return m_held.size() < PostgresSchema::Partitions;
}

std::optional<QHash<QString, qint64>> PostgresOutboxStore::countPending()
{
    // Read with no group in flight: a COMMIT that became visible before the read but was
    // counted (applied to the counters) after it would be counted twice until the next
    // recount. The writer thread calls this, so no group starts meanwhile.
    Link &link = quietLink();
    return onLink(link, [&]() -> std::optional<QHash<QString, qint64>> {
        if (!connect(link).isEmpty())
            return std::nullopt;
        QSqlQuery q(link.db);
        if (!q.exec(QStringLiteral("SELECT target, SUM(event_count) FROM deliveries WHERE state ="
                                   " 'pending' GROUP BY target")))
            return std::nullopt;
        QHash<QString, qint64> counts;
        while (q.next())
            counts.insert(q.value(0).toString(), q.value(1).toLongLong());
        return counts;
    });
}

qint64 PostgresOutboxStore::lastDeliveryId()
{
    // Every row a reader can see is committed, hence durable, and readers do not read past an
    // open enqueue: nothing a reader returns needs to wait.
    return std::numeric_limits<qint64>::max();
}

} // namespace jobfirst
