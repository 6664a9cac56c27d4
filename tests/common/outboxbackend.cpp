// SPDX-License-Identifier: GPL-3.0-or-later
#include "outboxbackend.h"

#include "postgresserver.h"
#include "store/postgresretentionpruner.h"
#include "store/postgresurl.h"

#include <QtTest>

#include <future>
#include <memory>

bool OutboxBackend::postgres()
{
    return qEnvironmentVariable("JOBFIRST_TEST_OUTBOX") == QLatin1String("postgresql");
}

QString OutboxBackend::unavailable()
{
    if (!postgres() || !PostgresServer::binDir().isEmpty() || qEnvironmentVariableIsSet("CI"))
        return {};
    return QStringLiteral("PostgreSQL is not installed (scripts/bootstrap installs it)");
}

QString OutboxBackend::outbox(const QString &storePath)
{
    if (!postgres())
        return storePath;
    static std::unique_ptr<PostgresServer> server;
    static int databases = 0;
    if (!server) {
        server = std::make_unique<PostgresServer>();
        // Not durable: these tests are about the engine, and fsync on the shared disk is slow.
        if (!server->start(false)) {
            server.reset();
            QWARN("PostgreSQL could not be started");
            return {};
        }
    }
    const QString name = QStringLiteral("outbox%1").arg(++databases);
    server->psql(QStringLiteral("CREATE DATABASE %1 OWNER %2").arg(name, server->user()));
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
        .arg(server->user())
        .arg(server->port())
        .arg(name);
}

QSqlDatabase OutboxBackend::open(const QString &outbox, const QString &name)
{
    if (jobfirst::PostgresUrl::isUrl(outbox)) {
        auto db = jobfirst::PostgresUrl::parse(outbox).value().connect(name);
        return db ? db.value() : QSqlDatabase();
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(outbox);
    db.open();
    return db;
}

jobfirst::Result<jobfirst::OutboxStore::Summary>
OutboxBackend::commit(jobfirst::OutboxStore &store,
                      const std::vector<jobfirst::OutboxRequest *> &group, qint64 now)
{
    auto summary = store.commit(group, now);
    if (!summary)
        return summary;
    std::promise<QString> done;
    store.finish([&done](bool ok, const QString &error) {
        done.set_value(ok ? QString() : error.isEmpty() ? QStringLiteral("not committed") : error);
    });
    if (const QString error = done.get_future().get(); !error.isEmpty())
        return jobfirst::makeError(QStringLiteral("store.unavailable"), error);
    return summary;
}

jobfirst::Result<jobfirst::PruneCounts> OutboxBackend::prune(const QString &outbox, qint64 cutoffMs,
                                                             int batchRows)
{
    return jobfirst::PostgresUrl::isUrl(outbox)
               ? jobfirst::PostgresRetentionPruner::pruneOnce(outbox, cutoffMs, batchRows)
               : jobfirst::RetentionPruner::pruneOnce(outbox, cutoffMs, batchRows);
}
