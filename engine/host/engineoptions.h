// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/deliverylease.h"

#include <QString>

namespace jobfirst {

/// How an engine is opened: which store and config, and which of its loops run. The console
/// and jobfirstd run everything; jobfirstctl's one-shot commands run none of the loops.
struct EngineOptions
{
    /// The SQLite store file (logs, import checkpoints; and nodes, health, config versions,
    /// audit and the sync outbox unless outboxUrl is set).
    QString dbPath;
    /// A postgresql:// URL: the sync outbox (events, deliveries, attempts, ledger, target
    /// state, the delivery leases) and the cluster state (nodes, health, config versions, the
    /// audit chain) live there instead, shared by every daemon using it.
    QString outboxUrl;
    /// With outboxUrl: how often the shared state is polled for changes of other daemons
    /// whose notification was missed (LISTEN/NOTIFY tells at once otherwise).
    int statePollMs = 5000;
    /// How long the partitions' leases (or a SQLite store's one delivery lease) this engine
    /// claims last after its last claim (--lease): a SIGKILLed process's share passes on
    /// then. What derives from it follows (the renewal cadence, the connections' silence
    /// limit, PostgresUrl::silenceLimitMs()). One per process: the engine opened last sets it.
    qint64 leaseMs = DeliveryLease::DefaultTtlMs;
    /// The config file, watched and hot-reloaded. Empty: the latest config version kept in the
    /// store, or the defaults for a new store.
    QString configPath;
    /// A configPath that does not exist is written: the store's latest config version, or a
    /// new config with fresh random secrets for a store that has none. Without it, a
    /// missing file is an error naming the path, and nothing is created: a mistyped --config
    /// must not start a new cluster config unnoticed.
    bool createConfig = false;
    bool demo = false;         ///< run the demo workload (events and traffic)
    /// Requests are routed through this engine and counted by it (the console, jobfirstd).
    /// jobfirstctl routes none: its cluster stats say the request figures are not known.
    bool countsRequests = true;
    int refreshMs = 1000;      ///< snapshot interval; 0 pauses snapshots
    bool deliver = true;       ///< run the delivery engine (it still stands by for a lease)
    bool healthChecks = true;  ///< run active health checks
    bool watchConfig = true;   ///< hot-reload the config file when it changes
    /// Record the config the engine starts with as a version when it differs from the latest
    /// (one-shot commands do not: only changes they make are versions).
    bool recordStartConfig = true;
    /// An incident whose condition the engine cannot watch (a store problem, a failed backup)
    /// ends when it has not been raised again for this long.
    qint64 quietAlertMs = 10 * 60 * 1000;
};

} // namespace jobfirst
