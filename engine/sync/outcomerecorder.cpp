// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/outcomerecorder.h"

#include "store/postgresschema.h"
#include "sync/outboxwriter.h"

#include <QStringList>
#include <QtGlobal>

#include <algorithm>
#include <chrono>
#include <thread>

namespace jobfirst {

OutcomeRecorder::OutcomeRecorder(OutboxWriter *writer, std::function<void()> wake)
    : m_writer(writer), m_wake(std::move(wake))
{
}

OutcomeRecorder::~OutcomeRecorder()
{
    // The writer calls back into this object: wait for what was handed to it.
    for (int i = 0; i < 5000 && m_outstanding.load() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void OutcomeRecorder::add(std::vector<DeliveryOutcome> &outcomes, qint64 now)
{
    if (outcomes.empty())
        return;
    if (m_waiting.empty()) {
        m_firstWaitingAt = now;
        m_waiting.swap(outcomes);
    } else {
        std::move(outcomes.begin(), outcomes.end(), std::back_inserter(m_waiting));
    }
    outcomes.clear();
}

void OutcomeRecorder::flushIfDue(qint64 now, bool idle)
{
    if (!m_waiting.empty() &&
        (int(m_waiting.size()) >= BatchSize || now - m_firstWaitingAt >= BatchAfterMs || idle))
        flush();
}

void OutcomeRecorder::flush()
{
    if (m_waiting.empty())
        return;
    ++m_outstanding;
    // The rows stay busy until the writer says the outcomes are durable; the list is shared
    // with the writer to free them then.
    auto batch = std::make_shared<std::vector<DeliveryOutcome>>(std::move(m_waiting));
    m_writer->submitOutcomes(batch, [this, batch](OutcomesCommitted result) {
        {
            std::lock_guard lock(m_mutex);
            m_confirmed.emplace_back(batch, std::move(result));
        }
        --m_outstanding;
        if (m_wake)
            m_wake();
    });
    m_waiting.clear();
    m_firstWaitingAt = 0;
}

qint64 OutcomeRecorder::release(QHash<QString, TargetRuntime> &targets, qint64 now,
                                Confirmed &confirmed)
{
    std::deque<std::pair<Batch, OutcomesCommitted>> batches;
    {
        std::lock_guard lock(m_mutex);
        batches.swap(m_confirmed);
    }
    qint64 freed = 0;
    // A batch holds runs of one target's outcomes: its runtime and figures are looked up
    // when the target changes, not hashed again for every outcome.
    const QString *target = nullptr;
    TargetRuntime *rt = nullptr;
    std::array<qint64, 3> *counts = nullptr;
    QSet<int> passed; // partitions of refused outcomes
    int passedRows = 0;
    for (const auto &[list, result] : batches) {
        const bool ok = result.ok;
        notePause(ok, now);
        // Nearly always empty; a rebalance or takeover refuses a few rows.
        const QSet<qint64> refused(result.refused.begin(), result.refused.end());
        for (const DeliveryOutcome &o : *list) {
            freed += o.count;
            const bool gone = !refused.isEmpty() && refused.contains(o.id);
            if (!target || o.target != *target) {
                target = &o.target;
                auto rit = targets.find(o.target);
                rt = rit == targets.end() ? nullptr : &rit.value();
                counts = nullptr;
            }
            if (rt) {
                rt->busyRows.remove(o.id);
                if (!o.user.isEmpty())
                    rt->busyUsers.remove(o.user);
                // The row is pending again behind the read-ahead cursor: read it afresh. A
                // refused one is another process's now (a partition coming back is read anew).
                if (!gone &&
                    (!ok || o.kind == DeliveryOutcome::Retry || o.kind == DeliveryOutcome::Hold))
                    rt->rescan = true;
            }
            if (gone) {
                passed.insert(PostgresSchema::partitionOf(o.user, o.version));
                ++passedRows;
                continue;
            }
            if (!ok)
                continue; // still pending in the store: sent again (receivers de-duplicate)
            if (!counts)
                counts = &confirmed.perTarget[o.target];
            auto &c = *counts;
            if (o.kind == DeliveryOutcome::Done) {
                c[0] += o.count;
                confirmed.delivered += o.count;
            } else {
                if (o.kind == DeliveryOutcome::Dead)
                    c[1] += o.count;
                else if (o.kind == DeliveryOutcome::Retry)
                    c[2] += o.count;
                confirmed.lastError[o.target] = {o.error, now};
            }
        }
    }
    if (!passed.isEmpty())
        notePassed(passed, passedRows);
    return freed;
}

void OutcomeRecorder::notePassed(const QSet<int> &partitions, int rows)
{
    if (const QList<int> held = m_writer->heldPartitions(); held != m_heldWhenPassed) {
        m_heldWhenPassed = held;
        m_passedNamed.clear();
    }
    QList<int> fresh;
    for (const int p : partitions)
        if (!m_passedNamed.contains(p))
            fresh.append(p);
    if (fresh.isEmpty())
        return;
    std::sort(fresh.begin(), fresh.end());
    QStringList names;
    for (const int p : std::as_const(fresh)) {
        m_passedNamed.insert(p);
        names.append(QString::number(p));
    }
    qInfo("delivery: %d outcome(s) not recorded: partition(s) %s passed to another process, "
          "which sends them",
          rows, qPrintable(names.join(QStringLiteral(", "))));
}

void OutcomeRecorder::notePause(bool committed, qint64 now)
{
    if (committed) {
        m_commitFailures = 0;
        return;
    }
    if (now < m_pausedUntil)
        return; // sent before this pause began: not a new failed try
    ++m_commitFailures;
    m_pausedUntil = now + std::min<qint64>(60000, 500LL << std::min(m_commitFailures - 1, 7));
    if ((m_commitFailures & (m_commitFailures - 1)) == 0) // 1, 2, 4, 8...: not every time
        qWarning("delivery: %d outcome commit(s) failed (disk full?); sending pauses for %lld ms",
                 m_commitFailures, m_pausedUntil - now);
}

} // namespace jobfirst
