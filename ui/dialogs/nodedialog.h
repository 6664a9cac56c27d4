// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"

#include <QDialog>
#include <QSet>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// Add or edit a node. Every field is checked as the user types and the reason is shown next
/// to it; OK stays disabled until the whole node is valid. "Test connection" runs one real
/// health check on the engine thread. OK sends the node to the engine and the dialog closes
/// once the engine took it; what the engine refuses (a TLS file missing on its machine, say)
/// is said in the dialog, with every field as it was typed.
class NodeDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeDialog)

public:
    NodeDialog(EngineSession *session, const QStringList &existingIds, int maxNodes, const std::optional<NodeSpec> &editing,
               QWidget *parent = nullptr);

    NodeSpec spec() const;
    bool isValid() const { return m_valid; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // The constructor's steps, by section of the form.
    void nameFields();
    /// Fills the fields with the node being edited (its ID cannot change).
    void showNode(const NodeSpec &node);
    /// ID, URL, health path, weight and tags, each with its error under it.
    QFormLayout *nodeForm();
    /// The certificate, key and token files, and the choice not to verify the node.
    QGroupBox *tlsGroup();
    /// Each field checked as it changes; a new URL clears the last test's result.
    void connectFields();
    void validate();
    void testConnection();
    /// Adds or edits the node in the engine; closes the dialog once it is done.
    void submit();

    EngineSession *m_session;
    QStringList m_existingIds;
    int m_maxNodes;
    bool m_editing;
    bool m_valid = false;
    bool m_submitting = false; ///< sent to the engine, not answered yet
    QLineEdit *m_id;
    QLineEdit *m_url;
    QLineEdit *m_healthPath;
    QLineEdit *m_weight;
    QLineEdit *m_tags;
    // TLS and authentication: paths of files on the engine's machine (the secrets stay there).
    QLineEdit *m_caFile, *m_clientCert, *m_clientKey, *m_tokenFile;
    QCheckBox *m_tlsInsecure;
    QLabel *m_insecureWarning;
    QLabel *m_idError;
    QLabel *m_urlError;
    QLabel *m_pathError;
    QLabel *m_weightError;
    QLabel *m_tagsError;
    QLabel *m_clusterError;
    QLabel *m_engineError; ///< why the engine refused the node, until a field changes
    QLabel *m_testResult;
    QPushButton *m_test;
    QDialogButtonBox *m_buttons;
    AdminState m_adminState = AdminState::Ready;
    QSet<QLineEdit *> m_touched; ///< fields edited or left: only these show their errors
    int m_testGeneration = 0;    ///< a test answer counts only for the URL it tested
};

} // namespace jobfirst::ui
