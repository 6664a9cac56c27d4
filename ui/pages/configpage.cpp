// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/configpage.h"

#include "api/enginesession.h"
#include "config/textposition.h"
#include "core/whenfinished.h"
#include "pages/auditpage.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <optional>

namespace jobfirst::ui {

ConfigPage::ConfigPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_editor(new QPlainTextEdit), m_error(new QLabel),
      m_banner(new QLabel), m_note(new QLabel), m_status(new QLabel), m_validate(new QPushButton),
      m_apply(new QPushButton), m_revert(new QPushButton), m_compare(new QPushButton),
      m_rollback(new QPushButton), m_versionView(new QTableView)
{
    m_versions = versionModel();
    styleMessages();
    m_validate->setObjectName(QStringLiteral("validateConfig"));
    m_apply->setObjectName(QStringLiteral("applyConfig"));
    setUpVersionView();
    connectButtons();
    layOut();
    gate(m_apply, Permission::Administer);
    gate(m_rollback, Permission::Administer);
    retranslate();
}

RecordTableModel<ConfigVersion> *ConfigPage::versionModel()
{
    using C = RecordTableModel<ConfigVersion>::Column;
    return new RecordTableModel<ConfigVersion>(
        {
            // A roll back says which version it went back to here, and who did it under By:
            // one long "who (rolling back to version N)" was cut there and widened the list.
            C{[] { return tr("Version"); },
              [](const ConfigVersion &v, int role) -> QVariant {
                  const int back = AuditPage::splitRollback(v.actor).second;
                  if (role == Qt::ToolTipRole && back > 0)
                      return tr("Version %1 rolled back to version %2.").arg(v.version).arg(back);
                  if (role != Qt::DisplayRole)
                      return {};
                  return back > 0 ? QVariant(tr("%1, back to %2").arg(v.version).arg(back))
                                  : QVariant(v.version);
              }},
            C{[] { return tr("Applied"); },
              [](const ConfigVersion &v, int role) -> QVariant {
                  return role == Qt::DisplayRole ? QVariant(timeText(v.timestamp)) : QVariant();
              }},
            // Who, worded as on the Audit page; a long name (a config file's path) is whole
            // in its tooltip.
            C{[] { return tr("By"); },
              [](const ConfigVersion &v, int role) -> QVariant {
                  if (role == Qt::ToolTipRole)
                      return AuditPage::actorText(v.actor);
                  return role == Qt::DisplayRole ? QVariant(AuditPage::actorText(
                                                       AuditPage::splitRollback(v.actor).first))
                                                 : QVariant();
              }},
        },
        [](const ConfigVersion &v) { return QString::number(v.version); }, this);
}

void ConfigPage::styleMessages()
{
    m_editor->setObjectName(QStringLiteral("configEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_error->setObjectName(QStringLiteral("configError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_banner->setWordWrap(true);
    m_banner->setObjectName(QStringLiteral("reloadBanner"));
    m_banner->setStyleSheet(QStringLiteral("background: #fdebd0; padding: 6px;"));
    m_banner->hide();
    m_note->setWordWrap(true);
    m_note->setObjectName(QStringLiteral("editsKeptNote"));
    m_note->setStyleSheet(QStringLiteral("background: #d6eaf8; padding: 6px;"));
    m_note->hide();
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("configStatus"));
    m_status->hide();
}

void ConfigPage::setUpVersionView()
{
    m_versionView->setObjectName(QStringLiteral("configVersions"));
    m_versionView->setModel(m_versions);
    m_versionView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_versionView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_versionView->setWordWrap(false);
    // The version and its time as wide as their titles and figures, in any language; who
    // applied it takes what is left (a long name is whole in its tooltip). The table is kept
    // as wide as that needs (fitVersions): it scrolled sideways in Chinese.
    m_versionView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_versionView->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_versionView->verticalHeader()->hide();
}

void ConfigPage::connectButtons()
{
    connect(m_editor, &QPlainTextEdit::textChanged, this, &ConfigPage::validate);
    // The editor's live check says only what is wrong: Validate says a good config is good.
    connect(m_validate, &QPushButton::clicked, this, [this] {
        if (validate())
            showOutcome(
                true, [] { return tr("The configuration is valid."); }, m_editor->toPlainText(),
                false);
    });
    connect(m_apply, &QPushButton::clicked, this, &ConfigPage::apply);
    connect(m_revert, &QPushButton::clicked, this, &ConfigPage::reload);
    m_compare->setObjectName(QStringLiteral("compareConfig"));
    connect(m_compare, &QPushButton::clicked, this, &ConfigPage::compareSelected);
    m_rollback->setObjectName(QStringLiteral("rollbackConfig"));
    connect(m_rollback, &QPushButton::clicked, this, &ConfigPage::rollbackSelected);
}

void ConfigPage::layOut()
{
    auto *left = new QWidget;
    auto *ll = new QVBoxLayout(left);
    ll->addWidget(m_banner);
    ll->addWidget(m_note);
    ll->addWidget(m_editor, 1);
    ll->addWidget(m_error);
    ll->addWidget(m_status);
    auto *lb = new QHBoxLayout;
    lb->addWidget(m_validate);
    lb->addWidget(m_apply);
    lb->addWidget(m_revert);
    lb->addStretch();
    ll->addLayout(lb);
    auto *right = new QWidget;
    auto *rl = new QVBoxLayout(right);
    rl->addWidget(m_versionView, 1);
    auto *rb = new QHBoxLayout;
    rb->addWidget(m_compare);
    rb->addWidget(m_rollback);
    rl->addLayout(rb);
    auto *split = new QSplitter;
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
}

void ConfigPage::retranslate()
{
    m_validate->setText(tr("Validate"));
    m_apply->setText(tr("Apply"));
    m_revert->setText(tr("Revert to running"));
    m_compare->setText(tr("Compare with running…"));
    m_rollback->setText(tr("Roll back to this version…"));
    m_versions->retranslate();
    fitVersions();
    if (m_outcome)
        m_status->setText(m_outcome());
    if (m_note->isVisible())
        m_note->setText(noteText());
    if (!m_banner->isHidden())
        m_banner->setText(bannerText());
    validate();
}

void ConfigPage::reload()
{
    load(false);
}

void ConfigPage::refresh()
{
    load(true);
}

void ConfigPage::configApplied()
{
    // The engine writes what it applies back to the file: the file that could not be used
    // is gone (the banner said so until a good version ran, and kept saying so after).
    m_banner->hide();
    refresh();
}

void ConfigPage::load(bool keepEdits)
{
    // Secrets come masked; applying the text back keeps them (the engine restores masked ones).
    whenFinished(session()->config(false), this, [this, keepEdits](const Result<ClusterConfig> &c) {
        if (!c) {
            m_error->setText(errorMessage(c.error()));
            return;
        }
        const QByteArray running = c->toJson();
        // Judged when the answer comes, not when it was asked: typing may have begun since.
        if (keepEdits && holdsEdits()) {
            // What is typed is the operator's work: a page switch or a version applied
            // elsewhere does not wipe it.
            if (running != m_current) {
                m_current = running;
                m_note->setText(noteText());
                m_note->show();
                validate();
            }
            return;
        }
        m_current = running;
        m_note->hide();
        const QString text = QString::fromUtf8(m_current);
        if (m_outcomeFollowsRunning && !m_outcomeText.isNull())
            m_outcomeText = text;
        m_editor->setPlainText(text);
    });
    whenFinished(session()->configVersions(200), this,
                 [this](const Result<QList<ConfigVersion>> &r) {
                     if (r) {
                         m_versions->setRows(r.value());
                         fitVersions();
                     }
                 });
}

void ConfigPage::fitVersions()
{
    // Wide enough for the version, its time and who applied it (a long name up to a limit,
    // then cut with its tooltip), with room for the vertical scroll bar: never a sideways one.
    const QHeaderView *header = m_versionView->horizontalHeader();
    const QAbstractItemView *view = m_versionView; // sizeHintForColumn is public there
    const int nameLimit = m_versionView->fontMetrics().averageCharWidth() * 28;
    int need =
        2 * m_versionView->frameWidth() + m_versionView->verticalScrollBar()->sizeHint().width();
    for (int c = 0; c < m_versions->columnCount(); ++c) {
        const int column = std::max(header->sectionSizeHint(c), view->sizeHintForColumn(c));
        need += c == 2 ? std::min(column, std::max(nameLimit, header->sectionSizeHint(c))) : column;
    }
    m_versionView->setMinimumWidth(need);
}

QString ConfigPage::noteText()
{
    return tr("The running config changed while you were editing. Your edits are kept: Apply "
              "them over it, or Revert to running to see what runs now.");
}

void ConfigPage::showReloadError(const QString &message, const QString &code)
{
    m_reloadError = Error{code, message};
    m_banner->setText(bannerText());
    m_banner->show();
    m_reloadIncidentSeen = false;
}

void ConfigPage::applySnapshot(const EngineSnapshot &snapshot)
{
    // The file put back as what runs applies nothing, so no configApplied() comes: the
    // banner goes when the engine's incident about the file ends (walk28: it stayed for
    // good). Only once a snapshot has shown the incident open: one taken before it was
    // raised says nothing about it.
    if (m_banner->isHidden())
        return;
    const bool open = std::any_of(snapshot.openAlerts.cbegin(), snapshot.openAlerts.cend(),
                                  [](const Alert &a) { return a.kind == u"config"; });
    if (open)
        m_reloadIncidentSeen = true;
    else if (m_reloadIncidentSeen)
        m_banner->hide();
}

QString ConfigPage::bannerText() const
{
    // The banner's first line says the running config is kept: the engine's message says so
    // too, in English, at its end.
    Error detail = m_reloadError;
    const QLatin1String kept(" (the running config is kept)");
    if (detail.message.endsWith(kept))
        detail.message.chop(kept.size());
    return tr("The config file changed on disk but could not be used; the running config is "
              "kept.\n%1")
        .arg(errorText(detail));
}

bool ConfigPage::validate()
{
    const QByteArray json = m_editor->toPlainText().toUtf8();
    const auto config = ClusterConfig::fromJson(json);
    m_error->setText(config ? QString() : validationText(json, config.error()));
    const bool changed = json != m_current;
    m_apply->setEnabled(config.ok() && changed);
    // The status was said of the text then: once it is edited it may no longer be true, and
    // an old "Applied" beside a new error read as if both held (walk26).
    if (!m_outcomeText.isNull() && m_editor->toPlainText() != m_outcomeText) {
        m_outcomeText.clear();
        m_outcome = {};
        m_status->hide();
    }
    return config.ok();
}

QString ConfigPage::validationText(const QByteArray &json, const Error &error)
{
    // Where the parser stopped, or where the key the engine names is written: the line and
    // column an editor shows (the parser says a byte offset, which nobody can look up).
    std::optional<TextPosition> place;
    Error shown = error;
    if (error.code == u"config.syntax") {
        QJsonParseError parse;
        QJsonDocument::fromJson(json, &parse);
        if (parse.error != QJsonParseError::NoError) {
            place = TextPosition::ofJsonError(json, parse.offset);
            // The engine's words repeat the place.
            shown = makeError(error.code, jsonSyntaxSentence(parse));
        }
    } else {
        // A top-level key ("key 'max_nodes': …"), found where it is written once.
        static const QRegularExpression named(QStringLiteral("^key '([a-z0-9_]+)'"));
        const QRegularExpressionMatch m = named.match(error.message);
        const QByteArray key = '"' + m.captured(1).toUtf8() + '"';
        if (m.hasMatch() && json.count(key) == 1)
            place = TextPosition::of(json, json.indexOf(key));
    }
    const QString text = errorText(shown);
    return place ? tr("Line %1, column %2: %3").arg(place->line).arg(place->column).arg(text)
                 : text;
}

void ConfigPage::apply()
{
    if (!validate())
        return;
    const QByteArray json = m_editor->toPlainText().toUtf8();
    whenFinished(session()->applyConfig(json), this, [this, json](const Result<int> &s) {
        const QString about = QString::fromUtf8(json);
        if (!s) {
            showOutcome(
                false, [e = s.error()] { return tr("Not applied: %1").arg(errorText(e)); }, about,
                false);
            return;
        }
        showOutcome(
            true, [v = s.value()] { return tr("Applied as version %1.").arg(v); }, about, true);
        m_banner->hide();
        // What was applied is what runs: the editor holds no edits any more (the engine's
        // own change signal, which may come first, must not take it for edits).
        m_current = json;
        reload();
        emit applied();
    });
}

int ConfigPage::selectedVersion() const
{
    const QModelIndexList rows = m_versionView->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : m_versions->row(rows.first().row()).version;
}

void ConfigPage::compareSelected()
{
    const int v = selectedVersion();
    if (!v)
        return;
    whenFinished(session()->configDiff(v, 0), this, [this, v](const Result<ConfigDiff> &diff) {
        if (!diff) {
            m_error->setText(errorMessage(diff.error()));
            return;
        }
        showDiff(v, diff.value());
    });
}

void ConfigPage::showDiff(int version, const ConfigDiff &diff)
{
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("configDiff"));
    dialog->setWindowTitle(tr("Version %1 (-) against the running config (+)").arg(version));
    // With no line marked, the whole config read as a diff that showed nothing: say so.
    auto *summary = new QLabel(
        diff.hasDifferences()
            ? tr("Lines marked - are only in version %1, lines marked + only in the running "
                 "config.")
                  .arg(version)
            : tr("No differences: version %1 is the configuration running now.").arg(version));
    summary->setObjectName(QStringLiteral("diffSummary"));
    summary->setWordWrap(true);
    auto *text = new QPlainTextEdit(diff.diff);
    text->setReadOnly(true);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(summary);
    layout->addWidget(text);
    layout->addWidget(buttons);
    dialog->resize(700, 600);
    dialog->open();
}

/// The top-level keys whose values differ between two configs' JSON, sorted.
static QStringList changedKeys(const QByteArray &from, const QByteArray &to)
{
    const QJsonObject a = QJsonDocument::fromJson(from).object();
    const QJsonObject b = QJsonDocument::fromJson(to).object();
    QStringList keys;
    for (auto it = a.constBegin(); it != a.constEnd(); ++it)
        if (b.value(it.key()) != it.value())
            keys << it.key();
    for (auto it = b.constBegin(); it != b.constEnd(); ++it)
        if (!a.contains(it.key()))
            keys << it.key();
    keys.sort();
    return keys;
}

QString ConfigPage::rollbackQuestion(const ConfigVersion &v) const
{
    // Said before it is done: which version, and what it changes in the running config.
    const QStringList keys = changedKeys(m_current, v.json);
    const QString which = tr("Roll back to version %1, applied %2 by %3?")
                              .arg(v.version)
                              .arg(timeText(v.timestamp), AuditPage::actorText(v.actor));
    const QString change = keys.isEmpty()
                               ? tr("No change: it is the configuration running now.")
                               : tr("Keys that change: %1").arg(keys.join(QStringLiteral(", ")));
    QString question = which + QStringLiteral("\n\n") + change;
    // The editor then shows what runs: edits not applied would go without a word (walk35).
    if (holdsEdits())
        question += QStringLiteral("\n\n") +
                    tr("Your edits in the editor are not applied and will be discarded: the "
                       "editor will show version %1. Cancel to keep them.")
                        .arg(v.version);
    return question;
}

bool ConfigPage::holdsEdits() const
{
    return m_editor->toPlainText().toUtf8() != m_current;
}

void ConfigPage::rollbackSelected()
{
    const int v = selectedVersion();
    if (!v)
        return;
    const QModelIndexList rows = m_versionView->selectionModel()->selectedRows();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Roll back"),
                                rollbackQuestion(m_versions->row(rows.first().row())),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setObjectName(QStringLiteral("confirmRollback"));
    // Enter alone must not throw the operator's edits away.
    box->setDefaultButton(holdsEdits() ? QMessageBox::Cancel : QMessageBox::Yes);
    connect(box, &QMessageBox::accepted, this, [this, v] { rollback(v); });
    box->open();
}

void ConfigPage::rollback(int v)
{
    whenFinished(session()->rollbackConfig(v), this, [this, v](const Result<int> &s) {
        // Said of the running config, which the reload puts in the editor.
        if (s)
            showOutcome(
                true,
                [v, now = s.value()] {
                    return tr("Version %1 applied again as version %2.").arg(v).arg(now);
                },
                m_editor->toPlainText(), true);
        else
            showOutcome(
                false, [e = s.error()] { return tr("Not rolled back: %1").arg(errorText(e)); },
                m_editor->toPlainText(), true);
        // Rolled back, the editor shows what runs (the confirmation said the edits go);
        // refused, nothing changed, and neither do the edits.
        if (s)
            reload();
        else
            refresh();
    });
}

void ConfigPage::showOutcome(bool ok, std::function<QString()> text, const QString &about,
                             bool followsRunning)
{
    // What the engine answered, until the next answer: the operator sees that Apply did
    // something (or what was wrong) without looking for a new row among the versions.
    m_status->setStyleSheet(ok ? QStringLiteral("color: #1e8449;")
                               : QStringLiteral("color: #c0392b;"));
    m_outcome = std::move(text);
    m_outcomeText = about;
    m_outcomeFollowsRunning = followsRunning;
    m_status->setText(m_outcome());
    m_status->show();
}

} // namespace jobfirst::ui
