// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

/// A real jobfirstd process on loopback, for integration tests: started on a free port (it
/// says which), stopped with SIGTERM as a service manager would, or killed.
class DaemonProcess final
{
public:
    /// Starts jobfirstd with --db and --config --create-config (and extra arguments); false
    /// (with a QWARN) when it does not come up listening.
    bool start(const QString &db, const QString &config, const QStringList &extra = {}, const QString &listen = {});
    /// The next start() runs it with at most `files` open files (RLIMIT_NOFILE, as systemd's
    /// LimitNOFILE= sets it); 0: this process's limit.
    void setFileLimit(int files) { m_fileLimit = files; }
    /// SIGTERM, then waits for a clean exit; answers the exit code (-1 if it did not stop).
    int terminate(int timeoutMs = 20000);
    void kill();
    bool running() const;
    quint16 port() const { return m_port; }
    /// Its process id while it runs (0 after).
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    QString url(const QString &scheme = QStringLiteral("http")) const;
    /// What it wrote to stderr so far (JSON log lines).
    QByteArray logs();
    ~DaemonProcess();

private:
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QByteArray m_logs;
    int m_fileLimit = 0;
};

/// The folder of one test process for its daemons' configs and local files.
class DaemonFolder final
{
public:
    QString filePath(const QString &name) const { return m_dir.filePath(name); }
    /// Writes the config `name`: no targets, then the keys of `extra`. Answers its path ("" when
    /// it could not be written).
    QString writeConfig(const QString &name, const QJsonObject &extra) const;

private:
    QTemporaryDir m_dir;
};

/// One HTTP answer of the admin API, for tests.
struct ApiReply
{
    int status = 0;
    QByteArray body;
    QJsonValue json() const;
    QString error() const; ///< the answer's "error" text
};

/// Calls the admin API and waits for the answer (test set-up and assertions only).
ApiReply apiCall(const QString &baseUrl, const QByteArray &method, const QString &path, const QByteArray &token = {},
                 const QByteArray &body = {}, const QString &caFile = {});

/// Runs jobfirstctl with the arguments; answers its exit code, stdout and stderr.
struct CtlRun
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};
CtlRun runCtl(const QStringList &args, int timeoutMs = 60000);

/// Creates an API token in the store with jobfirstctl and writes it to DIR/NAME.token; answers
/// the file's path (empty on failure).
QString makeToken(const QString &db, const QString &dir, const QString &name, const QString &role, const QString &node = {});
/// The token in a file makeToken() wrote (empty when there is none).
QByteArray readToken(const QString &tokenFile);

/// Writes a cluster config with no targets at `path` (daemons that only need to run); answers
/// false (with a QWARN) when it could not be written.
bool writeNoTargetConfig(const QString &path);

/// A daemon of several on one store, as an operator sets each up: an API token `name` of `role`
/// made in its own file `local` (token file beside it), then `daemon` started on `db` with
/// `config` and `--local-db local`. Answers the token; empty (with a QWARN) when either failed.
QByteArray startWithToken(DaemonProcess &daemon, const QString &db, const QString &config,
                          const QString &local, const QString &name, const QString &role);
