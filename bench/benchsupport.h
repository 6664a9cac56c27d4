// SPDX-License-Identifier: GPL-3.0-or-later
// Small pieces the benchmarks share: CPU time of a process, waiting for a future or a while
// with the event loop running, and the options of an engine that only prepares a store.
#pragma once

#include "host/engineoptions.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QFuture>
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
