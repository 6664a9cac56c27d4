// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/overviewpage.h"

#include "charts/livechart.h"
#include "widgets/cardframe.h"
#include "widgets/slopanel.h"
#include "widgets/statictextlabel.h"

#include <QCoreApplication>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <vector>

namespace jobfirst::ui {

namespace {

/// The plan's target for the share of requests that succeed, in tenths of a percent.
constexpr qint64 SuccessTargetPermille = 999;

/// A success rate in tenths of a percent, rounded down and counted in whole requests: it never
/// reads 100 while a request failed (99.97 % reads 99.9 %), and 999 of 1,000 is 99.9 % where
/// floating point says 99.8999….
qint64 successPermille(qint64 successful, qint64 requests)
{
    return requests > 0 ? successful * 1000 / requests : 0;
}

} // namespace

OverviewPage::OverviewPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_latency(new LiveChart([] { return tr("Response time per node"); },
                                                     [] { return tr("ms"); })),
      m_queue(new LiveChart([] { return tr("Sync queue"); }, [] { return tr("deliveries"); })),
      m_targets(new LiveChart(
          [this] {
              // Counted by this daemon alone (per target, the others' counts are their own):
              // with others beside it, the title says whose they are.
              return m_liveDaemons > 1
                         ? tr("Deliveries per second per target, this daemon: %1").arg(m_daemonId)
                         : tr("Deliveries per second per target");
          },
          [] { return QString(); })),
      m_pause(new QPushButton), m_slo(new SloPanel(session))
{
    auto *grid = new QGridLayout;
    for (int i = 0; i < 8; ++i)
        m_cards << addCard(grid, i / 4, i % 4);
    m_pause->setCheckable(true);
    m_pause->setObjectName(QStringLiteral("pauseCharts"));
    connect(m_pause, &QPushButton::toggled, this, [this](bool paused) {
        for (LiveChart *c : std::as_const(m_charts))
            c->setPaused(paused);
        retranslate();
    });
    m_charts = {m_latency, m_queue, m_targets};
    // Stable keys with translatable titles: switching language keeps the history.
    // Pending and held apart, as the status bar and the Sync page count them: held deliveries
    // (their target's node down, paused or disabled) are not work being done.
    m_queue->setSeriesTitle(QStringLiteral("pending"), [] { return tr("pending"); });
    m_queue->setSeriesTitle(QStringLiteral("held"), [] { return tr("held"); });
    m_queue->setSeriesTitle(QStringLiteral("delivered"), [] { return tr("delivered / s"); });
    m_queue->setSeriesTitle(QStringLiteral("delivered-here"),
                            [] { return tr("delivered / s by this daemon"); });
    m_targets->setSeriesTitle(QStringLiteral("failures"), [] { return tr("failures (all)"); });
    // The same words as the simulation's percentiles (and their translation).
    m_latency->setSeriesTitle(QStringLiteral("nodes-p50"), [] {
        return QCoreApplication::translate("jobfirst::ui::BalancingPage", "p50 (ms)");
    });
    m_latency->setSeriesTitle(QStringLiteral("nodes-p99"), [] {
        return QCoreApplication::translate("jobfirst::ui::BalancingPage", "p99 (ms)");
    });
    m_targets->setFailureSeries(QStringLiteral("failures"));
    // The success metrics beside the response-time chart, the other two charts below: stacked
    // one above the other, the charts were left too short for their axis labels to show.
    auto *charts = new QGridLayout;
    charts->addWidget(m_slo, 0, 0);
    charts->addWidget(m_latency, 0, 1);
    charts->addWidget(m_queue, 1, 0);
    charts->addWidget(m_targets, 1, 1);
    charts->setColumnStretch(0, 1);
    charts->setColumnStretch(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(grid);
    auto *bar = new QHBoxLayout;
    bar->addStretch();
    bar->addWidget(m_pause);
    layout->addLayout(bar);
    layout->addLayout(charts, 1);
    retranslate();
}

OverviewPage::Card OverviewPage::addCard(QGridLayout *grid, int row, int column)
{
    auto *frame = new CardFrame;
    frame->setFrameShape(QFrame::StyledPanel);
    auto *box = new QVBoxLayout(frame);
    // The cards are repainted with every snapshot on screen and change far less often: their
    // text is laid out once per change, not on every paint (issue 12).
    Card card{new StaticTextLabel, new StaticTextLabel(QStringLiteral("—"))};
    card.caption->setStyleSheet(QStringLiteral("color: palette(mid);"));
    QFont f = card.value->font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    f.setBold(true);
    card.value->setFont(f);
    card.value->setObjectName(QStringLiteral("card%1").arg(row * 4 + column));
    box->addWidget(card.caption);
    box->addWidget(card.value);
    grid->addWidget(frame, row, column);
    return card;
}

QString OverviewPage::cardValue(int index) const
{
    return m_cards.value(index).value ? m_cards.at(index).value->text() : QString();
}

QString OverviewPage::cardCaption(int index) const
{
    return m_cards.value(index).caption ? m_cards.at(index).caption->text() : QString();
}

void OverviewPage::retranslate()
{
    const QString window = m_windowMs > 0 ? ageText(m_windowMs) : tr("5 min");
    const QStringList captions = {tr("Nodes"),
                                  tr("Active nodes"),
                                  tr("Down / failed nodes"),
                                  tr("Requests, last %1").arg(window),
                                  tr("Success rate, last %1").arg(window),
                                  tr("Avg response time, last %1").arg(window),
                                  tr("Sync backlog"),
                                  tr("Dead letters")};
    for (int i = 0; i < m_cards.size(); ++i)
        m_cards[i].caption->setText(captions.at(i));
    m_pause->setText(m_pause->isChecked() ? tr("Resume charts") : tr("Pause charts"));
    for (LiveChart *c : std::as_const(m_charts))
        c->retranslate();
    m_slo->retranslate();
    if (m_last.at)
        showCards(m_last, m_lastDown, m_lastFailed);
}

void OverviewPage::showCards(const EngineSnapshot &s, int down, int failed)
{
    const ClusterStats &c = s.cluster;
    qint64 dead = 0;
    for (const TargetStatus &t : s.sync.targets)
        dead += t.deadLetters;
    const QLocale locale;
    // Over the engine's recent window, not since it started: a lifetime rate hardly moves
    // when a node fails. No request in the window: no rate to show.
    const QStringList values = {
        locale.toString(c.totalNodes), locale.toString(c.activeNodes),
        QStringLiteral("%1 / %2").arg(locale.toString(down), locale.toString(failed)),
        locale.toString(c.windowRequests),
        std::isnan(c.windowSuccessRate)
            ? QStringLiteral("—")
            : tr("%1 %").arg(locale.toString(
                  double(successPermille(c.windowSuccessfulRequests, c.windowRequests)) / 10, 'f',
                  1)),
        std::isnan(c.windowAverageResponseTimeMs)
            ? QStringLiteral("—")
            : tr("%1 ms").arg(locale.toString(c.windowAverageResponseTimeMs, 'f', 1)),
        // Deliveries held for a target that is down, paused or disabled are not behind: no
        // one is working on them. Counted apart, in the caption.
        s.sync.storeUnavailable() ? QStringLiteral("—") // the last count, not a current one
                                  : locale.toString(s.sync.queueDepth - s.sync.heldDeliveries),
        s.sync.storeUnavailable() ? QStringLiteral("—") : locale.toString(dead)};
    for (int i = 0; i < m_cards.size(); ++i)
        m_cards[i].value->setText(values.at(i));
    // The held count is read from the store as well: while it cannot be reached the last one
    // is not current, and the caption names none (walk36: "(2,418 more held)" over "—").
    m_cards[6].caption->setText(
        s.sync.heldDeliveries && !s.sync.storeUnavailable()
            ? tr("Sync backlog (%1 more held)").arg(locale.toString(s.sync.heldDeliveries))
            : tr("Sync backlog"));
    m_cards[6].value->setToolTip(
        s.sync.storeUnavailable()
            ? tr("Not known while the store cannot be reached: %1").arg(s.sync.deliveryStandbyFor)
        : s.sync.heldDeliveries ? heldText() + u'\n' + backlogCountText()
                                : backlogCountText());
    restyle(m_cards[2].value,
            failed ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Failed).name())
            : down ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Down).name())
                   : QString());
    // Meeting the target (at it or above) is green, missing it red.
    restyle(m_cards[4].value,
            std::isnan(c.windowSuccessRate) ? QString()
            : successPermille(c.windowSuccessfulRequests, c.windowRequests) >= SuccessTargetPermille
                ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Up).name())
                : QStringLiteral("color: %1;").arg(healthColor(HealthState::Failed).name()));
    m_cards[3].value->setToolTip(
        tr("%1 requests since the engine started, %2 failed")
            .arg(locale.toString(c.totalRequests), locale.toString(c.failedRequests)));
    m_cards[4].value->setToolTip(tr("%1 of %2 requests in the last %3 failed")
                                     .arg(locale.toString(c.windowFailedRequests),
                                          locale.toString(c.windowRequests), ageText(c.windowMs)));
    restyle(m_cards[7].value,
            dead && !s.sync.storeUnavailable()
                ? QStringLiteral("color: %1;").arg(healthColor(HealthState::Down).name())
                : QString());
    m_cards[7].value->setToolTip(
        s.sync.storeUnavailable()
            ? tr("Not known while the store cannot be reached: %1").arg(s.sync.deliveryStandbyFor)
            : QString());
}

