// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "pages/page.h"
#include <QFuture>
#include <QHash>

#include <deque>
#include <vector>

class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QToolBar;

namespace jobfirst::ui {

class ColumnFitter;
class LiveChart;

/// The node table with its actions, and the selected node's history and latency.
class NodesPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodesPage)

public:
    /// The table's column of admin states (ready, draining, maintenance).
    static constexpr int AdminColumn = 2;

    explicit NodesPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Nodes"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    RecordTableModel<NodeStatus> *model() const { return m_model; }
    RecordTableModel<HealthEvent> *historyModel() const { return m_history; }
    QTableView *table() const { return m_table; }
    LiveChart *latencyChart() const { return m_latency; }
    /// Said in the chart's place when another daemon checks the selected node (hidden else).
    QLabel *latencyNote() const { return m_latencyNote; }
    /// "checked by daemon host:pid:nonce" (or by another daemon, when not known which).
    static QString checkerText(const NodeStatus &node);
    /// "Node n1: health history and latency", or that no node is selected.
    QString detailTitle() const;
    /// The context menu of the current selection (tests open it as a person would).
    class QMenu *contextMenu();
    void addNode();

signals:
    /// An action failed; the main window shows the engine's message.
    void actionFailed(const QString &message);

private:
    using NodeColumn = RecordTableModel<NodeStatus>::Column;
    RecordTableModel<NodeStatus> *makeNodeModel();
    // The nodes table's columns that sort by a number or warn.
    static NodeColumn responseColumn();
    static NodeColumn successColumn();
    static NodeColumn changedColumn();
    static NodeColumn urlColumn();
    RecordTableModel<HealthEvent> *makeHistoryModel();
    void setUpNodeTable();
    void setUpHistory();
    void buildToolbar();
    void layOut();
    QString selectedId() const;
    void updateActions();
    void editNode();
    void removeNode();
    void setAdmin(AdminState state);
    void changeWeight();
    void checkNow();
    void refreshHistory();
    void showDetailTitle();
    /// The latency chart of the selected node, or in its place which daemon checks it: that
    /// daemon measures its latency, and an empty plot looked like missing data (walk26).
    void showLatencyOrChecker();
    void readNodeTimeout();
    /// Lines m_ids and m_recent up with the nodes after the table was reset.
    void realignRecent(const QList<NodeStatus> &nodes);
    /// Shows the error of a finished action, if any.
    void run(QFuture<Status> action);

    RecordTableModel<NodeStatus> *m_model;
    RecordTableModel<HealthEvent> *m_history;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QTableView *m_historyView;
    QLineEdit *m_filter;
    LiveChart *m_latency;
    QLabel *m_latencyNote;
    QStackedWidget *m_latencyPanel;
    QToolBar *m_toolbar;
    QAction *m_add, *m_edit, *m_remove, *m_drain, *m_maint, *m_ready, *m_weight, *m_check;
    QStringList m_ids;
    int m_maxNodes = 10;
    QString m_historyFor;
    QLabel *m_detailTitle;
    ColumnFitter *m_fitter;
    qint64 m_nodeTimeoutMs = 0;
    qint64 m_snapshotAt = 0;
    bool m_timeoutAsked = false;
    static constexpr qint64 RecentMs = 5 * 60 * 1000;
    /// (time, latency) of each node, in m_ids' order: found by position, as the nodes come in
    /// the same order in every snapshot (a thousand hash lookups a snapshot were the page's
    /// largest cost of its own).
    std::vector<std::deque<std::pair<qint64, double>>> m_recent;
};

} // namespace jobfirst::ui
