// SPDX-License-Identifier: GPL-3.0-or-later
// Failure detection at the plan's defaults (check interval 30 s, fall 3, rise 2, timeout 2 s):
// N real jobfirst-nodesim nodes (default 20) are checked by the engine and by HAProxy
// (`inter 30s fall 3 rise 2`) in the same run. After one interval of warm-up, node k fails at
// 2k/N of an interval. HAProxy staggers its checks of the N servers by interval/N in server
// order, so node k fails k/N of an interval after HAProxy's check of it: the N failures fall
// at N points spread over HAProxy's interval (killing node k at k/N would hit every node at
// the same point of its check, just after it). Our checks are spread by jitter; the bench
// prints where in our interval the failures fell. Prints the worst and the median time from
// failure to down, for each checker:
//   1. the node's process is killed (SIGKILL);
//   2. the node's health endpoint starts answering 500 (it still accepts connections).
// Ours runs twice on the same nodes: as the engine runs (checks and the watched idle
// connection) and with checks only, to show what each part gives. HAProxy's state is read
// from its stats socket every 100 ms, on a thread of its own.
#include "cluster/clustermanager.h"
#include "nodesimprocess.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace jobfirst;

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

template <typename Done> bool waitFor(Done done, qint64 timeoutMs)
{
    const qint64 until = nowMs() + timeoutMs;
    while (!done()) {
        if (nowMs() > until)
            return false;
        waitMs(20);
    }
    return true;
}

/// One "show servers state" through HAProxy's stats socket: server name -> srv_op_state
/// (2 running, 0 stopped). HAProxy closes the connection after a non-interactive command.
std::vector<std::pair<std::string, int>> haproxyStates(const std::string &socketPath)
{
    std::vector<std::pair<std::string, int>> states;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return states;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socketPath.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return states;
    }
    const char command[] = "show servers state nodes\n";
    [[maybe_unused]] const auto sent = ::write(fd, command, sizeof command - 1);
    QByteArray out;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
        out.append(buffer, n);
    ::close(fd);
    for (const QByteArray &line : out.split('\n')) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() > 5 && f.at(1) == "nodes")
            states.emplace_back(f.at(3).toStdString(), f.at(5).toInt());
    }
    return states;
}

struct Figures
{
    QList<qint64> times; ///< failure to down, ms, of the nodes seen down
    int missed = 0;      ///< not down by the deadline
};

Figures figures(const std::vector<qint64> &failedAt, const std::vector<qint64> &downAt)
{
    Figures f;
    for (std::size_t k = 0; k < failedAt.size(); ++k) {
        if (downAt[k] > 0)
            f.times << downAt[k] - failedAt[k];
        else
            ++f.missed;
    }
    std::sort(f.times.begin(), f.times.end());
    return f;
}

double median(const QList<qint64> &sorted)
{
    if (sorted.isEmpty())
        return 0;
    const qsizetype n = sorted.size();
    return n % 2 ? double(sorted[n / 2])
                 : (double(sorted[n / 2 - 1]) + double(sorted[n / 2])) / 2.0;
}

void print(const char *who, const Figures &f, int nodes)
{
    if (f.times.isEmpty()) {
        std::printf("  %-40s none of %d down by the deadline\n", who, nodes);
        return;
    }
    std::printf("  %-40s worst %5.1f s, median %5.1f s, best %5.1f s (%lld of %d down", who,
                double(f.times.last()) / 1000.0, median(f.times) / 1000.0,
                double(f.times.first()) / 1000.0, qlonglong(f.times.size()), nodes);
    if (f.missed)
        std::printf("; %d not down by the deadline, counted as not measured", f.missed);
    std::printf(")\n");
}

enum class Failure { Kill, Status500 };

