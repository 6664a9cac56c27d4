// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's bulk-work threads, read from /proc as top shows them: at the priority they
// started with, unless the process asked them to give way (the console does, for its window).
#include "core/bulkwork.h"
#include "store/store.h"
#include "sync/syncservice.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>
#include <unistd.h>

using namespace jobfirst;

namespace {

const QStringList BulkThreads{QStringLiteral("jf-outbox"), QStringLiteral("jf-walsync"),
                              QStringLiteral("jf-walanswer"), QStringLiteral("jf-checkpoint"),
                              QStringLiteral("jf-delivery"), QStringLiteral("jf-dispatch")};

struct Thread
{
    QString name;
    int nice = 0;
};

/// Every thread of this process: its name and nice value (/proc/self/task/<tid>/stat).
QList<Thread> threads()
{
    QList<Thread> all;
    for (const QString &tid :
         QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(tid));
        if (!stat.open(QIODevice::ReadOnly))
            continue; // ended meanwhile
        const QByteArray line = stat.readAll();
        const qsizetype open = line.indexOf('('), close = line.lastIndexOf(')');
        // After the name: state is field 3, nice field 19.
        const QList<QByteArray> fields = line.mid(close + 2).split(' ');
        all << Thread{QString::fromUtf8(line.mid(open + 1, close - open - 1)),
                      fields.value(16).toInt()};
    }
    return all;
}

/// Names of the bulk threads running now (each once).
QStringList bulkRunning()
{
    QStringList names;
    for (const Thread &t : threads())
        if (BulkThreads.contains(t.name) && !names.contains(t.name))
            names << t.name;
    return names;
}

} // namespace

class TestBulkWork final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_base = 0; ///< this (the GUI's) thread's nice value

    /// A sync service delivering to a port nobody listens on: the outbox writes, syncs and
    /// checkpoints, the delivery loop and its dispatchers all run.
    std::unique_ptr<SyncService> startDelivering(std::unique_ptr<Store> &store, const QString &name)
    {
        store = std::move(Store::open(m_dir.filePath(name))).value();
        ClusterConfig config;
        TargetConfig target;
        target.name = QStringLiteral("nowhere");
        target.url = QStringLiteral("http://127.0.0.1:1/");
        target.events = {QStringLiteral("user.updated")};
        config.targets = {target};
        auto sync = std::make_unique<SyncService>(store.get(), config);
        if (!sync->start(true).ok())
            return nullptr;
        QList<SyncEvent> events;
        for (int i = 0; i < 20; ++i)
            events << SyncEvent{QString(), QStringLiteral("user.updated"),
                                QStringLiteral("u%1").arg(i), {}, 0, 0};
        sync->publish(events);
        return sync;
    }

    void expectBulkThreadsAt(int bulkNice)
    {
        for (const QString &name : {QStringLiteral("jf-outbox"), QStringLiteral("jf-delivery"),
                                    QStringLiteral("jf-dispatch")})
            QTRY_VERIFY2(bulkRunning().contains(name), qPrintable(name));
        for (const Thread &t : threads())
            QVERIFY2(t.nice == (BulkThreads.contains(t.name) ? bulkNice : m_base),
                     qPrintable(QStringLiteral("%1 at nice %2").arg(t.name).arg(t.nice)));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_base = getpriority(PRIO_PROCESS, id_t(gettid()));
        if (m_base > 9)
            QSKIP("this test needs room for 10 nice levels below the one it runs at");
    }

    // jobfirstd and jobfirstctl set nothing: every thread runs as the one that started it.
    void bulkWorkKeepsItsPriorityUnlessAsked()
    {
        QCOMPARE(bulkWorkNiceness(), 0);
        std::unique_ptr<Store> store;
        const auto sync = startDelivering(store, QStringLiteral("daemon.db"));
        QVERIFY(sync);
        expectBulkThreadsAt(m_base);
    }

    // The console asks for 10: the writer, its syncs and checkpoints, the delivery loop and
    // every dispatcher run 10 levels below its GUI thread, each once (a dispatcher started by
    // the lowered delivery loop is not lowered twice); this thread and the others stay.
    void inTheConsoleBulkWorkGivesWayToTheWindow()
    {
        setBulkWorkNiceness(ConsoleBulkWorkNiceness);
        std::unique_ptr<Store> store;
        const auto sync = startDelivering(store, QStringLiteral("console.db"));
        QVERIFY(sync);
        expectBulkThreadsAt(m_base + ConsoleBulkWorkNiceness);
        QCOMPARE(getpriority(PRIO_PROCESS, id_t(gettid())), m_base);
    }
};

QTEST_GUILESS_MAIN(TestBulkWork)
#include "tst_bulkwork.moc"
