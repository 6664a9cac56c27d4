// SPDX-License-Identifier: GPL-3.0-or-later
// Events published through jobfirstd's admin API (POST /api/v1/sync/events, one event a
// request, answered 202 once the event is on disk), by wrk with 1 and with 50 connections.
// With 50 producers at once their events should share the outbox's group commits; a daemon
// that waited for each event's sync on its engine thread accepted one event per sync whatever
// the number of producers. BENCH_DAEMON=path runs another jobfirstd binary (before/after).
#include "api/localenginesession.h"
#include "benchsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <csignal>
#include <cstdio>

using namespace jobfirst;
using bench::await;
using bench::cpuSecondsOf;

namespace {

struct WrkRun
{
    double requests = 0;     ///< answered per second (wrk's figure: refusals included)
    qint64 refusals = 0;     ///< non-2xx answers
    qint64 socketErrors = 0; ///< connect, read, write errors and timeouts
    QString firstRefusal;    ///< the status and body of the first non-2xx answer
    QString socketErrorText; ///< wrk's line, when it had socket errors
};

/// wrk POSTing one event a request; the token goes in through the script, not argv.
WrkRun postEvents(const QString &dir, const QString &url, const QByteArray &token, int connections,
                  int seconds)
{
    QFile script(dir + QStringLiteral("/post.lua"));
    script.open(QIODevice::WriteOnly);
    script.write(
        "wrk.method = \"POST\"\n"
        "wrk.headers[\"Authorization\"] = \"Bearer " +
        token +
        "\"\n"
        "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  return wrk.format(nil, nil, nil, string.format('{\"events\":[{\"type\":\"user.updated\","
        "\"user_id\":\"u%d\",\"data\":{\"email\":\"someone@jobfirst.cn\"}}]}', n))\n"
        "end\n"
        // The first refusal of each thread, so the figure says why requests failed.
        "local told = false\n"
        "response = function(status, headers, body)\n"
        "  if status ~= 202 and not told then\n"
        "    told = true\n"
        "    print('refused: ' .. status .. ' ' .. string.sub(body, 1, 300))\n"
        "  end\n"
        "end\n");
    script.close();
    QProcess p;
    p.start(QStringLiteral("wrk"),
            {QStringLiteral("-t%1").arg(connections > 1 ? 2 : 1),
             QStringLiteral("-c%1").arg(connections), QStringLiteral("-d%1s").arg(seconds),
             QStringLiteral("-s"), script.fileName(), url});
    p.waitForFinished(seconds * 1000 + 30000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const auto rate = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)")).match(out);
    const auto non2xx =
        QRegularExpression(QStringLiteral("Non-2xx or 3xx responses: (\\d+)")).match(out);
    const auto errors =
        QRegularExpression(
            QStringLiteral(
                "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)"))
            .match(out);
    WrkRun r;
    r.firstRefusal =
        QRegularExpression(QStringLiteral("^refused: (.*)$"), QRegularExpression::MultilineOption)
            .match(out)
            .captured(1);
    r.requests = rate.hasMatch() ? rate.captured(1).toDouble() : 0;
    r.refusals = non2xx.hasMatch() ? non2xx.captured(1).toLongLong() : 0;
    for (int i = 1; errors.hasMatch() && i <= 4; ++i)
        r.socketErrors += errors.captured(i).toLongLong();
    if (errors.hasMatch())
        r.socketErrorText = errors.captured(0);
    return r;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int seconds = qEnvironmentVariableIntValue("BENCH_SECONDS") > 0
                            ? qEnvironmentVariableIntValue("BENCH_SECONDS")
                            : 5;
    QString daemonPath = qEnvironmentVariable("BENCH_DAEMON");
    if (daemonPath.isEmpty())
        daemonPath =
            QCoreApplication::applicationDirPath() + QStringLiteral("/../app/daemon/jobfirstd");
    std::printf("command: build/bench/bench_publish   (BENCH_SECONDS=%d; jobfirstd: %s)\n", seconds,
                qPrintable(daemonPath));
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("c.db"));
    const QString config = dir.filePath(QStringLiteral("c.json"));
    {
        // One target that receives the events, paused so delivery takes no CPU from accepting.
        QFile c(config);
        c.open(QIODevice::WriteOnly);
        c.write(
            R"({"targets": [{"name": "user-service", "url": "http://127.0.0.1:9/sync", "events": ["user.updated"]}]})");
    }
    QByteArray token;
    {
        LocalEngineSession setup(QStringLiteral("bench"));
        const EngineOptions o = bench::setupOptions(db, config);
        if (!await(setup.start(o)).ok())
            return 1;
        await(setup.setTargetPaused(QStringLiteral("user-service"), true));
        token = await(setup.createToken(QStringLiteral("producer"), Role::Operator, {}))
                    .value()
                    .secret.toLatin1();
        setup.stop();
    }
    QProcess daemon;
    daemon.start(daemonPath, {QStringLiteral("--db"), db, QStringLiteral("--config"), config,
                              QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    daemon.waitForReadyRead(10000);
    const auto m = QRegularExpression(QStringLiteral("listening [^:]+:(\\d+)"))
                       .match(QString::fromUtf8(daemon.readAllStandardOutput()));
    if (!m.hasMatch()) {
        std::printf("jobfirstd did not start: %s\n", daemon.readAllStandardError().constData());
        return 1;
    }
    const QString url = QStringLiteral("http://127.0.0.1:%1/api/v1/sync/events").arg(m.captured(1));
    {
        // One request first: a benchmark of refusals would measure nothing.
        QFile h(dir.filePath(QStringLiteral("header")));
        h.open(QIODevice::WriteOnly);
        h.write("Authorization: Bearer " + token + "\n");
        h.close();
        QProcess curl;
        curl.start(
            QStringLiteral("curl"),
            {QStringLiteral("-s"), QStringLiteral("-w"), QStringLiteral(" %{http_code}"),
             QStringLiteral("-H"), QStringLiteral("@") + h.fileName(), QStringLiteral("-H"),
             QStringLiteral("Content-Type: application/json"), QStringLiteral("-d"),
             QStringLiteral(
                 R"({"events":[{"type":"user.updated","user_id":"u0","data":{"email":"someone@jobfirst.cn"}}]})"),
             url});
        curl.waitForFinished(30000);
        const QByteArray answer = curl.readAllStandardOutput();
        if (!answer.endsWith(" 202")) {
            std::printf("jobfirstd refused a well-formed event: %s\n", answer.constData());
            return 1;
        }
    }
    // QProcess hears of the daemon's end, and reads what it logs, only from the event loop,
    // which does not run while wrk does: without this a jobfirstd that died during a run still
    // read as running, and its log of the run was never read.
    QByteArray log;
    const auto daemonEnded = [&daemon, &log] {
        QCoreApplication::processEvents();
        log += daemon.readAllStandardError();
        return daemon.state() != QProcess::Running;
    };
    for (int connections : {1, 50}) {
        const double cpu0 = cpuSecondsOf(daemon.processId());
        const WrkRun r = postEvents(dir.path(), url, token, connections, seconds);
        const double cpu = cpuSecondsOf(daemon.processId()) - cpu0;
        if (daemonEnded()) {
            // wrk's figures are of a dead server (every connection refused, ~1e5 "write" errors).
            std::printf("jobfirstd ended during wrk -c%d (%s %d): %s\n", connections,
                        daemon.exitStatus() == QProcess::CrashExit ? "signal" : "exit",
                        daemon.exitCode(), log.right(2000).constData());
            return 1;
        }
        // wrk's rate counts refusals too: only 202s are events accepted.
        const double accepted = std::max(0.0, r.requests * seconds - double(r.refusals));
        std::printf("POST /api/v1/sync/events, one event a request, wrk -c%-2d: %8.0f events/s "
                    "accepted durably "
                    "(%lld refused, %lld socket errors; jobfirstd %.0f µs CPU per event)\n",
                    connections, accepted / seconds, qlonglong(r.refusals),
                    qlonglong(r.socketErrors), accepted > 0 ? cpu * 1e6 / accepted : 0.0);
        if (!r.firstRefusal.isEmpty())
            std::printf("  first refusal: %s\n", qPrintable(r.firstRefusal));
        if (!r.socketErrorText.isEmpty())
            std::printf("  wrk: %s\n", qPrintable(r.socketErrorText));
    }
    // What jobfirstd said went wrong during the runs, if anything.
    int told = 0;
    for (const QByteArray &line : log.split('\n'))
        if ((line.contains("\"level\":\"warn") || line.contains("\"level\":\"error")) && told++ < 5)
            std::printf("  jobfirstd: %s\n", line.left(400).constData());
    ::kill(pid_t(daemon.processId()), SIGTERM);
    daemon.waitForFinished(30000);
    return 0;
}
