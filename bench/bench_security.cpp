// SPDX-License-Identifier: GPL-3.0-or-later
// What security costs, each next to its peer measured in the same run (issue 11):
//   tls-health [N]   N https nodes checked at 1 s (nginx, TLS on N ports, session reuse on):
//                    CPU of our checker vs HAProxy "check check-ssl verify required".
//   tls-delivery     deliveries over https, batching off, vs wrk over https to the same nginx.
//   audit [N]        audit appends with the hash chain vs the same appends without it.
//   backup [MB] [rounds N]  an online backup of an MB-sized store while 1,000 events/s are
//                    delivered: real-time p99 before and during the backup, N times over
//                    the same store (filling it is what takes long).
// Usage: bench_security [part...]; no part runs them all. Certificates come from openssl.
#include "cluster/healthchecker.h"
#include "core/secrets.h"
#include "store/backup.h"
#include "store/store.h"
#include "sync/syncservice.h"
#include "testcertificates.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtConcurrent>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

using namespace jobfirst;

namespace {

QString g_dir;
TestCertificates g_certs;
int g_base = 0;

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}


double cpuSecondsSelf()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

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

QString findBin(const QString &name)
{
    return QStandardPaths::findExecutable(
        name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
}

/// nginx with TLS (the test CA's server certificate) on `ports` ports from g_base; sessions
/// may be resumed (a shared session cache and tickets).
bool startNginx(QProcess &nginx, int ports, const QString &name)
{
    const QString bin = findBin(QStringLiteral("nginx"));
    if (bin.isEmpty()) {
        std::printf("nginx not installed (bench/run installs nginx-light)\n");
        return false;
    }
    QString listens;
    for (int i = 0; i < ports; ++i)
        listens += QStringLiteral("listen 127.0.0.1:%1 ssl;\n").arg(g_base + i);
    QFile conf(g_dir + u'/' + name + QStringLiteral(".conf"));
    conf.open(QIODevice::WriteOnly);
    conf.write(
        QStringLiteral(
            // One process (no master): killed with its QProcess, it leaves no orphan workers.
            "master_process off; worker_processes 1; worker_rlimit_nofile 20000; daemon off; pid %1/%4.pid; error_log "
            "%1/%4.err;\n"
            "events { worker_connections 10000; }\n"
            "http { access_log off; keepalive_requests 1000000; client_body_temp_path %1;\n"
            " ssl_certificate %2; ssl_certificate_key %3; ssl_session_cache shared:SSL:10m;\n"
            " ssl_protocols TLSv1.2 TLSv1.3;\n"
            " server {\n%5 location / { return 200 '{\"status\":\"ok\"}'; } } }\n")
            .arg(g_dir, g_certs.serverCert(), g_certs.serverKey(), name, listens)
            .toUtf8());
    conf.close();
    nginx.start(bin, {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), g_dir});
    if (!nginx.waitForStarted(5000) || nginx.waitForFinished(800)) {
        std::printf("nginx did not start: %s\n", nginx.readAllStandardError().constData());
        return false;
    }
    for (int i = 0; i < 100; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QStringLiteral("127.0.0.1"), quint16(g_base + ports - 1));
        // Someone else's server on the port would answer too: ours must still be running.
        if (probe.waitForConnected(100) && nginx.state() == QProcess::Running &&
            !nginx.waitForFinished(300))
            return true;
        if (nginx.state() != QProcess::Running) {
            std::printf("nginx exited (a port from %d taken?): %s\n", g_base,
                        nginx.readAllStandardError().constData());
            return false;
        }
        QThread::msleep(100);
    }
    std::printf("nginx is not listening on its %d ports\n", ports);
    return false;
}

