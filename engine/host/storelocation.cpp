// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/storelocation.h"

#include "store/postgresstatestore.h"
#include "store/postgresurl.h"
#include "store/store.h"

namespace jobfirst {

Status setStoreLocation(EngineOptions &options, const QString &db, const QString &localDb)
{
    if (!PostgresUrl::isUrl(db)) {
        if (!localDb.isEmpty())
            return makeError(QStringLiteral("store.bad_option"),
                             QStringLiteral("--local-db is only for --db postgresql://…; with "
                                            "--db FILE everything is in that file"));
        options.dbPath = db;
        options.outboxUrl.clear();
        return {};
    }
    auto url = PostgresUrl::parse(db);
    if (!url)
        return url.error();
    if (localDb.isEmpty())
        return makeError(
            QStringLiteral("store.bad_option"),
            QStringLiteral("--db %1 keeps the sync outbox, nodes, config, audit, SLO history and "
                           "API tokens in PostgreSQL; logs and import checkpoints still live in "
                           "a SQLite file of this engine: give it with --local-db FILE")
                .arg(url->toString()));
    options.dbPath = localDb;
    options.outboxUrl = db;
    return {};
}

Result<std::unique_ptr<ClusterStateStore>> openClusterState(const EngineOptions &options)
{
    if (!options.outboxUrl.isEmpty()) {
        auto shared = PostgresStateStore::open(options.outboxUrl);
        if (!shared)
            return shared.error();
        return std::unique_ptr<ClusterStateStore>(std::move(shared).value());
    }
    auto store = Store::open(options.dbPath);
    if (!store)
        return store.error();
    return std::unique_ptr<ClusterStateStore>(std::move(store).value());
}

} // namespace jobfirst
