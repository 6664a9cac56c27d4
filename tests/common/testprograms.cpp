// SPDX-License-Identifier: GPL-3.0-or-later
#include "testprograms.h"

namespace TestPrograms {

QString nodesim()
{
    return QStringLiteral(JOBFIRST_NODESIM);
}

QString ctl()
{
    return QStringLiteral(JOBFIRST_CTL);
}

QString daemon()
{
    return QStringLiteral(JOBFIRST_DAEMON);
}

QString sourceDir()
{
    return QStringLiteral(JOBFIRST_SOURCE_DIR);
}

} // namespace TestPrograms
