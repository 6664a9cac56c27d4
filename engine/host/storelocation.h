// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "host/engineoptions.h"

#include <QString>

namespace jobfirst {

/// Reads `--db` and `--local-db` into `options`. `--db FILE`: everything in that SQLite
/// store. `--db postgresql://user@host:port/db`: the sync outbox in PostgreSQL (shared by the
/// daemons using it) and the rest (nodes, config, audit, tokens, logs, SLO history) in the
/// SQLite file `--local-db`, which is then required. The error names what is wrong with the
/// URL ("store.bad_url"); whether the server answers is found when the engine starts.
Status setStoreLocation(EngineOptions &options, const QString &db, const QString &localDb);

} // namespace jobfirst
