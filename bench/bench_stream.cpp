// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API's live stream: what 20 connected consoles cost jobfirstd (1,000 nodes, a
// snapshot a second to each), and how soon a node's state change reaches a connected console.
#include "api/codec.h"
#include "api/localenginesession.h"
#include "benchsupport.h"
#include "remote/remoteenginesession.h"
#include "remote/snapshotreader.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
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
#include <ctime>
#include <cstdio>
#include <map>

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

/// A bare reader of the stream on its own thread, asking for no snapshots (interval_ms=0): it
/// only splits frames and reads the small health events, so the time it sees one is when
/// jobfirstd sent it (plus loopback), whatever the consoles are busy with.
class WireProbe final : public QThread
{
public:
    WireProbe(quint16 port, QByteArray token, QString node)
        : m_port(port), m_token(std::move(token)), m_node(std::move(node))
    {
    }
    ~WireProbe() override { stop(); }
    void stop()
    {
        m_stop = true;
        wait();
    }
    /// Arrival time (ms since epoch) of each health event of `node`, by its transition time.
    std::map<qint64, qint64> arrivals() const
    {
        QMutexLocker lock(&m_mutex);
        return m_arrivals;
    }

protected:
    void run() override
    {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        if (!socket.waitForConnected(5000))
            return;
        socket.write("GET /api/v1/stream?interval_ms=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: "
                     "text/event-stream\r\n"
                     "Authorization: Bearer " +
                     m_token + "\r\n\r\n");
        QByteArray buffer;
        while (!m_stop && socket.state() == QAbstractSocket::ConnectedState) {
            if (!socket.waitForReadyRead(100))
                continue;
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            buffer += socket.readAll();
            for (qsizetype end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
                const QByteArray frame = buffer.left(end);
                buffer.remove(0, end + 2);
                const qsizetype data = frame.indexOf("\ndata: ");
                if (!frame.startsWith("event: health") || data < 0)
                    continue;
                auto e = codec::decode<HealthEvent>(
                    QJsonDocument::fromJson(frame.mid(data + 7)).object());
                if (e && e->nodeId == m_node) {
                    QMutexLocker lock(&m_mutex);
                    m_arrivals.emplace(e->timestamp, now);
                }
            }
        }
    }

private:
    quint16 m_port;
    QByteArray m_token;
    QString m_node;
    std::atomic_bool m_stop{false};
    mutable QMutex m_mutex;
    std::map<qint64, qint64> m_arrivals;
};

/// CPU time the calling thread has used, in ms: what decoding costs, whatever the machine's
/// load (the wall time of the same work waits for a core).
double threadCpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

/// What a console's decoder thread spends on one snapshot of `nodes` nodes (and a target
/// per node) while `changed` rows change between snapshots: the whole snapshot parsed, as
/// before session 7 (the peer), against SnapshotReader, which parses the changed rows only.
void decodeCost(int nodes, int changed)
{
    EngineSnapshot s;
    s.at = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < nodes; ++i) {
        NodeStatus n;
        n.spec.id = QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0'));
        n.spec.url = QStringLiteral("http://127.0.0.1:%1").arg(20000 + i);
        n.health = HealthState::Up;
        n.eligible = true;
        n.effectiveWeight = 1;
        n.responseTimeMs = 0.4 + i % 7 * 0.1;
        n.requests = 100 + i;
        n.lastCheckAt = s.at - i * 30;
        n.lastCheckResult = QStringLiteral("ok");
        n.lastChangeAt = s.at - 3600000;
        n.consecutiveOk = 50;
        s.nodes << n;
        TargetStatus t;
        t.name = QStringLiteral("node:") + n.spec.id;
        t.url = n.spec.url + QStringLiteral("/cluster/sync");
        t.success = 10 + i;
        s.sync.targets << t;
    }
    const int rounds = 40;
    QList<QByteArray> texts;
    for (int r = 0; r < rounds; ++r) {
        for (int c = 0; c < changed; ++c) { // the next nodes checked (30 s apart), their targets
            NodeStatus &n = s.nodes[(r * changed + c) % nodes];
            n.lastCheckAt = s.at + r * 250;
            n.responseTimeMs += 0.01;
            s.sync.targets[(r * changed + c) % nodes].success += 1;
        }
        texts << QJsonDocument(codec::encode(s)).toJson(QJsonDocument::Compact);
    }
    std::vector<double> whole, rows;
    qsizetype parsed = 0;
    SnapshotReader reader;
    (void)reader.read(texts.first());
    for (int r = 1; r < rounds; ++r) {
        double t0 = threadCpuMs();
        const auto a = codec::decode<EngineSnapshot>(QJsonDocument::fromJson(texts[r]).object());
        whole.push_back(threadCpuMs() - t0);
        t0 = threadCpuMs();
        const auto b = reader.read(texts[r]);
        rows.push_back(threadCpuMs() - t0);
        parsed += reader.lastParsedRows();
        if (!a || !b || a->nodes.size() != b->nodes.size())
            std::printf("decoding failed\n");
    }
    std::sort(whole.begin(), whole.end());
    std::sort(rows.begin(), rows.end());
    const double wholeP50 = whole[whole.size() / 2], rowsP50 = rows[rows.size() / 2];
    std::printf("a console decoding one snapshot of %d nodes and %d targets (%.0f kB), %d nodes and "
                "their targets changed since the last: whole snapshot (peer) %.2f ms CPU p50, "
                "changed rows only (%lld rows parsed a snapshot) %.2f ms CPU p50: %.2fx\n",
                nodes, nodes, double(texts.last().size()) / 1024.0, changed, wholeP50,
                qint64(parsed / (rounds - 1)), rowsP50, rowsP50 / wholeP50);
}

