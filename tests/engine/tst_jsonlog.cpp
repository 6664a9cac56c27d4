// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's log stays readable when Qt repeats one warning by the hundred (a PostgreSQL
// restart: "Unable to free statement" 90 times in 3 s, walk36), and nothing left out goes
// untold.
#include "core/jsonlog.h"
#include "core/repeatlimiter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QtTest>

#include <unistd.h>

using namespace jobfirst;

class TestJsonLog final : public QObject
{
    Q_OBJECT

    /// What `write` sent to stderr, one JSON object a line.
    template <class Write> static QList<QJsonObject> stderrOf(Write write)
    {
        QTemporaryFile file;
        if (!file.open())
            return {};
        std::fflush(stderr);
        const int saved = ::dup(STDERR_FILENO);
        ::dup2(file.handle(), STDERR_FILENO);
        write();
        std::fflush(stderr);
        ::dup2(saved, STDERR_FILENO);
        ::close(saved);
        file.seek(0);
        QList<QJsonObject> lines;
        for (const QByteArray &line : file.readAll().split('\n'))
            if (!line.isEmpty())
                lines << QJsonDocument::fromJson(line).object();
        return lines;
    }

private slots:
    void aRepeatedLineIsWrittenABurstThenCounted()
    {
        RepeatLimiter limiter(3, 1000);
        const QString freed = QStringLiteral("Unable to free statement");
        for (int i = 0; i < 3; ++i)
            QVERIFY(limiter.take(freed, 100 + i).write);
        const RepeatLimiter::Verdict fourth = limiter.take(freed, 200);
        QVERIFY(!fourth.write);
        QVERIFY(fourth.startsLeavingOut);
        const RepeatLimiter::Verdict fifth = limiter.take(freed, 300);
        QVERIFY(!fifth.write);
        QVERIFY(!fifth.startsLeavingOut); // said once a window
        // Another line is its own kind.
        QVERIFY(limiter.take(QStringLiteral("database not open"), 300).write);
        // After the window the next one is written, with the count of those left out.
        const RepeatLimiter::Verdict after = limiter.take(freed, 1100);
        QVERIFY(after.write);
        QCOMPARE(after.leftOut, 2);
        QCOMPARE(limiter.take(freed, 1200).leftOut, 0); // told once
    }

    void qtsOwnRepeatedWarningReachesStderrABurstAndANotice()
    {
        installJsonLog(QStringLiteral("info"));
        const QList<QJsonObject> lines = stderrOf([] {
            for (int i = 0; i < 50; ++i)
                qWarning("QPSQL: Unable to free statement: no connection to the server");
            qWarning("QSocketNotifier: Invalid socket 12 and type 'Read', disabling...");
        });
        qInstallMessageHandler(nullptr);
        int freed = 0, notices = 0, others = 0;
        for (const QJsonObject &line : lines) {
            const QString message = line.value(QStringLiteral("message")).toString();
            QCOMPARE(line.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
            if (message == u"Unable to free statement: no connection to the server")
                ++freed;
            else if (message.contains(u"more like it are left out"))
                ++notices;
            else if (message.startsWith(u"Invalid socket 12"))
                ++others;
        }
        QCOMPARE(freed, 3);
        QCOMPARE(notices, 1);
        QCOMPARE(others, 1);
        QCOMPARE(lines.size(), 5);
    }
};

QTEST_GUILESS_MAIN(TestJsonLog)
#include "tst_jsonlog.moc"
