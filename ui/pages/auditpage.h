// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "pages/page.h"
#include "store/auditentry.h"

class QLineEdit;
class QListWidget;
class QTableView;

namespace jobfirst::ui {

/// The operator actions log (filterable) and the alerts raised while the console runs.
class AuditPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditPage)

public:
    explicit AuditPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Audit and alerts"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;
    void refresh();
    RecordTableModel<AuditEntry> *model() const { return m_model; }
    QListWidget *alerts() const { return m_alerts; }
    static QString alertText(const Alert &alert);

private:
    RecordTableModel<AuditEntry> *m_model;
    QTableView *m_view;
    QLineEdit *m_filter;
    QListWidget *m_alerts;
    int m_ticks = 0;
};

} // namespace jobfirst::ui
