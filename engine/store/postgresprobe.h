// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <memory>

namespace jobfirst {

/// Finds out, off the caller's thread, when a PostgreSQL server answers again: a connect and
/// a "SELECT 1" (the connect bounded by connect_timeout, the query by PostgresSilenceWatch),
/// tried every `everyMs` until one succeeds. A store that lost its connection starts it and
/// connects again itself only once the server has answered, so while the server is away
/// (stopped, hung, cut off) its callers get "store unavailable" at once instead of each
/// waiting out a connect on the store's thread (the engine's).
class PostgresProbe final
{
public:
    /// How often a lost server is tried, unless said otherwise.
    static constexpr int DefaultEveryMs = 1000;

    PostgresProbe(QByteArray connInfo, QString location, int everyMs = DefaultEveryMs);
    ~PostgresProbe();
    PostgresProbe(const PostgresProbe &) = delete;
    PostgresProbe &operator=(const PostgresProbe &) = delete;

    /// Starts probing, with why the store lost the server, unless a probe already runs.
    void start(const QString &reason);
    /// Whether a probe runs and the server has not answered yet; `reason` then says why the
    /// store is unavailable: the latest failure, and that the server is being tried.
    bool waiting(QString *reason) const;

private:
    struct Shared;
    static void run(const std::shared_ptr<Shared> &shared);

    std::shared_ptr<Shared> m_shared; ///< with the probing thread, which may outlive this
};

} // namespace jobfirst
