// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QHostAddress>

namespace jobfirst {

/// Slows down repeated failed authentication from one address: after a few failures within
/// a minute, each further refusal is answered later, doubling up to a cap. Success resets it.
class AuthThrottle final
{
public:
    static constexpr int FreeFailures = 5;
    static constexpr qint64 WindowMs = 60000;
    static constexpr int MaxDelayMs = 5000;

    /// Records a failure at `nowMs`; answers how long to wait before refusing.
    int failed(const QHostAddress &peer, qint64 nowMs);
    void succeeded(const QHostAddress &peer);
    /// How long a refusal to this address waits now (0: not throttled).
    int delayFor(const QHostAddress &peer, qint64 nowMs) const;

private:
    struct Failures
    {
        int count = 0;
        qint64 firstAt = 0;
    };
    QHash<QString, Failures> m_failures;
};

} // namespace jobfirst
