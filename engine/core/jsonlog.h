// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QString>

namespace jobfirst {

/// Log lines as one JSON object each on stderr (journald keeps them as they are):
/// {"time", "level", "component", "message", "fields"}. Thread-safe.
void logJson(const QString &level, const QString &component, const QString &message, const QJsonObject &fields = {});
/// Sends Qt's own messages (qWarning, ...) through logJson; "component: text" messages keep
/// their component. `minimumLevel` is the config's log_level (debug, info, warning, error).
void installJsonLog(const QString &minimumLevel);

} // namespace jobfirst