struct Spread
{
    std::vector<double> ms;
    void add(double v) { ms.push_back(v); }
    QString text()
    {
        if (ms.empty())
            return QStringLiteral("none");
        std::sort(ms.begin(), ms.end());
        const auto pct = [&](double p) {
            return ms[std::min(ms.size() - 1, std::size_t(p * double(ms.size())))];
        };
        return QStringLiteral("p50 %1 ms, p99 %2 ms, max %3 ms (%4)")
            .arg(pct(0.5), 0, 'f', 0)
            .arg(pct(0.99), 0, 'f', 0)
            .arg(ms.back(), 0, 'f', 0)
            .arg(ms.size());
    }
};

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
    const int changes = qEnvironmentVariableIntValue("BENCH_CHANGES") > 0
                            ? qEnvironmentVariableIntValue("BENCH_CHANGES")
                            : 200;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("command: build/bench/bench_stream %d   (BENCH_SECONDS=%d BENCH_CHANGES=%d)\n", nodes, seconds, changes);
    // 1,000 nodes checked every 30 s: about 8 checks between two snapshots 250 ms apart.
    decodeCost(nodes, std::max(1, nodes / 120));
    if (QCoreApplication::arguments().contains(QStringLiteral("--decode-only")))
        return 0;
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
        const EngineOptions o = bench::setupOptions(db, config);
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

    // State changes: flip the node's health and time each change, from the engine's transition
    // time, to (a) the wire: a bare reader with no snapshots to decode; (b) one of the 20
    // consoles: its health event; (c) the same console: the first snapshot that shows the new
    // state (what the window draws).
    WireProbe wire(quint16(url.port()), token, QStringLiteral("flip"));
    wire.start();
    struct Seen
    {
        qint64 event = 0, snapshot = 0;
    };
    std::map<qint64, Seen> seen; // by the engine's transition time
    std::vector<qint64> changed; // transition times, in the order the console heard of them
    QObject::connect(sessions.front().get(), &EngineSession::healthChanged, &app,
                     [&](const HealthEvent &e) {
                         if (e.nodeId == QStringLiteral("flip")) {
                             seen[e.timestamp].event = QDateTime::currentMSecsSinceEpoch();
                             changed.push_back(e.timestamp);
                         }
                     });
    QObject::connect(sessions.front().get(), &EngineSession::snapshot, &app,
                     [&](const EngineSnapshot &snapshot) {
                         for (const NodeStatus &n : snapshot.nodes)
                             if (n.spec.id == QStringLiteral("flip") && n.lastChangeAt &&
                                 !seen[n.lastChangeAt].snapshot)
                                 seen[n.lastChangeAt].snapshot =
                                     QDateTime::currentMSecsSinceEpoch();
                     });
    waitMs(1000); // the probe's stream is open
    const QString control = QStringLiteral("http://127.0.0.1:%1/control").arg(simPort);
    RemoteEngineSession flipper(RemoteOptions{url, operatorToken, {}});
    await(flipper.connectToEngine(false));
    for (int i = 0; i < changes; ++i) {
        const std::size_t before = changed.size();
        post(control, i % 2 == 0 ? QByteArray(R"({"status": 503})") : QByteArray(R"({"status": 0})"));
        flipper.checkNodes({QStringLiteral("flip")});
        QElapsedTimer wait;
        wait.start();
        while ((changed.size() == before || !seen[changed.back()].snapshot) &&
               wait.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    waitMs(200);
    wire.stop();
    // jobfirstd's own log line of each change, written by the thread that writes the stream
    // when the change reached it: how long the change took inside jobfirstd.
    std::map<qint64, qint64> logged;
    for (const QByteArray &line : daemon.readAllStandardError().split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QJsonObject f = o.value(QStringLiteral("fields")).toObject();
        if (o.value(QStringLiteral("component")).toString() != QStringLiteral("health") ||
            f.value(QStringLiteral("node")).toString() != QStringLiteral("flip"))
            continue;
        const auto at = codec::parseIsoTime(f.value(QStringLiteral("timestamp")).toString());
        const auto when = codec::parseIsoTime(o.value(QStringLiteral("time")).toString());
        if (at && when)
            logged.emplace(*at, *when);
    }
    Spread inDaemon, atWire, atEvent, atSnapshot;
    const std::map<qint64, qint64> wired = wire.arrivals();
    for (const qint64 at : changed) {
        const Seen &s = seen[at];
        if (auto l = logged.find(at); l != logged.end())
            inDaemon.add(double(l->second - at));
        if (auto w = wired.find(at); w != wired.end())
            atWire.add(double(w->second - at));
        atEvent.add(double(s.event - at));
        if (s.snapshot)
            atSnapshot.add(double(s.snapshot - at));
    }
    std::printf(
        "node state change (engine's transition time) -> %zu changes, with %d consoles streaming:\n"
        "  jobfirstd's stream thread (its log line):  %s\n"
        "  on the wire (a bare reader, no snapshots): %s\n"
        "  a connected console's health event:        %s (target p99 <= 200 ms)\n"
        "  the same console's first snapshot with it: %s\n",
        changed.size(), consoles, qPrintable(inDaemon.text()), qPrintable(atWire.text()),
        qPrintable(atEvent.text()), qPrintable(atSnapshot.text()));
    sessions.clear();
    ::kill(pid_t(daemon.processId()), SIGTERM);
    daemon.waitForFinished(30000);
    sim.terminate();
    sim.waitForFinished();
    nginx.terminate();
    nginx.waitForFinished();
    return 0;
}
