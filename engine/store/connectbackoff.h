// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// When to try a PostgreSQL connect again after one failed: after 100 ms, doubling up to 5 s.
/// Calls in between fail at once with the last reason and when the next try comes, so a
/// caller gets a clear "store unavailable" instead of waiting connect_timeout on every call
/// while the server is away. Used by each PostgreSQL connection (outbox writer and reader,
/// the cluster state store), from the thread that owns it.
class ConnectBackoff final
{
public:
    static constexpr int MinMs = 100;  ///< first wait after a failed connect
    static constexpr int MaxMs = 5000; ///< longest wait between connects

    /// Empty when a connect may be tried at `now`; else why not: the last failure's reason
    /// and "(trying again in N ms)".
    QString waiting(qint64 now) const;
    /// A connect failed at `now` with `reason`: the next one waits twice as long as the last.
    /// Answers `reason`.
    QString failed(qint64 now, const QString &reason);
    /// A connect succeeded: the next failure waits MinMs again.
    void succeeded();

private:
    qint64 m_retryAt = 0;
    int m_waitMs = 0;
    QString m_reason;
};

} // namespace jobfirst
