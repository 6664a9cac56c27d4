// SPDX-License-Identifier: GPL-3.0-or-later
// The idle connection a node is watched through between health checks, against real
// processes and real sockets on loopback.
#include "cluster/connectionwatcher.h"
#include "nodesimprocess.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <mutex>

using namespace jobfirst;

namespace {

/// Collects what the watcher reports on its own thread.
class Reports
{
public:
    ConnectionWatcher::Report sink()
    {
        return [this](const ConnectionWatcher::Lost &lost) {
            std::lock_guard lock(m_mutex);
            m_lost.push_back(lost);
        };
    }
    std::vector<ConnectionWatcher::Lost> all()
    {
        std::lock_guard lock(m_mutex);
        return m_lost;
    }
    std::size_t size() { return all().size(); }

private:
    std::mutex m_mutex;
    std::vector<ConnectionWatcher::Lost> m_lost;
};

} // namespace

class TestConnectionWatcher final : public QObject
{
    Q_OBJECT

private slots:
    void killedProcessIsReported()
    {
        NodeSimProcess node;
        QVERIFY(node.start(QStringLiteral("a")));
        Reports reports;
        ConnectionWatcher watcher(reports.sink());
        watcher.watch(7, QStringLiteral("127.0.0.1"), node.port(), 1000);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.openConnections(), 1, 5000);
        node.kill();
        QTRY_COMPARE_WITH_TIMEOUT(reports.size(), std::size_t(1), 5000);
        const auto lost = reports.all().front();
        QCOMPARE(lost.key, quint64(7));
        QVERIFY(lost.wasOpen);
        QCOMPARE(lost.reason,
                 QStringLiteral("the node closed its connection and a new connection was refused"));
        QCOMPARE(watcher.openConnections(), 0);
    }

    void hostNamesAreResolved()
    {
        NodeSimProcess node;
        QVERIFY(node.start(QStringLiteral("a")));
        Reports reports;
        ConnectionWatcher watcher(reports.sink());
        // localhost may resolve to ::1 first; the simulator listens on 127.0.0.1 only.
        watcher.watch(1, QStringLiteral("localhost"), node.port(), 1000);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.openConnections(), 1, 5000);
        QCOMPARE(reports.size(), std::size_t(0));
    }

    void unwatchedNodeIsNotReported()
    {
        NodeSimProcess a, b;
        QVERIFY(a.start(QStringLiteral("a")));
        QVERIFY(b.start(QStringLiteral("b")));
        Reports reports;
        ConnectionWatcher watcher(reports.sink());
        watcher.watch(1, QStringLiteral("127.0.0.1"), a.port(), 1000);
        watcher.watch(2, QStringLiteral("127.0.0.1"), b.port(), 1000);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.openConnections(), 2, 5000);
        watcher.unwatch(1);
        QTRY_COMPARE_WITH_TIMEOUT(watcher.openConnections(), 1, 5000);
        a.kill();
        b.kill();
        // b's loss is reported; a, no longer watched, never is.
        QTRY_COMPARE_WITH_TIMEOUT(reports.size(), std::size_t(1), 5000);
        QCOMPARE(reports.all().front().key, quint64(2));
    }

    void firstConnectionRefusedIsNotALoss()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        Reports reports;
        ConnectionWatcher watcher(reports.sink());
        watcher.watch(3, QStringLiteral("127.0.0.1"), port, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(reports.size(), std::size_t(1), 5000);
        const auto lost = reports.all().front();
        QVERIFY(!lost.wasOpen); // nothing was ever open: no sign that a node died
        QVERIFY2(lost.reason.startsWith(QStringLiteral("cannot connect: connection refused")),
                 qPrintable(lost.reason));
    }

    void nodeThatClosesIdleConnectionsIsNotReported()
    {
        // A live server with a short idle timeout: it accepts, then closes each connection.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QElapsedTimer clock;
        clock.start();
        QList<qint64> acceptedAt;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                acceptedAt << clock.elapsed();
                QTimer::singleShot(50, s, [s] {
                    s->disconnectFromHost();
                    s->deleteLater();
                });
            }
        });
        Reports reports;
        ConnectionWatcher watcher(reports.sink());
        watcher.watch(4, QStringLiteral("127.0.0.1"), server.serverPort(), 1000);
        // Each close is answered by a new connection, which the live server accepts. After
        // three short-lived ones in a row, the new connection only proves the node lives: the
        // watcher closes it and waits 1 s before holding the next, then 2 s, rather than
        // reconnecting in a loop.
        QTRY_VERIFY_WITH_TIMEOUT(acceptedAt.size() >= 7, 15000);
        QVERIFY2(acceptedAt[4] - acceptedAt[3] >= 900,
                 qPrintable(QString::number(acceptedAt[4] - acceptedAt[3])));
        QVERIFY2(acceptedAt[6] - acceptedAt[5] >= 1800,
                 qPrintable(QString::number(acceptedAt[6] - acceptedAt[5])));
        QCOMPARE(reports.size(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestConnectionWatcher)
#include "tst_connectionwatcher.moc"
