// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandtable.h"

#include "optiontypes.h"

#include <QHash>
#include <QList>
#include <QStringList>

namespace {

using namespace OptionTypes;

/// Who reads a value: jobfirstctl itself, or the engine (this process without --server, a
/// jobfirstd on its own machine with it, where a file named is not this machine's to check).
enum class Reader { Ctl, Engine };

/// An option or argument whose value has a type: checked with the rest of the line.
struct TypedOption
{
    const char *name;
    const OptionType *type;
    Reader reader = Reader::Ctl;
};

/// A command as the table below writes it. Every flag also takes `--flag=true|false`.
struct Row
{
    const char *words;
    const char *arguments = ""; ///< what each positional argument is, comma-separated
    /// The arguments whose value has a type.
    std::initializer_list<TypedOption> typedArguments = {};
    /// The options that take any text (a name, a path the engine reads on its machine).
    const char *options = "";
    /// The options whose value has a type.
    std::initializer_list<TypedOption> typed = {};
    const char *flags = "";    ///< the options that take none
    const char *required = ""; ///< the options it cannot run without
    const char *hint = "";     ///< said after a missing or bad argument, or a missing option
};

// Paths read by the engine (on a jobfirstd's machine with --server): any text here.
const char *const NodeSpecOptions = "health-path tags ca-file client-cert client-key token-file";
const std::initializer_list<TypedOption> NodeSpecTyped = {{"url", &NodeUrl},
                                                          {"weight", &NodeWeight}};
const char *const TargetOptions = "ca-file client-cert client-key token-file";
const std::initializer_list<TypedOption> TargetTyped = {{"url", &TargetUrl},
                                                        {"events", &EventTypes},
                                                        {"timeout", &TargetTimeout},
                                                        {"retries", &Retries},
                                                        {"retry-interval", &RetryInterval},
                                                        {"batch-size", &BatchSize},
                                                        {"rate-limit", &RateLimit},
                                                        {"secret-file", &ReadableFile}};
const std::initializer_list<TypedOption> PassphraseTyped = {{"passphrase-file", &ReadableFile}};
// verify and restore read it here without --server, on the engine's machine with it.
const std::initializer_list<TypedOption> BackupRead = {
    {"backup file", &ReadableFile, Reader::Engine}};
const char *const DeadLetterHint = "see sync dlq list";

// The commands in the order `--help` lists them; a command's sub-commands are named in this
// order when none is given. Kept a row a command (clang-format would give each field a line).
// clang-format off
const Row Rows[] = {
    {.words = "node add", .options = NodeSpecOptions, .typed = NodeSpecTyped,
     .flags = "json tls-insecure", .required = "id url"},
    {.words = "node edit", .arguments = "node id", .options = NodeSpecOptions,
     .typed = NodeSpecTyped, .flags = "json tls-insecure"},
    {.words = "node remove", .arguments = "node id"},
    {.words = "node list", .flags = "json"},
    {.words = "node weight", .arguments = "node id,weight",
     .typedArguments = {{"weight", &NodeWeight}}},
    {.words = "node drain", .arguments = "node id"},
    {.words = "node maint", .arguments = "node id"},
    {.words = "node ready", .arguments = "node id"},
    {.words = "node history", .arguments = "node id", .typed = {{"limit", &ShortLimit}},
     .flags = "json"},
    {.words = "health", .flags = "once json", .required = "once",
     .hint = "use watch for continuous checks"},
    {.words = "watch", .typed = {{"seconds", &Seconds}}},
    {.words = "lb pick", .options = "client-ip",
     .typed = {{"strategy", &PickStrategy}, {"count", &PickCount}}, .flags = "json"},
    {.words = "lb simulate",
     .typed = {{"strategy", &SimulatedStrategies}, {"requests", &Requests}, {"rate", &Rate},
               {"seed", &Seed}, {"capacity", &Capacity}, {"latency", &LatencyMs},
               {"queue-limit", &QueueLimit}, {"what-if", &ReadableFile}},
     .flags = "json"},
    {.words = "status", .flags = "json"},
    {.words = "config check", .arguments = "file", .typedArguments = {{"file", &ReadableFile}}},
    {.words = "config show", .flags = "reveal-secrets"},
    {.words = "config versions", .flags = "json"},
    {.words = "config apply", .arguments = "file", .typedArguments = {{"file", &ReadableFile}}},
    {.words = "config diff", .typed = {{"from", &ConfigVersion}, {"to", &ConfigVersion}}},
    {.words = "config rollback", .arguments = "version",
     .typedArguments = {{"version", &ConfigVersion}}},
    {.words = "audit", .options = "filter", .typed = {{"limit", &LongLimit}}, .flags = "json"},
    {.words = "audit verify", .flags = "json"},
    {.words = "backup create", .arguments = "backup file", .typed = PassphraseTyped},
    {.words = "backup verify", .arguments = "backup file", .typedArguments = BackupRead,
     .typed = PassphraseTyped},
    {.words = "backup restore", .arguments = "backup file", .typedArguments = BackupRead,
     .options = "to", .typed = PassphraseTyped, .flags = "replace", .required = "to"},
    {.words = "store copy", .typed = {{"to", &StoreUrl}}, .flags = "json", .required = "to",
     .hint = "a postgresql://user@host:port/db URL"},
    {.words = "slo", .flags = "json"},
    {.words = "logs", .options = "node target text",
     .typed = {{"since", &Time}, {"until", &Time}, {"level", &MinLogLevel}, {"limit", &ShortLimit}},
     .flags = "follow json"},
    {.words = "token create", .options = "name node", .typed = {{"role", &TokenRole}},
     .required = "name role", .hint = "roles: viewer, operator, admin, node"},
    {.words = "token list", .flags = "json"},
    {.words = "token revoke", .arguments = "token name"},
    {.words = "target list", .flags = "json"},
    {.words = "target set", .arguments = "target name", .options = TargetOptions,
     .typed = TargetTyped, .flags = "tls-insecure"},
    {.words = "target add", .arguments = "target name", .options = TargetOptions,
     .typed = TargetTyped, .flags = "tls-insecure", .required = "url events"},
    {.words = "target remove", .arguments = "target name"},
    {.words = "target pause", .arguments = "target name"},
    {.words = "target resume", .arguments = "target name"},
    {.words = "target enable", .arguments = "target name"},
    {.words = "target disable", .arguments = "target name"},
    {.words = "sync send", .options = "type user id target",
     .typed = {{"data", &EventData}, {"mode", &DeliveryMode}}},
    {.words = "sync batch", .arguments = "events file",
     .typedArguments = {{"events file", &ReadableFile}}, .options = "target"},
    {.words = "sync import", .arguments = "users file",
     .typedArguments = {{"users file", &ReadableFile}}, .typed = {{"batch", &ImportBatch}}},
    {.words = "sync status", .options = "target", .flags = "json"},
    {.words = "sync stats", .flags = "json"},
    {.words = "sync dlq list", .options = "target", .typed = {{"limit", &LongLimit}}},
    {.words = "sync retry", .arguments = "dead letter id",
     .typedArguments = {{"dead letter id", &DeadLetterId}}, .hint = DeadLetterHint},
    {.words = "sync discard", .arguments = "dead letter id",
     .typedArguments = {{"dead letter id", &DeadLetterId}}, .hint = DeadLetterHint},
    {.words = "sync replay", .options = "target", .typed = {{"since", &Time}, {"until", &Time}}},
    {.words = "sync check", .options = "target", .flags = "repair"},
    {.words = "sync run", .typed = {{"seconds", &Seconds}, {"lease", &Lease}},
     .flags = "until-empty"},
    {.words = "daemons", .flags = "json"},
    {.words = "daemons forget", .arguments = "daemon id", .flags = "json",
     .hint = "jobfirstctl daemons lists them"},
};
// clang-format on

QStringList split(const char *text, char separator)
{
    return QString::fromLatin1(text).split(QLatin1Char(separator), Qt::SkipEmptyParts);
}

QSet<QString> nameSet(const QStringList &names)
{
    return QSet<QString>(names.cbegin(), names.cend());
}

/// A command of the table, read.
struct CommandSpec
{
    QStringList words;     ///< "sync", "dlq", "list"
    QStringList arguments; ///< "node id", "weight"
    QSet<QString> known;   ///< its options, with or without a value
    QList<std::pair<QString, const OptionType *>> types; ///< of the options whose value has one
    QHash<QString, TypedOption> argumentTypes;           ///< of the arguments that have one
    QStringList required;
    QString hint;
};

const QList<CommandSpec> &commands()
{
    static const QList<CommandSpec> table = [] {
        QList<CommandSpec> read;
        for (const Row &row : Rows) {
            const QStringList required = split(row.required, ' ');
            QStringList named = split(row.options, ' ') + split(row.flags, ' ') + required;
            QList<std::pair<QString, const OptionType *>> types;
            for (const TypedOption &option : row.typed) {
                types.append({QString::fromLatin1(option.name), option.type});
                named << types.last().first;
            }
            // `--json=false` switched JSON on: a flag's value says what it means, or is refused.
            for (const QString &flag : split(row.flags, ' '))
                types.append({flag, &Flag});
            QHash<QString, TypedOption> argumentTypes;
            for (const TypedOption &argument : row.typedArguments)
                argumentTypes.insert(QString::fromLatin1(argument.name), argument);
            read << CommandSpec{split(row.words, ' '),
                                split(row.arguments, ','),
                                nameSet(named),
                                types,
                                argumentTypes,
                                required,
                                QString::fromLatin1(row.hint)};
        }
        return read;
    }();
    return table;
}

/// The command that `line` (the command word, then the positional words) names, found a word
/// at a time; else nullptr, and `error` names the word the table does not have there.
const CommandSpec *findCommand(const QStringList &line, QString *error)
{
    QStringList said;
    while (true) {
        const CommandSpec *exact = nullptr;
        QStringList next; // the words the table has after `said`
        for (const CommandSpec &c : commands()) {
            if (c.words.mid(0, said.size()) != said)
                continue;
            if (c.words.size() == said.size())
                exact = &c;
            else if (!next.contains(c.words.at(said.size())))
                next << c.words.at(said.size());
        }
        const QString word = line.value(said.size());
        if (next.contains(word)) {
            said << word;
            continue;
        }
        if (exact)
            return exact; // "audit" or "daemons" alone; a word after it is an argument
        if (said.isEmpty())
            *error = QStringLiteral("unknown command \"%1\"").arg(word);
        else if (word.isEmpty())
            *error = QStringLiteral("%1 needs a command: %2")
                         .arg(said.join(u' '), next.join(QStringLiteral(", ")));
        else
            *error = QStringLiteral("unknown %1 command \"%2\"").arg(said.join(u' '), word);
        return nullptr;
    }
}

/// "node weight takes a node id and a weight", "status takes no arguments, not "now"".
QString argumentsError(const CommandSpec &command, const QStringList &given)
{
    const QString name = command.words.join(u' ');
    const QStringList &wanted = command.arguments;
    if (wanted.isEmpty())
        return QStringLiteral("%1 takes no arguments, not \"%2\"").arg(name, given.join(u' '));
    if (wanted.size() == 1)
        return QStringLiteral("%1 takes one %2").arg(name, wanted.first());
    return QStringLiteral("%1 takes a %2 and a %3")
        .arg(name, wanted.mid(0, wanted.size() - 1).join(QStringLiteral(", a ")), wanted.last());
}

QString withHint(const QString &error, const QString &hint)
{
    return hint.isEmpty() ? error : QStringLiteral("%1 (%2)").arg(error, hint);
}

/// The first argument (`given`, as many as the command takes) or option value on the line
/// that is not of its type, said as its type says it ("--role: \"god\" is not one of viewer,
/// operator, admin, node"); empty when none. A file the engine reads is checked only when the
/// engine is this process (not `viaServer`).
QString valueError(const CommandSpec &command, const QStringList &given, const Arguments &args,
                   bool viaServer)
{
    for (qsizetype i = 0; i < given.size(); ++i) {
        const auto typed = command.argumentTypes.constFind(command.arguments.at(i));
        if (typed == command.argumentTypes.cend() || (viaServer && typed->reader == Reader::Engine))
            continue;
        if (const QString error = typed->type->argumentError(command.arguments.at(i), given.at(i));
            !error.isEmpty())
            return withHint(error, command.hint);
    }
    for (const auto &[option, type] : command.types)
        for (const QString &value : args.values(option))
            if (const QString error = type->error(option, value); !error.isEmpty())
                return error;
    return {};
}

} // namespace

