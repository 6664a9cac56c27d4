// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API's live stream: what 20 connected consoles cost jobfirstd (1,000 nodes, a
// snapshot a second to each), and how soon a node's state change reaches a connected console.
#include "api/localenginesession.h"
#include "remote/remoteenginesession.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>

using namespace jobfirst;

namespace {

double cpuSecondsOf(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> f = stat.readAll().split(' ');
    return (f.value(13).toDouble() + f.value(14).toDouble()) / double(sysconf(_SC_CLK_TCK));
}

void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

template <typename T>
T await(QFuture<T> f)
{
    while (!f.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return f.result();
}

double cpuShare(qint64 pid, int seconds)
{
    const double c0 = cpuSecondsOf(pid);
    QElapsedTimer wall;
    wall.start();
    waitMs(seconds * 1000);
    return (cpuSecondsOf(pid) - c0) / (double(wall.nsecsElapsed()) / 1e9);
}

bool post(const QString &url, const QByteArray &body)
{
    QNetworkAccessManager nam;
    QNetworkRequest r{QUrl(url)};
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = nam.post(r, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    return reply->error() == QNetworkReply::NoError;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    const int nodes = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 1000;
    const int consoles = 20;
    const int seconds = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0 ? qEnvironmentVariableIntValue("BENCH_SECONDS") : 30;
    const int changes = qEnvironmentVariableIntValue("BENCH_CHANGES") > 0 ? qEnvironmentVariableIntValue("BENCH_CHANGES") : 100;
    std::printf("command: build/bench/bench_stream %d   (BENCH_SECONDS=%d BENCH_CHANGES=%d)\n", nodes, seconds, changes);
    QTemporaryDir dir;
    const QString bin = QCoreApplication::applicationDirPath();
    const int base = 31000 - nodes - 1000 * int(QCoreApplication::applicationPid() % 4);

    // 1,000 healthy nodes (one nginx on 1,000 ports), and one nodesim whose health we flip.
    QString listens;
    for (int i = 0; i < nodes; ++i)
        listens += QStringLiteral("listen 127.0.0.1:%1;\n").arg(base + i);
    QFile conf(dir.filePath(QStringLiteral("nginx.conf")));
    conf.open(QIODevice::WriteOnly);
    conf.write(QStringLiteral("worker_processes 1; worker_rlimit_nofile 20000; daemon off; pid %1/nginx.pid; error_log %1/nginx.err;\n"
                              "events { worker_connections 10000; }\nhttp { access_log off; server {\n%2 location / { return 200 'ok'; } } }\n")
                   .arg(dir.path(), listens)
                   .toUtf8());
    conf.close();
    QProcess nginx;
    nginx.start(QStringLiteral("/usr/sbin/nginx"), {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), dir.path()});
    QProcess sim;
    sim.start(bin + QStringLiteral("/../app/nodesim/jobfirst-nodesim"), {QStringLiteral("--id"), QStringLiteral("flip")});
    sim.waitForReadyRead(5000);
    const auto simPort = QRegularExpression(QStringLiteral("127.0.0.1:(\\d+)")).match(QString::fromUtf8(sim.readAllStandardOutput())).captured(1);
    QThread::msleep(1500);

    const QString db = dir.filePath(QStringLiteral("c.db"));
    const QString config = dir.filePath(QStringLiteral("c.json"));
    {
        // The flipped node is checked every 100 ms and changes state on one check; the others
        // at the plan's 30 s.
        QFile c(config);
        c.open(QIODevice::WriteOnly);
        // The plan's 30 s interval; the flipped node changes state on one check, asked for
        // with "check now" right after each flip.
        c.write(R"({"max_nodes": 10000, "targets": [], "rise": 1, "fall": 1})");
    }
    QByteArray token, operatorToken;
    {
        LocalEngineSession setup(QStringLiteral("bench"));
        EngineOptions o;
        o.dbPath = db;
        o.configPath = config;
        o.deliver = false;
        o.healthChecks = false;
        o.refreshMs = 0;
        await(setup.start(o));
        for (int i = 0; i < nodes; ++i)
            await(setup.addNode(NodeSpec{QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0')), QStringLiteral("http://127.0.0.1:%1").arg(base + i)}));
        await(setup.addNode(NodeSpec{QStringLiteral("flip"), QStringLiteral("http://127.0.0.1:%1").arg(simPort)}));
        token = await(setup.createToken(QStringLiteral("bench"), Role::Viewer, {})).value().secret.toLatin1();
        operatorToken = await(setup.createToken(QStringLiteral("flipper"), Role::Operator, {})).value().secret.toLatin1();
        setup.stop();
    }
    QProcess daemon;
    daemon.start(bin + QStringLiteral("/../app/daemon/jobfirstd"),
                 {QStringLiteral("--db"), db, QStringLiteral("--config"), config, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    daemon.waitForReadyRead(10000);
    const auto m = QRegularExpression(QStringLiteral("listening [^:]+:(\\d+)")).match(QString::fromUtf8(daemon.readAllStandardOutput()));
    if (!m.hasMatch()) {
        std::printf("jobfirstd did not start\n");
        return 1;
    }
    const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(m.captured(1)));
    waitMs(35000); // first checks done, schedule settled

    const double idle = cpuShare(daemon.processId(), seconds);
    std::vector<std::unique_ptr<RemoteEngineSession>> sessions;
    qint64 snapshots = 0;
    for (int i = 0; i < consoles; ++i) {
        auto s = std::make_unique<RemoteEngineSession>(RemoteOptions{url, token, {}});
        QObject::connect(s.get(), &EngineSession::snapshot, s.get(), [&snapshots] { ++snapshots; });
        await(s->connectToEngine());
        sessions.push_back(std::move(s));
    }
    waitMs(3000);
    const qint64 before = snapshots;
    const double streaming = cpuShare(daemon.processId(), seconds);
    std::printf("jobfirstd CPU, %d nodes: %.2f%% of one core with no console, %.2f%% with %d consoles streaming "
                "(%lld snapshots received in %d s): +%.2f%% (target <= +5%%)\n",
                nodes + 1, idle * 100, streaming * 100, consoles, snapshots - before, seconds, (streaming - idle) * 100);

    // State changes: flip the node's health and time each change to the first console.
    std::vector<double> latencies;
    QObject::connect(sessions.front().get(), &EngineSession::healthChanged, &app, [&](const HealthEvent &e) {
        if (e.nodeId == QStringLiteral("flip"))
            latencies.push_back(double(QDateTime::currentMSecsSinceEpoch() - e.timestamp));
    });
    const QString control = QStringLiteral("http://127.0.0.1:%1/control").arg(simPort);
    RemoteEngineSession flipper(RemoteOptions{url, operatorToken, {}});
    await(flipper.connectToEngine(false));
    for (int i = 0; i < changes; ++i) {
        const std::size_t seen = latencies.size();
        post(control, i % 2 == 0 ? QByteArray(R"({"status": 503})") : QByteArray(R"({"status": 0})"));
        flipper.checkNodes({QStringLiteral("flip")});
        QElapsedTimer wait;
        wait.start();
        while (latencies.size() == seen && wait.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    std::sort(latencies.begin(), latencies.end());
    if (!latencies.empty()) {
        const auto pct = [&](double p) { return latencies[std::min(latencies.size() - 1, std::size_t(p * double(latencies.size())))]; };
        std::printf("node state change -> connected console (engine's transition time to arrival), %zu changes: "
                    "p50 %.0f ms, p99 %.0f ms, max %.0f ms (target p99 <= 200 ms)\n",
                    latencies.size(), pct(0.5), pct(0.99), latencies.back());
    }
    sessions.clear();
    ::kill(pid_t(daemon.processId()), SIGTERM);
    daemon.waitForFinished(30000);
    sim.terminate();
    sim.waitForFinished();
    nginx.terminate();
    nginx.waitForFinished();
    return 0;
}
