// SPDX-License-Identifier: GPL-3.0-or-later
// DeliverySettler alone: each way a request can end, as outcomes and as target state.
// No outbox: nothing here depends on the store's backend, so it runs once.
#include "sync/deliverysettler.h"

#include <QtTest>

using namespace jobfirst;

namespace {

DeliveryFlight flight(int rows, int attempts = 0)
{
    DeliveryFlight f;
    f.target = QStringLiteral("t");
    for (int i = 0; i < rows; ++i)
        f.rows.push_back(DeliveryFlight::Row{100 + i, 10 + i, 1000, attempts, 1, QStringLiteral("u%1").arg(i),
                                             QStringLiteral("e%1").arg(i)});
    return f;
}

HttpResult answer(int status, qint64 retryAfter = -1)
{
    HttpResult r;
    r.status = status;
    r.retryAfterSeconds = retryAfter;
    r.bodyHead = status >= 300 ? QByteArray("{\"error\":\"no\"}") : QByteArray("{\"applied\":1}");
    return r;
}

TargetRuntime runtime()
{
    TargetRuntime rt;
    rt.config.name = QStringLiteral("t");
    rt.config.maxRetries = 2;
    rt.config.retryIntervalMs = 1000;
    return rt;
}

} // namespace

class TestDeliverySettler final : public QObject
{
    Q_OBJECT

    DeliverySettler m_settler{42};
    std::vector<DeliveryOutcome> m_outcomes;
    std::vector<float> m_latencies;

private slots:
    void init()
    {
        m_outcomes.clear();
        m_latencies.clear();
    }

    void successIsDoneForEveryRowAndClosesTheCircuit()
    {
        TargetRuntime rt = runtime();
        rt.circuit = CircuitState::HalfOpen;
        rt.consecutiveFailures = 3;
        const auto r = m_settler.settle(&rt, flight(2), answer(200), 5000, m_outcomes, m_latencies);
        QVERIFY(r.ok && r.circuitChanged);
        QCOMPARE(rt.circuit, CircuitState::Closed);
        QCOMPARE(rt.consecutiveFailures, 0);
        QCOMPARE(m_outcomes.size(), std::size_t(2));
        for (const DeliveryOutcome &o : m_outcomes) {
            QCOMPARE(o.kind, DeliveryOutcome::Done);
            QCOMPARE(o.attempts, 1);
            QVERIFY(o.bodyHead.isEmpty()); // nothing to log for a success
        }
        QCOMPARE(m_outcomes[1].version, 11);
        QCOMPARE(m_latencies, std::vector<float>({4000.f, 4000.f}));
    }

    void serverErrorsRetryWithBackoffThenGoDead()
    {
        TargetRuntime rt = runtime();
        m_settler.settle(&rt, flight(1, 0), answer(503), 5000, m_outcomes, m_latencies);
        QCOMPARE(m_outcomes[0].kind, DeliveryOutcome::Retry);
        QVERIFY(m_outcomes[0].nextAt >= 6000 && m_outcomes[0].nextAt <= 6250); // 1 s + up to 25 %
        QVERIFY(m_outcomes[0].error.contains(QStringLiteral("HTTP 503")));
        m_settler.settle(&rt, flight(1, 1), answer(503, 30), 5000, m_outcomes, m_latencies);
        QCOMPARE(m_outcomes[1].kind, DeliveryOutcome::Retry);
        QCOMPARE(m_outcomes[1].nextAt, 35000); // Retry-After wins when longer
        m_settler.settle(&rt, flight(1, 2), answer(503), 5000, m_outcomes, m_latencies);
        QCOMPARE(m_outcomes[2].kind, DeliveryOutcome::Dead); // third attempt > max_retries 2
        QVERIFY(m_latencies.empty());
    }

