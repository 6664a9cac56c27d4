// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <QtGlobal>

#include <memory>

struct pg_conn;

namespace jobfirst {

/// Drops a PostgreSQL connection that waits for an answer and gets none for a limit. A
/// server that is stopped, hung on its disk, or behind a network that loses every packet
/// answers nothing, and libpq (as QPSQL drives it) waits for ever: TCP keepalives and
/// tcp_user_timeout do not end that while the server's kernel still acknowledges. A call
/// marks the connection busy while it runs (busy()); a busy connection that has received
/// nothing for `limitMs` (since the call began, or since its last data: TCP_INFO) has its
/// socket shut down, which wakes the waiting thread with an error. Its store then says
/// "store unavailable" and finds out off its thread when the server answers again
/// (PostgresProbe): a caller gets an error instead of a hang, and the thread (the engine's)
/// goes on. A statement that runs longer than the limit without sending a row is cut too,
/// so the watch is for connections whose statements are short (not a bulk copy or a
/// retention prune). One thread for the process looks at every watched connection five
/// times a second.
class PostgresSilenceWatch final
{
public:
    struct State;

    /// The connection is waiting for the server while this lives (calls may nest). Made on
    /// the connection's thread only.
    class Busy final
    {
    public:
        Busy() = default;
        explicit Busy(std::shared_ptr<State> state);
        ~Busy();
        Busy(Busy &&) noexcept = default;
        Busy &operator=(Busy &&) = delete;
        Busy(const Busy &) = delete;
        Busy &operator=(const Busy &) = delete;

    private:
        std::shared_ptr<State> m_state;
    };

    /// Watches `connection` until destroyed, which must come before the connection is
    /// closed. `label` names the store in the log line of a drop.
    PostgresSilenceWatch(pg_conn *connection, qint64 limitMs, const QString &label);
    ~PostgresSilenceWatch();
    PostgresSilenceWatch(const PostgresSilenceWatch &) = delete;
    PostgresSilenceWatch &operator=(const PostgresSilenceWatch &) = delete;

    Busy busy() const { return Busy(m_state); }
    /// Whether the connection was dropped for its silence.
    bool cut() const;
    /// Shuts the socket down now, as a cut does, without waiting for the limit: another
    /// connection to the same server found it silent. Any thread.
    void drop();
    /// The reason to give a caller when cut(): "no answer from the server for N s".
    QString reason() const;

    /// Starts the process's watch thread now, from the calling thread, if it is not running:
    /// a thread takes its starter's nice value, and one started by the first watched
    /// connection of a bulk-work thread (a writer, core/bulkwork.h) would watch the
    /// heartbeat's and the engine's connections from below them.
    static void startWatching();
    /// Connections dropped for silence since the process started.
    static qint64 cutsSoFar();

private:
    std::shared_ptr<State> m_state; ///< nullptr: nothing watched
    qint64 m_limitMs;
};

} // namespace jobfirst
