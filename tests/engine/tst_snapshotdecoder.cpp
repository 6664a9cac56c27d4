// SPDX-License-Identifier: GPL-3.0-or-later
// The remote session decodes the stream's snapshots on a thread of its own and may skip
// snapshots it could not keep up with: the health events and alerts they carried must still
// arrive, each once and in order, and the newest snapshot must be the last one handed over.
// It parses only the rows (nodes, targets) whose JSON changed since the snapshot before:
// what it hands on must be what decoding the whole snapshot gives, whatever changed.
#include "api/codec.h"
#include "remote/eventstreamparser.h"
#include "remote/snapshotdecoder.h"
#include "remote/snapshotreader.h"
#include "snapshotencoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QtTest>

#include <algorithm>
#include <optional>
#include <vector>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

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

    /// A cluster of `nodes` nodes and `targets` targets, all up, as a test changes it.
    static EngineSnapshot cluster(int nodes, int targets)
    {
        EngineSnapshot s;
        s.at = 1700000000000;
        s.maxNodes = 1000;
        s.strategy = QStringLiteral("round_robin");
        for (int i = 0; i < nodes; ++i) {
            NodeStatus n;
            n.spec.id = QStringLiteral("node-%1").arg(i);
            n.spec.url = QStringLiteral("http://127.0.0.1:%1").arg(20000 + i);
            n.spec.tags = {QStringLiteral("rack-%1").arg(i % 3)};
            n.health = HealthState::Up;
            n.eligible = true;
            n.effectiveWeight = 1;
            n.responseTimeMs = 1.5 + i;
            n.lastCheckAt = s.at - i;
            n.lastCheckResult = QStringLiteral("ok");
            s.nodes << n;
        }
        for (int i = 0; i < targets; ++i) {
            TargetStatus t;
            t.name = QStringLiteral("node:node-%1").arg(i);
            t.url = QStringLiteral("http://127.0.0.1:%1/sync").arg(20000 + i);
            t.success = 10 * i;
            s.sync.targets << t;
        }
        s.cluster.totalNodes = int(s.nodes.size());
        return s;
    }
    /// The snapshot as jobfirstd sends it: compact, events and alerts sent on their own.
    static QByteArray json(const EngineSnapshot &s)
    {
        return QJsonDocument(codec::encode(s)).toJson(QJsonDocument::Compact);
    }
    /// What a snapshot shows, in one comparable piece.
    static QByteArray shown(const EngineSnapshot &s)
    {
        return QJsonDocument(codec::encode(s)).toJson(QJsonDocument::Indented);
    }
    /// Reads `text` with `reader` (which saw the snapshots before) and checks that it gives
    /// exactly what decoding the whole text gives, having parsed `parsed` rows (-1: every
    /// row, as a whole decoding does).
    static void readsAsWhole(SnapshotReader &reader, const QByteArray &text, qsizetype parsed)
    {
        const auto read = reader.read(text);
        const auto whole = codec::decode<EngineSnapshot>(QJsonDocument::fromJson(text).object());
        // QVERIFY2 builds its message even when they agree: only a side that failed has an
        // error to read (Result::error() asserts otherwise, in Debug builds).
        QString why;
        if (read.ok() != whole.ok())
            why = read ? whole.error().message : read.error().message;
        QVERIFY2(read.ok() == whole.ok(), qPrintable(why));
        if (!read) {
            QCOMPARE(read.error().message, whole.error().message);
            return;
        }
        QCOMPARE(shown(read.value()), shown(whole.value()));
        QCOMPARE(reader.lastParsedRows(),
                 parsed >= 0 ? parsed : whole->nodes.size() + whole->sync.targets.size());
    }

private slots:
#ifdef Q_OS_LINUX
    // The decoder's thread runs nicer than the thread that made it (the console's GUI
    // thread), so that frames do not wait for a core while a snapshot is decoded.
    void decodesAtALowerPriorityThanItsMaker()
    {
        // A thread's nice value is field 19 of /proc/self/task/TID/stat (after the name).
        const auto niceOf = [](const QString &tid) -> std::optional<int> {
            QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(tid));
            if (!stat.open(QIODevice::ReadOnly))
                return std::nullopt;
            const QByteArray text = stat.readAll();
            const QList<QByteArray> f = text.mid(text.lastIndexOf(')') + 2).split(' ');
            bool ok = false;
            const int nice = f.value(16).toInt(&ok);
            return ok ? std::optional<int>(nice) : std::nullopt;
        };
        const auto decoderNice = [&niceOf]() -> std::optional<int> {
            for (const QString &tid : QDir(QStringLiteral("/proc/self/task"))
                                          .entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
                QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
                if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == "jobfirst-decode")
                    return niceOf(tid);
            }
            return std::nullopt;
        };
        const std::optional<int> mine = niceOf(QString::number(gettid()));
        QVERIFY(mine);
        auto d = decoder();
        QTRY_VERIFY(decoderNice().has_value());
        QTRY_COMPARE(decoderNice().value_or(-100), std::min(19, *mine + 5));
    }
