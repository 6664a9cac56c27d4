// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd with its sync outbox in PostgreSQL (issue 13): what --db says about a bad URL or a
// server that is not there, and two real daemons on one PostgreSQL of the test's own, one of
// them SIGKILLed while it delivers: the other takes over and every accepted event arrives.
#include "daemonprocess.h"
#include "host/engine.h"
#include "host/storelocation.h"
#include "nodesimprocess.h"
#include "postgresserver.h"
#include "store/connectbackoff.h"
#include "store/daemonheartbeat.h"
#include "store/deliverylease.h"
#include "store/postgresoutboxreader.h"
#include "store/postgresoutboxstore.h"
#include "store/postgresretentionpruner.h"
#include "store/postgresschema.h"
#include "store/postgresurl.h"
#include "store/syncrecords.h"
#include "sync/syncservice.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace jobfirst;

namespace {

/// The network between one daemon and PostgreSQL: a TCP forwarder from a port of its own to
/// the server's, which cut() breaks as a firewall rule or a failed switch port would: every
/// connection is reset and new ones are refused, while the test still reaches the server.
/// silenceAfter() makes it a network that loses every packet instead, without a reset;
/// holdAnswers() a slow one that delivers some answers late.
class ServerLink final
{
public:
    ServerLink() = default;
    ~ServerLink() { cut(); }
    Q_DISABLE_COPY_MOVE(ServerLink)
    /// Listens on a free port of 127.0.0.1 and relays to `server`'s; false when it cannot.
    bool start(quint16 server)
    {
        m_server = server;
        // Close-on-exec, every descriptor: a daemon started meanwhile would otherwise hold
        // the link's sockets open, and a reset here would never reach the other end.
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a = address(0);
        socklen_t size = sizeof a;
        if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
            ::listen(m_listen, 64) != 0 ||
            ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&a), &size) != 0 ||
            ::pipe2(m_wake, O_CLOEXEC) != 0)
            return false;
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] { run(); });
        return true;
    }
    quint16 port() const { return m_port; }
    void cut()
    {
        if (!m_thread.joinable())
            return;
        m_cut = true;
        wake();
        m_thread.join();
        ::close(m_wake[0]);
        ::close(m_wake[1]);
    }
    /// Goes silent once a client has sent text containing `pattern` (passed on to the server,
    /// as the last thing that is): from then on every connection stays open, what the client
    /// sends is read and dropped and nothing comes back, as on a network that loses every
    /// packet without a reset; new connections are accepted and left silent too. This
    /// host's kernel still acknowledges what the client sends, so its TCP keepalives and
    /// tcp_user_timeout do not see the silence: only the daemon's own bounds and the
    /// server's (idle_in_transaction_session_timeout) are at work.
    void silenceAfter(const QByteArray &pattern)
    {
        {
            std::lock_guard lock(m_mutex);
            m_pattern = pattern;
        }
        m_mode = Mode::Arming;
        wake();
    }
    bool silent() const { return m_mode == Mode::Silent; }
    /// Holds the server's answer to a statement containing `to` for `ms` before passing it
    /// on, when the statement a client sent just before it on the same connection contained
    /// `after`, as a slow network or server would: the connection stays alive and what the
    /// client sends goes through at once. 0 passes on what is held and relays as before.
    void holdAnswers(const QByteArray &after, const QByteArray &to, int ms)
    {
        {
            std::lock_guard lock(m_mutex);
            m_holdAfter = after;
            m_holdTo = to;
        }
        m_holdMs = ms;
        wake();
    }
    /// Relays again. The connections that were silent are reset (what was sent on them was
    /// lost), new ones are relayed.
    void relay()
    {
        m_resetHeld = true;
        m_mode = Mode::Relaying;
        wake();
    }

