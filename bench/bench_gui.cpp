// SPDX-License-Identifier: GPL-3.0-or-later
// GUI-thread frame time with eight live charts of 3,600 points each updated at 10 Hz and a
// 100-row node table, while the delivery engine drains an outbox into nginx on its own
// threads. Prints frame time p50/p99/max and the longest GUI-thread stall.
//
// With --remote [NODES]: the real console window (MainWindow) on a cluster of 1,000 nodes (one
// nginx listening on 1,000 ports), first on the embedded engine, then attached to a jobfirstd
// on the same store through the remote session, measured the same way in the same run: a frame
// is a snapshot applied to every page, the work it queued, and a full repaint of the window.
// Every other frame is measured as the console runs instead: no repaint is forced, and the
// frame ends with the paint of what changed that Qt's event loop then does (update requests).
// With BENCH_TRACE=1 it also prints, per page and measure, what the GUI thread handled in a
// mean frame and in the three slowest (CPU time and count per event type and receiver), and
// whether the slow frames were preempted, lost CPU to the hypervisor (steal, /proc/stat) or
// ran while the other CPU was busy. The embedded engine's bulk work runs below the GUI thread
// as in the console (core/bulkwork.h); BENCH_ENGINE_NICE=N sets another number of levels.
#include "api/localenginesession.h"
#include "core/bulkwork.h"
#include "charts/livechart.h"
#include "daemonprocess.h"
#include "mainwindow.h"
#include "models/recordtablemodel.h"
#include "remote/remoteenginesession.h"
#include "store/store.h"
#include "sync/syncservice.h"
#include "widgets/consolestyle.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGridLayout>
#include <QHash>
#include <QMetaEnum>
#include <QProcess>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QWindow>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>

using namespace jobfirst;
using namespace jobfirst::ui;

namespace {

int runCharts(QApplication &app)
{
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

void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

template <typename T> T await(QFuture<T> f)
{
    while (!f.isFinished())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return f.result();
}

/// CPU seconds the calling thread has used (user + system).
double threadCpuSeconds()
{
    QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(gettid()));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = stat.readAll();
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const QList<QByteArray> f = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return (f.value(11).toDouble() + f.value(12).toDouble()) / double(sysconf(_SC_CLK_TCK));
}

/// CPU time the calling thread has used, in ms (a frame's own cost, without the time the
/// thread waited for a core on a busy machine).
double threadCpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

/// Frames of one kind: their wall time and the GUI thread's CPU time within each.
struct FrameTimes
{
    std::vector<double> ms;    ///< per snapshot: from its hand-over to the end of its paint
    std::vector<double> cpuMs; ///< the GUI thread's CPU time within each of those frames
    /// The same CPU time in its three parts: the pages applying the snapshot, the work that
    /// left queued (layouts, deferred updates), and the paint.
    std::vector<double> applyCpuMs, queuedCpuMs, paintCpuMs;
    std::vector<double> paints; ///< paint passes in a frame (painting what changed only)

    double pct(double p) const { return percentile(ms, p); }
    double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

/// What one console window cost its GUI thread while one page was shown.
struct Frames : FrameTimes
{
    /// The frames in between, measured as the console runs: no repaint forced, the frame ends
    /// when the paint of what changed (Qt's update requests, dirty regions only) is done.
    FrameTimes dirty;
    double longestStall = 0;
    double guiCpu = 0; ///< share of one core the GUI thread used
    qsizetype nodes = 0;
    int up = 0;
};

/// Tells the frame clock when Qt's event loop has painted a window: a widget window paints
/// what is dirty while it handles an UpdateRequest event.
class BenchApplication final : public QApplication
{
public:
    using QApplication::QApplication;

    /// `painted(window, cpuMs)` runs on the GUI thread after each UpdateRequest a window
    /// handled, with the CPU time the GUI thread spent on it.
    std::function<void(QObject *, double)> painted;
    /// With BENCH_TRACE=1: `traced(receiver, type, depth, cpuMs)` after every event the GUI
    /// thread handled (depth 0: straight from the event loop), with its CPU time (including
    /// the events it sent on). The receiver is described before the event is handled: the
    /// event may delete it.
    std::function<void(const QString &, QEvent::Type, int, double)> traced;

    bool notify(QObject *receiver, QEvent *event) override
    {
        const bool paint = event->type() == QEvent::UpdateRequest && painted;
        // Other threads' events (the engine's, the remote session's decoder) go through here
        // too: only the GUI thread's are traced.
        const bool trace = traced && QThread::currentThread() == thread();
        if (!paint && !trace)
            return QApplication::notify(receiver, event);
        const QEvent::Type type = event->type(); // the event may be gone after notify()
        const QString what = trace ? describe(receiver) : QString();
        const double cpu = threadCpuMs();
        m_depth += trace;
        const bool handled = QApplication::notify(receiver, event);
        m_depth -= trace;
        const double used = threadCpuMs() - cpu;
        if (paint)
            painted(receiver, used);
        if (trace)
            traced(what, type, m_depth, used);
        return handled;
    }

private:
    /// "QTimer of jobfirst::ui::SloPanel", "QLabel card3": what an event went to, for a trace.
    static QString describe(QObject *o)
    {
        QString text = QString::fromLatin1(o->metaObject()->className());
        if (!o->objectName().isEmpty())
            text += QLatin1Char(' ') + o->objectName();
        // A timer, a viewport or a helper object says little by itself: name its owner too.
        if (o->parent() && o->objectName().isEmpty() &&
            (qobject_cast<QTimer *>(o) || o->metaObject() == &QObject::staticMetaObject ||
             o->metaObject() == &QWidget::staticMetaObject))
            text += QStringLiteral(" of ") + describe(o->parent());
        return text;
    }

