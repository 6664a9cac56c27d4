// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QString>

#include <mutex>

namespace jobfirst {

/// Deliveries waiting per target, counted in memory so the backlog is known without a
/// COUNT(*) over a large table. Thread-safe.
class PendingCounters final
{
public:
    void add(const QString &target, qint64 delta)
    {
        std::lock_guard lock(m_mutex);
        m_total += delta;
        m_perTarget[target] += delta;
    }
    void reset()
    {
        std::lock_guard lock(m_mutex);
        m_total = 0;
        m_perTarget.clear();
    }
    /// True when a target's count fell below zero: another process enqueued what this one
    /// delivered, so the counts must be read from the store again.
    bool anyNegative() const
    {
        std::lock_guard lock(m_mutex);
        for (auto it = m_perTarget.cbegin(); it != m_perTarget.cend(); ++it)
            if (it.value() < 0)
                return true;
        return false;
    }
    qint64 total() const
    {
        std::lock_guard lock(m_mutex);
        return m_total;
    }
    QHash<QString, qint64> perTarget() const
    {
        std::lock_guard lock(m_mutex);
        return m_perTarget;
    }

private:
    mutable std::mutex m_mutex;
    qint64 m_total = 0;
    QHash<QString, qint64> m_perTarget;
};

} // namespace jobfirst
