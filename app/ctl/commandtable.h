// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "arguments.h"

#include <QSet>
#include <QString>

/// Every jobfirstctl command: its words, the arguments after them and the options it takes.
/// main() checks a command line against it before it opens a store (which makes the file) or
/// contacts a daemon, so that a usage error changes nothing; the commands then check only
/// their options' values.
class CommandTable final
{
public:
    /// The options that take no value: how a command line is split into Arguments.
    static const QSet<QString> &flags();
    /// What is wrong with `command` and `args` (the words after it) as a usage error that
    /// names it; empty when the table has the command and it is given all it needs.
    static QString usageError(const QString &command, const Arguments &args);
};
