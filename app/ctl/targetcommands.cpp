// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl target ...: the sync targets of the config, and their run-time state.
#include "api/codec.h"
#include "config/secretmask.h"
#include "ctlcontext.h"
#include "optiontypes.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

using namespace jobfirst;

namespace {

/// Reads the running config as JSON, lets `change` edit it, and applies the result through
/// the engine, which validates the whole of it, writes the config file (local --config) or
/// its own (a jobfirstd), and records a version. Nothing changes unless it is valid. Locally,
/// main.cpp has refused it unless a --config file was given.
int editConfig(CtlContext &ctx, const QString &what, const std::function<QString(QJsonObject &)> &change)
{
    // Secrets stay masked on the way: the engine keeps a masked secret's running value.
    const auto config = ctx.wait(ctx.session->config(false));
    if (!config)
        return ctx.fail(config.error().message);
    QJsonObject root = config->toJsonObject();
    if (const QString error = change(root); !error.isEmpty())
        return ctx.fail(error);
    const QString where = ctx.remote ? QStringLiteral("the engine's config") : ctx.configPath;
    const auto version = ctx.wait(ctx.session->applyConfig(QJsonDocument(root).toJson()));
    if (!version)
        return ctx.fail(QStringLiteral("%1: not changed: %2").arg(where, version.error().message));
    ctx.out << where << ": " << what << " done, config version " << version.value() << Qt::endl;
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
    // TLS and authentication: paths of files the engine reads (the secrets stay in them).
    for (const char *option : {"ca-file", "client-cert", "client-key", "token-file"}) {
        const QString name = QString::fromLatin1(option);
        if (args.has(name))
            t.insert(QString(name).replace(u'-', u'_'), args.value(name));
    }
    if (args.has(QStringLiteral("tls-insecure")))
        t.insert(QStringLiteral("tls_insecure"), args.isOn(QStringLiteral("tls-insecure")));
    // Numbers of the types the command table has checked them by (the config's ranges).
    QString error;
    const auto number = [&args, &error](const char *option, const OptionType &type,
                                        QJsonObject &into, const char *key) {
        const QString name = QString::fromLatin1(option);
        if (!args.has(name) || !error.isEmpty())
            return;
        if (const auto v = args.number(name, 0, type, &error))
            into.insert(QString::fromLatin1(key), *v);
    };
    if (args.has(QStringLiteral("retries")) || args.has(QStringLiteral("retry-interval"))) {
        QJsonObject retry = t.value(QStringLiteral("retry")).toObject();
        number("retries", OptionTypes::Retries, retry, "max");
        if (args.has(QStringLiteral("retry-interval")))
            retry.insert(QStringLiteral("interval"), args.value(QStringLiteral("retry-interval")));
        t.insert(QStringLiteral("retry"), retry);
    }
    number("batch-size", OptionTypes::BatchSize, t, "batch_size");
    number("rate-limit", OptionTypes::RateLimit, t, "rate_limit");
    if (!error.isEmpty())
        return error;
    if (args.has(QStringLiteral("secret-file"))) {
        QFile f(args.value(QStringLiteral("secret-file")));
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read --secret-file %1: %2").arg(f.fileName(), f.errorString());
        t.insert(QStringLiteral("secret"), QString::fromUtf8(f.read(4096).trimmed()));
    }
    return {};
}

qsizetype findTarget(const QJsonArray &targets, const QString &name)
{
    for (qsizetype i = 0; i < targets.size(); ++i)
        if (targets.at(i).toObject().value(QStringLiteral("name")).toString() == name)
            return i;
    return -1;
}

int list(CtlContext &ctx)
{
    const auto config = ctx.wait(ctx.session->config(false));
    if (!config)
        return ctx.fail(config.error().message);
    const auto stats = ctx.wait(ctx.session->syncStats());
    if (!stats)
        return ctx.fail(stats.error().message);
    QJsonArray out;
    for (const QJsonValue &v : config->toJsonObject().value(QStringLiteral("targets")).toArray()) {
        QJsonObject o = v.toObject();
        for (const TargetStatus &s : stats->targets) {
            if (s.name != o.value(QStringLiteral("name")).toString())
                continue;
            o.insert(QStringLiteral("paused"), s.paused);
            o.insert(QStringLiteral("enabled"), s.enabled);
            if (!s.disabledReason.isEmpty())
                o.insert(QStringLiteral("disabled_reason"), s.disabledReason);
        }
        out.append(o);
    }
    ctx.printJson(out);
    return 0;
}

int runTimeState(CtlContext &ctx, const QString &sub, const QString &name)
{
    const bool pause = sub == QLatin1String("pause") || sub == QLatin1String("resume");
    const Status s = ctx.wait(pause ? ctx.session->setTargetPaused(name, sub == QLatin1String("pause"))
                                    : ctx.session->setTargetEnabled(name, sub == QLatin1String("enable")));
    if (!s)
        return ctx.fail(s.error().message);
    ctx.out << name << ": " << sub << (sub.endsWith(u'e') ? "d" : "ed") << Qt::endl;
    return 0;
}

} // namespace

int runTargetCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    const QString name = args.positional.value(1);
    if (sub == QLatin1String("list"))
        return list(ctx);
    if (sub == QLatin1String("pause") || sub == QLatin1String("resume") || sub == QLatin1String("enable") || sub == QLatin1String("disable"))
        return runTimeState(ctx, sub, name);
    if (sub == QLatin1String("set")) {
        return editConfig(ctx, QStringLiteral("set"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            const qsizetype i = findTarget(targets, name);
            if (i < 0)
                return QStringLiteral("there is no sync target \"%1\" (target add creates one)").arg(name);
            QJsonObject t = targets.at(i).toObject();
            if (const QString error = applyOptions(args, t); !error.isEmpty())
                return error;
            targets.replace(i, t);
            root.insert(QStringLiteral("targets"), targets);
            return {};
        });
    }
    if (sub == QLatin1String("add")) {
        return editConfig(ctx, QStringLiteral("add"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            if (findTarget(targets, name) >= 0)
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
        return editConfig(ctx, QStringLiteral("remove"), [&](QJsonObject &root) -> QString {
            QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
            const qsizetype i = findTarget(targets, name);
            if (i < 0)
                return QStringLiteral("there is no sync target \"%1\"").arg(name);
            targets.removeAt(i);
            root.insert(QStringLiteral("targets"), targets);
            return {};
        });
    }
    return ctx.usage(QStringLiteral("unknown target command \"%1\"").arg(sub));
}
