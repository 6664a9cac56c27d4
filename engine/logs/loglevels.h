// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace jobfirst {

/// The log levels from the lowest: debug, info, warning, error (logLevelRank() is the index).
const QStringList &logLevels();

} // namespace jobfirst
