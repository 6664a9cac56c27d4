// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QString>

namespace jobfirst {

/// Where a PostgreSQL store is: `postgresql://user@host:port/database`, with optional
/// `?passfile=FILE&connect_timeout=SECONDS&sslmode=MODE`. A password is never part of the
/// URL (it would show in argv, logs and settings): libpq reads it from PGPASSFILE, or from
/// the `passfile` named here (the ~/.pgpass format).
class PostgresUrl final
{
public:
    /// True for text that means to be a PostgreSQL URL (postgresql:// or postgres://), even
    /// a malformed one: it is then parsed, and its errors said, instead of taken for a file.
    static bool isUrl(const QString &text);
    /// The error names what is wrong with the text ("store.bad_url").
    static Result<PostgresUrl> parse(const QString &text);

    QString host() const { return m_host; }
    int port() const { return m_port; }
    QString user() const { return m_user; }
    QString database() const { return m_database; }
    QString passFile() const { return m_passFile; }
    /// postgresql://user@host:port/database (no options, nothing secret).
    QString toString() const;

    /// The libpq options connect() sets (QSqlDatabase::setConnectOptions()). Besides the
    /// URL's own: TCP keepalives and tcp_user_timeout, so a call on a network that went
    /// silent (packets lost, no reset) ends within about a lease period instead of when the
    /// kernel gives up (minutes to hours); and, for the server's side of the connection,
    /// the same keepalives and idle_in_transaction_session_timeout, so a daemon cut off in
    /// the middle of a transaction does not keep its locks (a lease row, an owner's fence
    /// lock) from the daemon that takes its partitions over once its lease has run out; and
    /// no NOTICE messages, which libpq would print to stderr among jobfirstd's JSON lines.
    QString connectOptions() const;
    /// The whole connection string for libpq itself (server, user, database and the
    /// options above), for a connection made without QtSql (PostgresProbe).
    QByteArray libpqConnInfo() const;
    /// How long a silent connection lasts, from its last answer (keepalives) or its last
    /// unacknowledged write (tcp_user_timeout), and how long the server keeps a transaction
    /// whose client went quiet: two thirds of this process's lease (DeliveryLease::ttlMs(),
    /// whole seconds: 6 s of the default 10 s, 2 s of a 3 s lease), so a daemon
    /// that renewed just before the silence is cut loose before its lease can pass on.
    static qint64 silenceLimitMs();
    /// The server's or libpq's error in one line: its lines joined with "; " (libpq says
    /// "Connection refused" and "Is the server running …" on two lines, which simplified()
    /// ran together).
    static QString errorText(const QSqlError &error);

    /// Opens a QPSQL connection named `connection` on the calling thread, with
    /// synchronous_commit on (a COMMIT returns once the server has flushed its WAL). The
    /// error names the server and why it cannot be reached ("store.unavailable").
    Result<QSqlDatabase> connect(const QString &connection) const;

private:
    QString m_host, m_user, m_database, m_passFile, m_sslMode;
    int m_port = 5432;
    int m_connectTimeoutS = 5;
};

} // namespace jobfirst
