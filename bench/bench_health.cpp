// SPDX-License-Identifier: GPL-3.0-or-later
// Health checking 1,000 loopback nodes (one nginx listening on 1,000 ports) at a 1 s
// interval: CPU used and the burstiest 100 ms window, next to HAProxy checking the same
// 1,000 ports in the same run. Then time from killing a node to it being marked down, ours
// and HAProxy's, with inter 1s, fall 3.
#include "benchsupport.h"
#include "cluster/clustermanager.h"
#include "cluster/healthchecker.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLocalSocket>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>

#include <cstdio>
#include <vector>

using namespace jobfirst;
using bench::cpuSecondsOf;

namespace {

int Nodes = 1000;
QString g_dir;
int g_base = 0;

double cpuSecondsSelf()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void waitMs(int ms)
{
    // A real event loop: a processEvents() spin would be the CPU figure instead of the checker.
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

QString haproxyBin() { return QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")}); }

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
    std::printf("command: build/bench/bench_health %d\n", Nodes);
    QTemporaryDir dir;
    g_dir = dir.path();
    // Below the kernel's ephemeral range (32768+), where a port may be taken by any connection.
    g_base = 20000 + 1000 * int(QCoreApplication::applicationPid() % 10);
    const QString nginxBin = QStandardPaths::findExecutable(QStringLiteral("nginx"), {QStringLiteral("/usr/sbin")});
    if (nginxBin.isEmpty()) {
        std::printf("nginx not installed (bench/run installs it)\n");
        return 1;
    }
    QString listens;
    for (int i = 0; i < Nodes; ++i)
        listens += QStringLiteral("listen 127.0.0.1:%1;\n").arg(g_base + i);
    QFile conf(g_dir + QStringLiteral("/nginx.conf"));
    conf.open(QIODevice::WriteOnly);
    conf.write(QStringLiteral("worker_processes 1; worker_rlimit_nofile 20000; daemon off; pid %1/nginx.pid; error_log %1/nginx.err;\n"
                              "events { worker_connections 10000; }\nhttp { access_log off; server {\n%2 location / { return 200 'ok'; } } }\n")
                   .arg(g_dir, listens).toUtf8());
    conf.close();
    QProcess nginx;
    nginx.start(nginxBin, {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), g_dir});
    if (!nginx.waitForStarted(5000) || nginx.waitForFinished(800)) {
        std::printf("nginx did not start: %s\n", nginx.readAllStandardError().constData());
        return 1;
    }
    // Binding a thousand ports takes a while: wait until the last one answers, or say why not.
    bool listening = false;
    for (int i = 0; i < 100 && !listening && nginx.state() == QProcess::Running; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QStringLiteral("127.0.0.1"), quint16(g_base + Nodes - 1));
        listening = probe.waitForConnected(100);
        if (!listening)
            QThread::msleep(100);
    }
    if (!listening) {
        QFile err(g_dir + QStringLiteral("/nginx.err"));
        err.open(QIODevice::ReadOnly);
        std::printf("nginx is not listening on its %d ports: %s\n", Nodes, err.readAll().right(500).constData());
        return 1;
    }

