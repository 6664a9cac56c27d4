// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/sessiontypes.h"
#include "config/configversion.h"
#include "models/recordtablemodel.h"
#include "pages/page.h"

#include <functional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace jobfirst::ui {

/// The cluster configuration: edit with validation, see every applied version, compare and
/// roll back. A bad file on disk is reported here and the running config is kept.
class ConfigPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigPage)

public:
    explicit ConfigPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Configuration"); }
    /// Hides the file's reload banner once the engine's incident about the file has ended.
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;

    /// The running config in the editor, replacing what is typed there ("Revert to running").
    void reload();
    /// The versions, and the running config unless the editor holds edits not applied yet:
    /// those stay, with a note that the running config changed under them.
    void refresh();
    /// A new version runs (applied here, by another client or from the file): the file's
    /// reload error no longer holds.
    void configApplied();
    /// The config file changed but could not be used: said on a banner in the chosen
    /// language (the kind of error from its code), with the engine's detail.
    void showReloadError(const QString &message, const QString &code);
    QPlainTextEdit *editor() const { return m_editor; }
    QLabel *errorLabel() const { return m_error; }
    QLabel *reloadBanner() const { return m_banner; }
    QLabel *editsKeptNote() const { return m_note; }
    /// What the engine said to the last Apply or roll back.
    QLabel *statusLabel() const { return m_status; }
    void apply();
    RecordTableModel<ConfigVersion> *versions() const { return m_versions; }

signals:
    void applied();

private:
    // The constructor's steps.
    /// The versions applied: which, when and by whom (a roll back says to which version).
    RecordTableModel<ConfigVersion> *versionModel();
    /// The editor in a fixed font; the error, banner, note and status, hidden until needed.
    void styleMessages();
    void setUpVersionView();
    void connectButtons();
    /// The editor and its buttons beside the versions and theirs.
    void layOut();
    void load(bool keepEdits);
    /// Keeps the versions table as wide as its columns need (see the constructor).
    void fitVersions();
    static QString noteText();
    QString bannerText() const;
    bool validate();
    /// Why the editor's text is not a config, in the chosen language: the line at fault where
    /// it can be told, the kind of error, then the engine's detail as it came.
    static QString validationText(const QByteArray &json, const Error &error);
    void compareSelected();
    void showDiff(int version, const ConfigDiff &diff);
    void rollbackSelected();
    void rollback(int version);
    /// The roll-back confirmation: the version, when and by whom, and the keys it changes.
    /// Says too that edits not applied will be discarded, when the editor holds any.
    QString rollbackQuestion(const ConfigVersion &version) const;
    /// The editor's text is not the running config: the operator typed something.
    bool holdsEdits() const;
    /// What the engine answered (or Validate found), said of `about`: the editor's text it
    /// holds for. Typing anything else hides it; `followsRunning` (Applied, rolled back) keeps
    /// it when the page replaces the text with the running config, which is what it speaks of.
    void showOutcome(bool ok, std::function<QString()> text, const QString &about,
                     bool followsRunning);
    int selectedVersion() const;

    QPlainTextEdit *m_editor;
    QLabel *m_error;
    QLabel *m_banner;
    QLabel *m_note;
    QLabel *m_status;
    std::function<QString()> m_outcome; ///< the status line, in the chosen language
    QString m_outcomeText; ///< the editor text the status line speaks of (null: none shown)
    bool m_outcomeFollowsRunning = false; ///< it speaks of the running config (see showOutcome)
    QPushButton *m_validate, *m_apply, *m_revert, *m_compare, *m_rollback;
    RecordTableModel<ConfigVersion> *m_versions;
    QTableView *m_versionView;
    QByteArray m_current;
    Error m_reloadError; ///< what the banner says, worded again on a language switch
    bool m_reloadIncidentSeen = false; ///< the banner's incident was open in a snapshot
};

} // namespace jobfirst::ui
