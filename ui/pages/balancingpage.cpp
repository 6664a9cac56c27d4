// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/balancingpage.h"

#include "api/enginesession.h"
#include "charts/livechart.h"
#include "core/whenfinished.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFontMetricsF>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QScopedValueRollback>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTimer>
#include <QToolTip>
#include <QValueAxis>

namespace jobfirst::ui {

namespace {

/// Node ids as the chart's axis labels them: without the start all of them share (up to a
/// separator), which becomes the axis title. "basic-server-1…3" are "1", "2", "3" under
/// "basic-server-…": three whole labels side by side where three whole ids did not fit.
struct NodeLabels
{
    QString shared; ///< the start every id has ("" when none)
    QStringList labels;
};

NodeLabels nodeLabels(const QStringList &ids)
{
    if (ids.size() < 2)
        return {{}, ids};
    QStringView shared = ids.first();
    for (const QString &id : ids) {
        qsizetype same = 0;
        while (same < shared.size() && same < id.size() && shared[same] == id[same])
            ++same;
        shared = shared.left(same);
    }
    // Cut at a separator, so "node-10" and "node-11" keep "10" and "11", not "0" and "1".
    while (!shared.isEmpty() && !QStringView(u"-_.:/").contains(shared.back()))
        shared.chop(1);
    NodeLabels out{shared.toString(), {}};
    for (const QString &id : ids) {
        if (id.size() == shared.size()) // an id that is all prefix keeps its whole name
            return {{}, ids};
        out.labels << id.mid(shared.size());
    }
    return out;
}

} // namespace

BalancingPage::BalancingPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_liveStrategy(new QComboBox), m_applyStrategy(new QPushButton),
      m_liveLabel(new QLabel), m_nodes(new QStandardItemModel(this)), m_nodesView(new QTableView),
      m_loadNodes(new QPushButton), m_leftOut(new QLabel), m_rate(new QDoubleSpinBox),
      m_requests(new QSpinBox), m_seed(new QSpinBox), m_run(new QPushButton),
      m_cancel(new QPushButton), m_progress(new QProgressBar), m_status(new QLabel),
      m_results(new QStandardItemModel(this)), m_resultsView(new QTableView),
      m_spread(new QChartView), m_runLabel(new QLabel)
{
    setUpLiveStrategy();
    setUpSimulatorInputs();
    setUpTables();
    connectSimulator();
    layOutPage();
    gate(m_applyStrategy, Permission::Administer);
    retranslate();
}

/// The live strategy's choices, and a check box a strategy for the simulator.
void BalancingPage::setUpLiveStrategy()
{
    for (Strategy s : allStrategies()) {
        m_liveStrategy->addItem(QString(), strategyName(s));
        auto *box = new QCheckBox;
        box->setChecked(true);
        box->setProperty("strategy", strategyName(s));
        m_strategyBoxes << box;
    }
    m_liveStrategy->setObjectName(QStringLiteral("liveStrategy"));
    m_applyStrategy->setObjectName(QStringLiteral("applyStrategy"));
    connect(m_applyStrategy, &QPushButton::clicked, this, &BalancingPage::applyLiveStrategy);
}

/// Applies the running config with the chosen strategy as a new config version.
void BalancingPage::applyLiveStrategy()
{
    const QString name = m_liveStrategy->currentData().toString();
    whenFinished(Page::session()->config(false), this,
                 [this, name](const Result<ClusterConfig> &running) {
                     if (!running) {
                         emit actionFailed(errorMessage(running.error()));
                         return;
                     }
                     ClusterConfig next = running.value();
                     next.loadBalanceStrategy = *strategyFromName(name);
                     whenFinished(Page::session()->applyConfig(next.toJson()), this,
                                  [this](const Result<int> &applied) {
                                      if (!applied)
                                          emit actionFailed(errorMessage(applied.error()));
                                  });
                 });
}

void BalancingPage::setUpSimulatorInputs()
{
    m_rate->setRange(1, 1e7);
    m_rate->setValue(2000);
    m_rate->setDecimals(0);
    m_rate->setObjectName(QStringLiteral("rate"));
    m_requests->setRange(1000, 50000000);
    m_requests->setValue(200000);
    m_requests->setSingleStep(10000);
    m_requests->setGroupSeparatorShown(true);
    m_requests->setObjectName(QStringLiteral("requests"));
    m_seed->setRange(0, 1000000);
    m_seed->setValue(1);
    m_run->setObjectName(QStringLiteral("runSimulation"));
    m_cancel->setObjectName(QStringLiteral("cancelSimulation"));
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1000);
}

