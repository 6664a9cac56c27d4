// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "pages/page.h"

class QLabel;
class QTableView;

namespace jobfirst::ui {

/// The engine's incidents: one row per incident (raised once, counted while it lasts,
/// resolved when its condition ends), open ones first.
class AlertsPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertsPage)

public:
    explicit AlertsPage(EngineSession *session, QWidget *parent = nullptr);
    /// "Alerts", with the number of open incidents when there are any.
    QString title() const override;
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;
    RecordTableModel<Alert> *model() const { return m_model; }
    int openCount() const { return m_open; }
    /// What happened, worded by kind in the console's language ("Node n1 is down: ...").
    static QString alertText(const Alert &alert);
    /// The engine's detail of an incident (the tooltip), in the console's language where its
    /// kind says what it is: a node's health reason, a store problem's code.
    static QString detailText(const Alert &alert);
    static QString severityText(Alert::Severity severity);
    /// The resolvedAt of a row whose end this console did not see (the engine no longer lists
    /// it as open): resolved, at a time not known.
    static constexpr qint64 ResolvedWhenNotKnown = -1;

private:
    void sortRows();

    RecordTableModel<Alert> *m_model;
    QTableView *m_view;
    QLabel *m_summary;
    QList<Alert> m_rows;
    int m_open = 0;
    static constexpr int MaxRows = 500;
};

} // namespace jobfirst::ui
