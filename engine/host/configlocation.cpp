// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/configlocation.h"

#include <QFileInfo>

namespace jobfirst {

Status checkConfigLocation(const EngineOptions &options)
{
    if (options.configPath.isEmpty() || options.createConfig ||
        QFileInfo::exists(options.configPath))
        return {};
    return makeError(QStringLiteral("config.missing"),
                     QStringLiteral("%1: no such config file (check the path; --create-config "
                                    "makes one there: the store's latest config, or new)")
                         .arg(options.configPath));
}

} // namespace jobfirst