/// The what-if nodes, the results and the requests-per-node chart.
void BalancingPage::setUpTables()
{
    m_nodesView->setModel(m_nodes);
    m_nodesView->setObjectName(QStringLiteral("simulatorNodes"));
    m_loadNodes->setObjectName(QStringLiteral("loadNodes"));
    m_leftOut->setObjectName(QStringLiteral("nodesLeftOut"));
    m_leftOut->setWordWrap(true);
    // Columns are fitted when rows change (fitColumns()): ResizeToContents follows the header
    // only, so results arriving after it left the strategies cut to "Round …" (session 10).
    m_nodesView->horizontalHeader()->setStretchLastSection(true);
    m_nodesView->verticalHeader()->hide();
    m_resultsView->setModel(m_results);
    m_resultsView->setObjectName(QStringLiteral("simulationResults"));
    // Columns as wide as their figures, not stretched: a last column stretched while the page
    // was laid out wider kept that width and scrolled sideways at 1280×800 (walk23).
    m_resultsView->horizontalHeader()->setStretchLastSection(false);
    m_resultsView->setWordWrap(false);
    m_resultsView->verticalHeader()->hide();
    m_spread->setMinimumHeight(220);
    m_spread->setObjectName(QStringLiteral("requestsPerNode"));
    m_runLabel->setObjectName(QStringLiteral("simulationRun"));
    m_runLabel->setWordWrap(true);
    m_runLabel->hide(); // until a run is shown
}

void BalancingPage::connectSimulator()
{
    connect(m_loadNodes, &QPushButton::clicked, this, [this] {
        m_followsCluster = true;
        loadNodes(m_lastNodes);
    });
    // An edited what-if table is the operator's: new snapshots no longer replace it.
    connect(m_nodes, &QStandardItemModel::itemChanged, this, [this] {
        if (!m_loading) {
            m_followsCluster = false;
            m_nodesView->resizeColumnsToContents();
        }
    });
    connect(m_run, &QPushButton::clicked, this, &BalancingPage::runSimulation);
    connect(m_cancel, &QPushButton::clicked, this, &BalancingPage::cancelSimulation);
    connect(&m_watcher, &QFutureWatcher<Result<SimulationReport>>::finished, this, [this] {
        m_run->setEnabled(true);
        m_cancel->setEnabled(false);
        m_shownRun = m_runningRun;
        showReport(m_watcher.result(), m_running);
        emit simulationFinished();
    });
}

QWidget *BalancingPage::makeLiveGroup()
{
    auto *live = new QGroupBox;
    live->setObjectName(QStringLiteral("liveGroup"));
    auto *liveLayout = new QHBoxLayout(live);
    liveLayout->addWidget(m_liveLabel);
    liveLayout->addWidget(m_liveStrategy);
    liveLayout->addWidget(m_applyStrategy);
    liveLayout->addStretch();
    return live;
}

/// The simulator's inputs: the what-if nodes, the figures, the strategies and the buttons.
QWidget *BalancingPage::makeSimulatorPanel()
{
    auto *form = new QFormLayout;
    for (int i = 0; i < 3; ++i)
        m_formLabels << new QLabel;
    form->addRow(m_formLabels[0], m_rate);
    form->addRow(m_formLabels[1], m_requests);
    form->addRow(m_formLabels[2], m_seed);
    // Three to a row: in one row the five names set the panel's least width, which left the
    // results and the chart too little room at 1280×820 (session 9).
    auto *boxes = new QGridLayout;
    for (int i = 0; i < m_strategyBoxes.size(); ++i)
        boxes->addWidget(m_strategyBoxes.at(i), i / 3, i % 3);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_progress, 1);
    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(m_nodesView, 1);
    leftLayout->addWidget(m_leftOut);
    leftLayout->addWidget(m_loadNodes);
    leftLayout->addLayout(form);
    leftLayout->addLayout(boxes);
    leftLayout->addLayout(buttons);
    leftLayout->addWidget(m_status);
    return left;
}