void tlsHealth(int nodes)
{
    std::printf("\n== tls-health: %d https nodes checked every 1 s\n", nodes);
    QProcess nginx;
    if (!startNginx(nginx, nodes, QStringLiteral("health")))
        return;
    const int seconds = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0
                            ? qEnvironmentVariableIntValue("BENCH_SECONDS")
                            : 20;
    double ours = 0;
    {
        HealthChecker checker;
        checker.setTimeoutMs(900);
        checker.setJitterPercent(10);
        checker.setIntervalPolicy([](const QString &) { return qint64(1000); });
        qint64 ok = 0, failed = 0;
        QString firstFailure;
        QObject::connect(&checker, &HealthChecker::checkFinished, &checker,
                         [&](const CheckResult &r) {
                             (r.outcome == CheckOutcome::Ok ? ok : failed)++;
                             if (r.outcome != CheckOutcome::Ok && firstFailure.isEmpty())
                                 firstFailure = r.detail;
                         });
        const auto security = HttpSecurity::fromSettings(g_certs.caCert(), {}, {}, false, {});
        for (int i = 0; i < nodes; ++i)
            checker.setNode(QStringLiteral("n%1").arg(i),
                            QUrl(QStringLiteral("https://127.0.0.1:%1/health").arg(g_base + i)),
                            1000, security);
        checker.start();
        waitMs(3000);
        const qint64 started = checker.checksStarted();
        const double cpu0 = cpuSecondsSelf();
        QElapsedTimer wall;
        wall.start();
        waitMs(seconds * 1000);
        ours = (cpuSecondsSelf() - cpu0) / (double(wall.nsecsElapsed()) / 1e9);
        std::printf("ours:    %d https nodes (ca_file, verified) at 1 s: %.1f%% of one core, %.0f "
                    "checks/s; %lld ok, %lld failed\n",
                    nodes, ours * 100, double(checker.checksStarted() - started) / seconds, ok,
                    failed);
        if (!firstFailure.isEmpty())
            std::printf("         first failure: %s\n", qPrintable(firstFailure));
        checker.stop();
    }
    const QString haproxy = findBin(QStringLiteral("haproxy"));
    if (haproxy.isEmpty()) {
        std::printf("haproxy not installed: no peer figure (bench/run installs it)\n");
        return;
    }
    QString servers;
    for (int i = 0; i < nodes; ++i)
        servers += QStringLiteral("  server s%1 127.0.0.1:%2 check check-ssl verify required "
                                  "ca-file %3 inter 1s fall 3 rise 2\n")
                       .arg(i)
                       .arg(g_base + i)
                       .arg(g_certs.caCert());
    QFile hc(g_dir + QStringLiteral("/haproxy.cfg"));
    hc.open(QIODevice::WriteOnly);
    hc.write(QStringLiteral("global\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect "
                            "900ms\n  timeout server 900ms\n"
                            "  timeout client 5s\n  timeout check 900ms\n  option httpchk GET "
                            "/health\n"
                            // HAProxy refuses to run without a listener; this one is never used.
                            "frontend unused\n  bind 127.0.0.1:%2\n  default_backend nodes\n"
                            "backend nodes\n%1")
                 .arg(servers)
                 .arg(freePort())
                 .toUtf8());
    hc.close();
    QProcess hp;
    hp.setProcessChannelMode(QProcess::MergedChannels);
    hp.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-q"), QStringLiteral("-f"), hc.fileName()});
    if (!hp.waitForStarted(5000) || hp.waitForFinished(3000)) { // still running after 3 s
        std::printf("haproxy did not run: %s\n", hp.readAll().left(400).constData());
        return;
    }
    const double c0 = cpuSecondsOf(hp.processId());
    QElapsedTimer wall;
    wall.start();
    QThread::sleep(seconds);
    const double peer = (cpuSecondsOf(hp.processId()) - c0) / (double(wall.nsecsElapsed()) / 1e9);
    std::printf("peer:    haproxy -db -f haproxy.cfg (%d servers, check check-ssl verify required, "
                "inter 1s): %.1f%% of one core\n",
                nodes, peer * 100);
    if (peer > 0)
        std::printf("ratio ours/haproxy CPU: %.2fx (target <= 1.2x)\n", ours / peer);
    hp.terminate();
    hp.waitForFinished();
}

QList<SyncEvent> events(int n, int offset, int payloadBytes = 0)
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
        if (payloadBytes > 0)
            e.data.insert(QStringLiteral("resume"), QString(payloadBytes, u'r'));
        list << e;
    }
    return list;
}

TargetConfig httpsTarget(int port)
{
    TargetConfig t;
    t.name = QStringLiteral("t");
    t.url = QStringLiteral("https://127.0.0.1:%1/sync").arg(port);
    t.events = {QStringLiteral("user.updated")};
    t.secret = generateSecret();
    t.caFile = g_certs.caCert();
    t.timeoutMs = 5000;
    return t;
}

