// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl target ...: the sync targets of the config file, and their run-time state.
#include "ctlcontext.h"

#include "sync/syncservice.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSaveFile>

using namespace jobfirst;

namespace {

QString maskSecret(const QString &secret)
{
    return secret.isEmpty() ? QString() : QStringLiteral("••••") + secret.right(4);
}

/// Reads the config file as JSON, lets `change` edit it, validates the whole result and
/// writes it atomically. The file is untouched unless the new config is valid.
int editConfigFile(CtlContext &ctx, const QString &what, const std::function<QString(QJsonObject &)> &change)
{
    if (ctx.configPath.isEmpty())
        return ctx.usage(QStringLiteral("target %1 edits the config file: give --config FILE (or set JOBFIRST_CONFIG)").arg(what));
    QJsonObject root = ctx.config.toJsonObject();
    {
        QFile f(ctx.configPath);
        if (f.open(QIODevice::ReadOnly)) {
            const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
            if (doc.isObject())
                root = doc.object(); // keep the file's own keys as written
        }
    }
    if (const QString error = change(root); !error.isEmpty())
        return ctx.fail(error);
    auto config = ClusterConfig::fromJsonObject(root);
    if (!config)
        return ctx.fail(QStringLiteral("%1: not changed: %2").arg(ctx.configPath, config.error().message));
    QSaveFile out(ctx.configPath);
    if (!out.open(QIODevice::WriteOnly))
        return ctx.fail(QStringLiteral("cannot write %1: %2").arg(ctx.configPath, out.errorString()));
    out.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!out.commit())
        return ctx.fail(QStringLiteral("cannot write %1: %2").arg(ctx.configPath, out.errorString()));
    auto version = ctx.store->saveConfigVersion(config->toJson(), ctx.actor);
    if (!version)
        return ctx.fail(version.error().message);
    AuditEntry a;
    a.actor = ctx.actor;
    a.action = QStringLiteral("target.%1").arg(what);
    a.subject = QStringLiteral("config version %1").arg(version.value());
    a.after = ctx.configPath;
    ctx.store->appendAudit(a);
    ctx.config = config.value();
    ctx.out << ctx.configPath << ": " << what << " done, config version " << version.value() << Qt::endl;
    return 0;
}

/// Applies the options given to one target's JSON; returns an error naming the option.
QString applyOptions(const Arguments &args, QJsonObject &t)
{
    if (args.has(QStringLiteral("url")))
        t.insert(QStringLiteral("url"), args.value(QStringLiteral("url")));
    if (args.has(QStringLiteral("events"))) {
        QJsonArray events;
        for (const QString &e : args.value(QStringLiteral("events")).split(u',', Qt::SkipEmptyParts))
            events.append(e.trimmed());
        t.insert(QStringLiteral("events"), events);
    }
    if (args.has(QStringLiteral("timeout")))
        t.insert(QStringLiteral("timeout"), args.value(QStringLiteral("timeout")));
    // Numbers go in as given; the config's own validation says if one is out of range.
    QString error;
    const auto number = [&args, &error](const char *option, QJsonObject &into, const char *key) {
        const QString name = QString::fromLatin1(option);
        if (!args.has(name) || !error.isEmpty())
            return;
        bool ok = false;
        const double v = args.value(name).toDouble(&ok);
        if (!ok)
            error = QStringLiteral("--%1 \"%2\" is not a number").arg(name, args.value(name));
        else
            into.insert(QString::fromLatin1(key), v);
    };
    if (args.has(QStringLiteral("retries")) || args.has(QStringLiteral("retry-interval"))) {
        QJsonObject retry = t.value(QStringLiteral("retry")).toObject();
        number("retries", retry, "max");
        if (args.has(QStringLiteral("retry-interval")))
            retry.insert(QStringLiteral("interval"), args.value(QStringLiteral("retry-interval")));
        t.insert(QStringLiteral("retry"), retry);
    }
    number("batch-size", t, "batch_size");
    number("rate-limit", t, "rate_limit");
    if (!error.isEmpty())
        return error;
    if (args.has(QStringLiteral("secret")))
        t.insert(QStringLiteral("secret"), args.value(QStringLiteral("secret")));
    return {};
}

} // namespace

int runTargetCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    const QString name = args.positional.value(1);
    const QSet<QString> editOptions = {QStringLiteral("url"),     QStringLiteral("events"),         QStringLiteral("timeout"),
                                       QStringLiteral("retries"), QStringLiteral("retry-interval"), QStringLiteral("batch-size"),
                                       QStringLiteral("rate-limit"), QStringLiteral("secret"),      QStringLiteral("json")};
    if (const QStringList unknown = args.unknown(editOptions); !unknown.isEmpty())
        return ctx.usage(QStringLiteral("unknown option %1").arg(unknown.join(u' ')));
    if (sub == QLatin1String("list")) {
        SyncService sync(ctx.store.get(), ctx.config);
        const SyncStats stats = sync.stats();
        QJsonArray list;
        const QJsonArray configured = ctx.config.toJsonObject().value(QStringLiteral("targets")).toArray();
        for (qsizetype i = 0; i < configured.size() && i < ctx.config.targets.size(); ++i) {
            const TargetConfig &t = ctx.config.targets.at(i);
            QJsonObject o = configured.at(i).toObject();
            o.insert(QStringLiteral("secret"), maskSecret(t.secret));
            for (const TargetStatus &s : stats.targets) {
                if (s.name == t.name) {
                    o.insert(QStringLiteral("paused"), s.paused);
                    o.insert(QStringLiteral("enabled"), s.enabled);
                    if (!s.disabledReason.isEmpty())
                        o.insert(QStringLiteral("disabled_reason"), s.disabledReason);
                }
            }
            list.append(o);
        }
        ctx.printJson(QJsonDocument(list));
        return 0;
    }
    if (name.isEmpty() || args.positional.size() > 2)
        return ctx.usage(QStringLiteral("target %1 takes one target name").arg(sub));
    if (sub == QLatin1String("pause") || sub == QLatin1String("resume") || sub == QLatin1String("enable")
        || sub == QLatin1String("disable")) {
        SyncService sync(ctx.store.get(), ctx.config);
        const Status s = sub == QLatin1String("pause") || sub == QLatin1String("resume")
                             ? sync.setTargetPaused(name, sub == QLatin1String("pause"), ctx.actor)
                             : sync.setTargetEnabled(name, sub == QLatin1String("enable"), ctx.actor);
        if (!s)
            return ctx.fail(s.error().message);
        ctx.out << name << ": " << sub << (sub.endsWith(u'e') ? "d" : "ed") << Qt::endl;
        return 0;
    }
    const auto findTarget = [&name](QJsonArray &targets) -> qsizetype {
        for (qsizetype i = 0; i < targets.size(); ++i)
            if (targets.at(i).toObject().value(QStringLiteral("name")).toString() == name)
                return i;
        return -1;
    };
    if (sub == QLatin1String("set")) {
        return editConfigFile(ctx, QStringLiteral("set"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            const qsizetype i = findTarget(targets);
            if (i < 0)
                return QStringLiteral("there is no sync target \"%1\" in %2 (target add creates one)").arg(name, ctx.configPath);
            QJsonObject t = targets.at(i).toObject();
            if (const QString error = applyOptions(args, t); !error.isEmpty())
                return error;
            targets.replace(i, t);
            root.insert(QStringLiteral("targets"), targets);
            return {};
        });
    }
    if (sub == QLatin1String("add")) {
        if (!args.has(QStringLiteral("url")) || !args.has(QStringLiteral("events")))
            return ctx.usage(QStringLiteral("target add needs --url and --events"));
        return editConfigFile(ctx, QStringLiteral("add"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            if (findTarget(targets) >= 0)
                return QStringLiteral("sync target \"%1\" already exists (target set changes it)").arg(name);
            QJsonObject t{{QStringLiteral("name"), name}};
            if (const QString error = applyOptions(args, t); !error.isEmpty())
                return error;
            targets.append(t);
            root.insert(QStringLiteral("targets"), targets);
            return {};
        });
    }
    if (sub == QLatin1String("remove")) {
        return editConfigFile(ctx, QStringLiteral("remove"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            const qsizetype i = findTarget(targets);
            if (i < 0)
                return QStringLiteral("there is no sync target \"%1\" in %2").arg(name, ctx.configPath);
            targets.removeAt(i);
            root.insert(QStringLiteral("targets"), targets);
            return {};
        });
    }
    return ctx.usage(QStringLiteral("unknown target command \"%1\"").arg(sub));
}
