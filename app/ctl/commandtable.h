// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "arguments.h"

#include <QSet>
#include <QString>

/// Every jobfirstctl command: its words, the arguments after them, the options it takes and
/// the type of each option's value (OptionTypes). main() checks a command line against it
/// before it opens a store (which makes the file) or contacts a daemon, so that a usage error,
/// a value of the wrong kind among them, changes nothing; the commands read the values with
/// the same types.
class CommandTable final
{
public:
    /// The options that take no value: how a command line is split into Arguments.
    static const QSet<QString> &flags();
    /// What is wrong with `command` and `args` (the words after it) as a usage error that
    /// names it; empty when the table has the command, it is given all it needs and each
    /// option's and argument's value is of its type. `viaServer`: the command runs on a
    /// jobfirstd, whose files (a backup's) are on its machine and not checked here.
    static QString usageError(const QString &command, const Arguments &args, bool viaServer);
};