    int m_depth = 0;
};

/// What the machine did to the GUI thread while it worked: its page faults, context switches,
/// user and system CPU time and the time it waited for a core, and the CPU time each of the
/// process's other threads (the embedded engine's) used.
struct ThreadUsage
{
    long minorFaults = 0, voluntarySwitches = 0, involuntarySwitches = 0;
    double processCpuMs = 0, ownCpuMs = 0, userMs = 0, systemMs = 0;
    double runDelayMs = 0;        ///< runnable but not running (/proc/.../schedstat)
    QHash<int, double> taskRunMs; ///< every thread's CPU time by thread id (schedstat)
    /// Per CPU, from /proc/stat (10 ms ticks): the time it ran anything, and the time the
    /// hypervisor ran something else on it while it had work (steal).
    QList<double> cpuBusyMs, cpuStealMs;
    int cpu = -1; ///< the CPU the GUI thread was on

    static ThreadUsage now()
    {
        ThreadUsage u;
        u.cpu = sched_getcpu();
        QFile stat(QStringLiteral("/proc/stat"));
        if (stat.open(QIODevice::ReadOnly)) {
            const double msPerTick = 1000.0 / double(sysconf(_SC_CLK_TCK));
            // "cpuN user nice system idle iowait irq softirq steal ...": busy is the time it
            // ran anything (not idle, iowait or stolen).
            for (const QByteArray &line : stat.readAll().split('\n')) {
                if (!line.startsWith("cpu") || line.size() < 4 || !std::isdigit(line.at(3)))
                    continue;
                const QList<QByteArray> f = line.simplified().split(' ');
                double busy = 0;
                for (const int i : {1, 2, 3, 6, 7})
                    busy += f.value(i).toDouble();
                u.cpuBusyMs.append(busy * msPerTick);
                u.cpuStealMs.append(f.value(8).toDouble() * msPerTick);
            }
        }
        rusage r{};
        getrusage(RUSAGE_THREAD, &r);
        u.minorFaults = r.ru_minflt;
        u.voluntarySwitches = r.ru_nvcsw;
        u.involuntarySwitches = r.ru_nivcsw;
        u.userMs = double(r.ru_utime.tv_sec) * 1e3 + double(r.ru_utime.tv_usec) / 1e3;
        u.systemMs = double(r.ru_stime.tv_sec) * 1e3 + double(r.ru_stime.tv_usec) / 1e3;
        timespec t{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        u.processCpuMs = double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
        u.ownCpuMs = threadCpuMs();
        const QString self = QString::number(gettid());
        for (const QString &tid :
             QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile f(QStringLiteral("/proc/self/task/%1/schedstat").arg(tid));
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const QList<QByteArray> fields = f.readAll().split(' ');
            if (tid == self)
                u.runDelayMs = fields.value(1).toDouble() / 1e6;
            else
                u.taskRunMs.insert(tid.toInt(), fields.value(0).toDouble() / 1e6);
        }
        return u;
    }

    /// "jf-delivery 4.1, jobfirst-engine 0.8": the other threads that used the most CPU since
    /// `start`.
    QString busiestOthers(const ThreadUsage &start) const
    {
        QList<std::pair<double, int>> used;
        for (auto it = taskRunMs.cbegin(); it != taskRunMs.cend(); ++it)
            if (const double ms = it.value() - start.taskRunMs.value(it.key()); ms >= 0.1)
                used.append({ms, it.key()});
        std::sort(used.begin(), used.end(), std::greater<>());
        QStringList parts;
        for (qsizetype i = 0; i < std::min<qsizetype>(used.size(), 5); ++i) {
            QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(used.at(i).second));
            comm.open(QIODevice::ReadOnly);
            parts << QStringLiteral("%1 %2").arg(QString::fromUtf8(comm.readAll().trimmed()),
                                                 QString::number(used.at(i).first, 'f', 1));
        }
        return parts.join(QStringLiteral(", "));
    }
};

/// What the GUI thread did in one frame: CPU time and count per kind of event and receiver.
struct FrameTrace
{
    double cpuMs = 0, wallMs = 0;
    qint64 atMs = 0; ///< when the frame started (ms since the epoch)
    bool full = false;
    QHash<QString, std::pair<int, double>> work; ///< "depth type receiver" -> (count, CPU ms)
    ThreadUsage atStart;
    /// Over the frame: the GUI thread's minor faults, voluntary and involuntary context
    /// switches, user and system CPU and wait for a core (ms), and the other threads' CPU
    /// time (ms) and who used the most of it.
    double faults = 0, voluntary = 0, involuntary = 0, othersCpuMs = 0;
    double userMs = 0, systemMs = 0, runDelayMs = 0;
    /// Over the frame, from /proc/stat in 10 ms ticks: steal on every CPU and on the GUI
    /// thread's (both if it moved), and the time the other CPUs ran anything.
    double stealMs = 0, ownCpuStealMs = 0, otherCpusBusyMs = 0;
    QString busiestOthers;
};

/// With BENCH_TRACE=1: what ran in the three slowest frames of each measure (by CPU time, then
/// the two slowest by wall time), next to what a frame runs on average over the measure.
void printTraces(const char *engine, const char *page, const std::vector<FrameTrace> &traces)
{
    for (const bool full : {true, false}) {
        std::vector<const FrameTrace *> frames;
        for (const FrameTrace &t : traces)
            if (t.full == full)
                frames.push_back(&t);
        if (frames.empty())
            continue;
        QHash<QString, std::pair<double, double>> mean; // key -> (count, CPU) per frame
        for (const FrameTrace *t : frames)
            for (auto it = t->work.cbegin(); it != t->work.cend(); ++it) {
                mean[it.key()].first += double(it->first) / double(frames.size());
                mean[it.key()].second += it->second / double(frames.size());
            }
        // Frames that laid text out anew (Qt Charts' axis and legend labels are text
        // documents): when they came, so that a periodic cause shows.
        QStringList relabelled;
        for (const FrameTrace *t : frames) {
            int documents = 0;
            for (auto it = t->work.cbegin(); it != t->work.cend(); ++it)
                if (it.key().contains(QLatin1String("QTextDocument")))
                    documents += it->first;
            if (documents >= 10)
                relabelled << QStringLiteral(
                                  "%1 s (%2 text document events, CPU %3 ms, wall %4 ms)")
                                  .arg(double(t->atMs - frames.front()->atMs) / 1000, 0, 'f', 1)
                                  .arg(documents)
                                  .arg(t->cpuMs, 0, 'f', 1)
                                  .arg(t->wallMs, 0, 'f', 1);
        }
        // Frames that took more than twice the median CPU, in the order they came: periodic
        // causes (a timer, a cache's sweep) show as regular gaps, faulting or the kernel's
        // work as system time.
        std::vector<double> cpus;
        for (const FrameTrace *t : frames)
            cpus.push_back(t->cpuMs);
        const double medianCpu = percentile(cpus, 0.5);
        QStringList slow;
        for (std::size_t i = 0; i < frames.size(); ++i)
            if (const FrameTrace *t = frames[i]; t->cpuMs > 2 * medianCpu)
                slow << QStringLiteral("#%1 %2 s: %3 ms (%4 user + %5 sys, %6 faults, %7 inv)")
                            .arg(i)
                            .arg(double(t->atMs - frames.front()->atMs) / 1000, 0, 'f', 2)
                            .arg(t->cpuMs, 0, 'f', 1)
                            .arg(t->userMs, 0, 'f', 1)
                            .arg(t->systemMs, 0, 'f', 1)
                            .arg(t->faults, 0, 'f', 0)
                            .arg(t->involuntary, 0, 'f', 0);
        std::printf("  trace %s %s, %s: %lld frames over twice the median CPU (%.1f ms): %s\n",
                    engine, page, full ? "full repaint" : "what changed", qint64(slow.size()),
                    medianCpu, qPrintable(slow.join(QStringLiteral("; "))));
        std::sort(frames.begin(), frames.end(),
                  [](const FrameTrace *a, const FrameTrace *b) { return a->cpuMs > b->cpuMs; });
        if (!relabelled.isEmpty())
            std::printf("  trace %s %s, %s: frames that laid out text anew, from the first "
                        "frame: %s\n",
                        engine, page, full ? "full repaint" : "what changed",
                        qPrintable(relabelled.join(QStringLiteral("; "))));
        std::printf("  trace %s %s, %s: frame CPU p50 %.1f ms\n", engine, page,
                    full ? "full repaint" : "what changed", frames[frames.size() / 2]->cpuMs);
        const auto print = [](const QHash<QString, std::pair<double, double>> &work) {
            QList<QString> keys = work.keys();
            std::sort(keys.begin(), keys.end(), [&work](const QString &a, const QString &b) {
                return work.value(a).second > work.value(b).second;
            });
            for (qsizetype i = 0; i < std::min<qsizetype>(keys.size(), 14); ++i)
                std::printf("      %6.2f ms %5.1fx  %s\n", work.value(keys.at(i)).second,
                            work.value(keys.at(i)).first, qPrintable(keys.at(i)));
        };
        const auto context = [](const char *what, const FrameTrace &t) {
            std::printf("    %s: wall %.1f ms; GUI thread CPU %.1f user + %.1f system ms, waited "
                        "%.1f ms for a core, %.1f minor faults, %.1f / %.1f voluntary / "
                        "involuntary context switches; steal %.1f ms (%.1f on its CPU), the "
                        "other CPU busy %.1f ms; other threads' CPU %.1f ms%s%s\n",
                        what, t.wallMs, t.userMs, t.systemMs, t.runDelayMs, t.faults, t.voluntary,
                        t.involuntary, t.stealMs, t.ownCpuStealMs, t.otherCpusBusyMs, t.othersCpuMs,
                        t.busiestOthers.isEmpty() ? "" : ": ", qPrintable(t.busiestOthers));
        };
        FrameTrace average;
        for (const FrameTrace *t : frames) {
            const double n = double(frames.size());
            average.wallMs += t->wallMs / n;
            average.userMs += t->userMs / n;
            average.systemMs += t->systemMs / n;
            average.runDelayMs += t->runDelayMs / n;
            average.faults += t->faults / n;
            average.voluntary += t->voluntary / n;
            average.involuntary += t->involuntary / n;
            average.othersCpuMs += t->othersCpuMs / n;
            average.stealMs += t->stealMs / n;
            average.ownCpuStealMs += t->ownCpuStealMs / n;
            average.otherCpusBusyMs += t->otherCpusBusyMs / n;
        }
        std::printf("    mean frame:\n");
        context("mean frame", average);
        // Is a slow frame more work, or the same work on a core it had to give up? The GUI
        // thread's CPU in frames it kept its core through, and in those it was preempted in.
        for (const bool preempted : {false, true}) {
            std::vector<double> cpu, wall;
            for (const FrameTrace *t : frames)
                if ((t->involuntary > 0) == preempted) {
                    cpu.push_back(t->cpuMs);
                    wall.push_back(t->wallMs);
                }
            std::printf("    %3zu frames %s: CPU p50 / p99 %.1f / %.1f ms, wall p50 / p99 %.1f / "
                        "%.1f ms\n",
                        cpu.size(), preempted ? "preempted at least once" : "never preempted",
                        percentile(cpu, 0.5), percentile(cpu, 0.99), percentile(wall, 0.5),
                        percentile(wall, 0.99));
        }
        // Of the frames that kept their core: were the slow ones those that lost CPU to the
        // hypervisor (steal), or those during which the other CPU was busy (a sibling
        // hardware thread on the host shares the core's execution units)?
        for (const int kind : {0, 1, 2}) {
            std::vector<double> cpu;
            for (const FrameTrace *t : frames)
                if (t->involuntary == 0 &&
                    (kind == 0   ? t->ownCpuStealMs > 0
                     : kind == 1 ? t->ownCpuStealMs == 0 && t->otherCpusBusyMs > 0
                                 : t->ownCpuStealMs == 0 && t->otherCpusBusyMs == 0))
                    cpu.push_back(t->cpuMs);
            std::printf("    %3zu of them %s: CPU p50 / p99 %.1f / %.1f ms\n", cpu.size(),
                        kind == 0   ? "with steal on the GUI thread's CPU"
                        : kind == 1 ? "without steal, the other CPU busy"
                                    : "without steal, the other CPU idle",
                        percentile(cpu, 0.5), percentile(cpu, 0.99));
        }
        print(mean);
        const auto show = [&](const FrameTrace *t, const char *heading, std::size_t i) {
            QHash<QString, std::pair<double, double>> work;
            for (auto it = t->work.cbegin(); it != t->work.cend(); ++it)
                work.insert(it.key(), {double(it->first), it->second});
            std::printf("    frame %zu of the %s: CPU %.1f ms\n", i + 1, heading, t->cpuMs);
            context("this frame", *t);
            print(work);
        };
        for (std::size_t i = 0; i < std::min<std::size_t>(3, frames.size()); ++i)
            show(frames[i], "slowest", i);
        std::sort(frames.begin(), frames.end(),
                  [](const FrameTrace *a, const FrameTrace *b) { return a->wallMs > b->wallMs; });
        for (std::size_t i = 0; i < std::min<std::size_t>(2, frames.size()); ++i)
            show(frames[i], "longest (wall time)", i);
    }
}

/// Times each frame of a console window on the GUI thread: from the moment the session hands
/// over a snapshot (connected before the window, so it runs first) to the window repainted.
class FrameClock final
{
public:
    explicit FrameClock(EngineSession *session)
    {
        QObject::connect(
            session, &EngineSession::snapshot, &m_context, [this](const EngineSnapshot &s) {
                m_trace = {};
                if (qEnvironmentVariableIntValue("BENCH_TRACE")) {
                    m_trace.atStart = ThreadUsage::now();
                    m_trace.atMs = QDateTime::currentMSecsSinceEpoch();
                }
                m_timer.start();
                m_cpuAtStart = threadCpuMs();
                m_msAtPainted = 0;
                m_paintCpu = 0;
                m_paints = 0;
                m_nodes = s.nodes.size();
                m_up = int(std::count_if(s.nodes.begin(), s.nodes.end(), [](const NodeStatus &n) {
                    return n.health == HealthState::Up;
                }));
            });
    }

