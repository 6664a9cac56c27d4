// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "balance/balancingsimulator.h"
#include "api/jobcontrol.h"
#include "pages/page.h"

#include <QFutureWatcher>

#include <atomic>
#include <memory>
#include <optional>

class QBarSeries;
class QBarCategoryAxis;
class QChart;
class QChartView;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStandardItemModel;
class QTableView;
class QTimer;

namespace jobfirst::ui {

/// Chooses the live strategy and runs the balancing simulator on the current nodes or on
/// what-if capacities, several strategies side by side. Runs off the GUI thread, cancellable.
class BalancingPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BalancingPage)

public:
    explicit BalancingPage(EngineSession *session, QWidget *parent = nullptr);
    ~BalancingPage() override;
    QString title() const override { return tr("Balancing"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    void runSimulation();
    void cancelSimulation();
    bool simulationRunning() const;
    QStandardItemModel *resultModel() const { return m_results; }
    QProgressBar *progressBar() const { return m_progress; }
    QString statusText() const;

signals:
    void actionFailed(const QString &message);
    void simulationFinished();

private:
    void setUpLiveStrategy();
    void applyLiveStrategy();
    void setUpSimulatorInputs();
    void setUpTables();
    void connectSimulator();
    QWidget *makeLiveGroup();
    QWidget *makeSimulatorPanel();
    void layOutPage();
    void loadNodes(const QList<NodeStatus> &nodes);
    bool showsNodes(const QList<NodeStatus> &nodes) const;
    void showReport(const Result<SimulationReport> &report, const SimulationParams &params);
    static bool isPartial(const SimulationReport &report, qsizetype outcome);
    static QString outcomeLabel(const StrategyOutcome &o, bool partial);
    void addResultRow(const StrategyOutcome &o, bool partial);
    QChart *spreadChart(const SimulationReport &report, const SimulationParams &params);
    static QBarCategoryAxis *nodeAxis(QChart *chart, const QStringList &ids);
    static QString strategyLabel(Strategy s);
    /// The nodes taking traffic, with their weights: what a run is computed on.
    using NodeSet = QList<std::pair<QString, int>>;
    static NodeSet takingTraffic(const QList<NodeStatus> &nodes);
    /// Which run the results are (when, over which nodes) and whether the cluster's nodes
    /// taking traffic changed since: the results are then marked out of date.
    void showRun();
    bool shownRunOutOfDate() const;

    QComboBox *m_liveStrategy;
    QPushButton *m_applyStrategy;
    QLabel *m_liveLabel;
    QStandardItemModel *m_nodes;
    QTableView *m_nodesView;
    QPushButton *m_loadNodes;
    QLabel *m_leftOut; ///< names the nodes not loaded: they take no traffic now
    QDoubleSpinBox *m_rate;
    QSpinBox *m_requests;
    QSpinBox *m_seed;
    QList<QCheckBox *> m_strategyBoxes;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QStandardItemModel *m_results;
    QTableView *m_resultsView;
    QChartView *m_spread;
    QList<NodeStatus> m_lastNodes;
    /// The id and weight of each row as loadNodes() wrote them: what the table shows while it
    /// follows the cluster (an edit stops that), compared with each snapshot without reading
    /// 2,000 cells back as text.
    QList<std::pair<QString, int>> m_loadedNodes;
    QStringList m_leftOutNodes;
    bool m_followsCluster = true; ///< until the operator edits a what-if cell
    bool m_loading = false;
    std::shared_ptr<JobControl> m_job;
    QFutureWatcher<Result<SimulationReport>> m_watcher;
    SimulationParams m_running;
    QList<QLabel *> m_formLabels;
    /// Over the results: which run they are, and "out of date" once the nodes changed.
    QLabel *m_runLabel;
    struct Run
    {
        qint64 startedAt = 0;
        NodeSet cluster; ///< the cluster's nodes taking traffic when it started
        QStringList nodes; ///< the simulated nodes (the what-if table's rows)
    };
    Run m_runningRun;
    std::optional<Run> m_shownRun;
    NodeSet m_cluster; ///< the cluster's nodes taking traffic, as of the last snapshot
    std::optional<Result<SimulationReport>> m_shownReport; ///< re-worded on a language switch
    SimulationParams m_shownParams;
};

} // namespace jobfirst::ui