void OverviewPage::showDeliveryRate(qint64 at, const SyncStats &sync)
{
    // Several daemons on one store: the cluster's rate (what an operator reads the Overview
    // for), this daemon's own beside it. One daemon (or SQLite): its rate alone, as ever.
    if (!sync.daemonId.isEmpty()) {
        // Compared with the last daemon that counted, not the last id shown: A, then none (a
        // daemon standing by between), then B is another daemon too.
        if (!m_countedBy.isEmpty() && sync.daemonId != m_countedBy)
            forgetDaemonsOwnHistory();
        m_countedBy = sync.daemonId;
    }
    if (sync.storeUnavailable() || !sync.liveDaemonsKnown) {
        // How many daemons deliver is not known while the store is away, or until the engine
        // has read the daemons again after it (it then counts itself alone): the series, their
        // legend and the title stay as they were, and the cluster's rate has a gap, like the
        // backlog. This daemon's own rate is still known.
        m_queue->addPoint(m_liveDaemons > 1 ? QStringLiteral("delivered-here")
                                            : QStringLiteral("delivered"),
                          at, sync.deliveriesPerSecond);
        return;
    }
    const bool several = sync.liveDaemons > 1;
    m_queue->addPoint(QStringLiteral("delivered"), at,
                      several ? sync.clusterDeliveriesPerSecond : sync.deliveriesPerSecond);
    m_queue->setSeriesNote(QStringLiteral("delivered"),
                           several ? tr("all %1 daemons").arg(sync.liveDaemons) : QString());
    if (several)
        m_queue->addPoint(QStringLiteral("delivered-here"), at, sync.deliveriesPerSecond);
    else if (m_liveDaemons > 1)
        m_queue->removeSeriesNotIn(
            {QStringLiteral("pending"), QStringLiteral("held"), QStringLiteral("delivered")});
    if (sync.liveDaemons != m_liveDaemons || sync.daemonId != m_daemonId) {
        m_liveDaemons = sync.liveDaemons;
        m_daemonId = sync.daemonId;
        m_targets->retranslate(); // its title names whose deliveries it counts
    }
}

