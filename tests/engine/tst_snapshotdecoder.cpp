// SPDX-License-Identifier: GPL-3.0-or-later
// The remote session decodes the stream's snapshots on a thread of its own and may skip
// snapshots it could not keep up with: the health events and alerts they carried must still
// arrive, each once and in order, and the newest snapshot must be the last one handed over.
#include "api/codec.h"
#include "remote/snapshotdecoder.h"

#include <QJsonDocument>
#include <QMutex>
#include <QtTest>

using namespace jobfirst;

class TestSnapshotDecoder final : public QObject
{
    Q_OBJECT

    QMutex m_mutex;
    QList<EngineSnapshot> m_delivered;

    QList<EngineSnapshot> delivered()
    {
        QMutexLocker lock(&m_mutex);
        return m_delivered;
    }

    std::unique_ptr<SnapshotDecoder> decoder()
    {
        m_delivered.clear();
        return std::make_unique<SnapshotDecoder>([this](EngineSnapshot s) {
            QMutexLocker lock(&m_mutex);
            m_delivered << std::move(s);
        });
    }

    /// A snapshot of `nodes` nodes taken at `at`, as jobfirstd streams it.
    static QByteArray snapshotJson(qint64 at, int nodes)
    {
        EngineSnapshot s;
        s.at = at;
        for (int i = 0; i < nodes; ++i) {
            NodeStatus n;
            n.spec.id = QStringLiteral("node-%1").arg(i);
            n.spec.url = QStringLiteral("http://127.0.0.1:%1").arg(20000 + i);
            n.health = HealthState::Up;
            n.responseTimeMs = 1.5;
            s.nodes << n;
        }
        return QJsonDocument(codec::encode(s)).toJson(QJsonDocument::Compact);
    }

    static HealthEvent event(qint64 at)
    {
        HealthEvent e;
        e.nodeId = QStringLiteral("node-0");
        e.from = at % 2 ? HealthState::Down : HealthState::Up;
        e.to = at % 2 ? HealthState::Up : HealthState::Down;
        e.timestamp = at;
        return e;
    }

private slots:
    void everyEventArrivesOnceInOrderAndTheNewestSnapshotLast()
    {
        auto d = decoder();
        const int count = 60;
        const QByteArray big = snapshotJson(0, 1000); // slow enough to decode that some are skipped
        for (int i = 1; i <= count; ++i) {
            QByteArray json = i == count ? snapshotJson(i, 1000) : big;
            Alert a;
            a.id = i;
            a.kind = QStringLiteral("node.down");
            d->submit(json, {event(i)}, {a});
        }
        QTRY_VERIFY_WITH_TIMEOUT(!delivered().isEmpty() && delivered().last().at == count, 30000);
        QList<qint64> events, alerts;
        for (const EngineSnapshot &s : delivered()) {
            QCOMPARE(s.nodes.size(), 1000);
            for (const HealthEvent &e : s.healthEvents)
                events << e.timestamp;
            for (const Alert &a : s.alerts)
                alerts << a.id;
        }
        QList<qint64> expected;
        for (int i = 1; i <= count; ++i)
            expected << i;
        QCOMPARE(events, expected);
        QCOMPARE(alerts, expected);
        QVERIFY(delivered().size() <= count);
    }

    void anUnreadableSnapshotPassesItsEventsOn()
    {
        auto d = decoder();
        d->submit("{\"at\": \"not a time\"", {event(1)}, {});  // cut short: not JSON
        d->submit("{\"at\": \"not a time\"}", {event(2)}, {}); // JSON, not a snapshot
        d->submit(snapshotJson(3, 3), {event(3)}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!delivered().isEmpty(), 10000);
        const EngineSnapshot s = delivered().first();
        QCOMPARE(s.at, 3);
        QCOMPARE(s.nodes.size(), 3);
        QCOMPARE(s.healthEvents.size(), 3);
        QCOMPARE(s.healthEvents.at(0).timestamp, 1);
        QCOMPARE(s.healthEvents.at(1).timestamp, 2);
        QCOMPARE(s.healthEvents.at(2).timestamp, 3);
        QCOMPARE(delivered().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSnapshotDecoder)
#include "tst_snapshotdecoder.moc"
