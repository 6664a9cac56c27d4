// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"

#include <QHash>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <map>
#include <random>

class QTimer;

namespace jobfirst {

class StallWatch;

/// The result of one active health check.
struct CheckResult
{
    QString nodeId;
    CheckOutcome outcome = CheckOutcome::Ok;
    int httpStatus = 0;
    double latencyMs = 0;
    QString detail;       ///< human reason: "ok", "connection refused", "timeout after 2000 ms", ...
    qint64 at = 0;        ///< ms since epoch, when the check finished
};

/// Runs active HTTP health checks: GET <url><health path>, 2xx and (when the body is a JSON
/// object with "status") a healthy status is OK. One timer drives every node's schedule;
/// the interval of each node comes from an interval policy (so state-dependent intervals stay
/// with the cluster manager), shortened by up to the jitter so that no check comes later than
/// its interval.
///
/// Between checks, a node that passed its last check is watched through an idle TCP
/// connection (ConnectionWatcher): when the node closes it and refuses a new one, its next
/// check runs at once and `connectionLost` says why.
///
/// A check that timed out while this process itself was stalled (StallWatch: stopped with
/// SIGSTOP, a paused VM) is not counted: the node is checked again at once.
class HealthChecker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthChecker)

public:
    using IntervalPolicy = std::function<qint64(const QString &nodeId)>;

    explicit HealthChecker(QObject *parent = nullptr);
    ~HealthChecker() override;

    void setTimeoutMs(qint64 ms) { m_timeoutMs = ms; }
    void setJitterPercent(int percent) { m_jitterPercent = percent; }
    void setIntervalPolicy(IntervalPolicy policy) { m_policy = std::move(policy); }
    /// Watch nodes between checks through an idle connection (on by default).
    void setWatchConnections(bool on);
    /// Idle connections held open to nodes now (for tests and benchmarks).
    int watchedConnections() const;

    /// Adds or replaces a node; its first check runs within `firstCheckWithinMs`.
    /// `security`: CA, client certificate, tls_insecure and bearer token of the checks.
    void setNode(const QString &nodeId, const QUrl &checkUrl, qint64 firstCheckWithinMs = 1000,
                 std::shared_ptr<const HttpSecurity> security = {});
    void removeNode(const QString &nodeId);
    /// Moves the node's next check to now (a check in flight is left to finish).
    void checkNow(const QString &nodeId);
    qint64 checksStarted() const { return m_checksStarted; }
    /// Checks that timed out while this process itself was stalled (StallWatch), and were
    /// asked again instead of counted against their node.
    qint64 checksRepeatedAfterStall() const { return m_checksRepeatedAfterStall; }

    void start();
    void stop();

    /// One check of an arbitrary URL, not scheduled (the console's "Test connection").
    /// The result arrives through `probed` with the given token.
    void probe(const QUrl &url, quint64 token, std::shared_ptr<const HttpSecurity> security = {});

signals:
    void checkFinished(const jobfirst::CheckResult &result);
    /// The node closed its idle connection and refused (or did not answer) a new one; its
    /// next check has been moved to now.
    void connectionLost(const QString &nodeId, const QString &reason);
    void probed(quint64 token, const jobfirst::CheckResult &result);

private:
    struct Entry
    {
        QUrl url;
        QByteArray encodedUrl;
        std::shared_ptr<const HttpSecurity> security;
        quint64 tag = 0;       ///< of the check in flight; a result with another tag is stale
        qint64 dueAt = 0;
        bool inFlight = false;
        bool scheduled = false;
        quint64 watchKey = 0;   ///< of the idle connection watched; 0 when none
        bool triggered = false; ///< the next check was moved to now by a lost connection
        qint64 startedNs = 0;   ///< StallWatch::nowNs() when the check in flight started
    };

    void schedule(const QString &nodeId, qint64 dueAt);
    void armTimer();
    void runDue();
    void checked(const QString &nodeId, const CheckResult &result);
    /// A timeout across a stall of this process is not the node's: true when it is asked again.
    bool repeatedAfterStall(const QString &nodeId, const Entry &entry, const CheckResult &result);
    void onRunnerResult(quint64 tag, const CheckResult &result);
    void onConnectionLost(quint64 key, bool wasOpen, const QString &reason);
    void watch(const QString &nodeId, Entry &entry);
    void unwatch(Entry &entry);
    qint64 jittered(qint64 interval);

    QTimer *m_timer;
    QHash<QString, Entry> m_nodes;
    std::multimap<qint64, QString> m_due;
    IntervalPolicy m_policy;
    std::atomic<qint64> m_timeoutMs{2000}; ///< also read on the check-runner thread
    int m_jitterPercent = 10;
    bool m_running = false;
    qint64 m_checksStarted = 0;
    qint64 m_checksRepeatedAfterStall = 0;
    std::shared_ptr<StallWatch> m_stallWatch;
    std::mt19937_64 m_random{std::random_device{}()};
    QHash<quint64, QString> m_tags;  ///< check in flight -> node
    QHash<quint64, quint64> m_probes; ///< probe in flight -> the caller's token
    quint64 m_nextTag = 1;
    QHash<quint64, QString> m_watchKeys; ///< watched connection -> node
    quint64 m_nextWatchKey = 1;
    bool m_watchConnections = true;
    std::unique_ptr<class CheckRunner> m_runner;
    std::unique_ptr<class ConnectionWatcher> m_watcher;
};

/// Classifies an HTTP answer: 2xx, and a healthy "status" when the body is a JSON object.
CheckResult classifyResponse(int httpStatus, const QByteArray &body);
/// Classifies a libcurl result (timeouts, refused connections, then the HTTP answer).
CheckResult classifyHttpResult(const struct HttpResult &result, qint64 timeoutMs);

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::CheckResult)