/// The live strategy above; the simulator's inputs beside its results and chart.
void BalancingPage::layOutPage()
{
    auto *live = makeLiveGroup();
    auto *left = makeSimulatorPanel();
    auto *results = new QWidget;
    auto *resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins({});
    resultsLayout->addWidget(m_runLabel);
    resultsLayout->addWidget(m_resultsView, 1);
    auto *right = new QSplitter(Qt::Vertical);
    right->addWidget(results);
    right->addWidget(m_spread);
    auto *split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(right);
    // Near halves: the nodes' columns on the left need about 460 px, the results' seven
    // columns, sized to their figures, about 530 px; 19:21 of a 1280-wide window gives both.
    split->setStretchFactor(0, 19);
    split->setStretchFactor(1, 21);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(live);
    layout->addWidget(split, 1);
}

BalancingPage::~BalancingPage()
{
    cancelSimulation();
}

QString BalancingPage::strategyLabel(Strategy s)
{
    switch (s) {
    case Strategy::RoundRobin: return tr("Round robin");
    case Strategy::LeastConnections: return tr("Least connections");
    case Strategy::WeightedRoundRobin: return tr("Weighted round robin");
    case Strategy::IpHash: return tr("IP hash");
    case Strategy::PowerOfTwo: return tr("Power of two choices");
    }
    return {};
}

void BalancingPage::retranslate()
{
    const auto strategies = allStrategies();
    for (int i = 0; i < strategies.size(); ++i) {
        m_liveStrategy->setItemText(i, strategyLabel(strategies.at(i)));
        m_strategyBoxes.at(i)->setText(strategyLabel(strategies.at(i)));
    }
    findChild<QGroupBox *>(QStringLiteral("liveGroup"))->setTitle(tr("Live balancer"));
    m_liveLabel->setText(tr("Strategy for real traffic:"));
    m_applyStrategy->setText(tr("Apply"));
    m_loadNodes->setText(tr("Load current nodes"));
    m_loadNodes->setToolTip(
        tr("The table follows the cluster's nodes that take traffic until you "
           "edit a cell; this replaces your edits with those nodes as they are now."));
    m_leftOut->setText(m_leftOutNodes.isEmpty()
                           ? QString()
                           : tr("Not loaded, taking no traffic now: %1")
                                 .arg(m_leftOutNodes.join(QStringLiteral(", "))));
    m_leftOut->setVisible(!m_leftOutNodes.isEmpty());
    m_formLabels[0]->setText(tr("Arrival rate (requests/s)"));
    m_formLabels[1]->setText(tr("Requests to simulate"));
    m_formLabels[2]->setText(tr("Seed"));
    m_run->setText(tr("Run simulation"));
    m_cancel->setText(tr("Cancel"));
    m_nodes->setHorizontalHeaderLabels({tr("Node"), tr("Weight"), tr("Capacity (concurrent)"), tr("Latency (ms)"), tr("Queue limit")});
    m_results->setHorizontalHeaderLabels({tr("Strategy"), tr("Served"), tr("Queued"), tr("Rejected"), tr("p50 (ms)"), tr("p95 (ms)"), tr("p99 (ms)")});
    m_spread->chart()->setTitle(tr("Requests per node"));
    // Results already on screen are worded again in the new language.
    if (m_shownReport && !m_watcher.isRunning())
        showReport(*m_shownReport, m_shownParams);
    m_nodesView->resizeColumnsToContents();
    m_resultsView->resizeColumnsToContents();
}

void BalancingPage::applySnapshot(const EngineSnapshot &s)
{
    m_lastNodes = s.nodes;
    if (NodeSet now = takingTraffic(s.nodes); now != m_cluster) {
        m_cluster = std::move(now);
        showRun(); // a node down, back, added, removed or reweighted: the results are past
    }
    // Until edited, the table is the cluster's nodes as they are now, not as they were at the
    // first snapshot (a node added later was missing from what-ifs before).
    if (m_followsCluster && !showsNodes(s.nodes))
        loadNodes(s.nodes);
    const int live = m_liveStrategy->findData(s.strategy);
    if (live >= 0 && !m_liveStrategy->hasFocus() && m_liveStrategy->property("shown").toString() != s.strategy) {
        m_liveStrategy->setCurrentIndex(live);
        m_liveStrategy->setProperty("shown", s.strategy);
    }
}

