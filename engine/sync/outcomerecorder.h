// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/deliveryoutcome.h"
#include "sync/outboxrequest.h"
#include "sync/targetruntime.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace jobfirst {

class OutboxWriter;

/// Records delivery outcomes through the outbox writer (the one SQLite writer) in batches,
/// and gives their rows back to the scheduler once they are durable: until then a row and
/// its user stay busy, so nothing is sent twice meanwhile, and a user's next event waits.
class OutcomeRecorder final
{
public:
    static constexpr int BatchSize = 512;     ///< outcomes per batch at most
    static constexpr qint64 BatchAfterMs = 5; ///< or this long after the first waiting one

    /// Figures of the outcomes confirmed by one release(), per target.
    struct Confirmed
    {
        qint64 delivered = 0;                                 ///< events acknowledged
        QHash<QString, std::array<qint64, 3>> perTarget;      ///< events done, dead, retried
        QHash<QString, std::pair<QString, qint64>> lastError; ///< per target: error, when
    };

    /// `wake` runs (on the writer's sync thread) when a batch has been made durable.
    OutcomeRecorder(OutboxWriter *writer, std::function<void()> wake);
    /// Waits (a bounded time) for the batches handed to the writer: it calls back into this.
    ~OutcomeRecorder();
    OutcomeRecorder(const OutcomeRecorder &) = delete;
    OutcomeRecorder &operator=(const OutcomeRecorder &) = delete;

    /// Outcomes to record (moved from).
    void add(std::vector<DeliveryOutcome> &outcomes, qint64 now);
    bool waiting() const { return !m_waiting.empty(); }
    /// When the waiting outcomes are due to be handed over, 0 when none wait.
    qint64 dueAt() const { return m_waiting.empty() ? 0 : m_firstWaitingAt + BatchAfterMs; }
    /// Hands the waiting outcomes to the writer when enough wait, they waited long enough,
    /// or `idle` (nothing else is in flight, so no more will join them soon).
    void flushIfDue(qint64 now, bool idle);
    void flush();
    /// Applies what the writer confirmed since the last call: frees rows and users, and
    /// marks for a fresh read the targets whose rows are pending again (retry, hold, or a
    /// failed commit). Rows the store refused because their partition passed to another
    /// process are freed too, uncounted: that process sends them now. Returns the events that
    /// left the memory bound and the figures.
    qint64 release(QHash<QString, TargetRuntime> &targets, qint64 now, Confirmed &confirmed);
    /// Batches handed over and not yet confirmed.
    int outstanding() const { return m_outstanding.load(); }
    /// Until when sending pauses because outcomes could not be committed (the disk is full):
    /// their rows stay pending, and sending them again at once would only repeat requests
    /// the receiver already has. 0.5 s, doubling to 60 s, until a commit goes through.
    /// Outcomes refused because their partition passed on are no failure: no pause.
    qint64 pausedUntil() const { return m_pausedUntil; }

private:
    void notePause(bool committed, qint64 now);
    /// Says (once per change of the partitions held) which partitions passed to another
    /// process with outcomes of theirs unrecorded.
    void notePassed(const QSet<int> &partitions, int rows);

    using Batch = std::shared_ptr<const std::vector<DeliveryOutcome>>;

    OutboxWriter *m_writer;
    std::function<void()> m_wake;
    std::vector<DeliveryOutcome> m_waiting;
    qint64 m_firstWaitingAt = 0;
    int m_commitFailures = 0;
    qint64 m_pausedUntil = 0;
    std::atomic<int> m_outstanding{0};
    std::mutex m_mutex;
    std::deque<std::pair<Batch, OutcomesCommitted>> m_confirmed;
    QList<int> m_heldWhenPassed; ///< the partitions held when m_passedNamed was last cleared
    QSet<int> m_passedNamed;     ///< partitions logged as passed on since
};

} // namespace jobfirst
