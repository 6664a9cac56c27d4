// SPDX-License-Identifier: GPL-3.0-or-later
#include "logs/logentry.h"

namespace jobfirst {

int logLevelRank(const QString &level)
{
    static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error")};
    return int(levels.indexOf(level));
}

} // namespace jobfirst
