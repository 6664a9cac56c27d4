// SPDX-License-Identifier: GPL-3.0-or-later
// The cluster state that daemons share in PostgreSQL (issue 13): nodes, health, config versions
// and one audit chain, written by several connections at once without forking the chain; and
// two real jobfirstd on one PostgreSQL of the test's own: a node added or a config applied
// through one daemon's admin API shows on the other.
#include "cluster/clustermanager.h"
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "postgresserver.h"
#include "store/postgresschema.h"
#include "store/postgresstatestore.h"
#include "store/postgresurl.h"
#include "store/store.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <memory>

using namespace jobfirst;

class TestSharedState final : public QObject
{
    Q_OBJECT

    DaemonFolder m_dir;
    std::unique_ptr<PostgresServer> m_pg;
    int m_databases = 0;

    /// A fresh, empty database on the test's server.
    QString newDatabase()
    {
        const QString name = QStringLiteral("state%1").arg(++m_databases);
        m_pg->psql(QStringLiteral("CREATE DATABASE %1 OWNER %2").arg(name, m_pg->user()));
        return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
            .arg(m_pg->user())
            .arg(m_pg->port())
            .arg(name);
    }

    static QString sql(const QString &url, const QString &statement)
    {
        const QString name = QStringLiteral("test-sql");
        QString answer;
        {
            auto db = PostgresUrl::parse(url).value().connect(name);
            if (!db) {
                qWarning("%s", qPrintable(db.error().message));
                return {};
            }
            QSqlQuery q(db.value());
            if (!q.exec(statement))
                qWarning("%s: %s", qPrintable(statement), qPrintable(q.lastError().text()));
            else if (q.next())
                answer = q.value(0).toString();
        }
        QSqlDatabase::removeDatabase(name);
        return answer;
    }

    static NodeSpec node(const QString &id,
                         const QString &url = QStringLiteral("http://127.0.0.1:9"))
    {
        NodeSpec n;
        n.id = id;
        n.url = url;
        n.healthPath = QStringLiteral("/health");
        n.weight = 1;
        return n;
    }

