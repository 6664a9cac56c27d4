// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "models/recordtablemodel.h"
#include "pages/page.h"
#include "config/configversion.h"

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
    void applySnapshot(const EngineSnapshot &) override {}
    void retranslate() override;

    void reload();
    void showReloadError(const QString &message);
    QPlainTextEdit *editor() const { return m_editor; }
    QLabel *errorLabel() const { return m_error; }
    void apply();
    RecordTableModel<ConfigVersion> *versions() const { return m_versions; }

signals:
    void applied();

private:
    bool validate();
    void compareSelected();
    void showDiff(int version, const QString &diff);
    void rollbackSelected();
    int selectedVersion() const;

    QPlainTextEdit *m_editor;
    QLabel *m_error;
    QLabel *m_banner;
    QPushButton *m_validate, *m_apply, *m_revert, *m_compare, *m_rollback;
    RecordTableModel<ConfigVersion> *m_versions;
    QTableView *m_versionView;
    QByteArray m_current;
};

} // namespace jobfirst::ui