    void refusalIsDeadAtOnceAndGoneHoldsOnce()
    {
        TargetRuntime rt = runtime();
        auto r = m_settler.settle(&rt, flight(1), answer(422), 5000, m_outcomes, m_latencies);
        QCOMPARE(m_outcomes[0].kind, DeliveryOutcome::Dead);
        QVERIFY(!r.becameGone);
        r = m_settler.settle(&rt, flight(1, 4), answer(410), 5000, m_outcomes, m_latencies);
        QVERIFY(r.becameGone && rt.gone);
        QCOMPARE(m_outcomes[1].kind, DeliveryOutcome::Hold);
        QCOMPARE(m_outcomes[1].attempts, 4); // a held row keeps its attempts
        r = m_settler.settle(&rt, flight(1), answer(410), 5000, m_outcomes, m_latencies);
        QVERIFY(!r.becameGone); // reported once
    }

    void repeatedFailuresOpenTheCircuitAndAFailedProbeReopensIt()
    {
        TargetRuntime rt = runtime();
        HttpResult refused;
        refused.error = "Connection refused";
        for (int i = 0; i < DeliverySettler::BreakerThreshold - 1; ++i)
            QVERIFY(!m_settler.settle(&rt, flight(1), refused, 1000, m_outcomes, m_latencies).circuitChanged);
        auto r = m_settler.settle(&rt, flight(1), refused, 1000, m_outcomes, m_latencies);
        QVERIFY(r.circuitChanged && !r.reached);
        QCOMPARE(rt.circuit, CircuitState::Open);
        QCOMPARE(rt.openUntil, 2000); // cool-down of one retry interval
        QCOMPARE(m_outcomes.back().error, QStringLiteral("Connection refused"));
        rt.circuit = CircuitState::HalfOpen; // the scheduler let one probe go
        r = m_settler.settle(&rt, flight(1), answer(500), 3000, m_outcomes, m_latencies);
        QVERIFY(r.circuitChanged && r.reached);
        QCOMPARE(rt.circuit, CircuitState::Open);
        QCOMPARE(rt.openUntil, 5000); // the cool-down doubles
    }

    void aTimeoutAcrossAStallOfThisProcessIsTriedAgainUncountedAndOpensNoCircuit()
    {
        TargetRuntime rt = runtime();
        rt.consecutiveFailures = DeliverySettler::BreakerThreshold - 1;
        HttpResult timedOut;
        timedOut.timedOut = true;
        timedOut.error = "Operation timed out after 1500 milliseconds";
        for (int i = 0; i < 3; ++i) {
            // On its last attempt (max_retries 2): the pause does not make it a dead letter.
            const auto r = m_settler.settle(&rt, flight(1, 2), timedOut, 1000, m_outcomes,
                                            m_latencies, true);
            QVERIFY(!r.ok && !r.circuitChanged);
            QCOMPARE(m_outcomes.back().kind, DeliveryOutcome::Retry);
            QCOMPARE(m_outcomes.back().attempts, 2); // not counted
            QCOMPARE(m_outcomes.back().nextAt, 1000); // tried again at once
            QVERIFY(m_outcomes.back().error.contains(QStringLiteral("while this process was stopped")));
        }
        QCOMPARE(rt.consecutiveFailures, DeliverySettler::BreakerThreshold - 1);
        QCOMPARE(rt.circuit, CircuitState::Closed);
        // A half-open circuit's probe cut short by a stall leaves it half open: another goes.
        rt.circuit = CircuitState::HalfOpen;
        QVERIFY(!m_settler.settle(&rt, flight(1), timedOut, 1000, m_outcomes, m_latencies, true)
                     .circuitChanged);
        QCOMPARE(rt.circuit, CircuitState::HalfOpen);
        // The same timeout while this process ran is the target's, and the row's last attempt.
        QVERIFY(m_settler.settle(&rt, flight(1, 2), timedOut, 1000, m_outcomes, m_latencies, false)
                    .circuitChanged);
        QCOMPARE(rt.circuit, CircuitState::Open);
        QCOMPARE(m_outcomes.back().kind, DeliveryOutcome::Dead);
    }

    void rowsOfARemovedTargetAreStillRecorded()
    {
        const auto r = m_settler.settle(nullptr, flight(3), answer(200), 5000, m_outcomes, m_latencies);
        QVERIFY(r.ok);
        QCOMPARE(m_outcomes.size(), std::size_t(3));
    }
};

QTEST_GUILESS_MAIN(TestDeliverySettler)
#include "tst_deliverysettler.moc"
