// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialogs/connectdialog.h"

#include "core/backgroundpool.h"
#include "core/whenfinished.h"
#include "pages/page.h"
#include "remote/remoteenginesession.h"
#include "remote/tokenvault.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QtConcurrent>

namespace jobfirst::ui {

ConnectDialog::ConnectDialog(QWidget *parent)
    : QDialog(parent), m_url(new QLineEdit), m_token(new QLineEdit), m_ca(new QLineEdit),
      m_remember(new QCheckBox), m_error(new QLabel), m_rememberedNote(new QLabel),
      m_forgetNote(new QLabel),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel))
{
    setWindowTitle(tr("Connect to an engine"));
    setObjectName(QStringLiteral("connectDialog"));
    m_url->setObjectName(QStringLiteral("server"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:8700"));
    // The address tried last, also when it failed (it is typed again otherwise); no token.
    const QSettings settings;
    m_url->setText(
        settings
            .value(QStringLiteral("remote/lastTried"), settings.value(QStringLiteral("remote/url")))
            .toString());
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("jft_… (jobfirstctl token create prints one)"));
    m_ca->setObjectName(QStringLiteral("caFile"));
    m_ca->setPlaceholderText(tr("only for https with a private CA"));
    m_remember->setText(tr("Remember on this computer (the token is kept in a file only you can read)"));
    m_remember->setChecked(true);
    m_forgetNote->setObjectName(QStringLiteral("forgetNote"));
    m_forgetNote->setWordWrap(true);
    m_forgetNote->setText(tr("Not remembered: connecting deletes the token this computer "
                             "remembers for this engine, so the next start does not use it."));
    m_forgetNote->hide();
    m_error->setObjectName(QStringLiteral("connectError"));
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->setWordWrap(true);
    // Space for one error line is kept, so fields do not move when it appears.
    m_error->setMinimumHeight(m_error->fontMetrics().height() * 2);
    m_rememberedNote->setObjectName(QStringLiteral("rememberedNote"));
    m_rememberedNote->setWordWrap(true);
    m_rememberedNote->hide();
    auto *fromFile = new QPushButton(tr("From file…"));
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(fromFile);
    auto *caBrowse = new QPushButton(tr("Browse…"));
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_ca, 1);
    caRow->addWidget(caBrowse);
    auto *form = new QFormLayout;
    form->addRow(tr("Engine URL:"), m_url);
    form->addRow(tr("Token:"), tokenRow);
    form->addRow(tr("CA certificates:"), caRow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_rememberedNote);
    layout->addWidget(m_remember);
    layout->addWidget(m_forgetNote);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::confirm);
    connect(m_remember, &QCheckBox::toggled, m_forgetNote, &QLabel::setHidden);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_url, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_url, &QLineEdit::textChanged, this, &ConnectDialog::recallToken);
    connect(m_token, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_token, &QLineEdit::textEdited, this, [this] {
        m_filledFor.clear();
        m_rememberedNote->hide();
    });
    connect(fromFile, &QPushButton::clicked, this, &ConnectDialog::loadTokenFile);
    connect(caBrowse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("CA certificates (PEM)"), QString(), tr("PEM (*.pem *.crt);;All files (*)"));
        if (!f.isEmpty())
            m_ca->setText(f);
    });
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    recallToken();
}

void ConnectDialog::confirm()
{
    QSettings().setValue(QStringLiteral("remote/lastTried"), m_url->text().trimmed());
    if (m_remember->isChecked()) {
        accept();
        return;
    }
    m_buttons->setEnabled(false); // one deletion at a time; the answer enables them again
    const QUrl engine = server();
    whenFinished(
        QtConcurrent::run(backgroundPool(), [engine] { return TokenVault::forget(engine); }), this,
        [this](const Status &forgotten) {
            m_buttons->setEnabled(true);
            if (forgotten) {
                accept();
                return;
            }
            m_error->setText(tr("The token remembered for this engine cannot be deleted: %1")
                                 .arg(errorMessage(forgotten.error())));
        });
}

