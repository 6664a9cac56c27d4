// SPDX-License-Identifier: GPL-3.0-or-later
// The console's Nodes page against real daemons that split the health checks (issue 13): two
// jobfirstd sharing a PostgreSQL of the test's own, the console attached to the one whose
// leases hold none of the nodes' check partitions. Every node's state shows (the other daemon
// records it in the store), and where figures and the latency chart would be empty the page
// says which daemon checks the node. When that daemon is SIGKILLed this one takes the checks
// over, and the figures and the chart come. The overview's latency legend says each node's
// state as the Nodes page does (it had no entry for a node another daemon checks).
#include "awaitfuture.h"
#include "charts/livechart.h"
#include "daemonprocess.h"
#include "nodesimprocess.h"
#include "pages/nodespage.h"
#include "pages/overviewpage.h"
#include "postgresserver.h"
#include "remote/remoteenginesession.h"
#include "store/postgresschema.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLegendMarker>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

class TestNodesPage final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    /// Fast checks, no targets: daemons that only check nodes.
    bool writeCheckConfig(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::WriteOnly) &&
               f.write(R"({"health_check_interval": "300ms", "health_check_timeout": "200ms",
                           "fast_interval": "100ms", "down_interval": "300ms",
                           "targets": []})") > 0;
    }

    /// The daemon with process id `pid` as `daemons` (GET /api/v1/daemons) lists it.
    static QJsonObject daemonOf(const QJsonArray &daemons, qint64 pid)
    {
        for (const QJsonValue &d : daemons)
            if (d[QStringLiteral("id")].toString().section(u':', 1, 1).toLongLong() == pid)
                return d.toObject();
        return {};
    }

    static QList<int> partitionsOf(const QJsonObject &daemon)
    {
        QList<int> out;
        for (const QJsonValue &p : daemon[QStringLiteral("partitions")].toArray())
            out << p.toInt();
        return out;
    }

    /// The cell of node `id` in `column` of the page's table, as the table shows it.
    static QModelIndex cell(ui::NodesPage &page, const QString &id, int column)
    {
        const QAbstractItemModel *model = page.table()->model();
        for (int r = 0; r < model->rowCount(); ++r)
            if (model->index(r, 0).data().toString() == id)
                return model->index(r, column);
        return {};
    }

    static const NodeStatus *rowOf(ui::NodesPage &page, const QString &id)
    {
        const int row = page.model()->rowOfKey(id);
        return row < 0 ? nullptr : &page.model()->row(row);
    }

    /// What the overview's latency legend says of node `id`, when it shows it.
    static QString legendOf(ui::OverviewPage &overview, const QString &id)
    {
        ui::LiveChart *latency = overview.charts().first();
        const QString name = latency->seriesName(id);
        for (QLegendMarker *marker : latency->chart()->legend()->markers())
            if (marker->isVisible() && !name.isEmpty() && marker->label() == name)
                return name;
        return {};
    }

    /// Node `id`'s legend entry as it must read: its id and the state the Nodes page shows.
    static QString legendWithState(ui::NodesPage &page, const QString &id)
    {
        const NodeStatus *node = rowOf(page, id);
        return node ? QStringLiteral("%1 (%2)").arg(id, ui::healthText(node->health)) : QString();
    }

