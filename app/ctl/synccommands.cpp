// SPDX-License-Identifier: GPL-3.0-or-later
#include "ctlcontext.h"

int runSyncCommand(CtlContext &ctx, const Arguments &args)
{
    return ctx.usage(QStringLiteral("unknown sync command \"%1\"").arg(args.positional.value(0)));
}
