// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/postgresprobe.h"

#include "store/postgressilencewatch.h"
#include "store/postgresurl.h"

#include <libpq-fe.h>

#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace jobfirst {

struct PostgresProbe::Shared
{
    QByteArray connInfo;
    QString location;
    int everyMs;
    std::mutex mutex;
    std::condition_variable wake;
    bool running = false;
    bool stopped = false;
    QString reason; ///< the latest failure
};

namespace {

/// One try: empty when the server answered, else what went wrong.
QString tryServer(const QByteArray &connInfo, const QString &location)
{
    PGconn *connection = PQconnectdb(connInfo.constData());
    QString failure;
    if (PQstatus(connection) != CONNECTION_OK) {
        failure = QString::fromUtf8(PQerrorMessage(connection)).simplified();
    } else {
        PostgresSilenceWatch silence(connection, PostgresUrl::silenceLimitMs(), location);
        PGresult *result = PQexec(connection, "SELECT 1");
        if (PQresultStatus(result) != PGRES_TUPLES_OK)
            failure = silence.cut() ? silence.reason()
                                    : QString::fromUtf8(PQerrorMessage(connection)).simplified();
        PQclear(result);
    }
    PQfinish(connection);
    return failure;
}

} // namespace

PostgresProbe::PostgresProbe(QByteArray connInfo, QString location, int everyMs)
    : m_shared(std::make_shared<Shared>())
{
    m_shared->connInfo = std::move(connInfo);
    m_shared->location = std::move(location);
    m_shared->everyMs = everyMs;
}

PostgresProbe::~PostgresProbe()
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->stopped = true;
    m_shared->wake.notify_all();
}

void PostgresProbe::start(const QString &reason)
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->reason = reason;
    if (m_shared->running)
        return;
    m_shared->running = true;
    std::thread([shared = m_shared] {
        pthread_setname_np(pthread_self(), "jf-pg-probe");
        run(shared);
    }).detach();
}

bool PostgresProbe::waiting(QString *reason) const
{
    std::lock_guard lock(m_shared->mutex);
    if (m_shared->running && reason)
        *reason = QStringLiteral("%1 (trying the server every %2 s)")
                      .arg(m_shared->reason)
                      .arg(m_shared->everyMs / 1000.0);
    return m_shared->running;
}

void PostgresProbe::run(const std::shared_ptr<Shared> &shared)
{
    for (;;) {
        const QString failure = tryServer(shared->connInfo, shared->location);
        std::unique_lock lock(shared->mutex);
        if (failure.isEmpty() || shared->stopped) {
            shared->running = false;
            return;
        }
        shared->reason = QStringLiteral("PostgreSQL store %1 cannot be reached: %2")
                             .arg(shared->location, failure);
        shared->wake.wait_for(lock, std::chrono::milliseconds(shared->everyMs),
                              [&] { return shared->stopped; });
        if (shared->stopped) {
            shared->running = false;
            return;
        }
    }
}

} // namespace jobfirst
