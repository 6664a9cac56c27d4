// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/repeatlimiter.h"

namespace jobfirst {

namespace {
constexpr qsizetype MaxKinds = 1024; ///< kinds remembered; ended ones go first
}

RepeatLimiter::Verdict RepeatLimiter::take(const QString &kind, qint64 nowMs)
{
    if (m_kinds.size() >= MaxKinds && !m_kinds.contains(kind))
        forgetEndedKinds(nowMs);
    Kind &k = m_kinds[kind];
    Verdict v;
    if (k.inWindow == 0 || nowMs - k.windowStart >= m_windowMs) {
        v.leftOut = k.leftOut;
        k = {nowMs, 0, 0};
    }
    if (k.inWindow < m_burst) {
        ++k.inWindow;
        return v;
    }
    v.write = false;
    v.startsLeavingOut = k.leftOut++ == 0;
    return v;
}

void RepeatLimiter::forgetEndedKinds(qint64 nowMs)
{
    // A kind whose window ended with nothing left out has nothing to tell; with too many
    // kinds at once (every line different) the counts are given up rather than memory.
    m_kinds.removeIf([&](const auto &entry) {
        return entry.value().leftOut == 0 && nowMs - entry.value().windowStart >= m_windowMs;
    });
    if (m_kinds.size() >= MaxKinds)
        m_kinds.clear();
}

} // namespace jobfirst