    ~FrameClock()
    {
        if (auto *app = dynamic_cast<BenchApplication *>(QCoreApplication::instance())) {
            app->painted = nullptr;
            app->traced = nullptr;
        }
    }

    /// The traces of the last measure's frames (BENCH_TRACE=1), otherwise none.
    const std::vector<FrameTrace> &traces() const { return m_traces; }

    void attach(ui::MainWindow *window)
    {
        // The frame ends with the window painted once the work the snapshot left queued
        // (layouts, deferred chart and header updates: zero-time timers and posted events
        // started before this one) is done.
        m_settled.setSingleShot(true);
        m_settled.setInterval(0);
        m_settled.setTimerType(Qt::PreciseTimer);
        QObject::connect(window, &ui::MainWindow::snapshotApplied, &m_settled, [this] {
            m_cpuAtApplied = threadCpuMs();
            m_settled.start();
        });
        QObject::connect(&m_settled, &QTimer::timeout, &m_context, [this, window] {
            if (!m_timer.isValid())
                return;
            const double settled = threadCpuMs();
            if (m_dirtyOnly) {
                // As the console runs: what changed is painted when the event loop handles
                // the window's update request, posted (low priority) before this marker.
                m_cpuAtSettled = settled;
                m_msAtSettled = double(m_timer.nsecsElapsed()) / 1e6;
                QCoreApplication::postEvent(&m_marker, new QEvent(QEvent::User),
                                            Qt::LowEventPriority);
                return;
            }
            window->repaint(); // paint now, so the frame's cost is inside the measurement
            if (m_recording) {
                const double end = threadCpuMs();
                m_frames.ms.push_back(double(m_timer.nsecsElapsed()) / 1e6);
                m_frames.cpuMs.push_back(end - m_cpuAtStart);
                m_frames.applyCpuMs.push_back(m_cpuAtApplied - m_cpuAtStart);
                m_frames.queuedCpuMs.push_back(settled - m_cpuAtApplied);
                m_frames.paintCpuMs.push_back(end - settled);
                keepTrace(end - m_cpuAtStart, m_frames.ms.back(), true);
            }
            m_timer.invalidate();
            m_dirtyOnly = true;
        });
        if (auto *app = dynamic_cast<BenchApplication *>(QCoreApplication::instance()))
            app->painted = [this, window](QObject *receiver, double cpuMs) {
                if (!m_timer.isValid() || !m_dirtyOnly ||
                    (receiver != window && receiver != window->windowHandle()))
                    return;
                m_paintCpu += cpuMs;
                ++m_paints;
                m_cpuAtPainted = threadCpuMs();
                m_msAtPainted = double(m_timer.nsecsElapsed()) / 1e6;
            };
        if (auto *app = dynamic_cast<BenchApplication *>(QCoreApplication::instance());
            app && qEnvironmentVariableIntValue("BENCH_TRACE"))
            app->traced = [this](const QString &receiver, QEvent::Type type, int depth,
                                 double cpuMs) {
                if (!m_timer.isValid() || !m_recording)
                    return;
                const QString where =
                    depth == 0 ? QStringLiteral("top") : QStringLiteral("in%1").arg(depth);
                const QString what =
                    QString::fromLatin1(QMetaEnum::fromType<QEvent::Type>().valueToKey(type));
                auto &[count, cpu] = m_trace.work[where + u' ' + what + u' ' + receiver];
                ++count;
                cpu += cpuMs;
            };
        m_marker.done = [this] {
            if (!m_timer.isValid() || !m_dirtyOnly)
                return;
            // No paint since the snapshot: nothing it changed is on screen.
            const bool painted = m_msAtPainted > 0;
            if (m_recording) {
                const double end =
                    painted ? std::max(m_cpuAtPainted, m_cpuAtSettled) : m_cpuAtSettled;
                m_frames.dirty.ms.push_back(painted ? std::max(m_msAtPainted, m_msAtSettled)
                                                    : m_msAtSettled);
                m_frames.dirty.cpuMs.push_back(end - m_cpuAtStart);
                m_frames.dirty.applyCpuMs.push_back(m_cpuAtApplied - m_cpuAtStart);
                m_frames.dirty.queuedCpuMs.push_back(end - m_cpuAtApplied - m_paintCpu);
                m_frames.dirty.paintCpuMs.push_back(m_paintCpu);
                m_frames.dirty.paints.push_back(m_paints);
                keepTrace(end - m_cpuAtStart, m_frames.dirty.ms.back(), false);
            }
            m_timer.invalidate();
            m_dirtyOnly = false;
        };
    }

