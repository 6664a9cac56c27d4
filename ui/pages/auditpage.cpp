// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/auditpage.h"

#include "api/enginesession.h"
#include "config/configdiff.h"
#include "core/whenfinished.h"

#include <algorithm>

#include <QBrush>
#include <QColor>
#include <QHash>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace jobfirst::ui {

namespace {

/// The table shows the newest entries that match, at most this many.
constexpr int ShownEntries = 500;
/// Of the newest entries this many are matched against the words the table shows them in.
constexpr int WordedEntries = 2000;

} // namespace

AuditPage::AuditPage(EngineSession *session, QWidget *parent)
    : Page(session, parent), m_view(new QTableView), m_filter(new QLineEdit), m_chain(new QLabel),
      m_noMatch(new QLabel), m_detail(new QPlainTextEdit)
{
    using C = RecordTableModel<AuditEntry>::Column;
    const auto text = [this](auto f) {
        return [this, f](const AuditEntry &a, int role) -> QVariant {
            return role == Qt::DisplayRole ? QVariant(f(a)) : breakMark(a, role);
        };
    };
    // A value before or after: one line of at most 200 characters in the table (a whole
    // config is long), all of it in the tooltip.
    const auto value = [this](QString AuditEntry::*field) {
        return [this, field](const AuditEntry &a, int role) -> QVariant {
            if (role == Qt::ToolTipRole)
                return valueText(a.*field);
            if (role != Qt::DisplayRole)
                return breakMark(a, role);
            const QString line = cellText(a, field == &AuditEntry::after).simplified();
            return line.size() > 200 ? line.left(199) + u'…' : line;
        };
    };
    m_model = new RecordTableModel<AuditEntry>(
        {
            C{[] { return tr("Time"); },
              text([](const AuditEntry &a) { return timeText(a.timestamp); })},
            C{[] { return tr("Who"); },
              text([](const AuditEntry &a) { return actorText(a.actor); })},
            C{[] { return tr("Action"); },
              text([](const AuditEntry &a) { return actionText(a.action); })},
            C{[] { return tr("Subject"); },
              text([](const AuditEntry &a) { return subjectText(a.subject); })},
            C{[] { return tr("Before"); }, value(&AuditEntry::before)},
            C{[] { return tr("After"); }, value(&AuditEntry::after)},
        },
        [](const AuditEntry &a) { return QString::number(a.id); }, this);
    m_view->setModel(m_model);
    m_view->setObjectName(QStringLiteral("auditTable"));
    m_view->setWordWrap(false);
    // Time, who, action and subject are short: shown whole, never cut. Before and after
    // share what is left (Before had a fixed 100 px and was cut).
    for (int c = 0; c < 4; ++c)
        m_view->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    for (int c = 4; c < 6; ++c)
        m_view->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Stretch);
    m_view->verticalHeader()->hide();
    m_filter->setObjectName(QStringLiteral("auditFilter"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &AuditPage::refresh);
    m_chain->setObjectName(QStringLiteral("auditChain"));
    m_chain->setWordWrap(true); // a broken chain is named by its entry: a long line
    m_noMatch->setObjectName(QStringLiteral("auditNoMatch"));
    m_noMatch->hide();
    // The selected entry whole: a config version's before and after are long JSON, of which a
    // cell showed only the start; the panel says which keys changed.
    m_detail->setObjectName(QStringLiteral("auditDetail"));
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AuditPage::showDetail);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_chain);
    layout->addWidget(m_filter);
    layout->addWidget(m_noMatch);
    layout->addWidget(split, 1);
    retranslate();
}

void AuditPage::retranslate()
{
    m_filter->setPlaceholderText(tr("Filter by who, action, subject or value"));
    m_model->retranslate();
    showDetail();
    m_chain->setText(chainText());
    m_noMatch->setText(noMatchText());
}

QString AuditPage::chainText() const
{
    if (!m_verification)
        return tr("Audit chain: checking…");
    if (!*m_verification)
        return tr("Audit chain: cannot be checked: %1").arg(errorMessage(m_verification->error()));
    const AuditVerification &v = m_verification->value();
    if (v.ok)
        return tr("Audit chain verifies: %Ln entries, none changed, removed or cut.", nullptr,
                  int(v.rows));
    // The table numbers no entry: "entry 5" alone was read as its fifth row (walk35).
    if (const int row = m_model->rowOfKey(QString::number(v.firstBadId)); row >= 0) {
        const AuditEntry &e = m_model->row(row);
        return tr("Audit chain BROKEN at entry %1 (%2, %3, %4), marked in the table: the log "
                  "was changed outside the engine, at this entry or just before it.")
            .arg(QString::number(v.firstBadId), timeText(e.timestamp), actorText(e.actor),
                 actionText(e.action));
    }
    return tr("Audit chain BROKEN at entry %1: the log was changed outside the engine.").arg(v.firstBadId);
}

