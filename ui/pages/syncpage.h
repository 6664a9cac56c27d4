// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "api/jobcontrol.h"
#include "sync/consistencychecker.h"
#include "pages/page.h"
#include "sync/deliveryrecords.h"
#include "sync/syncstats.h"

#include <QFutureWatcher>
#include <QTimer>

#include <QSet>

#include <functional>
#include <optional>

#include <atomic>
#include <memory>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace jobfirst::ui {

class ColumnFitter;
class TargetDialog;

/// Targets, the live queue, dead letters with their attempt logs, the consistency check and
/// bulk import.
class SyncPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncPage)

public:
    explicit SyncPage(EngineSession *session, QWidget *parent = nullptr);
    ~SyncPage() override;
    QString title() const override { return tr("Sync"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    RecordTableModel<TargetStatus> *targetModel() const { return m_targets; }
    RecordTableModel<DeadLetter> *deadLetterModel() const { return m_dead; }
    RecordTableModel<QueuedDelivery> *queueModel() const { return m_queue; }
    RecordTableModel<DeliveryAttempt> *attemptModel() const { return m_attempts; }
    QTableView *deadLetterView() const { return m_deadView; }
    QTableView *queueView() const { return m_queueView; }
    /// The services' targets and the cluster nodes' targets, shown apart.
    QTableView *serviceTargetView() const { return m_targetView; }
    QTableView *nodeTargetView() const { return m_nodeTargetView; }
    QTabWidget *tabs() const { return m_tabs; }
    /// What the dead letter detail pane shows: one dead letter, or that none is selected.
    QString deadLetterDetailTitle() const;
    /// What the last retry, discard or replay did, or why it did not (the tab's status line).
    /// It goes after a few seconds, and at once when the dead letter list changes after it.
    QString deadLetterStatus() const;
    /// How long that line stays (tests lengthen it to see the list's change end it).
    void setDeadLetterStatusLifetime(int ms) { m_deadWordsLifetimeMs = ms; }
    void refreshDeadLetters();
    void retrySelected();
    void startImport(const QString &path);
    void runCheck(bool repair);
    /// "Edit connection…": the target's URL, TLS files and token in a TargetDialog (admin).
    TargetDialog *editTarget(const QString &name);

protected:
    void showEvent(QShowEvent *event) override;

signals:
    void actionFailed(const QString &message);
    void deadLettersRefreshed();
    void importFinished(const QString &summary);
    void checkFinished(const QString &summary);

private:
    using TargetColumn = RecordTableModel<TargetStatus>::Column;
    void makeTargetModel();
    // The targets table's columns that say more than a figure.
    static TargetColumn targetNameColumn();
    TargetColumn targetStateColumn() const;
    static TargetColumn circuitColumn();
    TargetColumn backlogColumn() const;
    TargetColumn oldestWaitingColumn() const;
    TargetColumn deliveredColumn() const;
    TargetColumn targetLastErrorColumn() const;
    void makeQueueModel();
    void makeDeadLetterModel();
    void makeAttemptModel();
    void setUpViews();
    QWidget *buildTargetsTab();
    QWidget *buildDeadLettersTab();
    QWidget *buildConsistencyTab();
    QWidget *buildImportTab();
    QList<qint64> selectedDeadLetters() const;
    QString selectedTarget() const;
    void refreshQueue();
    /// Why a queued row waits: held, the circuit (with its next probe), or its retry time.
    QString waitText(const QueuedDelivery &row) const;
    void showAttempts();
    /// The replay window's dates as of now (the last day), where the operator did not set them.
    void refreshReplayWindow();
    /// Asks before a replay of the window, saying how many listed letters go to which targets
    /// (none in the list: replays at once, and the answer says nothing was sent).
    void confirmReplay();
    void replayWindow(const QString &target, qint64 from, qint64 to);
    /// The dead letters tab lists the newest this many.
    static constexpr int DeadLettersListed = 500;
    /// Shows the error of a finished action, if any, and refreshes the dead letters.
    void run(QFuture<Status> action);
    /// Runs a retry, discard or replay of dead letters; when the engine answers, the tab's
    /// status line says what it did (`done` words the count) or why not, and the list follows.
    void runOnDeadLetters(QFuture<Result<int>> action, std::function<QString(int)> done,
                          std::function<QString(const QString &)> failed);
    /// The dead letter list of refresh `serial`: a status line said over another list is no
    /// longer true (a letter retried failed again, a new one arrived) and goes.
    void noteDeadLetterList(quint64 serial, const QList<DeadLetter> &rows);
    void clearDeadLetterStatus();
    /// A count cell while the store cannot be reached: "—", and why in its tooltip.
    QVariant unknownCount(int role) const;
    /// Notes, per target, whether it has delivered since its last error was first seen; true
    /// when a target's error is new or has become past.
    bool noteRecoveries(const QList<TargetStatus> &targets);
    /// The target has delivered since its last error: the error is past, not its state.
    bool deliversAgain(const TargetStatus &target) const;
    static QString clockText(qint64 msSinceEpoch);
    static QString reportText(const ConsistencyReport &report, bool repair);
    /// The first rejected line of an import, in the console's language.
    static QString rejectedLineText(const QString &engineError);
    static QString importText(const Result<ImportProgress> &result, bool cancelled);
    /// Shows an import status worded by `words`, and words it again on a language switch.
    void showImportStatus(std::function<QString()> words);

    QTabWidget *m_tabs;
    RecordTableModel<TargetStatus> *m_targets;
    RecordTableModel<QueuedDelivery> *m_queue;
    RecordTableModel<DeadLetter> *m_dead;
    RecordTableModel<DeliveryAttempt> *m_attempts;
    QTableView *m_targetView;
    QTableView *m_nodeTargetView;
    QSortFilterProxyModel *m_serviceTargets;
    QSortFilterProxyModel *m_nodeTargets;
    QLabel *m_serviceHeading = nullptr;
    QLabel *m_nodeHeading = nullptr;
    QTableView *m_queueView;
    QTableView *m_deadView;
    QTableView *m_attemptView;
    QPlainTextEdit *m_payload;
    QPushButton *m_pause, *m_resume, *m_enable, *m_disable, *m_editTarget;
    QPushButton *m_retry, *m_discard, *m_replay;
    QComboBox *m_replayTarget;
    QDateTimeEdit *m_replayFrom;
    QDateTimeEdit *m_replayTo;
    bool m_replayFromEdited = false; ///< the operator's own dates are kept, not moved to now
    bool m_replayToEdited = false;
    QComboBox *m_checkTarget;
    QPushButton *m_check, *m_repair;
    QPlainTextEdit *m_report;
    QLineEdit *m_importPath;
    QPushButton *m_browse, *m_import, *m_cancelImport;
    QProgressBar *m_importProgress;
    QLabel *m_importStatus;
    QList<QLabel *> m_labels;
    std::shared_ptr<JobControl> m_importJob;
    QFutureWatcher<Result<ImportProgress>> m_importWatcher;
    std::function<QString()> m_importWords; ///< the import status, in the current language
    QFutureWatcher<QString> m_checkWatcher;
    QStringList m_targetNames;
    QLabel *m_deadDetailTitle;
    QLabel *m_deadStatus;
    std::function<QString()> m_deadWords; ///< the dead letter status, in the current language
    QTimer *m_deadWordsExpiry;
    int m_deadWordsLifetimeMs = 8000;
    quint64 m_deadRefreshes = 0;    ///< dead letter list refreshes asked so far
    quint64 m_deadWordsRefresh = 0; ///< the first refresh asked after the status was set
    std::optional<QSet<qint64>> m_deadWordsList; ///< the list that refresh showed
    QList<TargetStatus> m_lastTargets; ///< from the last snapshot, for the queue's wait reasons
    /// m_lastTargets by name, made when the queue asks (a thousand node targets are not
    /// hashed on every snapshot for a tab nobody looks at).
    mutable QHash<QString, TargetStatus> m_targetState;
    mutable bool m_targetStateStale = true;
    /// Held node targets -> their node's state word ("down", "failed", "maintenance").
    QHash<QString, QString> m_heldBy;
    /// Why the store cannot be reached (the engine's standby reason), empty while it can: the
    /// targets' backlogs are then the last counts, not current ones, and are not shown.
    QString m_storeUnreachable;
    /// When the engine's delivery counts began (its start); 0: not known (it does not deliver).
    qint64 m_countingSince = 0;
    /// A target's last error as first seen, its delivered count then, and whether it has
    /// delivered since (with its circuit closed).
    struct FailureSeen
    {
        qint64 at = 0;
        qint64 deliveredThen = 0;
        bool recovered = false;
    };
    QHash<QString, FailureSeen> m_failures;
    QList<ColumnFitter *> m_fitters; ///< the two target tables' (see applySnapshot)
    /// Targets whose State or Backlog has longer words (circuit not closed, backlog held).
    int m_wordyTargets = 0;
    int m_heldDigits = 0;     ///< digits of the largest held backlog, when it was fitted
    qint64 m_attemptsFor = 0; ///< the dead letter whose attempts are shown (0: none)
};

} // namespace jobfirst::ui
