// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/sentence.h"

#include <QString>
#include <QStringList>

namespace jobfirst {

/// What a sync target's settings may be: the config reader holds a target to these, and
/// jobfirstctl checks `target add|set` options against the same before it opens a store.
namespace TargetRules {

constexpr qint64 MinTimeoutMs = 10;
constexpr qint64 MaxTimeoutMs = 600000;
constexpr qint64 MinRetryIntervalMs = 1;
constexpr qint64 MaxRetryIntervalMs = 3600000;
constexpr int MaxRetries = 100;
constexpr int MaxBatchSize = 1000;
constexpr double MaxRateLimit = 1e6; ///< requests per second; 0 is unlimited

/// The event types a target may take ("user.created", …, "state").
const QStringList &eventTypes();
/// What is wrong with a target URL (at most ClusterConfig::MaxUrlBytes), said after the value ("is
/// not an http(s) URL with a host"); empty when it is accepted.
Sentence urlFault(const QString &url);
/// True when `url` holds a user name or password: a message must not repeat it.
bool holdsCredentials(const QString &url);

} // namespace TargetRules

} // namespace jobfirst
