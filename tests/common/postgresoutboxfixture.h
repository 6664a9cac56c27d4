// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "daemonprocess.h"
#include "postgresserver.h"
#include "store/postgresoutboxstore.h"
#include "sync/deliveryoutcome.h"
#include "sync/outboxrequest.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <memory>
#include <vector>

class NodeSimProcess;

// What the PostgreSQL outbox tests (tst_postgresoutbox, tst_postgresleases,
// tst_postgresfaults) share: who holds the partitions, and the outbox store driven as the
// outbox writer and the delivery engine do.

QByteArray json(const QJsonObject &o);
/// How many partitions' leases the daemon with process id `pid` holds.
int partitionsHeldBy(const PostgresServer &pg, qint64 pid);
/// A config's "targets": `target` as `name`, taking user.created events.
QJsonArray oneTarget(const QString &name, const NodeSimProcess &target);

/// Commits a group the way the outbox writer does: its statements, then its COMMIT
/// (finish()); answers whether the COMMIT succeeded.
bool finish(jobfirst::OutboxStore &store);
/// A user.created event of `user` for target t, as the outbox writer hands it on.
jobfirst::OutboxItem eventItem(const QString &id, const QString &user, qint64 now);
jobfirst::OutboxRequest eventWrite(const QString &id, const QString &user, qint64 now);
/// An outcome of row `id` (to target t) acknowledged at its first attempt.
jobfirst::DeliveryOutcome done(qint64 id, qint64 version);
/// The success of row `id` for `user`'s event `eventId`, as the batch an engine hands on.
std::shared_ptr<std::vector<jobfirst::DeliveryOutcome>>
acknowledged(qint64 id, qint64 version, const QString &user, const QString &eventId);
/// Every partition, for a reader that reads them all.
QList<int> allPartitions();

/// A server of the test's own and two outbox stores on it, as two daemons' writers.
struct TwoStores
{
    PostgresServer pg;
    std::unique_ptr<jobfirst::PostgresOutboxStore> a, b;
    /// Starts the server and opens both stores: "" or what failed.
    QString start();
};
