// SPDX-License-Identifier: GPL-3.0-or-later
#include "demo/demoworkload.h"

#include "cluster/clustermanager.h"
#include "core/stallwatch.h"
#include "sync/syncservice.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace jobfirst {

namespace {
constexpr int TickMs = 100;
constexpr int TransferTimeoutMs = 3000;

/// A failed request in the health checks' words ("bad status 503", "timeout after 3000 ms"),
/// which the console says in its language. The HTTP client's own sentence ("Error
/// transferring http://… - server replied: Service Unavailable") reached the Alerts page
/// as it came, in English in the Chinese console too (walk23).
QString failureReason(const QNetworkReply &reply)
{
    const QVariant status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid())
        return QStringLiteral("bad status %1").arg(status.toInt());
    if (reply.error() == QNetworkReply::OperationCanceledError) // the transfer timeout
        return QStringLiteral("timeout after %1 ms").arg(TransferTimeoutMs);
    return reply.errorString(); // "Connection refused", as the console words it
}
} // namespace

DemoWorkload::DemoWorkload(ClusterManager *cluster, SyncService *sync, QObject *parent)
    : QObject(parent), m_cluster(cluster), m_sync(sync), m_nam(new QNetworkAccessManager(this)), m_timer(new QTimer(this)),
      m_stallWatch(StallWatch::shared())
{
    m_timer->setInterval(TickMs);
    connect(m_timer, &QTimer::timeout, this, &DemoWorkload::tick);
}

void DemoWorkload::setRates(int eventsPerSecond, int requestsPerSecond)
{
    m_eventsPerSecond = std::max(0, eventsPerSecond);
    m_requestsPerSecond = std::max(0, requestsPerSecond);
}

void DemoWorkload::start() { m_timer->start(); }
void DemoWorkload::stop() { m_timer->stop(); }

void DemoWorkload::tick()
{
    m_eventDebt += m_eventsPerSecond * TickMs / 1000.0;
    m_requestDebt += m_requestsPerSecond * TickMs / 1000.0;
    const int events = int(m_eventDebt);
    const int requests = int(m_requestDebt);
    m_eventDebt -= events;
    m_requestDebt -= requests;
    if (events > 0)
        sendEvents(events);
    if (requests > 0)
        sendRequests(requests);
}

void DemoWorkload::sendEvents(int count)
{
    static const QStringList types = {QStringLiteral("user.updated"), QStringLiteral("user.login"),
                                      QStringLiteral("user.created"), QStringLiteral("user.permissions"),
                                      QStringLiteral("user.quota"),   QStringLiteral("user.status"),
                                      QStringLiteral("session")};
    static const QStringList roles = {QStringLiteral("job_seeker"), QStringLiteral("recruiter"), QStringLiteral("admin")};
    QList<SyncEvent> events;
    for (int i = 0; i < count; ++i) {
        const int user = std::uniform_int_distribution<int>(1, 5000)(m_random);
        SyncEvent e;
        e.type = types.at(std::uniform_int_distribution<int>(0, int(types.size()) - 1)(m_random));
        e.userId = QStringLiteral("user-%1").arg(user);
        e.data = {{QStringLiteral("username"), QStringLiteral("user%1").arg(user)},
                  {QStringLiteral("email"), QStringLiteral("user%1@jobfirst.cn").arg(user)},
                  {QStringLiteral("role"), roles.at(user % 3)},
                  {QStringLiteral("status"), QStringLiteral("active")}};
        if (e.type == u"session" || e.type == u"user.login")
            e.data.insert(QStringLiteral("token"), QStringLiteral("jwt-demo-%1-%2").arg(user).arg(m_random()));
        events << e;
    }
    // Earlier ticks' answers, read once they are in; a refusal is said once, in the log.
    std::erase_if(m_queued, [](OutboxWriter::Accepted &queued) {
        if (queued.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            return false;
        if (auto r = queued.get(); !r)
            qWarning("demo: %s", qPrintable(r.error().message));
        return true;
    });
    m_queued.push_back(m_sync->submit(events));
}

void DemoWorkload::sendRequests(int count)
{
    for (int i = 0; i < count && m_inFlight < 64; ++i) {
        const QString client = QStringLiteral("10.0.%1.%2").arg(m_random() % 8).arg(m_random() % 250);
        auto pick = m_cluster->selectNode(client);
        if (!pick)
            return; // nothing may take traffic: the console shows why
        const NodePick p = pick.value();
        QNetworkRequest request(QUrl(p.url.toString() + QStringLiteral("/api/v1/jobs")));
        request.setTransferTimeout(TransferTimeoutMs);
        QNetworkReply *reply = m_nam->get(request);
        ++m_inFlight;
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        const qint64 startedNs = StallWatch::nowNs();
        connect(reply, &QNetworkReply::finished, this, [this, reply, p, clock, startedNs] {
            --m_inFlight;
            reply->deleteLater();
            const bool ok = reply->error() == QNetworkReply::NoError;
            // The transfer timeout ran out while this process was not running (stopped,
            // paused): the answer may be waiting unread. Not the node's failure.
            if (reply->error() == QNetworkReply::OperationCanceledError &&
                m_stallWatch->stalledSince(startedNs)) {
                m_cluster->releasePick(p);
                return;
            }
            m_cluster->reportResult(p, ok, double(clock->nsecsElapsed()) / 1e6,
                                    ok ? QString() : failureReason(*reply));
        });
    }
}

} // namespace jobfirst
