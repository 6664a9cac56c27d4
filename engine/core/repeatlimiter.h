// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QString>

namespace jobfirst {

/// Keeps a log readable when one line comes over and over (journald's rate limit, per line):
/// at most `burst` lines of one kind in `windowMs`; the rest are left out and counted, and the
/// count is told with the first line of that kind after the window. A PostgreSQL restart made
/// Qt's driver write "Unable to free statement" 90 times in 3 s (walk36). Not thread-safe.
class RepeatLimiter
{
public:
    struct Verdict
    {
        bool write = true;
        bool startsLeavingOut = false; ///< the first line of this window left out
        int leftOut = 0;               ///< lines of this kind left out before this one
    };

    explicit RepeatLimiter(int burst = 3, qint64 windowMs = 10000)
        : m_burst(burst), m_windowMs(windowMs)
    {
    }

    Verdict take(const QString &kind, qint64 nowMs);
    int burst() const { return m_burst; }
    qint64 windowMs() const { return m_windowMs; }

private:
    struct Kind
    {
        qint64 windowStart = 0;
        int inWindow = 0;
        int leftOut = 0;
    };
    void forgetEndedKinds(qint64 nowMs);

    QHash<QString, Kind> m_kinds;
    int m_burst;
    qint64 m_windowMs;
};

} // namespace jobfirst
