// SPDX-License-Identifier: GPL-3.0-or-later
#include "balance/strategy.h"

namespace jobfirst {

QString strategyName(Strategy s)
{
    switch (s) {
    case Strategy::RoundRobin: return QStringLiteral("round-robin");
    case Strategy::LeastConnections: return QStringLiteral("least-connections");
    case Strategy::WeightedRoundRobin: return QStringLiteral("weighted-round-robin");
    case Strategy::IpHash: return QStringLiteral("ip-hash");
    case Strategy::PowerOfTwo: return QStringLiteral("power-of-two");
    }
    return {};
}

QList<Strategy> allStrategies()
{
    return {Strategy::RoundRobin, Strategy::LeastConnections, Strategy::WeightedRoundRobin,
            Strategy::IpHash, Strategy::PowerOfTwo};
}

std::optional<Strategy> strategyFromName(const QString &name)
{
    for (Strategy s : allStrategies())
        if (strategyName(s) == name)
            return s;
    return std::nullopt;
}

} // namespace jobfirst