qint64 AuditPage::brokenEntryId() const
{
    if (!m_verification || !*m_verification || m_verification->value().ok)
        return 0;
    return m_verification->value().firstBadId;
}

QVariant AuditPage::breakMark(const AuditEntry &entry, int role) const
{
    if (entry.id != brokenEntryId())
        return {};
    if (role == Qt::BackgroundRole)
        return QBrush(QColor(0xf5, 0xb7, 0xb1));
    if (role == Qt::ToolTipRole)
        return breakText();
    return {};
}

QString AuditPage::breakText() const
{
    return tr("The audit chain breaks here: this entry, or one just before it, was changed or "
              "removed outside the engine.");
}

void AuditPage::refresh()
{
    // The chain is walked off the GUI thread (the engine reads every row on a pool thread).
    whenFinished(session()->verifyAudit(), this, [this](const Result<AuditVerification> &r) {
        m_verification = r;
        const bool broken = r && !r->ok;
        m_chain->setStyleSheet(broken ? QStringLiteral("color: #c62828; font-weight: bold") : QString());
        showRows(m_model->rows()); // the entry where it breaks marked, or no longer
    });
    const quint64 serial = ++m_refreshes;
    const QString filter = m_filter->text().trimmed();
    // The store matches the recorded form ("node.add") in the whole log; the words the table
    // shows ("node added", "添加节点") are the console's, matched below.
    whenFinished(session()->audit(AuditQuery{ShownEntries, filter}), this,
                 [this, serial, filter](const Result<QList<AuditEntry>> &r) {
                     if (!r || serial != m_refreshes)
                         return;
                     if (filter.isEmpty())
                         showRows(r.value());
                     else
                         showMatches(serial, filter, r.value());
                 });
}

void AuditPage::showMatches(quint64 serial, const QString &filter,
                            const QList<AuditEntry> &recorded)
{
    whenFinished(session()->audit(AuditQuery{WordedEntries, {}}), this,
                 [this, serial, filter, recorded](const Result<QList<AuditEntry>> &r) {
                     if (!r || serial != m_refreshes)
                         return;
                     QMap<qint64, AuditEntry> found;
                     for (const AuditEntry &e : recorded)
                         found.insert(e.id, e);
                     for (const AuditEntry &e : r.value())
                         if (matches(e, filter))
                             found.insert(e.id, e);
                     QList<AuditEntry> newestFirst = found.values(); // oldest first
                     std::reverse(newestFirst.begin(), newestFirst.end());
                     showRows(newestFirst.mid(0, ShownEntries));
                 });
}

bool AuditPage::matches(const AuditEntry &entry, const QString &text)
{
    for (const QString &shown :
         {actionText(entry.action), actorText(entry.actor), subjectText(entry.subject),
          entry.action, entry.actor, entry.subject, valueText(entry.before),
          valueText(entry.after)})
        if (shown.contains(text, Qt::CaseInsensitive))
            return true;
    return false;
}

QString AuditPage::noMatchText() const
{
    const QString filter = m_filter->text().trimmed();
    if (filter.isEmpty() || !m_model->rows().isEmpty())
        return {};
    return tr("No entries match \"%1\".").arg(filter);
}

QString AuditPage::actorText(const QString &actor)
{
    // "engine" acted by itself; other actors are names ("console:alice", a token's name).
    if (const auto [by, version] = splitRollback(actor); version > 0)
        return tr("%1 (rolling back to version %2)")
            .arg(actorText(by), QString::number(version)); // an id, not a count: no separators
    return actor == u"engine" ? tr("the engine") : actor;
}

std::pair<QString, int> AuditPage::splitRollback(const QString &actor)
{
    // A roll back is recorded as "<actor> (rollback to version N)", in the engine's words.
    static const QRegularExpression rollback(
        QStringLiteral("^(.*) \\(rollback to version (\\d+)\\)$"));
    if (const auto m = rollback.match(actor); m.hasMatch())
        return {m.captured(1), m.captured(2).toInt()};
    return {actor, 0};
}

