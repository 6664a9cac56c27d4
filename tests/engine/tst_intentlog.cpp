// SPDX-License-Identifier: GPL-3.0-or-later
// The intent log's own recovery: what a reopened log replays (its current epoch, up to a torn
// record, nothing of an earlier epoch), and logs it refuses with a clear error, unchanged.
#include "store/intentlog.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace jobfirst;

namespace {

const QByteArray StoreA = QByteArray::fromHex("00112233445566778899aabbccddeeff");
const QByteArray StoreB = QByteArray::fromHex("ffeeddccbbaa99887766554433221100");
constexpr qint64 LogBytes = 64 * 1024;

OutboxItem item(const QString &user, const QStringList &targets = {QStringLiteral("a")})
{
    OutboxItem i;
    i.event.eventId = QStringLiteral("evt-") + user;
    i.event.type = QStringLiteral("user.updated");
    i.event.userId = user;
    i.event.createdAt = 1700000000000;
    i.targets = targets;
    i.payload = R"({"email":")" + user.toUtf8() + R"(@jobfirst.cn"})";
    return i;
}

/// Encodes, places and writes one record of `items`; its offset, or -1.
qint64 logGroup(IntentLog &log, QList<OutboxItem> items)
{
    OutboxRequest request(std::in_place_type<EventWrite>);
    std::get<EventWrite>(request).items = std::move(items);
    OutboxRequest *writes[] = {&request};
    IntentLog::Record record = IntentLog::encode(writes);
    if (!log.place(record))
        return -1;
    IntentLog::Record *records[] = {&record};
    return log.write(records).ok() ? record.offset : -1;
}

QStringList users(const QList<OutboxItem> &items)
{
    QStringList out;
    for (const OutboxItem &i : items)
        out << i.event.userId;
    return out;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void overwrite(const QString &path, qint64 at, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(at));
    QCOMPARE(f.write(bytes), bytes.size());
}

} // namespace

class TestIntentLog final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;

    QString path() { return m_dir.filePath(QStringLiteral("s%1.db-intent").arg(++m_n)); }