qint64 delivered(SyncService &sync)
{
    const SyncStats s = sync.stats();
    return s.targets.isEmpty() ? 0 : s.targets.first().success;
}

void tlsDelivery()
{
    std::printf("\n== tls-delivery: one https target, batching off\n");
    QProcess nginx;
    if (!startNginx(nginx, 1, QStringLiteral("delivery")))
        return;
    // Peer: wrk POSTing 512 bytes over https to the same nginx.
    double wrk = 0;
    if (const QString bin = findBin(QStringLiteral("wrk")); !bin.isEmpty()) {
        QFile lua(g_dir + QStringLiteral("/post.lua"));
        lua.open(QIODevice::WriteOnly);
        lua.write("wrk.method = \"POST\"\nwrk.body = string.rep(\"x\", "
                  "512)\nwrk.headers[\"Content-Type\"] = \"application/json\"\n");
        lua.close();
        const QStringList args{
            QStringLiteral("-t1"),  QStringLiteral("-c32"),
            QStringLiteral("-d5s"), QStringLiteral("-s"),
            lua.fileName(),         QStringLiteral("https://127.0.0.1:%1/sync").arg(g_base)};
        QProcess p;
        p.start(bin, args);
        p.waitForFinished(60000);
        static const QRegularExpression re(QStringLiteral("Requests/sec:\\s+([0-9.]+)"));
        wrk = re.match(QString::fromUtf8(p.readAllStandardOutput())).captured(1).toDouble();
        std::printf("peer:    wrk %s -> %.0f requests/s\n", qPrintable(args.join(u' ')), wrk);
    } else {
        std::printf("wrk not installed: no peer figure (bench/run installs it)\n");
    }
    QTemporaryDir dir;
    auto store = std::move(Store::open(dir.filePath(QStringLiteral("d.db")))).value();
    ClusterConfig c;
    c.targets = {httpsTarget(g_base)};
    c.syncWorkers = 32;
    c.syncBacklogLimit = 100000000;
    SyncService sync(store.get(), c);
    if (!sync.start(true))
        return;
    const int n = qEnvironmentVariableIntValue("BENCH_EVENTS") > 0
                      ? qEnvironmentVariableIntValue("BENCH_EVENTS")
                      : 100000;
    sync.setTargetPaused(QStringLiteral("t"), true, QStringLiteral("bench"));
    for (int done = 0; done < n; done += 5000)
        if (!sync.publish(events(std::min(5000, n - done), done)))
            return;
    QElapsedTimer t;
    t.start();
    sync.setTargetPaused(QStringLiteral("t"), false, QStringLiteral("bench"));
    while (delivered(sync) < n && t.elapsed() < 300000)
        QThread::msleep(5);
    const double rate = double(delivered(sync)) / (double(t.nsecsElapsed()) / 1e9);
    std::printf("ours:    %d signed deliveries over https (ca_file, verified), sync_workers=32: "
                "%.0f deliveries/s",
                n, rate);
    std::printf(wrk > 0 ? " = %.2fx wrk (target >= 0.25x)\n" : "\n", rate / wrk);
    sync.stop();
}

