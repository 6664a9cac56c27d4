// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/nodespage.h"

#include "api/enginesession.h"
#include "charts/livechart.h"
#include "core/whenfinished.h"
#include "dialogs/nodedialog.h"
#include "widgets/columnfitter.h"

#include <QAction>
#include <QBrush>
#include <QDateTime>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include <cmath>

namespace jobfirst::ui {

namespace {

QVariant stateBrush(HealthState s)
{
    return QBrush(healthBackground(s));
}

bool sameNumber(double a, double b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}

/// Everything a row of the node table shows (its key, the id, included), the same as before.
/// The numbers that change with each check first: a changed row is told by them at once,
/// before its texts are compared.
bool sameRow(const NodeStatus &a, const NodeStatus &b)
{
    return a.lastCheckAt == b.lastCheckAt && a.requests == b.requests && a.health == b.health &&
           a.checkedHere == b.checkedHere && a.checkedBy == b.checkedBy &&
           a.effectiveWeight == b.effectiveWeight && a.activeConnections == b.activeConnections &&
           sameNumber(a.responseTimeMs, b.responseTimeMs) &&
           sameNumber(a.successRate, b.successRate) && a.lastChangeAt == b.lastChangeAt &&
           a.lastCheckResult == b.lastCheckResult && a.spec == b.spec;
}

/// A node's URL as its column shows it: without "http://", which most nodes speak, so that
/// host:port comes first ("https://" stays: it is worth seeing), then any path.
QString shownUrl(const QString &url)
{
    return url.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ? url.mid(7) : url;
}

/// What the URL column never cuts: the shown URL up to the end of its host:port.
QString keptUrl(const QString &url)
{
    const QString shown = shownUrl(url);
    const qsizetype scheme = shown.indexOf(QLatin1String("://"));
    const qsizetype path = shown.indexOf(u'/', scheme < 0 ? 0 : scheme + 3);
    return path < 0 ? shown : shown.left(path);
}

/// A column's cells: `f(node, role)` shown and sorted by, on the node's state colour.
template <typename F> auto text(F f)
{
    return [f](const NodeStatus &n, int role) -> QVariant {
        if (role == Qt::BackgroundRole)
            return stateBrush(n.health);
        if (role == Qt::DisplayRole || role == Qt::UserRole)
            return f(n, role);
        return {};
    };
}

/// A figure of a node's checks: `f(node, role)`, or for a node another daemon checks and no
/// figure here, "—" saying in its tooltip where it is measured (an empty cell looked like
/// missing data, walk26), sorted after every figure. `measured`: this daemon has the figure
/// anyway (real traffic through it).
template <typename F> auto checkFigure(F f, bool (*measured)(const NodeStatus &))
{
    return [f, measured](const NodeStatus &n, int role) -> QVariant {
        if (role == Qt::BackgroundRole)
            return stateBrush(n.health);
        if (n.checkedHere || measured(n))
            return role == Qt::DisplayRole || role == Qt::UserRole ? f(n, role) : QVariant();
        if (role == Qt::DisplayRole)
            return QStringLiteral("—");
        if (role == Qt::UserRole)
            return -1.0;
        if (role == Qt::ToolTipRole)
            return NodesPage::tr("%1: measured there, not by the daemon this console is "
                                 "attached to.")
                .arg(NodesPage::checkerText(n));
        return {};
    };
}

/// A text that may be cut short in its column: whole in its tooltip.
template <typename F> auto elidable(F f)
{
    return [f](const NodeStatus &n, int role) -> QVariant {
        if (role == Qt::BackgroundRole)
            return stateBrush(n.health);
        if (role == Qt::DisplayRole || role == Qt::UserRole || role == Qt::ToolTipRole)
            return f(n);
        return {};
    };
}

} // namespace

NodesPage::NodesPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_proxy(new QSortFilterProxyModel(this)), m_table(new QTableView),
      m_historyView(new QTableView), m_filter(new QLineEdit),
      m_latency(new LiveChart([] { return tr("Latency of the selected node"); },
                              [] { return tr("ms"); })),
      m_latencyNote(new QLabel), m_latencyPanel(new QStackedWidget), m_toolbar(new QToolBar),
      m_detailTitle(new QLabel)
{
    connect(session, &EngineSession::configApplied, this, &NodesPage::readNodeTimeout);
    m_model = makeNodeModel();
    m_history = makeHistoryModel();
    setUpNodeTable();
    setUpHistory();
    buildToolbar();
    layOut();
    retranslate();
}

/// The nodes table's columns, one row a node.
RecordTableModel<NodeStatus> *NodesPage::makeNodeModel()
{
    using Col = NodeColumn;
    auto *model = new RecordTableModel<NodeStatus>(
        {
            Col{[] { return tr("Node"); },
                text([](const NodeStatus &n, int) -> QVariant { return n.spec.id; })},
            Col{[] { return tr("Status"); }, text([this](const NodeStatus &n, int) -> QVariant {
                    return healthTextWithCountdown(n, m_nodeTimeoutMs, m_snapshotAt);
                })},
            Col{[] { return tr("Admin"); }, text([](const NodeStatus &n, int) -> QVariant {
                    return adminText(n.spec.adminState);
                })},
            Col{[] { return tr("Weight"); }, text([](const NodeStatus &n, int) -> QVariant {
                    return n.effectiveWeight && n.effectiveWeight != n.spec.weight
                               ? QStringLiteral("%1 → %2").arg(n.effectiveWeight).arg(n.spec.weight)
                               : QString::number(n.spec.weight);
                })},
            Col{[] { return tr("Connections"); },
                text([](const NodeStatus &n, int) -> QVariant { return n.activeConnections; })},
            responseColumn(),
            successColumn(),
            Col{[] { return tr("Requests"); }, text([](const NodeStatus &n, int role) -> QVariant {
                    return role == Qt::UserRole ? QVariant(n.requests)
                                                : QVariant(countText(n.requests));
                })},
            changedColumn(),
            urlColumn(),
            Col{[] { return tr("Tags"); }, elidable([](const NodeStatus &n) -> QVariant {
                    return n.spec.tags.join(QStringLiteral(", "));
                })},
            // Last: a failed check's reason can be a long error (an answer's text); it elides
            // in the room the other columns leave, rather than scrolling the table sideways.
            // A node another daemon checks: which one (this one's last check of it, from
            // before its partition moved, is no longer news).
            Col{[] { return tr("Last check"); }, elidable([](const NodeStatus &n) -> QVariant {
                    if (!n.checkedHere)
                        return checkerText(n);
                    return n.lastCheckAt
                               ? QStringLiteral("%1  %2").arg(timeText(n.lastCheckAt).mid(11),
                                                              reasonText(n.lastCheckResult))
                               : QStringLiteral("—");
                })},
        },
        [](const NodeStatus &n) { return n.spec.id; }, this);
    // A down node's state counts down to failed with every snapshot: never the same.
    model->setSameRow([](const NodeStatus &before, const NodeStatus &now) {
        return now.health != HealthState::Down && sameRow(before, now);
    });
    return model;
}

/// The last check's response time, sorted as a number.
NodesPage::NodeColumn NodesPage::responseColumn()
{
    return {[] { return tr("Response (ms)"); },
            checkFigure(
                [](const NodeStatus &n, int role) -> QVariant {
                    // A node that is not up has no response time: an empty cell, sorted last.
                    if (!n.hasResponseTime())
                        return role == Qt::UserRole ? QVariant(-1.0) : QVariant(QString());
                    return role == Qt::UserRole
                               ? QVariant(n.responseTimeMs)
                               : QVariant(QLocale().toString(n.responseTimeMs, 'f', 1));
                },
                [](const NodeStatus &n) { return n.hasResponseTime(); })};
}

/// Nothing checked or asked yet: no rate, rather than a made-up one.
NodesPage::NodeColumn NodesPage::successColumn()
{
    return {[] { return tr("Success %"); },
            checkFigure(
                [](const NodeStatus &n, int role) -> QVariant {
                    if (std::isnan(n.successRate))
                        return role == Qt::UserRole ? QVariant(-1.0)
                                                    : QVariant(QStringLiteral("—"));
                    return role == Qt::UserRole ? QVariant(n.successRate)
                                                : QVariant(QString::number(n.successRate, 'f', 1));
                },
                [](const NodeStatus &n) { return !std::isnan(n.successRate); })};
}

/// Today's changes by their time alone (the date took a column's worth of the
/// table's width); the whole moment in the tooltip, sorted by it.
NodesPage::NodeColumn NodesPage::changedColumn()
{
    return {[] { return tr("Changed"); },
            [](const NodeStatus &n, int role) -> QVariant {
                if (role == Qt::BackgroundRole)
                    return stateBrush(n.health);
                if (role == Qt::UserRole)
                    return n.lastChangeAt;
                if (role == Qt::ToolTipRole)
                    return timeText(n.lastChangeAt);
                if (role != Qt::DisplayRole)
                    return {};
                const QDateTime at = QDateTime::fromMSecsSinceEpoch(n.lastChangeAt);
                return n.lastChangeAt && at.date() == QDate::currentDate()
                           ? at.toString(QStringLiteral("HH:mm:ss"))
                           : timeText(n.lastChangeAt);
            }};
}

/// A node checked without certificate verification is marked red, with the reason.
/// Narrowed to the room left, the column still shows host:port (it was "http://1…").
NodesPage::NodeColumn NodesPage::urlColumn()
{
    return {[] { return tr("URL"); },
            [](const NodeStatus &n, int role) -> QVariant {
                if (role == Qt::BackgroundRole)
                    return stateBrush(n.health);
                if (role == Qt::DisplayRole || role == Qt::UserRole)
                    return n.spec.tlsInsecure
                               ? tr("%1  (TLS not verified)").arg(shownUrl(n.spec.url))
                               : shownUrl(n.spec.url);
                if (role == ColumnFitter::KeptTextRole)
                    return keptUrl(n.spec.url);
                if (role == Qt::ForegroundRole && n.spec.tlsInsecure)
                    return QBrush(QColor(0xc6, 0x28, 0x28));
                // Whole, with the warning, in a column narrowed to the room left.
                if (role == Qt::ToolTipRole)
                    return n.spec.tlsInsecure
                               ? n.spec.url + u'\n' +
                                     tr("tls_insecure is set: the node's certificate is not "
                                        "verified, so its traffic "
                                        "can be read and changed on the way.")
                               : n.spec.url;
                return {};
            }};
}

/// The selected node's health transitions.
RecordTableModel<HealthEvent> *NodesPage::makeHistoryModel()
{
    using HCol = RecordTableModel<HealthEvent>::Column;
    return new RecordTableModel<HealthEvent>(
        {
            HCol{[] { return tr("Time"); },
                 [](const HealthEvent &e, int role) -> QVariant {
                     return role == Qt::DisplayRole ? QVariant(timeText(e.timestamp)) : QVariant();
                 }},
            HCol{[] { return tr("From"); },
                 [](const HealthEvent &e, int role) -> QVariant {
                     return role == Qt::DisplayRole ? QVariant(healthText(e.from)) : QVariant();
                 }},
            HCol{[] { return tr("To"); },
                 [](const HealthEvent &e, int role) -> QVariant {
                     if (role == Qt::BackgroundRole)
                         return stateBrush(e.to);
                     return role == Qt::DisplayRole ? QVariant(healthText(e.to)) : QVariant();
                 }},
            HCol{[] { return tr("Reason"); },
                 [](const HealthEvent &e, int role) -> QVariant {
                     // The panel is narrow: a long reason is whole in its tooltip.
                     return role == Qt::DisplayRole || role == Qt::ToolTipRole
                                ? QVariant(reasonText(e.reason))
                                : QVariant();
                 }},
        },
        [](const HealthEvent &e) { return QString::number(e.id); }, this);
}

void NodesPage::setUpNodeTable()
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setObjectName(QStringLiteral("nodeTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(0, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // Columns fit the rows on screen when they change, not on every snapshot (ColumnFitter).
    m_fitter = new ColumnFitter(m_table);
    // At 1280 px with a node down, the columns' words need more than the window: the last
    // check, the tags and the URL give up room, in that order, and are whole in tooltips.
    const int columns = m_model->columnCount();
    m_fitter->setElidingColumns({columns - 1, columns - 2, columns - 3});
    // A node drained or put in maintenance changes a value, not the rows on screen: the
    // column has room for every admin state from the start ("drai…" until the next fit).
    m_fitter->setColumnWords(AdminColumn, [] {
        return QStringList{adminText(AdminState::Ready), adminText(AdminState::Drain),
                           adminText(AdminState::Maintenance)};
    });
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_filter->setObjectName(QStringLiteral("nodeFilter"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
}

void NodesPage::setUpHistory()
{
    m_historyView->setObjectName(QStringLiteral("nodeHistory"));
    m_historyView->setModel(m_history);
    m_historyView->setWordWrap(false);
    // Time and states as wide as their text; the reason takes the rest.
    m_historyView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_historyView->horizontalHeader()->setStretchLastSection(true);
    m_historyView->verticalHeader()->hide();
}

void NodesPage::buildToolbar()
{
    m_add = m_toolbar->addAction(QString(), this, &NodesPage::addNode);
    m_edit = m_toolbar->addAction(QString(), this, &NodesPage::editNode);
    m_remove = m_toolbar->addAction(QString(), this, &NodesPage::removeNode);
    m_toolbar->addSeparator();
    m_drain = m_toolbar->addAction(QString(), this, [this] { setAdmin(AdminState::Drain); });
    m_maint = m_toolbar->addAction(QString(), this, [this] { setAdmin(AdminState::Maintenance); });
    m_ready = m_toolbar->addAction(QString(), this, [this] { setAdmin(AdminState::Ready); });
    m_weight = m_toolbar->addAction(QString(), this, &NodesPage::changeWeight);
    m_check = m_toolbar->addAction(QString(), this, &NodesPage::checkNow);
    for (QAction *a : {m_add, m_edit, m_remove})
        gate(a, Permission::Administer);
    for (QAction *a : {m_drain, m_maint, m_ready, m_weight, m_check})
        gate(a, Permission::Operate);
    m_drain->setObjectName(QStringLiteral("drainAction"));
    m_ready->setObjectName(QStringLiteral("readyAction"));
    m_remove->setObjectName(QStringLiteral("removeAction"));
    updateActions();
    connect(m_table, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        contextMenu()->popup(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        refreshHistory();
    });
}

/// The table and its toolbar above; the selected node's history and latency below.
void NodesPage::layOut()
{
    auto *top = new QWidget;
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_toolbar, 1);
    bar->addWidget(m_filter);
    topLayout->addLayout(bar);
    topLayout->addWidget(m_table);
    auto *bottom = new QWidget;
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    m_detailTitle->setObjectName(QStringLiteral("nodeDetailTitle"));
    bottomLayout->addWidget(m_detailTitle);
    auto *panels = new QSplitter(Qt::Horizontal);
    panels->addWidget(m_historyView);
    m_latencyNote->setObjectName(QStringLiteral("latencyNote"));
    m_latencyNote->setWordWrap(true);
    m_latencyNote->setAlignment(Qt::AlignCenter);
    m_latencyNote->setMargin(12);
    m_latencyPanel->addWidget(m_latency);
    m_latencyPanel->addWidget(m_latencyNote);
    panels->addWidget(m_latencyPanel);
    bottomLayout->addWidget(panels, 1);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
}

void NodesPage::retranslate()
{
    m_add->setText(tr("Add…"));
    m_edit->setText(tr("Edit…"));
    m_remove->setText(tr("Remove"));
    m_drain->setText(tr("Drain"));
    m_maint->setText(tr("Maintenance"));
    m_ready->setText(tr("Ready"));
    m_weight->setText(tr("Weight…"));
    m_check->setText(tr("Check now"));
    m_filter->setPlaceholderText(tr("Filter nodes"));
    m_model->retranslate();
    m_history->retranslate();
    m_latency->retranslate();
    showDetailTitle();
    showLatencyOrChecker();
}

QMenu *NodesPage::contextMenu()
{
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    for (QAction *a : {m_edit, m_remove, m_drain, m_maint, m_ready, m_weight, m_check})
        menu->addAction(a);
    return menu;
}

QString NodesPage::selectedId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    return m_model->row(m_proxy->mapToSource(rows.first()).row()).spec.id;
}

void NodesPage::applySnapshot(const EngineSnapshot &s)
{
    m_maxNodes = s.maxNodes;
    m_snapshotAt = s.at; // before the rows: the status column counts down from it
    if (!m_timeoutAsked) {
        m_timeoutAsked = true;
        readNodeTimeout();
    }
    const QString selected = selectedId();
    // The model compares the nodes with the rows it has: when it was not reset, the same
    // nodes are in the same order, and m_ids and m_recent still line up with them.
    if (m_model->setRows(s.nodes))
        realignRecent(s.nodes);
    // Every node's recent latency, so a node selected later shows its history at once.
    for (qsizetype i = 0; i < s.nodes.size(); ++i) {
        const NodeStatus &n = s.nodes.at(i);
        // Another daemon checks it: no measurement here is not "no answer".
        if (!n.lastCheckAt || (!n.checkedHere && !n.hasResponseTime()))
            continue;
        auto &points = m_recent[std::size_t(i)];
        points.emplace_back(s.at, n.responseTimeMs);
        while (!points.empty() && points.front().first < s.at - RecentMs)
            points.pop_front();
    }

    // A new or removed node resets the table: the same node stays selected.
    if (!selected.isEmpty() && selectedId() != selected) {
        const int row = m_model->rowOfKey(selected);
        if (row >= 0)
            m_table->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
    }
    if (selectedId() != m_historyFor) {
        refreshHistory();
    } else if (!m_historyFor.isEmpty()) {
        for (const NodeStatus &n : s.nodes)
            if (n.spec.id == m_historyFor && n.lastCheckAt &&
                (n.checkedHere || n.hasResponseTime())) {
                m_latency->addPoint(n.spec.id, s.at, n.responseTimeMs);
                m_latency->setSeriesNote(n.spec.id,
                                         n.hasResponseTime() ? QString() : healthText(n.health));
            }
        m_latency->flush(s.at);
        showLatencyOrChecker();
        for (const HealthEvent &e : s.healthEvents)
            if (e.nodeId == m_historyFor) {
                refreshHistory();
                break;
            }
    }
    if (!s.healthEvents.isEmpty()) // a state's words may be wider
        m_fitter->schedule();
    updateActions();
}

void NodesPage::realignRecent(const QList<NodeStatus> &nodes)
{
    // Each node keeps its recent latency; a node that left takes its own along.
    QHash<QString, std::deque<std::pair<qint64, double>>> byId;
    for (qsizetype i = 0; i < m_ids.size(); ++i)
        byId.insert(m_ids.at(i), std::move(m_recent[std::size_t(i)]));
    m_ids.clear();
    m_recent.clear();
    m_recent.reserve(std::size_t(nodes.size()));
    for (const NodeStatus &n : nodes) {
        m_ids << n.spec.id;
        m_recent.push_back(byId.take(n.spec.id));
    }
}

void NodesPage::readNodeTimeout()
{
    whenFinished(session()->config(false), this, [this](const Result<ClusterConfig> &c) {
        if (c)
            m_nodeTimeoutMs = c->nodeTimeoutMs;
    });
}

void NodesPage::updateActions()
{
    const bool any = !selectedId().isEmpty();
    for (QAction *a : {m_edit, m_remove, m_drain, m_maint, m_ready, m_weight, m_check})
        a->setEnabled(any);
}

void NodesPage::refreshHistory()
{
    const QString id = selectedId();
    if (id != m_historyFor) {
        // Another node (or none): nothing of the previous one may stay in the panels.
        m_historyFor = id;
        m_history->setRows({});
        m_latency->removeSeriesNotIn({});
        if (const qsizetype at = m_ids.indexOf(id); at >= 0)
            for (const auto &[when, ms] : m_recent[std::size_t(at)])
                m_latency->addPoint(id, when, ms);
        if (!id.isEmpty() && m_snapshotAt)
            m_latency->flush(m_snapshotAt);
    }
    showDetailTitle();
    showLatencyOrChecker();
    if (id.isEmpty())
        return;
    whenFinished(session()->nodeHistory(id, 200), this,
                 [this, id](const Result<QList<HealthEvent>> &r) {
                     if (r && id == m_historyFor)
                         m_history->setRows(r.value());
                 });
}

QString NodesPage::detailTitle() const
{
    return m_detailTitle->text();
}

void NodesPage::showDetailTitle()
{
    m_detailTitle->setText(
        m_historyFor.isEmpty()
            ? tr("No node selected: select a node to see its health history and latency.")
            : tr("Node %1: health history and latency").arg(m_historyFor));
}

QString NodesPage::checkerText(const NodeStatus &node)
{
    return node.checkedBy.isEmpty() ? tr("checked by another daemon")
                                    : tr("checked by daemon %1").arg(node.checkedBy);
}

void NodesPage::showLatencyOrChecker()
{
    const int row = m_historyFor.isEmpty() ? -1 : m_model->rowOfKey(m_historyFor);
    const NodeStatus *node = row < 0 ? nullptr : &m_model->row(row);
    if (!node || node->checkedHere || node->hasResponseTime()) {
        m_latencyPanel->setCurrentWidget(m_latency);
        return;
    }
    m_latencyNote->setText(
        node->checkedBy.isEmpty()
            ? tr("Node %1 is checked by another daemon: its latency is measured there, not by "
                 "the daemon this console is attached to. Its state above is the one that "
                 "daemon recorded.")
                  .arg(node->spec.id)
            : tr("Node %1 is checked by daemon %2: its latency is measured there, not by the "
                 "daemon this console is attached to. Its state above is the one that daemon "
                 "recorded; attach the console to that daemon (Daemons page) to see its "
                 "latency.")
                  .arg(node->spec.id, node->checkedBy));
    m_latencyPanel->setCurrentWidget(m_latencyNote);
}

void NodesPage::run(QFuture<Status> action)
{
    whenFinished(action, this, [this](const Status &s) {
        if (!s)
            emit actionFailed(errorMessage(s.error()));
    });
}

void NodesPage::addNode()
{
    // The dialog adds the node, and says there what the engine refused.
    auto *dialog = new NodeDialog(session(), m_ids, m_maxNodes, std::nullopt, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void NodesPage::editNode()
{
    const QString id = selectedId();
    const int row = m_model->rowOfKey(id);
    if (row < 0)
        return;
    auto *dialog = new NodeDialog(session(), m_ids, m_maxNodes, m_model->row(row).spec, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void NodesPage::removeNode()
{
    const QString id = selectedId();
    if (id.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Remove node"),
                                tr("Remove node %1 from the cluster? It stops receiving traffic and cluster sync.").arg(id),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("confirmRemove"));
    connect(box, &QMessageBox::accepted, this, [this, id] { run(session()->removeNode(id)); });
    box->open();
}

void NodesPage::setAdmin(AdminState state)
{
    const QString id = selectedId();
    if (!id.isEmpty())
        run(session()->setAdminState(id, state));
}

void NodesPage::changeWeight()
{
    const QString id = selectedId();
    const int row = m_model->rowOfKey(id);
    if (row < 0)
        return;
    bool ok = false;
    const int w = QInputDialog::getInt(this, tr("Weight"), tr("Weight of %1 (1-256):").arg(id), m_model->row(row).spec.weight, 1, 256, 1, &ok);
    if (ok)
        run(session()->setNodeWeight(id, w));
}

void NodesPage::checkNow()
{
    const QString id = selectedId();
    if (!id.isEmpty())
        run(whenFinishedThen(
            session()->checkNodes({id}), this,
            [](const Result<QList<NodeCheck>> &r) { return r ? Status() : Status(r.error()); }));
}

} // namespace jobfirst::ui
