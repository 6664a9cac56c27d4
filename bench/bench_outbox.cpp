// SPDX-License-Identifier: GPL-3.0-or-later
// Durable enqueue rate: concurrent callers, each call returns once its event is on disk
// (SQLite WAL, synchronous=FULL, group commit). Peer in the same run: redis-benchmark LPUSH
// against redis-server with appendfsync always, same client count.
#include "sync/outboxwriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace jobfirst;

namespace {

double ourRate(const QString &dir, int clients, double seconds)
{
    OutboxWriter writer(dir + QStringLiteral("/bench-%1.db").arg(clients));
    if (!writer.start(1000000000)) {
        std::fprintf(stderr, "cannot start the outbox\n");
        return 0;
    }
    std::atomic<long> done{0};
    std::atomic_bool stop{false};
    std::vector<std::thread> threads;
    QElapsedTimer t;
    t.start();
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            long i = 0;
            while (!stop.load()) {
                SyncEvent e;
                e.type = QStringLiteral("user.updated");
                e.userId = QStringLiteral("u%1-%2").arg(c).arg(i++);
                e.data = {{QStringLiteral("email"), QStringLiteral("someone@jobfirst.cn")}};
                if (writer.write({OutboxItem{e, {QStringLiteral("user-service")}, 0, false, {}, {}}}))
                    ++done;
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto &th : threads)
        th.join();
    const double rate = double(done.load()) / (double(t.nsecsElapsed()) / 1e9);
    std::printf("outbox enqueue, %2d concurrent callers: %8.0f durable events/s (%lld commits)\n", clients, rate,
                qint64(writer.commits.load()));
    return rate;
}

double redisRate(const QString &dir, int clients)
{
    const QString server = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    const QString bench = QStandardPaths::findExecutable(QStringLiteral("redis-benchmark"));
    if (server.isEmpty() || bench.isEmpty()) {
        std::printf("redis-server/redis-benchmark not installed: no peer figure (bench/run installs them)\n");
        return 0;
    }
    const QString port = QString::number(20000 + QCoreApplication::applicationPid() % 20000);
    QProcess redis;
    redis.start(server, {QStringLiteral("--port"), port, QStringLiteral("--dir"), dir, QStringLiteral("--appendonly"), QStringLiteral("yes"),
                         QStringLiteral("--appendfsync"), QStringLiteral("always"), QStringLiteral("--save"), QString()});
    redis.waitForStarted();
    QProcess::execute(QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("for i in $(seq 50); do redis-cli -p %1 ping >/dev/null 2>&1 && break; sleep 0.1; done").arg(port)});
    QProcess b;
    const QStringList args{QStringLiteral("-p"), port, QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("lpush"),
                           QStringLiteral("-n"), QStringLiteral("100000"), QStringLiteral("-c"), QString::number(clients)};
    std::printf("peer command: redis-server --appendonly yes --appendfsync always; redis-benchmark %s\n", qPrintable(args.join(u' ')));
    b.start(bench, args);
    b.waitForFinished(300000);
    redis.terminate();
    redis.waitForFinished();
    const QString out = QString::fromUtf8(b.readAllStandardOutput());
    static const QRegularExpression re(QStringLiteral("LPUSH: ([0-9.]+) requests per second"));
    const auto m = re.match(out);
    const double rate = m.hasMatch() ? m.captured(1).toDouble() : 0;
    std::printf("redis LPUSH, appendfsync always, %2d clients:  %8.0f writes/s\n", clients, rate);
    return rate;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    std::printf("command: build/bench/bench_outbox\n");
    QTemporaryDir dir;
    for (int clients : {1, 50}) {
        const double ours = ourRate(dir.path(), clients, 5.0);
        const double redis = redisRate(dir.path(), clients);
        if (redis > 0)
            std::printf("ratio outbox/redis at %d clients: %.2fx\n\n", clients, ours / redis);
    }
    return 0;
}