void audit(int rows)
{
    std::printf("\n== audit: %d appends, one per transaction (synchronous=FULL), with and without the hash chain\n", rows);
    QTemporaryDir dir;
    // Without: the same row in the same IMMEDIATE transaction per append, no hash and no head.
    // The two run in alternating rounds, so the machine's drift (other builds, other disks'
    // fsyncs) falls on both alike.
    auto plainStore = std::move(Store::open(dir.filePath(QStringLiteral("plain.db")))).value();
    auto chainedStore = std::move(Store::open(dir.filePath(QStringLiteral("chained.db")))).value();
    QSqlQuery q(plainStore->database());
    const auto plainRound = [&](int from, int n) {
        for (int i = from; i < from + n; ++i) {
            q.exec(QStringLiteral("BEGIN IMMEDIATE"));
            q.prepare(QStringLiteral("INSERT INTO audit(ts, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)"));
            q.addBindValue(QDateTime::currentMSecsSinceEpoch());
            q.addBindValue(QStringLiteral("console:alice"));
            q.addBindValue(QStringLiteral("node.weight"));
            q.addBindValue(QStringLiteral("node-%1").arg(i));
            q.addBindValue(QStringLiteral("{\"weight\":1}"));
            q.addBindValue(QStringLiteral("{\"weight\":2}"));
            if (!q.exec())
                std::printf("insert failed: %s\n", qPrintable(q.lastError().text()));
            q.exec(QStringLiteral("COMMIT"));
        }
    };
    const auto chainedRound = [&](int from, int n) {
        for (int i = from; i < from + n; ++i)
            chainedStore->appendAudit(AuditEntry{0, 0, QStringLiteral("console:alice"), QStringLiteral("node.weight"),
                                                 QStringLiteral("node-%1").arg(i), QStringLiteral("{\"weight\":1}"),
                                                 QStringLiteral("{\"weight\":2}")});
    };
    const int rounds = 10, perRound = std::max(1, rows / rounds);
    qint64 plainNs = 0, chainedNs = 0;
    for (int r = 0; r < rounds; ++r) {
        QElapsedTimer t;
        for (int k = 0; k < 2; ++k) {
            const bool chained = (r + k) % 2 == 1;
            t.start();
            chained ? chainedRound(r * perRound, perRound) : plainRound(r * perRound, perRound);
            (chained ? chainedNs : plainNs) += t.nsecsElapsed();
        }
    }
    const double plain = rounds * perRound / (double(plainNs) / 1e9);
    const double chained = rounds * perRound / (double(chainedNs) / 1e9);
    std::printf("peer:    INSERT without the chain: %.0f appends/s\n", plain);
    std::printf("ours:    Store::appendAudit with the chain: %.0f appends/s = %.2fx (target >= 0.9x)\n", chained, chained / plain);
    QElapsedTimer v;
    v.start();
    const auto verified = chainedStore->verifyAuditChain();
    std::printf("         verifyAuditChain over %lld rows: %.0f ms (%s)\n", verified ? verified->rows : 0, double(v.elapsed()),
                verified && verified->ok ? "ok" : "FAILED");
}