bool BalancingPage::showsNodes(const QList<NodeStatus> &nodes) const
{
    // The rows are the nodes taking traffic; the others are named as left out.
    qsizetype r = 0, left = 0;
    for (const NodeStatus &n : nodes) {
        if (!n.eligible) {
            if (left >= m_leftOutNodes.size() || m_leftOutNodes.at(left++) != n.spec.id)
                return false;
        } else if (r >= m_loadedNodes.size() || m_loadedNodes.at(r).first != n.spec.id ||
                   m_loadedNodes.at(r++).second != n.spec.weight) {
            return false;
        }
    }
    return r == m_loadedNodes.size() && left == m_leftOutNodes.size();
}

void BalancingPage::loadNodes(const QList<NodeStatus> &nodes)
{
    const QScopedValueRollback loading(m_loading, true);
    m_nodes->removeRows(0, m_nodes->rowCount());
    m_loadedNodes.clear();
    m_leftOutNodes.clear();
    for (const NodeStatus &n : nodes) {
        // Only the real balancer's candidates: a node down, failed, drained or in maintenance
        // takes no traffic, and its last latency would draw simulated traffic to it (walk23).
        if (!n.eligible) {
            m_leftOutNodes << n.spec.id;
            continue;
        }
        m_loadedNodes.append({n.spec.id, n.spec.weight});
        QList<QStandardItem *> row;
        auto *id = new QStandardItem(n.spec.id);
        id->setEditable(false);
        row << id << new QStandardItem(QString::number(n.spec.weight)) << new QStandardItem(QStringLiteral("8"))
            << new QStandardItem(QString::number(std::max(1.0, std::round(n.responseTimeMs > 0 ? n.responseTimeMs : 20)))) << new QStandardItem(QStringLiteral("64"));
        m_nodes->appendRow(row);
    }
    retranslate();
}

QString BalancingPage::statusText() const
{
    return m_status->text();
}

bool BalancingPage::simulationRunning() const { return m_watcher.isRunning(); }

void BalancingPage::runSimulation()
{
    if (m_watcher.isRunning())
        return;
    SimulationParams p;
    for (int r = 0; r < m_nodes->rowCount(); ++r) {
        SimNode n;
        n.id = m_nodes->item(r, 0)->text();
        n.weight = m_nodes->item(r, 1)->text().toInt();
        n.capacity = m_nodes->item(r, 2)->text().toInt();
        n.latencyMs = m_nodes->item(r, 3)->text().toDouble();
        n.queueLimit = m_nodes->item(r, 4)->text().toInt();
        p.nodes << n;
    }
    p.arrivalRate = m_rate->value();
    p.requests = m_requests->value();
    p.seed = quint64(m_seed->value());
    p.strategies.clear();
    for (QCheckBox *b : std::as_const(m_strategyBoxes))
        if (b->isChecked())
            p.strategies << *strategyFromName(b->property("strategy").toString());
    // The engine's own validation names what is wrong (a what-if weight of 0, no node...).
    if (Status s = p.validate(); !s) {
        m_status->setText(tr("Cannot simulate: %1").arg(errorMessage(s.error())));
        m_status->setStyleSheet(QStringLiteral("color: #c0392b;"));
        return;
    }
    m_status->setStyleSheet({});
    m_status->setText(tr("Simulating %1 requests per strategy…").arg(p.requests));
    m_running = p;
    QStringList simulated;
    for (const SimNode &n : std::as_const(p.nodes))
        simulated << n.id;
    m_runningRun = Run{QDateTime::currentMSecsSinceEpoch(), m_cluster, simulated};
    m_job = std::make_shared<JobControl>();
    connect(m_job.get(), &JobControl::progressed, this, [this](double fraction) {
        if (m_watcher.isRunning()) // a late report must not move the bar of a finished run
            m_progress->setValue(int(fraction * 1000));
    });
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress->setValue(0);
    m_watcher.setFuture(session()->simulate(SimulationRequest{p, SimNode{}}, m_job));
}

void BalancingPage::cancelSimulation()
{
    if (m_job)
        m_job->cancel();
}

