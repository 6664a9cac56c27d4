// SPDX-License-Identifier: GPL-3.0-or-later
// Durable enqueue rate: concurrent callers, each call answered once its event is on disk
// (SQLite WAL synced before the caller is answered, group commit). Peer in the same run:
// redis-benchmark LPUSH against redis-server with appendfsync always, same client count.
// Callers are kept outstanding by one thread, as redis-benchmark keeps its clients on one
// event loop; BENCH_CALLER_THREADS=1 gives each caller a thread that blocks instead.
// The disk's sync time here swings by 10x within minutes (the machine is shared), so the two
// take turns: rounds of about two seconds each, ours then Redis, and the ratio is of totals.
// BENCH_EVENTS=n ends each of our rounds after n calls instead of 2 s, so a profile
// (callgrind) does the same work every run: instructions per event are the difference of two
// runs' totals over the difference of their events.
// Each round also runs the peer storing the same bytes a write as we do: redis-benchmark with
// `-d` the size of one of our events as stored (its payload JSON; redis-benchmark's default
// value is 3 bytes). Both ratios are printed, each named; the 3-byte one is the figure issue 12
// was written against. BENCH_PEER_BYTES=0 leaves the second peer out, =n makes its values n bytes.
// BENCH_OUTBOX=postgresql puts the outbox in a PostgreSQL of the bench's own instead (initdb in
// a temporary folder, fsync and synchronous_commit on): a caller is answered after COMMIT.
#include "benchsupport.h"
#include "postgresserver.h"
#include "sync/outboxwriter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using namespace jobfirst;

