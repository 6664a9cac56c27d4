// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "host/engineoptions.h"
#include "store/clusterstatestore.h"

#include <memory>

#include <QString>

namespace jobfirst {

/// Reads `--db` and `--local-db` into `options`. `--db FILE`: everything in that SQLite
/// store. `--db postgresql://user@host:port/db`: the sync outbox and the cluster state (nodes,
/// health, config versions, audit) in PostgreSQL, shared by the daemons using it, and what is
/// per engine (logs, import checkpoints) in the SQLite file `--local-db`, then required. The error
/// names what is wrong with the URL ("store.bad_url"); whether the server answers is found when the
/// engine starts.
Status setStoreLocation(EngineOptions &options, const QString &db, const QString &localDb);

/// A connection of its own, on the calling thread, to the cluster state of `options` (nodes,
/// health, config versions, audit): the SQLite store, or PostgreSQL with an outbox URL.
Result<std::unique_ptr<ClusterStateStore>> openClusterState(const EngineOptions &options);

} // namespace jobfirst
