// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/outcomerecorder.h"

#include "sync/outboxwriter.h"

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
    m_writer->submitOutcomes(batch, [this, batch](bool ok) {
        {
            std::lock_guard lock(m_mutex);
            m_confirmed.emplace_back(batch, ok);
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
    std::deque<std::pair<Batch, bool>> batches;
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
    for (const auto &[list, ok] : batches) {
        notePause(ok, now);
        for (const DeliveryOutcome &o : *list) {
            freed += o.count;
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
                // The row is pending again behind the read-ahead cursor: read it afresh.
                if (!ok || o.kind == DeliveryOutcome::Retry || o.kind == DeliveryOutcome::Hold)
                    rt->rescan = true;
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
    return freed;
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
