// SPDX-License-Identifier: GPL-3.0-or-later
// Small pieces the benchmarks share: CPU time of a process, of its threads by name and of a
// PostgreSQL server, waiting for a future or a while with the event loop running, and the
// options of an engine that only prepares a store.
#pragma once

#include "host/engineoptions.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFuture>
#include <QMap>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>

namespace bench {

/// utime + stime of this process, in seconds.
inline double ownCpuSeconds()
{
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// utime + stime of another process, in seconds, from /proc/<pid>/stat (0 when it is gone).
/// Fields are counted after the command name's ")", which may itself hold spaces.
inline double cpuSecondsOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return double(fields[11].toLongLong() + fields[12].toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

/// CPU seconds of the threads of process `pid` (0: this process) by thread name ("jf-outbox":
/// an outbox writer; "jf-pg-writer": its PostgreSQL connections' threads), from /proc's tasks.
inline QMap<QByteArray, double> threadCpuByName(qint64 pid)
{
    const QString tasks =
        pid > 0 ? QStringLiteral("/proc/%1/task").arg(pid) : QStringLiteral("/proc/self/task");
    QMap<QByteArray, double> cpu;
    for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + u'/' + tid + QStringLiteral("/comm"));
        QFile stat(tasks + u'/' + tid + QStringLiteral("/stat"));
        if (!comm.open(QIODevice::ReadOnly) || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() >= 13)
            cpu[comm.readAll().trimmed()] +=
                double(fields[11].toLongLong() + fields[12].toLongLong()) /
                double(sysconf(_SC_CLK_TCK));
    }
    return cpu;
}

/// CPU seconds of the threads of process `pid` (0: this process) named `name`.
inline double threadCpuSeconds(qint64 pid, const QByteArray &name)
{
    return threadCpuByName(pid).value(name);
}

/// The parent process id of `pid` (0 when it is gone).
inline qint64 parentOf(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = f.readAll();
    return line.mid(line.lastIndexOf(')') + 2).split(' ').value(1).toLongLong();
}

/// CPU seconds of a PostgreSQL server: its postmaster with the server processes that ended
/// (which it waited for), and the server processes running now (its children).
inline double serverCpuSeconds(qint64 postmaster)
{
    if (postmaster <= 0)
        return 0;
    QFile f(QStringLiteral("/proc/%1/stat").arg(postmaster));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = f.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    double total = fields.size() > 14 ? double(fields[13].toLongLong() + fields[14].toLongLong()) /
                                            double(sysconf(_SC_CLK_TCK))
                                      : 0;
    total += cpuSecondsOf(postmaster);
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool number = false;
        const qint64 pid = entry.toLongLong(&number);
        if (number && parentOf(pid) == postmaster)
            total += cpuSecondsOf(pid);
    }
    return total;
}

/// The future's result, with this thread's event loop running meanwhile.
template <typename T> T await(QFuture<T> f)
{
    while (!f.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return f.result();
}

/// Runs the event loop for `ms`.
inline void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

/// An engine that prepares a store for a daemon (nodes, tokens, targets) and does nothing else:
/// no deliveries, no health checks, no snapshots.
inline jobfirst::EngineOptions setupOptions(const QString &db, const QString &config)
{
    jobfirst::EngineOptions o;
    o.dbPath = db;
    o.configPath = config;
    o.deliver = false;
    o.healthChecks = false;
    o.refreshMs = 0;
    return o;
}

} // namespace bench