void BalancingPage::showReport(const Result<SimulationReport> &report, const SimulationParams &params)
{
    m_shownReport = report;
    m_shownParams = params;
    if (!report) {
        m_status->setText(tr("Cannot simulate: %1").arg(errorMessage(report.error())));
        showRun();
        return;
    }
    // A cancelled run leaves no bar stuck part-way, and says which rows are incomplete.
    m_progress->setValue(report->cancelled ? 0 : 1000);
    m_status->setText(
        report->cancelled
            ? tr("Cancelled: the row marked \"partial\" stopped part-way and is not comparable.")
            : tr("%1 simulated requests in %2 s (%3 million per second).")
                  .arg(countText(report->simulatedRequests),
                       QLocale().toString(report->wallSeconds, 'f', 2),
                       QLocale().toString(double(report->simulatedRequests) /
                                              std::max(1e-9, report->wallSeconds) / 1e6,
                                          'f', 1)));
    m_results->removeRows(0, m_results->rowCount());
    for (qsizetype i = 0; i < report->outcomes.size(); ++i)
        addResultRow(report->outcomes.at(i), isPartial(report.value(), i));
    QChart *old = m_spread->chart();
    m_spread->setChart(spreadChart(report.value(), params));
    delete old;
    m_resultsView->resizeColumnsToContents();
    showRun();
}

BalancingPage::NodeSet BalancingPage::takingTraffic(const QList<NodeStatus> &nodes)
{
    NodeSet set;
    for (const NodeStatus &n : nodes)
        if (n.eligible)
            set.append({n.spec.id, n.spec.weight});
    return set;
}

bool BalancingPage::shownRunOutOfDate() const
{
    return m_shownRun && m_shownRun->cluster != m_cluster;
}

void BalancingPage::showRun()
{
    // Marked, not run again by itself: a run takes seconds of both cores per strategy, and
    // nodes flapping would run it over and over; what-if runs are the operator's own inputs.
    const bool shown = m_shownRun && m_shownReport && *m_shownReport;
    m_runLabel->setVisible(shown);
    if (!shown)
        return;
    const Run &run = *m_shownRun;
    const QString nodes = run.nodes.size() <= 6
                              ? run.nodes.join(QStringLiteral(", "))
                              : tr("%1 and %Ln more", nullptr, int(run.nodes.size() - 5))
                                    .arg(run.nodes.mid(0, 5).join(QStringLiteral(", ")));
    const QString which = tr("Run at %1 over %Ln node(s): %2.", nullptr, int(run.nodes.size()))
                              .arg(timeText(run.startedAt), nodes);
    const bool outOfDate = shownRunOutOfDate();
    m_runLabel->setText(outOfDate ? which + u' ' +
                                        tr("Out of date: the nodes taking traffic changed since "
                                           "(a node down, back, added, removed or reweighted). "
                                           "Run it again for the nodes as they are.")
                                  : which);
    m_runLabel->setStyleSheet(outOfDate ? QStringLiteral("color: #c0392b; font-weight: bold")
                                        : QString());
    m_spread->chart()->setTitle(outOfDate ? tr("Requests per node (out of date)")
                                          : tr("Requests per node"));
}

bool BalancingPage::isPartial(const SimulationReport &report, qsizetype outcome)
{
    // The simulator stops inside the strategy it was running when cancelled.
    return report.cancelled && outcome == report.outcomes.size() - 1;
}

QString BalancingPage::outcomeLabel(const StrategyOutcome &o, bool partial)
{
    return partial ? tr("%1 (partial)").arg(strategyLabel(o.strategy)) : strategyLabel(o.strategy);
}

void BalancingPage::addResultRow(const StrategyOutcome &o, bool partial)
{
    const QLocale locale;
    QList<QStandardItem *> row;
    for (const QString &v :
         {outcomeLabel(o, partial), locale.toString(o.served), locale.toString(o.queued),
          locale.toString(o.rejected), locale.toString(o.p50Ms, 'f', 1),
          locale.toString(o.p95Ms, 'f', 1), locale.toString(o.p99Ms, 'f', 1)}) {
        auto *item = new QStandardItem(v);
        item->setEditable(false);
        if (partial) {
            QFont f = item->font();
            f.setItalic(true);
            item->setFont(f);
            item->setForeground(QColor(0x7f, 0x8c, 0x8d));
            item->setData(true, Qt::UserRole + 1); // tests and exports can tell
        }
        row << item;
    }
    m_results->appendRow(row);
}

