// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sync/outboxwriter.h"

#include <QObject>

#include <memory>

#include <random>
#include <vector>

class QNetworkAccessManager;
class QTimer;

namespace jobfirst {

class ClusterManager;
class StallWatch;
class SyncService;

/// A steady stream of user events and of real HTTP requests through the balancer, so a demo
/// cluster is alive within seconds: every page has something to show.
class DemoWorkload final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoWorkload)

public:
    DemoWorkload(ClusterManager *cluster, SyncService *sync, QObject *parent = nullptr);
    void setRates(int eventsPerSecond, int requestsPerSecond);
    void start();
    void stop();

private:
    void tick();
    void sendEvents(int count);
    void sendRequests(int count);

    ClusterManager *m_cluster;
    SyncService *m_sync;
    QNetworkAccessManager *m_nam;
    QTimer *m_timer;
    int m_eventsPerSecond = 20;
    int m_requestsPerSecond = 30;
    double m_eventDebt = 0;
    double m_requestDebt = 0;
    int m_inFlight = 0;
    /// Events queued and not yet known durable: the engine thread does not wait for the disk.
    std::vector<OutboxWriter::Accepted> m_queued;
    std::mt19937 m_random{20260919};
    /// A request that timed out across a stall of this process is not held against its node.
    std::shared_ptr<StallWatch> m_stallWatch;
};

} // namespace jobfirst
