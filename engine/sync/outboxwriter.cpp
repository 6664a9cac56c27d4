// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/outboxwriter.h"

#include "store/store.h"
#include "sync/deliverylease.h"

#include <QDateTime>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace jobfirst {

OutboxWriter::OutboxWriter(QString dbPath) : m_dbPath(std::move(dbPath)) {}

OutboxWriter::~OutboxWriter()
{
    stop();
}

Status OutboxWriter::start(qint64 backlogLimit)
{
    m_backlogLimit = backlogLimit;
    std::promise<Status> started;
    auto future = started.get_future();
    m_stopping = false;
    m_thread = std::thread([this, p = std::move(started)]() mutable { run(std::move(p)); });
    Status s = future.get();
    if (!s) {
        m_thread.join();
        return s;
    }
    m_running = true;
    return {};
}

void OutboxWriter::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_thread.joinable())
            return;
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    m_running = false;
}

Result<QList<SyncEvent>> OutboxWriter::write(QList<OutboxItem> items)
{
    qint64 deliveries = 0;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (OutboxItem &item : items) {
        if (Status s = item.event.validate(); !s)
            return s.error();
        deliveries += item.targets.size();
        // Ids, times and JSON are made here, on the callers' threads, so the one writer
        // thread only writes.
        SyncEvent &e = item.event;
        if (e.eventId.isEmpty())
            e.eventId = QStringLiteral("evt_") + QUuid::createUuid().toString(QUuid::WithoutBraces);
        if (e.createdAt == 0)
            e.createdAt = now;
        item.payload = e.toPayload();
        if (item.payload.size() > m_maxEventBytes.load())
            return makeError(
                QStringLiteral("event.too_large"),
                QStringLiteral(
                    "event %1 of user %2 (number %3 of %4) is %5 bytes; sync_max_event_bytes "
                    "is %6; nothing was accepted")
                    .arg(e.eventId.left(60), e.userId.left(60))
                    .arg(&item - items.data() + 1)
                    .arg(items.size())
                    .arg(item.payload.size())
                    .arg(m_maxEventBytes.load()));
    }
    if (counters.total() + deliveries > m_backlogLimit.load())
        return makeError(QStringLiteral("sync.queue_full"),
                         QStringLiteral("queue full: %1 deliveries wait and the backlog limit is %2; "
                                        "nothing was accepted, try again later")
                             .arg(counters.total()).arg(m_backlogLimit.load()));
    Batch batch;
    batch.items = std::move(items);
    auto future = batch.done.get_future();
    {
        std::lock_guard lock(m_mutex);
        if (!m_running || m_stopping)
            return makeError(QStringLiteral("sync.stopped"), QStringLiteral("the sync outbox is not running"));
        m_queue.push_back(&batch);
    }
    m_wake.notify_one();
    return future.get();
}

void OutboxWriter::submitOutcomes(std::vector<DeliveryOutcome> outcomes, std::function<void(bool)> committed)
{
    auto *batch = new Batch;
    batch->isOutcomes = true;
    batch->outcomes = std::move(outcomes);
    batch->outcomesCommitted = std::move(committed);
    {
        std::lock_guard lock(m_mutex);
        if (!m_running || m_stopping) {
            delete batch;
            if (committed)
                committed(false);
            return;
        }
        m_queue.push_back(batch);
    }
    m_wake.notify_one();
}

QString OutboxWriter::claimLease(const QString &owner, qint64 ttlMs)
{
    Batch batch;
    batch.isLease = true;
    batch.leaseOwner = owner;
    batch.leaseTtlMs = ttlMs;
    auto future = batch.leaseDone.get_future();
    {
        std::lock_guard lock(m_mutex);
        if (!m_running || m_stopping)
            return QStringLiteral("(the sync outbox is not running)");
        m_queue.push_back(&batch);
    }
    m_wake.notify_one();
    return future.get();
}

