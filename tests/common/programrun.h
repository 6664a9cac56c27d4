// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

/// A program run to its end, as a user runs it from a shell.
struct ProgramRun
{
    int code = -1; ///< the exit code; -1 when it crashed or did not end in time
    QByteArray out;
    QByteArray err;
};

/// Runs `program` with `args` in `env` and waits for it to end (30 s at most).
ProgramRun runProgram(const QString &program, const QStringList &args,
                      const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
