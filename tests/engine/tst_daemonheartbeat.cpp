// SPDX-License-Identifier: GPL-3.0-or-later
// The daemons' view (DaemonHeartbeat) of several heartbeats on a real PostgreSQL of the test's
// own, through outages: a server that does not answer makes the view stale as one that is
// stopped does, and when the view comes back a daemon not heard from since is awaited (not
// known yet) for the grace, then heard from again or absent.
#include "postgresserver.h"
#include "store/daemonheartbeat.h"

#include <QtTest>

#include <memory>

using namespace jobfirst;

namespace {

/// Daemon `id` in `view`, or nullptr.
const DaemonStatus *find(const QList<DaemonStatus> &view, const QString &id)
{
    for (const DaemonStatus &d : view)
        if (d.id == id)
            return &d;
    return nullptr;
}

/// The view of `viewer`; empty while it is stale.
QList<DaemonStatus> viewOf(const DaemonHeartbeat &viewer)
{
    auto view = viewer.daemons();
    return view ? std::move(view).value() : QList<DaemonStatus>();
}

/// The daemons `viewer` counts as delivering now (their rate current), sorted.
QStringList delivering(const DaemonHeartbeat &viewer)
{
    QStringList ids;
    for (const DaemonStatus &d : viewOf(viewer))
        if (d.rateKnown())
            ids << d.id;
    ids.sort();
    return ids;
}

/// Daemon `id` is listed by `viewer` as awaited.
bool awaited(const DaemonHeartbeat &viewer, const QString &id)
{
    const QList<DaemonStatus> view = viewOf(viewer);
    const DaemonStatus *d = find(view, id);
    return d && d->awaited;
}

} // namespace

class TestDaemonHeartbeat final : public QObject
{
    Q_OBJECT

private slots:
    void aStoreThatDoesNotAnswerMakesTheViewStale()
    {
        // The server frozen (its host cut off): reads hang instead of failing. The view is
        // stale once no read has succeeded for StaleMs, as when they fail (before, it was
        // answered as current for as long as the read hung), and current again once the
        // server answers.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const auto url = PostgresUrl::parse(pg.url());
        QVERIFY(url);
        DaemonHeartbeat a(url.value(), QStringLiteral("a"), {});
        DaemonHeartbeat b(url.value(), QStringLiteral("b"), {});
        const ThawAtEnd thaw(pg);
        const QStringList both{QStringLiteral("a"), QStringLiteral("b")};
        QTRY_COMPARE_WITH_TIMEOUT(delivering(a), both, 20000);

        QVERIFY(pg.freeze());
        QTRY_VERIFY_WITH_TIMEOUT(!a.daemons(), 15000);
        const auto stale = a.daemons();
        QVERIFY(!stale);
        QCOMPARE(stale.error().code, QStringLiteral("store.unavailable"));
        QVERIFY2(stale.error().message.contains(QStringLiteral("has not answered")),
                 qPrintable(stale.error().message));

        pg.thaw();
        QTRY_COMPARE_WITH_TIMEOUT(delivering(a), both, 20000);
    }

    void aDaemonNotHeardFromSinceTheViewCameBackIsAwaited()
    {
        // Three heartbeats; PostgreSQL stops, and two of them stop while it is away (their
        // rows stay, with their heartbeats from before). When the first one's view comes back,
        // both are awaited: they may be alive and not reconnected yet. One comes back and is
        // delivering again; the other stays awaited until the grace has passed, then is
        // absent (its rate not current, not awaited). A daemon silent for ten minutes before
        // the outage was not live when the view was lost: it is not awaited.
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const auto url = PostgresUrl::parse(pg.url());
        QVERIFY(url);
        DaemonHeartbeat a(url.value(), QStringLiteral("a"), {});
        auto b = std::make_unique<DaemonHeartbeat>(url.value(), QStringLiteral("b"),
                                                   std::function<DaemonHeartbeat::Figures()>());
        auto c = std::make_unique<DaemonHeartbeat>(url.value(), QStringLiteral("c"),
                                                   std::function<DaemonHeartbeat::Figures()>());
        const QStringList all{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
        QTRY_COMPARE_WITH_TIMEOUT(delivering(a), all, 20000);
        QVERIFY(!awaited(a, QStringLiteral("b")));
        QVERIFY(!pg.psql(QStringLiteral(
                             "INSERT INTO daemon_heartbeats(daemon, admin_url, started_at,"
                             " heartbeat_at, delivered, rate, lease_ms) SELECT 'gone', '', 0,"
                             " CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT) - 600000, 0, 0,"
                             " 10000 RETURNING daemon"))
                     .isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(find(viewOf(a), QStringLiteral("gone")), 10000);

        QVERIFY(pg.stop());
        b.reset();
        c.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!a.daemons(), 15000);
        QVERIFY(pg.resume());
        QTRY_VERIFY_WITH_TIMEOUT(a.daemons(), 20000); // within its backoff, 8 s at most
        QCOMPARE(delivering(a), QStringList{QStringLiteral("a")});
        QVERIFY(awaited(a, QStringLiteral("b")));
        QVERIFY(awaited(a, QStringLiteral("c")));
        QVERIFY(!awaited(a, QStringLiteral("a")));
        QVERIFY(!awaited(a, QStringLiteral("gone")));

        // b is back (the same daemon reconnected): heard from, delivering, no longer awaited.
        b = std::make_unique<DaemonHeartbeat>(url.value(), QStringLiteral("b"),
                                              std::function<DaemonHeartbeat::Figures()>());
        QTRY_COMPARE_WITH_TIMEOUT(delivering(a),
                                  (QStringList{QStringLiteral("a"), QStringLiteral("b")}),
                                  DaemonHeartbeat::ReturnGraceMs);
        QVERIFY(!awaited(a, QStringLiteral("b")));
        QVERIFY(awaited(a, QStringLiteral("c"))); // the grace has not passed

        // c died during the outage: once the grace has passed, it is absent.
        QTRY_VERIFY_WITH_TIMEOUT(!awaited(a, QStringLiteral("c")),
                                 2 * DaemonHeartbeat::ReturnGraceMs);
        const QList<DaemonStatus> view = viewOf(a);
        const DaemonStatus *dead = find(view, QStringLiteral("c"));
        QVERIFY(dead);
        QVERIFY(!dead->rateKnown());
        QCOMPARE(delivering(a), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    }
};

QTEST_GUILESS_MAIN(TestDaemonHeartbeat)
#include "tst_daemonheartbeat.moc"