QString AuditPage::subjectText(const QString &subject)
{
    // The engine records a replay of every target as "all targets" and a config applied as
    // "version N" (audit rows are kept in one language; the console words them in its own).
    static const QRegularExpression version(QStringLiteral("^version (\\d+)$"));
    if (const auto m = version.match(subject); m.hasMatch())
        return tr("version %1").arg(m.captured(1));
    return subject == u"all targets" ? tr("all targets") : subject;
}

QString AuditPage::valueText(const QString &value)
{
    // A node's settings are worded; other JSON (a whole config) keeps its keys, which are
    // the config file's own names.
    if (!value.startsWith(u'{')) {
        // Delivery states of a dead letter retried or discarded, or a check's result.
        if (value == u"dead")
            return tr("dead letter");
        if (value == u"pending")
            return tr("waiting to be sent");
        if (value == u"discarded")
            return tr("discarded");
        // A node drained, made ready or put in maintenance: its admin state before and after,
        // in the Nodes page's words ("ready" -> "draining").
        if (const auto state = adminStateFromName(value))
            return adminText(*state);
        // What a replay queued again: "3 deliveries".
        static const QRegularExpression deliveries(QStringLiteral("^(\\d+) deliveries$"));
        if (const auto m = deliveries.match(value); m.hasMatch())
            return tr("%Ln deliveries queued again", nullptr, m.captured(1).toInt());
        return reasonText(value);
    }
    const QJsonObject o = QJsonDocument::fromJson(value.toUtf8()).object();
    if (!o.contains(QStringLiteral("id")) || !o.contains(QStringLiteral("url")))
        return value;
    QStringList tags;
    for (const QJsonValue &t : o.value(QStringLiteral("tags")).toArray())
        tags << t.toString();
    return tr("%1 at %2, health path %3, weight %4, %5%6")
        .arg(o.value(QStringLiteral("id")).toString(), o.value(QStringLiteral("url")).toString(),
             o.value(QStringLiteral("health_path")).toString())
        .arg(o.value(QStringLiteral("weight")).toInt())
        .arg(adminText(adminStateFromName(o.value(QStringLiteral("admin_state")).toString())
                           .value_or(AdminState::Ready)),
             tags.isEmpty() ? QString() : tr(", tags %1").arg(tags.join(QStringLiteral(", "))));
}

void AuditPage::showRows(const QList<AuditEntry> &rows)
{
    decltype(m_changes) changes;
    for (const AuditEntry &e : rows) {
        const size_t fingerprint = qHashMulti(0, e.action, e.before, e.after);
        const auto known = m_changes.constFind(e.id);
        changes.insert(e.id, known != m_changes.cend() && known->first == fingerprint
                                 ? *known
                                 : std::pair{fingerprint, configChanges(e)});
    }
    m_changes = std::move(changes);
    m_model->setRows(rows);
    m_chain->setText(chainText()); // it names the entry where the chain breaks by its row
    // An empty table with no word said nothing of why (misc35).
    m_noMatch->setText(noMatchText());
    m_noMatch->setVisible(!m_noMatch->text().isEmpty());
    showDetail();
}

const std::optional<QList<KeyChange>> &AuditPage::changesOf(const AuditEntry &entry) const
{
    static const std::optional<QList<KeyChange>> none;
    const auto found = m_changes.constFind(entry.id);
    return found == m_changes.cend() ? none : found->second;
}

void AuditPage::showDetail()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const int row = rows.isEmpty() ? -1 : rows.first().row();
    if (row < 0 || row >= m_model->rows().size()) {
        m_detail->setPlainText(tr("Select an entry to see what it changed."));
        return;
    }
    const AuditEntry &entry = m_model->rows().at(row);
    const QString detail = detailText(entry);
    m_detail->setPlainText(entry.id == brokenEntryId() ? breakText() + u'\n' + detail : detail);
}

namespace {

/// A value of a config key as the file writes it: a string in quotes, a list or object as
/// compact JSON.
QString jsonText(const QJsonValue &value)
{
    const QJsonDocument doc(QJsonArray{value});
    const QByteArray compact = doc.toJson(QJsonDocument::Compact);
    return QString::fromUtf8(compact.mid(1, compact.size() - 2)); // without the [ ]
}

} // namespace

