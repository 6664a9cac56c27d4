// SPDX-License-Identifier: GPL-3.0-or-later
// Scale-out on one PostgreSQL (issue 13): real jobfirstd processes sharing one outbox in a
// PostgreSQL of the bench's own (initdb in a temporary folder, fsync and synchronous_commit on)
// deliver a backlog of events to six jobfirst-nodesim targets that answer after 20 ms.
//  1. One daemon, then three, same sync_workers: events delivered per second, and the ratio.
//     The backlog is written once all daemons hold their share of the partitions (a daemon
//     that joins takes its share at the others' next renewal), through the engine's own
//     OutboxWriter, as fast as PostgreSQL takes it; the clock runs from the first write until
//     the targets have applied every event. Printed with it: the CPU of each daemon (by
//     thread), of the PostgreSQL server and of this process (the writer) over that time, and
//     when each daemon delivered its first and its last event (from its heartbeat's count,
//     sampled each second): seconds lost at the start or at the end show there.
//  2. Takeover: three daemons, events written at a steady rate; one daemon is SIGKILLed (and,
//     with BENCH_TAKEOVER=stop, SIGSTOPped instead: its process still exists, so only the
//     lease running out frees its partitions). The longest delay of any event, accepted →
//     acknowledged (from the ledger: acked_at - created_at), against the lease time + 2 s;
//     lost = accepted events without an acknowledgement, and the duplicates the targets saw.
// BENCH_EVENTS (100000), BENCH_WORKERS (sync_workers, 5), BENCH_LATENCY (20 ms),
// BENCH_DAEMONS (3), BENCH_TAKEOVER (kill; stop; none), BENCH_LEASE (every daemon's --lease, 10).
#include "benchsupport.h"
#include "nodesimprocess.h"
#include "postgresserver.h"
#include "store/daemonheartbeat.h"
#include "store/deliverylease.h"
#include "store/postgresschema.h"
#include "sync/outboxwriter.h"
#include "testprograms.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

using namespace jobfirst;

namespace {

constexpr int Targets = 6;
int envInt(const char *name, int fallback)
{
    return qEnvironmentVariableIsSet(name) ? qEnvironmentVariableIntValue(name) : fallback;
}

/// The partitions' lease time, every daemon's --lease (BENCH_LEASE, default 10 s).
int leaseSeconds()
{
    return envInt("BENCH_LEASE", int(DeliveryLease::DefaultTtlMs / 1000));
}

/// A jobfirstd on the shared outbox with a local file of its own.
class Daemon
{
public:
    bool start(const QString &url, const QString &config, const QString &local)
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.setStandardErrorFile(local + QStringLiteral(".log"));
        m_process.start(TestPrograms::daemon(),
                        {QStringLiteral("--db"), url, QStringLiteral("--local-db"), local,
                         QStringLiteral("--config"), config, QStringLiteral("--listen"),
                         QStringLiteral("127.0.0.1:0"), QStringLiteral("--lease"),
                         QString::number(leaseSeconds())});
        if (!m_process.waitForStarted(10000))
            return false;
        QByteArray out;
        for (int i = 0; i < 300 && !out.contains('\n'); ++i) {
            m_process.waitForReadyRead(100);
            out += m_process.readAllStandardOutput();
            if (m_process.state() != QProcess::Running)
                break;
        }
        static const QRegularExpression listening(QStringLiteral("listening [^:]+:(\\d+)"));
        return listening.match(QString::fromUtf8(out)).hasMatch();
    }
    qint64 pid() const { return m_process.processId(); }
    void signal(int sig) { ::kill(pid_t(m_process.processId()), sig); }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        signal(SIGCONT);
        signal(SIGTERM);
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    ~Daemon() { stop(); }

private:
    QProcess m_process;
};

/// Events the six targets have applied (distinct event ids), and duplicates they saw.
struct Applied
{
    qint64 applied = 0, duplicates = 0, outOfOrder = 0, rejected = 0;
};