    /// At least `frames` frames of `page` (and at least `seconds`), so that p99 is not the
    /// single worst frame: with 200, p99 is the second worst.
    Frames measure(ui::MainWindow *window, int page, int seconds, int frames)
    {
        window->showPage(page);
        waitMs(2000); // the page's first frames (tables filled, charts laid out) are not counted
        m_frames = {};
        m_traces.clear();
        QElapsedTimer probeClock;
        probeClock.start();
        qint64 lastProbe = 0;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        QObject::connect(&probe, &QTimer::timeout, &m_context, [&] {
            const qint64 now = probeClock.nsecsElapsed();
            if (lastProbe)
                m_frames.longestStall =
                    std::max(m_frames.longestStall, double(now - lastProbe) / 1e6 - 5.0);
            lastProbe = now;
        });
        probe.start(5);
        const double cpu0 = threadCpuSeconds();
        m_recording = true;
        waitMs(seconds * 1000);
        QElapsedTimer more;
        more.start();
        while ((m_frames.ms.size() < std::size_t(frames) ||
                m_frames.dirty.ms.size() < std::size_t(frames)) &&
               more.elapsed() < 600000)
            waitMs(50);
        m_recording = false;
        m_frames.guiCpu = (threadCpuSeconds() - cpu0) / double(probeClock.nsecsElapsed()) * 1e9;
        m_frames.nodes = m_nodes;
        m_frames.up = m_up;
        return m_frames;
    }

private:
    void keepTrace(double cpuMs, double wallMs, bool full)
    {
        if (!qEnvironmentVariableIntValue("BENCH_TRACE"))
            return;
        m_trace.cpuMs = cpuMs;
        m_trace.wallMs = wallMs;
        m_trace.full = full;
        const ThreadUsage end = ThreadUsage::now();
        const ThreadUsage &start = m_trace.atStart;
        m_trace.faults = double(end.minorFaults - start.minorFaults);
        m_trace.voluntary = double(end.voluntarySwitches - start.voluntarySwitches);
        m_trace.involuntary = double(end.involuntarySwitches - start.involuntarySwitches);
        m_trace.othersCpuMs =
            (end.processCpuMs - start.processCpuMs) - (end.ownCpuMs - start.ownCpuMs);
        m_trace.userMs = end.userMs - start.userMs;
        m_trace.systemMs = end.systemMs - start.systemMs;
        m_trace.runDelayMs = end.runDelayMs - start.runDelayMs;
        for (qsizetype c = 0; c < std::min(start.cpuStealMs.size(), end.cpuStealMs.size()); ++c) {
            const double steal = end.cpuStealMs.at(c) - start.cpuStealMs.at(c);
            m_trace.stealMs += steal;
            if (c == start.cpu || c == end.cpu)
                m_trace.ownCpuStealMs += steal;
            else
                m_trace.otherCpusBusyMs += end.cpuBusyMs.at(c) - start.cpuBusyMs.at(c);
        }
        m_trace.busiestOthers = end.busiestOthers(start);
        m_traces.push_back(std::move(m_trace));
        m_trace = {};
    }

