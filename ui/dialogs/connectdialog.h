// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QDialog>
#include <QUrl>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace jobfirst::ui {

/// File → Connect to engine…: where a jobfirstd is (http(s)://host:port), the token to use,
/// an optional CA file for https, and whether to remember them on this computer (the token
/// then goes to a file only this user can read, never to the settings file). An engine whose
/// token is remembered gets it filled in, masked, when its URL is chosen.
class ConnectDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectDialog)

public:
    explicit ConnectDialog(QWidget *parent = nullptr);

    QUrl server() const;
    QByteArray token() const;
    QString caFile() const;
    bool remember() const;

private:
    void validate();
    /// OK: accepted at once when the token is to be remembered; else once the token
    /// remembered for the engine is deleted (off the GUI thread), so that the next start
    /// cannot attach with it. A file that cannot be deleted is said, and the dialog stays.
    void confirm();
    void loadTokenFile();
    /// The URL changed: the token remembered for its engine is filled in (read off the GUI
    /// thread), and one filled in for another engine goes. A typed token is never replaced.
    void recallToken();
    void fillRemembered(const QUrl &server, const Result<QByteArray> &token);
    static QString urlError(const QString &text);

    QLineEdit *m_url;
    QLineEdit *m_token;
    QLineEdit *m_ca;
    QCheckBox *m_remember;
    QLabel *m_error;
    QLabel *m_rememberedNote;
    QLabel *m_forgetNote; ///< under the box while it is unticked: connecting forgets the token
    QUrl m_filledFor; ///< the engine whose remembered token the field holds; empty: typed
    QDialogButtonBox *m_buttons;
};

} // namespace jobfirst::ui