    // Ours.
    const int measureS = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0 ? qEnvironmentVariableIntValue("BENCH_SECONDS") : 20;
    double ourCpu = 0, ourBurst = 0;
    {
        HealthChecker checker;
        checker.setTimeoutMs(900);
        checker.setJitterPercent(10);
        checker.setIntervalPolicy([](const QString &) { return qint64(1000); });
        qint64 ok = 0, failed = 0;
        QString firstFailure;
        QObject::connect(&checker, &HealthChecker::checkFinished, &checker, [&](const CheckResult &r) {
            (r.outcome == CheckOutcome::Ok ? ok : failed)++;
            if (r.outcome != CheckOutcome::Ok && firstFailure.isEmpty())
                firstFailure = r.detail;
        });
        for (int i = 0; i < Nodes; ++i)
            checker.setNode(QStringLiteral("n%1").arg(i), QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(g_base + i)), 1000);
        checker.start();
        waitMs(3000); // connections open, schedule settles
        std::vector<qint64> windows;
        qint64 last = checker.checksStarted();
        QTimer sampler;
        sampler.setTimerType(Qt::PreciseTimer);
        QObject::connect(&sampler, &QTimer::timeout, &checker, [&] {
            const qint64 now = checker.checksStarted();
            windows.push_back(now - last);
            last = now;
        });
        const double cpu0 = cpuSecondsSelf();
        QElapsedTimer wall;
        wall.start();
        sampler.start(100);
        waitMs(measureS * 1000);
        sampler.stop();
        ourCpu = (cpuSecondsSelf() - cpu0) / (double(wall.nsecsElapsed()) / 1e9);
        double sum = 0, max = 0;
        for (qint64 w : windows) {
            sum += double(w);
            max = std::max(max, double(w));
        }
        const double mean = sum / double(windows.size());
        ourBurst = max / mean;
        std::printf("ours:    %d nodes at 1 s: %.1f%% of one core; checks per 100 ms: mean %.1f, max %.0f (%.2fx); %lld ok, %lld failed\n",
                    Nodes, ourCpu * 100, mean, max, ourBurst, ok, failed);
        if (!firstFailure.isEmpty())
            std::printf("         first failure: %s\n", qPrintable(firstFailure));
        checker.stop();
    }

    // HAProxy on the same ports.
    const QString haproxy = haproxyBin();
    if (!haproxy.isEmpty()) {
        QString servers;
        for (int i = 0; i < Nodes; ++i)
            servers += QStringLiteral("  server s%1 127.0.0.1:%2 check inter 1s fall 3 rise 2\n").arg(i).arg(g_base + i);
        QFile hc(g_dir + QStringLiteral("/haproxy.cfg"));
        hc.open(QIODevice::WriteOnly);
        hc.write(QStringLiteral("global\n  maxconn 4000\n  stats socket %1/haproxy.sock mode 600 level admin\n"
                                "defaults\n  mode http\n  timeout connect 900ms\n  timeout server 900ms\n  timeout client 5s\n  timeout check 900ms\n"
                                "  option httpchk GET /health\nbackend nodes\n%2")
                     .arg(g_dir, servers).toUtf8());
        hc.close();
        QProcess hp;
        hp.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), hc.fileName()});
        QThread::msleep(3000);
        const double c0 = cpuSecondsOf(hp.processId());
        QElapsedTimer wall;
        wall.start();
        QThread::sleep(measureS);
        const double hpCpu = (cpuSecondsOf(hp.processId()) - c0) / (double(wall.nsecsElapsed()) / 1e9);
        std::printf("peer:    haproxy -db -f haproxy.cfg (%d servers, check inter 1s): %.1f%% of one core\n", Nodes, hpCpu * 100);
        if (hpCpu > 0)
            std::printf("ratio ours/haproxy CPU: %.2fx\n", ourCpu / hpCpu);
        else
            std::printf("haproxy used no CPU: it did not run its checks (see its output above); no ratio\n");
        hp.terminate();
        hp.waitForFinished();
    } else {
        std::printf("haproxy not installed: no peer figure (bench/run installs it)\n");
    }
    nginx.terminate();
    nginx.waitForFinished();

    // Kill to down, inter 1s, fall 3: ours, then HAProxy's on the same kind of node.
    const QString nodesim = QCoreApplication::applicationDirPath() + QStringLiteral("/../app/nodesim/jobfirst-nodesim");
    const int port = g_base + 1500;
    auto startNode = [&](QProcess &p) {
        p.start(nodesim, {QStringLiteral("--port"), QString::number(port)});
        p.waitForReadyRead(5000);
    };
    {
        auto store = std::move(Store::open(g_dir + QStringLiteral("/k.db"))).value();
        ClusterConfig c;
        c.healthCheckIntervalMs = 1000;
        c.fastIntervalMs = 1000;
        c.healthCheckTimeoutMs = 900;
        c.checkJitterPercent = 0;
        c.fall = 3;
        ClusterManager cluster(store.get(), c);
        cluster.registerNode(NodeSpec{QStringLiteral("k"), QStringLiteral("http://127.0.0.1:%1").arg(port)}, QStringLiteral("bench"));
        QList<double> times;
        for (int round = 0; round < 3; ++round) {
            QProcess node;
            startNode(node);
            cluster.start();
            while (cluster.node(QStringLiteral("k"))->health != HealthState::Up)
                waitMs(10);
            waitMs(300 + 250 * round); // kill at different points of the interval
            QElapsedTimer t;
            t.start();
            node.kill();
            node.waitForFinished();
            while (cluster.node(QStringLiteral("k"))->health == HealthState::Up)
                waitMs(5);
            times << double(t.elapsed());
            cluster.stop();
            waitMs(50);
            store->saveHealthState(QStringLiteral("k"), HealthState::Unknown, 0);
            cluster.load();
        }
        std::printf("ours:    kill to down (inter 1s, fall 3): %.0f / %.0f / %.0f ms\n", times[0], times[1], times[2]);
    }
    if (!haproxy.isEmpty()) {
        QFile hc(g_dir + QStringLiteral("/haproxy1.cfg"));
        hc.open(QIODevice::WriteOnly);
        hc.write(QStringLiteral("global\n  stats socket %1/hp1.sock mode 600 level admin\ndefaults\n  mode http\n  timeout connect 900ms\n"
                                "  timeout server 900ms\n  timeout client 5s\n  timeout check 900ms\n  option httpchk GET /health\n"
                                "backend nodes\n  server k 127.0.0.1:%2 check inter 1s fall 3 rise 2\n")
                     .arg(g_dir).arg(port).toUtf8());
        hc.close();
        auto serverUp = [&]() -> int {
            QLocalSocket s;
            s.connectToServer(g_dir + QStringLiteral("/hp1.sock"));
            if (!s.waitForConnected(500))
                return -1;
            s.write("show servers state nodes\n");
            s.waitForBytesWritten(500);
            QByteArray out;
            while (s.waitForReadyRead(200))
                out += s.readAll();
            for (const QByteArray &line : out.split('\n'))
                if (line.contains(" k "))
                    return line.split(' ').value(5).toInt(); // srv_op_state: 2 running, 0 stopped
            return -1;
        };
        QList<double> times;
        for (int round = 0; round < 3; ++round) {
            QProcess node;
            startNode(node);
            QProcess hp;
            hp.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), hc.fileName()});
            QThread::msleep(300);
            while (serverUp() != 2)
                QThread::msleep(10);
            QThread::msleep(300 + 250 * round);
            QElapsedTimer t;
            t.start();
            node.kill();
            node.waitForFinished();
            while (serverUp() == 2)
                QThread::msleep(5);
            times << double(t.elapsed());
            hp.terminate();
            hp.waitForFinished();
        }
        std::printf("peer:    haproxy kill to down (inter 1s, fall 3): %.0f / %.0f / %.0f ms\n", times[0], times[1], times[2]);
    }
    return 0;
}
