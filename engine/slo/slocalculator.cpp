// SPDX-License-Identifier: GPL-3.0-or-later
#include "slo/slocalculator.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace jobfirst {

namespace {

constexpr qint64 Hour = 3600000;
constexpr qint64 Day = 24 * Hour;
constexpr qint64 Month = 30 * Day;

using Interval = std::pair<qint64, qint64>;

/// The intervals of [from, to) during which the node was in a state `counts` accepts.
template <typename Counts>
std::vector<Interval> intervals(const NodeHistory &h, qint64 from, qint64 to, Counts counts)
{
    std::vector<Interval> out;
    const qint64 start = std::max(from, h.addedAt);
    if (start >= to)
        return out;
    QString state = QStringLiteral("unknown");
    qint64 since = start;
    for (const NodeHistory::Change &c : h.changes) {
        if (c.at <= start) {
            state = c.to;
            continue;
        }
        if (c.at >= to)
            break;
        if (counts(state) != counts(c.to)) {
            if (counts(state))
                out.emplace_back(since, c.at);
            since = c.at;
        }
        state = c.to;
    }
    if (counts(state))
        out.emplace_back(since, to);
    return out;
}

bool isUp(const QString &state) { return state == QLatin1String("up"); }
/// Time the engine knew nothing (before a node's first check) is neither up nor down.
bool isKnown(const QString &state) { return state != QLatin1String("unknown"); }

std::vector<Interval> upIntervals(const NodeHistory &h, qint64 from, qint64 to)
{
    return intervals(h, from, to, isUp);
}

std::vector<Interval> knownIntervals(const NodeHistory &h, qint64 from, qint64 to)
{
    return intervals(h, from, to, isKnown);
}

qint64 covered(std::vector<Interval> intervals)
{
    std::sort(intervals.begin(), intervals.end());
    qint64 total = 0, end = std::numeric_limits<qint64>::min();
    for (const auto &[a, b] : intervals) {
        const qint64 s = std::max(a, end);
        if (b > s)
            total += b - s;
        end = std::max(end, b);
    }
    return total;
}

/// How long within [from, to) the state of at least one of `nodes` was known.
qint64 knownTime(const QList<NodeHistory> &nodes, qint64 from, qint64 to)
{
    std::vector<Interval> known;
    for (const NodeHistory &h : nodes) {
        const auto k = knownIntervals(h, from, to);
        known.insert(known.end(), k.begin(), k.end());
    }
    return covered(std::move(known));
}

SloFigure figure(const QString &key, double measured, double target, const QString &unit, bool higherIsBetter, qint64 window,
                 qint64 samples, bool measuredAny)
{
    SloFigure f;
    f.key = key;
    f.measured = measured;
    f.target = target;
    f.unit = unit;
    f.higherIsBetter = higherIsBetter;
    f.windowMs = window;
    f.observedMs = window;
    f.samples = samples;
    f.measuredAny = measuredAny;
    // A hair of slack: 9,999 of 10,000 is 99.99 % even where floating point says 99.98999...
    f.met = measuredAny && (higherIsBetter ? measured >= target - 1e-9 : measured <= target + 1e-9);
    return f;
}

} // namespace

double SloCalculator::availability(const NodeHistory &history, qint64 from, qint64 to)
{
    const qint64 known = covered(knownIntervals(history, from, to));
    return known ? 100.0 * double(covered(upIntervals(history, from, to))) / double(known) : 100;
}

double SloCalculator::clusterAvailability(const QList<NodeHistory> &nodes, qint64 from, qint64 to)
{
    std::vector<Interval> up;
    for (const NodeHistory &h : nodes) {
        const auto u = upIntervals(h, from, to);
        up.insert(up.end(), u.begin(), u.end());
    }
    const qint64 known = knownTime(nodes, from, to);
    return known ? 100.0 * double(covered(std::move(up))) / double(known) : 100;
}

