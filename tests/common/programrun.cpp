// SPDX-License-Identifier: GPL-3.0-or-later
#include "programrun.h"

#include <QProcess>

ProgramRun runProgram(const QString &program, const QStringList &args,
                      const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    const bool ended = p.waitForFinished(30000);
    if (!ended)
        p.kill();
    const bool normal = ended && p.exitStatus() == QProcess::NormalExit;
    return ProgramRun{normal ? p.exitCode() : -1, p.readAllStandardOutput(),
                      p.readAllStandardError()};
}