    /// Receives the low-priority event posted after a frame's queued work: by then the event
    /// loop has handled the update request posted before it.
    struct Marker final : QObject
    {
        std::function<void()> done;
        bool event(QEvent *e) override
        {
            if (e->type() != QEvent::User)
                return QObject::event(e);
            if (done)
                done();
            return true;
        }
    };

    QObject m_context;
    QTimer m_settled;
    Marker m_marker;
    QElapsedTimer m_timer;
    double m_cpuAtStart = 0;
    double m_cpuAtApplied = 0;
    bool m_dirtyOnly = false; ///< this frame is painted by the event loop, not by repaint()
    double m_cpuAtSettled = 0, m_msAtSettled = 0;
    double m_cpuAtPainted = 0, m_msAtPainted = 0; ///< the window's last paint in this frame
    double m_paintCpu = 0; ///< CPU time of this frame's paints (update requests handled)
    int m_paints = 0;      ///< and how many there were
    bool m_recording = false;
    Frames m_frames;
    FrameTrace m_trace;
    std::vector<FrameTrace> m_traces;
    qsizetype m_nodes = 0;
    int m_up = 0;
};

void printFrames(const char *engine, const char *page, const Frames &f)
{
    std::printf("  %-8s %-9s %4zu frames (%lld nodes, %d up): frame p50 %5.1f ms, p99 %5.1f ms, "
                "max %5.1f ms "
                "(GUI-thread CPU in a frame p50 %4.1f ms, p99 %4.1f ms); longest GUI-thread stall "
                "%5.1f ms; "
                "GUI thread %4.1f%% of a core\n"
                "  %-8s %-9s CPU in a frame p50 / p99: snapshot applied %4.1f / %4.1f ms, queued "
                "work %4.1f / %4.1f ms, repaint %4.1f / %4.1f ms\n",
                engine, page, f.ms.size(), qint64(f.nodes), f.up, f.pct(0.5), f.pct(0.99), f.max(),
                percentile(f.cpuMs, 0.5), percentile(f.cpuMs, 0.99), f.longestStall, f.guiCpu * 100,
                "", "", percentile(f.applyCpuMs, 0.5), percentile(f.applyCpuMs, 0.99),
                percentile(f.queuedCpuMs, 0.5), percentile(f.queuedCpuMs, 0.99),
                percentile(f.paintCpuMs, 0.5), percentile(f.paintCpuMs, 0.99));
    const FrameTimes &d = f.dirty;
    std::printf("  %-8s %-9s %4zu frames painting what changed (as the console runs): frame p50 "
                "%5.1f ms, p99 %5.1f ms, max %5.1f ms (GUI-thread CPU in a frame p50 %4.1f ms, "
                "p99 %4.1f ms)\n"
                "  %-8s %-9s CPU in a frame p50 / p99: snapshot applied %4.1f / %4.1f ms, queued "
                "work %4.1f / %4.1f ms, paint %4.1f / %4.1f ms in %.0f / %.0f passes\n",
                engine, page, d.ms.size(), d.pct(0.5), d.pct(0.99), d.max(),
                percentile(d.cpuMs, 0.5), percentile(d.cpuMs, 0.99), "", "",
                percentile(d.applyCpuMs, 0.5), percentile(d.applyCpuMs, 0.99),
                percentile(d.queuedCpuMs, 0.5), percentile(d.queuedCpuMs, 0.99),
                percentile(d.paintCpuMs, 0.5), percentile(d.paintCpuMs, 0.99),
                percentile(d.paints, 0.5), percentile(d.paints, 0.99));
}

struct ConsoleRun
{
    Frames overview, nodes, sync;
    double worstP99() const
    {
        return std::max({overview.pct(0.99), nodes.pct(0.99), sync.pct(0.99)});
    }
    double worstDirtyP99() const
    {
        return std::max({overview.dirty.pct(0.99), nodes.dirty.pct(0.99), sync.dirty.pct(0.99)});
    }
};

/// The window on `session` (started or connected), the three pages that show every node
/// measured: Overview (cards, charts), Nodes (the node table) and Sync (a target per node).
ConsoleRun measureConsole(const char *engine, EngineSession *session, int refreshMs, int seconds,
                          int frames)
{
    FrameClock clock(session);
    ui::MainWindow window(session);
    clock.attach(&window);
    window.resize(1600, 1000);
    window.show();
    window.engineReady();
    window.setRefreshInterval(refreshMs);
    waitMs(3000); // first checks of every node (spread over <= 1 s)
    ConsoleRun run;
    // BENCH_PAGES=overview (or nodes, sync, comma separated): only those, for profiling.
    const QStringList only = qEnvironmentVariable("BENCH_PAGES").split(u',', Qt::SkipEmptyParts);
    const auto measure = [&](Frames &frames_, int page, const char *name) {
        if (!only.isEmpty() && !only.contains(QLatin1String(name), Qt::CaseInsensitive))
            return;
        frames_ = clock.measure(&window, page, seconds, frames);
        printFrames(engine, name, frames_);
        printTraces(engine, name, clock.traces());
    };
    measure(run.overview, 0, "Overview");
    measure(run.nodes, 1, "Nodes");
    measure(run.sync, 3, "Sync");
    return run;
}

int runConsoles(int nodes)
{
    const int seconds = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0
                            ? qEnvironmentVariableIntValue("BENCH_SECONDS")
                            : 20;
    // p99 of fewer than 100 frames is the worst frame; 200 make it the second worst.
    const int frames = qEnvironmentVariableIntValue("BENCH_FRAMES") > 0
                           ? qEnvironmentVariableIntValue("BENCH_FRAMES")
                           : 200;
    const int refreshMs = 250; // the console's fastest refresh (View → Refresh interval)
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("command: QT_QPA_PLATFORM=offscreen build/bench/bench_gui --remote %d   "
                "(BENCH_SECONDS=%d BENCH_FRAMES=%d)\n",
                nodes, seconds, frames);
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    // The window keeps its geometry, page and refresh interval in QSettings: not the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("jobfirst-bench"));
    QCoreApplication::setApplicationName(QStringLiteral("bench_gui"));
    QTemporaryDir dir;

    // The nodes: one nginx listening on 1,000 ports.
    // Below the ephemeral range (32768+), where outgoing connections could hold a port first.
    const int base = 12000 + 1000 * int(QCoreApplication::applicationPid() % 8);
    QString listens;
    for (int i = 0; i < nodes; ++i)
        listens += QStringLiteral("listen 127.0.0.1:%1;\n").arg(base + i);
    QFile conf(dir.filePath(QStringLiteral("nginx.conf")));
    conf.open(QIODevice::WriteOnly);
    conf.write(QStringLiteral("worker_processes 1; worker_rlimit_nofile 20000; daemon off; pid "
                              "%1/nginx.pid; error_log %1/nginx.err;\n"
                              "events { worker_connections 10000; }\nhttp { access_log off; server "
                              "{\n%2 location / { return 200 'ok'; } } }\n")
                   .arg(dir.path(), listens)
                   .toUtf8());
    conf.close();
    QProcess nginx;
    nginx.start(QStringLiteral("/usr/sbin/nginx"),
                {QStringLiteral("-c"), conf.fileName(), QStringLiteral("-p"), dir.path()});
    if (!nginx.waitForStarted()) {
        std::printf("nginx did not start (bench/run installs it)\n");
        return 1;
    }
    const QString db = dir.filePath(QStringLiteral("cluster.db"));
    const QString config = dir.filePath(QStringLiteral("cluster.json"));
    {
        QFile c(config);
        c.open(QIODevice::WriteOnly);
        c.write(R"({"max_nodes": 10000, "targets": []})");
    }

    std::printf("the console window (1600x1000, offscreen), a snapshot every %d ms, each page "
                "at least %d s and %d frames; a frame is a snapshot "
                "applied to every page, the work it queued, and a full repaint; every other "
                "frame instead ends with the paint of what changed, as the console runs:\n",
                refreshMs, seconds, frames);
    // 1. The embedded engine, as `jobfirst-console --db` runs it.
    ConsoleRun embedded;
    {
        LocalEngineSession session(QStringLiteral("bench"));
        EngineOptions o;
        o.dbPath = db;
        o.configPath = config;
        o.refreshMs = refreshMs;
        if (auto started = await(session.start(o)); !started) {
            std::printf("the engine did not start: %s\n", qPrintable(started.error().message));
            return 1;
        }
        QList<QFuture<Result<NodeStatus>>> added;
        for (int i = 0; i < nodes; ++i) {
            NodeSpec spec;
            spec.id = QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0'));
            spec.url = QStringLiteral("http://127.0.0.1:%1").arg(base + i);
            added << session.addNode(spec);
        }
        for (const auto &f : added)
            if (auto n = await(f); !n) {
                std::printf("cannot add a node: %s\n", qPrintable(n.error().message));
                return 1;
            }
        std::printf("embedded engine: %d nodes added\n", nodes);
        embedded = measureConsole("embedded", &session, refreshMs, seconds, frames);
        session.stop();
    }

    // 2. The same store served by jobfirstd, the console attached with a viewer token (in a
    // 0600 file, as `jobfirst-console --connect URL --token-file FILE` reads it).
    ConsoleRun remote;
    {
        const QString tokenFile =
            makeToken(db, dir.path(), QStringLiteral("bench-console"), QStringLiteral("viewer"));
        auto token = RemoteEngineSession::readTokenFile(tokenFile);
        DaemonProcess daemon;
        if (!token || !daemon.start(db, config,
                                    {QStringLiteral("--refresh-ms"), QString::number(refreshMs)})) {
            std::printf("jobfirstd did not start\n");
            return 1;
        }
        RemoteEngineSession session(RemoteOptions{QUrl(daemon.url()), token.value(), {}});
        if (auto connected = await(session.connectToEngine()); !connected) {
            std::printf("cannot attach to jobfirstd: %s\n", qPrintable(connected.error().message));
            return 1;
        }
        std::printf("jobfirstd at %s, the console attached with a viewer token\n",
                    qPrintable(daemon.url()));
        remote = measureConsole("remote", &session, refreshMs, seconds, frames);
        daemon.terminate();
    }
    nginx.terminate();
    nginx.waitForFinished();

    const double embeddedP99 = embedded.worstP99();
    const double remoteP99 = remote.worstP99();
    std::printf("remote console frame p99 (worse page) %.1f ms = %.2fx the embedded console's %.1f "
                "ms (target p99 <= 16 ms)\n",
                remoteP99, embeddedP99 > 0 ? remoteP99 / embeddedP99 : 0.0, embeddedP99);
    std::printf("painting what changed (as the console runs): frame p99 (worse page) remote %.1f "
                "ms, embedded %.1f ms\n",
                remote.worstDirtyP99(), embedded.worstDirtyP99());
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    BenchApplication app(argc, argv);
    // As the console's main() does; BENCH_STYLE=base profiles with the platform's style alone.
    if (qEnvironmentVariable("BENCH_STYLE") != QLatin1String("base"))
        QApplication::setStyle(new ui::ConsoleStyle);
    // As the console's main() does too; BENCH_ENGINE_NICE=N measures another value (0: none).
    setBulkWorkNiceness(qEnvironmentVariableIsSet("BENCH_ENGINE_NICE")
                            ? qEnvironmentVariableIntValue("BENCH_ENGINE_NICE")
                            : ConsoleBulkWorkNiceness);
    std::printf("bulk-work threads %d nice levels below the GUI thread (the console's: %d)\n",
                bulkWorkNiceness(), ConsoleBulkWorkNiceness);
    const QStringList args = app.arguments();
    if (args.contains(QStringLiteral("--remote"))) {
        const int at = int(args.indexOf(QStringLiteral("--remote")));
        const int nodes = args.value(at + 1).toInt() > 0 ? args.value(at + 1).toInt() : 1000;
        return runConsoles(nodes);
    }
    return runCharts(app);
}