private slots:
    void recordsOfTheCurrentEpochAreReplayedAsWritten()
    {
        const QString file = path();
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            QVERIFY(log->replay().isEmpty());
            QCOMPARE(QFileInfo(file).size(), LogBytes); // written whole at creation
            QVERIFY(logGroup(*log, {item(QStringLiteral("ann"))}) > 0);
            OutboxItem odd =
                item(QStringLiteral("bö 李"), {QStringLiteral("a"), QStringLiteral("b")});
            odd.dueAt = 1700000005000;
            odd.coalesce = true;
            OutboxItem bulk =
                item(QStringLiteral("cy"), {QStringLiteral("a"), QStringLiteral("b")});
            bulk.rowLimits = {64, 1};
            QVERIFY(logGroup(*log, {odd, bulk}) > 0);
        }
        auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
        const QList<OutboxItem> &r = log->replay();
        QCOMPARE(users(r), (QStringList{QStringLiteral("ann"), QStringLiteral("bö 李"),
                                        QStringLiteral("cy")}));
        QCOMPARE(r[1].event.eventId, QStringLiteral("evt-bö 李"));
        QCOMPARE(r[1].event.type, QStringLiteral("user.updated"));
        QCOMPARE(r[1].event.createdAt, 1700000000000);
        QCOMPARE(r[1].payload, QByteArray(R"({"email":"bö 李@jobfirst.cn"})"));
        QCOMPARE(r[1].targets, (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(r[1].dueAt, 1700000005000);
        QVERIFY(r[1].coalesce);
        QVERIFY(!r[0].coalesce);
        QCOMPARE(r[2].rowLimits, (QList<int>{64, 1}));
    }

    void aTornLastRecordEndsTheReplay()
    {
        const QString file = path();
        qint64 last = 0;
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            QVERIFY(logGroup(*log, {item(QStringLiteral("u1"))}) > 0);
            QVERIFY(logGroup(*log, {item(QStringLiteral("u2"))}) > 0);
            last = logGroup(*log, {item(QStringLiteral("u3")), item(QStringLiteral("u4"))});
            QVERIFY(last > 0);
        }
        // A crash cut the last write short: its tail never reached the disk.
        overwrite(file, last + 60, QByteArray(40, '\0'));
        auto log = IntentLog::open(file, StoreA, LogBytes);
        QVERIFY2(log.ok(), qPrintable(log.ok() ? QString() : log.error().message));
        QCOMPARE(users(log.value()->replay()),
                 (QStringList{QStringLiteral("u1"), QStringLiteral("u2")}));
    }

    void recordsOfAnEarlierEpochAreNotReplayed()
    {
        const QString file = path();
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            for (int i = 0; i < 6; ++i)
                QVERIFY(logGroup(*log, {item(QStringLiteral("old%1").arg(i))}) > 0);
            const quint64 epoch = log->epoch();
            QVERIFY(log->restart().ok());
            QCOMPARE(log->epoch(), epoch + 1);
            QVERIFY(log->empty());
            // A shorter record than the one it overwrites: the old ones after it stay in place.
            QVERIFY(logGroup(*log, {item(QStringLiteral("n"))}) > 0);
        }
        auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
        QCOMPARE(users(log->replay()), QStringList{QStringLiteral("n")});
        QVERIFY(log->restart().ok());
        auto reopened = std::move(IntentLog::open(file + QString(), StoreA, LogBytes));
        QCOMPARE(reopened.ok(), false); // still held by `log`
        QCOMPARE(reopened.error().code, QStringLiteral("intentlog.busy"));
        log.reset();
        QVERIFY(IntentLog::open(file, StoreA, LogBytes).value()->replay().isEmpty());
    }

    void aRecordThatDoesNotFitIsNotPlaced()
    {
        auto log = std::move(IntentLog::open(path(), StoreA, 2 * IntentLog::HeaderBytes)).value();
        QList<OutboxItem> many;
        for (int i = 0; i < 80; ++i) // about 8 KiB, in 4 KiB of room
            many << item(QStringLiteral("user%1").arg(i));
        QCOMPARE(logGroup(*log, many), -1);
        QVERIFY(log->empty());
        QVERIFY(logGroup(*log, {item(QStringLiteral("one"))}) > 0);
    }

    void aLogOfAnotherStoreIsRefusedUnchanged()
    {
        const QString file = path();
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            QVERIFY(logGroup(*log, {item(QStringLiteral("theirs"))}) > 0);
        }
        const QByteArray before = readAll(file);
        auto log = IntentLog::open(file, StoreB, LogBytes);
        QVERIFY(!log.ok());
        QCOMPARE(log.error().code, QStringLiteral("intentlog.foreign"));
        QVERIFY2(log.error().message.contains(file), qPrintable(log.error().message));
        QVERIFY(log.error().message.contains(QStringLiteral("another store")));
        QCOMPARE(readAll(file), before);
    }

    void anEmptyLogOfAnotherStoreIsTakenOver()
    {
        // Its store was removed, or replaced by a restored backup: nothing in it to lose.
        const QString file = path();
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            QVERIFY(logGroup(*log, {item(QStringLiteral("done"))}) > 0);
            QVERIFY(log->restart().ok()); // what a clean stop does
        }
        {
            auto log = IntentLog::open(file, StoreB, LogBytes);
            QVERIFY(log.ok());
            QVERIFY(log.value()->replay().isEmpty());
            QVERIFY(logGroup(*log.value(), {item(QStringLiteral("b1"))}) > 0);
        }
        QCOMPARE(users(IntentLog::open(file, StoreB, LogBytes).value()->replay()),
                 QStringList{QStringLiteral("b1")});
        QCOMPARE(IntentLog::open(file, StoreA, LogBytes).error().code,
                 QStringLiteral("intentlog.foreign"));
    }

    void malformedLogsAreRefusedUnchanged_data()
    {
        QTest::addColumn<qint64>("at");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        QTest::newRow("not a log")
            << qint64(0) << QByteArray("SQLite format 3") << QStringLiteral("marker");
        QTest::newRow("newer format")
            << qint64(8) << QByteArray("\x09\0\0\0", 4) << QStringLiteral("version 9");
        QTest::newRow("header damaged")
            << qint64(20) << QByteArray("\x7f") << QStringLiteral("checksum");
        QTest::newRow("cut short")
            << qint64(-1) << QByteArray() << QStringLiteral("says 65536 bytes");
        QTest::newRow("record unreadable")
            << qint64(-2) << QByteArray() << QStringLiteral("byte 4096");
    }

    void malformedLogsAreRefusedUnchanged()
    {
        QFETCH(qint64, at);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        const QString file = path();
        {
            auto log = std::move(IntentLog::open(file, StoreA, LogBytes)).value();
            QVERIFY(logGroup(*log, {item(QStringLiteral("kept"))}) > 0);
        }
        if (at == -1) {
            QVERIFY(QFile::resize(file, LogBytes / 2));
        } else if (at == -2) {
            // A record whose checksum matches but whose events cannot be read: not a torn
            // write (which a checksum catches) but a log this program does not understand.
            QByteArray content = readAll(file);
            char *r = content.data() + IntentLog::HeaderBytes;
            quint32 length;
            std::memcpy(&length, r, 4);
            r[IntentLog::RecordHeaderBytes + 4 + 8 + 8 + 1] = '\x7f'; // the event id's length
            // The same CRC-32C the log uses, over epoch and body.
            quint32 crc = ~0u;
            for (quint32 i = 8; i < IntentLog::RecordHeaderBytes + length; ++i) {
                crc ^= quint8(r[i]);
                for (int k = 0; k < 8; ++k)
                    crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
            }
            crc = ~crc;
            std::memcpy(r + 4, &crc, 4);
            overwrite(file, 0, content);
        } else {
            overwrite(file, at, bytes);
        }
        const QByteArray before = readAll(file);
        auto log = IntentLog::open(file, StoreA, LogBytes);
        QVERIFY(!log.ok());
        QCOMPARE(log.error().code, QStringLiteral("intentlog.malformed"));
        QVERIFY2(log.error().message.contains(file) && log.error().message.contains(says),
                 qPrintable(log.error().message));
        QCOMPARE(readAll(file), before);
    }

    void anUnfinishedCreationStartsOver()
    {
        // Created but its header never written: nothing can have been logged in it.
        const QString file = path();
        overwrite(file, 0, QByteArray(1000, '\0'));
        auto log = IntentLog::open(file, StoreA, LogBytes);
        QVERIFY(log.ok());
        QVERIFY(log.value()->replay().isEmpty());
        QCOMPARE(QFileInfo(file).size(), LogBytes);
    }
};

QTEST_GUILESS_MAIN(TestIntentLog)
#include "tst_intentlog.moc"
