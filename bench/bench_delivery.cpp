// SPDX-License-Identifier: GPL-3.0-or-later
// Delivery figures against nginx sinks on loopback, each next to its peer in the same run:
//  1. rate with batching off, against wrk POSTing 512 bytes to the same nginx;
//  2. five healthy targets with a sixth black-holed (hangs), against all six healthy;
//  3. real-time enqueue-to-acknowledged latency at 1,000 events/s;
//  4. bulk migration of N users (default 1,000,000) to six targets, durable.
#include "core/secrets.h"
#include "store/store.h"
#include "sync/bulkimporter.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>

using namespace jobfirst;

namespace {

QString g_dir;
int g_basePort = 0;

bool startNginx(QProcess &nginx, int ports)
{
    const QString bin = QStandardPaths::findExecutable(QStringLiteral("nginx"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
    if (bin.isEmpty()) {
        std::printf("nginx not installed (bench/run installs nginx-light)\n");
        return false;
    }
    QString servers;
    for (int i = 0; i < ports; ++i)
        servers += QStringLiteral("server { listen 127.0.0.1:%1; location / { return 200 '{\"applied\":1}'; } }\n").arg(g_basePort + i);
    QFile conf(g_dir + QStringLiteral("/nginx.conf"));
    conf.open(QIODevice::WriteOnly);
    conf.write(QStringLiteral("worker_processes 1; daemon off; pid %1/nginx.pid; error_log %1/nginx.err;\n"
                              "events { worker_connections 8192; }\n"
                              "http { access_log off; keepalive_requests 1000000; client_body_temp_path %1;\n%2}\n")
                   .arg(g_dir, servers).toUtf8());
    conf.close();
    nginx.start(bin, {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), g_dir});
    if (!nginx.waitForStarted(5000) || nginx.waitForFinished(500)) {
        std::printf("nginx did not start: %s\n", nginx.readAllStandardError().constData());
        return false;
    }
    return true;
}

double wrkRate(int port)
{
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty())
        return 0;
    QFile lua(g_dir + QStringLiteral("/post.lua"));
    lua.open(QIODevice::WriteOnly);
    lua.write("wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", 512)\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
    lua.close();
    const QStringList args{QStringLiteral("-t1"), QStringLiteral("-c32"), QStringLiteral("-d5s"), QStringLiteral("-s"), lua.fileName(),
                           QStringLiteral("http://127.0.0.1:%1/").arg(port)};
    QProcess p;
    p.start(wrk, args);
    p.waitForFinished(60000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    static const QRegularExpression re(QStringLiteral("Requests/sec:\\s+([0-9.]+)"));
    const double rate = re.match(out).captured(1).toDouble();
    std::printf("peer: wrk %s -> %.0f requests/s\n", qPrintable(args.join(u' ')), rate);
    return rate;
}

struct Rig
{
    std::unique_ptr<Store> store;
    std::unique_ptr<SyncService> sync;
};

Rig makeRig(const QString &name, const QList<TargetConfig> &targets, int workers)
{
    Rig r;
    r.store = std::move(Store::open(g_dir + u'/' + name + QStringLiteral(".db"))).value();
    ClusterConfig c;
    c.targets = targets;
    c.syncWorkers = workers;
    c.syncTimeoutMs = 1000;
    c.maxSyncRetries = 1000;
    c.syncRetryIntervalMs = 1000;
    c.syncBacklogLimit = 100000000;
    r.sync = std::make_unique<SyncService>(r.store.get(), c);
    if (Status s = r.sync->start(true); !s) {
        std::fprintf(stderr, "bench_delivery: sync does not start: %s\n", qPrintable(s.error().message));
        std::abort();
    }
    return r;
}

// The signing secret of this run: made here, as a new config's are (none is built in).
const QString BenchSecret = generateSecret();

TargetConfig target(const QString &name, int port, const QString &secret = BenchSecret)
{
    TargetConfig t;
    t.name = name;
    t.url = QStringLiteral("http://127.0.0.1:%1/sync").arg(port);
    t.events = {QStringLiteral("user.created"), QStringLiteral("user.updated")};
    t.secret = secret;
    return t;
}

QList<SyncEvent> events(int n, int offset)
{
    QList<SyncEvent> list;
    list.reserve(n);
    for (int i = 0; i < n; ++i) {
        SyncEvent e;
        e.type = QStringLiteral("user.updated");
        e.userId = QStringLiteral("user-%1").arg(offset + i);
        e.data = {{QStringLiteral("username"), QStringLiteral("user%1").arg(offset + i)},
                  {QStringLiteral("email"), QStringLiteral("user%1@jobfirst.cn").arg(offset + i)},
                  {QStringLiteral("role"), QStringLiteral("job_seeker")}};
        list << e;
    }
    return list;
}

void enqueue(SyncService &sync, int n)
{
    for (int done = 0; done < n; done += 5000)
        if (!sync.publish(events(std::min(5000, n - done), done)))
            std::abort();
}

double cpuSeconds()
{
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Resident memory of this process (the engine runs in it), in MiB.
double rssMiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return double(line.mid(6).trimmed().split(' ').first().toLongLong()) / 1024.0;
    return 0;
}

/// Samples rssMiB() every 50 ms on a thread of its own, keeping the largest.
class RssSampler
{
public:
    RssSampler()
        : m_thread([this] {
              while (!m_stop.load()) {
                  const double now = rssMiB();
                  double peak = m_peak.load();
                  while (now > peak && !m_peak.compare_exchange_weak(peak, now)) {
                  }
                  std::this_thread::sleep_for(std::chrono::milliseconds(50));
              }
          })
    {
    }
    ~RssSampler()
    {
        m_stop = true;
        m_thread.join();
    }
    /// Largest since the last call.
    double takePeak() { return m_peak.exchange(rssMiB()); }

private:
    std::atomic_bool m_stop{false};
    std::atomic<double> m_peak{0};
    std::thread m_thread;
};

/// The machine's load average, printed with the figures: it is shared, and they depend on it.
void printLoad(const char *when)
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (f.open(QIODevice::ReadOnly))
        std::printf("load average %s: %s\n", when,
                    f.readLine().split(' ').mid(0, 3).join(' ').constData());
}

double g_cpuPerDelivery = 0; // this process's CPU time per delivery in the last drain, in µs

/// CPU seconds per thread name (BENCH_THREADS=1 prints where a drain's CPU time went).
QHash<QString, double> threadCpu()
{
    QHash<QString, double> cpu;
    const long tick = sysconf(_SC_CLK_TCK);
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const qsizetype open = line.indexOf('('), close = line.lastIndexOf(')');
        const QList<QByteArray> fields = line.mid(close + 2).split(' ');
        if (open < 0 || close < 0 || fields.size() < 13)
            continue;
        cpu[QString::fromUtf8(line.mid(open + 1, close - open - 1))] +=
            double(fields[11].toLongLong() + fields[12].toLongLong()) / double(tick);
    }
    return cpu;
}

