// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "store/backup.h"

#include <QDialog>
#include <QFuture>

class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// File → Restore…: a backup file, its passphrase and a new store file. The engine decrypts
/// and checks the backup on its own machine (EngineSession::restoreBackup, never on the GUI
/// thread) and writes the new store only when everything checks out; the store it runs on is
/// never touched. Afterwards the dialog says what to do with the restored store: open it in
/// this console (embedded engine), or start jobfirstd on it (remote engine).
class RestoreDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RestoreDialog)

public:
    explicit RestoreDialog(EngineSession *session, QWidget *parent = nullptr);

    /// Runs the restore with what the fields hold (the Restore button does the same).
    QFuture<Result<BackupInfo>> restore();
    /// The store written by the last successful restore; empty before one.
    QString restoredPath() const { return m_restored; }

signals:
    /// "Open restored store" (embedded engine only): the console should switch to it (with the
    /// config its latest version holds).
    void openStoreRequested(const QString &dbPath);

private:
    // The constructor's steps.
    void nameFields();
    /// What a restore does, and where its paths are (this computer or the engine's).
    QLabel *introLabel();
    /// The backup file, its passphrase and the new store, with Browse… on this computer only.
    QFormLayout *fileForm();
    void connectFields();
    void browseBackup();
    void browseTarget();
    void validate();
    void setBusy(bool busy);
    void showOutcome(const Result<BackupInfo> &result, const QString &target);

    EngineSession *m_session;
    bool m_remote;
    QLineEdit *m_file;
    QLineEdit *m_passphrase;
    QLineEdit *m_target;
    QPushButton *m_browseFile = nullptr;
    QPushButton *m_browseTarget = nullptr;
    QLabel *m_outcome;
    QPushButton *m_restore;
    QPushButton *m_open;
    QDialogButtonBox *m_buttons;
    QString m_restored;
    bool m_busy = false;
    bool m_showsProblem = false; ///< the outcome label shows a problem with the fields
};

} // namespace jobfirst::ui
