// SPDX-License-Identifier: GPL-3.0-or-later
// The remote session decodes the stream's snapshots on a thread of its own and may skip
// snapshots it could not keep up with: the health events and alerts they carried must still
// arrive, each once and in order, and the newest snapshot must be the last one handed over.
#include "api/codec.h"
#include "remote/snapshotdecoder.h"

#include <QJsonDocument>
#include <QMutex>
#include <QtTest>

#include <vector>

using namespace jobfirst;

class TestSnapshotDecoder final : public QObject
{
    Q_OBJECT

    /// What a delivered snapshot showed, in std containers: the test thread reads copies of
    /// these while the decoder's thread adds more, and std containers copy deeply (Qt's share
    /// their buffers across the two threads, which ThreadSanitizer reports).
    struct Seen
    {
        qint64 at = 0;
        qsizetype nodes = 0;
        std::vector<qint64> events;
        std::vector<qint64> alerts;
    };
    QMutex m_mutex;
    std::vector<Seen> m_delivered;

    std::vector<Seen> delivered()
    {
        QMutexLocker lock(&m_mutex);
        return m_delivered;
    }

    std::unique_ptr<SnapshotDecoder> decoder()
    {
        m_delivered.clear();
        return std::make_unique<SnapshotDecoder>([this](EngineSnapshot s) {
            Seen seen{s.at, s.nodes.size(), {}, {}};
            for (const HealthEvent &e : s.healthEvents)
                seen.events.push_back(e.timestamp);
            for (const Alert &a : s.alerts)
                seen.alerts.push_back(a.id);
            QMutexLocker lock(&m_mutex);
            m_delivered.push_back(std::move(seen));
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
        QTRY_VERIFY_WITH_TIMEOUT(!delivered().empty() && delivered().back().at == count, 30000);
        std::vector<qint64> events, alerts;
        for (const Seen &s : delivered()) {
            QCOMPARE(s.nodes, 1000);
            events.insert(events.end(), s.events.begin(), s.events.end());
            alerts.insert(alerts.end(), s.alerts.begin(), s.alerts.end());
        }
        std::vector<qint64> expected;
        for (int i = 1; i <= count; ++i)
            expected.push_back(i);
        QVERIFY(events == expected);
        QVERIFY(alerts == expected);
        QVERIFY(delivered().size() <= std::size_t(count));
    }

    void anUnreadableSnapshotPassesItsEventsOn()
    {
        auto d = decoder();
        d->submit("{\"at\": \"not a time\"", {event(1)}, {});  // cut short: not JSON
        d->submit("{\"at\": \"not a time\"}", {event(2)}, {}); // JSON, not a snapshot
        d->submit(snapshotJson(3, 3), {event(3)}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!delivered().empty(), 10000);
        const Seen s = delivered().front();
        QCOMPARE(s.at, 3);
        QCOMPARE(s.nodes, 3);
        QVERIFY(s.events == std::vector<qint64>({1, 2, 3}));
        QCOMPARE(delivered().size(), std::size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestSnapshotDecoder)
#include "tst_snapshotdecoder.moc"
