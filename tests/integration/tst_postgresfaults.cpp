// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstd with its sync outbox in PostgreSQL when the server or the network fails (issue
// 13): a server that is not there is named; a silent connection ends within a lease; a server
// restarted under callers loses nothing accepted and keeps no caller waiting; a daemon cut off
// from the server, on a silent network, or whose lease claims are answered late stops
// delivering before its lease can pass, and a successor delivers the rest.
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "postgresoutboxfixture.h"
#include "postgresserver.h"
#include "store/deliverylease.h"
#include "store/postgresschema.h"
#include "store/postgresurl.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QtTest>

#include <algorithm>
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

class TestPostgresFaults final : public QObject
{
    Q_OBJECT

    DaemonFolder m_dir;

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
        QString start(const DaemonFolder &folder, const QString &name, QJsonObject extra = {})
        {
            if (!pg.start(false) || !link.start(pg.port()))
                return QStringLiteral("the server or its link did not start");
            if (!target.start(QStringLiteral("t"), 0,
                              {QStringLiteral("--latency"), QStringLiteral("200")}))
                return QStringLiteral("the target did not start");
            extra.insert(QStringLiteral("sync_retry_interval"), QStringLiteral("100ms"));
            extra.insert(QStringLiteral("sync_workers"), 1);
            extra.insert(QStringLiteral("targets"), oneTarget(QStringLiteral("t"), target));
            config = folder.writeConfig(name + QStringLiteral(".json"), extra);
            const QString throughLink = QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
                                            .arg(pg.user())
                                            .arg(link.port())
                                            .arg(pg.database());
            token = startWithToken(daemon, throughLink, config,
                                   folder.filePath(name + QStringLiteral(".db")), name,
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

private slots:
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

    void aRestartedServerIsReconnectedAndNothingAcceptedIsLost()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        NodeSimProcess target;
        QVERIFY(target.start(QStringLiteral("t"), 0,
                             {QStringLiteral("--latency"), QStringLiteral("5")}));
        const QString config = m_dir.writeConfig(
            QStringLiteral("restart.json"),
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
        const QString config = m_dir.writeConfig(
            QStringLiteral("restarting.json"),
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
        const QString started = run.start(m_dir, QStringLiteral("cut"));
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
        const QString started = run.start(m_dir, QStringLiteral("silent"));
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
            run.start(m_dir, QStringLiteral("late"),
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
};

QTEST_GUILESS_MAIN(TestPostgresFaults)
#include "tst_postgresfaults.moc"
