// SPDX-License-Identifier: GPL-3.0-or-later
#include "ctlcontext.h"

#include "cluster/clustermanager.h"
#include "sync/bulkimporter.h"
#include "sync/consistencychecker.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QTimer>

#include <csignal>

using namespace jobfirst;

namespace {

qint64 parseTime(const QString &text, qint64 fallback, bool *ok)
{
    *ok = true;
    if (text.isEmpty())
        return fallback;
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid()) {
        *ok = false;
        return 0;
    }
    return t.toMSecsSinceEpoch();
}

} // namespace

int runSyncCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    QString error;
    ClusterManager cluster(ctx.store.get(), ctx.config);
    if (Status s = cluster.load(); !s)
        return ctx.fail(s.error().message);
    SyncService sync(ctx.store.get(), ctx.config);
    sync.setNodes(cluster.nodes());
    const bool deliver = sub == QLatin1String("run");
    if (Status s = sync.start(deliver); !s)
        return ctx.fail(s.error().message);

    if (sub == QLatin1String("send")) {
        SyncEvent e;
        e.type = args.value(QStringLiteral("type"));
        e.userId = args.value(QStringLiteral("user"));
        e.eventId = args.value(QStringLiteral("id"));
        if (args.has(QStringLiteral("data"))) {
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(args.value(QStringLiteral("data")).toUtf8(), &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isObject())
                return ctx.fail(QStringLiteral("--data is not a JSON object: %1").arg(pe.errorString()));
            e.data = doc.object();
        }
        const QString mode = args.value(QStringLiteral("mode"), QStringLiteral("real-time"));
        if (mode != QLatin1String("real-time") && mode != QLatin1String("near-real-time"))
            return ctx.usage(QStringLiteral("--mode must be real-time or near-real-time, not \"%1\"").arg(mode));
        Result<QList<SyncEvent>> r = args.has(QStringLiteral("target"))
                                         ? sync.batchSyncToService(args.value(QStringLiteral("target")), {e})
                                         : sync.publish({e}, mode == QLatin1String("real-time") ? SyncMode::RealTime : SyncMode::NearRealTime);
        if (!r)
            return ctx.fail(r.error().message);
        ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("id"), r->first().eventId},
                                                {QStringLiteral("version"), r->first().version},
                                                {QStringLiteral("queued"), true}}), false);
        return 0;
    }
    if (sub == QLatin1String("batch")) {
        QFile f(args.positional.value(1));
        if (!f.open(QIODevice::ReadOnly))
            return ctx.fail(QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString()));
        QList<SyncEvent> events;
        int line = 0;
        while (!f.atEnd()) {
            const QByteArray raw = f.readLine().trimmed();
            ++line;
            if (raw.isEmpty())
                continue;
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(raw, &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isObject())
                return ctx.fail(QStringLiteral("%1 line %2: not a JSON object (%3); nothing was queued").arg(f.fileName()).arg(line).arg(pe.errorString()));
            auto e = SyncEvent::fromJson(doc.object());
            if (!e)
                return ctx.fail(QStringLiteral("%1 line %2: %3; nothing was queued").arg(f.fileName()).arg(line).arg(e.error().message));
            events << e.value();
        }
        Result<QList<SyncEvent>> r = args.has(QStringLiteral("target"))
                                         ? sync.batchSyncToService(args.value(QStringLiteral("target")), events)
                                         : sync.publish(events);
        if (!r)
            return ctx.fail(r.error().message);
        QJsonArray ids;
        for (const SyncEvent &e : r.value())
            ids.append(e.eventId);
        ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("accepted"), r->size()}, {QStringLiteral("ids"), ids}}), false);
        return 0;
    }
    if (sub == QLatin1String("import")) {
        const auto batch = args.integer(QStringLiteral("batch"), 5000, 1, 1000000, &error);
        if (!batch)
            return ctx.usage(error);
        auto r = BulkImporter::run(ctx.dbPath, args.positional.value(1), int(*batch),
                                   [&sync](const QList<SyncEvent> &events) { return sync.publish(events, SyncMode::Bulk); },
                                   [&ctx](const ImportProgress &p) {
                                       ctx.err << QStringLiteral("import: %1 lines, %2 accepted, %3%\r")
                                                      .arg(p.lines).arg(p.accepted)
                                                      .arg(p.bytesTotal ? 100.0 * double(p.bytesDone) / double(p.bytesTotal) : 100.0, 0, 'f', 1);
                                       ctx.err.flush();
                                   });
        ctx.err << Qt::endl;
        if (!r)
            return ctx.fail(r.error().message);
        ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("lines"), r->lines},
                                                {QStringLiteral("accepted"), r->accepted},
                                                {QStringLiteral("rejected"), r->rejected},
                                                {QStringLiteral("resumed"), r->resumed},
                                                {QStringLiteral("first_error"), r->firstError}}));
        return r->rejected > 0 ? 1 : 0;
    }
    if (sub == QLatin1String("status")) {
        if (args.has(QStringLiteral("target"))) {
            auto t = sync.syncStatus(args.value(QStringLiteral("target")));
            if (!t)
                return ctx.fail(t.error().message);
            ctx.printJson(QJsonDocument(t->toJson()));
            return 0;
        }
        auto s = sync.storedStats();
        if (!s)
            return ctx.fail(s.error().message);
        QJsonArray a;
        for (const TargetStatus &t : s->targets)
            a.append(t.toJson());
        ctx.printJson(QJsonDocument(a));
        return 0;
    }
    if (sub == QLatin1String("stats")) {
        auto s = sync.storedStats();
        if (!s)
            return ctx.fail(s.error().message);
        ctx.printJson(QJsonDocument(s->toJson()));
        return 0;
    }
    if (sub == QLatin1String("dlq")) {
        const auto limit = args.integer(QStringLiteral("limit"), 100, 1, 1000000, &error);
        if (!limit)
            return ctx.usage(error);
        auto list = sync.deadLetters(args.value(QStringLiteral("target")), int(*limit));
        if (!list)
            return ctx.fail(list.error().message);
        QJsonArray a;
        for (const DeadLetter &d : list.value()) {
            QJsonObject o = deadLetterToJson(d);
            QJsonArray attempts;
            for (const DeliveryAttempt &at : sync.attempts(d.deliveryId).value())
                attempts.append(attemptToJson(at));
            o.insert(QStringLiteral("attempt_log"), attempts);
            a.append(o);
        }
        ctx.printJson(QJsonDocument(a));
        return 0;
    }
    if (sub == QLatin1String("retry") || sub == QLatin1String("discard")) {
        bool ok = false;
        const qint64 id = args.positional.value(1).toLongLong(&ok);
        if (!ok)
            return ctx.usage(QStringLiteral("sync %1 takes a dead letter id (see sync dlq list)").arg(sub));
        const Status s = sub == QLatin1String("retry") ? sync.retryFailedSync(id, ctx.actor) : sync.discard(id, ctx.actor);
        if (!s)
            return ctx.fail(s.error().message);
        return 0;
    }
    if (sub == QLatin1String("replay")) {
        bool okSince = false, okUntil = false;
        const qint64 since = parseTime(args.value(QStringLiteral("since")), 0, &okSince);
        const qint64 until = parseTime(args.value(QStringLiteral("until")), std::numeric_limits<qint64>::max(), &okUntil);
        if (!okSince || !okUntil)
            return ctx.usage(QStringLiteral("--since and --until take ISO 8601 times, e.g. 2026-11-25T10:00:00Z"));
        auto n = sync.replay(args.value(QStringLiteral("target")), since, until, ctx.actor);
        if (!n)
            return ctx.fail(n.error().message);
        ctx.printJson(QJsonDocument(QJsonObject{{QStringLiteral("replayed"), n.value()}}), false);
        return 0;
    }
    if (sub == QLatin1String("check")) {
        QStringList names;
        if (args.has(QStringLiteral("target")))
            names << args.value(QStringLiteral("target"));
        else
            for (const TargetConfig &t : ctx.config.targets)
                names << t.name;
        QJsonArray reports;
        int code = 0;
        for (const QString &name : names) {
            auto url = sync.digestUrl(name);
            if (!url)
                return ctx.fail(url.error().message);
            auto report = ConsistencyChecker::check(ctx.dbPath, name, url.value());
            if (!report) {
                reports.append(QJsonObject{{QStringLiteral("target"), name}, {QStringLiteral("error"), report.error().message}});
                code = 1;
                continue;
            }
            ConsistencyReport r = report.value();
            if (args.has(QStringLiteral("repair")) && !r.repairEventIds.isEmpty()) {
                auto repaired = sync.repair(name, r.repairEventIds, ctx.actor);
                if (!repaired)
                    return ctx.fail(repaired.error().message);
                r.repaired = repaired.value();
            }
            reports.append(r.toJson());
        }
        ctx.printJson(QJsonDocument(reports));
        return code;
    }
    if (sub == QLatin1String("run")) {
        const auto seconds = args.number(QStringLiteral("seconds"), 0, 0, 1e7, &error);
        if (!seconds)
            return ctx.usage(error);
        QObject::connect(&cluster, &ClusterManager::nodesChanged, &sync, [&] { sync.setNodes(cluster.nodes()); });
        QObject::connect(&cluster, &ClusterManager::healthChanged, &sync, [&] { sync.setNodes(cluster.nodes()); });
        QObject::connect(&sync, &SyncService::nodeDeliveryFailed, &cluster,
                         [&](const QString &node, const QString &err) { cluster.reportPassiveFailure(node, err); });
        cluster.start();
        std::signal(SIGINT, [](int) { QCoreApplication::quit(); });
        std::signal(SIGTERM, [](int) { QCoreApplication::quit(); });
        QTimer poll;
        if (args.has(QStringLiteral("until-empty"))) {
            QObject::connect(&poll, &QTimer::timeout, &sync, [&] {
                if (sync.backlog() == 0)
                    QCoreApplication::quit();
            });
            poll.start(100);
        }
        if (*seconds > 0)
            QTimer::singleShot(qint64(*seconds * 1000), qApp, &QCoreApplication::quit);
        // Say so when another process delivers from this store (and again when that changes).
        QString standingBy;
        QTimer lease;
        QObject::connect(&lease, &QTimer::timeout, &sync, [&] {
            const QString holder = sync.stats().deliveryStandbyFor;
            if (holder == standingBy || holder.startsWith(u'('))
                return;
            ctx.err << "jobfirstctl: "
                    << (holder.isEmpty() ? QStringLiteral("delivering now")
                                         : QStringLiteral("standing by: %1 delivers from this store; this process takes over when it stops").arg(holder))
                    << Qt::endl;
            standingBy = holder;
        });
        lease.start(500);
        QCoreApplication::exec();
        cluster.stop();
        const SyncStats s = sync.stats();
        sync.stop();
        ctx.printJson(QJsonDocument(s.toJson()));
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown sync command \"%1\"").arg(sub));
}
