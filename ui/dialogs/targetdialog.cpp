// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialogs/targetdialog.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "pages/page.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTimer>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {

// The config keys the dialog edits, besides url and tls_insecure.
struct FileKey
{
    const char *key;
    const char *objectName;
};
constexpr FileKey FileKeys[] = {{"ca_file", "caFile"},
                                {"client_cert", "clientCert"},
                                {"client_key", "clientKey"},
                                {"token_file", "tokenFile"}};

} // namespace

TargetDialog::TargetDialog(EngineSession *session, const QString &target, QWidget *parent)
    : QDialog(parent), m_session(session), m_target(target), m_url(new QLineEdit),
      m_caFile(new QLineEdit), m_clientCert(new QLineEdit), m_clientKey(new QLineEdit),
      m_tokenFile(new QLineEdit), m_tlsInsecure(new QCheckBox), m_insecureWarning(new QLabel),
      m_error(new QLabel),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)),
      m_checkTimer(new QTimer(this))
{
    setWindowTitle(tr("Connection of target %1").arg(target));
    setObjectName(QStringLiteral("targetDialog"));
    m_url->setObjectName(QStringLiteral("url"));
    QLineEdit *files[] = {m_caFile, m_clientCert, m_clientKey, m_tokenFile};
    for (int i = 0; i < 4; ++i) {
        files[i]->setObjectName(QString::fromLatin1(FileKeys[i].objectName));
        files[i]->setPlaceholderText(tr("path, optional"));
    }
    m_tlsInsecure->setObjectName(QStringLiteral("tlsInsecure"));
    m_tlsInsecure->setText(tr("Do not verify the target's certificate"));
    m_insecureWarning->setObjectName(QStringLiteral("insecureWarning"));
    m_insecureWarning->setText(tr(
        "Insecure: anyone between the engine and this target can read and change its deliveries."));
    m_insecureWarning->setStyleSheet(QStringLiteral("color: #c62828"));
    m_insecureWarning->setWordWrap(true);
    m_insecureWarning->hide();
    m_error->setObjectName(QStringLiteral("targetError"));
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_error->setWordWrap(true);
    m_error->setMinimumHeight(m_error->fontMetrics().height() * 2);

    auto *form = new QFormLayout;
    form->addRow(tr("URL"), m_url);
    // Files on the engine's machine; only their paths are kept in the config.
    auto *tls = new QGroupBox(tr("TLS and authentication (files on the engine's machine)"));
    tls->setObjectName(QStringLiteral("tlsGroup"));
    auto *tlsForm = new QFormLayout(tls);
    tlsForm->addRow(tr("CA certificates (PEM)"), m_caFile);
    tlsForm->addRow(tr("Client certificate (mTLS)"), m_clientCert);
    tlsForm->addRow(tr("Client key"), m_clientKey);
    tlsForm->addRow(tr("Bearer token file"), m_tokenFile);
    tlsForm->addRow(m_tlsInsecure);
    tlsForm->addRow(m_insecureWarning);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(tls);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    resize(560, sizeHint().height());

    // One engine check per pause in typing, not per key.
    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(250);
    connect(m_checkTimer, &QTimer::timeout, this, &TargetDialog::check);
    for (QLineEdit *e : {m_url, m_caFile, m_clientCert, m_clientKey, m_tokenFile})
        connect(e, &QLineEdit::textChanged, this, &TargetDialog::scheduleCheck);
    connect(m_tlsInsecure, &QCheckBox::toggled, this, [this](bool on) {
        m_insecureWarning->setVisible(on);
        scheduleCheck();
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &TargetDialog::apply);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    for (QWidget *w : {static_cast<QWidget *>(m_url), static_cast<QWidget *>(tls)})
        w->setEnabled(false);
    load();
}

void TargetDialog::load()
{
    m_error->setText(tr("Reading the running configuration…"));
    whenFinished(m_session->config(false), this, [this](const Result<ClusterConfig> &config) {
        if (!config) {
            m_error->setText(errorMessage(config.error()));
            return;
        }
        m_config = config->toJsonObject();
        const TargetConfig *t = config->target(m_target);
        if (!t) {
            m_error->setText(
                tr("There is no sync target \"%1\" in the running configuration.").arg(m_target));
            return;
        }
        {
            // Filling the fields is not an edit: one check follows, below.
            const QSignalBlocker url(m_url), ca(m_caFile), cert(m_clientCert), key(m_clientKey),
                token(m_tokenFile);
            m_url->setText(t->url);
            m_caFile->setText(t->caFile);
            m_clientCert->setText(t->clientCert);
            m_clientKey->setText(t->clientKey);
            m_tokenFile->setText(t->tokenFile);
        }
        m_tlsInsecure->setChecked(t->tlsInsecure);
        m_insecureWarning->setVisible(t->tlsInsecure);
        m_url->setEnabled(true);
        findChild<QGroupBox *>(QStringLiteral("tlsGroup"))->setEnabled(true);
        m_loaded = true;
        m_error->clear();
        check();
    });
}

QByteArray TargetDialog::configJson() const
{
    QJsonObject root = m_config;
    QJsonArray targets = root.value(QStringLiteral("targets")).toArray();
    for (qsizetype i = 0; i < targets.size(); ++i) {
        QJsonObject t = targets.at(i).toObject();
        if (t.value(QStringLiteral("name")).toString() != m_target)
            continue;
        t.insert(QStringLiteral("url"), m_url->text().trimmed());
        const QLineEdit *files[] = {m_caFile, m_clientCert, m_clientKey, m_tokenFile};
        for (int k = 0; k < 4; ++k) {
            const QString key = QString::fromLatin1(FileKeys[k].key);
            const QString value = files[k]->text().trimmed();
            if (value.isEmpty())
                t.remove(key);
            else
                t.insert(key, value);
        }
        if (m_tlsInsecure->isChecked())
            t.insert(QStringLiteral("tls_insecure"), true);
        else
            t.remove(QStringLiteral("tls_insecure"));
        targets.replace(i, t);
    }
    root.insert(QStringLiteral("targets"), targets);
    return QJsonDocument(root).toJson();
}

void TargetDialog::scheduleCheck()
{
    if (!m_loaded)
        return;
    ++m_generation; // whatever was being checked is out of date
    m_valid = false;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_checkTimer->start();
}

void TargetDialog::check()
{
    const int generation = ++m_generation;
    m_valid = false;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    // The engine checks the whole config as it would apply it: the URL, and that each file
    // exists and is readable on its machine. Its message names the key.
    whenFinished(m_session->checkConfig(configJson()), this, [this, generation](const Status &s) {
        if (generation != m_generation)
            return; // the fields changed while this was checked
        m_valid = s.ok();
        m_error->setText(s ? QString() : errorMessage(s.error()));
        m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid && !m_applying);
    });
}

void TargetDialog::apply()
{
    if (!m_valid || m_applying)
        return;
    m_applying = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    whenFinished(m_session->applyConfig(configJson()), this, [this](const Result<int> &version) {
        m_applying = false;
        if (!version) {
            m_error->setText(tr("Not changed: %1").arg(errorMessage(version.error())));
            m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
            return;
        }
        emit applied(version.value());
        accept();
    });
}

} // namespace jobfirst::ui