namespace {

struct Tally
{
    double events = 0;
    double seconds = 0;
    double cpu = 0; ///< CPU seconds of the writing process (ours: this one; Redis: redis-server)
    double cpuPerEvent() const { return events > 0 ? cpu * 1e6 / events : 0; }
    double rate() const { return seconds > 0 ? events / seconds : 0; }
};

/// How long our callers waited for their answers (from submit() to the answer), in µs.
struct Waits
{
    std::vector<float> us;
    void add(const Waits &round) { us.insert(us.end(), round.us.begin(), round.us.end()); }
    /// The `q` quantile (0..1), or 0 with none counted.
    double at(double q)
    {
        if (us.empty())
            return 0;
        const auto k = std::size_t(q * double(us.size() - 1));
        std::nth_element(us.begin(), us.begin() + std::ptrdiff_t(k), us.end());
        return us[k];
    }
};

double processCpuSeconds()
{
    return bench::ownCpuSeconds();
}
double processCpuSeconds(qint64 pid)
{
    return bench::cpuSecondsOf(pid);
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(u' ', 0, 2)
                                       : QString();
}

OutboxItem benchItem(int caller, long i)
{
    SyncEvent e;
    e.type = QStringLiteral("user.updated");
    e.userId = QStringLiteral("u%1-%2").arg(caller).arg(i);
    e.data = {{QStringLiteral("email"), QStringLiteral("someone@jobfirst.cn")}};
    return OutboxItem{e, {QStringLiteral("user-service")}, 0, false, {}, {}};
}

/// Runs `clients` callers against `writer` for `seconds`, as redis-benchmark runs its clients:
/// one thread keeps `clients` calls outstanding, each answered by the outbox once durable and
/// then followed by that caller's next one, until `maxCalls` calls when it is above 0. Returns
/// events and time.
Tally ourRound(OutboxWriter &writer, int clients, double seconds, long maxCalls, Waits &waits)
{
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<int> answered; // callers whose call was answered, waiting to call again
    long done = 0, outstanding = 0;
    const auto call = [&](int caller, long i) {
        const auto submitted = std::chrono::steady_clock::now();
        writer.submit({benchItem(caller, i)},
                      [&, caller, submitted](Result<QList<SyncEvent>> stored) {
                          const std::chrono::duration<float, std::micro> waited =
                              std::chrono::steady_clock::now() - submitted;
                          std::lock_guard lock(mutex);
                          waits.us.push_back(waited.count());
                          done += stored ? 1 : 0;
                          --outstanding;
                          answered.push_back(caller);
                          // The caller thread sleeps only when there were none, or at the end, for
                          // the last.
                          if (answered.size() == 1 || outstanding == 0)
                              wake.notify_one();
                      });
    };
    QElapsedTimer t;
    t.start();
    const double cpu0 = processCpuSeconds();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<int> next;
    long calls = 0;
    {
        std::lock_guard lock(mutex);
        outstanding = clients;
    }
    for (int c = 0; c < clients; ++c)
        call(c, calls++);
    std::unique_lock lock(mutex);
    const auto someAnswered = [&] { return !answered.empty(); };
    // False once the round is over: its time is up, or its calls are made.
    const auto nextAnswers = [&] {
        if (maxCalls > 0) {
            wake.wait(lock, someAnswered);
            return calls < maxCalls;
        }
        return wake.wait_until(lock, deadline, someAnswered) &&
               std::chrono::steady_clock::now() < deadline;
    };
    while (nextAnswers()) {
        next.swap(answered);
        if (maxCalls > 0 && long(next.size()) > maxCalls - calls)
            next.resize(std::size_t(maxCalls - calls));
        outstanding += long(next.size());
        lock.unlock();
        for (int c : next)
            call(c, calls++);
        next.clear();
        lock.lock();
    }
    if (maxCalls > 0) // every call counts: the same work in every run
        wake.wait(lock, [&] { return outstanding == 0; });
    const Tally tally{double(done), double(t.nsecsElapsed()) / 1e9, processCpuSeconds() - cpu0};
    wake.wait(lock, [&] { return outstanding == 0; }); // answers still to come refer to this frame
    return tally;
}

/// The same with one thread per caller, each waiting for its own answer (BENCH_CALLER_THREADS=1):
/// what callers that block cost (a wake-up per caller per group).
Tally ourRoundThreads(OutboxWriter &writer, int clients, double seconds)
{
    std::atomic<long> done{0};
    std::atomic_bool stop{false};
    std::vector<std::thread> threads;
    QElapsedTimer t;
    t.start();
    const double cpu0 = processCpuSeconds();
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            long i = 0;
            while (!stop.load()) {
                if (writer.write({benchItem(c, i++)}))
                    ++done;
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto &th : threads)
        th.join();
    return {double(done.load()), double(t.nsecsElapsed()) / 1e9, processCpuSeconds() - cpu0};
}

class Redis
{
public:
    bool start(const QString &dir)
    {
        const QString server = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        m_bench = QStandardPaths::findExecutable(QStringLiteral("redis-benchmark"));
        if (server.isEmpty() || m_bench.isEmpty()) {
            std::printf("redis-server/redis-benchmark not installed: no peer figure (bench/run installs them)\n");
            return false;
        }
        // A port the kernel just handed out, not one derived from the pid: a taken port made
        // redis-server exit and redis-benchmark spin on the dead port until killed.
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost)) {
            std::printf("no free port for redis-server: no peer figure\n");
            return false;
        }
        m_port = QString::number(probe.serverPort());
        probe.close();
        m_server.setProcessChannelMode(QProcess::MergedChannels);
        m_server.start(server, {QStringLiteral("--port"), m_port, QStringLiteral("--bind"),
                                QStringLiteral("127.0.0.1"), QStringLiteral("--dir"), dir,
                                QStringLiteral("--appendonly"), QStringLiteral("yes"),
                                QStringLiteral("--appendfsync"), QStringLiteral("always"),
                                QStringLiteral("--save"), QString()});
        m_server.waitForStarted();
        const int answered = QProcess::execute(
            QStringLiteral("sh"),
            {QStringLiteral("-c"),
             QStringLiteral(
                 "for i in $(seq 50); do redis-cli -p %1 ping >/dev/null 2>&1 && exit 0; "
                 "sleep 0.1; done; exit 1")
                 .arg(m_port)});
        if (answered != 0 || m_server.state() != QProcess::Running) {
            std::printf("redis-server on port %s did not answer: no peer figure. It said: %s\n",
                        qPrintable(m_port), m_server.readAll().trimmed().constData());
            return false;
        }
        return true;
    }
    ~Redis()
    {
        m_server.terminate();
        m_server.waitForFinished();
    }
    /// redis-benchmark's arguments; `bytes` > 0 sets the size of each value (`-d`).
    QStringList args(long requests, int clients, int bytes = 0) const
    {
        QStringList a{QStringLiteral("-p"),      m_port,
                      QStringLiteral("-q"),      QStringLiteral("-t"),
                      QStringLiteral("lpush"),   QStringLiteral("-n"),
                      QString::number(requests), QStringLiteral("-c"),
                      QString::number(clients)};
        if (bytes > 0)
            a << QStringLiteral("-d") << QString::number(bytes);
        return a;
    }
    /// redis-benchmark runs a number of requests, not a time: the last rate of the same value
    /// size sizes the next run.
    Tally round(int clients, double seconds, int bytes = 0)
    {
        double &lastRate = m_lastRate[bytes];
        const long requests = std::max(long(clients) * 40, long(lastRate * seconds));
        QProcess b;
        const double cpu0 = processCpuSeconds(m_server.processId());
        b.start(m_bench, args(requests, clients, bytes));
        if (!b.waitForFinished(120000)) { // redis-benchmark never gives up on a server that died
            b.kill();
            b.waitForFinished();
            std::printf("redis-benchmark did not finish in 120 s (is redis-server alive?): no peer "
                        "figure this round\n");
            return {};
        }
        const QString out = QString::fromUtf8(b.readAllStandardOutput());
        static const QRegularExpression re(QStringLiteral("LPUSH: ([0-9.]+) requests per second"));
        const auto m = re.match(out);
        const double rate = m.hasMatch() ? m.captured(1).toDouble() : 0.0;
        if (rate > 0)
            lastRate = rate;
        return {double(requests), rate > 0 ? double(requests) / rate : 0,
                processCpuSeconds(m_server.processId()) - cpu0};
    }