/// Requests per node, a bar set a strategy (a partial one hatched).
QChart *BalancingPage::spreadChart(const SimulationReport &report, const SimulationParams &params)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    auto *series = new QBarSeries;
    QStringList ids;
    for (const SimNode &n : params.nodes)
        ids << n.id;
    qint64 maxCount = 1;
    const QList<QColor> palette = LiveChart::palette();
    for (qsizetype i = 0; i < report.outcomes.size(); ++i) {
        const StrategyOutcome &o = report.outcomes.at(i);
        const bool partial = isPartial(report, i);
        auto *set = new QBarSet(outcomeLabel(o, partial));
        const QColor color = palette.at(int(i) % palette.size());
        set->setColor(color);
        if (partial)
            set->setBrush(QBrush(color, Qt::BDiagPattern));
        for (qint64 c : o.perNode) {
            *set << double(c);
            maxCount = std::max(maxCount, c);
        }
        series->append(set);
    }
    chart->addSeries(series);
    QBarCategoryAxis *x = nodeAxis(chart, ids);
    // Which node a bar is, whole, with the strategy and its count.
    connect(series, &QBarSeries::hovered, m_spread, [this, ids](bool on, int index, QBarSet *set) {
        if (on && index >= 0 && index < ids.size())
            QToolTip::showText(
                QCursor::pos(),
                tr("%1\n%2: %3 requests")
                    .arg(ids.at(index), set->label(), QLocale().toString(qint64(set->at(index)))),
                m_spread);
        else
            QToolTip::hideText();
    });
    auto *y = new QValueAxis;
    y->setRange(0, double(maxCount) * 1.1);
    y->applyNiceNumbers();
    // Counts as the rest of the console writes them ("150,000"), in its display locale.
    y->setLabelFormat(QStringLiteral("%.0f"));
    chart->setLocalizeNumbers(true);
    chart->setLocale(QLocale());
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    chart->setTitle(tr("Requests per node"));
    // At the side, one strategy a line: at the bottom five names shared one line and were cut.
    chart->legend()->setAlignment(Qt::AlignRight);
    return chart;
}

/// The node axis. Qt Charts cuts a label wider than its category, and hides one that, turned,
/// reaches past the axis's ends (at -30° only the middle one of three ids was left). So each
/// node is named whole where the ids fit side by side; else by what follows the start all ids
/// share, which the axis title names as a pattern ("basic-server-*": an ellipsis there read
/// as a cut label); labels lie flat while they fit, else stand upright. Follows the plot area.
QBarCategoryAxis *BalancingPage::nodeAxis(QChart *chart, const QStringList &ids)
{
    auto *x = new QBarCategoryAxis;
    x->setTitleFont(x->labelsFont());
    x->setTruncateLabels(false);
    const NodeLabels names = nodeLabels(ids);
    const QFontMetricsF labelMetrics(x->labelsFont());
    const auto widest = [&labelMetrics](const QStringList &labels) {
        qreal most = 0;
        for (const QString &label : labels)
            most = std::max(most, labelMetrics.horizontalAdvance(label));
        return most;
    };
    const auto fitLabels = [x, whole = ids, wholeWidth = widest(ids), names,
                            shortWidth = widest(names.labels)](const QRectF &plot) {
        const qreal room = whole.isEmpty() ? plot.width() : plot.width() / qreal(whole.size());
        const bool asWhole = names.shared.isEmpty() || wholeWidth + 8 <= room;
        const QStringList &labels = asWhole ? whole : names.labels;
        if (x->categories() != labels) {
            x->clear();
            x->append(labels);
        }
        const QString title = asWhole ? QString() : names.shared + u'*';
        if (x->titleText() != title) {
            x->setTitleText(title);
            x->setTitleVisible(!title.isEmpty());
        }
        const int angle = (asWhole ? wholeWidth : shortWidth) + 8 > room ? -90 : 0;
        if (x->labelsAngle() != angle)
            x->setLabelsAngle(angle);
    };
    fitLabels(QRectF(0, 0, 0, 0));
    connect(chart, &QChart::plotAreaChanged, x, fitLabels);
    return x;
}

} // namespace jobfirst::ui
