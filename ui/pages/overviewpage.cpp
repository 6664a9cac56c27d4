// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/overviewpage.h"

#include "charts/livechart.h"
#include "widgets/slopanel.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace jobfirst::ui {

OverviewPage::OverviewPage(EngineSession *session, QWidget *parent)
    : Page(session, parent),
      m_latency(new LiveChart([] { return tr("Response time per node"); }, [] { return tr("ms"); })),
      m_queue(new LiveChart([] { return tr("Sync queue"); }, [] { return tr("deliveries"); })),
      m_targets(new LiveChart([] { return tr("Deliveries per second per target"); }, [] { return tr("per second"); })),
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
    m_queue->setSeriesTitle(QStringLiteral("queue-depth"), [] { return tr("queue depth"); });
    m_queue->setSeriesTitle(QStringLiteral("delivered"), [] { return tr("delivered / s"); });
    m_targets->setSeriesTitle(QStringLiteral("failures"), [] { return tr("failures (all)"); });
    auto *charts = new QGridLayout;
    charts->addWidget(m_latency, 0, 0);
    charts->addWidget(m_queue, 0, 1);
    charts->addWidget(m_targets, 1, 0, 1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(grid);
    layout->addWidget(m_slo);
    auto *bar = new QHBoxLayout;
    bar->addStretch();
    bar->addWidget(m_pause);
    layout->addLayout(bar);
    layout->addLayout(charts, 1);
    retranslate();
}

OverviewPage::Card OverviewPage::addCard(QGridLayout *grid, int row, int column)
{
    auto *frame = new QFrame;
    frame->setFrameShape(QFrame::StyledPanel);
    auto *box = new QVBoxLayout(frame);
    Card card{new QLabel, new QLabel(QStringLiteral("—"))};
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

void OverviewPage::retranslate()
{
    const QStringList captions = {tr("Nodes"), tr("Active nodes"), tr("Failed nodes"), tr("Requests"),
                                  tr("Success rate"), tr("Avg response time"), tr("Sync backlog"), tr("Dead letters")};
    for (int i = 0; i < m_cards.size(); ++i)
        m_cards[i].caption->setText(captions.at(i));
    m_pause->setText(m_pause->isChecked() ? tr("Resume charts") : tr("Pause charts"));
    for (LiveChart *c : std::as_const(m_charts))
        c->retranslate();
    m_slo->retranslate();
}

void OverviewPage::applySnapshot(const EngineSnapshot &s)
{
    const ClusterStats &c = s.cluster;
    const double successRate = c.totalRequests ? 100.0 * double(c.successfulRequests) / double(c.totalRequests) : 100.0;
    qint64 dead = 0;
    for (const TargetStatus &t : s.sync.targets)
        dead += t.failed;
    const QStringList values = {QString::number(c.totalNodes),
                                QString::number(c.activeNodes),
                                QString::number(c.failedNodes),
                                QString::number(c.totalRequests),
                                QStringLiteral("%1%").arg(successRate, 0, 'f', 1),
                                tr("%1 ms").arg(c.averageResponseTimeMs, 0, 'f', 1),
                                QString::number(s.sync.queueDepth),
                                QString::number(dead)};
    for (int i = 0; i < m_cards.size(); ++i)
        m_cards[i].value->setText(values.at(i));
    m_cards[2].value->setStyleSheet(c.failedNodes ? QStringLiteral("color: #c0392b;") : QString());

    QStringList nodeNames;
    for (const NodeStatus &n : s.nodes) {
        nodeNames << n.spec.id;
        if (n.lastCheckAt)
            m_latency->addPoint(n.spec.id, s.at, n.responseTimeMs);
    }
    m_latency->removeSeriesNotIn(nodeNames);
    m_queue->addPoint(QStringLiteral("queue-depth"), s.at, double(s.sync.queueDepth));
    m_queue->addPoint(QStringLiteral("delivered"), s.at, s.sync.deliveriesPerSecond);
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