private slots:
    void nodesCheckedByAnotherDaemonSayWhich()
    {
        PostgresServer pg;
        QVERIFY(pg.start(false));
        const QString config = m_dir.filePath(QStringLiteral("checks.json"));
        QVERIFY(writeCheckConfig(config));
        DaemonProcess daemons[2];
        const QByteArray viewer = startWithToken(
            daemons[0], pg.url(), config, m_dir.filePath(QStringLiteral("checks0.db")),
            QStringLiteral("watcher"), QStringLiteral("viewer"));
        QVERIFY(!viewer.isEmpty());
        const QByteArray admin = startWithToken(daemons[1], pg.url(), config,
                                                m_dir.filePath(QStringLiteral("checks1.db")),
                                                QStringLiteral("adder"), QStringLiteral("admin"));
        QVERIFY(!admin.isEmpty());
        const auto listed = [&] {
            return apiCall(daemons[0].url(), "GET", QStringLiteral("/api/v1/daemons"), viewer)
                .json()
                .toArray();
        };
        // Half the partitions each, once both have claimed.
        QTRY_VERIFY_WITH_TIMEOUT(partitionsOf(daemonOf(listed(), daemons[0].pid())).size() ==
                                         PostgresSchema::Partitions / 2 &&
                                     partitionsOf(daemonOf(listed(), daemons[1].pid())).size() ==
                                         PostgresSchema::Partitions / 2,
                                 20000);
        const QJsonObject other = daemonOf(listed(), daemons[1].pid());
        const QString otherId = other[QStringLiteral("id")].toString();
        const QList<int> theirs = partitionsOf(other);
        // Two nodes in the other daemon's partitions: the attached one checks neither.
        NodeSimProcess sims[2];
        QStringList ids;
        for (int i = 0; ids.size() < 2; ++i)
            if (const QString id = QStringLiteral("node-%1").arg(i);
                theirs.contains(PostgresSchema::partitionOf(id, 0)))
                ids << id;
        for (int i = 0; i < 2; ++i) {
            QVERIFY(sims[i].start(ids.at(i)));
            const ApiReply added =
                apiCall(daemons[1].url(), "POST", QStringLiteral("/api/v1/nodes"), admin,
                        QJsonDocument(QJsonObject{{QStringLiteral("id"), ids.at(i)},
                                                  {QStringLiteral("url"), sims[i].url()}})
                            .toJson(QJsonDocument::Compact));
            QVERIFY2(added.status == 201, added.body.constData());
        }

        RemoteEngineSession session(RemoteOptions{QUrl(daemons[0].url()), viewer, {}});
        QVERIFY(awaitFuture(session.connectToEngine()).ok());
        ui::NodesPage page(&session);
        connect(&session, &EngineSession::snapshot, &page, &ui::NodesPage::applySnapshot);
        page.resize(1280, 700);
        page.show();
        ui::OverviewPage overview(&session);
        connect(&session, &EngineSession::snapshot, &overview, &ui::OverviewPage::applySnapshot);
        overview.resize(1280, 820);
        overview.show();
        // Each node's state, as the daemon that checks it recorded it.
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, ids.at(0)) && rowOf(page, ids.at(1)) &&
                                     rowOf(page, ids.at(0))->health == HealthState::Up &&
                                     rowOf(page, ids.at(1))->health == HealthState::Up,
                                 20000);
        const int response = 5;
        const int lastCheck = page.model()->columnCount() - 1;
        // Which daemon checks them, where the figures of its checks would be.
        QTRY_COMPARE_WITH_TIMEOUT(cell(page, ids.at(0), lastCheck).data().toString(),
                                  QStringLiteral("checked by daemon %1").arg(otherId), 10000);
        QCOMPARE(cell(page, ids.at(0), response).data().toString(), QStringLiteral("—"));
        QVERIFY2(cell(page, ids.at(0), response).data(Qt::ToolTipRole).toString().contains(otherId),
                 qPrintable(cell(page, ids.at(0), response).data(Qt::ToolTipRole).toString()));
        // The selected node's chart: said in its place, not an empty plot.
        page.table()->selectRow(cell(page, ids.at(0), 0).row());
        QTRY_VERIFY(page.latencyNote()->isVisible());
        QVERIFY(!page.latencyChart()->isVisible());
        QVERIFY2(page.latencyNote()->text().contains(ids.at(0)) &&
                     page.latencyNote()->text().contains(otherId),
                 qPrintable(page.latencyNote()->text()));
        QCOMPARE(page.latencyChart()->gapMarkCount(), 0); // not measured here is no "no answer"
        // The overview's legend: the node, with the state the Nodes page shows (up).
        QTRY_COMPARE(legendOf(overview, ids.at(0)), legendWithState(page, ids.at(0)));
        QVERIFY(legendOf(overview, ids.at(0)).endsWith(QStringLiteral(" (up)")));
        QCOMPARE(overview.charts().first()->gapMarkCount(), 0);

        // The world changes: a node stops answering; the state here follows the other
        // daemon's checks.
        sims[1].kill();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, ids.at(1))->health != HealthState::Up, 20000);
        QTRY_COMPARE(legendOf(overview, ids.at(1)), legendWithState(page, ids.at(1)));
        QVERIFY(!legendOf(overview, ids.at(1)).endsWith(QStringLiteral(" (up)")));
        QCOMPARE(cell(page, ids.at(1), lastCheck).data().toString(),
                 QStringLiteral("checked by daemon %1").arg(otherId));

        // The checking daemon is SIGKILLed: this one takes its partitions over (one lease
        // time) and checks the nodes itself: the figures and the chart come.
        daemons[1].kill();
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page, ids.at(0))->checkedHere &&
                                     rowOf(page, ids.at(0))->hasResponseTime(),
                                 40000);
        QTRY_VERIFY(!cell(page, ids.at(0), lastCheck)
                         .data()
                         .toString()
                         .contains(QStringLiteral("checked by")));
        bool number = false;
        cell(page, ids.at(0), response).data().toString().toDouble(&number);
        QVERIFY2(number, qPrintable(cell(page, ids.at(0), response).data().toString()));
        QTRY_VERIFY(page.latencyChart()->isVisible());
        QVERIFY(!page.latencyNote()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(page.latencyChart()->pointCount(ids.at(0)) > 0, 10000);
        QCOMPARE(daemons[0].terminate(), 0);
    }
};

QTEST_MAIN(TestNodesPage)
#include "tst_nodespage.moc"