void ConnectDialog::recallToken()
{
    const auto parsed = RemoteEngineSession::parseServerUrl(m_url->text());
    const QUrl server = parsed ? parsed.value() : QUrl();
    if (!m_filledFor.isEmpty() && m_filledFor != server) {
        m_filledFor.clear();
        m_token->clear();
    }
    m_rememberedNote->hide();
    if (server.isEmpty() || !m_token->text().isEmpty())
        return;
    const QSettings settings;
    const bool last = settings.value(QStringLiteral("remote/url")).toString() == server.toString();
    if (last && m_ca->text().isEmpty())
        m_ca->setText(settings.value(QStringLiteral("remote/caFile")).toString());
    // The token the console would attach with on its next start: for the engine it used last,
    // the file the settings name (a vault file or its --token-file); else the engine's own.
    const QString file =
        last ? settings.value(QStringLiteral("remote/tokenFile"), TokenVault::pathFor(server))
                   .toString()
             : TokenVault::pathFor(server);
    whenFinished(QtConcurrent::run(backgroundPool(),
                                   [file]() -> std::optional<Result<QByteArray>> {
                                       if (!QFileInfo::exists(file))
                                           return std::nullopt; // none remembered
                                       return TokenVault::load(file);
                                   }),
                 this, [this, server](const std::optional<Result<QByteArray>> &token) {
                     if (token)
                         fillRemembered(server, *token);
                 });
}

void ConnectDialog::fillRemembered(const QUrl &server, const Result<QByteArray> &token)
{
    const auto now = RemoteEngineSession::parseServerUrl(m_url->text());
    if (!now || now.value() != server || !m_token->text().isEmpty())
        return; // the URL changed meanwhile, or a token was typed
    if (!token) {
        m_rememberedNote->setText(tr("The token remembered for this engine cannot be read: %1")
                                      .arg(errorMessage(token.error())));
        m_rememberedNote->show();
        return;
    }
    m_token->setText(QString::fromLatin1(token.value()));
    m_filledFor = server;
    m_rememberedNote->setText(tr("The token remembered for this engine is filled in."));
    m_rememberedNote->show();
}

void ConnectDialog::validate()
{
    QString error;
    if (!m_url->text().trimmed().isEmpty() && !RemoteEngineSession::parseServerUrl(m_url->text()))
        error = urlError(m_url->text().trimmed());
    if (error.isEmpty() && !m_token->text().isEmpty() && m_token->text().contains(u' '))
        error = tr("A token has no spaces.");
    m_error->setText(error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty() && !m_url->text().trimmed().isEmpty() && !m_token->text().isEmpty());
}

QString ConnectDialog::urlError(const QString &text)
{
    // What is wrong with it, not only what a URL looks like: the usual slip is an API address
    // (…/api/v1) pasted from a browser or the docs.
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() && url.errorString().contains(QLatin1String("port")))
        return tr("The port of the engine URL must be a number from 1 to 65535.");
    if (!url.isValid() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return tr(
            "The engine URL must start with http:// or https://, e.g. http://127.0.0.1:8700.");
    if (url.host().isEmpty())
        return tr("The engine URL has no host: give http://HOST:PORT or https://HOST:PORT.");
    if (!url.userInfo().isEmpty())
        return tr("The engine URL may not hold a user or password: the token says who you are.");
    return tr("Give only the scheme, host and port of the engine (%1), without \"%2\".")
        .arg(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment).toString(),
             url.toString(QUrl::RemoveScheme | QUrl::RemoveAuthority));
}

void ConnectDialog::loadTokenFile()
{
    const QString f = QFileDialog::getOpenFileName(this, tr("Token file"));
    if (f.isEmpty())
        return;
    // Read off the GUI thread, like all disk work.
    whenFinished(
        QtConcurrent::run(backgroundPool(), [f] { return RemoteEngineSession::readTokenFile(f); }),
        this, [this](const Result<QByteArray> &token) {
            if (!token) {
                m_error->setText(errorMessage(token.error()));
                return;
            }
            m_token->setText(QString::fromLatin1(token.value()));
            m_filledFor.clear(); // the file's, not the one remembered
            m_rememberedNote->hide();
        });
}

QUrl ConnectDialog::server() const
{
    auto url = RemoteEngineSession::parseServerUrl(m_url->text());
    return url ? url.value() : QUrl();
}

QByteArray ConnectDialog::token() const
{
    return m_token->text().trimmed().toLatin1();
}

QString ConnectDialog::caFile() const
{
    return m_ca->text().trimmed();
}

bool ConnectDialog::remember() const
{
    return m_remember->isChecked();
}

} // namespace jobfirst::ui
