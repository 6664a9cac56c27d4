// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqliteoutboxstore.h"

#include "store/deliverylease.h"
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <sqlite3.h>

namespace jobfirst {

namespace {

int walHookTrampoline(void *context, sqlite3 *, const char *, int frames)
{
    static_cast<SqliteOutboxStore *>(context)->walCommitted(frames);
    return SQLITE_OK;
}

} // namespace

Result<std::unique_ptr<SqliteOutboxStore>> SqliteOutboxStore::open(const QString &path)
{
    auto opened = Store::open(path);
    if (!opened)
        return opened.error();
    std::unique_ptr<SqliteOutboxStore> c(new SqliteOutboxStore(std::move(opened).value()));
    if (!c->m_db)
        return makeError(QStringLiteral("store.open"),
                         QStringLiteral("store %1: not an SQLite connection").arg(path));
    // Durability comes from WalSyncer syncing the WAL after the commit, not from the commit
    // itself; checkpoints run on their own connection (WalCheckpointer), off this path.
    QSqlQuery q(c->m_store->database());
    q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    // A statement that may fail half-way keeps a journal of the pages it changes to undo
    // them; the statements marking deliveries done (SqliteDoneMarker) keep one. With six
    // targets the rows of one statement lie on a page each (each target's queue is a region
    // of its own), and past 64 KiB SQLite moves the journal to
    // a file: a temporary file opened, written page by page and deleted in each commit,
    // which cost the writer more than the rest of its work per delivery. In memory it is a
    // copy.
    q.exec(QStringLiteral("PRAGMA temp_store = MEMORY"));
    sqlite3_wal_hook(c->m_db, walHookTrampoline, c.get());
    sqlite3 *db = c->m_db;
    c->m_begin = SqliteStatement(db, "BEGIN IMMEDIATE");
    c->m_commit = SqliteStatement(db, "COMMIT");
    c->m_rollback = SqliteStatement(db, "ROLLBACK");
    c->m_lastDelivery =
        SqliteStatement(db, "SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'");
    c->m_markDone = SqliteStatement(db, "UPDATE deliveries SET state = 'done', attempts = ?,"
                                        " last_error = '', updated_at = ? WHERE id = ?");
    c->m_markRetry = SqliteStatement(db, "UPDATE deliveries SET attempts = ?, next_at = ?,"
                                         " last_error = ?, updated_at = ? WHERE id = ?");
    c->m_markDead = SqliteStatement(db, "UPDATE deliveries SET state = 'dead', attempts = ?,"
                                        " last_error = ?, updated_at = ? WHERE id = ?");
    c->m_markHold =
        SqliteStatement(db, "UPDATE deliveries SET last_error = ?, updated_at = ? WHERE id = ?");
    // A row covering many events acknowledges all of them as one range (LedgerRanges): one
    // small row per target instead of an upsert per user and target.
    c->m_ledgerRange = SqliteStatement(
        db, "INSERT INTO ledger_ranges(target, acked_at, first_seq, end_seq) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING");
    c->m_logAttempt = SqliteStatement(
        db, "INSERT INTO attempts(delivery_id, ts, status, duration_ms, error, body_head)"
            " VALUES (?, ?, ?, ?, ?, ?)");
    for (const SqliteStatement *s :
         {&c->m_begin, &c->m_commit, &c->m_rollback, &c->m_lastDelivery, &c->m_markDone,
          &c->m_markRetry, &c->m_markDead, &c->m_markHold, &c->m_ledgerRange, &c->m_logAttempt}) {
        if (!s->ok())
            return storeError(path, QStringLiteral("prepare the outbox statements"),
                              QString::fromUtf8(sqlite3_errmsg(db)));
    }
    if (!c->m_eventRows.ok())
        return storeError(path, QStringLiteral("prepare the outbox statements"),
                          QString::fromUtf8(sqlite3_errmsg(db)));
    return c;
}

SqliteOutboxStore::SqliteOutboxStore(std::unique_ptr<Store> store)
    : m_store(std::move(store)), m_db(sqliteHandle(m_store->database())), m_eventRows(m_db),
      m_doneMarker(m_db)
{
}

SqliteOutboxStore::~SqliteOutboxStore()
{
    if (m_db)
        sqlite3_wal_hook(m_db, nullptr, nullptr);
    // The statements, declared after the store, are finalized before it closes.
}

QString SqliteOutboxStore::path() const
{
    return m_store->path();
}

QString SqliteOutboxStore::walPath() const
{
    return QString::fromUtf8(sqlite3_db_filename(m_db, "main")) + QStringLiteral("-wal");
}

void SqliteOutboxStore::setWalHook(std::function<void(int)> hook)
{
    m_walHook = std::move(hook);
}

void SqliteOutboxStore::walCommitted(int frames)
{
    m_walFrames = frames;
    if (m_walHook)
        m_walHook(frames);
}

bool SqliteOutboxStore::checkpoint()
{
    int log = 0, copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    return rc == SQLITE_OK && log == copied;
}

Result<QByteArray> SqliteOutboxStore::intentLogId()
{
    QSqlQuery q(m_store->database());
    const auto read = [&q]() -> QByteArray {
        if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'store_id'")) || !q.next())
            return {};
        return QUuid::fromString(q.value(0).toString()).toRfc4122();
    };
    QByteArray id = read();
    if (id.size() == 16 && !QUuid::fromRfc4122(id).isNull())
        return id;
    // INSERT OR IGNORE: another process opening the same new store may make one first.
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO meta(key, value) VALUES ('store_id', ?)"));
    q.addBindValue(QUuid::createUuid().toString(QUuid::WithoutBraces));
    if (!q.exec())
        return storeError(path(), QStringLiteral("make the store's id"), q.lastError().text());
    id = read();
    if (id.size() != 16 || QUuid::fromRfc4122(id).isNull())
        return storeError(path(), QStringLiteral("read the store's id"), q.lastError().text());
    // Into the store file itself: a store whose WAL was lost (or copied without it) must
    // still know its id to replay its intent log. Should a reader keep the checkpoint from
    // finishing, the id is still in the WAL, and such a store refuses the log as another's.
    q.finish(); // an open statement would keep the checkpoint from running (SQLITE_LOCKED)
    sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_FULL, nullptr, nullptr);
    return id;
}

