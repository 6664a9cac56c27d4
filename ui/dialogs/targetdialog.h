// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>
#include <QJsonObject>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QTimer;

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// Sync → Targets → "Edit connection…": a service target's URL, TLS files (ca_file,
/// client_cert, client_key), bearer token file and tls_insecure, the same keys a node has.
/// The files are paths on the engine's machine. Every change is checked by the engine against
/// the running config as the user types (the files must be there and readable there); its
/// message, naming the key, is shown and OK stays disabled until the check passes. OK applies
/// the config as a new version (audited); secrets stay masked on the way.
class TargetDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TargetDialog)

public:
    TargetDialog(EngineSession *session, const QString &target, QWidget *parent = nullptr);

    /// True once the running config was read and the fields hold the target's settings.
    bool isLoaded() const { return m_loaded; }
    /// True when the last engine check of the fields passed and no newer one is running.
    bool isValid() const { return m_valid; }

signals:
    /// The engine applied the change as config `version`.
    void applied(int version);

private:
    void load();
    void scheduleCheck();
    void check();
    void apply();
    QByteArray configJson() const;

    EngineSession *m_session;
    QString m_target;
    QJsonObject m_config; ///< the running config (secrets masked) the change is made to
    QLineEdit *m_url;
    QLineEdit *m_caFile, *m_clientCert, *m_clientKey, *m_tokenFile;
    QCheckBox *m_tlsInsecure;
    QLabel *m_insecureWarning;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
    QTimer *m_checkTimer;
    int m_generation = 0; ///< answers to older checks are dropped
    bool m_loaded = false;
    bool m_valid = false;
    bool m_applying = false;
};

} // namespace jobfirst::ui
