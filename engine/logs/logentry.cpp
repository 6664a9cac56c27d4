// SPDX-License-Identifier: GPL-3.0-or-later
#include "logs/logentry.h"
#include "logs/loglevels.h"

namespace jobfirst {

const QStringList &logLevels()
{
    static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                       QStringLiteral("warning"), QStringLiteral("error")};
    return levels;
}

int logLevelRank(const QString &level)
{
    return int(logLevels().indexOf(level));
}

} // namespace jobfirst
