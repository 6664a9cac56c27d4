// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl sync ...: send, import, watch and repair the user-data sync.
#include "api/codec.h"
#include "core/unixsignalwatcher.h"
#include "ctlcontext.h"
#include "optiontypes.h"
#include "synctext.h"

#include "sync/eventfilereader.h"

#include <QFile>
#include <QJsonArray>
#include <QTimer>

#include <csignal>

using namespace jobfirst;

namespace {

/// --since or --until, which the command table has checked (OptionTypes::Time).
qint64 timeOption(const Arguments &args, const QString &name, qint64 fallback)
{
    const QString text = args.value(name);
    return text.isEmpty() ? fallback : codec::parseIsoTime(text).value_or(fallback);
}

int send(CtlContext &ctx, const Arguments &args)
{
    SyncEvent e;
    e.type = args.value(QStringLiteral("type"));
    e.userId = args.value(QStringLiteral("user"));
    e.eventId = args.value(QStringLiteral("id"));
    // The command table has checked --data (OptionTypes::EventData) and --mode (DeliveryMode).
    if (args.has(QStringLiteral("data")))
        e.data = QJsonDocument::fromJson(args.value(QStringLiteral("data")).toUtf8()).object();
    const QString mode = args.value(QStringLiteral("mode"), QStringLiteral("real-time"));
    if (Status s = e.validate(); !s)
        return ctx.fail(s.error().message);
    const auto r = ctx.wait(ctx.session->sendEvents({e}, mode == QLatin1String("real-time") ? SyncMode::RealTime : SyncMode::NearRealTime,
                                                    args.value(QStringLiteral("target"))));
    if (!r)
        return ctx.fail(r.error().message);
    ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("id"), r->first().eventId},
                                            {QStringLiteral("version"), r->first().version},
                                            {QStringLiteral("queued"), true}}),
                  false);
    return 0;
}

/// Reads a JSON Lines file of events; the error names the file and line, and nothing is sent.
/// The events of a JSON Lines file, for one all-or-nothing call. Lines are read through
/// EventFileReader: bounded (sync_max_event_bytes), never a whole huge line in memory, each
/// error naming its line. Files too big for one call belong to `sync import` (streamed).
Result<QList<SyncEvent>> readEvents(const QString &path)
{
    EventFileReader reader(path);
    if (Status s = reader.open(); !s)
        return s.error();
    QList<SyncEvent> events;
    while (true) {
        auto e = reader.next();
        if (!e)
            return makeError(e.error().code, e.error().message + QStringLiteral("; nothing was queued"));
        if (!e->has_value())
            return events;
        events << std::move(e.value().value());
    }
}

int batch(CtlContext &ctx, const Arguments &args)
{
    const auto events = readEvents(args.positional.value(1));
    if (!events)
        return ctx.fail(events.error().message);
    const auto r = ctx.wait(ctx.session->sendEvents(events.value(), SyncMode::RealTime, args.value(QStringLiteral("target"))));
    if (!r)
        return ctx.fail(r.error().message);
    QJsonArray ids;
    for (const SyncEvent &e : r.value())
        ids.append(e.eventId);
    ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("accepted"), r->size()}, {QStringLiteral("ids"), ids}}), false);
    return 0;
}

int import(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto batchSize =
        args.integer(QStringLiteral("batch"), 5000, OptionTypes::ImportBatch, &error);
    if (!batchSize)
        return ctx.usage(error);
    auto control = std::make_shared<JobControl>();
    QObject::connect(control.get(), &JobControl::progressed, control.get(), [&ctx](double fraction, const ImportProgress &p) {
        ctx.err << QStringLiteral("import: %1 lines, %2 accepted, %3%\r").arg(p.lines).arg(p.accepted).arg(fraction * 100, 0, 'f', 1);
        ctx.err.flush();
    });
    UnixSignalWatcher interrupt({SIGINT, SIGTERM});
    QObject::connect(&interrupt, &UnixSignalWatcher::received, control.get(), [control] { control->cancel(); });
    const auto r = ctx.wait(ctx.session->importUsers(args.positional.value(1), int(*batchSize), control));
    ctx.err << Qt::endl;
    if (!r)
        return ctx.fail(r.error().message);
    ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("lines"), r->lines},
                                            {QStringLiteral("accepted"), r->accepted},
                                            {QStringLiteral("rejected"), r->rejected},
                                            {QStringLiteral("resumed"), r->resumed},
                                            {QStringLiteral("cancelled"), control->isCancelled()},
                                            {QStringLiteral("first_error"), r->firstError}}));
    return r->rejected > 0 || control->isCancelled() ? 1 : 0;
}

/// sync status [--target NAME]: a row a target (JSON with --json: the list, or the one target).
int status(CtlContext &ctx, const Arguments &args)
{
    if (args.has(QStringLiteral("target")))
        return ctx.printAnswer(
            args, ctx.session->targetStatus(args.value(QStringLiteral("target"))),
            [](const TargetStatus &t) { return codec::encode(t); },
            [&ctx](const TargetStatus &t) { printTargetTable(ctx.out, {t}); });
    return ctx.printAnswer(
        args, ctx.session->syncStats(),
        [](const SyncStats &s) { return codec::encodeList(s.targets); },
        [&ctx](const SyncStats &s) { printTargetTable(ctx.out, s.targets); });
}

/// sync stats: the counts, the latency and the rates, then the targets (JSON with --json).
int stats(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(
        args, ctx.session->syncStats(), [](const SyncStats &s) { return codec::encode(s); },
        [&ctx](const SyncStats &s) { printSyncStats(ctx.out, s); });
}

