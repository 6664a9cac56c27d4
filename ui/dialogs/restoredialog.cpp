// SPDX-License-Identifier: GPL-3.0-or-later
#include "dialogs/restoredialog.h"

#include "api/enginesession.h"
#include "core/whenfinished.h"
#include "pages/page.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {

/// Why the engine refused a restore, in the console's words where its code says why: its
/// message is English, and a Chinese console showed "…: wrong passphrase" or "…: … is not a
/// JobFirst backup" inside its own sentence. Other refusals name a file or a check; their
/// message is kept.
QString refusalReason(const Error &e)
{
    static const QHash<QString, const char *> words = {
        {QStringLiteral("backup.passphrase"),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "wrong passphrase (not the one given when the backup was made)")},
        {QString::fromLatin1(Backup::NotABackup),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog", "the file is not a JobFirst backup")},
        {QString::fromLatin1(Backup::OtherVersion),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the file is a JobFirst backup of a format this version does not "
                           "read")},
        {QString::fromLatin1(Backup::HeaderAltered),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the backup file was altered: its header's key settings are out of "
                           "range")},
        {QString::fromLatin1(Backup::Truncated),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the backup file is truncated: it is shorter than its header says "
                           "(copied only in part?)")},
        {QString::fromLatin1(Backup::TrailingBytes),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the backup file was altered: it is longer than its header says")},
        {QString::fromLatin1(Backup::ChecksumMismatch),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the backup file was altered or damaged: its checksum does not "
                           "match")},
        {QString::fromLatin1(Backup::StoreDamaged),
         QT_TRANSLATE_NOOP("jobfirst::ui::RestoreDialog",
                           "the backup decrypts, but the store inside fails its integrity "
                           "check")},
    };
    const char *text = words.value(e.code);
    return text ? RestoreDialog::tr(text) : errorMessage(e);
}

} // namespace

RestoreDialog::RestoreDialog(EngineSession *session, QWidget *parent)
    : QDialog(parent), m_session(session), m_remote(session->info().remote), m_file(new QLineEdit),
      m_passphrase(new QLineEdit), m_target(new QLineEdit), m_outcome(new QLabel),
      m_restore(new QPushButton(tr("&Restore"))),
      m_open(new QPushButton(tr("&Open restored store"))),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Close))
{
    setWindowTitle(tr("Restore a backup"));
    setObjectName(QStringLiteral("restoreDialog"));
    nameFields();
    QLabel *intro = introLabel();
    QFormLayout *form = fileForm();
    m_buttons->addButton(m_restore, QDialogButtonBox::ActionRole);
    m_buttons->addButton(m_open, QDialogButtonBox::AcceptRole);
    m_open->hide(); // until a restore succeeded (embedded engine only)
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_outcome);
    layout->addWidget(m_buttons);
    resize(620, sizeHint().height());
    connectFields();
    validate();
}

void RestoreDialog::nameFields()
{
    m_file->setObjectName(QStringLiteral("backupFile"));
    m_file->setPlaceholderText(tr("a .jfbackup file made by Backup… or jobfirstctl backup create"));
    m_passphrase->setObjectName(QStringLiteral("passphrase"));
    m_passphrase->setEchoMode(QLineEdit::Password);
    m_passphrase->setPlaceholderText(tr("the passphrase given when the backup was made"));
    m_target->setObjectName(QStringLiteral("restoreTarget"));
    m_target->setPlaceholderText(tr("a new store file, e.g. restored.db (never an existing one)"));
    m_outcome->setObjectName(QStringLiteral("restoreOutcome"));
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setMinimumHeight(m_outcome->fontMetrics().height() * 4);
    m_restore->setObjectName(QStringLiteral("restoreButton"));
    m_open->setObjectName(QStringLiteral("openRestored"));
}

QLabel *RestoreDialog::introLabel()
{
    const QString where =
        m_remote ? tr("Paths are on the engine's machine (%1): the engine reads the backup and "
                      "writes the "
                      "new store there.")
                       .arg(QUrl(m_session->info().endpoint).authority())
                 : tr("The engine reads the backup and writes the new store on this computer.");
    auto *intro = new QLabel(
        tr("Restoring writes a new store from a backup; the store the engine runs on now is not "
           "touched. A wrong passphrase, or a backup file that was truncated or altered, is "
           "refused and nothing is written.") +
        QLatin1Char(' ') + where);
    intro->setWordWrap(true);
    return intro;
}

QFormLayout *RestoreDialog::fileForm()
{
    auto *form = new QFormLayout;
    auto withBrowse = [this](QLineEdit *field, QPushButton **button) -> QLayout * {
        auto *row = new QHBoxLayout;
        row->addWidget(field, 1);
        // A file dialog would show this computer's files, not the remote engine's.
        if (!m_remote) {
            *button = new QPushButton(tr("Browse…"));
            row->addWidget(*button);
        }
        return row;
    };
    form->addRow(tr("Backup file:"), withBrowse(m_file, &m_browseFile));
    form->addRow(tr("Passphrase:"), m_passphrase);
    form->addRow(tr("Restore into:"), withBrowse(m_target, &m_browseTarget));
    return form;
}

