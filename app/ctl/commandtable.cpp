// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandtable.h"

#include <QList>
#include <QStringList>

namespace {

/// A command as the table below writes it.
struct Row
{
    const char *words;
    const char *arguments = ""; ///< what each positional argument is, comma-separated
    const char *options = "";   ///< the options that take a value
    const char *flags = "";     ///< the options that take none
    const char *required = "";  ///< the options it cannot run without
    const char *hint = "";      ///< said after a missing argument or option
};

const char *const NodeSpecOptions =
    "url weight health-path tags ca-file client-cert client-key token-file";
const char *const TargetOptions =
    "url events timeout retries retry-interval batch-size "
    "rate-limit secret-file ca-file client-cert client-key token-file";
const char *const DeadLetterHint = "see sync dlq list";

// The commands in the order `--help` lists them; a command's sub-commands are named in this
// order when none is given. Kept a row a command (clang-format would give each field a line).
// clang-format off
const Row Rows[] = {
    {.words = "node add", .options = NodeSpecOptions, .flags = "json tls-insecure",
     .required = "id url"},
    {.words = "node edit", .arguments = "node id", .options = NodeSpecOptions,
     .flags = "json tls-insecure"},
    {.words = "node remove", .arguments = "node id"},
    {.words = "node list", .flags = "json"},
    {.words = "node weight", .arguments = "node id,weight"},
    {.words = "node drain", .arguments = "node id"},
    {.words = "node maint", .arguments = "node id"},
    {.words = "node ready", .arguments = "node id"},
    {.words = "node history", .arguments = "node id", .options = "limit", .flags = "json"},
    {.words = "health", .flags = "once json", .required = "once",
     .hint = "use watch for continuous checks"},
    {.words = "watch", .options = "seconds"},
    {.words = "lb pick", .options = "strategy count client-ip", .flags = "json"},
    {.words = "lb simulate",
     .options = "strategy requests rate seed capacity latency queue-limit what-if",
     .flags = "json"},
    {.words = "status", .flags = "json"},
    {.words = "config check", .arguments = "file"},
    {.words = "config show", .flags = "reveal-secrets"},
    {.words = "config versions", .flags = "json"},
    {.words = "config apply", .arguments = "file"},
    {.words = "config diff", .options = "from to"},
    {.words = "config rollback", .arguments = "version"},
    {.words = "audit", .options = "limit filter", .flags = "json"},
    {.words = "audit verify", .flags = "json"},
    {.words = "backup create", .arguments = "backup file", .options = "passphrase-file"},
    {.words = "backup verify", .arguments = "backup file", .options = "passphrase-file"},
    {.words = "backup restore", .arguments = "backup file", .options = "passphrase-file to",
     .flags = "replace", .required = "to"},
    {.words = "store copy", .options = "to", .flags = "json", .required = "to",
     .hint = "a postgresql://user@host:port/db URL"},
    {.words = "slo", .flags = "json"},
    {.words = "logs", .options = "node target since until level text limit",
     .flags = "follow json"},
    {.words = "token create", .options = "name role node", .required = "name role",
     .hint = "roles: viewer, operator, admin, node"},
    {.words = "token list", .flags = "json"},
    {.words = "token revoke", .arguments = "token name"},
    {.words = "target list", .flags = "json"},
    {.words = "target set", .arguments = "target name", .options = TargetOptions,
     .flags = "tls-insecure"},
    {.words = "target add", .arguments = "target name", .options = TargetOptions,
     .flags = "tls-insecure", .required = "url events"},
    {.words = "target remove", .arguments = "target name"},
    {.words = "target pause", .arguments = "target name"},
    {.words = "target resume", .arguments = "target name"},
    {.words = "target enable", .arguments = "target name"},
    {.words = "target disable", .arguments = "target name"},
    {.words = "sync send", .options = "type user id data mode target"},
    {.words = "sync batch", .arguments = "events file", .options = "target"},
    {.words = "sync import", .arguments = "users file", .options = "batch"},
    {.words = "sync status", .options = "target", .flags = "json"},
    {.words = "sync stats", .flags = "json"},
    {.words = "sync dlq list", .options = "target limit"},
    {.words = "sync retry", .arguments = "dead letter id", .hint = DeadLetterHint},
    {.words = "sync discard", .arguments = "dead letter id", .hint = DeadLetterHint},
    {.words = "sync replay", .options = "target since until"},
    {.words = "sync check", .options = "target", .flags = "repair"},
    {.words = "sync run", .options = "seconds lease", .flags = "until-empty"},
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
    QStringList required;
    QString hint;
};

const QList<CommandSpec> &commands()
{
    static const QList<CommandSpec> table = [] {
        QList<CommandSpec> read;
        for (const Row &row : Rows) {
            const QStringList required = split(row.required, ' ');
            read << CommandSpec{split(row.words, ' '), split(row.arguments, ','),
                                nameSet(split(row.options, ' ') + split(row.flags, ' ') + required),
                                required, QString::fromLatin1(row.hint)};
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

QString CommandTable::usageError(const QString &command, const Arguments &args)
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
    for (const QString &option : spec->required)
        if (!args.has(option))
            absent << QStringLiteral("--") + option;
    if (!absent.isEmpty())
        return withHint(QStringLiteral("%1 needs %2")
                            .arg(spec->words.join(u' '), absent.join(QStringLiteral(" and "))),
                        spec->hint);
    return {};
}
