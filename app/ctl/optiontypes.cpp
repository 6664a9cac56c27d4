// SPDX-License-Identifier: GPL-3.0-or-later
#include "optiontypes.h"

#include "api/role.h"
#include "balance/strategy.h"
#include "cluster/node.h"
#include "cluster/nodeweight.h"
#include "config/targetrules.h"
#include "core/urltext.h"
#include "host/leaseoption.h"
#include "logs/loglevels.h"
#include "store/postgresurl.h"

#include <limits>

using namespace jobfirst;

namespace {

QStringList strategyNames()
{
    QStringList names;
    for (const Strategy s : allStrategies())
        names << strategyName(s);
    return names;
}

QStringList roleNames()
{
    QStringList names;
    for (const Role r : {Role::Viewer, Role::Operator, Role::Admin, Role::Node})
        names << roleName(r);
    return names;
}

/// The message of a failed engine check; empty when it passed.
QString faultOf(const Status &s)
{
    return s ? QString() : s.error().message;
}

QString leaseFault(const QString &seconds)
{
    EngineOptions scratch;
    return faultOf(setLeaseOption(scratch, seconds));
}

/// The config's rule for a target URL, the URL named without a user name or password.
QString targetUrlFault(const QString &url)
{
    const Sentence fault = TargetRules::urlFault(url);
    return fault.isEmpty()
               ? QString()
               : QStringLiteral("\"%1\" %2").arg(withoutUserInfo(url).left(200), fault.english());
}

/// Its other faults are said by the copy, which parses it before it connects.
QString storeUrlFault(const QString &url)
{
    return PostgresUrl::isUrl(url)
               ? QString()
               : QStringLiteral("\"%1\" is not a postgresql:// URL").arg(withoutUserInfo(url));
}

} // namespace

namespace OptionTypes {

const OptionType NodeUrl =
    OptionType::checkedBy([](const QString &url) { return faultOf(NodeSpec::validateUrl(url)); });
const OptionType NodeWeight = OptionType::integer(MinNodeWeight, MaxNodeWeight);
const OptionType Flag = OptionType::oneOf({QStringLiteral("true"), QStringLiteral("false")});
const OptionType ShortLimit = OptionType::integer(1, 100000);
const OptionType LongLimit = OptionType::integer(1, 1000000);
const OptionType Seconds = OptionType::number(0, 1e7);
const OptionType Lease = OptionType::checkedBy(leaseFault);
const OptionType PickStrategy = OptionType::oneOf(strategyNames());
const OptionType SimulatedStrategies = OptionType::listOf(strategyNames(), QStringLiteral("all"));
const OptionType PickCount = OptionType::integer(1, 100000000);
const OptionType Requests = OptionType::integer(1, 100000000);
const OptionType Rate = OptionType::number(1e-3, 1e9);
const OptionType Seed = OptionType::integer(0, std::numeric_limits<qint64>::max());
const OptionType Capacity = OptionType::integer(1, 100000);
const OptionType LatencyMs = OptionType::number(1e-3, 600000);
const OptionType QueueLimit = OptionType::integer(0, 10000000);
const OptionType ReadableFile = OptionType::readableFile();
const OptionType ConfigVersion = OptionType::integer(0, std::numeric_limits<int>::max());
const OptionType Time = OptionType::isoTime();
const OptionType MinLogLevel = OptionType::oneOf(logLevels());
const OptionType TokenRole = OptionType::oneOf(roleNames());
const OptionType StoreUrl = OptionType::checkedBy(storeUrlFault);
const OptionType TargetUrl = OptionType::checkedBy(targetUrlFault);
const OptionType EventTypes = OptionType::listOf(TargetRules::eventTypes());
const OptionType TargetTimeout =
    OptionType::duration(TargetRules::MinTimeoutMs, TargetRules::MaxTimeoutMs);
const OptionType Retries = OptionType::integer(0, TargetRules::MaxRetries);
const OptionType RetryInterval =
    OptionType::duration(TargetRules::MinRetryIntervalMs, TargetRules::MaxRetryIntervalMs);
const OptionType BatchSize = OptionType::integer(1, TargetRules::MaxBatchSize);
const OptionType RateLimit = OptionType::number(0, TargetRules::MaxRateLimit);
const OptionType EventData = OptionType::jsonObject();
const OptionType DeliveryMode =
    OptionType::oneOf({QStringLiteral("real-time"), QStringLiteral("near-real-time")});
const OptionType ImportBatch = OptionType::integer(1, 1000000);
const OptionType DeadLetterId = OptionType::integer(1, std::numeric_limits<qint64>::max());

} // namespace OptionTypes
