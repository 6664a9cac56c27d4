// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QtGlobal>
#include <QString>
#include <QTemporaryDir>

#include <memory>

/// A real PostgreSQL server of the test's own: initdb in a temporary folder, pg_ctl on a free
/// port on 127.0.0.1 with a private socket folder, trust authentication for its one user.
/// When the test runs as root (PostgreSQL refuses root), the server runs as the `postgres`
/// system user through runuser. JOBFIRST_PG_SETTINGS adds settings to its configuration (for
/// a profile: "shared_preload_libraries = 'pg_stat_statements'; log_lock_waits = on").
class PostgresServer final
{
public:
    ~PostgresServer();
    /// false (with a QWARN naming the step) when the server could not be made or started.
    bool start(bool durable = true);
    bool stop(const QString &mode = QStringLiteral("fast"));
    /// `pg_ctl restart -m fast`: what an operator (or a failover) does to a running server.
    bool restart();
    /// Starts the stopped server again on the same data folder and port.
    bool resume();
    /// SIGSTOP to the postmaster and every backend: a server whose host is cut off, which
    /// takes connections (the kernel does) and answers nothing, so reads hang rather than
    /// fail. False (with a QWARN) when its processes could not be found.
    bool freeze();
    /// SIGCONT to what freeze() stopped (the destructor does it too).
    void thaw();
    quint16 port() const { return m_port; }
    QString database() const { return QStringLiteral("jobfirst"); }
    QString user() const { return QStringLiteral("jobfirst"); }
    /// postgresql://jobfirst@127.0.0.1:PORT/jobfirst
    QString url() const;
    /// The server's log (pg_ctl -l), readable while the server's folder exists.
    QString logFile() const { return m_data + QStringLiteral("/server.log"); }
    /// Adds a login role that must give `password` over TCP (scram-sha-256) and a database
    /// of the same name that it owns; the test's own user keeps trust. Answers once the server
    /// asks that role for its password.
    bool addPasswordRole(const QString &role, const QString &password);
    /// Runs one SQL command with psql; answers its output ("" and a QWARN on failure).
    QString psql(const QString &sql) const;
    static QString binDir();

private:
    bool run(const QString &program, const QStringList &args, int timeoutMs = 60000, QString *output = nullptr) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_data;
    quint16 m_port = 0;
    bool m_asPostgres = false;
    bool m_running = false;
    QList<qint64> m_frozen; ///< processes freeze() stopped
};

/// Thaws a frozen PostgreSQL when the test ends, passed or not: declared after what runs on
/// it, it thaws before those stop (a read that hangs would never let them).
class ThawAtEnd final
{
public:
    explicit ThawAtEnd(PostgresServer &pg) : m_pg(pg) {}
    ~ThawAtEnd() { m_pg.thaw(); }
    Q_DISABLE_COPY_MOVE(ThawAtEnd)

private:
    PostgresServer &m_pg;
};
