// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "optiontype.h"

/// The types of jobfirstctl's option values, each defined once: the command table checks a
/// command line's values with them and the commands read the values with the same ones.
namespace OptionTypes {

extern const OptionType NodeUrl;      ///< node add/edit --url: the engine's node URL rule
extern const OptionType NodeWeight;   ///< --weight, and node weight's W: 1..256
extern const OptionType Flag;         ///< a flag's value: --json=true|false
extern const OptionType ShortLimit;   ///< --limit of node history and logs
extern const OptionType LongLimit;    ///< --limit of audit and sync dlq list
extern const OptionType Seconds;      ///< watch and sync run --seconds: how long to run
extern const OptionType Lease;        ///< sync run --lease: the engine's lease rule (3-300 s)
extern const OptionType PickStrategy; ///< lb pick --strategy
extern const OptionType SimulatedStrategies; ///< lb simulate --strategy: all, or a list
extern const OptionType PickCount;
extern const OptionType Requests;
extern const OptionType Rate;
extern const OptionType Seed;
extern const OptionType Capacity;
extern const OptionType LatencyMs;
extern const OptionType QueueLimit;
extern const OptionType ReadableFile;  ///< a file jobfirstctl reads itself
extern const OptionType ConfigVersion; ///< config diff --from/--to, config rollback VERSION
extern const OptionType Time;          ///< --since, --until
extern const OptionType MinLogLevel;
extern const OptionType TokenRole; ///< token create --role
extern const OptionType StoreUrl;  ///< store copy --to
extern const OptionType TargetUrl;
extern const OptionType EventTypes; ///< target --events
extern const OptionType TargetTimeout;
extern const OptionType Retries;
extern const OptionType RetryInterval;
extern const OptionType BatchSize;    ///< target --batch-size
extern const OptionType RateLimit;    ///< target --rate-limit
extern const OptionType EventData;    ///< sync send --data: a JSON object
extern const OptionType DeliveryMode; ///< sync send --mode
extern const OptionType ImportBatch;  ///< sync import --batch
extern const OptionType DeadLetterId; ///< sync retry|discard ID

} // namespace OptionTypes