double drainRate(SyncService &sync, const QStringList &names, qint64 perTarget)
{
    QElapsedTimer t;
    t.start();
    const double cpu = cpuSeconds();
    const QHash<QString, double> threadsBefore = threadCpu();
    for (const QString &n : names)
        sync.setTargetPaused(n, false, QStringLiteral("bench"));
    while (true) {
        // One look at the figures per turn (not one per target: stats() is not free, and
        // this thread's CPU time counts as the engine's below).
        qsizetype done = 0;
        const SyncStats stats = sync.stats();
        for (const TargetStatus &t : stats.targets)
            done += names.contains(t.name) && t.success >= perTarget ? 1 : 0;
        if (done == names.size())
            break;
        QThread::msleep(5);
    }
    g_cpuPerDelivery = (cpuSeconds() - cpu) * 1e6 / double(perTarget * names.size());
    if (qEnvironmentVariableIsSet("BENCH_THREADS")) {
        const QHash<QString, double> after = threadCpu();
        for (auto it = after.cbegin(); it != after.cend(); ++it)
            std::printf("  thread %-16s %6.1f us per delivery\n", qPrintable(it.key()),
                        (it.value() - threadsBefore.value(it.key())) * 1e6 / double(perTarget * names.size()));
    }
    return double(perTarget) * names.size() / (double(t.nsecsElapsed()) / 1e9);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int bulkUsers = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 1000000;
    std::printf("command: build/bench/bench_delivery %d\n", bulkUsers);
    printLoad("at start");
    QTemporaryDir dir;
    g_dir = dir.path();
    g_basePort = 21000 + int(QCoreApplication::applicationPid() % 1000) * 10;
    QProcess nginx;
    if (!startNginx(nginx, 6))
        return 1;

    // BENCH_ONLY=rate|six|latency|bulk runs one part (e.g. under perf).
    const QString only = qEnvironmentVariable("BENCH_ONLY");
    const auto part = [&](const char *name) { return only.isEmpty() || only == QLatin1String(name); };

    // 1. Rate with batching off, one target, against wrk on the same nginx.
    if (part("rate")) {
    const double wrk = wrkRate(g_basePort);
    // BENCH_RATE_N: deliveries of each one-target run (200,000), the six-target run's events a
    // fifth of it (to each target). BENCH_RATE_N=20000 is short enough to profile under valgrind.
    const int rateN = qEnvironmentVariableIsSet("BENCH_RATE_N")
                          ? qEnvironmentVariableIntValue("BENCH_RATE_N")
                          : 200000;
    QList<int> workerCounts{5, 32};
    if (qEnvironmentVariableIsSet("BENCH_WORKERS"))
        workerCounts = {qEnvironmentVariableIntValue("BENCH_WORKERS")};
    for (int workers : workerCounts) {
        Rig rig = makeRig(QStringLiteral("rate%1").arg(workers), {target(QStringLiteral("t"), g_basePort)}, workers);
        rig.sync->setTargetPaused(QStringLiteral("t"), true, QStringLiteral("bench"));
        const int n = rateN;
        enqueue(*rig.sync, n);
        const double rate = drainRate(*rig.sync, {QStringLiteral("t")}, n);
        std::printf("delivery, batching off, signed, sync_workers=%2d: %.0f deliveries/s = %.2fx wrk"
                    " (engine CPU %.1f us per delivery)\n",
                    workers, rate, wrk > 0 ? rate / wrk : 0, g_cpuPerDelivery);
    }
    if (!qEnvironmentVariableIsSet("JOBFIRST_DELIVERY_HTTP")) {
        // The same through libcurl (as https and proxied targets go), in the same run: what
        // the plain-HTTP client changed.
        qputenv("JOBFIRST_DELIVERY_HTTP", "curl");
        Rig rig = makeRig(QStringLiteral("rate-curl"), {target(QStringLiteral("t"), g_basePort)}, 32);
        rig.sync->setTargetPaused(QStringLiteral("t"), true, QStringLiteral("bench"));
        const int n = rateN;
        enqueue(*rig.sync, n);
        const double rate = drainRate(*rig.sync, {QStringLiteral("t")}, n);
        qunsetenv("JOBFIRST_DELIVERY_HTTP");
        std::printf("same through libcurl (JOBFIRST_DELIVERY_HTTP=curl), sync_workers=32: %.0f deliveries/s"
                    " = %.2fx wrk (engine CPU %.1f us per delivery)\n",
                    rate, wrk > 0 ? rate / wrk : 0, g_cpuPerDelivery);
    }
    {
        // The same with six targets (sync_workers=5 each: 30 requests in flight, as wrk's 32
        // connections), all served by the same nginx.
        QList<TargetConfig> targets;
        QStringList names;
        for (int i = 0; i < 6; ++i) {
            targets << target(QStringLiteral("t%1").arg(i), g_basePort + i);
            names << targets.last().name;
        }
        Rig rig = makeRig(QStringLiteral("rate-six"), targets, 5);
        for (const QString &n : names)
            rig.sync->setTargetPaused(n, true, QStringLiteral("bench"));
        const int n = std::max(1, rateN / 5);
        enqueue(*rig.sync, n);
        const double rate = drainRate(*rig.sync, names, n);
        std::printf("delivery, batching off, signed, six targets, sync_workers= 5: %.0f deliveries/s = %.2fx wrk"
                    " (engine CPU %.1f us per delivery)\n",
                    rate, wrk > 0 ? rate / wrk : 0, g_cpuPerDelivery);
    }
    }

    // 2. Six targets, then the sixth black-holed.
    if (part("six")) {
    QProcess hole;
    const QString nodesim = QCoreApplication::applicationDirPath() + QStringLiteral("/../app/nodesim/jobfirst-nodesim");
    hole.start(nodesim, {QStringLiteral("--port"), QString::number(g_basePort + 9), QStringLiteral("--hang")});
    hole.waitForReadyRead(5000);
    double rates[2] = {0, 0};
    for (int blackHoled = 0; blackHoled < 2; ++blackHoled) {
        QList<TargetConfig> targets;
        QStringList names;
        for (int i = 0; i < 6; ++i) {
            const int port = (i == 5 && blackHoled) ? g_basePort + 9 : g_basePort + i;
            targets << target(QStringLiteral("t%1").arg(i), port);
            names << targets.last().name;
        }
        Rig rig = makeRig(QStringLiteral("six%1").arg(blackHoled), targets, 5);
        for (const QString &n : names)
            rig.sync->setTargetPaused(n, true, QStringLiteral("bench"));
        const int n = 30000;
        enqueue(*rig.sync, n);
        names.removeLast(); // measure the five that stay healthy
        rig.sync->setTargetPaused(QStringLiteral("t5"), false, QStringLiteral("bench"));
        rates[blackHoled] = drainRate(*rig.sync, names, n);
        std::printf("five healthy targets, sixth %s: %.0f deliveries/s\n", blackHoled ? "black-holed (hangs)" : "healthy    ", rates[blackHoled]);
    }
    std::printf("black-holed sixth target costs the other five %.1f%% of their rate\n", 100.0 * (1.0 - rates[1] / rates[0]));
    hole.kill();
    }

    // 3. Real-time latency at 1,000 events/s.
    if (part("latency")) {
        Rig rig = makeRig(QStringLiteral("latency"), {target(QStringLiteral("t"), g_basePort)}, 5);
        QElapsedTimer t;
        t.start();
        int sent = 0;
        while (t.elapsed() < 8000) {
            // Behind schedule (each publish waits for its fsync) the loop still ends at 8 s.
            while (sent < t.elapsed() && t.elapsed() < 8000) {
                SyncEvent e = events(1, sent).first();
                e.createdAt = QDateTime::currentMSecsSinceEpoch();
                rig.sync->publish({e});
                ++sent;
            }
            QThread::usleep(200);
        }
        for (int waited = 0; rig.sync->backlog() > 0; ++waited) {
            QThread::msleep(5);
            if (waited % 1000 == 999)
                std::fprintf(stderr, "latency: backlog still %lld\n", (long long)rig.sync->backlog());
        }
        const SyncStats s = rig.sync->stats();
        std::printf("real-time, %d events at 1,000/s asked (%.0f/s reached): enqueue-to-acknowledged p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n", sent,
                    sent / 8.0, s.latencyP50Ms, s.latencyP95Ms, s.latencyP99Ms);
    }

    // 4. Bulk migration to six targets.
    if (part("bulk")) {
        QList<TargetConfig> targets;
        QStringList names;
        for (int i = 0; i < 6; ++i) {
            targets << target(QStringLiteral("t%1").arg(i), g_basePort + i);
            targets.last().batchSize = 100;
            names << targets.last().name;
        }
        QFile users(g_dir + QStringLiteral("/users.jsonl"));
        users.open(QIODevice::WriteOnly);
        for (int i = 0; i < bulkUsers; ++i)
            users.write(QStringLiteral("{\"id\":\"u%1\",\"username\":\"user%1\",\"email\":\"user%1@jobfirst.cn\",\"role\":\"job_seeker\",\"status\":\"active\"}\n")
                            .arg(i).toUtf8());
        users.close();
        Rig rig = makeRig(QStringLiteral("bulk"), targets, 5);
        const bool paused = qEnvironmentVariableIsSet("BENCH_BULK_PAUSED");
        if (paused)
            for (const QString &n : names)
                rig.sync->setTargetPaused(n, true, QStringLiteral("bench"));
        const double rssBefore = rssMiB();
        const QHash<QString, double> threadsBefore = threadCpu();
        RssSampler rss;
        const double cpuStart = cpuSeconds();
        QElapsedTimer t;
        t.start();
        qint64 nextReport = 100000;
        auto r = BulkImporter::run(rig.store->path(), users.fileName(), 5000,
                                   [&](const QList<SyncEvent> &e) { return rig.sync->publish(e, SyncMode::Bulk); },
                                   [&](const ImportProgress &p) {
                                       if (qEnvironmentVariableIsSet("BENCH_THREADS") && p.lines >= nextReport) {
                                           std::printf("  %7lld lines durable after %.1f s\n", p.lines, double(t.nsecsElapsed()) / 1e9);
                                           nextReport = p.lines + 100000;
                                       }
                                   });
        const double importS = double(t.nsecsElapsed()) / 1e9;
        const double cpuImport = cpuSeconds() - cpuStart;
        const double rssImport = rss.takePeak();
        if (qEnvironmentVariableIsSet("BENCH_THREADS")) {
            const QHash<QString, double> after = threadCpu();
            for (auto it = after.cbegin(); it != after.cend(); ++it)
                std::printf("  accepting: thread %-16s %6.2f us per event\n", qPrintable(it.key()),
                            (it.value() - threadsBefore.value(it.key())) * 1e6 / double(bulkUsers));
        }
        if (!r)
            std::printf("bulk import failed: %s\n", qPrintable(r.error().message));
        if (paused)
            for (const QString &n : names)
                rig.sync->setTargetPaused(n, false, QStringLiteral("bench"));
        while (rig.sync->backlog() > 0)
            QThread::msleep(20);
        const double totalS = double(t.nsecsElapsed()) / 1e9;
        const double cpuTotal = cpuSeconds() - cpuStart;
        const double rssDelivering = rss.takePeak();
        if (qEnvironmentVariableIsSet("BENCH_THREADS")) {
            const QHash<QString, double> after = threadCpu();
            for (auto it = after.cbegin(); it != after.cend(); ++it)
                std::printf("  whole migration: thread %-16s %6.2f s\n", qPrintable(it.key()),
                            it.value() - threadsBefore.value(it.key()));
        }
        std::printf("bulk migration: %lld users to 6 targets (batch_size 100): accepted durably in %.1f s, all delivered in %.1f s (%.0f deliveries/s)\n",
                    r ? qint64(r->accepted) : -1, importS, totalS, 6.0 * bulkUsers / totalS);
        // CPU time of this process (importer and engine; nginx not included): on a shared
        // machine the wall times above depend on the load, these less.
        std::printf("bulk migration CPU (this process): %.1f s while accepting (%.1f us per "
                    "event), %.1f s in all"
                    " (%.2f us per delivery)%s\n",
                    cpuImport, cpuImport * 1e6 / bulkUsers, cpuTotal,
                    cpuTotal * 1e6 / (6.0 * bulkUsers),
                    paused ? ", targets paused while accepting" : "");
        std::printf("bulk migration memory (this process: engine and importer): %.0f MiB before, peak %.0f MiB while accepting, "
                    "peak %.0f MiB while delivering the rest\n", rssBefore, rssImport, rssDelivering);
    }
    printLoad("at end");
    nginx.terminate();
    nginx.waitForFinished();
    return 0;
}