QList<qint64> SloCalculator::recoveries(const QList<NodeHistory> &nodes, qint64 from, qint64 to)
{
    QList<qint64> out;
    for (const NodeHistory &h : nodes) {
        qint64 downSince = -1;
        for (const NodeHistory::Change &c : h.changes) {
            const bool up = c.to == QLatin1String("up");
            const bool down = c.to == QLatin1String("down") || c.to == QLatin1String("failed");
            if (down && downSince < 0)
                downSince = c.at;
            if (up && downSince >= 0) {
                if (c.at >= from && c.at < to)
                    out << c.at - downSince;
                downSince = -1;
            }
        }
    }
    return out;
}

QList<qint64> SloCalculator::alertDelays(const QList<NodeHistory> &nodes, qint64 from, qint64 to)
{
    QList<qint64> out;
    for (const NodeHistory &h : nodes)
        for (const NodeHistory::Change &c : h.changes)
            if (c.to == QLatin1String("down") && c.lastOkAt > 0 && c.at >= from && c.at < to)
                out << c.at - c.lastOkAt;
    return out;
}

double SloCalculator::percentile(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    const auto rank = qsizetype(std::ceil(p / 100.0 * double(values.size())));
    return double(values.at(std::clamp<qsizetype>(rank - 1, 0, values.size() - 1)));
}

SloReport SloCalculator::compute(const SloInputs &in)
{
    SloReport r;
    r.at = in.now;
    const qint64 windows[3] = {Hour, Day, Month};
    for (const NodeHistory &h : in.nodes) {
        NodeAvailability a;
        a.node = h.node;
        a.hour = availability(h, in.now - Hour, in.now);
        a.day = availability(h, in.now - Day, in.now);
        a.dayObservedMs = covered(knownIntervals(h, in.now - Day, in.now));
        a.month = availability(h, in.now - Month, in.now);
        r.nodes << a;
    }
    const char *const names[3] = {"availability_1h", "availability_24h", "availability_30d"};
    for (int i = 0; i < 3; ++i) {
        const qint64 observed = knownTime(in.nodes, in.now - windows[i], in.now);
        // No node, or none checked yet: no time known, nothing to measure (it read 100 %).
        r.figures << figure(QString::fromLatin1(names[i]),
                            clusterAvailability(in.nodes, in.now - windows[i], in.now), 99.9,
                            QStringLiteral("percent"), true, windows[i], in.nodes.size(),
                            observed > 0);
        r.figures.last().observedMs = observed;
    }
    r.figures << figure(QStringLiteral("sync_latency_p99"), percentile(in.realTimeLatenciesMs, 99), 100, QStringLiteral("ms"), false, Hour,
                        in.realTimeLatenciesMs.size(), !in.realTimeLatenciesMs.isEmpty());
    const double ratio = in.ledgerRecords ? 100.0 * double(in.consistentRecords) / double(in.ledgerRecords) : 100.0;
    r.figures << figure(QStringLiteral("consistency"), ratio, 99.99, QStringLiteral("percent"), true, Day, in.ledgerRecords,
                        in.targetsChecked > 0);
    const QList<qint64> recovered = recoveries(in.nodes, in.now - Day, in.now);
    r.figures << figure(QStringLiteral("recovery_time"), recovered.isEmpty() ? 0 : double(*std::max_element(recovered.begin(), recovered.end())),
                        30000, QStringLiteral("ms"), false, Day, recovered.size(), !recovered.isEmpty());
    const QList<qint64> alerted = alertDelays(in.nodes, in.now - Day, in.now);
    r.figures << figure(QStringLiteral("alert_delay"), alerted.isEmpty() ? 0 : double(*std::max_element(alerted.begin(), alerted.end())),
                        60000, QStringLiteral("ms"), false, Day, alerted.size(), !alerted.isEmpty());
    return r;
}

} // namespace jobfirst