void RestoreDialog::connectFields()
{
    if (m_browseFile)
        connect(m_browseFile, &QPushButton::clicked, this, &RestoreDialog::browseBackup);
    if (m_browseTarget)
        connect(m_browseTarget, &QPushButton::clicked, this, &RestoreDialog::browseTarget);
    connect(m_file, &QLineEdit::textChanged, this, &RestoreDialog::validate);
    connect(m_passphrase, &QLineEdit::textChanged, this, &RestoreDialog::validate);
    connect(m_target, &QLineEdit::textChanged, this, &RestoreDialog::validate);
    connect(m_restore, &QPushButton::clicked, this, [this] { restore(); });
    connect(m_open, &QPushButton::clicked, this, [this] {
        emit openStoreRequested(m_restored);
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void RestoreDialog::browseBackup()
{
    const QString f =
        QFileDialog::getOpenFileName(this, tr("Backup to restore"), QString(),
                                     tr("JobFirst backups (*.jfbackup);;All files (*)"));
    if (!f.isEmpty())
        m_file->setText(f);
}

void RestoreDialog::browseTarget()
{
    const QString f =
        QFileDialog::getSaveFileName(this, tr("New store for the restored backup"),
                                     QStringLiteral("restored.db"), tr("Cluster stores (*.db)"));
    if (!f.isEmpty())
        m_target->setText(f);
}

void RestoreDialog::validate()
{
    const QString file = m_file->text().trimmed();
    const QString target = m_target->text().trimmed();
    QString problem;
    if (!file.isEmpty() && file == target)
        problem = tr("The new store cannot be the backup file itself.");
    // A problem with the fields replaces what the label said; once fixed, it goes again.
    if (!problem.isEmpty()) {
        m_outcome->setStyleSheet(QStringLiteral("color: #c0392b;"));
        m_outcome->setText(problem);
    } else if (m_showsProblem) {
        m_outcome->clear();
    }
    m_showsProblem = !problem.isEmpty();
    m_restore->setEnabled(!m_busy && problem.isEmpty() && !file.isEmpty() && !target.isEmpty() &&
                          !m_passphrase->text().isEmpty());
}

void RestoreDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget *w : {static_cast<QWidget *>(m_file), static_cast<QWidget *>(m_passphrase),
                       static_cast<QWidget *>(m_target)})
        w->setEnabled(!busy);
    for (QPushButton *b : {m_browseFile, m_browseTarget})
        if (b)
            b->setEnabled(!busy);
    validate();
}

QFuture<Result<BackupInfo>> RestoreDialog::restore()
{
    const QString file = m_file->text().trimmed();
    const QString target = m_target->text().trimmed();
    m_restored.clear();
    m_open->hide();
    setBusy(true);
    m_outcome->setStyleSheet(QString());
    m_outcome->setText(
        tr("Restoring %1 into %2: decrypting and checking the backup…").arg(file, target));
    // The passphrase goes to the engine and nowhere else: not in a message, a log or settings.
    return whenFinishedThen(m_session->restoreBackup(file, m_passphrase->text().toUtf8(), target),
                            this, [this, target](const Result<BackupInfo> &r) {
                                setBusy(false);
                                showOutcome(r, target);
                                return r;
                            });
}

void RestoreDialog::showOutcome(const Result<BackupInfo> &result, const QString &target)
{
    if (!result) {
        m_outcome->setStyleSheet(QStringLiteral("color: #c0392b;"));
        m_outcome->setText(
            tr("Not restored: %1. Nothing was written.").arg(refusalReason(result.error())));
        return;
    }
    m_restored = target;
    m_passphrase->clear();
    const QString made =
        QLocale().toString(QDateTime::fromMSecsSinceEpoch(result->createdAt), QLocale::ShortFormat);
    const QString size = QLocale().formattedDataSize(result->storeBytes);
    const QString next =
        m_remote ? tr("The engine keeps running on its own store. To run on the restored one, stop "
                      "jobfirstd on %1 and "
                      "start it with --db %2.")
                       .arg(QUrl(m_session->info().endpoint).authority(), target)
                 : tr("The engine keeps running on its own store. \"Open restored store\" switches "
                      "this console to "
                      "the restored one (or start an engine on it later: jobfirstd --db %1).")
                       .arg(target);
    m_outcome->setStyleSheet(QStringLiteral("color: #1e8449;"));
    m_outcome->setText(
        tr("Restored the backup made %1 (%2 store, checked) into %3.").arg(made, size, target) +
        QLatin1Char(' ') + next);
    m_open->setVisible(!m_remote);
}

} // namespace jobfirst::ui