Result<SqliteOutboxStore::Summary>
SqliteOutboxStore::commit(const std::vector<OutboxRequest *> &group, qint64 now)
{
    Summary summary;
    summary.stored.resize(group.size());
    QString error;
    if (!m_begin.exec())
        error = m_begin.error();
    m_eventRows.takeInsertedDeliveries(); // none yet
    for (std::size_t i = 0; i < group.size() && error.isEmpty();) {
        if (!std::holds_alternative<EventWrite>(*group[i])) {
            if (auto *o = std::get_if<OutcomeWrite>(group[i]))
                writeOutcomes(*o, summary, now, error);
            ++i;
            continue;
        }
        // Consecutive event writes go in together: their events share statements.
        std::size_t end = i;
        while (end < group.size() && std::holds_alternative<EventWrite>(*group[end]))
            ++end;
        m_eventRows.write({group.data() + i, end - i}, summary.stored.data() + i,
                          summary.pendingDelta, now, error);
        i = end;
    }
    if (error.isEmpty()) {
        // The highest delivery id before and after the group's rows. No other writer runs
        // within this transaction (IMMEDIATE), so the group's own rows tell both when it
        // inserted any (two statements fewer for a group of events); otherwise the two are
        // the same, read from the sequence.
        const auto [first, last] = m_eventRows.takeInsertedDeliveries();
        if (last > 0) {
            summary.lastDeliveryIdBefore = first - 1;
            summary.lastDeliveryId = last;
        } else {
            summary.lastDeliveryId = lastDeliveryId();
            summary.lastDeliveryIdBefore = summary.lastDeliveryId;
        }
    }
    if (error.isEmpty() && !m_commit.exec())
        error = m_commit.error();
    if (!error.isEmpty()) {
        m_rollback.exec();
        return storeError(m_store->path(), QStringLiteral("enqueue"), error);
    }
    return summary;
}

