// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QSslConfiguration>
#include <QString>

#include <memory>

/// A real jobfirst-nodesim process on loopback, for integration tests.
class NodeSimProcess final
{
public:
    /// Starts the simulator; port 0 lets it choose. Returns false (with a QWARN) on failure.
    bool start(const QString &id, quint16 port = 0, const QStringList &extraArgs = {});
    /// The signing secret the next start() passes in JOBFIRST_SECRET (never on argv).
    void setSecret(const QString &secret)
    {
        m_env.insert(QStringLiteral("JOBFIRST_SECRET"), secret);
    }
    /// Any other environment variable for the next start().
    void setEnv(const QString &name, const QString &value) { m_env.insert(name, value); }
    /// The simulator serves HTTPS (start it with --tls-cert/--tls-key): this object's own
    /// requests trust `caFile` and, when given, present a client certificate (for --client-ca).
    void useTls(const QString &caFile, const QString &clientCert = {},
                const QString &clientKey = {});
    /// Sent as "Authorization: Bearer …" on this object's own requests (--control-token-file).
    void setControlToken(const QByteArray &token) { m_controlToken = token; }
    void kill();
    bool restart(); ///< same id and port
    quint16 port() const { return m_port; }
    QString url() const
    {
        return QStringLiteral("%1://127.0.0.1:%2")
            .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
            .arg(m_port);
    }
    /// POST /control with the given faults (blocking, for test set-up only).
    bool control(const QJsonObject &faults);
    /// POST /control with `body` as it is: the answer, and its HTTP status in `*status`.
    QJsonObject postControl(const QByteArray &body, int *status);
    QJsonObject get(const QString &path);
    int del(const QString &path);
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    /// Waits for the process to end by itself (after a signal); true when it did.
    bool waitForExit(int timeoutMs) { return m_process && m_process->waitForFinished(timeoutMs); }
    ~NodeSimProcess();

private:
    std::unique_ptr<QProcess> m_process;
    QString m_id;
    quint16 m_port = 0;
    QStringList m_extra;
    QByteArray request(const QByteArray &verb, const QUrl &url, const QByteArray &body,
                       int *status) const;
    bool m_tls = false;
    QSslConfiguration m_sslConfig;
    QByteArray m_controlToken;
    QProcessEnvironment m_env = QProcessEnvironment::systemEnvironment();
};