std::optional<QList<KeyChange>> AuditPage::configChanges(const AuditEntry &entry)
{
    if (entry.action != u"config.apply")
        return std::nullopt;
    QJsonParseError beforeError, afterError;
    const QJsonDocument before = QJsonDocument::fromJson(entry.before.toUtf8(), &beforeError);
    const QJsonDocument after = QJsonDocument::fromJson(entry.after.toUtf8(), &afterError);
    if (beforeError.error != QJsonParseError::NoError ||
        afterError.error != QJsonParseError::NoError || !before.isObject() || !after.isObject())
        return std::nullopt;
    return keyDiff(before.object(), after.object());
}

QString AuditPage::cellText(const AuditEntry &entry, bool after) const
{
    const std::optional<QList<KeyChange>> &changes = changesOf(entry);
    if (!changes)
        return valueText(after ? entry.after : entry.before);
    if (changes->isEmpty())
        return tr("no key changed"); // short: the cell is a third of the table at most
    QStringList pieces;
    for (const KeyChange &c : *changes) {
        const QJsonValue &side = after ? c.after : c.before;
        pieces << tr("%1: %2").arg(c.key, side.isUndefined() ? tr("(nothing)") : jsonText(side));
    }
    return pieces.join(QStringLiteral("; "));
}

QString AuditPage::detailText(const AuditEntry &entry) const
{
    const std::optional<QList<KeyChange>> &found = changesOf(entry);
    if (!found)
        return tr("Before: %1\nAfter: %2")
            .arg(entry.before.isEmpty() ? tr("(nothing)") : valueText(entry.before),
                 entry.after.isEmpty() ? tr("(nothing)") : valueText(entry.after));
    const QList<KeyChange> &changes = *found;
    if (changes.isEmpty())
        return tr("No key changed: the configuration was applied as it was.");
    QStringList lines{tr("%Ln key(s) changed:", nullptr, int(changes.size()))};
    for (const KeyChange &c : changes)
        lines << (c.before.isUndefined() ? tr("%1: added, %2").arg(c.key, jsonText(c.after))
                  : c.after.isUndefined()
                      ? tr("%1: removed (was %2)").arg(c.key, jsonText(c.before))
                      : tr("%1: %2 → %3").arg(c.key, jsonText(c.before), jsonText(c.after)));
    return lines.join(u'\n');
}

QString AuditPage::actionText(const QString &action)
{
    static const QHash<QString, const char *> words = {
        {QStringLiteral("node.add"), QT_TR_NOOP("node added")},
        {QStringLiteral("node.edit"), QT_TR_NOOP("node edited")},
        {QStringLiteral("node.remove"), QT_TR_NOOP("node removed")},
        {QStringLiteral("node.weight"), QT_TR_NOOP("node weight changed")},
        {QStringLiteral("node.ready"), QT_TR_NOOP("node made ready")},
        {QStringLiteral("node.drain"), QT_TR_NOOP("node drained")},
        {QStringLiteral("node.maintenance"), QT_TR_NOOP("node put in maintenance")},
        {QStringLiteral("node.failed"), QT_TR_NOOP("node marked failed")},
        {QStringLiteral("dlq.retry"), QT_TR_NOOP("dead letter retried")},
        {QStringLiteral("dlq.replay"), QT_TR_NOOP("dead letters replayed")},
        {QStringLiteral("dlq.discard"), QT_TR_NOOP("dead letter discarded")},
        {QStringLiteral("consistency.repair"), QT_TR_NOOP("consistency repaired")},
        {QStringLiteral("target.pause"), QT_TR_NOOP("target paused")},
        {QStringLiteral("target.resume"), QT_TR_NOOP("target resumed")},
        {QStringLiteral("target.enable"), QT_TR_NOOP("target enabled")},
        {QStringLiteral("target.disable"), QT_TR_NOOP("target disabled")},
        {QStringLiteral("target.disabled"), QT_TR_NOOP("target disabled by the engine")},
        {QStringLiteral("config.apply"), QT_TR_NOOP("configuration applied")},
        {QStringLiteral("token.create"), QT_TR_NOOP("API token created")},
        {QStringLiteral("token.revoke"), QT_TR_NOOP("API token revoked")},
        {QStringLiteral("backup.create"), QT_TR_NOOP("backup made")},
        {QStringLiteral("backup.restore"), QT_TR_NOOP("backup restored")},
        {QStringLiteral("daemon.forget"), QT_TR_NOOP("daemon forgotten")},
    };
    const char *text = words.value(action);
    return text ? tr(text) : action;
}

void AuditPage::applySnapshot(const EngineSnapshot &)
{
    if (isVisible() && ++m_ticks % 3 == 0)
        refresh();
}

} // namespace jobfirst::ui