void backup(int megabytes, int rounds)
{
    std::printf("\n== backup: online backup of a ~%d MB store while 1,000 events/s are delivered\n",
                megabytes);
    QProcess nginx;
    g_base = freePort(); // one port: one the kernel says is free now, not a guessed range
    if (!startNginx(nginx, 1, QStringLiteral("backup")))
        return;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("big.db"));
    auto store = std::move(Store::open(db)).value();
    ClusterConfig c;
    TargetConfig t = httpsTarget(g_base);
    c.targets = {t};
    c.syncBacklogLimit = 100000000;
    SyncService sync(store.get(), c);
    // Every acknowledged event's latency (accepted to acknowledged), once recording is on:
    // exact figures per phase, and none of the set-up's bulk deliveries among them.
    std::mutex latencyMutex;
    std::vector<float> latencies;
    std::atomic_bool recording{false};
    sync.setDeliveryObserver([&](const QString &, const float *ms, std::size_t n) {
        if (!recording)
            return;
        std::lock_guard lock(latencyMutex);
        latencies.insert(latencies.end(), ms, ms + n);
    });
    if (!sync.start(true))
        return;
    // Fill: delivered history (as a store months old has), bulk-written, then delivered.
    QElapsedTimer fill;
    fill.start();
    sync.setTargetPaused(QStringLiteral("t"), true, QStringLiteral("bench"));
    int written = 0;
    while (QFileInfo(db).size() + QFileInfo(db + QStringLiteral("-wal")).size() <
           qint64(megabytes) * 1024 * 1024) {
        if (!sync.publish(events(5000, written, 700), SyncMode::Bulk))
            return;
        written += 5000;
    }
    sync.setTargetPaused(QStringLiteral("t"), false, QStringLiteral("bench"));
    // Delivered to the end, unless deliveries stop moving (nginx gone: say so, do not hang).
    qint64 left = sync.backlog(), lastMove = fill.elapsed();
    while (left > 0) {
        QThread::msleep(100);
        const qint64 now = sync.backlog();
        if (now < left)
            lastMove = fill.elapsed();
        left = now;
        if (fill.elapsed() - lastMove > 60000) {
            std::printf("set-up:  deliveries stopped with %lld waiting: %s\n", left,
                        qPrintable(sync.stats().targets.value(0).lastError));
            return;
        }
    }
    store->database().exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    std::printf("set-up:  %d events, store %.0f MB, filled and delivered in %.0f s\n", written,
                double(QFileInfo(db).size()) / 1048576.0, double(fill.elapsed()) / 1000.0);
    std::fflush(stdout);

    // Real-time events at 1,000/s (10 every 10 ms) on this (engine) thread; 5 s to settle.
    int next = written;
    QTimer feed;
    feed.setTimerType(Qt::PreciseTimer);
    QObject::connect(&feed, &QTimer::timeout, &feed, [&] {
        sync.publish(events(10, next));
        next += 10;
    });
    feed.start(10);
    waitMs(5000);
    recording = true;
    QElapsedTimer phase;
    // The latencies recorded since the last call: count, p50, p99, max, and the rate.
    const auto take = [&](const char *label, const char *who) {
        std::vector<float> v;
        {
            std::lock_guard lock(latencyMutex);
            v.swap(latencies);
        }
        const double seconds = double(phase.restart()) / 1000.0;
        std::sort(v.begin(), v.end());
        const auto at = [&v](double p) {
            return v.empty() ? 0.0
                             : double(v[std::min(v.size() - 1, std::size_t(p * double(v.size())))]);
        };
        std::printf("%s %s: %zu real-time events in %.1f s (%.0f/s): p50 %.1f ms, p99 %.1f ms, "
                    "max %.1f ms\n",
                    who, label, v.size(), seconds, double(v.size()) / seconds, at(0.5), at(0.99),
                    v.empty() ? 0.0 : double(v.back()));
        return at(0.99);
    };
    const QByteArray passphrase("bench backup passphrase");
    const QString file = dir.filePath(QStringLiteral("big.jfbackup"));
    for (int round = 1; round <= rounds; ++round) {
        std::printf("round %d/%d\n", round, rounds);
        QFile::remove(file);
        phase.start();
        {
            std::lock_guard lock(latencyMutex);
            latencies.clear();
        }
        waitMs(12000);
        take("before the backup (12 s)", "peer:   ");
        QElapsedTimer took;
        qint64 tookMs = 0;
        auto job = QtConcurrent::run([&] {
            took.start();
            auto made = Backup::create(db, file, passphrase);
            tookMs = took.elapsed();
            return made;
        });
        while (!job.isFinished())
            waitMs(100);
        const auto made = job.result();
        const double p99 = take("during the backup", "ours:   ");
        std::printf(
            "ours:    Backup::create %s in %.1f s (%s); during it p99 %.1f ms, target <= 10 "
            "ms\n",
            made ? "succeeded" : qPrintable(made.error().message), double(tookMs) / 1000.0,
            made ? qPrintable(QStringLiteral("%1 MB encrypted")
                                  .arg(double(made->fileBytes) / 1048576.0, 0, 'f', 0))
                 : "",
            p99);
        std::fflush(stdout);
    }
    feed.stop();
    sync.stop();
    nginx.kill();
    nginx.waitForFinished(5000);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    QStringList parts;
    for (int i = 1; i < argc; ++i)
        parts << QString::fromLocal8Bit(argv[i]);
    std::printf("command: build/bench/bench_security %s\n", qPrintable(parts.join(u' ')));
    QTemporaryDir dir;
    g_dir = dir.path();
    g_base = 23000 + 1000 * int(QCoreApplication::applicationPid() % 8);
    if (!g_certs.make(g_dir)) {
        std::printf("openssl could not make the certificates\n");
        return 1;
    }
    const auto number = [&parts](const QString &part, int fallback) {
        const int i = int(parts.indexOf(part));
        bool ok = false;
        const int n = i >= 0 ? parts.value(i + 1).toInt(&ok) : 0;
        return ok ? n : fallback;
    };
    const auto wanted = [&parts](const QString &part) {
        return parts.isEmpty() || parts.contains(part);
    };
    if (wanted(QStringLiteral("audit")))
        audit(number(QStringLiteral("audit"), 5000));
    if (wanted(QStringLiteral("tls-health")))
        tlsHealth(number(QStringLiteral("tls-health"), 1000));
    if (wanted(QStringLiteral("tls-delivery")))
        tlsDelivery();
    if (wanted(QStringLiteral("backup")))
        backup(number(QStringLiteral("backup"), 1024), number(QStringLiteral("rounds"), 1));
    return 0;
}