namespace {

QString runLease(QSqlDatabase db, const QString &owner, qint64 ttlMs)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return QStringLiteral("(store busy: %1)").arg(q.lastError().text());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const DeliveryLease current = DeliveryLease::read(db);
    QString answer;
    if (ttlMs <= 0) {
        if (current.holder == owner)
            q.exec(QStringLiteral("DELETE FROM meta WHERE key = 'delivery_lease'"));
    } else if (current.holder == owner || current.isFree(now)) {
        q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES ('delivery_lease', ?)"));
        q.addBindValue(QStringLiteral("%1 %2").arg(owner).arg(now + ttlMs));
        if (!q.exec())
            answer = QStringLiteral("(store: %1)").arg(q.lastError().text());
    } else {
        answer = current.holder;
    }
    if (!q.exec(QStringLiteral("COMMIT"))) {
        q.exec(QStringLiteral("ROLLBACK"));
        return QStringLiteral("(store: %1)").arg(q.lastError().text());
    }
    return answer;
}

} // namespace

void OutboxWriter::run(std::promise<Status> started)
{
    auto opened = Store::open(m_dbPath);
    if (!opened) {
        started.set_value(opened.error());
        return;
    }
    std::unique_ptr<Store> store = std::move(opened).value();
    QSqlDatabase db = store->database();
    // The counts are kept in memory; they are read from the store at start, and again when
    // another process sharing the store has changed them (a count went negative, or this
    // process stands by while another delivers).
    qint64 countedAt = 0;
    const auto recount = [&] {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT target, SUM(event_count) FROM deliveries WHERE state = 'pending' GROUP BY target"));
        counters.reset();
        while (q.next())
            counters.add(q.value(0).toString(), q.value(1).toLongLong());
        countedAt = QDateTime::currentMSecsSinceEpoch();
    };
    recount();
    started.set_value(Status());
    QSqlQuery insertEvent(db), insertDelivery(db), supersede(db);
    // A re-sent event id is accepted once: the second copy is ignored, not an error.
    insertEvent.prepare(QStringLiteral("INSERT INTO events(event_id, type, user_id, version, payload, created_at)"
                                       " VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT(event_id) DO NOTHING"));
    insertDelivery.prepare(QStringLiteral("INSERT INTO deliveries(event_seq, target, user_id, state, next_at, created_at, updated_at, event_count)"
                                          " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)"));
    QSqlQuery markDone(db), markRetry(db), markDead(db), markHold(db), ledger(db), ledgerRange(db), logAttempt(db);
    markDone.prepare(QStringLiteral("UPDATE deliveries SET state = 'done', attempts = ?, last_error = '', updated_at = ? WHERE id = ?"));
    markRetry.prepare(QStringLiteral("UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?"));
    markDead.prepare(QStringLiteral("UPDATE deliveries SET state = 'dead', attempts = ?, last_error = ?, updated_at = ? WHERE id = ?"));
    markHold.prepare(QStringLiteral("UPDATE deliveries SET last_error = ?, updated_at = ? WHERE id = ?"));
    ledger.prepare(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at) VALUES (?, ?, ?, ?, ?)"
                                  " ON CONFLICT(target, user_id) DO UPDATE SET event_id = excluded.event_id,"
                                  " version = excluded.version, acked_at = excluded.acked_at"
                                  " WHERE excluded.version > ledger.version"));
    // A row covering many events acknowledges all of them: one statement, no per-row round trip.
    ledgerRange.prepare(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                                       " SELECT ?, user_id, event_id, seq, ? FROM events WHERE seq >= ? AND seq < ? ORDER BY seq"
                                       " ON CONFLICT(target, user_id) DO UPDATE SET event_id = excluded.event_id,"
                                       " version = excluded.version, acked_at = excluded.acked_at"
                                       " WHERE excluded.version > ledger.version"));
    logAttempt.prepare(QStringLiteral("INSERT INTO attempts(delivery_id, ts, status, duration_ms, error, body_head)"
                                      " VALUES (?, ?, ?, ?, ?, ?)"));
    const auto record = [&](const DeliveryOutcome &o, qint64 now) -> bool {
        bool ok = true;
        switch (o.kind) {
        case DeliveryOutcome::Done:
            markDone.addBindValue(o.attempts);
            markDone.addBindValue(now);
            markDone.addBindValue(o.id);
            ok = markDone.exec();
            if (o.count > 1) {
                ledgerRange.addBindValue(o.target);
                ledgerRange.addBindValue(now);
                ledgerRange.addBindValue(o.version);
                ledgerRange.addBindValue(o.version + o.count);
                ok = ledgerRange.exec() && ok;
                break;
            }
            ledger.addBindValue(o.target);
            ledger.addBindValue(o.user);
            ledger.addBindValue(o.eventId);
            ledger.addBindValue(o.version);
            ledger.addBindValue(now);
            ok = ledger.exec() && ok;
            break;
        case DeliveryOutcome::Retry:
            markRetry.addBindValue(o.attempts);
            markRetry.addBindValue(o.nextAt);
            markRetry.addBindValue(sqlText(o.error));
            markRetry.addBindValue(now);
            markRetry.addBindValue(o.id);
            ok = markRetry.exec();
            break;
        case DeliveryOutcome::Dead:
            markDead.addBindValue(o.attempts);
            markDead.addBindValue(sqlText(o.error));
            markDead.addBindValue(now);
            markDead.addBindValue(o.id);
            ok = markDead.exec();
            break;
        case DeliveryOutcome::Hold:
            markHold.addBindValue(sqlText(o.error));
            markHold.addBindValue(now);
            markHold.addBindValue(o.id);
            ok = markHold.exec();
            break;
        }
        if (o.kind != DeliveryOutcome::Done) {
            logAttempt.addBindValue(o.id);
            logAttempt.addBindValue(now);
            logAttempt.addBindValue(o.status);
            logAttempt.addBindValue(o.durationMs);
            logAttempt.addBindValue(sqlText(o.error));
            logAttempt.addBindValue(sqlText(o.bodyHead));
            ok = logAttempt.exec() && ok;
        }
        return ok;
    };
    supersede.prepare(QStringLiteral("UPDATE deliveries SET state = 'coalesced', updated_at = ?"
                                     " WHERE target = ? AND user_id = ? AND state = 'pending' AND attempts = 0 AND next_at > ?"));
    while (true) {
        std::deque<Batch *> batches;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty() && m_stopping)
                break;
            batches.swap(m_queue);
        }
        // Lease claims run in transactions of their own, before the group commit.
        for (auto it = batches.begin(); it != batches.end();) {
            if ((*it)->isLease) {
                const QString holder = runLease(db, (*it)->leaseOwner, (*it)->leaseTtlMs);
                if (!holder.isEmpty() && QDateTime::currentMSecsSinceEpoch() - countedAt > 5000)
                    recount();
                (*it)->leaseDone.set_value(holder);
                it = batches.erase(it);
            } else {
                ++it;
            }
        }
        if (batches.empty())
            continue;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QString error;
        QHash<QString, qint64> perTarget;
        std::vector<QList<SyncEvent>> stored(batches.size());
        if (!db.transaction())
            error = db.lastError().text();
        for (std::size_t b = 0; b < batches.size() && error.isEmpty(); ++b) {
            if (batches[b]->isOutcomes) {
                for (const DeliveryOutcome &o : batches[b]->outcomes) {
                    if (!record(o, now)) {
                        error = QStringLiteral("recording delivery %1: %2").arg(o.id).arg(db.lastError().text());
                        break;
                    }
                    if (o.kind == DeliveryOutcome::Done || o.kind == DeliveryOutcome::Dead)
                        perTarget[o.target] -= o.count;
                }
                continue;
            }
            // Bulk rows being filled, per target: (first seq, count, limit, first created_at, user or "").
            struct OpenRow
            {
                qint64 firstSeq = 0;
                int count = 0;
                int limit = 0;
                qint64 due = 0;
                QString user;
            };
            QHash<QString, OpenRow> open;
            const auto flush = [&](const QString &target, const OpenRow &row) -> bool {
                insertDelivery.addBindValue(row.firstSeq);
                insertDelivery.addBindValue(target);
                insertDelivery.addBindValue(sqlText(row.user));
                insertDelivery.addBindValue(row.due);
                insertDelivery.addBindValue(now);
                insertDelivery.addBindValue(now);
                insertDelivery.addBindValue(row.count);
                if (!insertDelivery.exec()) {
                    error = QStringLiteral("delivery of seq %1 to %2: %3").arg(row.firstSeq).arg(target, insertDelivery.lastError().text());
                    return false;
                }
                perTarget[target] += row.count;
                return true;
            };
            for (OutboxItem &item : batches[b]->items) {
                SyncEvent &e = item.event;
                insertEvent.addBindValue(e.eventId);
                insertEvent.addBindValue(e.type);
                insertEvent.addBindValue(e.userId);
                // UTF-8 bytes as they go on the wire: no UTF-16 round trip on write or send.
                insertEvent.addBindValue(item.payload);
                insertEvent.addBindValue(e.createdAt);
                if (!insertEvent.exec()) {
                    error = QStringLiteral("event %1: %2").arg(e.eventId, insertEvent.lastError().text());
                    break;
                }
                if (insertEvent.numRowsAffected() == 0) {
                    stored[b] << e; // already accepted earlier
                    continue;
                }
                const qint64 seq = insertEvent.lastInsertId().toLongLong();
                e.version = seq;
                const qint64 due = item.dueAt > 0 ? item.dueAt : now;
                for (qsizetype t = 0; t < item.targets.size() && t < item.rowLimits.size(); ++t) {
                    const QString &target = item.targets.at(t);
                    OpenRow &row = open[target];
                    if (row.count > 0 && (row.firstSeq + row.count != seq || row.count >= row.limit)) {
                        if (!flush(target, row))
                            break;
                        row.count = 0;
                    }
                    if (row.count == 0) {
                        row = OpenRow{seq, 0, std::max(1, item.rowLimits.at(t)), due, e.userId};
                    } else if (row.user != e.userId) {
                        row.user.clear(); // many users: no per-user order to keep for this row
                    }
                    ++row.count;
                }
                if (!error.isEmpty())
                    break;
                if (!item.rowLimits.isEmpty()) {
                    stored[b] << e;
                    continue;
                }
                for (const QString &target : std::as_const(item.targets)) {
                    if (item.coalesce) {
                        supersede.addBindValue(now);
                        supersede.addBindValue(target);
                        supersede.addBindValue(e.userId);
                        supersede.addBindValue(now);
                        if (supersede.exec() && supersede.numRowsAffected() > 0)
                            perTarget[target] -= supersede.numRowsAffected();
                    }
                    insertDelivery.addBindValue(seq);
                    insertDelivery.addBindValue(target);
                    insertDelivery.addBindValue(e.userId);
                    insertDelivery.addBindValue(due);
                    insertDelivery.addBindValue(now);
                    insertDelivery.addBindValue(now);
                    insertDelivery.addBindValue(1);
                    if (!insertDelivery.exec()) {
                        error = QStringLiteral("delivery of %1 to %2: %3").arg(e.eventId, target, insertDelivery.lastError().text());
                        break;
                    }
                    ++perTarget[target];
                }
                if (!error.isEmpty())
                    break;
                stored[b] << e;
            }
            for (auto it = open.cbegin(); it != open.cend() && error.isEmpty(); ++it)
                if (it->count > 0)
                    flush(it.key(), it.value());
        }
        if (error.isEmpty() && !db.commit())
            error = db.lastError().text();
        if (!error.isEmpty()) {
            db.rollback();
            const Error e = storeError(m_dbPath, QStringLiteral("enqueue"), error);
            for (Batch *b : batches) {
                if (b->isOutcomes) {
                    if (b->outcomesCommitted)
                        b->outcomesCommitted(false);
                    delete b;
                } else {
                    b->done.set_value(e);
                }
            }
            continue;
        }
        for (auto it = perTarget.cbegin(); it != perTarget.cend(); ++it)
            counters.add(it.key(), it.value());
        if (counters.anyNegative())
            recount();
        ++commits;
        for (std::size_t b = 0; b < batches.size(); ++b) {
            if (batches[b]->isOutcomes) {
                if (batches[b]->outcomesCommitted)
                    batches[b]->outcomesCommitted(true);
                delete batches[b];
            } else {
                batches[b]->done.set_value(stored[b]);
            }
        }
        if (onCommitted)
            onCommitted();
    }
}

} // namespace jobfirst
