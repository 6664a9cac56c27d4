// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/configdiff.h"
#include "models/recordtablemodel.h"
#include "pages/page.h"
#include "store/auditentry.h"

#include <QHash>

#include <optional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace jobfirst::ui {

/// The operator actions log (filterable). Alerts have their own page.
class AuditPage final : public Page
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditPage)

public:
    explicit AuditPage(EngineSession *session, QWidget *parent = nullptr);
    QString title() const override { return tr("Audit log"); }
    void applySnapshot(const EngineSnapshot &snapshot) override;
    void retranslate() override;
    void refresh();
    RecordTableModel<AuditEntry> *model() const { return m_model; }
    /// An audited action ("node.add", "dlq.retry", ...) in the console's language.
    static QString actionText(const QString &action);
    /// A before/after value: a node's settings in words, anything else as recorded.
    static QString valueText(const QString &value);
    static QString actorText(const QString &actor);
    /// A roll back's actor, "<actor> (rollback to version N)", split: the actor and N; else
    /// the actor as it is and 0.
    static std::pair<QString, int> splitRollback(const QString &actor);
    /// What an action was done to, as recorded; "all targets" (a replay) in words.
    static QString subjectText(const QString &subject);
    /// The hash chain's state in words: "verifies (N entries)" or where it breaks.
    QString chainText() const;
    /// What an entry changed, for the detail panel: a config's keys that differ, one a line
    /// ("targets[hook].retry.interval: \"1s\" → \"2s\""; secrets masked as recorded), else
    /// its before and after whole.
    QString detailText(const AuditEntry &entry) const;
    /// An entry's before (or, with `after`, its after) in its table cell: for a config
    /// version, the keys that changed with their values on that side ("targets[hook].retry.
    /// interval: \"1s\""), not the start of a whole config; else the value itself.
    QString cellText(const AuditEntry &entry, bool after) const;
    /// `entry` shows `text` (any case): its action, actor or subject as the table words them
    /// in the console's language, as recorded ("node.add"), or its before or after value.
    static bool matches(const AuditEntry &entry, const QString &text);
    /// What the empty table says: that no entry matches the filter; "" when it is not empty or
    /// nothing is typed.
    QString noMatchText() const;

private:
    /// A config version's keys that differ between its before and after; nothing when the
    /// entry is not a config version whose before and after are both JSON objects.
    static std::optional<QList<KeyChange>> configChanges(const AuditEntry &entry);
    /// configChanges() of `entry` as diffed when its row arrived (the table asks for a cell's
    /// text at every repaint); nothing when it is not a config version.
    const std::optional<QList<KeyChange>> &changesOf(const AuditEntry &entry) const;
    /// Shows `rows`, each config version diffed once (an entry seen at the last refresh, same
    /// before and after, keeps its diff).
    void showRows(const QList<AuditEntry> &rows);
    /// The entries that match `filter`: those the store finds in their recorded form (in the
    /// whole log) and those of the newest that show it in words; newest first.
    void showMatches(quint64 serial, const QString &filter, const QList<AuditEntry> &recorded);
    /// The selected entry's detailText() in the panel under the table.
    void showDetail();
    /// The id of the first entry that does not match the chain; 0 when it verifies or is
    /// not checked yet.
    qint64 brokenEntryId() const;
    /// The break's mark on `entry`'s cells for `role` (background, tooltip); nothing for
    /// the other entries.
    QVariant breakMark(const AuditEntry &entry, int role) const;
    /// What the marked entry means, for its tooltip and the detail panel.
    QString breakText() const;

    RecordTableModel<AuditEntry> *m_model;
    QTableView *m_view;
    QLineEdit *m_filter;
    QLabel *m_chain;
    QLabel *m_noMatch;
    QPlainTextEdit *m_detail;
    std::optional<Result<AuditVerification>> m_verification; ///< the last walk of the chain
    /// Of the rows shown, by entry id: a fingerprint of its before and after, and its diff.
    QHash<qint64, std::pair<size_t, std::optional<QList<KeyChange>>>> m_changes;
    int m_ticks = 0;
    quint64 m_refreshes = 0; ///< an answer of an older refresh (an older filter) is dropped
};

} // namespace jobfirst::ui
