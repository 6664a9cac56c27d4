// SPDX-License-Identifier: GPL-3.0-or-later
#include "host/storelocation.h"

#include "store/postgresurl.h"

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
            QStringLiteral("--db %1 keeps the sync outbox in PostgreSQL; nodes, config, audit and "
                           "tokens still live in a SQLite file of this engine: give it with "
                           "--local-db FILE")
                .arg(url->toString()));
    options.dbPath = localDb;
    options.outboxUrl = db;
    return {};
}

} // namespace jobfirst
