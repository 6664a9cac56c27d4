// SPDX-License-Identifier: GPL-3.0-or-later
// jobfirstctl config|audit|token: configuration and its versions, the audit log, API tokens.
#include "api/codec.h"
#include "config/configdiff.h"
#include "ctlcontext.h"
#include "optiontypes.h"
#include "texttable.h"

#include <QFile>
#include <QJsonArray>

using namespace jobfirst;

namespace {

Result<QByteArray> readConfigFile(const QString &path)
{
    auto config = ClusterConfig::fromFile(path);
    if (!config)
        return config.error();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("config.io"), QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    return f.readAll();
}

/// Accepted but unsafe (deliveries that go out unsigned): said on stderr, after the verdict.
void printWarnings(CtlContext &ctx, const QString &path, const QByteArray &json)
{
    const auto config = ClusterConfig::fromJson(json);
    if (!config)
        return;
    for (const ConfigWarning &w : config->warnings())
        ctx.err << "jobfirstctl: warning: " << path << ": " << w.message << Qt::endl;
}

int versionNumber(CtlContext &ctx, const QString &text, int *version)
{
    const auto number = OptionTypes::ConfigVersion.toInteger(text);
    *version = int(number.value_or(0));
    return number ? 0
                  : ctx.usage(QStringLiteral("\"%1\" is not a config version number").arg(text));
}

/// A config.apply row's change as the keys that differ ("max_nodes, targets[crm].url"), as
/// the console's Audit page says it; empty for any other row (or one whose JSON is cut).
QString changedKeys(const AuditEntry &e)
{
    if (e.action != QLatin1String("config.apply"))
        return {};
    const QJsonDocument before = QJsonDocument::fromJson(e.before.toUtf8());
    const QJsonDocument after = QJsonDocument::fromJson(e.after.toUtf8());
    if (!before.isObject() || !after.isObject())
        return {};
    QStringList keys;
    for (const KeyChange &c : keyDiff(before.object(), after.object()))
        keys << c.key;
    return keys.isEmpty() ? QStringLiteral("no key changed") : keys.join(QStringLiteral(", "));
}

/// One line a row, newest first as --json: time, actor, action, subject; then what changed
/// (the keys of a config version, else the before and after values).
void printAuditText(CtlContext &ctx, const QList<AuditEntry> &log)
{
    for (const AuditEntry &e : log) {
        ctx.out << QStringLiteral("%1 %2 %3 %4\n")
                       .arg(codec::isoTime(e.timestamp), -24)
                       .arg(e.actor, -24)
                       .arg(e.action, -20)
                       .arg(e.subject);
        if (const QString keys = changedKeys(e); !keys.isEmpty()) {
            ctx.out << "    changed: " << keys << '\n';
            continue;
        }
        if (!e.before.isEmpty())
            ctx.out << "    before: " << e.before << '\n';
        if (!e.after.isEmpty())
            ctx.out << "    after: " << e.after << '\n';
    }
    ctx.out.flush();
}

/// "version 3", or "the running config" for 0.
QString versionName(int version)
{
    return version == 0 ? QStringLiteral("the running config")
                        : QStringLiteral("version %1").arg(version);
}

/// Each version as the API encodes it, without its config.
QJsonArray versionsJson(const QList<ConfigVersion> &versions)
{
    QJsonArray a;
    for (const ConfigVersion &v : versions)
        a.append(codec::encode(v, false));
    return a;
}

/// A row a version: its number, when and by whom it was applied.
void printVersions(CtlContext &ctx, const QList<ConfigVersion> &versions)
{
    if (versions.isEmpty()) {
        ctx.out << "no config versions in the store yet" << Qt::endl;
        return;
    }
    TextTable table({QStringLiteral("VERSION"), QStringLiteral("APPLIED"), QStringLiteral("BY")});
    table.alignRight(0);
    for (const ConfigVersion &v : versions)
        table.addRow({QString::number(v.version), localIsoTime(v.timestamp), v.actor});
    table.print(ctx.out);
}

/// config versions: newest first, one line a version (JSON with --json).
int listVersions(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(
        args, ctx.session->configVersions(100), versionsJson,
        [&ctx](const QList<ConfigVersion> &versions) { printVersions(ctx, versions); });
}

/// A row a token: name, role, node, when made and by whom.
void printTokens(CtlContext &ctx, const QList<ApiToken> &tokens)
{
    if (tokens.isEmpty()) {
        ctx.out << "no API tokens (token create makes one)" << Qt::endl;
        return;
    }
    TextTable table({QStringLiteral("NAME"), QStringLiteral("ROLE"), QStringLiteral("NODE"),
                     QStringLiteral("CREATED"), QStringLiteral("BY")});
    for (const ApiToken &t : tokens)
        table.addRow({t.name, roleName(t.role), t.nodeId.isEmpty() ? QStringLiteral("-") : t.nodeId,
                      localIsoTime(t.createdAt), t.createdBy});
    table.print(ctx.out);
}

/// token list: a line a token, by name (JSON with --json). What the JSON shows and nothing
/// more: the token itself is shown once, at creation, and only its hash is stored.
int listTokens(CtlContext &ctx, const Arguments &args)
{
    return ctx.printAnswer(args, ctx.session->tokens(), codec::encodeList<ApiToken>,
                           [&ctx](const QList<ApiToken> &tokens) { printTokens(ctx, tokens); });
}

} // namespace

int runConfigCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    EngineSession &engine = *ctx.session;
    if (sub == QLatin1String("check") || sub == QLatin1String("apply")) {
        const QString path = args.positional.at(1);
        const auto json = readConfigFile(path);
        if (!json)
            return ctx.fail(json.error().message);
        if (sub == QLatin1String("check")) {
            if (Status s = ctx.wait(engine.checkConfig(json.value())); !s)
                return ctx.fail(QStringLiteral("%1: %2").arg(path, s.error().message));
            ctx.out << path << ": valid" << Qt::endl;
            printWarnings(ctx, path, json.value());
            return 0;
        }
        const auto version = ctx.wait(engine.applyConfig(json.value()));
        if (!version)
            return ctx.fail(QStringLiteral("%1: %2").arg(path, version.error().message));
        ctx.out << "config version " << version.value() << " applied from " << path << Qt::endl;
        printWarnings(ctx, path, json.value());
        return 0;
    }
    if (sub == QLatin1String("show")) {
        const auto config = ctx.wait(engine.config(args.isOn(QStringLiteral("reveal-secrets"))));
        if (!config)
            return ctx.fail(config.error().message);
        ctx.out << config->toJson();
        return 0;
    }
    if (sub == QLatin1String("versions"))
        return listVersions(ctx, args);
    if (sub == QLatin1String("diff")) {
        int from = 0, to = 0;
        if (int code = versionNumber(ctx, args.value(QStringLiteral("from"), QStringLiteral("0")), &from))
            return code;
        if (int code = versionNumber(ctx, args.value(QStringLiteral("to"), QStringLiteral("0")), &to))
            return code;
        const auto diff = ctx.wait(engine.configDiff(from, to));
        if (!diff)
            return ctx.fail(diff.error().message);
        // Every line the same ("  "): said in words, not a whole config with nothing marked.
        if (!diff->hasDifferences())
            ctx.out << "no differences: " << versionName(from) << " and " << versionName(to)
                    << " are the same config" << Qt::endl;
        else
            ctx.out << diff->diff;
        return 0;
    }
    if (sub == QLatin1String("rollback")) {
        int version = 0;
        if (int code = versionNumber(ctx, args.positional.value(1), &version))
            return code;
        const auto applied = ctx.wait(engine.rollbackConfig(version));
        if (!applied)
            return ctx.fail(applied.error().message);
        ctx.out << "config version " << version << " applied again as version " << applied.value() << Qt::endl;
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown config command \"%1\"").arg(sub));
}

int runOfflineConfigCheck(CtlContext &ctx, const Arguments &args)
{
    const QString path = args.positional.at(1);
    const auto json = readConfigFile(path);
    if (!json)
        return ctx.fail(json.error().message);
    const auto config = ClusterConfig::fromJson(json.value());
    if (!config)
        return ctx.fail(QStringLiteral("%1: %2").arg(path, config.error().message));
    if (Status s = config->checkFiles(); !s)
        return ctx.fail(QStringLiteral("%1: %2").arg(path, s.error().message));
    ctx.out << path << ": valid" << Qt::endl;
    // What only a store can tell (max_nodes against the nodes registered, which secret a
    // masked value stands for) is not checked here: say so rather than pretend.
    if (config->hasMaskedSecrets())
        ctx.err << "jobfirstctl: note: " << path
                << " holds masked secrets; give --db (or --server) to check them against the "
                   "running config"
                << Qt::endl;
    printWarnings(ctx, path, json.value());
    return 0;
}

int runAuditCommand(CtlContext &ctx, const Arguments &args)
{
    if (args.positional.value(0) == QLatin1String("verify"))
        return runAuditVerifyCommand(ctx, args);
    QString error;
    const auto limit = args.integer(QStringLiteral("limit"), 100, OptionTypes::LongLimit, &error);
    if (!limit)
        return ctx.usage(error);
    return ctx.printAnswer(
        args, ctx.session->audit(AuditQuery{int(*limit), args.value(QStringLiteral("filter"))}),
        codec::encodeList<AuditEntry>,
        [&ctx](const QList<AuditEntry> &log) { printAuditText(ctx, log); });
}

int runTokenCommand(CtlContext &ctx, const Arguments &args)
{
    const QString sub = args.positional.value(0);
    EngineSession &engine = *ctx.session;
    if (sub == QLatin1String("create")) {
        // The command table has checked --role (OptionTypes::TokenRole, the roles' names).
        const auto role = roleFromName(args.value(QStringLiteral("role")));
        const auto created = ctx.wait(engine.createToken(args.value(QStringLiteral("name")), *role, args.value(QStringLiteral("node"))));
        if (!created)
            return ctx.fail(created.error().message);
        // The token itself goes to stdout alone, so `> file` keeps exactly it; it is not
        // stored anywhere and cannot be shown again.
        ctx.out << created->secret << Qt::endl;
        ctx.err << "jobfirstctl: token \"" << created->token.name << "\" (" << roleName(created->token.role)
                << ") created; it is shown only this once" << Qt::endl;
        return 0;
    }
    if (sub == QLatin1String("list"))
        return listTokens(ctx, args);
    if (sub == QLatin1String("revoke")) {
        if (Status s = ctx.wait(engine.revokeToken(args.positional.at(1))); !s)
            return ctx.fail(s.error().message);
        ctx.out << "token \"" << args.positional.at(1) << "\" revoked" << Qt::endl;
        return 0;
    }
    return ctx.usage(QStringLiteral("unknown token command \"%1\"").arg(sub));
}