void OverviewPage::showNodeLatency(qint64 at, const NodeStatus &n)
{
    // A node that is not up has no latency: a gap in its line, its state in the legend. One
    // another daemon checks is not measured here: no gap (that is no "no answer"), and in the
    // legend the state that daemon recorded, as the Nodes page shows it. It had no legend
    // entry, as this daemon never checked it (session 36).
    const bool measuredHere = n.lastCheckAt && (n.checkedHere || n.hasResponseTime());
    if (measuredHere)
        m_latency->addPoint(n.spec.id, at, n.responseTimeMs);
    else if (!n.checkedHere)
        m_latency->addSeries(n.spec.id);
    const bool stateShown = (n.lastCheckAt || !n.checkedHere) && !n.hasResponseTime();
    m_latency->setSeriesNote(n.spec.id, stateShown ? healthText(n.health) : QString());
}

void OverviewPage::forgetDaemonsOwnHistory()
{
    // The console now reads another daemon: what the last one delivered is not this one's, and
    // drawn on under the new id it read as its history. The store's figures (the backlog, all
    // daemons' rate) stay: they do not depend on who is asked.
    m_queue->removeSeriesNotIn(
        {QStringLiteral("pending"), QStringLiteral("held"), QStringLiteral("delivered")});
    m_targets->removeSeriesNotIn({});
    // Its counts are not the new one's: the next rates are counted from the new one's.
    m_lastCounts.clear();
    m_lastAt = 0;
}