bool SqliteOutboxStore::writeOutcomes(const OutcomeWrite &write, Summary &summary, qint64 now,
                                      QString &error)
{
    // Delivered single events go in statements of many rows (SqliteDoneMarker), after the
    // rest: the order of different rows within one transaction does not matter, and a
    // row is in a group once (it stays busy until its outcome is durable).
    m_doneRows.clear();
    for (const DeliveryOutcome &o : *write.outcomes) {
        if (o.kind == DeliveryOutcome::Done || o.kind == DeliveryOutcome::Dead)
            summary.pendingDelta[o.target] -= o.count;
        if (o.kind == DeliveryOutcome::Done && o.count == 1) {
            m_doneRows.push_back(&o);
            continue;
        }
        bool ok = true;
        switch (o.kind) {
        case DeliveryOutcome::Done: // a bulk row: its events as one acknowledged range
            m_markDone.bind(1, o.attempts);
            m_markDone.bind(2, now);
            m_markDone.bind(3, o.id);
            ok = m_markDone.exec();
            m_ledgerRange.bind(1, o.target);
            m_ledgerRange.bind(2, now);
            m_ledgerRange.bind(3, o.version);
            m_ledgerRange.bind(4, o.version + o.count);
            ok = m_ledgerRange.exec() && ok;
            break;
        case DeliveryOutcome::Retry:
            m_markRetry.bind(1, o.attempts);
            m_markRetry.bind(2, o.nextAt);
            m_markRetry.bind(3, o.error);
            m_markRetry.bind(4, now);
            m_markRetry.bind(5, o.id);
            ok = m_markRetry.exec();
            break;
        case DeliveryOutcome::Dead:
            m_markDead.bind(1, o.attempts);
            m_markDead.bind(2, o.error);
            m_markDead.bind(3, now);
            m_markDead.bind(4, o.id);
            ok = m_markDead.exec();
            break;
        case DeliveryOutcome::Hold:
            m_markHold.bind(1, o.error);
            m_markHold.bind(2, now);
            m_markHold.bind(3, o.id);
            ok = m_markHold.exec();
            break;
        }
        if (o.kind != DeliveryOutcome::Done) {
            m_logAttempt.bind(1, o.id);
            m_logAttempt.bind(2, now);
            m_logAttempt.bind(3, o.status);
            m_logAttempt.bind(4, o.durationMs);
            m_logAttempt.bind(5, o.error);
            m_logAttempt.bind(6, o.bodyHead);
            ok = m_logAttempt.exec() && ok;
        }
        if (!ok) {
            error = QStringLiteral("recording delivery %1: %2")
                        .arg(o.id)
                        .arg(QString::fromUtf8(sqlite3_errmsg(m_db)));
            return false;
        }
    }
    return m_doneMarker.mark(m_doneRows, now, error);
}

QString SqliteOutboxStore::claimLease(const QString &owner, qint64 ttlMs, qint64 now)
{
    QSqlDatabase db = m_store->database();
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return QStringLiteral("(store busy: %1)").arg(q.lastError().text());
    const DeliveryLease current = DeliveryLease::read(db);
    QString answer;
    if (ttlMs <= 0) {
        if (current.holder == owner)
            q.exec(QStringLiteral("DELETE FROM meta WHERE key = 'delivery_lease'"));
    } else if (current.holder == owner || current.isFree(now)) {
        q.prepare(
            QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES ('delivery_lease', ?)"));
        q.addBindValue(QStringLiteral("%1 %2").arg(owner).arg(now + ttlMs));
        // How long the holder claims it for: others show when it last claimed by it.
        const bool ok =
            q.exec() && q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES "
                                                 "('delivery_lease_ms', ?)"));
        if (ok)
            q.addBindValue(QString::number(ttlMs));
        if (!ok || !q.exec())
            answer = QStringLiteral("(store: %1)").arg(q.lastError().text());
    } else {
        answer = current.holder;
    }
    if (!q.exec(QStringLiteral("COMMIT"))) {
        const QString error = q.lastError().text();
        q.exec(QStringLiteral("ROLLBACK"));
        return QStringLiteral("(store: %1)").arg(error);
    }
    return answer;
}

std::optional<QHash<QString, qint64>> SqliteOutboxStore::countPending()
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("SELECT target, SUM(event_count) FROM deliveries WHERE state ="
                               " 'pending' GROUP BY target")))
        return std::nullopt;
    QHash<QString, qint64> counts;
    while (q.next())
        counts.insert(q.value(0).toString(), q.value(1).toLongLong());
    return counts;
}

bool SqliteOutboxStore::changedElsewhere()
{
    QSqlQuery q(m_store->database());
    if (!q.exec(QStringLiteral("PRAGMA data_version")) || !q.next())
        return true; // not known: counted again
    const qint64 version = q.value(0).toLongLong();
    return std::exchange(m_dataVersion, version) != version;
}

qint64 SqliteOutboxStore::lastDeliveryId()
{
    qint64 id = 0;
    if (m_lastDelivery.next())
        id = m_lastDelivery.int64(0);
    m_lastDelivery.reset();
    return id;
}

} // namespace jobfirst