/// One scenario on fresh nodes and fresh checkers. Returns false when something could not
/// start (the reason is printed).
bool run(Failure failure, int nodes, const QString &haproxy)
{
    ClusterConfig config; // the plan's defaults
    config.maxNodes = std::max(config.maxNodes, nodes);
    QTemporaryDir dir;
    std::vector<std::unique_ptr<NodeSimProcess>> sims;
    for (int k = 0; k < nodes; ++k) {
        sims.push_back(std::make_unique<NodeSimProcess>());
        if (!sims.back()->start(QStringLiteral("n%1").arg(k))) {
            std::printf("cannot start jobfirst-nodesim\n");
            return false;
        }
    }

    // Ours, twice: as the engine runs, and with checks only.
    struct Ours
    {
        std::unique_ptr<Store> store;
        std::unique_ptr<ClusterManager> cluster;
        std::vector<qint64> downAt;
    };
    Ours ours[2];
    for (int variant = 0; variant < 2; ++variant) {
        Ours &o = ours[variant];
        auto store = Store::open(dir.filePath(QStringLiteral("ours%1.db").arg(variant)));
        if (!store) {
            std::printf("cannot open a store: %s\n", qPrintable(store.error().message));
            return false;
        }
        o.store = std::move(store).value();
        o.cluster = std::make_unique<ClusterManager>(o.store.get(), config);
        o.cluster->healthChecker()->setWatchConnections(variant == 0);
        o.downAt.assign(static_cast<std::size_t>(nodes), 0);
        for (int k = 0; k < nodes; ++k) {
            NodeSpec spec;
            spec.id = QStringLiteral("n%1").arg(k);
            spec.url = sims[std::size_t(k)]->url();
            if (auto r = o.cluster->registerNode(spec, QStringLiteral("bench")); !r) {
                std::printf("cannot register %s: %s\n", qPrintable(spec.id),
                            qPrintable(r.error().message));
                return false;
            }
        }
        QObject::connect(o.cluster.get(), &ClusterManager::healthChanged, o.cluster.get(),
                         [&o](const HealthEvent &e) {
                             const std::size_t k = std::size_t(e.nodeId.mid(1).toInt());
                             if (e.to == HealthState::Down && o.downAt[k] == 0)
                                 o.downAt[k] = e.timestamp;
                         });
        o.cluster->start();
    }

    // HAProxy on the same nodes.
    const std::string socketPath = dir.filePath(QStringLiteral("hp.sock")).toStdString();
    QString servers;
    for (int k = 0; k < nodes; ++k)
        servers += QStringLiteral("  server n%1 127.0.0.1:%2 check inter 30s fall 3 rise 2\n")
                       .arg(k)
                       .arg(sims[std::size_t(k)]->port());
    QFile cfg(dir.filePath(QStringLiteral("haproxy.cfg")));
    cfg.open(QIODevice::WriteOnly);
    cfg.write(
        QStringLiteral("global\n  stats socket %1 mode 600 level admin\n"
                       "defaults\n  mode http\n  timeout connect 2s\n  timeout server 2s\n"
                       "  timeout client 5s\n  timeout check 2s\n  option httpchk GET /health\n"
                       "backend nodes\n%2")
            .arg(QString::fromStdString(socketPath), servers)
            .toUtf8());
    cfg.close();
    QProcess hp;
    hp.setProcessChannelMode(QProcess::MergedChannels);
    hp.setStandardOutputFile(
        dir.filePath(QStringLiteral("haproxy.log"))); // "Server n0 is DOWN", ...
    hp.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), cfg.fileName()});
    if (!hp.waitForStarted(5000)) {
        std::printf("haproxy did not start: %s\n", qPrintable(hp.errorString()));
        return false;
    }
    std::vector<std::atomic<qint64>> failedAt(static_cast<std::size_t>(nodes));
    std::vector<std::atomic<qint64>> hpDownAt(static_cast<std::size_t>(nodes));
    std::atomic_int hpUp{0};
    std::atomic_bool stop{false};
    std::thread poller([&] {
        while (!stop) {
            const qint64 now = nowMs();
            int up = 0;
            for (const auto &[name, state] : haproxyStates(socketPath)) {
                const std::size_t k = std::size_t(std::stoi(name.substr(1)));
                up += state == 2;
                if (state != 2 && failedAt[k] > 0 && hpDownAt[k] == 0)
                    hpDownAt[k] = now;
            }
            hpUp = up;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });

    const bool ready = waitFor(
        [&] {
            if (hpUp != nodes)
                return false;
            for (const Ours &o : ours)
                if (o.cluster->stats().activeNodes != nodes)
                    return false;
            return ours[0].cluster->healthChecker()->watchedConnections() == nodes;
        },
        20000);
    if (!ready) {
        QFile log(dir.filePath(QStringLiteral("haproxy.log")));
        log.open(QIODevice::ReadOnly);
        std::printf("not every node came up within 20 s (haproxy sees %d, ours %d and %d)\n%s\n",
                    int(hpUp), ours[0].cluster->stats().activeNodes,
                    ours[1].cluster->stats().activeNodes, log.readAll().right(2000).constData());
        stop = true;
        poller.join();
        return false;
    }
    // One interval of warm-up: both checkers in their steady rhythm before anything fails.
    waitMs(int(config.healthCheckIntervalMs));

    const qint64 spacing = config.healthCheckIntervalMs / nodes;
    const qint64 start = nowMs();
    QList<qint64> sinceOurCheck;
    for (int k = 0; k < nodes; ++k) {
        const qint64 due = start + 2 * k * spacing;
        if (due > nowMs())
            waitMs(int(due - nowMs()));
        const QString id = QStringLiteral("n%1").arg(k);
        sinceOurCheck << nowMs() - ours[0].cluster->node(id)->lastCheckAt;
        if (failure == Failure::Kill) {
            failedAt[std::size_t(k)] = nowMs();
            sims[std::size_t(k)]->kill();
        } else {
            sims[std::size_t(k)]->control(QJsonObject{{QStringLiteral("status"), 500}});
            failedAt[std::size_t(k)] = nowMs(); // from the moment the node answers 500
        }
    }
    // HAProxy needs up to three intervals after the last failure (fastinter is inter).
    const qint64 deadline = nowMs() + 3 * config.healthCheckIntervalMs + 10000;
    waitFor(
        [&] {
            for (int k = 0; k < nodes; ++k)
                if (hpDownAt[std::size_t(k)] == 0 || ours[0].downAt[std::size_t(k)] == 0 ||
                    ours[1].downAt[std::size_t(k)] == 0)
                    return false;
            return true;
        },
        deadline - nowMs());
    stop = true;
    poller.join();
    hp.terminate();
    hp.waitForFinished(5000);

    std::vector<qint64> failed(static_cast<std::size_t>(nodes)),
        hpDown(static_cast<std::size_t>(nodes));
    for (int k = 0; k < nodes; ++k) {
        failed[std::size_t(k)] = failedAt[std::size_t(k)];
        hpDown[std::size_t(k)] = hpDownAt[std::size_t(k)];
    }
    std::sort(sinceOurCheck.begin(), sinceOurCheck.end());
    std::printf("%s at %d points spread over the %lld s interval (%.1f-%.1f s after our last "
                "check of the node; one every %.1f s after haproxy's):\n",
                failure == Failure::Kill ? "process killed (SIGKILL)"
                                         : "health endpoint answers 500",
                nodes, qlonglong(config.healthCheckIntervalMs / 1000),
                double(sinceOurCheck.first()) / 1000.0, double(sinceOurCheck.last()) / 1000.0,
                double(spacing) / 1000.0);
    const Figures engine = figures(failed, ours[0].downAt);
    const Figures checksOnly = figures(failed, ours[1].downAt);
    const Figures peer = figures(failed, hpDown);
    print("ours (checks and watched connection):", engine, nodes);
    print("ours (checks only):", checksOnly, nodes);
    print("peer: haproxy inter 30s fall 3 rise 2:", peer, nodes);
    if (!engine.times.isEmpty() && !peer.times.isEmpty())
        std::printf("  ratio ours/haproxy: worst %.2fx, median %.2fx\n",
                    double(engine.times.last()) / double(peer.times.last()),
                    median(engine.times) / median(peer.times));
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int nodes = argc > 1 ? std::max(2, QString::fromLocal8Bit(argv[1]).toInt()) : 20;
    std::printf("command: build/bench/bench_detection %d\n", nodes);
    const ClusterConfig c;
    ClusterManager probe(nullptr, c);
    std::printf("settings: the plan's defaults: interval %lld s, fall %d, rise %d, timeout %lld "
                "s, fast interval %lld s, jitter %d%% (ours checks an up node every %.1f-%.1f "
                "s so that fall checks fit in the interval); haproxy: inter 30s fall 3 rise 2, "
                "timeout check 2s\n",
                qlonglong(c.healthCheckIntervalMs / 1000), c.fall, c.rise,
                qlonglong(c.healthCheckTimeoutMs / 1000), qlonglong(c.fastIntervalMs / 1000),
                c.checkJitterPercent,
                double(probe.steadyCheckIntervalMs()) * (100 - c.checkJitterPercent) / 100000.0,
                double(probe.steadyCheckIntervalMs()) / 1000.0);
    const QString haproxy = QStandardPaths::findExecutable(
        QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
    if (haproxy.isEmpty()) {
        std::printf("haproxy not installed (bench/run installs it)\n");
        return 1;
    }
    if (!run(Failure::Kill, nodes, haproxy))
        return 1;
    if (!run(Failure::Status500, nodes, haproxy))
        return 1;
    return 0;
}
