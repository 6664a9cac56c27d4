// SPDX-License-Identifier: GPL-3.0-or-later
// DeliveryLatency: the percentiles it selects one after the other are those of the sorted
// samples, for any number of samples and with repeated values.
#include "sync/deliverylatency.h"

#include <QtTest>

#include <random>

using namespace jobfirst;

class TestDeliveryLatency final : public QObject
{
    Q_OBJECT

private slots:
    void noSamplesGiveZeros()
    {
        std::vector<float> none;
        const DeliveryLatency l = DeliveryLatency::of(none);
        QCOMPARE(l.p50, 0.0);
        QCOMPARE(l.p95, 0.0);
        QCOMPARE(l.p99, 0.0);
    }

    void percentilesAreThoseOfTheSortedSamples_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("distinct"); // values drawn from 0 .. distinct - 1
        for (int n : {1, 2, 3, 19, 20, 21, 100, 101, 1000, 8192})
            for (int d : {1, 3, 1000000})
                QTest::addRow("%d samples of %d values", n, d) << n << d;
    }

    void percentilesAreThoseOfTheSortedSamples()
    {
        QFETCH(int, count);
        QFETCH(int, distinct);
        std::mt19937 random(std::uint32_t(count * 31 + distinct));
        std::uniform_int_distribution<int> value(0, distinct - 1);
        std::vector<float> samples(static_cast<std::size_t>(count));
        for (float &s : samples)
            s = float(value(random)) / 8.0f;
        std::vector<float> sorted = samples;
        std::sort(sorted.begin(), sorted.end());
        const auto at = [&](double p) {
            return double(sorted[std::min(sorted.size() - 1, std::size_t(p * double(count)))]);
        };
        const DeliveryLatency l = DeliveryLatency::of(samples);
        QCOMPARE(l.p50, at(0.50));
        QCOMPARE(l.p95, at(0.95));
        QCOMPARE(l.p99, at(0.99));
        // Reordered, not changed.
        std::sort(samples.begin(), samples.end());
        QVERIFY(samples == sorted);
    }
};

QTEST_GUILESS_MAIN(TestDeliveryLatency)

#include "tst_deliverylatency.moc"