int deadLetterList(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto limit = args.integer(QStringLiteral("limit"), 100, OptionTypes::LongLimit, &error);
    if (!limit)
        return ctx.usage(error);
    const auto list = ctx.wait(ctx.session->deadLetters(args.value(QStringLiteral("target")), int(*limit)));
    if (!list)
        return ctx.fail(list.error().message);
    QJsonArray a;
    for (const DeadLetter &d : list.value()) {
        QJsonObject o = codec::encode(d);
        const auto attempts = ctx.wait(ctx.session->attempts(d.deliveryId));
        o.insert(QStringLiteral("attempt_log"), attempts ? codec::encodeList(attempts.value()) : QJsonArray());
        a.append(o);
    }
    ctx.printJson(a);
    return 0;
}

int retryOrDiscard(CtlContext &ctx, const Arguments &args, const QString &sub)
{
    // The command table has checked ID by OptionTypes::DeadLetterId.
    const qint64 id = OptionTypes::DeadLetterId.toInteger(args.positional.at(1)).value_or(0);
    const auto r = ctx.wait(sub == QLatin1String("retry") ? ctx.session->retryDeadLetters({id}) : ctx.session->discardDeadLetters({id}));
    return r ? 0 : ctx.fail(r.error().message);
}

int replay(CtlContext &ctx, const Arguments &args)
{
    const qint64 since = timeOption(args, QStringLiteral("since"), 0);
    const qint64 until =
        timeOption(args, QStringLiteral("until"), std::numeric_limits<qint64>::max());
    const auto n = ctx.wait(ctx.session->replay(args.value(QStringLiteral("target")), since, until));
    if (!n)
        return ctx.fail(n.error().message);
    ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("replayed"), n.value()}}), false);
    return 0;
}

int check(CtlContext &ctx, const Arguments &args)
{
    QStringList targets;
    if (args.has(QStringLiteral("target")))
        targets << args.value(QStringLiteral("target"));
    const auto reports =
        ctx.wait(ctx.session->checkConsistency(targets, args.isOn(QStringLiteral("repair"))));
    if (!reports)
        return ctx.fail(reports.error().message);
    ctx.printJson(codec::encodeList(reports.value()));
    const bool anyError = std::any_of(reports->cbegin(), reports->cend(), [](const ConsistencyReport &r) { return !r.error.isEmpty(); });
    return anyError ? 1 : 0;
}

/// Delivers from the local store until interrupted (or until its queue is empty).
/// What `sync run` says on stderr when who delivers changes.
QString standingByText(const DeliveryStandby &standby)
{
    switch (standby.reason) {
    case DeliveryStandby::Reason::None:
        return QStringLiteral("delivering now");
    case DeliveryStandby::Reason::OtherProcess:
        return QStringLiteral("standing by: %1 delivers from this store; this process takes "
                              "over when it stops")
            .arg(standby.detail);
    case DeliveryStandby::Reason::PartitionsTaken:
        return QStringLiteral("standing by: the other daemons hold every partition (%1); this "
                              "process takes its share when one stops")
            .arg(standby.detail);
    default:
        return QStringLiteral("standing by: ") +
               standby.text().mid(QStringLiteral("standby, ").size());
    }
}

int run(CtlContext &ctx, const Arguments &args)
{
    QString error;
    const auto seconds = args.number(QStringLiteral("seconds"), 0, OptionTypes::Seconds, &error);
    if (!seconds)
        return ctx.usage(error);
    UnixSignalWatcher stop({SIGINT, SIGTERM});
    QObject::connect(&stop, &UnixSignalWatcher::received, qApp, &QCoreApplication::quit);
    SyncStats last;
    QString standingBy = QStringLiteral("(unknown)");
    const bool untilEmpty = args.isOn(QStringLiteral("until-empty"));
    QObject::connect(ctx.session, &EngineSession::snapshot, ctx.session, [&](const EngineSnapshot &s) {
        last = s.sync;
        // Say so when other processes deliver from this store (and again when that changes);
        // not the passing reasons (a claim not made yet or answered late, the store away).
        if (s.sync.deliveryStandbyFor != standingBy && !s.sync.deliveryStandbyFor.startsWith(u'(')) {
            ctx.err << "jobfirstctl: " << standingByText(s.sync.standby()) << Qt::endl;
            standingBy = s.sync.deliveryStandbyFor;
        }
        if (untilEmpty && s.sync.queueDepth == 0)
            QCoreApplication::quit();
    });
    if (*seconds > 0)
        QTimer::singleShot(qint64(*seconds * 1000), qApp, &QCoreApplication::quit);
    QCoreApplication::exec();
    ctx.printJson(QJsonDocument(last.toJson()));
    return 0;
}

} // namespace

int runSyncCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    if (sub == QLatin1String("send"))
        return send(ctx, args);
    if (sub == QLatin1String("batch"))
        return batch(ctx, args);
    if (sub == QLatin1String("import"))
        return import(ctx, args);
    if (sub == QLatin1String("status"))
        return status(ctx, args);
    if (sub == QLatin1String("stats"))
        return stats(ctx, args);
    if (sub == QLatin1String("dlq"))
        return deadLetterList(ctx, args);
    if (sub == QLatin1String("retry") || sub == QLatin1String("discard"))
        return retryOrDiscard(ctx, args, sub);
    if (sub == QLatin1String("replay"))
        return replay(ctx, args);
    if (sub == QLatin1String("check"))
        return check(ctx, args);
    if (sub == QLatin1String("run"))
        return run(ctx, args);
    return ctx.usage(QStringLiteral("unknown sync command \"%1\"").arg(sub));
}
