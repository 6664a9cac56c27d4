// SPDX-License-Identifier: GPL-3.0-or-later
// Cold start of the console: process start to the first painted window, and to the node
// table filled, with 1,000 nodes and 1,000,000 health-history rows in the store. The peer
// in the same run is the same console on an empty store, so the figure shows what the data
// costs on this machine at this moment.
#include "config/clusterconfig.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace jobfirst;

namespace {

struct Start
{
    double paintedMs = -1;
    double nodesMs = -1;
    int nodes = 0;
};

Start startConsole(const QString &console, const QString &db, const QString &config, const QString &home)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home); // settings of this run only
    p.setProcessEnvironment(env);
    QElapsedTimer clock;
    clock.start();
    p.start(console, {QStringLiteral("--db"), db, QStringLiteral("--config"), config, QStringLiteral("--language"),
                      QStringLiteral("en"), QStringLiteral("--startup-report"), QStringLiteral("--quit-after"), QStringLiteral("20")});
    Start s;
    while (p.state() != QProcess::NotRunning || p.canReadLine()) {
        if (!p.canReadLine() && !p.waitForReadyRead(20000))
            break;
        while (p.canReadLine()) {
            const QList<QByteArray> words = p.readLine().trimmed().split(' ');
            if (words.value(0) == "painted") {
                s.paintedMs = double(clock.nsecsElapsed()) / 1e6;
            } else if (words.value(0) == "nodes") {
                s.nodesMs = double(clock.nsecsElapsed()) / 1e6;
                s.nodes = words.value(1).toInt();
            }
        }
        if (s.nodesMs >= 0)
            break;
    }
    p.waitForFinished(10000);
    return s;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? -1 : v[v.size() / 2];
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int nodes = 1000;
    const int history = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 1000000;
    std::printf("command: build/bench/bench_coldstart %d\n", history);
    const QString console = QCoreApplication::applicationDirPath() + QStringLiteral("/../app/console/jobfirst-console");
    QTemporaryDir dir;

    ClusterConfig c;
    c.maxNodes = nodes;
    QFile config(dir.filePath(QStringLiteral("cluster.json")));
    config.open(QIODevice::WriteOnly);
    config.write(c.toJson());
    config.close();

    QElapsedTimer fill;
    fill.start();
    {
        auto store = std::move(Store::open(dir.filePath(QStringLiteral("big.db")))).value();
        QSqlDatabase db = store->database();
        db.transaction();
        for (int i = 0; i < nodes; ++i) {
            NodeSpec n;
            n.id = QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0'));
            n.url = QStringLiteral("http://127.0.0.1:%1").arg(1 + i); // closed ports: checks fail fast
            n.weight = 1 + i % 10;
            store->insertNode(n);
        }
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state, reason, latency_ms) VALUES (?, ?, ?, ?, ?, ?)"));
        const qint64 t0 = 1700000000000;
        for (int i = 0; i < history; ++i) {
            q.addBindValue(QStringLiteral("node-%1").arg(i % nodes, 4, 10, QLatin1Char('0')));
            q.addBindValue(t0 + i * 1000LL);
            q.addBindValue(i % 2 ? QStringLiteral("up") : QStringLiteral("down"));
            q.addBindValue(i % 2 ? QStringLiteral("down") : QStringLiteral("up"));
            q.addBindValue(QStringLiteral("connection refused"));
            q.addBindValue(double(i % 50));
            q.exec();
        }
        db.commit();
    }
    std::printf("store: %d nodes, %d health-history rows (filled in %.1f s)\n", nodes, history, double(fill.elapsed()) / 1000.0);
    {
        auto empty = Store::open(dir.filePath(QStringLiteral("empty.db")));
        if (!empty)
            return 1;
    }

    std::vector<double> bigPaint, bigNodes, emptyPaint;
    int shownNodes = 0;
    for (int run = 0; run < 5; ++run) {
        const Start e = startConsole(console, dir.filePath(QStringLiteral("empty.db")), config.fileName(), dir.filePath(QStringLiteral("home")));
        const Start b = startConsole(console, dir.filePath(QStringLiteral("big.db")), config.fileName(), dir.filePath(QStringLiteral("home")));
        // An empty store never fills the node table: its run ends at the first paint.
        emptyPaint.push_back(e.paintedMs);
        bigPaint.push_back(b.paintedMs);
        bigNodes.push_back(b.nodesMs);
        shownNodes = b.nodes;
    }
    std::printf("peer, empty store: first painted window %.0f ms (median of 5)\n", median(emptyPaint));
    std::printf("1,000 nodes + %d history rows: first painted window %.0f ms (median of 5, worst %.0f) = %.2fx the empty store;"
                " node table filled with %d nodes at %.0f ms (worst %.0f)\n",
                history, median(bigPaint), *std::max_element(bigPaint.begin(), bigPaint.end()),
                median(bigPaint) / median(emptyPaint), shownNodes, median(bigNodes),
                *std::max_element(bigNodes.begin(), bigNodes.end()));
    return 0;
}