    static QByteArray readFile(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    QString writeConfig(const QString &name)
    {
        return m_dir.writeConfig(
            name, {{QStringLiteral("health_check_interval"), QStringLiteral("500ms")},
                   {QStringLiteral("health_check_timeout"), QStringLiteral("300ms")}});
    }

    /// Adds node `id` at `url` (checked at /health) through a daemon's admin API.
    static ApiReply addNode(const DaemonProcess &daemon, const QByteArray &token, const QString &id,
                            const QString &url)
    {
        return apiCall(
            daemon.url(), "POST", QStringLiteral("/api/v1/nodes"), token,
            QJsonDocument(QJsonObject{{QStringLiteral("id"), id},
                                      {QStringLiteral("url"), url},
                                      {QStringLiteral("health_path"), QStringLiteral("/health")}})
                .toJson(QJsonDocument::Compact));
    }

    /// jobfirst_health_checks_total per node, from a daemon's /metrics.
    static QHash<QString, qint64> checksByNode(const DaemonProcess &d, const QByteArray &token)
    {
        static const QRegularExpression line(
            QStringLiteral("^jobfirst_health_checks_total\\{node=\"([^\"]+)\"\\} (\\d+)"),
            QRegularExpression::MultilineOption);
        QHash<QString, qint64> checks;
        const ApiReply reply = apiCall(d.url(), "GET", QStringLiteral("/metrics"), token);
        auto it = line.globalMatch(QString::fromUtf8(reply.body));
        while (it.hasNext()) {
            const auto m = it.next();
            checks.insert(m.captured(1), m.captured(2).toLongLong());
        }
        return checks;
    }

    static ClusterConfig fastChecks()
    {
        ClusterConfig c;
        c.healthCheckIntervalMs = 400;
        c.healthCheckTimeoutMs = 300;
        c.fastIntervalMs = 100;
        c.downIntervalMs = 400;
        c.rise = 1;
        c.fall = 1;
        return c;
    }

    static HealthEvent transitionOf(const QString &id, HealthState from, HealthState to)
    {
        HealthEvent e;
        e.nodeId = id;
        e.timestamp = QDateTime::currentMSecsSinceEpoch();
        e.from = from;
        e.to = to;
        e.reason = QStringLiteral("test");
        return e;
    }

    static HealthState storedHealth(const QString &url, const QString &id)
    {
        auto reader = PostgresStateStore::open(url);
        if (!reader)
            return HealthState::Unknown;
        const auto states = reader.value()->loadHealthStates();
        return states ? states->value(id).first : HealthState::Unknown;
    }

private slots:
    void initTestCase()
    {
        m_pg = std::make_unique<PostgresServer>();
        // Not durable: these tests are about the engine, and fsync on the shared disk is slow.
        QVERIFY(m_pg->start(false));
    }

    void cleanupTestCase() { m_pg.reset(); }

    void nodesHealthAndConfigAreKept()
    {
        const QString url = newDatabase();
        auto opened = PostgresStateStore::open(url);
        QVERIFY2(opened, opened ? "" : qPrintable(opened.error().message));
        PostgresStateStore &store = *opened.value();
        NodeSpec a = node(QStringLiteral("a"));
        a.tags = {QStringLiteral("eu"), QStringLiteral("web")};
        a.tlsInsecure = true;
        QVERIFY(store.insertNode(a));
        QVERIFY(store.insertNode(node(QStringLiteral("b"))));
        // A second node with the same id is refused, naming it, and changes nothing.
        const Status duplicate = store.insertNode(node(QStringLiteral("b")));
        QVERIFY(!duplicate);
        QVERIFY2(duplicate.error().message.contains(QStringLiteral("insert node b")),
                 qPrintable(duplicate.error().message));
        a.weight = 5;
        QVERIFY(store.updateNode(a));
        QVERIFY(store.deleteNode(QStringLiteral("b")));
        const auto nodes = store.loadNodes();
        QVERIFY(nodes);
        QCOMPARE(nodes->size(), 1);
        QCOMPARE(nodes->first(), a);

        HealthEvent e;
        e.nodeId = QStringLiteral("a");
        e.timestamp = 1234;
        e.from = HealthState::Up;
        e.to = HealthState::Down;
        e.reason = QStringLiteral("refused");
        QVERIFY(store.recordHealthTransition(e, {}));
        const auto states = store.loadHealthStates();
        QVERIFY(states);
        QCOMPARE(states->value(QStringLiteral("a")).first, HealthState::Down);
        QCOMPARE(states->value(QStringLiteral("a")).second, 1234);
        const auto events = store.healthEvents(QStringLiteral("a"), 10);
        QVERIFY(events);
        QCOMPARE(events->size(), 1);
        QCOMPARE(events->first().reason, QStringLiteral("refused"));

        const auto v1 = store.saveConfigVersion("{\"one\":1}", QStringLiteral("alice"));
        const auto v2 = store.saveConfigVersion("{\"two\":2}", QStringLiteral("bob"));
        QVERIFY(v1 && v2);
        QCOMPARE(v2.value(), v1.value() + 1);
        const auto latest = store.configVersions(1);
        QVERIFY(latest);
        QCOMPARE(latest->first().json, QByteArray("{\"two\":2}"));
        QCOMPARE(store.configVersion(v1.value())->actor, QStringLiteral("alice"));
        const auto none = store.configVersion(999);
        QVERIFY(!none);
        QCOMPARE(none.error().code, QStringLiteral("config.no_version"));
        // Every change counted, for a daemon that missed its NOTIFY.
        const auto marks = store.changeMarks();
        QVERIFY(marks);
        QCOMPARE(marks->value(QStringLiteral("nodes")), 4);
        QCOMPARE(marks->value(QStringLiteral("health")), 1);
        QCOMPARE(marks->value(QStringLiteral("config")), 2);
    }

    void bothDialectsGiveTheSameAnswers()
    {
        // The same calls on the SQLite store and on PostgreSQL: audit filters ignore case on
        // both (SQLite's LIKE does, PostgreSQL's does not), a transition writes event and state
        // together, and a null node id reads every node's events.
        auto pg = PostgresStateStore::open(newDatabase());
        QVERIFY(pg);
        auto file = Store::open(m_dir.filePath(QStringLiteral("dialects.db")));
        QVERIFY(file);
        ClusterStateStore *stores[] = {pg.value().get(), file.value().get()};
        for (ClusterStateStore *store : stores) {
            QVERIFY(store->insertNode(node(QStringLiteral("Web1"))));
            QVERIFY(store->appendAudit(AuditEntry{0,
                                                  0,
                                                  QStringLiteral("Alice"),
                                                  QStringLiteral("node.add"),
                                                  QStringLiteral("Web1"),
                                                  {},
                                                  {}}));
            QVERIFY(store->recordHealthTransition(
                transitionOf(QStringLiteral("Web1"), HealthState::Unknown, HealthState::Up), {}));
        }
        for (ClusterStateStore *store : stores) {
            const QString where = store->location();
            for (const QString &filter : {QStringLiteral("NODE.ADD"), QStringLiteral("alice"),
                                          QStringLiteral("web1"), QStringLiteral("Web1")}) {
                const auto found = store->auditLog(10, filter);
                QVERIFY2(found && found->size() == 1, qPrintable(where + u' ' + filter));
            }
            QCOMPARE(store->auditLog(10, QStringLiteral("bob"))->size(), 0);
            QCOMPARE(store->healthEvents(QString(), 10)->size(), 1);
            QCOMPARE(store->loadHealthStates()->value(QStringLiteral("Web1")).first,
                     HealthState::Up);
            LogQuery query;
            query.text = QStringLiteral("WEB1 UNKNOWN");
            const auto lines = store->logLines(query);
            QVERIFY2(lines && lines->size() == 1, qPrintable(where));
            QCOMPARE(lines->first().kind, QStringLiteral("health.up"));
            QCOMPARE(lines->first().fields.value(QStringLiteral("to")).toString(),
                     QStringLiteral("up"));
            const auto history =
                store->nodeHistories(0, QDateTime::currentMSecsSinceEpoch() + 1000);
            QVERIFY2(history && history->size() == 1, qPrintable(where));
            QCOMPARE(history->first().changes.size(), 1);
        }
    }

    void aChangeThatCannotBeAuditedDoesNotHappen()
    {
        const QString url = newDatabase();
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        // The change is made, then fails: nothing of it stays, and no audit row is written.
        const Status s = store.value()->audited(
            AuditEntry{0,
                       0,
                       QStringLiteral("alice"),
                       QStringLiteral("node.add"),
                       QStringLiteral("x"),
                       {},
                       {}},
            [&](AuditEntry &) -> Status {
                if (Status inserted = store.value()->insertNode(node(QStringLiteral("x")));
                    !inserted)
                    return inserted;
                return makeError(QStringLiteral("test.refused"), QStringLiteral("refused"));
            });
        QVERIFY(!s);
        QCOMPARE(s.error().code, QStringLiteral("test.refused"));
        QCOMPARE(store.value()->loadNodes()->size(), 0);
        QCOMPARE(store.value()->auditLog(10)->size(), 0);
        // And the connection is usable after the rollback.
        QVERIFY(store.value()->audited(
            AuditEntry{0,
                       0,
                       QStringLiteral("alice"),
                       QStringLiteral("node.add"),
                       QStringLiteral("x"),
                       {},
                       {}},
            [&](AuditEntry &) { return store.value()->insertNode(node(QStringLiteral("x"))); }));
        QCOMPARE(store.value()->loadNodes()->size(), 1);
        QCOMPARE(store.value()->auditLog(10)->size(), 1);
    }

    void theAuditChainStaysOneChainUnderConcurrentWriters()
    {
        const QString url = newDatabase();
        {
            auto migrated = PostgresStateStore::open(url); // the schema, before the writers race
            QVERIFY(migrated);
        }
        // Four connections (as four daemons) append at the same time; without the chain's
        // lock two of them read the same head and the chain forks.
        constexpr int Writers = 4;
        constexpr int Rows = 60;
        std::atomic<int> failures{0};
        QList<QThread *> threads;
        for (int w = 0; w < Writers; ++w)
            threads << QThread::create([&, w] {
                auto store = PostgresStateStore::open(url);
                if (!store) {
                    ++failures;
                    return;
                }
                for (int i = 0; i < Rows; ++i)
                    if (!store.value()->appendAudit(AuditEntry{0,
                                                               0,
                                                               QStringLiteral("daemon%1").arg(w),
                                                               QStringLiteral("test.append"),
                                                               QString::number(i),
                                                               {},
                                                               {}}))
                        ++failures;
            });
        for (QThread *t : threads)
            t->start();
        for (QThread *t : threads) {
            QVERIFY(t->wait(120000));
            delete t;
        }
        QCOMPARE(failures.load(), 0);
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        auto verified = store.value()->verifyAuditChain();
        QVERIFY(verified);
        QVERIFY2(verified->ok, qPrintable(verified->problem));
        QCOMPARE(verified->rows, Writers * Rows);
        // Each row names the one before it: no two rows share a prev_hash.
        QCOMPARE(sql(url, QStringLiteral("SELECT COUNT(DISTINCT prev_hash) FROM audit")),
                 QString::number(Writers * Rows));

        // A row changed afterwards is found, by its id.
        sql(url, QStringLiteral("UPDATE audit SET actor = 'mallory' WHERE id = 17"));
        verified = store.value()->verifyAuditChain();
        QVERIFY(verified);
        QVERIFY(!verified->ok);
        QCOMPARE(verified->firstBadId, 17);
        QVERIFY2(verified->problem.contains(QStringLiteral("changed after it was written")),
                 qPrintable(verified->problem));
    }

    void aHealthTransitionIsFencedByTheLease()
    {
        const QString url = newDatabase();
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        QVERIFY(store.value()->insertNode(node(QStringLiteral("n1"))));
        const int part = PostgresSchema::partitionOf(QStringLiteral("n1"), 0);
        const qint64 until = QDateTime::currentMSecsSinceEpoch() + 600000;
        sql(url, QStringLiteral("UPDATE partition_leases SET holder = 'hostA:11:aa', until = %1,"
                                " fence = 3 WHERE part = %2")
                     .arg(until)
                     .arg(part));
        HealthEvent e;
        e.nodeId = QStringLiteral("n1");
        e.timestamp = 1000;
        e.from = HealthState::Unknown;
        e.to = HealthState::Up;
        e.reason = QStringLiteral("ok");
        // Only the full owner holds it: another engine of the same process ("hostA:11:" and
        // another nonce) does not.
        const Status other = store.value()->recordHealthTransition(e, QStringLiteral("hostA:11:"));
        QVERIFY(!other);
        QCOMPARE(other.error().code, QStringLiteral("store.fenced"));
        QVERIFY(!store.value()->recordHealthTransition(e, QStringLiteral("hostA:11:ab")));
        QVERIFY(store.value()->recordHealthTransition(e, QStringLiteral("hostA:11:aa")));
        QCOMPARE(sql(url, QStringLiteral("SELECT fence FROM health_events")), QStringLiteral("3"));
        // The partition passes to another daemon: the former holder's finding is refused and
        // changes nothing (neither the state nor the history).
        sql(url, QStringLiteral("UPDATE partition_leases SET holder = 'hostB:22:bb', fence = 4"
                                " WHERE part = %1")
                     .arg(part));
        e.timestamp = 2000;
        e.from = HealthState::Up;
        e.to = HealthState::Down;
        const Status refused =
            store.value()->recordHealthTransition(e, QStringLiteral("hostA:11:aa"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("store.fenced"));
        QVERIFY2(refused.error().message.contains(QStringLiteral("n1")),
                 qPrintable(refused.error().message));
        QCOMPARE(store.value()->loadHealthStates()->value(QStringLiteral("n1")).first,
                 HealthState::Up);
        QCOMPARE(sql(url, QStringLiteral("SELECT COUNT(*) FROM health_events")),
                 QStringLiteral("1"));
        // A lease that lapsed is not held either, even by the holder named in it.
        sql(url, QStringLiteral("UPDATE partition_leases SET until = 1 WHERE part = %1").arg(part));
        QVERIFY(!store.value()->recordHealthTransition(e, QStringLiteral("hostB:22:bb")));
        // Its successor's is written.
        sql(url, QStringLiteral("UPDATE partition_leases SET until = %1 WHERE part = %2")
                     .arg(until)
                     .arg(part));
        QVERIFY(store.value()->recordHealthTransition(e, QStringLiteral("hostB:22:bb")));
        QCOMPARE(store.value()->loadHealthStates()->value(QStringLiteral("n1")).first,
                 HealthState::Down);
    }

    void anUnreachableStoreFailsAtOnceUntilItsNextTry()
    {
        // While PostgreSQL is away, a call does not wait for a connect each time: after a
        // failed connect the next ones fail at once, saying that the server is being tried
        // (by a probe off the caller's thread, PostgresProbe).
        const QString url = newDatabase();
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        QVERIFY(store.value()->insertNode(node(QStringLiteral("n1"))));
        QVERIFY(m_pg->stop());
        Error last;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto nodes = store.value()->loadNodes();
                if (nodes)
                    return false;
                last = nodes.error();
                return last.message.contains(QStringLiteral("trying the server every 1 s"));
            }(),
            10000);
        QCOMPARE(last.code, QStringLiteral("store.unavailable"));
        QVERIFY2(last.message.startsWith(QStringLiteral("store unavailable: PostgreSQL store")),
                 qPrintable(last.message));
        QVERIFY2(last.message.contains(QStringLiteral("cannot be reached")),
                 qPrintable(last.message));
        QVERIFY(m_pg->resume());
        // Back within a probe or two once the server is.
        QTRY_VERIFY_WITH_TIMEOUT(store.value()->loadNodes().ok(), 15000);
        QCOMPARE(store.value()->loadNodes()->size(), 1);
    }

