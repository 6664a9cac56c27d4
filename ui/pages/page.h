// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/enginesnapshot.h"
#include "api/role.h"
#include "core/result.h"

#include <QColor>
#include <QEvent>
#include <QWidget>

namespace jobfirst {
class EngineSession;
}

namespace jobfirst::ui {

/// A page of the console: it draws snapshots and retranslates itself on a language switch.
class Page : public QWidget
{
    Q_OBJECT

public:
    Page(EngineSession *session, QWidget *parent = nullptr) : QWidget(parent), m_session(session) {}
    virtual QString title() const = 0;
    virtual void applySnapshot(const EngineSnapshot &snapshot) = 0;
    virtual void retranslate() = 0;

protected:
    void changeEvent(QEvent *event) override
    {
        if (event->type() == QEvent::LanguageChange)
            retranslate();
        QWidget::changeEvent(event);
    }
    EngineSession *session() const { return m_session; }
    /// Keeps `control` (a QWidget or QAction) disabled, with a tooltip saying why, when the
    /// session's role lacks `permission`; otherwise changes nothing.
    void gate(QObject *control, Permission permission);
    bool allowed(Permission permission) const;

private:
    EngineSession *m_session;
};

/// Keeps a widget disabled: re-disables it whenever something enables it.
class RoleLock final : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    bool eventFilter(QObject *watched, QEvent *event) override;
};

/// "Needs the operator role; this connection's role is viewer.", translated.
QString roleRefusal(Permission permission, Role role);
QString roleText(Role role);

/// Sets a widget's style sheet when it differs from the one it has: Qt re-polishes a widget
/// on every setStyleSheet(), also with the same text, and figures are set on every snapshot.
void restyle(QWidget *widget, const QString &styleSheet);

/// Short human text for an engine state, translated.
QString healthText(HealthState s);
/// The same colours for the same state everywhere: text (status bar, cards) and row
/// background (tables). Down is amber (out of rotation, may come back), failed red.
QColor healthColor(HealthState s);
QColor healthBackground(HealthState s);
/// "down — failed in 42 s": a down node's state with the time left until node_timeout
/// makes it failed, which the time the engine was stalled postpones (`nodeTimeoutMs` 0:
/// unknown, the state alone).
QString healthTextWithCountdown(const NodeStatus &node, qint64 nodeTimeoutMs, qint64 nowMs);
/// A health check's result or a state change's reason from the engine, worded in the
/// console's language ("connection refused", "3 checks failed in a row", ...).
QString reasonText(const QString &engineReason);
/// Why a delivery failed, as the engine (libcurl) words it ("Connection refused", "timeout
/// after 3000 ms", "HTTP 503: <answer>"), in the console's language; the target's answer and
/// any text the console does not know are kept as they came.
QString deliveryErrorText(const QString &engineError);
/// An engine's sentence in the console's language, each wording translated (the English where
/// the console has no words for it) and its values kept.
QString sentenceText(const Sentence &sentence);
/// The engine's message in the console's language: its sentence with each wording translated
/// and its values (a node's id, a key, a line number) kept; the message as it came where the
/// engine made it without a sentence, and a wording the console has no words for in English.
QString errorMessage(const Error &error);
/// What an engine error is about, in the console's language, told by its code ("the engine
/// cannot be reached"); the engine's own message for a code the console does not know.
QString errorSummary(const Error &error);
/// The same kind, then the engine's message (errorMessage()): "a setting has a value the engine
/// cannot use (key 'batch_size': …)".
QString errorText(const Error &error);
/// Why an engine cannot be reached, from the sentence of a "remote.unreachable" error or a
/// lost stream, without the engine's URL that it repeats ("connection refused"), in the
/// console's language. Other sentences are said whole.
QString unreachableCause(const Sentence &reason);
QString adminText(AdminState s);
QString circuitText(CircuitState s);
/// What "held" means where a backlog is counted: waiting, but not being worked on.
QString heldText();
/// How current a backlog figure is (its tooltip): this engine's own changes at once, other
/// processes' at its next recount, every 1 to 5 s (issue 13; no query per frame).
QString backlogCountText();
/// Why delivery stands by, each reason as what it is ("host:1:a delivers from this store",
/// "its lease renewal answered too late"), translated; "" while it delivers.
QString standbyText(const DeliveryStandby &standby);
QString ageText(qint64 ms);
/// A count as the chosen language writes it ("1,234"): every count on screen reads the same
/// under "System language" and the language it stands for (see ConsoleLanguage::locale).
QString countText(qint64 n);
QString timeText(qint64 msSinceEpoch);
/// A start time in local time: "HH:mm" today, else "yyyy-MM-dd HH:mm" (for "since …").
QString sinceText(qint64 msSinceEpoch);

} // namespace jobfirst::ui
