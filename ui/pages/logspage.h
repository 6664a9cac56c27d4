// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "logs/logentry.h"
#include "models/recordtablemodel.h"
#include "pages/page.h"

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace jobfirst::ui {

/// One log view (the plan's 日志聚合): engine, health, delivery and audit lines, filtered by
/// level, node, target, text and time; followed live; the filtered lines exported as JSON Lines.
class LogsPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogsPage)

public:
    explicit LogsPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Logs"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    RecordTableModel<LogEntry> *model() const { return m_model; }
    LogQuery query() const;
    void refresh();
    /// Writes the lines shown to `path` as JSON Lines (off the GUI thread).
    void exportTo(const QString &path);
    /// Text of a line in the console's language (health and alert lines are worded here).
    static QString lineText(const LogEntry &entry);

signals:
    void refreshed();
    void exported(const QString &message);

private:
    // The constructor's steps.
    /// Time, level, source, node or target, message; each row coloured by its level.
    RecordTableModel<LogEntry> *logModel();
    void setUpView();
    /// The level choices, the fields' names, and the time range (the last day to the next).
    void setUpFilters();
    /// The filters on one row, the time range and the commands on the next, the lines below.
    void layOut();
    /// A filter refreshes the lines when it is applied (Enter, a level, the time range).
    void connectFilters();
    /// Export…: asks where, then exportTo().
    void askExportFile();

    RecordTableModel<LogEntry> *m_model;
    QTableView *m_view;
    QComboBox *m_level;
    QLineEdit *m_node, *m_target, *m_text;
    QCheckBox *m_useTime;
    QDateTimeEdit *m_from, *m_to;
    QCheckBox *m_follow;
    QPushButton *m_apply, *m_export;
    QLabel *m_status;
    QList<QLabel *> m_labels;
    bool m_busy = false;
};

} // namespace jobfirst::ui
