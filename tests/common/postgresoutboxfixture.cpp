// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresoutboxfixture.h"

#include "nodesimprocess.h"
#include "store/postgresschema.h"
#include "store/postgresurl.h"
#include "sync/syncevent.h"

#include <QJsonDocument>

#include <future>

using namespace jobfirst;

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

int partitionsHeldBy(const PostgresServer &pg, qint64 pid)
{
    return pg
        .psql(QStringLiteral("SELECT COUNT(*) FROM partition_leases WHERE holder LIKE '%:%1:%'")
                  .arg(pid))
        .toInt();
}

QJsonArray oneTarget(const QString &name, const NodeSimProcess &target)
{
    return QJsonArray{
        QJsonObject{{QStringLiteral("name"), name},
                    {QStringLiteral("url"), target.url() + QStringLiteral("/sync")},
                    {QStringLiteral("events"), QJsonArray{QStringLiteral("user.created")}}}};
}

bool finish(OutboxStore &store)
{
    std::promise<bool> done;
    store.finish([&done](bool ok, const QString &) { done.set_value(ok); });
    return done.get_future().get();
}

OutboxItem eventItem(const QString &id, const QString &user, qint64 now)
{
    SyncEvent e;
    e.eventId = id;
    e.type = QStringLiteral("user.created");
    e.userId = user;
    e.createdAt = now;
    OutboxItem item{e, {QStringLiteral("t")}, 0, false, {}, {}};
    item.payload = e.toPayload();
    return item;
}

OutboxRequest eventWrite(const QString &id, const QString &user, qint64 now)
{
    OutboxRequest write(std::in_place_type<EventWrite>);
    std::get<EventWrite>(write).items = {eventItem(id, user, now)};
    return write;
}

DeliveryOutcome done(qint64 id, qint64 version)
{
    DeliveryOutcome d;
    d.kind = DeliveryOutcome::Done;
    d.id = id;
    d.target = QStringLiteral("t");
    d.version = version;
    d.attempts = 1;
    return d;
}

std::shared_ptr<std::vector<DeliveryOutcome>>
acknowledged(qint64 id, qint64 version, const QString &user, const QString &eventId)
{
    DeliveryOutcome acked = done(id, version);
    acked.user = user;
    acked.eventId = eventId;
    return std::make_shared<std::vector<DeliveryOutcome>>(1, acked);
}

QList<int> allPartitions()
{
    QList<int> all;
    for (int p = 0; p < PostgresSchema::Partitions; ++p)
        all << p;
    return all;
}

QString TwoStores::start()
{
    if (!pg.start(false))
        return QStringLiteral("the server did not start");
    const PostgresUrl url = PostgresUrl::parse(pg.url()).value();
    for (auto *store : {&a, &b}) {
        auto opened = PostgresOutboxStore::open(url);
        if (!opened)
            return opened.error().message;
        *store = std::move(opened).value();
    }
    return {};
}