    void aHealthWriteThatFailedIsWrittenAgain()
    {
        // A transition found while PostgreSQL is away is kept and written once it is back
        // (the checker will not find it again: it has moved on), with an alert meanwhile;
        // every other daemon then reads it.
        const QString url = newDatabase();
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("w1")));
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        QVERIFY(store.value()->insertNode(node(QStringLiteral("w1"), sim.url())));
        ClusterManager cluster(store.value().get(), fastChecks());
        QVERIFY(cluster.load());
        QSignalSpy pending(&cluster, &ClusterManager::healthWritesPending);
        cluster.start();
        QTRY_COMPARE_WITH_TIMEOUT(storedHealth(url, QStringLiteral("w1")), HealthState::Up, 10000);

        QVERIFY(m_pg->stop());
        sim.kill();
        QTRY_COMPARE_WITH_TIMEOUT(cluster.node(QStringLiteral("w1"))->health, HealthState::Down,
                                  10000);
        QTRY_VERIFY_WITH_TIMEOUT(cluster.unwrittenHealth() >= 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!pending.isEmpty() && pending.last().at(0).toInt() >= 1, 10000);
        QVERIFY2(!pending.last().at(1).toString().isEmpty(), "the alert says why");

        QVERIFY(m_pg->resume());
        QTRY_COMPARE_WITH_TIMEOUT(cluster.unwrittenHealth(), 0, 15000);
        QCOMPARE(pending.last().at(0).toInt(), 0); // resolved
        QCOMPARE(storedHealth(url, QStringLiteral("w1")), HealthState::Down);
        cluster.stop();
    }

    void aPassiveFailureOnANodeCheckedElsewhereIsUndone()
    {
        // Real traffic failed once on a node another daemon checks: it leaves rotation here,
        // and takes the shared state again after one check interval (nothing moved the
        // health change counter, so no notification would bring it back).
        const QString url = newDatabase();
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        QVERIFY(store.value()->insertNode(node(QStringLiteral("p1"))));
        QVERIFY(store.value()->recordHealthTransition(
            transitionOf(QStringLiteral("p1"), HealthState::Unknown, HealthState::Up), {}));
        ClusterManager cluster(store.value().get(), fastChecks());
        QVERIFY(cluster.load());
        cluster.setCheckedPartitions({}, QStringLiteral("elsewhere:1:aa")); // checks nothing
        cluster.start();
        QCOMPARE(cluster.node(QStringLiteral("p1"))->health, HealthState::Up);
        cluster.reportPassiveFailure(QStringLiteral("p1"), QStringLiteral("connection refused"));
        QCOMPARE(cluster.node(QStringLiteral("p1"))->health, HealthState::Down);
        QVERIFY(!cluster.node(QStringLiteral("p1"))->eligible);
        QTRY_COMPARE_WITH_TIMEOUT(cluster.node(QStringLiteral("p1"))->health, HealthState::Up,
                                  10000);
        QVERIFY(cluster.node(QStringLiteral("p1"))->eligible);
        // Nothing of it was written: the node's checker decides what the store says.
        QCOMPARE(store.value()->healthEvents(QStringLiteral("p1"), 10)->size(), 1);
        cluster.stop();
    }

    void aNodeThatMovesToAnotherDaemonKeepsNoLatencyHere()
    {
        // This daemon checked the node, then its partition passed to another daemon: the
        // latency it measured is no longer measured here. Kept, it stood still (the Nodes
        // page, jobfirstctl node list and the Overview's chart drew it on, flat, for as long
        // as the other daemon checked the node); the node's state stays the shared one.
        const QString url = newDatabase();
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("moves")));
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        QVERIFY(store.value()->insertNode(node(QStringLiteral("moves"), sim.url())));
        ClusterManager cluster(store.value().get(), fastChecks());
        QVERIFY(cluster.load());
        QList<int> all;
        for (int p = 0; p < PostgresSchema::Partitions; ++p)
            all << p;
        cluster.setCheckedPartitions(all, QStringLiteral("here:1:aa"));
        cluster.start();
        QTRY_VERIFY_WITH_TIMEOUT(cluster.node(QStringLiteral("moves"))->hasResponseTime(), 10000);
        QCOMPARE(cluster.node(QStringLiteral("moves"))->health, HealthState::Up);
        cluster.setCheckedPartitions({}, QStringLiteral("here:1:aa")); // checked elsewhere now
        QVERIFY2(
            !cluster.node(QStringLiteral("moves"))->hasResponseTime(),
            qPrintable(QString::number(cluster.node(QStringLiteral("moves"))->responseTimeMs)));
        QCOMPARE(cluster.node(QStringLiteral("moves"))->health, HealthState::Up);
        // Back here, it is measured again.
        cluster.setCheckedPartitions(all, QStringLiteral("here:1:aa"));
        QTRY_VERIFY_WITH_TIMEOUT(cluster.node(QStringLiteral("moves"))->hasResponseTime(), 10000);
        cluster.stop();
    }

    void anotherDaemonsRecoveryRampsUpHereAndIsAppliedAtOnce()
    {
        const QString url = newDatabase();
        auto store = PostgresStateStore::open(url);
        QVERIFY(store);
        const QStringList ids = {QStringLiteral("r1"), QStringLiteral("r2"), QStringLiteral("r3")};
        for (const QString &id : ids) {
            NodeSpec n = node(id);
            n.weight = 10;
            QVERIFY(store.value()->insertNode(n));
            QVERIFY(store.value()->recordHealthTransition(
                transitionOf(id, HealthState::Unknown, HealthState::Down), {}));
        }
        ClusterConfig config = fastChecks();
        config.slowStartMs = 600000;
        ClusterManager cluster(store.value().get(), config);
        QVERIFY(cluster.load());
        cluster.setCheckedPartitions({}, QStringLiteral("elsewhere:1:aa"));
        // The checking daemon finds all three up again.
        auto other = PostgresStateStore::open(url);
        QVERIFY(other);
        for (const QString &id : ids)
            QVERIFY(other.value()->recordHealthTransition(
                transitionOf(id, HealthState::Down, HealthState::Up), {}));
        // Whoever hears of a change sees all of them applied (the balancer is rebuilt once,
        // before anyone is told).
        QList<int> upWhenTold;
        connect(&cluster, &ClusterManager::healthChanged, this, [&] {
            int up = 0;
            for (const NodeStatus &n : cluster.nodes())
                up += n.health == HealthState::Up ? 1 : 0;
            upWhenTold << up;
        });
        QVERIFY(cluster.reloadHealth());
        QCOMPARE(upWhenTold, (QList<int>{3, 3, 3}));
        // A recovered node ramps up here too (slow start), not at full weight at once.
        for (const QString &id : ids) {
            const NodeStatus n = cluster.node(id).value();
            QVERIFY(n.eligible);
            QVERIFY2(n.effectiveWeight < 10, qPrintable(QString::number(n.effectiveWeight)));
        }
    }

    void healthChecksAreSplitByLease()
    {
        const QString url = newDatabase();
        constexpr int Nodes = 6;
        NodeSimProcess sims[Nodes];
        QStringList ids;
        for (int i = 0; i < Nodes; ++i) {
            ids << QStringLiteral("web%1").arg(i);
            QVERIFY(sims[i].start(ids.last()));
        }
        constexpr int Daemons = 2;
        DaemonProcess daemons[Daemons];
        QByteArray tokens[Daemons];
        const QString config = writeConfig(QStringLiteral("split.json"));
        QVERIFY(!config.isEmpty());
        for (int i = 0; i < Daemons; ++i) {
            tokens[i] = startWithToken(daemons[i], url, config,
                                       m_dir.filePath(QStringLiteral("split%1.db").arg(i)),
                                       QStringLiteral("split%1").arg(i), QStringLiteral("admin"));
            QVERIFY(!tokens[i].isEmpty());
        }
        for (int i = 0; i < Nodes; ++i)
            QCOMPARE(addNode(daemons[0], tokens[0], ids[i], sims[i].url()).status, 201);
        const auto holderOf = [&](const QString &id) {
            const QString holder = sql(url, QStringLiteral("SELECT holder FROM partition_leases"
                                                           " WHERE part = %1")
                                                .arg(PostgresSchema::partitionOf(id, 0)));
            for (int d = 0; d < Daemons; ++d)
                if (daemons[d].running() &&
                    holder.contains(QStringLiteral(":%1:").arg(daemons[d].pid())))
                    return d;
            return -1;
        };
        const auto partitionsOf = [&](int d) {
            return sql(url, QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder"
                                           " LIKE '%:%1:%'")
                                .arg(daemons[d].pid()))
                .toInt();
        };
        // The leases settle at half each.
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(0) == PostgresSchema::Partitions / 2 &&
                                     partitionsOf(1) == PostgresSchema::Partitions / 2,
                                 30000);
        // Every node is checked again by its holder after the split settled (the daemons
        // follow their partitions every second).
        const auto checksAt = [&](int i) {
            return sims[i].get(QStringLiteral("/stats"))[QStringLiteral("health_checks")].toInt();
        };
        QList<int> settled;
        for (int i = 0; i < Nodes; ++i)
            settled << checksAt(i);
        for (int i = 0; i < Nodes; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(checksAt(i) >= settled[i] + 3, 15000);
        // The window counts only while no lease moved: on a loaded machine a renewal can come
        // late and a partition change hands, and then both daemons rightly checked its nodes.
        const auto holders = [&] {
            QHash<QString, int> h;
            for (const QString &id : std::as_const(ids))
                h.insert(id, holderOf(id));
            return h;
        };
        // Nor before each daemon follows the leases the store shows: a daemon takes its
        // partitions from its last claim, each second (the store's rows change at that
        // claim, the checks up to PartitionFollowMs later), so a window that starts just
        // after a lease moved sees both daemons check its nodes for that moment. Session 7's
        // "known defect" was this: a loaded machine (two merges building) stretched that
        // moment past the settling wait above. What each daemon follows is its last "health
        // checks follow" line.
        const auto followed = [&](int d) {
            QList<int> parts;
            const QList<QByteArray> lines = daemons[d].logs().split('\n');
            for (auto line = lines.crbegin(); line != lines.crend(); ++line) {
                if (!line->contains("health checks follow"))
                    continue;
                // {"message":"health checks follow 30 partitions here (were 0): 0-29", ...}
                const QString message =
                    QJsonDocument::fromJson(*line)[QStringLiteral("message")].toString();
                const QString list = message.section(u':', -1).trimmed();
                if (list == QLatin1String("none"))
                    return parts;
                for (const QString &range : list.split(u',')) {
                    const int first = range.section(u'-', 0, 0).toInt();
                    const int last = range.contains(u'-') ? range.section(u'-', 1).toInt() : first;
                    for (int p = first; p <= last; ++p)
                        parts << p;
                }
                return parts;
            }
            return parts;
        };
        const auto heldBy = [&](int d) {
            QList<int> parts;
            const QString rows =
                sql(url, QStringLiteral("SELECT string_agg(part::text, ',' ORDER BY part) FROM"
                                        " partition_leases WHERE holder LIKE '%:%1:%'")
                             .arg(daemons[d].pid()));
            for (const QString &p : rows.split(u',', Qt::SkipEmptyParts))
                parts << p.toInt();
            return parts;
        };
        const auto eachFollowsItsLeases = [&] {
            for (int d = 0; d < Daemons; ++d)
                if (followed(d) != heldBy(d))
                    return false;
            return true;
        };
        QHash<QString, qint64> before[Daemons];
        QStringList misplaced;
        for (int attempt = 1;; ++attempt) {
            QTRY_VERIFY_WITH_TIMEOUT(eachFollowsItsLeases(), 10000);
            const QHash<QString, int> heldBefore = holders();
            for (int d = 0; d < Daemons; ++d) {
                before[d] = checksByNode(daemons[d], tokens[d]);
                QVERIFY2(before[d].size() == Nodes,
                         qPrintable(QStringLiteral("daemon %1's metrics list %2 nodes")
                                        .arg(d)
                                        .arg(before[d].size())));
            }
            for (int i = 0; i < Nodes; ++i)
                settled[i] = checksAt(i);
            for (int i = 0; i < Nodes; ++i)
                QTRY_VERIFY_WITH_TIMEOUT(checksAt(i) >= settled[i] + 4, 15000);
            if (holders() == heldBefore && eachFollowsItsLeases())
                break;
            qInfo("a lease moved during window %d; measuring again", attempt);
            QVERIFY2(attempt < 3, "leases kept moving between two running daemons");
        }
        // Each node was checked meanwhile by exactly one daemon: the one holding its partition.
        for (int d = 0; d < Daemons; ++d) {
            const QHash<QString, qint64> after = checksByNode(daemons[d], tokens[d]);
            for (const QString &id : std::as_const(ids)) {
                const bool checked = after.value(id) > before[d].value(id);
                if (checked != (holderOf(id) == d))
                    misplaced << (QStringLiteral("node %1: daemon %2 %3 it, partition %4 is"
                                                 " held by daemon %5")
                                      .arg(id)
                                      .arg(d)
                                      .arg(checked ? QStringLiteral("checked")
                                                   : QStringLiteral("did not check"))
                                      .arg(PostgresSchema::partitionOf(id, 0))
                                      .arg(holderOf(id)));
            }
        }
        // A node checked by a daemon that does not hold its partition, or not checked by the
        // one that does, is a defect: listed with when each daemon followed its leases.
        if (!misplaced.isEmpty())
            for (int d = 0; d < Daemons; ++d)
                for (const QByteArray &line : daemons[d].logs().split('\n'))
                    if (line.contains("health checks follow"))
                        qWarning("daemon %d: %s", d, line.constData());
        QVERIFY2(misplaced.isEmpty(), qPrintable(misplaced.join(QStringLiteral("; "))));
        const auto statusOn = [&](int d, const QString &id) {
            return apiCall(daemons[d].url(), "GET", QStringLiteral("/api/v1/nodes/") + id,
                           tokens[d])
                .json()[QStringLiteral("status")]
                .toString();
        };
        for (int d = 0; d < Daemons; ++d)
            for (const QString &id : std::as_const(ids))
                QTRY_COMPARE_WITH_TIMEOUT(statusOn(d, id), QStringLiteral("up"), 15000);

        // A node that stops is down on every daemon, whichever checks it.
        sims[0].kill();
        for (int d = 0; d < Daemons; ++d)
            QTRY_COMPARE_WITH_TIMEOUT(statusOn(d, ids[0]), QStringLiteral("down"), 15000);

        // A daemon SIGKILLed: the survivor takes its partitions over (its lease is not given
        // back; a holder of this host whose process is gone loses it at its next claim) and
        // checks its nodes too; a node of the killed daemon that stops is seen down.
        daemons[0].kill();
        QTRY_COMPARE_WITH_TIMEOUT(partitionsOf(1), PostgresSchema::Partitions, 30000);
        QHash<QString, qint64> survivor = checksByNode(daemons[1], tokens[1]);
        for (const QString &id : ids.mid(1))
            QTRY_VERIFY_WITH_TIMEOUT(
                checksByNode(daemons[1], tokens[1]).value(id) > survivor.value(id) + 1, 15000);
        sims[Nodes - 1].kill();
        QTRY_COMPARE_WITH_TIMEOUT(statusOn(1, ids[Nodes - 1]), QStringLiteral("down"), 15000);
        QCOMPARE(daemons[1].terminate(), 0);
    }

    void sloAndLogsReadTheSharedState()
    {
        // Health history and audit rows are in PostgreSQL only: the SLO and the log of every
        // daemon read them there, not from the daemon's own file.
        const QString url = newDatabase();
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("web1")));
        constexpr int Daemons = 2;
        DaemonProcess daemons[Daemons];
        QByteArray tokens[Daemons];
        const QString config = writeConfig(QStringLiteral("reports.json"));
        QVERIFY(!config.isEmpty());
        for (int i = 0; i < Daemons; ++i) {
            tokens[i] = startWithToken(daemons[i], url, config,
                                       m_dir.filePath(QStringLiteral("reports%1.db").arg(i)),
                                       QStringLiteral("reports%1").arg(i), QStringLiteral("admin"));
            QVERIFY(!tokens[i].isEmpty());
        }
        QCOMPARE(addNode(daemons[0], tokens[0], QStringLiteral("web1"), sim.url()).status, 201);
        const auto kinds = [&](int d, const QString &text) {
            QStringList found;
            const ApiReply reply =
                apiCall(daemons[d].url(), "GET",
                        QStringLiteral("/api/v1/logs?node=web1&text=") + text, tokens[d]);
            for (const QJsonValue &line : reply.json().toArray())
                found << line[QStringLiteral("kind")].toString();
            return found;
        };
        const auto sloNodes = [&](int d) {
            QStringList found;
            const ApiReply reply =
                apiCall(daemons[d].url(), "GET", QStringLiteral("/api/v1/slo"), tokens[d]);
            for (const QJsonValue &n : reply.json()[QStringLiteral("nodes")].toArray())
                if (n[QStringLiteral("availability_1h")].toDouble() > 0)
                    found << n[QStringLiteral("node")].toString();
            return found;
        };
        for (int d = 0; d < Daemons; ++d) {
            // The node's audit row (written through daemon 0) and its transition to up
            // (written by whichever daemon checks it), on both; the text filter ignores case
            // on PostgreSQL as on SQLite.
            QTRY_VERIFY_WITH_TIMEOUT(
                kinds(d, QStringLiteral("WEB1")).contains(QStringLiteral("health.up")), 15000);
            QVERIFY2(
                kinds(d, QStringLiteral("Node.Add")).contains(QStringLiteral("audit.node.add")),
                qPrintable(kinds(d, {}).join(u',')));
            QTRY_COMPARE_WITH_TIMEOUT(sloNodes(d), QStringList{QStringLiteral("web1")}, 15000);
        }
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void aBackupOfTheSharedStoreNamesPostgresTools()
    {
        // The daemon's own SQLite file holds only its local part: a backup file of it would
        // look like a backup of the cluster and restore none of it.
        const QString url = newDatabase();
        DaemonProcess daemon;
        const QByteArray token =
            startWithToken(daemon, url, writeConfig(QStringLiteral("backup.json")),
                           m_dir.filePath(QStringLiteral("backup.db")), QStringLiteral("backup"),
                           QStringLiteral("admin"));
        QVERIFY(!token.isEmpty());
        const QString file = m_dir.filePath(QStringLiteral("cluster.jfbackup"));
        const ApiReply reply =
            apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/backups"), token,
                    QJsonDocument(QJsonObject{{QStringLiteral("path"), file},
                                              {QStringLiteral("passphrase"),
                                               QStringLiteral("a long enough passphrase")}})
                        .toJson(QJsonDocument::Compact));
        QCOMPARE(reply.status, 409);
        QVERIFY2(reply.error().contains(QStringLiteral("pg_dump")), qPrintable(reply.error()));
        QVERIFY2(reply.error().contains(PostgresUrl::parse(url)->toString()),
                 qPrintable(reply.error()));
        QVERIFY(!QFile::exists(file));
        QCOMPARE(daemon.terminate(), 0);
    }

    void tokensAreSharedByEveryDaemon()
    {
        // API tokens live in PostgreSQL with the rest of the cluster state: one made through
        // daemon A works on daemon B, one revoked through B is refused by A. Tokens a daemon's
        // own file held (made before they were shared) move to PostgreSQL when it starts.
        const QString url = newDatabase();
        const QString config = writeConfig(QStringLiteral("tokens.json"));
        QVERIFY(!config.isEmpty());
        constexpr int Daemons = 2;
        DaemonProcess daemons[Daemons];
        QByteArray admin[Daemons];
        QString locals[Daemons];
        for (int i = 0; i < Daemons; ++i) {
            locals[i] = m_dir.filePath(QStringLiteral("tokens%1.db").arg(i));
            admin[i] = startWithToken(daemons[i], url, config, locals[i],
                                      QStringLiteral("boss%1").arg(i), QStringLiteral("admin"));
            QVERIFY(!admin[i].isEmpty());
        }
        QCOMPARE(sql(url, QStringLiteral("SELECT string_agg(name, ',' ORDER BY name) FROM"
                                         " api_tokens")),
                 QStringLiteral("boss0,boss1"));
        // Only hashes there, as in the file.
        QCOMPARE(sql(url, QStringLiteral("SELECT COUNT(*) FROM api_tokens WHERE hash LIKE"
                                         " 'jft_%' OR length(hash) <> 64")),
                 QStringLiteral("0"));
        const auto status = [&](int daemon, const QByteArray &token) {
            return apiCall(daemons[daemon].url(), "GET", QStringLiteral("/api/v1/nodes"), token)
                .status;
        };
        // A file's token moved: it works on the other daemon too.
        QCOMPARE(status(1, admin[0]), 200);
        QCOMPARE(status(0, admin[1]), 200);

        // Made through A, used on B.
        const ApiReply made =
            apiCall(daemons[0].url(), "POST", QStringLiteral("/api/v1/tokens"), admin[0],
                    QJsonDocument(QJsonObject{{QStringLiteral("name"), QStringLiteral("reader")},
                                              {QStringLiteral("role"), QStringLiteral("viewer")}})
                        .toJson(QJsonDocument::Compact));
        QCOMPARE(made.status, 201);
        const QByteArray reader = made.json()[QStringLiteral("token")].toString().toUtf8();
        QVERIFY2(reader.startsWith("jft_"), made.body.constData());
        QCOMPARE(status(1, reader), 200);
        QCOMPARE(status(0, reader), 200);
        // Listed by both.
        for (int i = 0; i < Daemons; ++i) {
            QStringList names;
            for (const QJsonValue &t :
                 apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/tokens"), admin[i])
                     .json()
                     .toArray())
                names << t[QStringLiteral("name")].toString();
            QCOMPARE(names, (QStringList{QStringLiteral("boss0"), QStringLiteral("boss1"),
                                         QStringLiteral("reader")}));
        }

        // Revoked through B, refused by A (and B).
        QCOMPARE(
            apiCall(daemons[1].url(), "DELETE", QStringLiteral("/api/v1/tokens/reader"), admin[1])
                .status,
            204);
        QTRY_COMPARE_WITH_TIMEOUT(status(0, reader), 401, 10000);
        QCOMPARE(status(1, reader), 401);

        // A file's token revoked does not come back when its daemon starts again on that file.
        QCOMPARE(
            apiCall(daemons[0].url(), "DELETE", QStringLiteral("/api/v1/tokens/boss1"), admin[0])
                .status,
            204);
        QCOMPARE(daemons[1].terminate(), 0);
        QVERIFY(daemons[1].start(url, config, {QStringLiteral("--local-db"), locals[1]}));
        QCOMPARE(status(1, admin[1]), 401);
        QCOMPARE(status(1, admin[0]), 200);
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    void nodesAndConfigReachEveryDaemon()
    {
        const QString url = newDatabase();
        NodeSimProcess sim;
        QVERIFY(sim.start(QStringLiteral("web1")));
        // Two daemons on one PostgreSQL, each with its own file for tokens and logs.
        constexpr int Daemons = 2;
        DaemonProcess daemons[Daemons];
        QByteArray tokens[Daemons];
        const QString config = writeConfig(QStringLiteral("shared.json"));
        QVERIFY(!config.isEmpty());
        for (int i = 0; i < Daemons; ++i) {
            // Each its own copy of the config file, as on two machines.
            const QString own = m_dir.filePath(QStringLiteral("config%1.json").arg(i));
            QVERIFY(QFile::copy(config, own));
            tokens[i] = startWithToken(daemons[i], url, own,
                                       m_dir.filePath(QStringLiteral("daemon%1.db").arg(i)),
                                       QStringLiteral("admin%1").arg(i), QStringLiteral("admin"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const auto nodeIds = [&](int i) {
            QStringList ids;
            const QJsonValue nodes =
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/nodes"), tokens[i]).json();
            for (const QJsonValue &n : nodes.toArray())
                ids << n[QStringLiteral("id")].toString();
            return ids;
        };
        QCOMPARE(nodeIds(1), QStringList());

        // A node added through daemon 0 shows on daemon 1 (NOTIFY, or the poll within 5 s).
        QCOMPARE(addNode(daemons[0], tokens[0], QStringLiteral("web1"), sim.url()).status, 201);
        QTRY_COMPARE_WITH_TIMEOUT(nodeIds(1), QStringList{QStringLiteral("web1")}, 15000);
        // ... and daemon 1 checks it too: it is up there.
        QTRY_COMPARE_WITH_TIMEOUT(
            apiCall(daemons[1].url(), "GET", QStringLiteral("/api/v1/nodes/web1"), tokens[1])
                .json()[QStringLiteral("status")]
                .toString(),
            QStringLiteral("up"), 15000);

        // A config applied through daemon 1 runs on daemon 0, and its file follows.
        QJsonObject running =
            apiCall(daemons[1].url(), "GET", QStringLiteral("/api/v1/config"), tokens[1])
                .json()
                .toObject();
        QVERIFY(!running.isEmpty());
        running.insert(QStringLiteral("max_nodes"), 77);
        const ApiReply applied =
            apiCall(daemons[1].url(), "PUT", QStringLiteral("/api/v1/config"), tokens[1],
                    QJsonDocument(running).toJson(QJsonDocument::Compact));
        QVERIFY2(applied.status == 200, applied.body.constData());
        QTRY_COMPARE_WITH_TIMEOUT(
            apiCall(daemons[0].url(), "GET", QStringLiteral("/api/v1/config"), tokens[0])
                .json()[QStringLiteral("max_nodes")]
                .toInt(),
            77, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(
            readFile(m_dir.filePath(QStringLiteral("config0.json"))).contains("77"), 5000);

        // A node removed in the database, without a NOTIFY (as if it was lost), is found by the
        // poll of the change marks.
        sql(url, QStringLiteral("DELETE FROM nodes WHERE id = 'web1'"));
        sql(url, QStringLiteral("UPDATE cluster_marks SET mark = mark + 1 WHERE kind = 'nodes'"));
        QTRY_COMPARE_WITH_TIMEOUT(nodeIds(0), QStringList(), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(nodeIds(1), QStringList(), 15000);

        // One audit chain: what either daemon did is in it, and it verifies on both.
        for (int i = 0; i < Daemons; ++i) {
            const QJsonValue audit =
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/audit"), tokens[i]).json();
            QStringList actions;
            for (const QJsonValue &a : audit.toArray())
                actions << a[QStringLiteral("action")].toString();
            QVERIFY2(actions.contains(QStringLiteral("node.add")) &&
                         actions.contains(QStringLiteral("config.apply")),
                     qPrintable(actions.join(u',')));
            const ApiReply verified =
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/audit/verify"), tokens[i]);
            QCOMPARE(verified.status, 200);
            QVERIFY2(verified.json()[QStringLiteral("ok")].toBool(), verified.body.constData());
        }
        for (DaemonProcess &d : daemons) {
            const int code = d.terminate();
            // Its log says why, should it not stop cleanly.
            QVERIFY2(code == 0, d.logs().right(3000).constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestSharedState)
#include "tst_sharedstate.moc"