void OverviewPage::applySnapshot(const EngineSnapshot &s)
{
    const bool windowChanged = s.cluster.windowMs != m_windowMs;
    m_windowMs = s.cluster.windowMs;
    m_last = s;
    m_last.nodes = {}; // only what the cards need: the counts below
    m_lastDown = m_lastFailed = 0;
    for (const NodeStatus &n : s.nodes) {
        m_lastDown += n.health == HealthState::Down;
        m_lastFailed += n.health == HealthState::Failed;
    }
    if (windowChanged)
        retranslate();
    showCards(s, m_lastDown, m_lastFailed);

    QStringList nodeNames;
    if (s.nodes.size() <= LiveChart::palette().size()) {
        for (const NodeStatus &n : s.nodes) {
            nodeNames << n.spec.id;
            showNodeLatency(s.at, n);
        }
    } else {
        // More nodes than colours: the spread across the nodes that answer (p50, p99) instead
        // of a line each. A thousand lines in ten colours tell nothing apart, and redrawing
        // them took most of a frame. The cards say how many nodes are not up.
        std::vector<double> ms;
        bool checked = false;
        for (const NodeStatus &n : s.nodes) {
            checked = checked || n.lastCheckAt;
            if (n.hasResponseTime())
                ms.push_back(n.responseTimeMs);
        }
        const auto pct = [&ms](double p) {
            if (ms.empty())
                return std::nan("");
            auto at = ms.begin() +
                      std::ptrdiff_t(std::min(ms.size() - 1, std::size_t(p * double(ms.size()))));
            std::nth_element(ms.begin(), at, ms.end());
            return *at;
        };
        nodeNames = {QStringLiteral("nodes-p50"), QStringLiteral("nodes-p99")};
        if (checked) {
            m_latency->addPoint(nodeNames[0], s.at, pct(0.5));
            m_latency->addPoint(nodeNames[1], s.at, pct(0.99));
        }
    }
    m_latency->removeSeriesNotIn(nodeNames);
    if (!s.sync.storeUnavailable()) { // the last counts would draw on as if current
        m_queue->addPoint(QStringLiteral("pending"), s.at,
                          double(s.sync.queueDepth - s.sync.heldDeliveries));
        m_queue->addPoint(QStringLiteral("held"), s.at, double(s.sync.heldDeliveries));
    }
    showDeliveryRate(s.at, s.sync);
    const double seconds = m_lastAt ? double(s.at - m_lastAt) / 1000.0 : 0;
    double failures = 0;
    for (const TargetStatus &t : s.sync.targets) {
        if (t.name.startsWith(QLatin1String("node:")))
            continue;
        const auto last = m_lastCounts.value(t.name, {t.success, t.failed});
        if (seconds > 0) {
            m_targets->addPoint(t.name, s.at, double(t.success - last.first) / seconds);
            failures += double(t.failed - last.second) / seconds;
        }
        m_lastCounts.insert(t.name, {t.success, t.failed});
    }
    if (seconds > 0)
        m_targets->addPoint(QStringLiteral("failures"), s.at, failures);
    m_lastAt = s.at;
    for (LiveChart *chart : std::as_const(m_charts))
        chart->flush(s.at);
}

} // namespace jobfirst::ui