private:
    QProcess m_server;
    QString m_bench, m_port;
    std::map<int, double> m_lastRate; ///< per value size
};

/// The size of one of benchItem()'s events as the outbox stores it (its payload JSON, made as
/// OutboxWriter::submit() makes it).
int storedEventBytes()
{
    SyncEvent e = benchItem(12, 345678).event;
    e.eventId =
        QStringLiteral("evt_01938a7c-5e2f-7a3b-8c4d-123456789abc"); // as long as the writer's
    e.createdAt = QDateTime::currentMSecsSinceEpoch();
    return int(e.toPayload().size());
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const long maxCalls = qEnvironmentVariableIntValue("BENCH_EVENTS");
    const int rounds = qEnvironmentVariableIsSet("BENCH_ROUNDS") ? qEnvironmentVariableIntValue("BENCH_ROUNDS") : 3;
    const bool peer = !qEnvironmentVariableIsSet("BENCH_NO_PEER");
    QList<int> clientCounts{1, 50};
    if (qEnvironmentVariableIsSet("BENCH_CLIENTS"))
        clientCounts = {qEnvironmentVariableIntValue("BENCH_CLIENTS")};
    const bool postgres = qEnvironmentVariable("BENCH_OUTBOX") == QLatin1String("postgresql");
    const bool callerThreads = qEnvironmentVariableIntValue("BENCH_CALLER_THREADS") == 1;
    const int peerBytes = qEnvironmentVariableIsSet("BENCH_PEER_BYTES")
                              ? qEnvironmentVariableIntValue("BENCH_PEER_BYTES")
                              : storedEventBytes();
    std::printf("load average at start: %s\n", qPrintable(loadAverage()));
    std::printf(
        "command: %s%s%sbuild/bench/bench_outbox (%d rounds of 2 s each, ours then Redis)\n",
        postgres ? "BENCH_OUTBOX=postgresql " : "", callerThreads ? "BENCH_CALLER_THREADS=1 " : "",
        qEnvironmentVariableIsSet("BENCH_INTENT_LOG") ? "BENCH_INTENT_LOG=<bytes> " : "", rounds);
    if (peerBytes > 0)
        std::printf("second peer: each round again with -d %d (one of our events as stored is %d "
                    "bytes; redis-benchmark's default value is 3; BENCH_PEER_BYTES=0: none)\n",
                    peerBytes, storedEventBytes());
    std::printf("callers: %s\n", callerThreads ? "one thread each, blocked until answered"
                                               : "one thread keeping that many calls "
                                                 "outstanding, as redis-benchmark does");
    QTemporaryDir dir;
    PostgresServer pg;
    if (postgres) {
        if (!pg.start(true)) {
            std::fprintf(stderr, "cannot start PostgreSQL\n");
            return 1;
        }
        std::printf("outbox: PostgreSQL %s (fsync on, synchronous_commit on)\n",
                    qPrintable(pg.psql(QStringLiteral("SHOW server_version"))));
    }
    for (int clients : clientCounts) {
        QString db = dir.path() + QStringLiteral("/bench-%1.db").arg(clients);
        if (postgres) {
            pg.psql(QStringLiteral("CREATE DATABASE bench%1 OWNER %2").arg(clients).arg(pg.user()));
            db = QStringLiteral("postgresql://%1@127.0.0.1:%2/bench%3").arg(pg.user()).arg(pg.port()).arg(clients);
        }
        OutboxWriter writer(db);
        // BENCH_INTENT_LOG=0: every group made durable by syncing the WAL, as before the log.
        if (qEnvironmentVariableIsSet("BENCH_INTENT_LOG"))
            writer.setIntentLogBytes(qEnvironmentVariableIntValue("BENCH_INTENT_LOG"));
        if (!writer.start(1000000000)) {
            std::fprintf(stderr, "cannot start the outbox\n");
            return 1;
        }
        Redis redis;
        const bool haveRedis = peer && redis.start(dir.path());
        if (haveRedis) {
            redis.round(clients, 0); // sizes the first round
            if (peerBytes > 0)
                redis.round(clients, 0, peerBytes);
            std::printf("peer command: redis-server --appendonly yes --appendfsync always; redis-benchmark %s\n",
                        qPrintable(redis.args(0, clients).join(u' ').replace(QStringLiteral("-n 0"),
                                                                              QStringLiteral("-n <about 2 s worth>"))));
        }
        // PostgreSQL: its server's CPU, and the writer's threads', over our rounds only.
        const qint64 postmaster =
            postgres
                ? bench::parentOf(pg.psql(QStringLiteral("SELECT pid FROM pg_stat_activity WHERE "
                                                         "backend_type = 'checkpointer'"))
                                      .toLongLong())
                : 0;
        double serverCpu = 0, writerCpu = 0, linksCpu = 0, walBytes = 0;
        Tally ours, theirs, theirsSized;
        Waits waits; // not counted with BENCH_CALLER_THREADS=1
        // The server's WAL position, read outside the CPU window (psql's own backend).
        const auto walLsn = [&] {
            return postgres ? pg.psql(QStringLiteral("SELECT pg_current_wal_lsn()")) : QString();
        };
        for (int r = 0; r < rounds; ++r) {
            const QString lsn0 = walLsn();
            const double s0 = bench::serverCpuSeconds(postmaster),
                         w0 = bench::threadCpuSeconds(0, "jf-outbox"),
                         l0 = bench::threadCpuSeconds(0, "jf-pg-writer");
            Waits roundWaits;
            const Tally a = callerThreads ? ourRoundThreads(writer, clients, 2.0)
                                          : ourRound(writer, clients, 2.0, maxCalls, roundWaits);
            waits.add(roundWaits);
            serverCpu += bench::serverCpuSeconds(postmaster) - s0;
            writerCpu += bench::threadCpuSeconds(0, "jf-outbox") - w0;
            linksCpu += bench::threadCpuSeconds(0, "jf-pg-writer") - l0;
            if (postgres) {
                const QString lsn1 = walLsn();
                const QString diff = QStringLiteral("SELECT pg_wal_lsn_diff('%1', '%2')");
                walBytes += pg.psql(diff.arg(lsn1, lsn0)).toDouble();
            }
            ours.events += a.events;
            ours.seconds += a.seconds;
            ours.cpu += a.cpu;
            Tally b;
            if (haveRedis) {
                b = redis.round(clients, 2.0);
                theirs.events += b.events;
                theirs.seconds += b.seconds;
                theirs.cpu += b.cpu;
            }
            Tally c;
            if (haveRedis && peerBytes > 0) {
                c = redis.round(clients, 2.0, peerBytes);
                theirsSized.events += c.events;
                theirsSized.seconds += c.seconds;
                theirsSized.cpu += c.cpu;
            }
            std::printf("  round %d, %2d callers: outbox %8.0f/s (%.0f events), redis %8.0f/s",
                        r + 1, clients, a.rate(), a.events, b.rate());
            if (peerBytes > 0)
                std::printf(", redis -d %d %8.0f/s", peerBytes, c.rate());
            std::printf("\n");
        }
        const qint64 syncs = writer.syncs.load();
        std::printf("outbox enqueue%s, %2d concurrent callers: %8.0f durable events/s (%lld "
                    "commits, %lld syncs, "
                    "%.1f events per sync; WAL %.1f MiB at the end; %.1f µs CPU per event, callers "
                    "included)\n",
                    postgres ? " (PostgreSQL)" : "", clients, ours.rate(),
                    qint64(writer.commits.load()), syncs, syncs ? ours.events / double(syncs) : 0.0,
                    double(QFileInfo(db + QStringLiteral("-wal")).size()) / 1048576.0,
                    ours.cpuPerEvent());
        if (!waits.us.empty())
            std::printf(
                "  a caller waited for its answer: p50 %.0f µs, p99 %.0f µs, p99.9 %.0f µs, "
                "longest %.0f µs\n",
                waits.at(0.5), waits.at(0.99), waits.at(0.999), waits.at(1.0));
        if (!postgres && ours.events > 0)
            std::printf("  of which the outbox writer thread %.1f µs per event, busy %.0f%% of the "
                        "time; %lld commits made durable by the intent log\n",
                        writerCpu * 1e6 / ours.events, 100.0 * writerCpu / ours.seconds,
                        qint64(writer.loggedCommits.load()));
        if (postgres && ours.events > 0)
            std::printf(
                "  of which the outbox writer thread %.1f µs, its connections' threads %.1f µs; "
                "PostgreSQL server %.1f µs CPU per event; ours in all %.1f µs; WAL %.0f bytes per "
                "event\n",
                writerCpu * 1e6 / ours.events, linksCpu * 1e6 / ours.events,
                serverCpu * 1e6 / ours.events, ours.cpuPerEvent() + serverCpu * 1e6 / ours.events,
                walBytes / ours.events);
        if (haveRedis) {
            std::printf("redis LPUSH, appendfsync always, %2d clients:  %8.0f writes/s "
                        "(redis-server %.1f µs CPU per write)\n",
                        clients, theirs.rate(), theirs.cpuPerEvent());
            if (peerBytes > 0 && theirsSized.rate() > 0)
                std::printf("redis LPUSH -d %d, appendfsync always, %2d clients:  %8.0f writes/s "
                            "(redis-server %.1f µs CPU per write)\n"
                            "ratio outbox/redis with the same bytes a write (-d %d) at %d clients: "
                            "%.2fx\n",
                            peerBytes, clients, theirsSized.rate(), theirsSized.cpuPerEvent(),
                            peerBytes, clients, ours.rate() / theirsSized.rate());
            std::printf("ratio outbox/redis at %d clients: %.2fx\n\n", clients, ours.rate() / theirs.rate());
        }
    }
    std::printf("load average at end: %s\n", qPrintable(loadAverage()));
    return 0;
}
