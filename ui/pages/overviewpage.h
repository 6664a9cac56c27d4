// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "pages/page.h"

#include <QHash>

class QGridLayout;
class QLabel;
class QPushButton;

namespace jobfirst::ui {

class LiveChart;
class SloPanel;

/// Cluster figures at a glance and live charts of response times, the sync queue and
/// deliveries per target.
class OverviewPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Overview"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;
    QList<LiveChart *> charts() const { return m_charts; }
    SloPanel *slo() const { return m_slo; }
    /// The value shown on card `index` (0-7: nodes, active, down/failed, requests, success
    /// rate, response time, backlog, dead letters) and its caption.
    QString cardValue(int index) const;
    QString cardCaption(int index) const;

private:
    struct Card
    {
        QLabel *caption = nullptr;
        QLabel *value = nullptr;
    };
    Card addCard(QGridLayout *grid, int row, int column);
    void showCards(const EngineSnapshot &snapshot, int down, int failed);
    void showDeliveryRate(qint64 at, const SyncStats &sync);
    /// The node's response time on the latency chart, and its state in the legend when there
    /// is no response time to draw (not up, or measured by another daemon).
    void showNodeLatency(qint64 at, const NodeStatus &node);
    /// Clears what this daemon alone delivered (the per-target chart, "delivered here"): after
    /// the console attached to another daemon it is the last one's, not this one's.
    void forgetDaemonsOwnHistory();

    // Before the charts: m_targets' title reads them from its constructor on.
    int m_liveDaemons = 0; ///< daemons delivering from the store, as last shown
    QString m_daemonId;    ///< this daemon, as last shown
    QString m_countedBy;   ///< the daemon whose own deliveries the charts hold ("" none yet)
    QList<Card> m_cards;
    QList<LiveChart *> m_charts;
    LiveChart *m_latency;
    LiveChart *m_queue;
    LiveChart *m_targets;
    QPushButton *m_pause;
    SloPanel *m_slo;
    QHash<QString, std::pair<qint64, qint64>> m_lastCounts; // target -> (success, failed)
    qint64 m_lastAt = 0;
    qint64 m_windowMs = 0;
    EngineSnapshot m_last; ///< without its nodes: cards are redrawn from it on a language switch
    int m_lastDown = 0;
    int m_lastFailed = 0;
};

} // namespace jobfirst::ui
