// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace jobfirst {

enum class Strategy { RoundRobin, LeastConnections, WeightedRoundRobin, IpHash, PowerOfTwo };

/// The names used in config files and on the command line ("round-robin", ...).
QString strategyName(Strategy s);
std::optional<Strategy> strategyFromName(const QString &name);
QList<Strategy> allStrategies();

} // namespace jobfirst
