// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd with 1,000 nodes (one nginx listening on 1,000 ports): its CPU and memory when
// idle with the plan's 30 s check interval, then the admin API's read rate
// (GET /api/v1/nodes, wrk, 32 connections) next to nginx serving the same bytes as a file.
#include "api/localenginesession.h"
#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

using namespace jobfirst;
using bench::await;
using bench::cpuSecondsOf;
using bench::waitMs;

namespace {

int Nodes = 1000;

double rssMiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return 0;
}

/// Requests per second that `wrk` reports for a GET of url with the token in a header.
double wrk(const QString &dir, const QString &url, const QByteArray &token, int seconds)
{
    // The token goes in through a script, not the command line (ps shows command lines).
    QFile script(dir + QStringLiteral("/auth.lua"));
    script.open(QIODevice::WriteOnly);
    script.write("wrk.headers[\"Authorization\"] = \"Bearer " + token + "\"\n");
    script.close();
    QProcess p;
    p.start(QStringLiteral("wrk"), {QStringLiteral("-t2"), QStringLiteral("-c32"), QStringLiteral("-d%1s").arg(seconds),
                                    QStringLiteral("-s"), script.fileName(), url});
    p.waitForFinished(seconds * 1000 + 30000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const auto m = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
    const auto errors = QRegularExpression(QStringLiteral("Non-2xx or 3xx responses: (\\d+)")).match(out);
    if (errors.hasMatch())
        std::printf("         (wrk saw %s non-2xx answers from %s)\n", qPrintable(errors.captured(1)), qPrintable(url));
    return m.hasMatch() ? m.captured(1).toDouble() : 0;
}

bool waitForPort(int port)
{
    for (int i = 0; i < 100; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
        if (probe.waitForConnected(100))
            return true;
        QThread::msleep(100);
    }
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    if (argc > 1)
        Nodes = QString::fromLocal8Bit(argv[1]).toInt();
    const int idleSeconds = qEnvironmentVariableIntValue("BENCH_IDLE_SECONDS") > 0 ? qEnvironmentVariableIntValue("BENCH_IDLE_SECONDS") : 60;
    const int wrkSeconds = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0 ? qEnvironmentVariableIntValue("BENCH_SECONDS") : 10;
    std::printf("command: build/bench/bench_daemon %d   (BENCH_IDLE_SECONDS=%d BENCH_SECONDS=%d)\n", Nodes, idleSeconds, wrkSeconds);
    QTemporaryDir dir;
    const QString bin = QCoreApplication::applicationDirPath();
    const int base = 23000 + 1000 * int(QCoreApplication::applicationPid() % 8);
    const int staticPort = base - 1;

    // One nginx: 1,000 health endpoints, and one more port serving files (the peer).
    QString listens;
    for (int i = 0; i < Nodes; ++i)
        listens += QStringLiteral("listen 127.0.0.1:%1;\n").arg(base + i);
    QDir().mkpath(dir.filePath(QStringLiteral("www")));
    QFile conf(dir.filePath(QStringLiteral("nginx.conf")));
    conf.open(QIODevice::WriteOnly);
    conf.write(QStringLiteral("user root; worker_processes 2; worker_rlimit_nofile 20000; daemon off; pid %1/nginx.pid; error_log %1/nginx.err;\n"
                              "events { worker_connections 10000; }\nhttp { access_log off; sendfile on;\n"
                              "server {\n%2 location / { return 200 'ok'; } }\n"
                              "server { listen 127.0.0.1:%3; root %1/www; default_type application/json; }\n}\n")
                   .arg(dir.path(), listens)
                   .arg(staticPort)
                   .toUtf8());
    conf.close();
    QProcess nginx;
    nginx.start(QStringLiteral("/usr/sbin/nginx"), {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), dir.path()});
    if (!nginx.waitForStarted(5000) || !waitForPort(base + Nodes - 1) || !waitForPort(staticPort)) {
        std::printf("nginx did not start (bench/run installs it)\n");
        return 1;
    }

    // The store: 1,000 nodes added through the engine interface, and a viewer token.
    const QString db = dir.filePath(QStringLiteral("c.db"));
    const QString config = dir.filePath(QStringLiteral("c.json"));
    {
        QFile c(config);
        c.open(QIODevice::WriteOnly);
        c.write(R"({"max_nodes": 10000, "targets": []})");
    }
    QByteArray token;
    {
        LocalEngineSession setup(QStringLiteral("bench"));
        const EngineOptions o = bench::setupOptions(db, config);
        if (!await(setup.start(o)).ok())
            return 1;
        for (int i = 0; i < Nodes; ++i)
            await(setup.addNode(NodeSpec{QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0')),
                                         QStringLiteral("http://127.0.0.1:%1").arg(base + i)}));
        token = await(setup.createToken(QStringLiteral("bench"), Role::Viewer, {})).value().secret.toLatin1();
        setup.stop();
    }

    QProcess daemon;
    daemon.start(bin + QStringLiteral("/../app/daemon/jobfirstd"),
                 {QStringLiteral("--db"), db, QStringLiteral("--config"), config, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    daemon.waitForReadyRead(10000);
    const auto m = QRegularExpression(QStringLiteral("listening [^:]+:(\\d+)")).match(QString::fromUtf8(daemon.readAllStandardOutput()));
    if (!m.hasMatch()) {
        std::printf("jobfirstd did not start: %s\n", daemon.readAllStandardError().constData());
        return 1;
    }
    const int apiPort = m.captured(1).toInt();

    // Idle: every node checked every 30 s (the plan's interval), nothing else to do.
    waitMs(35000); // the first checks spread out, then the schedule settles
    const double c0 = cpuSecondsOf(daemon.processId());
    QElapsedTimer wall;
    wall.start();
    waitMs(idleSeconds * 1000);
    const double cpu = (cpuSecondsOf(daemon.processId()) - c0) / (double(wall.nsecsElapsed()) / 1e9);
    std::printf("jobfirstd idle, %d nodes checked every 30 s, over %d s: %.2f%% of one core (target <= 1%%), RSS %.1f MiB (target <= 100 MiB)\n",
                Nodes, idleSeconds, cpu * 100, rssMiB(daemon.processId()));

    // The API's read rate, and nginx serving the very same bytes as a static file.
    {
        QFile h(dir.filePath(QStringLiteral("header")));
        h.open(QIODevice::WriteOnly);
        h.write("Authorization: Bearer " + token + "\n");
    }
    QProcess curl;
    curl.start(QStringLiteral("curl"), {QStringLiteral("-s"), QStringLiteral("-o"), dir.filePath(QStringLiteral("www/nodes.json")),
                                        QStringLiteral("-H"), QStringLiteral("@") + dir.filePath(QStringLiteral("header")),
                                        QStringLiteral("http://127.0.0.1:%1/api/v1/nodes").arg(apiPort)});
    curl.waitForFinished(30000);
    const qint64 bytes = QFileInfo(dir.filePath(QStringLiteral("www/nodes.json"))).size();
    const double ours = wrk(dir.path(), QStringLiteral("http://127.0.0.1:%1/api/v1/nodes").arg(apiPort), token, wrkSeconds);
    const double peer = wrk(dir.path(), QStringLiteral("http://127.0.0.1:%1/nodes.json").arg(staticPort), token, wrkSeconds);
    std::printf("ours:    wrk -t2 -c32 -d%ds GET /api/v1/nodes (%d nodes, %lld bytes): %.0f requests/s\n", wrkSeconds, Nodes, bytes, ours);
    std::printf("peer:    wrk -t2 -c32 -d%ds nginx, the same bytes as a static file: %.0f requests/s\n", wrkSeconds, peer);
    if (peer > 0)
        std::printf("ratio ours/nginx: %.2fx (target >= 0.3x)\n", ours / peer);

    ::kill(pid_t(daemon.processId()), SIGTERM);
    daemon.waitForFinished(30000);
    nginx.terminate();
    nginx.waitForFinished();
    return 0;
}
