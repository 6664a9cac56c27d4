// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>

namespace jobfirst {

/// Parses "500ms", "30s", "2m", "1h", "30d" or a sum like "1m30s" into milliseconds.
Result<qint64> parseDuration(const QString &text);

/// Formats milliseconds the way parseDuration reads them ("1500ms" → "1500ms", 30000 → "30s").
QString formatDuration(qint64 ms);

} // namespace jobfirst