Applied applied(std::vector<std::unique_ptr<NodeSimProcess>> &targets)
{
    Applied a;
    for (auto &t : targets) {
        const QJsonObject s = t->get(QStringLiteral("/stats"));
        a.applied += s.value(QStringLiteral("applied")).toInteger();
        a.duplicates += s.value(QStringLiteral("duplicates")).toInteger();
        a.outOfOrder += s.value(QStringLiteral("out_of_order")).toInteger();
        a.rejected += s.value(QStringLiteral("rejected")).toInteger();
    }
    return a;
}

/// Event `i` of a run, for one of the six targets (the bench names the target itself, as the
/// engine does after routing by type).
OutboxItem itemFor(const QString &run, qint64 i)
{
    SyncEvent e;
    e.eventId = QStringLiteral("%1-%2").arg(run).arg(i);
    e.type = QStringLiteral("user.created");
    e.userId = QStringLiteral("%1-u%2").arg(run).arg(i);
    e.data = {{QStringLiteral("email"), QStringLiteral("someone@jobfirst.cn")}};
    return OutboxItem{e, {QStringLiteral("t%1").arg(i % Targets)}, 0, false, {}, {}};
}

/// One row of a query on database `db` of the bench's server (empty on failure).
QVariantList queryRow(const PostgresServer &pg, const QString &db, const QString &sql,
                      QList<QVariantList> *rows = nullptr)
{
    QVariantList row;
    {
        QSqlDatabase c =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("bench"));
        c.setHostName(QStringLiteral("127.0.0.1"));
        c.setPort(pg.port());
        c.setUserName(pg.user());
        c.setDatabaseName(db);
        if (c.open()) {
            QSqlQuery q(c);
            if (q.exec(sql)) {
                while (q.next()) {
                    QVariantList r;
                    for (int i = 0; i < q.record().count(); ++i)
                        r << q.value(i);
                    if (row.isEmpty())
                        row = r;
                    if (rows)
                        rows->append(r);
                }
            } else {
                std::fprintf(stderr, "query failed: %s\n", qPrintable(q.lastError().text()));
            }
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bench"));
    return row;
}

/// What the server says about the whole run: deadlocks, other errors and long lock waits in its
/// log, and, when pg_stat_statements is loaded (JOBFIRST_PG_SETTINGS), the statements that took
/// the most time.
void reportServer(const PostgresServer &pg)
{
    QFile log(pg.logFile());
    int deadlocks = 0, errors = 0, lockWaits = 0;
    QList<QByteArray> shown; // the first errors, with the statement after each
    bool after = false;
    if (log.open(QIODevice::ReadOnly)) {
        while (!log.atEnd()) {
            const QByteArray line = log.readLine().trimmed();
            deadlocks += line.contains("deadlock detected") ? 1 : 0;
            lockWaits += line.contains("still waiting for") ? 1 : 0; // log_lock_waits
            const bool error = line.contains("ERROR:");
            errors += error ? 1 : 0;
            if ((error || (after && line.contains("STATEMENT:"))) && shown.size() < 8)
                shown << line.left(200);
            after = error;
        }
    }
    std::printf("server log: %d deadlock(s) detected, %d ERROR line(s), %d lock wait(s) longer than"
                " deadlock_timeout (with log_lock_waits)\n",
                deadlocks, errors, lockWaits);
    for (const QByteArray &line : shown)
        std::printf("  %s\n", line.constData());
    if (!pg.psql(QStringLiteral("SHOW shared_preload_libraries"))
             .contains(QLatin1String("pg_stat_statements")))
        return;
    pg.psql(QStringLiteral("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"));
    QList<QVariantList> rows;
    queryRow(pg, pg.database(),
             QStringLiteral("SELECT calls, total_exec_time, rows, wal_bytes, d.datname,"
                            " LEFT(regexp_replace(query, '\\s+', ' ', 'g'), 100) FROM"
                            " pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid ORDER BY"
                            " total_exec_time DESC LIMIT 16"),
             &rows);
    std::printf("statements (database scale1: one daemon, scale2: several, scale3: the "
                "takeover): calls, ms in all, us a call, rows a call, WAL bytes a call, text\n");
    for (const QVariantList &r : rows) {
        const double calls = std::max(1.0, r.value(0).toDouble());
        std::printf("  %8.0f %9.0f %8.1f %7.1f %8.0f %-7s %s\n", calls, r.value(1).toDouble(),
                    r.value(1).toDouble() * 1000.0 / calls, r.value(2).toDouble() / calls,
                    r.value(3).toDouble() / calls, qPrintable(r.value(4).toString()),
                    qPrintable(r.value(5).toString()));
    }
}

/// What the server's backends wait on while a round runs (BENCH_WAITS=1): pg_stat_activity
/// sampled every 10 ms on a connection of its own, each active backend counted under the
/// start of its statement and its wait event ("CPU" when it waits on nothing). A statement
/// whose time grows while its CPU does not shows here what it waits for. A prepared statement
/// shows as "EXECUTE qpsqlpstmt_N": the statements the server lists at the end name them.
class WaitSampler
{
public:
    void start(const PostgresServer &pg, const QString &db)
    {
        m_thread = std::thread([this, port = pg.port(), user = pg.user(), db] {
            const QString name = QStringLiteral("waits");
            {
                QSqlDatabase c = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
                c.setHostName(QStringLiteral("127.0.0.1"));
                c.setPort(port);
                c.setUserName(user);
                c.setDatabaseName(db);
                if (c.open()) {
                    // Each sample is a transaction of its own: pg_stat_activity is read anew.
                    QSqlQuery q(c);
                    q.prepare(QStringLiteral(
                        "SELECT LEFT(regexp_replace(regexp_replace(query, '\\s+', ' ', 'g'),"
                        " '^(EXECUTE \\w+).*$', '\\1'), 34),"
                        " COALESCE(wait_event_type || ':' || wait_event, ''), pid FROM"
                        " pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
                        " AND datname = current_database()"));
                    while (!m_done) {
                        if (q.exec())
                            while (q.next()) {
                                const qint64 pid = q.value(2).toLongLong();
                                if (!m_firstSched.contains(pid))
                                    m_firstSched.insert(pid, schedStat(pid));
                                QString wait = q.value(1).toString();
                                if (wait.isEmpty())
                                    wait = withoutWaitEvent(q.value(2).toLongLong());
                                ++m_counts[q.value(0).toString() + QStringLiteral("  ") + wait];
                            }
                        q.finish();
                        ++m_samples;
                        QThread::msleep(10);
                    }
                }
            }
            QSqlDatabase::removeDatabase(name);
        });
    }
    /// Stops sampling and prints the most frequent statement and wait pairs.
    void stopAndPrint()
    {
        if (!m_thread.joinable())
            return;
        m_done = true;
        m_thread.join();
        std::vector<std::pair<int, QString>> top;
        int active = 0;
        for (auto it = m_counts.begin(); it != m_counts.end(); ++it) {
            top.emplace_back(it.value(), it.key());
            active += it.value();
        }
        std::sort(top.begin(), top.end(), std::greater<>());
        // The kernel's account of the same backends: time on a CPU, and time runnable but
        // waiting for one (a statement that "waits on nothing" may be waiting for a core).
        double onCpu = 0, runnable = 0;
        for (auto it = m_firstSched.begin(); it != m_firstSched.end(); ++it) {
            const auto [cpu, queue] = schedStat(it.key());
            if (cpu > 0) {
                onCpu += double(cpu - it.value().first) / 1e9;
                runnable += double(queue - it.value().second) / 1e9;
            }
        }
        std::printf("  backends sampled (%lld, those still open): %.2f s on a CPU, %.2f s "
                    "runnable waiting for one\n",
                    qint64(m_firstSched.size()), onCpu, runnable);
        std::printf("  waits: %d samples, %.2f active backends a sample; statement  wait: share "
                    "of the active samples\n",
                    m_samples, double(active) / std::max(1, m_samples));
        for (std::size_t i = 0; i < top.size() && i < 14; ++i)
            std::printf("    %5.1f %%  %s\n", 100.0 * top[i].first / std::max(1, active),
                        qPrintable(top[i].second));
    }
    ~WaitSampler()
    {
        m_done = true;
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    /// A backend that names no wait event runs ("CPU") or sleeps where PostgreSQL does not
    /// say (pg_usleep: "sleeping in" its kernel wait channel), from /proc.
    static QString withoutWaitEvent(qint64 pid)
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        QFile wchan(QStringLiteral("/proc/%1/wchan").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return QStringLiteral("CPU");
        const QByteArray line = stat.readAll();
        const QByteArray state = line.mid(line.lastIndexOf(')') + 2, 1);
        if (state == "R" || !wchan.open(QIODevice::ReadOnly))
            return QStringLiteral("CPU");
        return QStringLiteral("sleeping in ") + QString::fromLatin1(wchan.readAll());
    }

    /// ns on a CPU and ns runnable waiting for one, of process `pid` (0, 0 when gone).
    static std::pair<qint64, qint64> schedStat(qint64 pid)
    {
        QFile f(QStringLiteral("/proc/%1/schedstat").arg(pid));
        if (!f.open(QIODevice::ReadOnly))
            return {0, 0};
        const QList<QByteArray> fields = f.readAll().trimmed().split(' ');
        return {fields.value(0).toLongLong(), fields.value(1).toLongLong()};
    }

    std::thread m_thread;
    std::atomic<bool> m_done{false};
    QMap<qint64, std::pair<qint64, qint64>> m_firstSched; // pid → schedStat() when first seen
    QMap<QString, int> m_counts;                          // read after join
    int m_samples = 0;
};

/// Holders of the partition leases (holder → partitions held), from PostgreSQL.
QMap<QString, int> holders(const PostgresServer &pg, const QString &db)
{
    QMap<QString, int> map;
    QList<QVariantList> rows;
    queryRow(pg, db,
             QStringLiteral("SELECT holder, COUNT(*) FROM partition_leases WHERE holder <> ''"
                            " GROUP BY holder"),
             &rows);
    for (const QVariantList &r : rows)
        map.insert(r.value(0).toString(), r.value(1).toInt());
    return map;
}

/// Events each daemon has delivered by its last heartbeat (holder name → count).
QMap<QString, qint64> deliveredByDaemon(QSqlDatabase db)
{
    QMap<QString, qint64> map;
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("SELECT daemon, delivered FROM daemon_heartbeats")))
        while (q.next())
            map.insert(q.value(0).toString(), q.value(1).toLongLong());
    return map;
}

