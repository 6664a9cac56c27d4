// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>
#include <QUrl>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace jobfirst::ui {

/// File → Connect to engine…: where a jobfirstd is (http(s)://host:port), the token to use,
/// an optional CA file for https, and whether to remember them on this computer (the token
/// then goes to a file only this user can read, never to the settings file).
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
    void loadTokenFile();
    static QString urlError(const QString &text);

    QLineEdit *m_url;
    QLineEdit *m_token;
    QLineEdit *m_ca;
    QCheckBox *m_remember;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

} // namespace jobfirst::ui
