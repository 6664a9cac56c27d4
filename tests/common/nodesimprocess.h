// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QProcess>
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
    void kill();
    bool restart(); ///< same id and port
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    /// POST /control with the given faults (blocking, for test set-up only).
    bool control(const QJsonObject &faults);
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
    QProcessEnvironment m_env = QProcessEnvironment::systemEnvironment();
};