const QSet<QString> &CommandTable::flags()
{
    static const QSet<QString> all = [] {
        QSet<QString> names;
        for (const Row &row : Rows)
            names += nameSet(split(row.flags, ' '));
        return names;
    }();
    return all;
}

QString CommandTable::usageError(const QString &command, const Arguments &args, bool viaServer)
{
    QString error;
    const CommandSpec *spec = findCommand(QStringList{command} + args.positional, &error);
    if (!spec)
        return error;
    // A mistyped option is named as unknown before any missing value or argument is asked for.
    if (const QStringList unknown = args.unknown(spec->known); !unknown.isEmpty())
        return QStringLiteral("unknown option %1").arg(unknown.join(u' '));
    if (const QString missingValue = args.missingValueError(); !missingValue.isEmpty())
        return missingValue;
    const QStringList given = args.positional.mid(spec->words.size() - 1);
    if (given.size() != spec->arguments.size())
        return withHint(argumentsError(*spec, given), spec->hint);
    QStringList absent;
    for (const QString &option : spec->required) {
        // `--once=false` is no --once; `--once=maybe` is said by the check of its value below.
        const bool off = flags().contains(option) && args.value(option) == QLatin1String("false");
        if (!args.has(option) || off)
            absent << QStringLiteral("--") + option;
    }
    if (!absent.isEmpty())
        return withHint(QStringLiteral("%1 needs %2")
                            .arg(spec->words.join(u' '), absent.join(QStringLiteral(" and "))),
                        spec->hint);
    return valueError(*spec, given, args, viaServer);
}
