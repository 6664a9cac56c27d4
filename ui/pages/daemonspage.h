// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "pages/page.h"
#include "store/daemonstatus.h"

#include <QPointer>

class QLabel;
class QMessageBox;
class QPushButton;
class QTableView;
class QTimer;

namespace jobfirst::ui {

class ColumnFitter;

/// The engines working on the store (issue 13): every jobfirstd sharing a PostgreSQL outbox
/// with the partitions it holds, its heartbeat age and delivery rate, read through the engine
/// interface once a second while the page is shown (a daemon whose heartbeat is late is
/// marked late, then gone, in words). When they cannot be read the page says why and shows no
/// rows (old ones would look current). An admin can forget a gone daemon (its row removed,
/// after a confirmation naming it). With a SQLite store, the one embedded engine.
class DaemonsPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DaemonsPage)

public:
    explicit DaemonsPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Daemons"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    RecordTableModel<DaemonStatus> *model() const { return m_model; }
    /// Reads the daemons now (the answer arrives later; refreshed() says when).
    void refresh();
    QTableView *table() const { return m_view; }
    /// Asks to forget the selected daemon: a confirmation ("confirmForget") naming it, then
    /// EngineSession::forgetDaemon(); the answer shows in the summary.
    void forgetSelected();

    /// A heartbeat older than this is late: the daemon may be gone.
    static constexpr qint64 LateMs = DaemonStatus::LateMs;

signals:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    using DaemonColumn = RecordTableModel<DaemonStatus>::Column;
    // The table's columns.
    static DaemonColumn daemonColumn();
    static DaemonColumn heartbeatColumn();
    static DaemonColumn partitionsColumn();
    static DaemonColumn deliveredColumn();
    static DaemonColumn rateColumn();
    static DaemonColumn adminApiColumn();
    void setUpView();
    void layOut();
    void updateSummary();
    /// The selected row, when one is; else nullptr.
    const DaemonStatus *selected() const;
    void updateForget();
    /// The row of daemon `id` as last read, when it is listed; else nullptr.
    const DaemonStatus *rowOf(const QString &id) const;
    /// Keeps the open confirmation true to the last read: the age it names grows, and a daemon
    /// heard from again (or no longer listed) is said so, with Yes disabled.
    void updateConfirm();
    void forgetConfirmed(const QString &id);

    RecordTableModel<DaemonStatus> *m_model;
    QTableView *m_view;
    QLabel *m_summary;
    QPushButton *m_forget;
    QTimer *m_timer;
    ColumnFitter *m_fitter;
    bool m_busy = false;
    QString m_error;
    QString m_forgetResult; ///< what the last forget answered, shown under the summary
    QPointer<QMessageBox> m_confirm; ///< the open "Forget daemon?" confirmation, if any
    QString m_confirmId;             ///< the daemon it names
};

} // namespace jobfirst::ui
