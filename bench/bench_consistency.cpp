// SPDX-License-Identifier: GPL-3.0-or-later
// Consistency check at scale: N users (default 1,000,000) migrated in bulk to a real
// jobfirst-nodesim target, then the bucketed check run clean and with records removed
// behind the engine's back. Prints the time and the checker's peak memory next to the size
// of the data it compares (the ledger file and the users' ids), which it must not hold.
#include "core/secrets.h"
#include "nodesimprocess.h"
#include "store/store.h"
#include "sync/consistencychecker.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>

using namespace jobfirst;

namespace {

qint64 statusKb(const char *key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    f.open(QIODevice::ReadOnly);
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(int(qstrlen(key))).trimmed().split(' ').first().toLongLong();
    return -1;
}

void resetPeak()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    if (f.open(QIODevice::WriteOnly))
        f.write("5"); // resets VmHWM to the current RSS
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int users = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 1000000;
    std::printf("command: build/bench/bench_consistency %d\n", users);
    const QString secret = generateSecret();
    NodeSimProcess sim;
    sim.setSecret(secret);
    if (!sim.start(QStringLiteral("target")))
        return 1;
    QTemporaryDir dir;
    auto store = std::move(Store::open(dir.filePath(QStringLiteral("c.db")))).value();
    ClusterConfig c;
    TargetConfig t;
    t.name = QStringLiteral("t");
    t.url = sim.url() + QStringLiteral("/api/v1/sync");
    t.events = {QStringLiteral("user.created")};
    t.secret = secret;
    t.batchSize = 500;
    c.targets = {t};
    c.syncWorkers = 4;
    c.syncBacklogLimit = 100000000;
    SyncService sync(store.get(), c);
    if (!sync.start(true))
        return 1;
    QElapsedTimer clock;
    clock.start();
    for (int done = 0; done < users; done += 10000) {
        QList<SyncEvent> batch;
        for (int i = done; i < std::min(users, done + 10000); ++i) {
            SyncEvent e;
            e.type = QStringLiteral("user.created");
            e.userId = QStringLiteral("u%1").arg(i);
            e.data = {{QStringLiteral("email"), QStringLiteral("u%1@jobfirst.cn").arg(i)}};
            batch << e;
        }
        if (!sync.publish(batch, SyncMode::Bulk))
            return 1;
    }
    while (sync.backlog() > 0)
        QThread::msleep(50);
    std::printf("set-up: %d users migrated to one nodesim target in %.1f s\n", users, double(clock.elapsed()) / 1000.0);
    const DigestEndpoint digest = sync.digestEndpoint(QStringLiteral("t")).value();
    const qint64 ledgerBytes = QFileInfo(store->path()).size();

    for (int round = 0; round < 2; ++round) {
        if (round == 1)
            for (int k = 0; k < 10; ++k)
                sim.del(QStringLiteral("/records/u%1").arg(qint64(k) * users / 10 + 7));
        resetPeak();
        const qint64 before = statusKb("VmRSS:");
        clock.restart();
        auto report = ConsistencyChecker::check(store->path(), QStringLiteral("t"), digest, 1024, 120000);
        const double seconds = double(clock.elapsed()) / 1000.0;
        if (!report) {
            std::printf("check failed: %s\n", qPrintable(report.error().message));
            return 1;
        }
        std::printf("%s: %lld ledger records vs %lld held, %lld missing, %d of 1024 buckets differ, ratio %.6f; %.1f s;"
                    " checker peak memory +%lld KiB (store file %lld MiB)\n",
                    round ? "10 records removed behind the engine's back" : "clean",
                    report->ledgerRecords, report->targetRecords, report->missing, report->bucketsDiffering, report->ratio,
                    seconds, statusKb("VmHWM:") - before, ledgerBytes >> 20);
    }
    return 0;
}
