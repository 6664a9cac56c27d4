// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/outboxstore.h"

#include "store/outboxreader.h"
#include "store/postgresoutboxreader.h"
#include "store/postgresoutboxstore.h"
#include "store/sqliteoutboxreader.h"
#include "store/sqliteoutboxstore.h"

namespace jobfirst {

Result<std::unique_ptr<OutboxStore>> OutboxStore::open(const QString &location)
{
    if (PostgresUrl::isUrl(location)) {
        auto url = PostgresUrl::parse(location);
        if (!url)
            return url.error();
        auto store = PostgresOutboxStore::open(url.value());
        if (!store)
            return store.error();
        return std::unique_ptr<OutboxStore>(std::move(store).value());
    }
    auto store = SqliteOutboxStore::open(location);
    if (!store)
        return store.error();
    return std::unique_ptr<OutboxStore>(std::move(store).value());
}

Result<std::unique_ptr<OutboxReader>> OutboxReader::open(const QString &location)
{
    if (PostgresUrl::isUrl(location)) {
        auto url = PostgresUrl::parse(location);
        if (!url)
            return url.error();
        auto reader = PostgresOutboxReader::open(url.value());
        if (!reader)
            return reader.error();
        return std::unique_ptr<OutboxReader>(std::move(reader).value());
    }
    auto reader = SqliteOutboxReader::open(location);
    if (!reader)
        return reader.error();
    return std::unique_ptr<OutboxReader>(std::move(reader).value());
}

} // namespace jobfirst