private:
    enum class Mode { Relaying, Arming, Silent };

    static sockaddr_in address(quint16 port)
    {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }
    /// Closes `fd` with a reset, as a connection that was cut.
    static void reset(int fd)
    {
        if (fd < 0)
            return;
        const linger now{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
        ::close(fd);
    }
    static bool writeAll(int fd, const char *data, ssize_t size)
    {
        while (size > 0) {
            const ssize_t n = ::write(fd, data, std::size_t(size));
            if (n <= 0)
                return false;
            data += n;
            size -= n;
        }
        return true;
    }
    void wake() { [[maybe_unused]] const auto written = ::write(m_wake[1], "x", 1); }
    static qint64 steadyMs()
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    void run()
    {
        std::vector<std::pair<int, int>> pairs; // client side, server side (-1: never opened)
        // holdAnswers(): per client side, what the server sent and when it is passed on; until
        // when what it sends is held; whether the client's last statement contained `after`.
        std::map<int, std::deque<std::pair<qint64, QByteArray>>> late;
        std::map<int, qint64> holdUntil;
        std::set<int> primed;
        while (!m_cut) {
            if (m_resetHeld.exchange(false)) {
                for (const auto &[client, server] : pairs) {
                    reset(client);
                    reset(server);
                }
                pairs.clear();
                late.clear();
                holdUntil.clear();
                primed.clear();
            }
            int timeoutMs = 1000;
            for (auto it = late.begin(); it != late.end();) {
                auto &queue = it->second;
                while (!queue.empty() && (m_holdMs == 0 || queue.front().first <= steadyMs())) {
                    const QByteArray &chunk = queue.front().second;
                    writeAll(it->first, chunk.constData(), chunk.size());
                    queue.pop_front();
                }
                if (queue.empty()) {
                    it = late.erase(it);
                    continue;
                }
                timeoutMs = int(std::clamp<qint64>(queue.front().first - steadyMs(), 1, timeoutMs));
                ++it;
            }
            const bool silent = m_mode == Mode::Silent;
            std::vector<pollfd> fds{{m_listen, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
            for (const auto &[client, server] : pairs) {
                fds.push_back({client, POLLIN, 0});
                // Silent: what the server answers stays where it is.
                fds.push_back({silent ? -1 : server, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), timeoutMs) < 0 || m_cut)
                continue;
            if (fds[1].revents & POLLIN) {
                char drained[64];
                [[maybe_unused]] const auto n = ::read(m_wake[0], drained, sizeof drained);
                continue; // the mode changed: poll again with it
            }
            std::vector<std::pair<int, int>> open;
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                bool closed = false;
                for (int side = 0; side < 2 && !closed; ++side) {
                    const pollfd &p = fds[2 + 2 * i + std::size_t(side)];
                    if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                    char buffer[65536];
                    const ssize_t n = ::read(p.fd, buffer, sizeof buffer);
                    if (n <= 0) {
                        closed = true;
                        continue;
                    }
                    if (m_mode == Mode::Silent)
                        continue; // lost on the way
                    const int other = side == 0 ? pairs[i].second : pairs[i].first;
                    const int client = pairs[i].first;
                    if (side == 0 && m_holdMs > 0) {
                        std::lock_guard lock(m_mutex);
                        const QByteArray sent = QByteArray::fromRawData(buffer, qsizetype(n));
                        if (primed.count(client) && sent.contains(m_holdTo))
                            holdUntil[client] = steadyMs() + m_holdMs;
                        if (sent.contains(m_holdAfter))
                            primed.insert(client);
                        else
                            primed.erase(client);
                    }
                    if (side == 1 && m_holdMs > 0 &&
                        (late.count(client) || holdUntil[client] > steadyMs())) {
                        late[client].emplace_back(holdUntil[client], QByteArray(buffer, n));
                        continue;
                    }
                    closed = !writeAll(other, buffer, n);
                    if (side == 0 && m_mode == Mode::Arming) {
                        std::lock_guard lock(m_mutex);
                        if (QByteArray::fromRawData(buffer, qsizetype(n)).contains(m_pattern))
                            m_mode = Mode::Silent;
                    }
                }
                if (closed) { // what it held goes with it
                    late.erase(pairs[i].first);
                    holdUntil.erase(pairs[i].first);
                    primed.erase(pairs[i].first);
                }
                if (closed && m_mode == Mode::Silent && pairs[i].second >= 0) {
                    // The server does not hear of it either, until relay() resets it.
                    ::close(pairs[i].first);
                    open.emplace_back(-1, pairs[i].second);
                } else if (closed) {
                    ::close(pairs[i].first);
                    if (pairs[i].second >= 0)
                        ::close(pairs[i].second);
                } else {
                    open.push_back(pairs[i]);
                }
            }
            pairs = std::move(open);
            if (fds[0].revents & POLLIN) {
                const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
                if (client >= 0 && m_mode == Mode::Silent) {
                    pairs.emplace_back(client, -1); // no answer, not even the server's greeting
                    continue;
                }
                const int server =
                    client < 0 ? -1 : ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                const sockaddr_in to = address(m_server);
                if (server >= 0 &&
                    ::connect(server, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0) {
                    pairs.emplace_back(client, server);
                } else {
                    if (server >= 0)
                        ::close(server);
                    if (client >= 0)
                        ::close(client);
                }
            }
        }
        for (const auto &[client, server] : pairs) {
            reset(client);
            reset(server);
        }
        ::close(m_listen); // new connections are refused from here on
    }

    quint16 m_server = 0, m_port = 0;
    int m_listen = -1;
    int m_wake[2] = {-1, -1};
    std::atomic<bool> m_cut{false};
    std::atomic<Mode> m_mode{Mode::Relaying};
    std::atomic<bool> m_resetHeld{false};
    std::atomic<int> m_holdMs{0};
    std::mutex m_mutex;
    QByteArray m_pattern;   ///< guarded by m_mutex
    QByteArray m_holdAfter; ///< guarded by m_mutex
    QByteArray m_holdTo;    ///< guarded by m_mutex
    std::thread m_thread;
};

} // namespace

class TestPostgresOutbox final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    static QByteArray json(const QJsonObject &o)
    {
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

    /// How many partitions' leases the daemon with process id `pid` holds.
    static int partitionsHeldBy(PostgresServer &pg, qint64 pid)
    {
        return pg
            .psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                      .arg(pid))
            .toInt();
    }

    /// A config's "targets": `target` as `name`, taking user.created events.
    static QJsonArray oneTarget(const QString &name, const NodeSimProcess &target)
    {
        return QJsonArray{
            QJsonObject{{QStringLiteral("name"), name},
                        {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                        {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}}}};
    }

    QString writeConfig(const QString &name, const QJsonObject &extra)
    {
        QJsonObject o{{QStringLiteral("targets"), QJsonArray()}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            o.insert(it.key(), it.value());
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(QJsonDocument(o).toJson());
        return path;
    }

    /// A server, a slow target (one request at a time, 200 ms each: the ~130 rows the daemon
    /// reads ahead keep it busy for longer than the lease) and a daemon that reaches the
    /// server only through a ServerLink, with 400 events of 400 users accepted.
    struct LinkedDaemon
    {
        PostgresServer pg;
        ServerLink link;
        NodeSimProcess target;
        QString config;
        DaemonProcess daemon;
        QByteArray token; ///< an admin's (adds nodes)

        /// Starts it all and publishes the events (ids "<name>-<n>"): "" or what failed.
        /// `extra`: more settings for the daemon's config.
        QString start(TestPostgresOutbox &test, const QString &name, QJsonObject extra = {})
        {
            if (!pg.start(false) || !link.start(pg.port()))
                return QStringLiteral("the server or its link did not start");
            if (!target.start(QStringLiteral("t"), 0,
                              {QStringLiteral("--latency"), QStringLiteral("200")}))
                return QStringLiteral("the target did not start");
            extra.insert(QStringLiteral("sync_retry_interval"), QStringLiteral("100ms"));
            extra.insert(QStringLiteral("sync_workers"), 1);
            extra.insert(QStringLiteral("targets"), oneTarget(QStringLiteral("t"), target));
            config = test.writeConfig(name + QStringLiteral(".json"), extra);
            const QString throughLink = QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
                                            .arg(pg.user())
                                            .arg(link.port())
                                            .arg(pg.database());
            token = startWithToken(daemon, throughLink, config,
                                   test.m_dir.filePath(name + QStringLiteral(".db")), name,
                                   QStringLiteral("admin"));
            if (token.isEmpty())
                return QStringLiteral("the daemon did not start");
            QJsonArray events;
            for (int i = 0; i < 400; ++i)
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("%1-%2").arg(name).arg(i)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
            const int status = apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"),
                                       token, json({{QStringLiteral("events"), events}}))
                                   .status;
            return status == 202 ? QString()
                                 : QStringLiteral("the events were answered %1").arg(status);
        }
        int received()
        {
            return target.get(QStringLiteral("/stats"))[QStringLiteral("received")].toInt();
        }
        /// The latest any lease of `d` runs to (0: it holds none).
        qint64 leaseUntil(const DaemonProcess &d)
        {
            return pg
                .psql(QStringLiteral(
                          "SELECT MAX(until) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                          .arg(d.pid()))
                .toLongLong();
        }
    };

    /// Right after `run`'s daemon lost the server (`how`): from when the lease it last renewed
    /// lapses (another daemon may take its partitions then) nothing more arrives from it,
    /// though most of what it read ahead was never sent.
    static void checkNothingArrivesOnceItsLeaseLapses(LinkedDaemon &run, const char *how)
    {
        const auto now = [] { return QDateTime::currentMSecsSinceEpoch(); };
        const qint64 lostAt = now();
        const qint64 until = run.leaseUntil(run.daemon);
        QVERIFY(until > 0);
        QVERIFY2(until > now() + 5000, "the lease was about to lapse: nothing to learn");
        const int atLoss = run.received();
        QTRY_VERIFY_WITH_TIMEOUT(now() > until, DeliveryLease::DefaultTtlMs + 5000);
        const int atLapse = run.received();
        QTRY_VERIFY_WITH_TIMEOUT(now() > until + 2000, 5000);
        QCOMPARE(run.received(), atLapse);
        qInfo("%d request(s) reached the target after %s, none after its lease lapsed %lld ms "
              "later",
              atLapse - atLoss, how, until - lostAt);
        QVERIFY2(atLapse < 400, "everything was delivered before the server was lost");
    }

    /// Another daemon takes all partitions over and delivers the rest: nothing lost, each
    /// user's events in order.
    void checkASuccessorDeliversTheRest(LinkedDaemon &run, DaemonProcess &successor)
    {
        QVERIFY(run.target.control({{QStringLiteral("latency_ms"), 0}}));
        QVERIFY(successor.start(
            run.pg.url(), run.config,
            {QStringLiteral("--local-db"),
             m_dir.filePath(QStringLiteral("successor-%1.db").arg(run.daemon.pid()))}));
        QTRY_COMPARE_WITH_TIMEOUT(
            run.pg
                .psql(QStringLiteral(
                          "SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                          .arg(successor.pid()))
                .toInt(),
            PostgresSchema::Partitions, 10000);
        const auto stats = [&](const QString &figure) {
            return run.target.get(QStringLiteral("/stats"))[figure].toInt();
        };
        QTRY_COMPARE_WITH_TIMEOUT(stats(QStringLiteral("applied")), 400, 60000);
        QCOMPARE(stats(QStringLiteral("out_of_order")), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            run.pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'")),
            QStringLiteral("0"), 20000);
    }

    /// Commits a group the way the outbox writer does: its statements, then its COMMIT
    /// (finish()); answers whether the COMMIT succeeded.
    static bool finish(OutboxStore &store)
    {
        std::promise<bool> done;
        store.finish([&done](bool ok, const QString &) { done.set_value(ok); });
        return done.get_future().get();
    }

    /// A user.created event of `user` for target t, as the outbox writer hands it on.
    static OutboxItem eventItem(const QString &id, const QString &user, qint64 now)
    {
        SyncEvent e;
        e.eventId = id;
        e.type = QStringLiteral("user.created");
        e.userId = user;
        e.createdAt = now;
        OutboxItem item{e, {QStringLiteral("t")}, 0, false, {}, {}};
        item.payload = e.toPayload();
        return item;
    }

    static OutboxRequest eventWrite(const QString &id, const QString &user, qint64 now)
    {
        OutboxRequest write(std::in_place_type<EventWrite>);
        std::get<EventWrite>(write).items = {eventItem(id, user, now)};
        return write;
    }

    /// An outcome of row `id` (to target t) acknowledged at its first attempt.
    static DeliveryOutcome done(qint64 id, qint64 version)
    {
        DeliveryOutcome d;
        d.kind = DeliveryOutcome::Done;
        d.id = id;
        d.target = QStringLiteral("t");
        d.version = version;
        d.attempts = 1;
        return d;
    }

    /// The success of row `id` for `user`'s event `eventId`, as the batch an engine hands on.
    static std::shared_ptr<std::vector<DeliveryOutcome>>
    acknowledged(qint64 id, qint64 version, const QString &user, const QString &eventId)
    {
        DeliveryOutcome acked = done(id, version);
        acked.user = user;
        acked.eventId = eventId;
        return std::make_shared<std::vector<DeliveryOutcome>>(1, acked);
    }
    /// Makes the tables on `pg`'s database as the schema steps up to `version` made them, for
    /// migration tests; answers what failed ("" when done).
    static QString makeSchema(const PostgresServer &pg, int version)
    {
        const QString name = QStringLiteral("schema%1").arg(version);
        QString error;
        {
            auto db = PostgresUrl::parse(pg.url()).value().connect(name);
            if (!db)
                error = db.error().message;
            else if (const Status made = PostgresSchema::migrate(db.value(), pg.url(), version);
                     !made)
                error = made.error().message;
        }
        QSqlDatabase::removeDatabase(name);
        return error;
    }

    /// A server of the test's own and two outbox stores on it, as two daemons' writers.
    struct TwoStores
    {
        PostgresServer pg;
        std::unique_ptr<PostgresOutboxStore> a, b;
        /// Starts the server and opens both stores: "" or what failed.
        QString start()
        {
            if (!pg.start(false))
                return QStringLiteral("the server did not start");
            const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
            for (auto *store : {&a, &b}) {
                auto opened = PostgresOutboxStore::open(url);
                if (!opened)
                    return opened.error().message;
                *store = std::move(opened).value();
            }
            return {};
        }
    };

    /// Every partition, for a reader that reads them all.
    static QList<int> allPartitions()
    {
        QList<int> all;
        for (int p = 0; p < PostgresSchema::Partitions; ++p)
            all << p;
        return all;
    }

private slots:
    void badUrlsAreNamed_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("says");
        QTest::newRow("password") << QStringLiteral("postgresql://bo:secret@127.0.0.1:5432/jf")
                                  << QStringLiteral("password");
        QTest::newRow("no user") << QStringLiteral("postgresql://127.0.0.1:5432/jf")
                                 << QStringLiteral("no user");
        QTest::newRow("no database")
            << QStringLiteral("postgresql://bo@127.0.0.1:5432") << QStringLiteral("no database");
        QTest::newRow("no host") << QStringLiteral("postgresql://bo@:5432/jf")
                                 << QStringLiteral("no host");
        QTest::newRow("bad port") << QStringLiteral("postgresql://bo@127.0.0.1:99999/jf")
                                  << QStringLiteral("URL");
        QTest::newRow("unknown option") << QStringLiteral("postgresql://bo@127.0.0.1/jf?pasfile=x")
                                        << QStringLiteral("pasfile");
        QTest::newRow("missing passfile")
            << QStringLiteral("postgresql://bo@127.0.0.1/jf?passfile=/nonexistent/pgpass")
            << QStringLiteral("passfile /nonexistent/pgpass cannot be read");
        QTest::newRow("no slashes") << QStringLiteral("postgresql:bo@127.0.0.1/jf")
                                    << QStringLiteral("postgresql://user@host:port/database");
    }

    void badUrlsAreNamed()
    {
        QFETCH(QString, url);
        QFETCH(QString, says);
        const auto parsed = PostgresUrl::parse(url);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().code, QStringLiteral("store.bad_url"));
        QVERIFY2(parsed.error().message.contains(says), qPrintable(parsed.error().message));
        // The daemon refuses to start and says the same; the password is not echoed.
        DaemonProcess daemon;
        QVERIFY(!daemon.start(
            url, {}, {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("bad.db"))}));
        const QByteArray logs = daemon.logs();
        QVERIFY2(logs.contains(says.toUtf8()), logs.constData());
        QVERIFY(!logs.contains("secret"));
    }

    /// The silence limit follows the lease in use (--lease): two thirds of it, whole seconds.
    void aSilentConnectionEndsWithinALeasePeriod_data()
    {
        QTest::addColumn<qint64>("leaseMs");
        QTest::addColumn<qint64>("expectedMs");
        QTest::newRow("the default lease, 10 s") << DeliveryLease::DefaultTtlMs << qint64(6000);
        QTest::newRow("the shortest, 3 s") << DeliveryLease::MinTtlMs << qint64(2000);
        QTest::newRow("the longest, 300 s") << DeliveryLease::MaxTtlMs << qint64(200000);
    }
    void aSilentConnectionEndsWithinALeasePeriod()
    {
        QFETCH(qint64, leaseMs);
        QFETCH(qint64, expectedMs);
        DeliveryLease::setTtlMs(leaseMs);
        const auto restore =
            qScopeGuard([] { DeliveryLease::setTtlMs(DeliveryLease::DefaultTtlMs); });
        // What a connection is opened with (libpq's options are not shown by the server).
        const PostgresUrl url =
            PostgresUrl::parse(QStringLiteral("postgresql://bo@127.0.0.1:5432/jf")).value();
        QHash<QString, QString> options;
        for (const QString &o : url.connectOptions().split(u';'))
            options.insert(o.section(u'=', 0, 0), o.section(u'=', 1));
        const qint64 limitMs = PostgresUrl::silenceLimitMs();
        QCOMPARE(limitMs, expectedMs);
        QVERIFY2(
            limitMs > 0 && limitMs < leaseMs,
            "a silent daemon would keep its calls, and the server its locks, beyond its lease");
        QCOMPARE(options.value(QStringLiteral("keepalives")), QStringLiteral("1"));
        const qint64 idle = options.value(QStringLiteral("keepalives_idle")).toLongLong();
        const qint64 interval = options.value(QStringLiteral("keepalives_interval")).toLongLong();
        const qint64 count = options.value(QStringLiteral("keepalives_count")).toLongLong();
        QVERIFY(idle > 0 && interval > 0 && count > 0);
        QVERIFY2(count <= 127, "Linux refuses a TCP_KEEPCNT over 127");
        QVERIFY2((idle + interval * count) * 1000 <= limitMs, qPrintable(url.connectOptions()));
        QCOMPARE(options.value(QStringLiteral("tcp_user_timeout")).toLongLong(), limitMs);
        // The server's side, which it shows for the session.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        {
            auto db = PostgresUrl::parse(pg.url()).value().connect(QStringLiteral("silence"));
            QVERIFY2(db, qPrintable(db ? QString() : db.error().message));
            QSqlQuery q(db.value());
            const auto show = [&](const QString &setting) {
                return q.exec(QStringLiteral("SHOW ") + setting) && q.next() ? q.value(0).toString()
                                                                             : q.lastError().text();
            };
            const QString seconds = QStringLiteral("%1s").arg(limitMs / 1000);
            QCOMPARE(show(QStringLiteral("idle_in_transaction_session_timeout")), seconds);
            QCOMPARE(show(QStringLiteral("tcp_user_timeout")), QString::number(limitMs));
            QCOMPARE(show(QStringLiteral("tcp_keepalives_idle")), QString::number(idle));
            QCOMPARE(show(QStringLiteral("tcp_keepalives_count")), QString::number(count));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("silence"));
    }

    void aPasswordIsReadFromAFileNeverFromTheCommandLine()
    {
        // A server that asks for a password (scram-sha-256): jobfirstctl and jobfirstd reach it
        // with the password in a file, named in the URL (?passfile=) or by PGPASSFILE, and say
        // clearly when the file's password is wrong, without printing it.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString password = QStringLiteral("pw-Kd83-sesame");
        QVERIFY(pg.addPasswordRole(QStringLiteral("app"), password));
        const QString url = QStringLiteral("postgresql://app@127.0.0.1:%1/app").arg(pg.port());
        const auto passFile = [&](const QString &name, const QString &pw) {
            QFile f(m_dir.filePath(name));
            if (!f.open(QIODevice::WriteOnly))
                return QString();
            f.write(QStringLiteral("127.0.0.1:%1:app:app:%2\n").arg(pg.port()).arg(pw).toUtf8());
            f.close();
            f.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // libpq ignores it otherwise
            return f.fileName();
        };
        const QString right = passFile(QStringLiteral("right.pgpass"), password);
        const QString wrong = passFile(QStringLiteral("wrong.pgpass"), QStringLiteral("not-it"));
        const QString local = m_dir.filePath(QStringLiteral("pw.db"));
        const auto daemons = [&](const QString &db) {
            return runCtl({QStringLiteral("--db"), db, QStringLiteral("--local-db"), local,
                           QStringLiteral("daemons"), QStringLiteral("--json")});
        };
        const CtlRun named = daemons(url + QStringLiteral("?passfile=") + right);
        QVERIFY2(named.code == 0, named.err.constData());
        const CtlRun refused = daemons(url + QStringLiteral("?passfile=") + wrong);
        QVERIFY(refused.code != 0);
        QVERIFY2(refused.err.contains("password authentication failed"), refused.err.constData());
        QVERIFY(!refused.err.contains("not-it") && !refused.out.contains("not-it"));
        // PGPASSFILE, as libpq reads it, for jobfirstd and jobfirstctl alike.
        qputenv("PGPASSFILE", right.toUtf8());
        const CtlRun byEnvironment = daemons(url);
        DaemonProcess daemon;
        const bool started =
            daemon.start(url, writeConfig(QStringLiteral("pw.json"), {}),
                         {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("pwd.db"))});
        qunsetenv("PGPASSFILE");
        QVERIFY2(byEnvironment.code == 0, byEnvironment.err.constData());
        QVERIFY2(started, daemon.logs().constData());
        QTRY_COMPARE_WITH_TIMEOUT(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE usename = 'app'"))
                    .toInt() > 0,
            true, 10000);
        QCOMPARE(daemon.terminate(), 0);
        QVERIFY(!daemon.logs().contains(password.toUtf8()));
    }

    /// jobfirstd logs one JSON object per line, and jobfirstctl's stderr carries only what it
    /// says: on a store that exists, the schema check's NOTICEs ("relation ... already exists,
    /// skipping"), which libpq prints to stderr, were lines of neither.
    void startingOnAStoreThatExistsLogsOnlyJsonLines()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = writeConfig(QStringLiteral("notice.json"), {});
        const QStringList local{QStringLiteral("--local-db"),
                                m_dir.filePath(QStringLiteral("notice.db"))};
        DaemonProcess first;
        QVERIFY(first.start(pg.url(), config, local));
        QCOMPARE(first.terminate(), 0);
        DaemonProcess again; // the schema is there now
        QVERIFY(again.start(pg.url(), config, local));
        QCOMPARE(again.terminate(), 0);
        const QByteArray logs = again.logs();
        for (const QByteArray &line : logs.split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            QJsonParseError error;
            QVERIFY2(QJsonDocument::fromJson(line, &error).isObject(), line.constData());
        }
        const CtlRun ctl = runCtl({QStringLiteral("--db"), pg.url(), local.at(0), local.at(1),
                                   QStringLiteral("daemons"), QStringLiteral("--json")});
        QVERIFY2(ctl.code == 0, ctl.err.constData());
        QVERIFY2(ctl.err.isEmpty(), ctl.err.constData());
    }

    void aServerThatIsNotThereIsNamed()
    {
        quint16 port = 0;
        {
            QTcpServer probe; // a port nothing listens on once this closes
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        const QString url = QStringLiteral("postgresql://jobfirst@127.0.0.1:%1/jobfirst").arg(port);
        DaemonProcess daemon;
        QVERIFY(!daemon.start(
            url, {}, {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("gone.db"))}));
        QVERIFY2(daemon.logs().contains("cannot be reached"), daemon.logs().constData());
        // libpq's two lines stay apart ("Connection refused; Is the server running …").
        QVERIFY2(daemon.logs().contains("Connection refused; "), daemon.logs().constData());
        QVERIFY(daemon.logs().contains(url.toUtf8()));
        // And without --local-db, what is missing is said before anything is tried.
        const CtlRun ctl =
            runCtl({QStringLiteral("--db"), url, QStringLiteral("sync"), QStringLiteral("stats")});
        QCOMPARE(ctl.code, 2);
        QVERIFY2(ctl.err.contains("--local-db FILE"), ctl.err.constData());
    }

    void aStoreOfSchemaFourMovesToTheNewPartitionCount()
    {
        // A store made by schema 4 (16 partitions), with rows to deliver, delivered rows, a
        // bulk row and leases still held, migrated by an engine of this version: every row
        // still to deliver is in the partition this engine computes for its user, delivered
        // rows are left alone, and there is one free lease per partition.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 4);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QStringLiteral("4"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases")),
                 QStringLiteral("16"));
        const QString pendingAll = QStringLiteral(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'deliveries_pending_all'");
        QCOMPARE(pg.psql(pendingAll), QStringLiteral("1"));
        // Users with ASCII and multi-byte ids (the hash runs over UTF-8 bytes), and one bulk
        // row of many users (""), which goes by its event's seq. Old rows carry part = seq % 16.
        pg.psql(QStringLiteral(
            "INSERT INTO events(event_id, type, user_id, version, payload, created_at)"
            " SELECT 'e' || i, 'user.created', CASE WHEN i % 5 = 0 THEN '用户-' || i"
            " WHEN i = 7 THEN '' ELSE 'u' || i END, 0, '\\x00', 0 FROM generate_series(1, 300) i"));
        pg.psql(QStringLiteral(
            "INSERT INTO deliveries(event_seq, target, user_id, state, next_at, created_at,"
            " updated_at, part) SELECT seq, 't', user_id, CASE seq % 3 WHEN 0 THEN 'done' WHEN 1"
            " THEN 'pending' ELSE 'dead' END, 0, 0, 0, seq % 16 FROM events"));
        pg.psql(QStringLiteral("UPDATE partition_leases SET holder = 'elsewhere:1:a', until ="
                               " 9000000000000, fence = 3 WHERE part < 8"));

        auto store = PostgresOutboxStore::open(url); // migrates to the current version
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        QCOMPARE(pg.psql(pendingAll), QStringLiteral("0")); // schema 9: no reader needs it
        const QStringList rows =
            pg.psql(QStringLiteral("SELECT id || '|' || user_id || '|' || event_seq || '|' ||"
                                   " state || '|' || part FROM deliveries ORDER BY id"))
                .split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 300);
        int moved = 0, multiByte = 0, bulk = 0;
        for (const QString &row : rows) {
            const QStringList f = row.split(u'|');
            QCOMPARE(f.size(), 5);
            const qint64 seq = f[2].toLongLong();
            const int part = f[4].toInt();
            if (f[3] == QLatin1String("done")) {
                QCOMPARE(part, int(seq % 16)); // delivered: not touched
                continue;
            }
            QVERIFY2(part == PostgresSchema::partitionOf(f[1], seq), qPrintable(row));
            moved += part != int(seq % 16);
            multiByte += f[1].startsWith(QStringLiteral("用户"));
            bulk += f[1].isEmpty();
        }
        QVERIFY(moved > 100);
        QVERIFY(multiByte > 30);
        QCOMPARE(bulk, 1);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) || ' ' || MIN(part) || ' ' || MAX(part)"
                                        " FROM partition_leases")),
                 QStringLiteral("%1 0 %2")
                     .arg(PostgresSchema::Partitions)
                     .arg(PostgresSchema::Partitions - 1));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''"
                                        " OR until <> 0")),
                 QStringLiteral("0"));
        // The fences of the partitions that were held moved on (their meaning changed).
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(part || ':' || fence, ',' ORDER BY"
                                        " part) FROM partition_leases WHERE part < 9")),
                 QStringLiteral("0:4,1:4,2:4,3:4,4:4,5:4,6:4,7:4,8:0"));
        // And the store works on them: a claim takes every partition.
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:b"), 10000,
                                           QDateTime::currentMSecsSinceEpoch()),
                 QString());
        QCOMPARE(store.value()->heldPartitions().size(), PostgresSchema::Partitions);
    }

    void aStoreOfSchemaTenKeepsItsDaemonRowsAndLearnsTheirLeases()
    {
        // A store of schema 10 (no lease beside the heartbeats) with the row of a daemon of
        // that version, migrated by this engine: the old row stays, its lease not known (0,
        // never this engine's own taken for it); a daemon of this version beats its own.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 10);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        pg.psql(QStringLiteral("INSERT INTO daemon_heartbeats(daemon, admin_url, started_at,"
                               " heartbeat_at, delivered, rate) VALUES ('older:1:a', '', 1,"
                               " CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT),"
                               " 7, 0)"));
        const auto leases = [&] {
            QMap<QString, qint64> byId;
            const auto list = DaemonHeartbeat::read(url); // migrates to the current version
            if (!list)
                byId.insert(list.error().message, -1);
            for (const DaemonStatus &d : list ? list.value() : QList<DaemonStatus>())
                byId.insert(d.id, d.leaseMs);
            return byId;
        };
        QCOMPARE(leases(), (QMap<QString, qint64>{{QStringLiteral("older:1:a"), 0}}));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        QCOMPARE(pg.psql(QStringLiteral("SELECT delivered FROM daemon_heartbeats")),
                 QStringLiteral("7"));

        DaemonHeartbeat beating(url, QStringLiteral("newer:2:b"), nullptr);
        QTRY_COMPARE_WITH_TIMEOUT(leases().size(), 2, 10000);
        QCOMPARE(leases(),
                 (QMap<QString, qint64>{{QStringLiteral("older:1:a"), 0},
                                        {QStringLiteral("newer:2:b"), DeliveryLease::ttlMs()}}));
    }

    void aStoreOfSchemaSevenKeepsItsLedgerAndAcknowledgesBulkRowsAsRanges()
    {
        // A store of schema 7 (per-user ledger rows only), migrated by this engine: its ledger
        // reads as before; a bulk row delivered now is one range per target, read as every
        // user it carries; retention folds old ranges into per-user rows, and nothing a reader
        // sees changes.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        const QString made = makeSchema(pg, 7);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        pg.psql(
            QStringLiteral("INSERT INTO events(event_id, type, user_id, version, payload,"
                           " created_at) VALUES ('old1', 'user.created', 'u1', 0, '\\x00', 1)"));
        pg.psql(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                               " SELECT 't', user_id, event_id, seq, 1 FROM events"));

        auto store = PostgresOutboxStore::open(url); // migrates to the current version
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT version FROM jobfirst_schema")),
                 QString::number(PostgresSchema::Version));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        // One bulk row of three events (u1 again, u2, u2 again) to t.
        OutboxRequest write(std::in_place_type<EventWrite>);
        const QList<std::pair<QString, QString>> idsAndUsers{
            {QStringLiteral("b1"), QStringLiteral("u1")},
            {QStringLiteral("b2"), QStringLiteral("u2")},
            {QStringLiteral("b3"), QStringLiteral("u2")}};
        for (const auto &[id, user] : idsAndUsers) {
            OutboxItem item = eventItem(id, user, now);
            item.rowLimits = {100};
            std::get<EventWrite>(write).items << item;
        }
        auto written = store.value()->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store.value()));
        const qint64 first = written->stored.at(0).first().version;
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) || ' ' || MIN(event_count) FROM"
                                        " deliveries")),
                 QStringLiteral("1 3"));
        DeliveryOutcome bulkDone =
            done(pg.psql(QStringLiteral("SELECT id FROM deliveries")).toLongLong(), first);
        bulkDone.count = 3;
        OutboxRequest outcome(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, bulkDone), {}});
        auto recorded = store.value()->commit({&outcome}, 5000);
        QVERIFY2(recorded.ok(), recorded ? "" : qPrintable(recorded.error().message));
        QVERIFY(finish(*store.value()));
        QCOMPARE(pg.psql(QStringLiteral("SELECT target || ' ' || (end_seq - first_seq) FROM"
                                        " ledger_ranges")),
                 QStringLiteral("t 3"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("1"));

        auto records = SyncRecords::open(pg.url(), nullptr);
        QVERIFY2(records.ok(), records ? "" : qPrintable(records.error().message));
        const auto ledger = [&] {
            QStringList rows;
            const Status s = records.value()->forEachLedgerRow(
                QStringLiteral("t"), [&](const QString &user, qint64 version, const QString &id) {
                    rows << QStringLiteral("%1 %2 %3").arg(user).arg(version).arg(id);
                });
            if (!s)
                rows << s.error().message;
            rows.sort();
            return rows;
        };
        const QStringList expected{QStringLiteral("u1 %1 b1").arg(first),
                                   QStringLiteral("u2 %1 b3").arg(first + 2)};
        QCOMPARE(ledger(), expected);

        // Retention (the row is recent: nothing pruned) folds the range acknowledged before
        // its cutoff; the row stays, pinned by the users' latest events.
        pg.psql(QStringLiteral("UPDATE deliveries SET updated_at = 5000, created_at = 5000"));
        const auto pruned = PostgresRetentionPruner::pruneOnce(pg.url(), 6000, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QCOMPARE(pruned->deliveries, qint64(0));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger_ranges")),
                 QStringLiteral("0"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(user_id || ':' || event_id, ',' ORDER"
                                        " BY user_id) FROM ledger")),
                 QStringLiteral("u1:b1,u2:b3"));
        QCOMPARE(ledger(), expected);
    }

    void aRowThatCannotBeMarkedNamesWhy()
    {
        // A bulk row's success whose row cannot be marked done: the error is the server's
        // reason, not "transaction is aborted" from the ledger statement after it, and the
        // row stays pending with nothing acknowledged.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store = PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value());
        QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store.value()->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        OutboxRequest write(std::in_place_type<EventWrite>);
        for (const QString &id : {QStringLiteral("b1"), QStringLiteral("b2")}) {
            OutboxItem item = eventItem(id, QStringLiteral("u1"), now);
            item.rowLimits = {100};
            std::get<EventWrite>(write).items << item;
        }
        auto written = store.value()->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store.value()));
        pg.psql(QStringLiteral("CREATE FUNCTION jf_frozen() RETURNS trigger LANGUAGE plpgsql AS"
                               " $$ BEGIN RAISE EXCEPTION 'rows frozen by the test'; END $$"));
        pg.psql(QStringLiteral("CREATE TRIGGER frozen BEFORE UPDATE ON deliveries FOR EACH ROW"
                               " EXECUTE FUNCTION jf_frozen()"));

        DeliveryOutcome bulkDone =
            done(pg.psql(QStringLiteral("SELECT id FROM deliveries")).toLongLong(),
                 written->stored.at(0).first().version);
        bulkDone.count = 2;
        OutboxRequest outcome(
            OutcomeWrite{std::make_shared<std::vector<DeliveryOutcome>>(1, bulkDone), {}});
        auto recorded = store.value()->commit({&outcome}, now + 1);
        QVERIFY(!recorded.ok());
        QVERIFY2(recorded.error().message.contains(QLatin1String("rows frozen by the test")),
                 qPrintable(recorded.error().message));
        QVERIFY2(recorded.error().message.contains(QLatin1String("recording delivery outcomes")),
                 qPrintable(recorded.error().message));
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries")),
                 QStringLiteral("pending"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT (SELECT COUNT(*) FROM ledger) + (SELECT COUNT(*)"
                                        " FROM ledger_ranges)")),
                 QStringLiteral("0"));
    }

    void retentionPrunesDeliveredRowsOnlyAndOneDaemonAtATime()
    {
        // Retention on PostgreSQL: delivered rows older than the cutoff go with their attempts
        // and the events nothing else covers; pending and dead rows, rows the ledger pins,
        // newer rows, the ledger and the audit log stay. One daemon prunes at a time.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        { // the schema, as a daemon makes it
            auto store = PostgresOutboxStore::open(url);
            QVERIFY2(store.ok(), store ? "" : qPrintable(store.error().message));
        }
        const qint64 old = 1000, fresh = 2000000, cutoff = 1000000;
        // seq: user, then the rows: (id, seq, count, target, user, state, updated_at)
        pg.psql(QStringLiteral(
                    "INSERT INTO events(seq, event_id, type, user_id, version, payload, created_at)"
                    " SELECT i, 'e' || i, 'user.created', 'u' || i, 0, '\\x00', %1 FROM"
                    " generate_series(1, 11) i")
                    .arg(old));
        pg.psql(QStringLiteral(
                    "INSERT INTO deliveries(id, event_seq, event_count, target, user_id, state,"
                    " next_at, created_at, updated_at) VALUES"
                    " (1, 1, 1, 't', 'u1', 'done', 0, %1, %1),"     // delivered, old: goes
                    " (2, 2, 1, 't', 'u2', 'pending', 0, %1, %1),"  // undelivered: stays
                    " (3, 3, 1, 't', 'u3', 'dead', 0, %1, %1),"     // dead letter: stays
                    " (4, 4, 1, 't', 'u4', 'done', 0, %1, %1),"     // the ledger names e4
                    " (6, 6, 1, 't', 'u6', 'done', 0, %1, %2),"     // delivered lately
                    " (7, 7, 1, 't', 'u7', 'done', 0, %1, %1),"     // goes, but e7 ...
                    " (8, 7, 1, 't2', 'u7', 'pending', 0, %1, %1)," // ... is still due here
                    " (9, 8, 2, 'tb', '', 'done', 0, %1, %1),"      // a bulk row: goes
                    " (10, 10, 2, 'tb', '', 'pending', 0, %1, %1)") // a bulk row: stays
                    .arg(old)
                    .arg(fresh));
        pg.psql(QStringLiteral("INSERT INTO attempts(delivery_id, ts, status, duration_ms, error,"
                               " body_head) VALUES (1, 1, 500, 1, 'x', ''), (1, 2, 500, 1, 'x',"
                               " ''), (2, 3, 500, 1, 'x', '')"));
        pg.psql(QStringLiteral("INSERT INTO ledger(target, user_id, event_id, version, acked_at)"
                               " VALUES ('t', 'u1', 'e5', 5, 1), ('t', 'u4', 'e4', 4, 1)"));
        pg.psql(QStringLiteral("INSERT INTO health_events(node_id, ts, from_state, to_state,"
                               " reason) VALUES ('n', %1, 'up', 'down', ''), ('n', %1, 'down',"
                               " 'up', ''), ('n', %2, 'up', 'down', '')")
                    .arg(old)
                    .arg(fresh));

        // Another daemon prunes (it holds the lock): this one skips its pass.
        const QString other = QStringLiteral("other-daemon");
        {
            auto db = url.connect(other);
            QVERIFY(db.ok());
            QSqlQuery lock(db.value());
            QVERIFY(lock.exec(
                QStringLiteral("SELECT pg_advisory_lock(%1)").arg(PostgresRetentionPruner::Lock)));
            const auto skipped = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff, 2);
            QVERIFY2(skipped.ok(), skipped ? "" : qPrintable(skipped.error().message));
            QVERIFY(skipped->elsewhere);
            QCOMPARE(skipped->deliveries, qint64(0));
            QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")),
                     QStringLiteral("9"));
            // Released before the session closes: a closed connection's server process may
            // still hold the lock a moment after the client has gone.
            QVERIFY(lock.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)")
                                  .arg(PostgresRetentionPruner::Lock)));
        }
        QSqlDatabase::removeDatabase(other); // its session ends

        // Batches of 2 rows: several transactions.
        const auto pruned = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff, 2);
        QVERIFY2(pruned.ok(), pruned ? "" : qPrintable(pruned.error().message));
        QVERIFY(!pruned->elsewhere);
        QCOMPARE(pruned->deliveries, qint64(3));
        QCOMPARE(pruned->attempts, qint64(2));
        QCOMPARE(pruned->events, qint64(3));
        QCOMPARE(pruned->healthEvents, qint64(2));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(id::text, ',' ORDER BY id) FROM"
                                        " deliveries")),
                 QStringLiteral("2,3,4,6,8,10"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM"
                                        " events")),
                 QStringLiteral("2,3,4,5,6,7,10,11"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM attempts WHERE delivery_id = 2")),
                 QStringLiteral("1"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("2"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM health_events")),
                 QStringLiteral("1"));
        // A second pass finds nothing more.
        const auto again = PostgresRetentionPruner::pruneOnce(pg.url(), cutoff);
        QVERIFY(again.ok());
        QCOMPARE(again->deliveries + again->events + again->healthEvents, qint64(0));
    }

    void outcomesOfAFormerLeaseHolderAreRefused()
    {
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, a, b] = stores;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // a holds the lease (briefly) and accepts an event for target t.
        QCOMPARE(a->claimLease(QStringLiteral("elsewhere:1:a"), 300, now), QString());
        OutboxRequest write = eventWrite(QStringLiteral("evt-fenced"), QStringLiteral("ida"), now);
        auto written = a->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*a));
        const qint64 seq = written->stored.at(0).first().version;
        QVERIFY(seq > 0);
        // b may take partitions only once a's leases have lapsed (a counts b at its next
        // claim, which does not come: a is paused); meanwhile b is told who holds them.
        QCOMPARE(b->claimLease(QStringLiteral("elsewhere:2:b"), 10000, now),
                 QStringLiteral("all %1 partitions held by elsewhere:1:a")
                     .arg(PostgresSchema::Partitions));
        QVERIFY(b->heldPartitions().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(b->claimLease(QStringLiteral("elsewhere:2:b"), 10000,
                                                QDateTime::currentMSecsSinceEpoch()),
                                  QString(), 5000);
        QCOMPARE(b->heldPartitions().size(), PostgresSchema::Partitions);
        QCOMPARE(pg.psql(QStringLiteral("SELECT MIN(fence) FROM partition_leases")),
                 QStringLiteral("2")); // a, then b
        // a, paused meanwhile, comes back with an outcome for that row: refused, row unchanged.
        // One for a row gone meanwhile (discarded, pruned) is not: nothing is left to record.
        const auto outcomes =
            acknowledged(1, seq, QStringLiteral("ida"), QStringLiteral("evt-fenced"));
        auto withGone = std::make_shared<std::vector<DeliveryOutcome>>(*outcomes);
        withGone->push_back(done(999, seq));
        withGone->back().kind = DeliveryOutcome::Hold;
        OutboxRequest late(OutcomeWrite{withGone, {}});
        auto recorded = a->commit({&late}, QDateTime::currentMSecsSinceEpoch());
        QVERIFY(recorded.ok());
        QVERIFY(finish(*a));
        QCOMPARE(int(recorded->refused.size()), 1);
        QVERIFY(recorded->refused.at(0) == std::vector<qint64>{1});
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("pending"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")), QStringLiteral("0"));
        // The holder's own outcome is recorded.
        OutboxRequest own(OutcomeWrite{outcomes, {}});
        auto ok = b->commit({&own}, QDateTime::currentMSecsSinceEpoch());
        QVERIFY(ok.ok());
        QVERIFY(finish(*b));
        QVERIFY(ok->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
    }

    void anOutcomeKeepsItsUserIdAsWritten()
    {
        // Successes are recorded in one statement of arrays, each written as an array literal:
        // quotes, backslashes, commas and braces in a user id reach the ledger as written.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(store->claimLease(QStringLiteral("here:1:a"), 10000, now), QString());
        const QString user = QStringLiteral("u \"q\" \\b 'a',{x} 用户");
        OutboxRequest write = eventWrite(QStringLiteral("evt-odd"), user, now);
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        OutboxRequest outcome(OutcomeWrite{
            acknowledged(1, written->stored.at(0).first().version, user, QStringLiteral("evt-odd")),
            {}});
        auto recorded = store->commit({&outcome}, now);
        QVERIFY2(recorded.ok(), recorded ? "" : qPrintable(recorded.error().message));
        QVERIFY(finish(*store));
        QVERIFY(recorded->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT user_id FROM ledger")), user);
    }

    void aPayloadIsStoredByteForByte_data()
    {
        QTest::addColumn<QByteArray>("payload");
        // Sent in binary format; these were the literal text's hard cases (bytea's escape
        // format and hex), kept as plain bytes that must not be read as either.
        QTest::newRow("JSON") << QByteArray("{\"a\":\"it's \\\"quoted\\\" \\\\ {x}\",\"b\":[1,2]}");
        QTest::newRow("a few other bytes")
            << QByteArray("line\nnext\ttab \x01\x7f\x80\xff 用户 end", 30);
        QTest::newRow("mostly other bytes")
            << QByteArray("用户用户用户\x00\x01\x02", 21).repeated(50); // more than the JSON
        QTest::newRow("starts like hex") << QByteArray("\\x41\\\\0101'");
        QTest::newRow("empty") << QByteArray();
    }

    void aPayloadIsStoredByteForByte()
    {
        QFETCH(QByteArray, payload);
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        // With a plain JSON event in the same group: its payload and this one share a BYTEA.
        OutboxRequest write = eventWrite(QStringLiteral("evt-json"), QStringLiteral("u1"), now);
        OutboxItem item = eventItem(QStringLiteral("evt-bytes"), QStringLiteral("u2"), now);
        item.payload = payload;
        std::get<EventWrite>(write).items.append(item);
        const QByteArray json = std::get<EventWrite>(write).items.first().payload;
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(encode(payload, 'hex'), ' ' ORDER BY"
                                        " seq) FROM events")),
                 QString::fromLatin1(json.toHex() + ' ' + payload.toHex()).trimmed());
    }

    void aRenewalDoesNotWaitForOutcomesButAPartitionPassingOnDoes()
    {
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, a, b] = stores;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString ownerA = QStringLiteral("elsewhere:1:a");
        QCOMPARE(a->claimLease(ownerA, 1000, now), QString());
        OutboxRequest write = eventWrite(QStringLiteral("evt-pass"), QStringLiteral("ida"), now);
        auto written = a->commit({&write}, now);
        QVERIFY(written.ok());
        QVERIFY(finish(*a));
        // a records an outcome: its group holds a's partitions until its COMMIT.
        const auto outcomes = acknowledged(1, written->stored.at(0).first().version,
                                           QStringLiteral("ida"), QStringLiteral("evt-pass"));
        OutboxRequest outcome(OutcomeWrite{outcomes, {}});
        auto recorded = a->commit({&outcome}, now);
        QVERIFY(recorded.ok());
        // Meanwhile a renews its lease and b asks for a share: neither waits for that group
        // (a claim each second used to wait for every group in flight, and stop its engine).
        auto renewal =
            std::async(std::launch::async, [&] { return a->claimLease(ownerA, 1000, now); });
        const bool renewed =
            renewal.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
        if (!renewed)
            QVERIFY(finish(*a)); // lets the renewal end before failing
        QVERIFY2(renewed, "a renewal waited for a group recording outcomes");
        QCOMPARE(renewal.get(), QString());
        auto asked = std::async(std::launch::async, [&] {
            return b->claimLease(QStringLiteral("elsewhere:2:b"), 1000, now);
        });
        QCOMPARE(asked.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        QVERIFY(asked.get().startsWith(QStringLiteral("all ")));
        // Once a's leases lapsed, b takes the partitions, but only after a's group ended: the
        // outcome it recorded (fenced by a's lease) is in before the partitions pass on.
        const qint64 later = now + 2000;
        auto taken = std::async(std::launch::async, [&] {
            return b->claimLease(QStringLiteral("elsewhere:2:b"), 1000, later);
        });
        QCOMPARE(taken.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
        QVERIFY(finish(*a));
        QCOMPARE(taken.get(), QString());
        QCOMPARE(b->heldPartitions().size(), PostgresSchema::Partitions);
        QVERIFY(recorded->refused.empty());
        QCOMPARE(pg.psql(QStringLiteral("SELECT state FROM deliveries WHERE id = 1")),
                 QStringLiteral("done"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT MIN(fence) FROM partition_leases")),
                 QStringLiteral("2"));
    }

    void aNulInTextIsLeftOut()
    {
        // Text cannot hold a NUL character: the enqueue leaves it out of an event's text, as
        // the literals did, instead of failing the callers of the whole group.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        auto store =
            std::move(PostgresOutboxStore::open(PostgresUrl::parse(pg.url()).value())).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString user = QStringLiteral("u") + QChar(0) + QStringLiteral("用户");
        OutboxRequest write = eventWrite(QStringLiteral("evt-nul"), user, now);
        auto written = store->commit({&write}, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));
        QCOMPARE(pg.psql(QStringLiteral("SELECT user_id FROM events")), QStringLiteral("u用户"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")), QStringLiteral("1"));
    }

    void aGroupOfManyWritesIsStoredAsEachWriteAlone_data()
    {
        QTest::addColumn<bool>("plain");
        // Plain items go in one statement with their delivery rows; a group holding a bulk
        // or coalescing item inserts its rows after planning them (writeOutboxRows).
        QTest::newRow("plain items") << true;
        QTest::newRow("with a bulk item") << false;
    }

    void aGroupOfManyWritesIsStoredAsEachWriteAlone()
    {
        // The writer commits every write waiting at one moment in one group; the store
        // writes the group's events (and rows) together. What it stores must be what each
        // write alone would have stored: every event once, the text exactly as given (quotes,
        // backslashes, non-Latin letters), rows per target in the writes' order, an event id
        // sent twice accepted once.
        QFETCH(bool, plain);
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
        auto store = std::move(PostgresOutboxStore::open(url)).value();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const auto item = [now](const QString &id, const QString &user, const QStringList &targets,
                                qint64 dueAt = 0) {
            SyncEvent e;
            e.eventId = id;
            e.type = QStringLiteral("user.updated");
            e.userId = user;
            e.createdAt = now;
            e.data = {{QStringLiteral("note"), QStringLiteral("it's a \\ \"test\" 名前")}};
            OutboxItem i{e, targets, dueAt, false, {}, {}};
            i.payload = e.toPayload();
            return i;
        };
        const QString odd =
            QStringLiteral("o'brien\\x\\'; \"{a,b}\" NULL DROP TABLE events; --名前");
        std::vector<OutboxRequest> writes;
        const auto add = [&writes](QList<OutboxItem> items) {
            writes.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(writes.back()).items = std::move(items);
        };
        add({item(QStringLiteral("evt-1"), odd, {QStringLiteral("t"), QStringLiteral("t'2")}),
             item(QStringLiteral("evt-2"), QStringLiteral("u2"), {QStringLiteral("t")})});
        add({item(QStringLiteral("evt-1"), odd, {QStringLiteral("t")})}); // sent twice
        add({item(QStringLiteral("evt-3"), QStringLiteral("u3"), {QStringLiteral("t")},
                  now + 60000)}); // due later: near-real-time
        add({item(QStringLiteral("evt-4"), odd, {QStringLiteral("t")})});
        if (!plain) {
            OutboxItem bulk =
                item(QStringLiteral("evt-5"), QStringLiteral("u5"), {QStringLiteral("t")});
            bulk.rowLimits = {100};
            add({bulk});
        }
        std::vector<OutboxRequest *> group;
        for (OutboxRequest &w : writes)
            group.push_back(&w);
        auto written = store->commit(group, now);
        QVERIFY2(written.ok(), written ? "" : qPrintable(written.error().message));
        QVERIFY(finish(*store));

        // Versions are the seqs, in the writes' order; the second copy of evt-1 is answered
        // as accepted before.
        const auto &stored = written->stored;
        QCOMPARE(int(stored.size()), int(writes.size()));
        const qint64 v1 = stored[0].at(0).version, v2 = stored[0].at(1).version,
                     v3 = stored[2].at(0).version, v4 = stored[3].at(0).version;
        QVERIFY(v1 > 0 && v1 < v2 && v2 < v3 && v3 < v4);
        QCOMPARE(stored[1].size(), 1);
        QCOMPARE(stored[1].at(0).eventId, QStringLiteral("evt-1"));
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM events")),
                 QString::number(plain ? 4 : 5));
        // Text and payload exactly as given.
        const auto hex = [](const QString &s) { return QString::fromLatin1(s.toUtf8().toHex()); };
        QCOMPARE(pg.psql(QStringLiteral("SELECT encode(convert_to(user_id, 'UTF8'), 'hex') FROM"
                                        " events WHERE event_id = 'evt-4'")),
                 hex(odd));
        for (const auto &[id, write, at] :
             {std::tuple{"evt-1", 0, 0}, std::tuple{"evt-2", 0, 1}, std::tuple{"evt-4", 3, 0}})
            QCOMPARE(
                pg.psql(QStringLiteral("SELECT encode(payload, 'hex') FROM events WHERE"
                                       " event_id = '%1'")
                            .arg(QLatin1String(id))),
                QString::fromLatin1(
                    std::get<EventWrite>(writes[std::size_t(write)]).items.at(at).payload.toHex()));
        // One row per (event, target), in the writes' order, with its user's partition and
        // mode; none for the copy.
        const QString rows = pg.psql(QStringLiteral(
            "SELECT string_agg(concat_ws('|', e.event_id, encode(convert_to(d.target, 'UTF8'),"
            " 'hex'), d.part, d.mode, d.event_count), ',' ORDER BY d.id) FROM deliveries d JOIN"
            " events e ON e.seq = d.event_seq"));
        const auto row = [&](const char *event, const QString &target, const QString &user,
                             const char *mode) {
            return QStringLiteral("%1|%2|%3|%4|1")
                .arg(QLatin1String(event), hex(target))
                .arg(PostgresSchema::partitionOf(user, 0))
                .arg(QLatin1String(mode));
        };
        QStringList expected{
            row("evt-1", QStringLiteral("t"), odd, "real-time"),
            row("evt-1", QStringLiteral("t'2"), odd, "real-time"),
            row("evt-2", QStringLiteral("t"), QStringLiteral("u2"), "real-time"),
            row("evt-3", QStringLiteral("t"), QStringLiteral("u3"), "near-real-time"),
            row("evt-4", QStringLiteral("t"), odd, "real-time")};
        if (!plain)
            expected << row("evt-5", QStringLiteral("t"), QStringLiteral("u5"), "bulk");
        QCOMPARE(rows, expected.join(u','));
        QCOMPARE(written->pendingDelta.value(QStringLiteral("t")), plain ? 4 : 5);
        QCOMPARE(written->pendingDelta.value(QStringLiteral("t'2")), 1);
        // The delivery engine reads them back as written.
        auto reader = std::move(PostgresOutboxReader::open(url)).value();
        reader->setPartitions(allPartitions());
        std::vector<PendingDelivery> pending;
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t'2"), 0, 100, pending).ok());
        QCOMPARE(int(pending.size()), 1);
        QCOMPARE(pending.at(0).eventId, QStringLiteral("evt-1"));
        QCOMPARE(pending.at(0).user, odd);

        // An event id accepted in an earlier group (a plain group inserts without checking
        // each id, and goes again checking them): answered as accepted before, with no row of
        // its own; the new events of its group are stored with their rows, in order, and so
        // are those of the groups after it.
        for (const char *id : {"evt-6", "evt-8"}) {
            std::vector<OutboxRequest> again;
            again.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(again.back()).items = {
                item(QString::fromLatin1(id), QStringLiteral("u6"), {QStringLiteral("t")}),
                item(QStringLiteral("evt-2"), QStringLiteral("u2"), {QStringLiteral("t")})};
            again.emplace_back(std::in_place_type<EventWrite>);
            std::get<EventWrite>(again.back()).items = {
                item(QString::fromLatin1(id) + u'b', QStringLiteral("u7"), {QStringLiteral("t")})};
            auto more = store->commit({&again[0], &again[1]}, now);
            QVERIFY2(more.ok(), more ? "" : qPrintable(more.error().message));
            QVERIFY(finish(*store));
            QCOMPARE(more->stored.at(0).at(1).eventId, QStringLiteral("evt-2"));
            QCOMPARE(more->stored.at(0).at(1).version, 0);
            QVERIFY(more->stored.at(0).at(0).version > v4);
            QVERIFY(more->stored.at(1).at(0).version > more->stored.at(0).at(0).version);
            QCOMPARE(more->pendingDelta.value(QStringLiteral("t")), 2);
        }
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM events")),
                 QString::number(plain ? 8 : 9));
        QCOMPARE(pg.psql(QStringLiteral("SELECT string_agg(e.event_id, ',' ORDER BY d.id) FROM"
                                        " deliveries d JOIN events e ON e.seq = d.event_seq"
                                        " WHERE d.id > (SELECT MAX(id) FROM deliveries d2 JOIN"
                                        " events e2 ON e2.seq = d2.event_seq WHERE e2.event_id"
                                        " = 'evt-4')")),
                 plain ? QStringLiteral("evt-6,evt-6b,evt-8,evt-8b")
                       : QStringLiteral("evt-5,evt-6,evt-6b,evt-8,evt-8b"));
    }

    void aRowCommittedLateIsNotPassedOver()
    {
        // Enqueues of several connections (daemons, or one writer's two) commit in any order:
        // one that took smaller delivery ids may commit after one that took larger ones. The
        // delivery engine reads each queue through an id cursor, so a reader must not read
        // past a row that may still appear.
        TwoStores stores;
        const QString started = stores.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const auto &[pg, slow, fast] = stores;
        auto reader =
            std::move(PostgresOutboxReader::open(PostgresUrl::parse(pg.url()).value())).value();
        reader->setPartitions(allPartitions());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        OutboxRequest first = eventWrite(QStringLiteral("evt-first"), QStringLiteral("u1"), now);
        OutboxRequest second = eventWrite(QStringLiteral("evt-second"), QStringLiteral("u2"), now);
        QVERIFY(slow->commit({&first}, now).ok()); // its ids taken, its COMMIT not sent yet
        QVERIFY(fast->commit({&second}, now).ok());
        QVERIFY(finish(*fast)); // the larger id is committed first
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries")), QStringLiteral("1"));
        std::vector<PendingDelivery> rows;
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t"), 0, 100, rows).ok());
        QVERIFY2(rows.empty(),
                 "a row above an open enqueue was read: its cursor would skip the other");
        QVERIFY(finish(*slow));
        QVERIFY(reader->dataVersion() >= 0);
        QVERIFY(reader->readPending(QStringLiteral("t"), 0, 100, rows).ok());
        QCOMPARE(int(rows.size()), 2);
        QCOMPARE(rows.at(0).eventId, QStringLiteral("evt-first"));
        QCOMPARE(rows.at(1).eventId, QStringLiteral("evt-second"));
        QVERIFY(rows.at(0).id < rows.at(1).id);
    }

    void aRestartedServerIsReconnectedAndNothingAcceptedIsLost()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("t"), 0,
                             {QStringLiteral("--latency"), QStringLiteral("5")}));
        const QString config =
            writeConfig(QStringLiteral("restart.json"),
                        {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                         {QStringLiteral("targets"), oneTarget(QStringLiteral("t"), target)}});
        DaemonProcess daemon;
        const QByteArray token =
            startWithToken(daemon, pg.url(), config, m_dir.filePath(QStringLiteral("restart.db")),
                           QStringLiteral("restart"), QStringLiteral("operator"));
        QVERIFY(!token.isEmpty());
        const auto publish = [&](int from, int count) {
            QJsonArray events;
            for (int i = from; i < from + count; ++i)
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("r-%1").arg(i)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
            return apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"), token,
                           json({{QStringLiteral("events"), events}}));
        };
        QCOMPARE(publish(0, 100).status, 202);
        QVERIFY(pg.restart()); // pg_ctl restart -m fast: every connection is cut
        // A caller hears at once either that its events are queued or that the store is not
        // available (and nothing of them was written); once the daemon has reconnected, the
        // same events are accepted (an event id is accepted once however often it is sent).
        int refused = 0;
        QString why, wrong;
        qint64 slowest = 0; // ms, of the calls refused
        QTRY_VERIFY_WITH_TIMEOUT(
            ([&] {
                QElapsedTimer call;
                call.start();
                const ApiReply r = publish(100, 100);
                if (r.status == 202)
                    return true;
                ++refused;
                slowest = std::max(slowest, call.elapsed());
                // Refused as the store's state, never a timeout (0).
                if ((r.status != 503 || !r.json()[QStringLiteral("code")].toString().startsWith(
                                            QLatin1String("store."))) &&
                    wrong.isEmpty())
                    wrong = QStringLiteral("HTTP %1 %2: %3")
                                .arg(r.status)
                                .arg(r.json()[QStringLiteral("code")].toString(), r.error());
                if (r.error() != why)
                    qInfo("refused: HTTP %d %s", r.status, qPrintable(r.error().left(200)));
                why = r.error();
                return false;
            }()),
            60000); // generous: the server restarts slowly on a loaded machine
        if (refused > 0)
            QVERIFY2(why.contains(QStringLiteral("PostgreSQL store")), qPrintable(why));
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
        // No caller waits out a restart: each is answered within the connect timeout (5 s),
        // with the margin of a loaded machine.
        QVERIFY2(slowest < 15000, qPrintable(QString::number(slowest)));
        qInfo("%d publish call(s) refused while the daemon reconnected, the slowest answered in "
              "%lld ms (%s)",
              refused, slowest, qPrintable(why.left(120)));
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 200, 30000);
        // With the server down, a caller is told so (no hang, nothing written), and once it is
        // back the same events are accepted and delivered.
        QVERIFY(pg.stop());
        QElapsedTimer answered;
        answered.start();
        const ApiReply down = publish(200, 50);
        QVERIFY2(down.status != 202, "accepted with the store down");
        // 503 store.unavailable, whether the caller's token could not be looked up in the
        // shared store or the enqueue could not be written.
        QCOMPARE(down.status, 503);
        QCOMPARE(down.json()[QStringLiteral("code")].toString(),
                 QStringLiteral("store.unavailable"));
        QVERIFY2(answered.elapsed() < 15000, qPrintable(QString::number(answered.elapsed())));
        QVERIFY2(down.error().contains(QStringLiteral("PostgreSQL store")),
                 qPrintable(down.error()));
        qInfo("with PostgreSQL down: HTTP %d after %lld ms: %s", down.status, answered.elapsed(),
              qPrintable(down.error().left(160)));
        QVERIFY(pg.resume());
        QTRY_COMPARE_WITH_TIMEOUT(publish(200, 50).status, 202, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 250, 30000);
        QCOMPARE(target.get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(daemon.terminate(), 0);
    }

    void callersWhileTheServerRestartsAreAnsweredAndNothingAcceptedIsLost()
    {
        // pg_ctl restart -m fast while callers publish: each call is answered, queued (202)
        // or refused as the store's state (503, store.*, nothing written), none waits out the
        // restart; every event accepted arrives.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("t")));
        const QString config =
            writeConfig(QStringLiteral("restarting.json"),
                        {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                         {QStringLiteral("targets"), oneTarget(QStringLiteral("t"), target)}});
        DaemonProcess daemon;
        const QByteArray token = startWithToken(
            daemon, pg.url(), config, m_dir.filePath(QStringLiteral("restarting.db")),
            QStringLiteral("restarting"), QStringLiteral("operator"));
        QVERIFY(!token.isEmpty());
        int next = 0, accepted = 0, refused = 0;
        qint64 slowest = 0;
        QStringList wrong;
        const auto publishSome = [&] {
            QJsonArray events;
            for (int i = 0; i < 10; ++i, ++next)
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("rs-%1").arg(next)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(next)}});
            QElapsedTimer call;
            call.start();
            const ApiReply r = apiCall(daemon.url(), "POST", QStringLiteral("/api/v1/sync/events"),
                                       token, json({{QStringLiteral("events"), events}}));
            slowest = std::max(slowest, call.elapsed());
            if (r.status == 202) {
                accepted += 10;
            } else if (r.status == 503 && r.json()[QStringLiteral("code")].toString().startsWith(
                                              QStringLiteral("store."))) {
                ++refused;
            } else if (wrong.size() < 3) {
                wrong << QStringLiteral("HTTP %1 %2").arg(r.status).arg(QString::fromUtf8(r.body));
            }
        };
        publishSome();
        QCOMPARE(accepted, 10);
        auto restarting = std::async(std::launch::async, [&] { return pg.restart(); });
        int during = 0;
        while (restarting.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            publishSome();
            ++during;
        }
        QVERIFY(restarting.get());
        // Until the daemon has reconnected (a call may still find its connections cut).
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     const int before = accepted;
                                     publishSome();
                                     return accepted > before;
                                 }()),
                                 30000);
        qInfo("%d call(s) while the server restarted; %d refused in all, the slowest answered in "
              "%lld ms; %d events accepted",
              during, refused, slowest, accepted);
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u'\n')));
        QVERIFY2(slowest < 15000, qPrintable(QString::number(slowest)));
        QVERIFY(during > 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), accepted,
            30000);
        QCOMPARE(target.get(QStringLiteral("/stats"))[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(daemon.terminate(), 0);
    }

    void aDaemonCutOffFromTheServerStopsDeliveringBeforeItsLeaseCanPass()
    {
        // A daemon that loses PostgreSQL keeps rows it read ahead in memory, and may still
        // reach its targets; once its lease has run out another daemon delivers those rows. So
        // it must stop sending as soon as it cannot renew, not when its memory runs dry: the
        // slow target (one request at a time, 200 ms each) keeps ~130 rows read ahead
        // busy for longer than the lease.
        LinkedDaemon run;
        const QString started = run.start(*this, QStringLiteral("cut"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QTRY_VERIFY_WITH_TIMEOUT(run.received() >= 5, 20000);
        run.link.cut(); // nothing it does from here reaches the server
        checkNothingArrivesOnceItsLeaseLapses(run, "the cut");
        if (QTest::currentTestFailed())
            return;
        DaemonProcess successor;
        checkASuccessorDeliversTheRest(run, successor);
        if (QTest::currentTestFailed())
            return;
        run.daemon.kill();
        QCOMPARE(successor.terminate(), 0);
    }

    void aDaemonOnASilentNetworkStopsDeliveringBeforeItsLeaseCanPass()
    {
        // As above, but the network goes silent instead of refusing: packets are lost, no
        // reset comes, and the daemon's calls wait for answers that never come. It goes
        // silent just after the daemon began a transaction that records outcomes (BEGIN with
        // its fence lock, which a successor must take to pass its partitions on): the server
        // keeps that transaction open until idle_in_transaction_session_timeout ends it.
        LinkedDaemon run;
        const QString started = run.start(*this, QStringLiteral("silent"));
        QVERIFY2(started.isEmpty(), qPrintable(started));
        PostgresServer &pg = run.pg;
        ServerLink &link = run.link;
        DaemonProcess &silent = run.daemon;
        QTRY_VERIFY_WITH_TIMEOUT(run.received() >= 5, 20000);
        link.silenceAfter("pg_advisory_xact_lock_shared(");
        QTRY_VERIFY_WITH_TIMEOUT(link.silent(), 10000);
        checkNothingArrivesOnceItsLeaseLapses(run, "the network went silent");
        if (QTest::currentTestFailed())
            return;
        // The server ended the transaction the silence left open: nothing of the silent
        // daemon holds a lock its successor needs.
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE state ="
                                        " 'idle in transaction'")),
                 QStringLiteral("0"));
        DaemonProcess successor;
        checkASuccessorDeliversTheRest(run, successor);
        if (QTest::currentTestFailed())
            return;
        const auto partitionsOf = [&](const DaemonProcess &d) {
            return pg
                .psql(QStringLiteral(
                          "SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                          .arg(d.pid()))
                .toInt();
        };
        // The network comes back (its silent connections reset): the daemon connects again
        // and takes its share of the partitions back.
        link.relay();
        if (!QTest::qWaitFor(
                [&] {
                    return partitionsOf(silent) == PostgresSchema::Partitions / 2 &&
                           partitionsOf(successor) == PostgresSchema::Partitions / 2;
                },
                30000)) {
            for (const QByteArray &line : silent.logs().split('\n'))
                qWarning("silent daemon: %s", line.constData());
            QFAIL("the daemon did not take its share back once the network relayed again");
        }
        QCOMPARE(silent.terminate(), 0);
        QCOMPARE(successor.terminate(), 0);
    }

    void aDaemonWhoseClaimsAreAnsweredLateStopsDeliveringBeforeItsLeaseCanPass()
    {
        // The network (or the server) is slow but alive: the answer to each claim of the
        // leases (the COMMIT after it renews all partitions) comes after the lease it renewed
        // may have passed to another daemon. Such an answer must not let the daemon deliver,
        // nor check the nodes of those partitions: from when the last claim answered in time
        // can lapse (it was sent before the answers slowed down), nothing more arrives from
        // it while they stay late; once they come in time again it goes on.
        LinkedDaemon run;
        const QString started =
            run.start(*this, QStringLiteral("late"),
                      {{QStringLiteral("health_check_interval"), QStringLiteral("500ms")},
                       {QStringLiteral("health_check_timeout"), QStringLiteral("400ms")}});
        QVERIFY2(started.isEmpty(), qPrintable(started));
        NodeSimProcess node;
        QVERIFY(node.start(QStringLiteral("n1")));
        const ApiReply added =
            apiCall(run.daemon.url(), "POST", QStringLiteral("/api/v1/nodes"), run.token,
                    json({{QStringLiteral("id"), QStringLiteral("n1")},
                          {QStringLiteral("url"), node.url()},
                          {QStringLiteral("health_path"), QStringLiteral("/health")}}));
        QVERIFY2(added.status / 100 == 2, added.body.constData());
        const auto checks = [&] {
            return node.get(QStringLiteral("/stats"))[QStringLiteral("health_checks")].toInt();
        };
        QTRY_VERIFY_WITH_TIMEOUT(run.received() >= 5 && checks() >= 3, 20000);
        const auto now = [] { return QDateTime::currentMSecsSinceEpoch(); };
        const qint64 slowedAt = now();
        QStringList all;
        for (int p = 0; p < PostgresSchema::Partitions; ++p)
            all << QString::number(p);
        const QByteArray renewAll = u'{' + all.join(u',').toUtf8() + u'}';
        run.link.holdAnswers(renewAll, "COMMIT", DeliveryLease::DefaultTtlMs + 2000);
        QTRY_VERIFY_WITH_TIMEOUT(now() > slowedAt + DeliveryLease::DefaultTtlMs,
                                 DeliveryLease::DefaultTtlMs + 5000);
        const int atLapse = run.received();
        // Each claim is answered 17 s after it was sent: one late answer comes meanwhile.
        QTRY_VERIFY_WITH_TIMEOUT(now() > slowedAt + DeliveryLease::DefaultTtlMs + 10000, 15000);
        QCOMPARE(run.received(), atLapse);
        // Health checks follow the lease when the daemon next looks at it (each second): it
        // has left the node alone since.
        QVERIFY(run.daemon.logs().contains("health checks follow 0 partitions here"));
        const int checksLeft = checks();
        const qint64 sampledAt = now();
        QTRY_VERIFY_WITH_TIMEOUT(now() > sampledAt + 3000, 5000);
        QCOMPARE(checks(), checksLeft);
        QVERIFY2(atLapse < 400, "everything was delivered before the answers slowed down");
        run.link.holdAnswers({}, {}, 0);
        QTRY_VERIFY_WITH_TIMEOUT(checks() > checksLeft, 10000);
        QVERIFY(run.target.control({{QStringLiteral("latency_ms"), 0}}));
        const auto stats = [&](const QString &figure) {
            return run.target.get(QStringLiteral("/stats"))[figure].toInt();
        };
        QTRY_COMPARE_WITH_TIMEOUT(stats(QStringLiteral("applied")), 400, 60000);
        QCOMPARE(stats(QStringLiteral("out_of_order")), 0);
        QCOMPARE(run.daemon.terminate(), 0);
    }

    void aSigkilledDaemonsPartitionsAreTakenOver()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("slow"), 0,
                             {QStringLiteral("--latency"), QStringLiteral("20")}));
        const QString config =
            writeConfig(QStringLiteral("shared.json"),
                        {{QStringLiteral("sync_retry_interval"), QStringLiteral("100ms")},
                         {QStringLiteral("sync_workers"), 4},
                         {QStringLiteral("targets"), oneTarget(QStringLiteral("slow"), target)}});
        QVERIFY(!config.isEmpty());
        // Three daemons, each with its own file for tokens (and nodes, config, audit), one outbox.
        constexpr int Daemons = 3;
        DaemonProcess daemons[Daemons];
        QByteArray tokens[Daemons];
        // A daemon that joins or leaves makes the others rebalance within one lease period,
        // give or take the second between claims (each claim is a heartbeat of its own).
        const qint64 rebalanceMs = DeliveryLease::DefaultTtlMs + DaemonHeartbeat::BeatMs;
        QElapsedTimer sinceLastJoin;
        for (int i = 0; i < Daemons; ++i) {
            sinceLastJoin.start();
            tokens[i] = startWithToken(
                daemons[i], pg.url(), config, m_dir.filePath(QStringLiteral("daemon%1.db").arg(i)),
                QStringLiteral("producer%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const auto partitionsOf = [&](int i) { return partitionsHeldBy(pg, daemons[i].pid()); };
        // Each holds a fair share of the partitions (a third each once all have claimed).
        const int third = PostgresSchema::Partitions / Daemons;
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(0) == third && partitionsOf(1) == third &&
                                     partitionsOf(2) == third,
                                 int(std::max<qint64>(0, rebalanceMs - sinceLastJoin.elapsed())));
        qInfo("a third each %lld ms after the last daemon joined", sinceLastJoin.elapsed());
        QCOMPARE(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''")),
            QString::number(PostgresSchema::Partitions));
        // The daemons view, from any daemon: every daemon with its admin API and the
        // partitions it holds (as the lease table says), the one asked marked.
        const auto daemonsSeenBy = [&](int asked) {
            QHash<qint64, QJsonObject> byPid;
            const ApiReply r = apiCall(daemons[asked].url(), "GET",
                                       QStringLiteral("/api/v1/daemons"), tokens[asked]);
            for (const QJsonValue &v : r.json().toArray()) {
                const QJsonObject d = v.toObject();
                byPid.insert(d[QStringLiteral("id")].toString().section(u':', 1, 1).toLongLong(),
                             d);
            }
            return byPid;
        };
        for (int asked = 0; asked < Daemons; ++asked) {
            QTRY_COMPARE_WITH_TIMEOUT(daemonsSeenBy(asked).size(), Daemons, 10000);
            QTRY_VERIFY_WITH_TIMEOUT(
                ([&] {
                    const auto seen = daemonsSeenBy(asked);
                    for (int i = 0; i < Daemons; ++i) {
                        const QJsonObject d = seen.value(daemons[i].pid());
                        if (d[QStringLiteral("admin_url")].toString() != daemons[i].url() ||
                            d[QStringLiteral("partitions")].toArray().size() != partitionsOf(i) ||
                            d[QStringLiteral("self")].toBool() != (i == asked))
                            return false;
                    }
                    return true;
                }()),
                10000);
        }
        for (int i = 0; i < Daemons; ++i)
            QCOMPARE(
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/sync/stats"), tokens[i])
                    .json()[QStringLiteral("delivery")]
                    .toString(),
                QStringLiteral("active in this process"));
        const auto publish = [&](int daemon, int from, int count) {
            QJsonArray events;
            for (int i = from; i < from + count; ++i)
                events.append(
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("ev-%1").arg(i)},
                                {QStringLiteral("type"), QStringLiteral("user.created")},
                                {QStringLiteral("user_id"), QStringLiteral("u%1").arg(i)}});
            return apiCall(daemons[daemon].url(), "POST", QStringLiteral("/api/v1/sync/events"),
                           tokens[daemon], json({{QStringLiteral("events"), events}}));
        };
        for (int i = 0; i < Daemons; ++i)
            QCOMPARE(publish(i, i * 300, 300).status, 202);
        QTRY_VERIFY_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt() > 60, 10000);
        const QString killed = QString::number(daemons[0].pid());
        daemons[0].kill(); // SIGKILL while it delivers: its leases are not given back
        const int atKill = target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt();
        QVERIFY2(atKill < 900, "the kill came too late to test anything");
        QElapsedTimer sinceKill;
        sinceKill.start();
        QCOMPARE(publish(1, 900, 100).status, 202); // the others still accept
        // The survivors take its partitions over (at their next claim: a holder on this host
        // whose process is gone loses its leases at once, elsewhere when its lease lapses) and
        // deliver everything accepted by any daemon: nothing lost.
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 1000, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(
            pg.psql(
                QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                    .arg(killed)),
            QStringLiteral("0"), 20000);
        QCOMPARE(partitionsOf(1) + partitionsOf(2), PostgresSchema::Partitions);
        // The view follows: the killed daemon's heartbeat ages and it holds nothing; the
        // survivors hold all of them. The same through jobfirstctl, from the store and from a
        // daemon.
        QTRY_VERIFY_WITH_TIMEOUT(
            ([&] {
                const QJsonObject gone = daemonsSeenBy(2).value(killed.toLongLong());
                return gone[QStringLiteral("heartbeat_age_ms")].toInteger() > 3000 &&
                       gone[QStringLiteral("partitions")].toArray().isEmpty();
            }()),
            15000);
        const CtlRun local = runCtl({QStringLiteral("--db"), pg.url(), QStringLiteral("--local-db"),
                                     m_dir.filePath(QStringLiteral("ctl.db")),
                                     QStringLiteral("daemons"), QStringLiteral("--json")});
        QVERIFY2(local.code == 0, local.err.constData());
        int held = 0;
        for (const QJsonValue &v : QJsonDocument::fromJson(local.out).array())
            held += v.toObject()[QStringLiteral("partitions")].toArray().size();
        QCOMPARE(QJsonDocument::fromJson(local.out).array().size(), Daemons);
        QCOMPARE(held, PostgresSchema::Partitions);
        QFile tokenFile(m_dir.filePath(QStringLiteral("producer1.token")));
        const CtlRun remote =
            runCtl({QStringLiteral("--server"), daemons[1].url(), QStringLiteral("--token-file"),
                    tokenFile.fileName(), QStringLiteral("daemons")});
        QVERIFY2(remote.code == 0, remote.err.constData());
        QVERIFY2(remote.out.contains(daemons[1].url().toUtf8()), remote.out.constData());
        QVERIFY2(remote.out.contains(":" + killed.toUtf8() + ":"), remote.out.constData());
        // The columns line up: each admin API starts under ADMIN API (the partitions, listed
        // one by one, pushed it out of line).
        const QList<QByteArray> lines = remote.out.split('\n');
        const qsizetype apiColumn = lines.at(0).indexOf("ADMIN API");
        QVERIFY(apiColumn > 0);
        for (int i = 1; i < Daemons; ++i)
            for (const QByteArray &line : lines)
                if (line.contains(":" + QByteArray::number(daemons[i].pid()) + ":"))
                    QVERIFY2(line.indexOf(daemons[i].url().toUtf8()) == apiColumn,
                             remote.out.constData());
        qInfo("jobfirstctl daemons:\n%s", remote.out.constData());
        qInfo("all 1000 events arrived %lld ms after the SIGKILL (%d had arrived before it)",
              sinceKill.elapsed(), atKill);
        // The receiver counts each event id once ("applied": all 1000 distinct ids arrived), so
        // anything sent twice (by the killed daemon and again by its successor) came with the
        // same id; per-user order held, and every signature verified.
        const QJsonObject stats = target.get(QStringLiteral("/stats"));
        qInfo("duplicates (same event id, sent again after the takeover): %d",
              stats[QStringLiteral("duplicates")].toInt());
        QCOMPARE(stats[QStringLiteral("rejected")].toInt(), 0);
        QCOMPARE(stats[QStringLiteral("out_of_order")].toInt(), 0);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state <> 'done'")),
                 QStringLiteral("0"));
        // A clean stop gives its partitions back; the last daemon then holds all of them.
        QElapsedTimer sinceLeave;
        sinceLeave.start();
        QCOMPARE(daemons[1].terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(partitionsOf(2), PostgresSchema::Partitions,
                                  int(std::max<qint64>(0, rebalanceMs - sinceLeave.elapsed())));
        qInfo("the last daemon held every partition %lld ms after the other left",
              sinceLeave.elapsed());
        QCOMPARE(daemons[2].terminate(), 0);
        QCOMPARE(
            pg.psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder <> ''")),
            QStringLiteral("0"));
    }

    /// The "real-time sync latency" SLO of a daemon on PostgreSQL counts every daemon's
    /// deliveries, as its availability counts every node. It read the daemon's own SQLite file,
    /// where a PostgreSQL outbox writes no deliveries, so it had no samples on any daemon. The
    /// consistency figure too: a check run through one daemon counted only on that one.
    void theSloCountsEveryDaemonsDeliveriesAndChecks()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("slo"), 0));
        const QString config =
            writeConfig(QStringLiteral("slo.json"),
                        {{QStringLiteral("targets"), oneTarget(QStringLiteral("slo"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemons[2];
        QByteArray tokens[2];
        for (int i = 0; i < 2; ++i) {
            tokens[i] = startWithToken(daemons[i], pg.url(), config,
                                       m_dir.filePath(QStringLiteral("slo%1.db").arg(i)),
                                       QStringLiteral("slo%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        QTRY_VERIFY_WITH_TIMEOUT(partitionsHeldBy(pg, daemons[0].pid()) > 0 &&
                                     partitionsHeldBy(pg, daemons[1].pid()) > 0,
                                 30000);
        QJsonArray events;
        for (int i = 0; i < 200; ++i)
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("slo-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), QStringLiteral("s%1").arg(i)}});
        QCOMPARE(apiCall(daemons[0].url(), "POST", QStringLiteral("/api/v1/sync/events"), tokens[0],
                         json({{QStringLiteral("events"), events}}))
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 200, 30000);
        // Both daemons delivered some (each holds partitions), and each one's SLO counts all.
        QVERIFY(pg.psql(QStringLiteral("SELECT COUNT(DISTINCT holder) FROM partition_leases"
                                       " WHERE holder <> ''"))
                    .toInt() == 2);
        // A figure's samples as daemon `i`'s API gives them (-1: not measured).
        const auto samples = [&](int i, const QString &key) {
            const ApiReply reply =
                apiCall(daemons[i].url(), "GET", QStringLiteral("/api/v1/slo"), tokens[i]);
            for (const QJsonValue &f : reply.json()[QStringLiteral("figures")].toArray())
                if (f[QStringLiteral("key")].toString() == key &&
                    !f[QStringLiteral("measured")].isNull())
                    return f[QStringLiteral("samples")].toInt();
            return -1;
        };
        const QString latency = QStringLiteral("sync_latency_p99");
        const QString consistency = QStringLiteral("consistency");
        for (int i = 0; i < 2; ++i)
            QTRY_COMPARE_WITH_TIMEOUT(samples(i, latency), 200, 40000);
        QCOMPARE(samples(1, consistency), -1);
        // Every acknowledgement in the ledger, then a check through the first daemon only.
        QTRY_COMPARE_WITH_TIMEOUT(pg.psql(QStringLiteral("SELECT COUNT(*) FROM ledger")),
                                  QStringLiteral("200"), 10000);
        const ApiReply checked = apiCall(daemons[0].url(), "POST",
                                         QStringLiteral("/api/v1/sync/check"), tokens[0], "{}");
        QCOMPARE(checked.status, 200);
        QVERIFY2(checked.json().toArray().first()[QStringLiteral("error")].toString().isEmpty(),
                 checked.body.constData());
        QTRY_COMPARE_WITH_TIMEOUT(samples(1, consistency), 200, 40000);
        QCOMPARE(daemons[0].terminate(), 0);
        QCOMPARE(daemons[1].terminate(), 0);
    }

    /// A daemon's --lease is how long its partitions stay its own after its last claim; a
    /// daemon beside it may run another. Stopped (SIGSTOP: its process still exists, so its
    /// leases are not freed at once as a dead process's on this host are), a daemon with
    /// --lease 3 loses its partitions to the other within its 3 s and the claim cadence (1 s),
    /// not the other's 10 s.
    void aDaemonsOwnLeaseIsWhenItsPartitionsPassOn()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = writeConfig(QStringLiteral("lease.json"), {});
        QVERIFY(!config.isEmpty());
        DaemonProcess standard, brief;
        QVERIFY(standard.start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("standard.db"))}));
        QVERIFY(
            brief.start(pg.url(), config,
                        {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("brief.db")),
                         QStringLiteral("--lease"), QStringLiteral("3")}));
        QVERIFY2(brief.logs().contains("\"lease_seconds\":3"), brief.logs().constData());
        const int half = PostgresSchema::Partitions / 2;
        QTRY_VERIFY_WITH_TIMEOUT(partitionsHeldBy(pg, brief.pid()) == half &&
                                     partitionsHeldBy(pg, standard.pid()) == half,
                                 30000);
        // Each claims for its own time: how far ahead of now its leases run.
        const auto ahead = [&](const DaemonProcess &d) {
            return pg
                .psql(QStringLiteral("SELECT MAX(until) - CAST(EXTRACT(EPOCH FROM"
                                     " clock_timestamp()) * 1000 AS BIGINT) FROM partition_leases"
                                     " WHERE holder LIKE '%:%1:%'")
                          .arg(d.pid()))
                .toLongLong();
        };
        const qint64 briefAhead = ahead(brief), standardAhead = ahead(standard);
        QVERIFY2(briefAhead <= 3000, qPrintable(QString::number(briefAhead)));
        QVERIFY2(standardAhead > 3000, qPrintable(QString::number(standardAhead)));
        QVERIFY(::kill(pid_t(brief.pid()), SIGSTOP) == 0);
        // The promise of --lease 3: its share passes on 3 s after its last claim, at the
        // other's next claim (each second), with 2 s for claims slowed by a busy machine.
        QTRY_COMPARE_WITH_TIMEOUT(partitionsHeldBy(pg, standard.pid()), PostgresSchema::Partitions,
                                  3000 + 1000 + 2000);
        QCOMPARE(partitionsHeldBy(pg, brief.pid()), 0);
        brief.kill(); // SIGKILL ends a stopped process too
        QCOMPARE(standard.terminate(), 0);
    }

    void theClaimAfterAnOutageLongerThanTheLeaseIsFairFromTheStart()
    {
        // Two daemons with a 3 s lease share the partitions; PostgreSQL stops for longer than
        // the lease (every daemon's share lapses, since none can renew it) and starts again.
        // The daemons come back one after the other (each connects again after its own
        // backoff), and neither ever holds more than its half: before, the first to claim saw
        // the other's share lapsed, took all 60, and gave 30 back once the other claimed.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = writeConfig(QStringLiteral("outage.json"), {});
        QVERIFY(!config.isEmpty());
        constexpr int LeaseMs = 3000;
        DaemonProcess daemons[2];
        for (int i = 0; i < 2; ++i)
            QVERIFY(daemons[i].start(pg.url(), config,
                                     {QStringLiteral("--local-db"),
                                      m_dir.filePath(QStringLiteral("outage%1.db").arg(i)),
                                      QStringLiteral("--lease"), QString::number(LeaseMs / 1000)}));
        const int half = PostgresSchema::Partitions / 2;
        // Held by each (by name, lapsed or not) and running (not lapsed), in one read.
        const auto leases = [&] {
            const QStringList n =
                pg.psql(QStringLiteral("SELECT SUM(CASE WHEN holder LIKE '%:%1:%' THEN 1 ELSE 0"
                                       " END) || ',' || SUM(CASE WHEN holder LIKE '%:%2:%' THEN 1"
                                       " ELSE 0 END) || ',' || SUM(CASE WHEN until > CAST(EXTRACT("
                                       "EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) THEN 1"
                                       " ELSE 0 END) FROM partition_leases")
                            .arg(daemons[0].pid())
                            .arg(daemons[1].pid()))
                    .split(u',');
            return std::array<int, 3>{n.value(0).toInt(), n.value(1).toInt(), n.value(2).toInt()};
        };
        QTRY_VERIFY_WITH_TIMEOUT((leases() == std::array<int, 3>{half, half, 60}), 30000);

        QVERIFY(pg.stop());
        // The world this test is about: an outage longer than the lease (twice it), so every
        // share and partition lease lapses. Waited for as the elapsed time it is.
        QElapsedTimer down;
        down.start();
        QTRY_VERIFY_WITH_TIMEOUT(down.elapsed() > 2 * LeaseMs, 4 * LeaseMs);
        QVERIFY(pg.resume());
        // From the restart until both have claimed again and for a lease plus the longest
        // reconnect wait after (ClaimAfterOutage's grace, when it could go wrong too): sampled
        // as often as psql answers, neither ever holds more than its half.
        int most[2] = {0, 0};
        QElapsedTimer fair;
        bool settled = false;
        for (QElapsedTimer since; !settled;) {
            const std::array<int, 3> now = leases();
            most[0] = std::max(most[0], now[0]);
            most[1] = std::max(most[1], now[1]);
            if (now == std::array<int, 3>{half, half, 60} && !fair.isValid())
                fair.start(); // both claimed again
            settled = fair.isValid() && fair.elapsed() > LeaseMs + ConnectBackoff::MaxMs + 2000;
            if (!since.isValid())
                since.start();
            QVERIFY2(since.elapsed() < 60000, "the daemons did not both claim again");
            QTest::qWait(20); // fixed on purpose: a sampling interval, every sample is checked
        }
        QVERIFY2(most[0] <= half && most[1] <= half,
                 qPrintable(QStringLiteral("most held: %1 and %2").arg(most[0]).arg(most[1])));
        QCOMPARE(leases(), (std::array<int, 3>{half, half, 60}));
        for (DaemonProcess &d : daemons)
            QCOMPARE(d.terminate(), 0);
    }

    /// Two daemons; one takes the events of all users and delivers only its partitions' half,
    /// the other delivers the rest. Once everything is delivered, the backlog the first one
    /// shows (status bar, Overview, backlog alert, Prometheus) is 0 again: it counted what it
    /// accepted and what it delivered itself, so the other's half stayed "waiting" for good
    /// and a steady stream of events raised a false backlog alert.
    void aDaemonsBacklogFollowsWhatTheOthersDeliver()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("shared"), 0));
        const QString config =
            writeConfig(QStringLiteral("backlog.json"),
                        {{QStringLiteral("targets"), oneTarget(QStringLiteral("shared"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemons[2];
        QByteArray tokens[2];
        for (int i = 0; i < 2; ++i) {
            tokens[i] = startWithToken(
                daemons[i], pg.url(), config, m_dir.filePath(QStringLiteral("backlog%1.db").arg(i)),
                QStringLiteral("backlog%1").arg(i), QStringLiteral("operator"));
            QVERIFY(!tokens[i].isEmpty());
        }
        const auto partitionsOf = [&](int i) { return partitionsHeldBy(pg, daemons[i].pid()); };
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(0) == PostgresSchema::Partitions / 2 &&
                                     partitionsOf(1) == PostgresSchema::Partitions / 2,
                                 30000);
        // The queue depth of the target as the first daemon's /metrics says it (-1: not there).
        const auto waiting = [&] {
            const ApiReply r =
                apiCall(daemons[0].url(), "GET", QStringLiteral("/metrics"), tokens[0]);
            for (const QByteArray &line : r.body.split('\n'))
                if (line.startsWith("jobfirst_sync_queue_depth{target=\"shared\"} "))
                    return line.mid(line.indexOf(' ') + 1).toDouble();
            return -1.0;
        };
        QJsonArray events;
        int others = 0; // events of users whose partition the second daemon holds
        const QString heldByOther = pg.psql(
            QStringLiteral("SELECT string_agg(CAST(part AS TEXT), ',') FROM partition_leases"
                           " WHERE holder LIKE '%:%1:%'")
                .arg(daemons[1].pid()));
        const QStringList otherParts = heldByOther.split(u',');
        for (int i = 0; i < 400; ++i) {
            const QString user = QStringLiteral("b%1").arg(i);
            others += otherParts.contains(QString::number(PostgresSchema::partitionOf(user, 0)));
            events.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("backlog-%1").arg(i)},
                                      {QStringLiteral("type"), QStringLiteral("user.created")},
                                      {QStringLiteral("user_id"), user}});
        }
        QVERIFY2(others > 50 && others < 350, qPrintable(QString::number(others)));
        QCOMPARE(apiCall(daemons[0].url(), "POST", QStringLiteral("/api/v1/sync/events"), tokens[0],
                         json({{QStringLiteral("events"), events}}))
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 400, 30000);
        QCOMPARE(pg.psql(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")),
                 QStringLiteral("0"));
        // Within a few of its claims (one a second; a recount at each while it is quick).
        QTRY_COMPARE_WITH_TIMEOUT(waiting(), 0.0, 15000);
        QCOMPARE(daemons[0].terminate(), 0);
        QCOMPARE(daemons[1].terminate(), 0);
    }

    // A WARNING the server sends on a daemon's connection (here from a trigger on the
    // heartbeat it writes each second) is a JSON line of its log at level warning: libpq
    // printed it raw to stderr among the JSON lines.
    void aServerWarningIsAJsonLineOfTheLog()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = writeConfig(QStringLiteral("warning.json"), {});
        DaemonProcess daemon;
        QVERIFY(daemon.start(
            pg.url(), config,
            {QStringLiteral("--local-db"), m_dir.filePath(QStringLiteral("warning.db"))}));
        QVERIFY(!pg.psql(QStringLiteral(
                             "CREATE FUNCTION jf_test_warn() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE WARNING 'a warning for the log'; RETURN NEW; END $$;"
                             " CREATE TRIGGER jf_test_warn BEFORE INSERT OR UPDATE ON "
                             "daemon_heartbeats FOR EACH ROW EXECUTE FUNCTION jf_test_warn();"
                             " SELECT 'made'"))
                     .isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(daemon.logs().contains("a warning for the log"), 15000);
        QCOMPARE(daemon.terminate(), 0);
        int warnings = 0;
        for (const QByteArray &line : daemon.logs().split('\n')) {
            if (line.trimmed().isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            QVERIFY2(!o.isEmpty(), line.constData());
            if (!line.contains("a warning for the log"))
                continue;
            ++warnings;
            QCOMPARE(o.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
            QCOMPARE(o.value(QStringLiteral("component")).toString(), QStringLiteral("postgresql"));
        }
        QVERIFY(warnings > 0);
    }

    void anEngineThatDoesNotDeliverFollowsTheOthersDeliveries()
    {
        // An engine with delivery off (EngineOptions::deliver, as jobfirstctl's) accepts events
        // that a daemon on the same store delivers. Its backlog follows them down within a few
        // seconds, as a delivering daemon's does at its lease claims; it claims no lease, and
        // kept counting what it had accepted.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("shared"), 0));
        const QString config =
            writeConfig(QStringLiteral("follows.json"),
                        {{QStringLiteral("targets"), oneTarget(QStringLiteral("shared"), target)}});
        QVERIFY(!config.isEmpty());
        DaemonProcess daemon;
        QVERIFY(!startWithToken(daemon, pg.url(), config,
                                m_dir.filePath(QStringLiteral("follows-daemon.db")),
                                QStringLiteral("follower"), QStringLiteral("operator"))
                     .isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(partitionsHeldBy(pg, daemon.pid()), PostgresSchema::Partitions,
                                  30000);
        Engine engine;
        EngineOptions o;
        QVERIFY(setStoreLocation(o, pg.url(), m_dir.filePath(QStringLiteral("follows-ctl.db"))));
        o.configPath = config;
        o.deliver = false;
        o.healthChecks = false;
        o.refreshMs = 0;
        const Status opened = engine.open(o);
        QVERIFY2(opened.ok(), opened ? "" : qPrintable(opened.error().message));
        QList<SyncEvent> events;
        for (int i = 0; i < 200; ++i) {
            SyncEvent e;
            e.type = QStringLiteral("user.created");
            e.userId = QStringLiteral("f%1").arg(i);
            events << e;
        }
        const auto published = engine.sync()->publish(events);
        QVERIFY2(published.ok(), published ? "" : qPrintable(published.error().message));
        QTRY_COMPARE_WITH_TIMEOUT(
            target.get(QStringLiteral("/stats"))[QStringLiteral("applied")].toInt(), 200, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.sync()->backlog(), qint64(0), 15000);
        engine.shutdown();
        QCOMPARE(daemon.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPostgresOutbox)
#include "tst_postgresoutbox.moc"