/// CPU seconds of each daemon by thread name, of the PostgreSQL server and of this process.
struct CpuSample
{
    std::vector<QMap<QByteArray, double>> daemons;
    double server = 0, own = 0;
};

bool waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!condition()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QThread::msleep(100);
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int events = envInt("BENCH_EVENTS", 100000);
    const int workers = envInt("BENCH_WORKERS", 5);
    const int latency = envInt("BENCH_LATENCY", 20);
    const int many = envInt("BENCH_DAEMONS", 3);
    const QString takeover = qEnvironmentVariableIsSet("BENCH_TAKEOVER")
                                 ? qEnvironmentVariable("BENCH_TAKEOVER")
                                 : QStringLiteral("kill");
    std::printf("command: build/bench/bench_scaleout   (BENCH_EVENTS=%d BENCH_WORKERS=%d "
                "BENCH_LATENCY=%d BENCH_DAEMONS=%d BENCH_TAKEOVER=%s BENCH_LEASE=%d)\n",
                events, workers, latency, many, qPrintable(takeover), leaseSeconds());
    QTemporaryDir dir;
    PostgresServer pg;
    if (!pg.start(true)) {
        std::fprintf(stderr, "cannot start PostgreSQL (scripts/bootstrap installs it)\n");
        return 1;
    }
    std::printf("outbox: PostgreSQL %s (fsync on, synchronous_commit on); %d targets: "
                "jobfirst-nodesim --latency %d; each event to one target, batching off\n",
                qPrintable(pg.psql(QStringLiteral("SHOW server_version"))), Targets, latency);
    const qint64 postmaster = bench::parentOf(
        pg.psql(QStringLiteral("SELECT pid FROM pg_stat_activity WHERE backend_type = "
                               "'checkpointer'"))
            .toLongLong());
    std::vector<std::unique_ptr<NodeSimProcess>> targets;
    QJsonArray targetConfig;
    for (int i = 0; i < Targets; ++i) {
        targets.push_back(std::make_unique<NodeSimProcess>());
        if (!targets.back()->start(QStringLiteral("t%1").arg(i), 0,
                                   {QStringLiteral("--latency"), QString::number(latency)})) {
            std::fprintf(stderr, "cannot start jobfirst-nodesim\n");
            return 1;
        }
        targetConfig.append(
            QJsonObject{{QStringLiteral("name"), QStringLiteral("t%1").arg(i)},
                        {QStringLiteral("url"), targets.back()->url() + QStringLiteral("/sync")},
                        {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}},
                        {QStringLiteral("batch_size"), 1}});
    }
    const QString config = dir.filePath(QStringLiteral("scaleout.json"));
    {
        QFile f(config);
        f.open(QIODevice::WriteOnly);
        f.write(QJsonDocument(
                    QJsonObject{{QStringLiteral("sync_workers"), workers},
                                {QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                                {QStringLiteral("sync_queue_size"), 100000},
                                {QStringLiteral("targets"), targetConfig}})
                    .toJson());
    }
    int round = 0;
    // Starts `count` daemons on a database of their own; waits until they share the partitions.
    const auto startDaemons = [&](int count, QString &db, QString &url,
                                  std::vector<std::unique_ptr<Daemon>> &daemons) {
        db = QStringLiteral("scale%1").arg(++round);
        pg.psql(QStringLiteral("CREATE DATABASE %1 OWNER %2").arg(db, pg.user()));
        url =
            QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(pg.user()).arg(pg.port()).arg(db);
        for (int d = 0; d < count; ++d) {
            daemons.push_back(std::make_unique<Daemon>());
            if (!daemons.back()->start(url, config,
                                       dir.filePath(QStringLiteral("%1-d%2.db").arg(db).arg(d)))) {
                QFile log(dir.filePath(QStringLiteral("%1-d%2.db.log").arg(db).arg(d)));
                log.open(QIODevice::ReadOnly);
                std::fprintf(stderr, "jobfirstd did not start: %s\n",
                             log.readAll().right(2000).constData());
                return false;
            }
        }
        // Each holds its share: the partitions over the daemons rounded up, the last one what
        // is left (20 each of 60 for three).
        const int parts = PostgresSchema::Partitions;
        const int share = (parts + count - 1) / count;
        return waitFor(
            [&] {
                const QMap<QString, int> h = holders(pg, db);
                int total = 0;
                for (int n : h)
                    total += n;
                return h.size() == count && total == parts &&
                       std::all_of(h.begin(), h.end(),
                                   [&](int n) { return n >= parts - share * (count - 1); });
            },
            60000);
    };
    // Writes the events with `callers` threads of 500 events per write.
    const auto load = [&](OutboxWriter &writer, const QString &run, int count) {
        std::vector<std::thread> threads;
        std::atomic<int> next{0};
        for (int c = 0; c < 4; ++c)
            threads.emplace_back([&] {
                for (int from = next.fetch_add(500); from < count; from = next.fetch_add(500)) {
                    QList<OutboxItem> items;
                    for (int i = from; i < std::min(count, from + 500); ++i)
                        items.append(itemFor(run, i));
                    if (!writer.write(items))
                        std::fprintf(stderr, "a write failed\n");
                }
            });
        for (auto &t : threads)
            t.join();
    };

    // 1. One daemon, then `many`, the same backlog each time.
    double rates[2] = {0, 0};
    const int counts[2] = {1, many};
    for (int r = 0; r < 2; ++r) {
        QString db, url;
        std::vector<std::unique_ptr<Daemon>> daemons;
        if (!startDaemons(counts[r], db, url, daemons)) {
            std::fprintf(stderr, "the daemons did not share the partitions within 60 s\n");
            return 1;
        }
        OutboxWriter writer(url);
        if (!writer.start(1000000000)) {
            std::fprintf(stderr, "cannot open the outbox\n");
            return 1;
        }
        const auto cpu = [&] {
            CpuSample c;
            for (auto &d : daemons)
                c.daemons.push_back(bench::threadCpuByName(d->pid()));
            c.server = bench::serverCpuSeconds(postmaster);
            c.own = bench::ownCpuSeconds();
            return c;
        };
        QMap<QString, QPair<double, double>> span; // daemon → first, last delivery (s)
        QMap<QString, qint64> last;
        const Applied before = applied(targets);
        const CpuSample cpu0 = cpu();
        QElapsedTimer clock;
        clock.start();
        // Each daemon's delivered count, sampled each second from the first write on, on a
        // thread and a connection of its own.
        std::atomic<bool> done{false};
        WaitSampler waits;
        if (qEnvironmentVariableIntValue("BENCH_WAITS") > 0)
            waits.start(pg, db);
        std::thread sampler([&] {
            QSqlDatabase c =
                QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("sampler"));
            c.setHostName(QStringLiteral("127.0.0.1"));
            c.setPort(pg.port());
            c.setUserName(pg.user());
            c.setDatabaseName(db);
            c.open();
            const auto sample = [&](double at) {
                const QMap<QString, qint64> counts = deliveredByDaemon(c);
                for (auto it = counts.begin(); it != counts.end(); ++it) {
                    if (it.value() > 0 && !span.contains(it.key()))
                        span[it.key()] = {at, at};
                    if (it.value() > last.value(it.key()))
                        span[it.key()].second = at;
                    last[it.key()] = it.value();
                }
            };
            while (!done) {
                sample(double(clock.elapsed()) / 1000.0);
                QThread::msleep(1000);
            }
            // The heartbeats after the end, so the last deliveries are counted.
            const double end = double(clock.elapsed()) / 1000.0;
            QThread::msleep(2 * DaemonHeartbeat::BeatMs);
            sample(end);
            c.close();
            c = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("sampler"));
        });
        load(writer, db, events);
        const double loaded = double(clock.elapsed()) / 1000.0;
        Applied now;
        const bool all = waitFor(
            [&] {
                now = applied(targets);
                return now.applied - before.applied >= events;
            },
            1800000);
        const double seconds = double(clock.nsecsElapsed()) / 1e9;
        const CpuSample cpu1 = cpu();
        waits.stopAndPrint();
        done = true;
        sampler.join();
        rates[r] = double(now.applied - before.applied) / seconds;
        std::printf("%d daemon%s, sync_workers=%d: %d events delivered in %.1f s = %.0f events/s "
                    "(written in %.1f s; duplicates %lld, out of order %lld, rejected %lld)%s\n",
                    counts[r], counts[r] > 1 ? "s" : " ", workers, events, seconds, rates[r],
                    loaded, now.duplicates - before.duplicates, now.outOfOrder - before.outOfOrder,
                    now.rejected - before.rejected, all ? "" : "  NOT ALL DELIVERED");
        double daemonsCpu = 0;
        for (std::size_t d = 0; d < daemons.size(); ++d) {
            QStringList threads;
            double total = 0;
            const auto &c0 = cpu0.daemons[d];
            const auto &c1 = cpu1.daemons[d];
            for (auto it = c1.begin(); it != c1.end(); ++it) {
                const double used = it.value() - c0.value(it.key());
                total += used;
                if (used >= 0.05)
                    threads << QStringLiteral("%1 %2")
                                   .arg(QString::fromLatin1(it.key()))
                                   .arg(used, 0, 'f', 1);
            }
            daemonsCpu += total;
            QString key;
            for (auto it = span.begin(); it != span.end(); ++it)
                if (it.key().section(u':', 1, 1).toLongLong() == daemons[d]->pid())
                    key = it.key();
            std::printf("  daemon %zu: CPU %.1f s (%s); delivered %lld, first at %.0f s, last at "
                        "%.0f s\n",
                        d, total, qPrintable(threads.join(QStringLiteral(", "))), last.value(key),
                        span.value(key).first, span.value(key).second);
        }
        std::printf("  CPU over the run: daemons %.1f s (%.0f us an event), PostgreSQL server "
                    "%.1f s (%.0f us an event), this process (the writer) %.1f s\n",
                    daemonsCpu, daemonsCpu * 1e6 / events, cpu1.server - cpu0.server,
                    (cpu1.server - cpu0.server) * 1e6 / events, cpu1.own - cpu0.own);
        if (r == 1) {
            const QMap<QString, int> h = holders(pg, db);
            QStringList shares;
            for (int n : h)
                shares << QString::number(n);
            std::printf("  partitions held: %s of %d\n",
                        qPrintable(shares.join(QStringLiteral(", "))), PostgresSchema::Partitions);
        }
        writer.stop();
        for (auto &d : daemons)
            d->stop();
    }
    std::printf("ratio %d daemons / 1 daemon: %.2fx (target >= 2.5x)\n\n", many,
                rates[1] / rates[0]);

    // 2. Takeover while events arrive at a steady rate (about half of what one daemon sends).
    if (takeover == QLatin1String("none")) {
        reportServer(pg);
        return 0;
    }
    QString db, url;
    std::vector<std::unique_ptr<Daemon>> daemons;
    if (!startDaemons(many, db, url, daemons)) {
        std::fprintf(stderr, "the daemons did not share the partitions within 60 s\n");
        return 1;
    }
    OutboxWriter writer(url);
    if (!writer.start(1000000000))
        return 1;
    const Applied before = applied(targets);
    const double perSecond = std::max(50.0, rates[0] / 2);
    const int seconds = 30, killAt = 8;
    const int total = int(perSecond * seconds);
    QElapsedTimer clock;
    clock.start();
    bool killed = false;
    qint64 killedAt = 0;
    for (int i = 0; i < total; i += 50) {
        const qint64 due = qint64(double(i) * 1000.0 / perSecond);
        if (clock.elapsed() < due)
            QThread::msleep(quint64(due - clock.elapsed()));
        if (!killed && clock.elapsed() >= killAt * 1000) {
            daemons[0]->signal(takeover == QLatin1String("stop") ? SIGSTOP : SIGKILL);
            killed = true;
            killedAt = QDateTime::currentMSecsSinceEpoch();
        }
        QList<OutboxItem> items;
        for (int k = i; k < std::min(total, i + 50); ++k)
            items.append(itemFor(db, k));
        if (!writer.write(items))
            std::fprintf(stderr, "a write failed\n");
    }
    Applied now;
    waitFor(
        [&] {
            now = applied(targets);
            return now.applied - before.applied >= total;
        },
        120000);
    // Delay of each event from the ledger (one user per event, so one ledger row per event).
    const QString sql =
        QStringLiteral("SELECT COUNT(*), COALESCE(MAX(l.acked_at - e.created_at), 0),"
                       " COALESCE(percentile_disc(0.99) WITHIN GROUP (ORDER BY l.acked_at -"
                       " e.created_at), 0), COALESCE(MAX(l.acked_at - e.created_at) FILTER (WHERE"
                       " e.created_at < %1), 0) FROM events e JOIN ledger l ON l.event_id ="
                       " e.event_id")
            .arg(killedAt);
    const QVariantList f = queryRow(pg, db, sql);
    const qint64 acked = f.value(0).toLongLong();
    const qint64 lost = qint64(total) - acked;
    std::printf("takeover (%s of one of %d daemons %d s into %d s of %.0f events/s): longest delay "
                "accepted -> acknowledged %.1f s (p99 %.1f s; longest before the %s %.1f s) "
                "against lease %d s + 2 s = %d s: %s; lost %lld of %d; duplicates at the targets "
                "%lld (same event id), out of order %lld\n",
                takeover == QLatin1String("stop") ? "SIGSTOP" : "SIGKILL", many, killAt, seconds,
                perSecond, f.value(1).toDouble() / 1000.0, f.value(2).toDouble() / 1000.0,
                takeover == QLatin1String("stop") ? "stop" : "kill", f.value(3).toDouble() / 1000.0,
                leaseSeconds(), leaseSeconds() + 2,
                f.value(1).toDouble() <= (leaseSeconds() + 2) * 1000.0 ? "within" : "OVER", lost,
                total, now.duplicates - before.duplicates, now.outOfOrder - before.outOfOrder);
    writer.stop();
    for (auto &d : daemons)
        d->stop();
    reportServer(pg);
    return 0;
}
