// SPDX-License-Identifier: GPL-3.0-or-later
// GUI-thread frame time with eight live charts of 3,600 points each updated at 10 Hz and a
// 100-row node table, while the delivery engine drains an outbox into nginx on its own
// threads. Prints frame time p50/p99/max and the longest GUI-thread stall.
#include "charts/livechart.h"
#include "models/recordtablemodel.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QGridLayout>
#include <QProcess>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace jobfirst;
using namespace jobfirst::ui;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    std::printf("command: QT_QPA_PLATFORM=offscreen build/bench/bench_gui\n");
    QTemporaryDir dir;

    // Background load: the delivery engine draining into nginx.
    QProcess nginx;
    std::unique_ptr<Store> store;
    std::unique_ptr<SyncService> sync;
    const QString bin = QStandardPaths::findExecutable(QStringLiteral("nginx"), {QStringLiteral("/usr/sbin")});
    const int port = 24000 + int(QCoreApplication::applicationPid() % 5000);
    if (!bin.isEmpty()) {
        QFile conf(dir.filePath(QStringLiteral("nginx.conf")));
        conf.open(QIODevice::WriteOnly);
        conf.write(QStringLiteral("worker_processes 1; daemon off; pid %1/n.pid; error_log %1/n.err; events { worker_connections 4096; }\n"
                                  "http { access_log off; server { listen 127.0.0.1:%2; location / { return 200 'ok'; } } }\n")
                       .arg(dir.path()).arg(port).toUtf8());
        conf.close();
        nginx.start(bin, {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), dir.path()});
        nginx.waitForStarted();
        store = std::move(Store::open(dir.filePath(QStringLiteral("g.db")))).value();
        ClusterConfig c;
        TargetConfig t;
        t.name = QStringLiteral("sink");
        t.url = QStringLiteral("http://127.0.0.1:%1/").arg(port);
        t.events = {QStringLiteral("user.updated")};
        c.targets = {t};
        c.syncWorkers = 32;
        sync = std::make_unique<SyncService>(store.get(), c);
        sync->start(true);
        sync->setTargetPaused(QStringLiteral("sink"), true, QStringLiteral("bench"));
        for (int b = 0; b < 30; ++b) {
            QList<SyncEvent> events;
            for (int i = 0; i < 5000; ++i)
                events << SyncEvent{QString(), QStringLiteral("user.updated"), QStringLiteral("u%1").arg(b * 5000 + i), {}, 0, 0};
            sync->publish(events);
        }
        sync->setTargetPaused(QStringLiteral("sink"), false, QStringLiteral("bench"));
        std::printf("background: delivery engine draining %lld events into nginx\n", qint64(sync->backlog()));
    } else {
        std::printf("background: nginx not installed, no delivery load\n");
    }

    QWidget window;
    auto *grid = new QGridLayout(&window);
    QList<LiveChart *> charts;
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 8; ++i) {
        auto *chart = new LiveChart([i] { return QStringLiteral("chart %1").arg(i); }, [] { return QStringLiteral("ms"); });
        chart->setWindowMs(360000); // 3,600 points at 10 Hz
        for (int p = 0; p < 3600; ++p)
            chart->addPoint(QStringLiteral("series"), start - 360000 + p * 100, 50 + 40 * std::sin(p / 50.0 + i));
        chart->flush(start);
        charts << chart;
        grid->addWidget(chart, i / 4, i % 4);
    }
    using Col = RecordTableModel<NodeStatus>::Column;
    auto *model = new RecordTableModel<NodeStatus>(
        {Col{[] { return QStringLiteral("node"); }, [](const NodeStatus &n, int r) -> QVariant { return r == Qt::DisplayRole ? QVariant(n.spec.id) : QVariant(); }},
         Col{[] { return QStringLiteral("ms"); }, [](const NodeStatus &n, int r) -> QVariant { return r == Qt::DisplayRole ? QVariant(n.responseTimeMs) : QVariant(); }},
         Col{[] { return QStringLiteral("requests"); }, [](const NodeStatus &n, int r) -> QVariant { return r == Qt::DisplayRole ? QVariant(n.requests) : QVariant(); }}},
        [](const NodeStatus &n) { return n.spec.id; }, &window);
    auto *table = new QTableView;
    table->setModel(model);
    grid->addWidget(table, 2, 0, 1, 4);
    window.resize(1600, 1000);
    window.show();

    std::vector<double> frames;
    qint64 tick = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    QObject::connect(&ticker, &QTimer::timeout, &window, [&] {
        QElapsedTimer t;
        t.start();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < charts.size(); ++i) {
            charts[i]->addPoint(QStringLiteral("series"), now, 50 + 40 * std::sin(double(tick) / 50.0 + i));
            charts[i]->flush(now);
        }
        QList<NodeStatus> rows;
        for (int n = 0; n < 100; ++n) {
            NodeStatus s;
            s.spec.id = QStringLiteral("node-%1").arg(n, 3, 10, QLatin1Char('0'));
            s.responseTimeMs = double((tick + n) % 97);
            s.requests = tick * 10 + n;
            rows << s;
        }
        model->setRows(rows);
        window.repaint(); // paint now, so the frame's cost is inside the measurement
        frames.push_back(double(t.nsecsElapsed()) / 1e6);
        ++tick;
    });
    // Stall probe: a 5 ms timer; lateness beyond its period is time the GUI thread was busy.
    double longestStall = 0;
    QElapsedTimer probeClock;
    probeClock.start();
    qint64 lastProbe = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, &window, [&] {
        const qint64 now = probeClock.nsecsElapsed();
        if (lastProbe)
            longestStall = std::max(longestStall, double(now - lastProbe) / 1e6 - 5.0);
        lastProbe = now;
    });
    ticker.start(100);
    probe.start(5);
    QTimer::singleShot(15000, &app, &QApplication::quit);
    app.exec();
    std::sort(frames.begin(), frames.end());
    auto pct = [&](double p) { return frames[std::min(frames.size() - 1, std::size_t(p * double(frames.size())))]; };
    std::printf("%zu frames at 10 Hz, 8 charts x 3,600 points + 100-row table: frame time p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                "longest GUI-thread stall %.1f ms\n",
                frames.size(), pct(0.5), pct(0.99), frames.back(), longestStall);
    if (sync)
        std::printf("background delivered %lld events meanwhile\n", qint64(sync->stats().completedSyncTasks));
    sync.reset();
    nginx.terminate();
    nginx.waitForFinished();
    return 0;
}