#endif

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

    // Whatever changes between two snapshots (a node's state, a node removed or added, a
    // target paused, rows reordered), the rows read are the rows sent, and only the rows
    // whose JSON changed are parsed.
    void onlyChangedRowsAreParsedAndTheResultIsTheWhole()
    {
        SnapshotReader reader;
        EngineSnapshot s = cluster(50, 3);
        readsAsWhole(reader, json(s), 53);
        readsAsWhole(reader, json(s), 0); // nothing changed

        s.nodes[7].health = HealthState::Down;
        s.nodes[7].responseTimeMs = std::numeric_limits<double>::quiet_NaN();
        s.nodes[7].lastChangeAt = s.at + 5;
        s.sync.targets[1].paused = true;
        s.cluster.activeNodes = 49;
        s.cluster.failedNodes = 1;
        readsAsWhole(reader, json(s), 2);
        QCOMPARE(reader.read(json(s)).value().nodes.at(7).health, HealthState::Down);

        s.nodes.removeAt(9); // removed
        NodeStatus added = s.nodes.first();
        added.spec.id = QStringLiteral("added");
        s.nodes << added;
        readsAsWhole(reader, json(s), 1);
        const EngineSnapshot read = reader.read(json(s)).value();
        QCOMPARE(read.nodes.size(), 50);
        QVERIFY(std::none_of(read.nodes.begin(), read.nodes.end(), [](const NodeStatus &n) {
            return n.spec.id == QStringLiteral("node-9");
        }));
        QCOMPARE(read.nodes.last().spec.id, QStringLiteral("added"));

        std::reverse(s.nodes.begin(), s.nodes.end()); // another order: same rows, that order
        readsAsWhole(reader, json(s), 0);
        QCOMPARE(reader.read(json(s)).value().nodes.first().spec.id, QStringLiteral("added"));

        s.sync.targets.clear(); // every target gone
        readsAsWhole(reader, json(s), 0);
        s.nodes.clear(); // every node gone
        readsAsWhole(reader, json(s), 0);
        QCOMPARE(reader.read(json(s)).value().nodes.size(), 0);
    }

    // Rows whose strings hold quotes, backslashes, brackets and braces are cut where they
    // end; so is a snapshot written with spaces and newlines, members in another order.
    void rowsAreCutWhereTheyEnd()
    {
        SnapshotReader reader;
        EngineSnapshot s = cluster(4, 2);
        s.nodes[1].spec.id = QStringLiteral("we\"ird}],{\\");
        s.nodes[1].lastCheckResult = QStringLiteral("bad_status 503 \\\"}]\\");
        s.nodes[2].spec.tags = {QStringLiteral("[x]"), QStringLiteral("{y}"),
                                QStringLiteral("ü\n")};
        s.sync.targets[0].lastError = QStringLiteral("\"\\\"]}");
        readsAsWhole(reader, json(s), 6);
        readsAsWhole(reader, json(s), 0);
        QCOMPARE(reader.read(json(s)).value().nodes.at(1).spec.id, s.nodes[1].spec.id);
        // Indented: other bytes per row, so parsed again, and the same snapshot.
        const QByteArray indented = QJsonDocument(codec::encode(s)).toJson(QJsonDocument::Indented);
        readsAsWhole(reader, indented, 6);
        readsAsWhole(reader, indented, 0);
        // "nodes" first, "sync" before "at": the members' order does not matter.
        QJsonObject o = codec::encode(s);
        const QByteArray nodes =
            QJsonDocument(o.take(QStringLiteral("nodes")).toArray()).toJson(QJsonDocument::Compact);
        const QByteArray sync =
            QJsonDocument(o.take(QStringLiteral("sync")).toObject()).toJson(QJsonDocument::Compact);
        const QByteArray nodesFirst = "{\"nodes\": " + nodes + " , \"sync\":" + sync + "," +
                                      QJsonDocument(o).toJson(QJsonDocument::Compact).mid(1);
        readsAsWhole(reader, nodesFirst, 6);
        readsAsWhole(reader, json(s), 0);
    }

    // What the reader does not expect is decoded whole, with the whole decoder's answer: a
    // key twice, a row that is not a node, a snapshot cut short; and the next good one is
    // read as it is.
    void theUnexpectedIsDecodedWhole()
    {
        SnapshotReader reader;
        const EngineSnapshot s = cluster(5, 1);
        readsAsWhole(reader, json(s), 6);
        QByteArray twice = json(s);
        twice.insert(1, "\"nodes\":[],");
        readsAsWhole(reader, twice, -1);
        QByteArray badRow = json(s);
        badRow.replace("\"status\":\"up\"", "\"status\":5");
        QVERIFY(!reader.read(badRow));
        readsAsWhole(reader, badRow, 0);
        QByteArray notARow = json(s);
        notARow.replace("\"nodes\":[", "\"nodes\":[7,");
        QVERIFY(!reader.read(notARow));
        readsAsWhole(reader, notARow, 0);
        QVERIFY(!reader.read(json(s).chopped(3)));
        QVERIFY(!reader.read(json(s) + "x"));
        readsAsWhole(reader, json(s), 0);
    }

    // jobfirstd writes an unchanged node or target as the same bytes in every snapshot, and
    // a changed one anew: the console parses only what changed, and reads what was sent.
    void jobfirstdSendsUnchangedRowsAsTheSameBytes()
    {
        SnapshotEncoder encoder;
        SnapshotReader reader;
        EngineSnapshot s = cluster(30, 31);
        const auto sent = [&s] {
            return shown(
                codec::decode<EngineSnapshot>(QJsonDocument::fromJson(json(s)).object()).value());
        };
        readsAsWhole(reader, encoder.snapshotJson(s), 61);
        readsAsWhole(reader, encoder.snapshotJson(s), 0);
        s.nodes[3].health = HealthState::Down;
        s.nodes[3].responseTimeMs = std::numeric_limits<double>::quiet_NaN();
        s.sync.targets[4].paused = true;
        s.sync.targets[5].lastError = QStringLiteral("HTTP 503");
        s.sync.queueDepth = 12;
        readsAsWhole(reader, encoder.snapshotJson(s), 3);
        QCOMPARE(shown(reader.read(encoder.snapshotJson(s)).value()), sent());
        s.nodes.removeAt(0);
        s.sync.targets.removeAt(0);
        readsAsWhole(reader, encoder.snapshotJson(s), 0);
        QCOMPARE(shown(reader.read(encoder.snapshotJson(s)).value()), sent());
        s.sync.targets[3].paused = false; // resumed (it moved up one): parsed again
        readsAsWhole(reader, encoder.snapshotJson(s), 1);
        QCOMPARE(shown(reader.read(encoder.snapshotJson(s)).value()), sent());
    }

    // The stream split into events whatever pieces the network gives: a byte at a time, a
    // long line in many pieces, CR LF line ends, comments and several data lines.
    void theStreamIsSplitWhereverItIsCut()
    {
        const QByteArray big(300000, 'x');
        const QByteArray stream =
            ": stream open\n\nevent: snapshot\ndata: {\"a\":\"" + big +
            "\"}\n\nevent: health\r\ndata: one\r\ndata:two\r\n\r\n: keep-alive\n\n"
            "data: plain\n\n";
        for (const qsizetype piece : {qsizetype(1), qsizetype(7), qsizetype(4096), stream.size()}) {
            EventStreamParser parser;
            QList<StreamEvent> events;
            for (qsizetype at = 0; at < stream.size(); at += piece)
                events += parser.feed(stream.mid(at, piece));
            QCOMPARE(events.size(), 3);
            QCOMPARE(events.at(0).event, QByteArray("snapshot"));
            QCOMPARE(events.at(0).data, "{\"a\":\"" + big + "\"}");
            QCOMPARE(events.at(1).event, QByteArray("health"));
            QCOMPARE(events.at(1).data, QByteArray("one\ntwo"));
            QCOMPARE(events.at(2).event, QByteArray("message"));
            QCOMPARE(events.at(2).data, QByteArray("plain"));
            QCOMPARE(parser.pending(), 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestSnapshotDecoder)
#include "tst_snapshotdecoder.moc"
