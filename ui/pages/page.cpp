// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/page.h"

#include "api/enginesession.h"

#include <QAction>
#include <QCoreApplication>
#include <QDateTime>
#include <QRegularExpression>

namespace jobfirst::ui {

bool Page::allowed(Permission permission) const
{
    return m_session->allows(permission);
}

void Page::gate(QObject *control, Permission permission)
{
    if (allowed(permission))
        return;
    const QString why = roleRefusal(permission, m_session->info().role);
    // The page's own logic may enable the control later (a selection, a finished job): it
    // stays disabled for this session whatever happens.
    if (auto *action = qobject_cast<QAction *>(control)) {
        action->setEnabled(false);
        action->setToolTip(why);
        connect(action, &QAction::enabledChanged, action, [action](bool enabled) {
            if (enabled)
                action->setEnabled(false);
        });
    } else if (auto *widget = qobject_cast<QWidget *>(control)) {
        widget->setEnabled(false);
        widget->setToolTip(why);
        widget->installEventFilter(new RoleLock(widget));
    }
}

bool RoleLock::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::EnabledChange) {
        auto *widget = static_cast<QWidget *>(watched);
        if (widget->isEnabled())
            QMetaObject::invokeMethod(widget, [widget] { widget->setEnabled(false); }, Qt::QueuedConnection);
    }
    return false;
}

QString roleRefusal(Permission permission, Role role)
{
    return QCoreApplication::translate("State", "Needs the %1 role; this connection's role is %2.")
        .arg(roleText(lowestRoleFor(permission)), roleText(role));
}

QString roleText(Role role)
{
    switch (role) {
    case Role::Viewer: return QCoreApplication::translate("State", "viewer");
    case Role::Operator: return QCoreApplication::translate("State", "operator");
    case Role::Admin: return QCoreApplication::translate("State", "admin");
    case Role::Node: return QCoreApplication::translate("State", "node");
    }
    return {};
}

QString healthText(HealthState s)
{
    switch (s) {
    case HealthState::Unknown: return QCoreApplication::translate("State", "unknown");
    case HealthState::Up: return QCoreApplication::translate("State", "up");
    case HealthState::Down: return QCoreApplication::translate("State", "down");
    case HealthState::Failed: return QCoreApplication::translate("State", "failed");
    }
    return {};
}

QColor healthColor(HealthState s)
{
    switch (s) {
    case HealthState::Up:
        return QColor(0x1e, 0x84, 0x49);
    case HealthState::Down:
        return QColor(0xb9, 0x77, 0x0e);
    case HealthState::Failed:
        return QColor(0xc0, 0x39, 0x2b);
    case HealthState::Unknown:
        return QColor(0x5d, 0x6d, 0x7e);
    }
    return {};
}

QColor healthBackground(HealthState s)
{
    switch (s) {
    case HealthState::Up:
        return QColor(0xd5, 0xf5, 0xe3);
    case HealthState::Down:
        return QColor(0xfd, 0xeb, 0xd0);
    case HealthState::Failed:
        return QColor(0xf1, 0x94, 0x8a);
    case HealthState::Unknown:
        return QColor(0xea, 0xec, 0xee);
    }
    return {};
}

void restyle(QWidget *widget, const QString &styleSheet)
{
    if (widget->styleSheet() != styleSheet)
        widget->setStyleSheet(styleSheet);
}

QString healthTextWithCountdown(const NodeStatus &n, qint64 nodeTimeoutMs, qint64 nowMs)
{
    if (n.health != HealthState::Down || nodeTimeoutMs <= 0 || n.lastChangeAt <= 0)
        return healthText(n.health);
    const qint64 left =
        std::max<qint64>(0, n.lastChangeAt + n.stalledWhileDownMs + nodeTimeoutMs - nowMs);
    return QCoreApplication::translate("State", "down — failed in %1")
        .arg(ageText(std::max<qint64>(left, 1000)));
}

QString adminText(AdminState s)
{
    switch (s) {
    case AdminState::Ready: return QCoreApplication::translate("State", "ready");
    case AdminState::Drain: return QCoreApplication::translate("State", "draining");
    case AdminState::Maintenance: return QCoreApplication::translate("State", "maintenance");
    }
    return {};
}

QString circuitText(CircuitState s)
{
    switch (s) {
    case CircuitState::Closed: return QCoreApplication::translate("State", "closed");
    case CircuitState::Open: return QCoreApplication::translate("State", "open");
    case CircuitState::HalfOpen: return QCoreApplication::translate("State", "half-open");
    }
    return {};
}

QString heldText()
{
    return QCoreApplication::translate(
        "State", "Held: deliveries for a target whose node is down, or that is paused or "
                 "disabled. They are not being attempted, and go when the target is back.");
}

QString backlogCountText()
{
    return QCoreApplication::translate(
        "State", "Counted every second across daemons: what this engine accepts and delivers "
                 "counts at once; what other daemons or processes on the store accept or "
                 "deliver counts at its next recount (every 1 to 5 s).");
}

QString standbyText(const DeliveryStandby &standby)
{
    switch (standby.reason) {
    case DeliveryStandby::Reason::None:
        return {};
    case DeliveryStandby::Reason::OtherProcess:
        return QCoreApplication::translate("State", "%1 delivers from this store")
            .arg(standby.detail);
    case DeliveryStandby::Reason::PartitionsTaken:
        return QCoreApplication::translate("State", "the other daemons hold every partition (%1)")
            .arg(standby.detail);
    case DeliveryStandby::Reason::NotStarted:
        return QCoreApplication::translate("State", "not started yet");
    case DeliveryStandby::Reason::RenewalLate:
        return QCoreApplication::translate("State", "its lease renewal answered too late");
    case DeliveryStandby::Reason::StoreUnavailable:
        return QCoreApplication::translate("State", "the store cannot be reached (%1)")
            .arg(standby.detail);
    case DeliveryStandby::Reason::StoreBusy:
        return QCoreApplication::translate("State",
                                           "the store is busy: another process is writing to it "
                                           "(%1)")
            .arg(standby.detail);
    case DeliveryStandby::Reason::StoreNotSynced:
        return QCoreApplication::translate("State",
                                           "the store's last write could not be synced to disk "
                                           "(%1)")
            .arg(standby.detail);
    case DeliveryStandby::Reason::OutboxStopped:
        return QCoreApplication::translate("State", "the sync outbox is not running");
    }
    return {};
}

QString countText(qint64 n)
{
    return QLocale().toString(n);
}

QString ageText(qint64 ms)
{
    if (ms <= 0)
        return QStringLiteral("—");
    if (ms < 1000)
        return QCoreApplication::translate("State", "%1 ms").arg(ms);
    if (ms < 120000)
        return QCoreApplication::translate("State", "%1 s").arg(ms / 1000);
    if (ms < 7200000)
        return QCoreApplication::translate("State", "%1 min").arg(ms / 60000);
    return QCoreApplication::translate("State", "%1 h").arg(ms / 3600000);
}

QString timeText(qint64 msSinceEpoch)
{
    return msSinceEpoch ? QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                        : QStringLiteral("—");
}

QString sinceText(qint64 msSinceEpoch)
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(msSinceEpoch);
    return at.toString(at.date() == QDate::currentDate() ? QStringLiteral("HH:mm")
                                                         : QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString reasonText(const QString &reason)
{
    // The engine words its reasons in English for logs and programs; the console words
    // the ones it knows in its own language and keeps anything else as it came.
    static const QRegularExpression failedInRow(QStringLiteral(
        "^(.*) \\((\\d+) checks failed in a row(?:; checked at once because (.*))?\\)$"));
    static const QRegularExpression passedInRow(
        QStringLiteral("^ok \\((\\d+) checks passed in a row\\)$"));
    static const QRegularExpression timeout(QStringLiteral("^timeout after (\\d+) ms$"));
    static const QRegularExpression badStatus(QStringLiteral("^bad status (\\d+)$"));
    static const QRegularExpression badBodyStatus(QStringLiteral("^bad body: status \"(.*)\"$"));
    static const QRegularExpression nodeTimeout(
        QStringLiteral("^down for longer than node_timeout \\((\\d+) ms\\)$"));
    static const QRegularExpression passive(QStringLiteral("^passive: (.*)$"));
    static const QRegularExpression closed(
        QStringLiteral("^the node closed its connection and (.*)$"));
    static const QRegularExpression newConnectionFailed(
        QStringLiteral("^a new connection failed: (.*)$"));
    static const QRegularExpression noAnswer(
        QStringLiteral("^a new connection got no answer within (\\d+) ms$"));
    QRegularExpressionMatch m;
    if (reason == u"ok")
        return QCoreApplication::translate("Reason", "ok");
    // A real request's failure comes in its HTTP client's words: "Connection refused".
    if (reason.compare(u"connection refused", Qt::CaseInsensitive) == 0)
        return QCoreApplication::translate("Reason", "connection refused");
    if (reason.compare(u"connection reset by peer", Qt::CaseInsensitive) == 0)
        return QCoreApplication::translate("Reason", "connection reset by peer");
    if ((m = newConnectionFailed.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "a new connection failed: %1")
            .arg(reasonText(m.captured(1)));
    // A daemon on PostgreSQL takes the state of a node another daemon checks.
    if (reason == u"checked by another daemon")
        return QCoreApplication::translate("Reason", "checked by another daemon");
    if (reason == u"request failed")
        return QCoreApplication::translate("Reason", "request failed");
    if (reason == u"a new connection was refused")
        return QCoreApplication::translate("Reason", "a new connection was refused");
    if (reason.startsWith(QLatin1String("bad body: not valid JSON")))
        return QCoreApplication::translate("Reason", "the health answer is not valid JSON");
    if ((m = failedInRow.match(reason)).hasMatch()) {
        const QString first = reasonText(m.captured(1));
        const int n = m.captured(2).toInt();
        return m.captured(3).isEmpty()
                   ? QCoreApplication::translate("Reason", "%1 (%Ln checks failed in a row)",
                                                 nullptr, n)
                         .arg(first)
                   : QCoreApplication::translate(
                         "Reason", "%1 (%Ln checks failed in a row; checked at once because %2)",
                         nullptr, n)
                         .arg(first, reasonText(m.captured(3)));
    }
    if ((m = passedInRow.match(reason)).hasMatch()) {
        // (lupdate 6.4 hangs on a call as the count argument: a plain variable.)
        const int passed = m.captured(1).toInt();
        return QCoreApplication::translate("Reason", "ok (%Ln checks passed in a row)", nullptr,
                                           passed);
    }
    if ((m = timeout.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "no answer within %1 ms").arg(m.captured(1));
    if ((m = badStatus.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "answered HTTP %1").arg(m.captured(1));
    if ((m = badBodyStatus.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "the health answer says \"%1\"")
            .arg(m.captured(1));
    if ((m = nodeTimeout.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "down for longer than node_timeout (%1 ms)")
            .arg(m.captured(1));
    if ((m = passive.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "a real request failed: %1")
            .arg(reasonText(m.captured(1)));
    if ((m = closed.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "the node closed its connection and %1")
            .arg(reasonText(m.captured(1)));
    if ((m = noAnswer.match(reason)).hasMatch())
        return QCoreApplication::translate("Reason", "a new connection got no answer within %1 ms")
            .arg(m.captured(1));
    return reason;
}

QString deliveryErrorText(const QString &error)
{
    // libcurl's words: "Connection refused", or with the address before it ("Failed to
    // connect to 127.0.0.1 port 8207 after 0 ms: Connection refused").
    static const QRegularExpression refused(QStringLiteral("(^|: )Connection refused$"),
                                            QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression answered(QStringLiteral("^HTTP (\\d{3}): ?(.*)$"),
                                             QRegularExpression::DotMatchesEverythingOption);
    if (error.isEmpty())
        return error; // most rows of a large cluster's targets: no pattern tried
    QRegularExpressionMatch m;
    if (refused.match(error).hasMatch())
        return reasonText(QStringLiteral("connection refused"));
    if ((m = answered.match(error)).hasMatch())
        return m.captured(2).isEmpty()
                   ? reasonText(QStringLiteral("bad status ") + m.captured(1))
                   : QCoreApplication::translate("Reason", "answered HTTP %1: %2")
                         .arg(m.captured(1), m.captured(2));
    return reasonText(error); // "timeout after 3000 ms", and anything else as it came
}

namespace {
/// The kind of an engine error by its code, translated; empty for a code the console does
/// not know.
QString errorKindText(const QString &code)
{
    if (code == u"remote.unreachable")
        return QCoreApplication::translate("Error", "the engine cannot be reached");
    if (code == u"remote.bad_answer")
        return QCoreApplication::translate("Error", "the engine's answer could not be understood");
    if (code == u"engine.closed")
        return QCoreApplication::translate("Error", "the engine has stopped");
    if (code == u"auth.forbidden")
        return QCoreApplication::translate("Error", "this connection's role may not do this");
    if (code == u"token.invalid" || code == u"auth.unauthenticated")
        return QCoreApplication::translate("Error", "the API token is not valid");
    if (code == u"store.locked")
        return QCoreApplication::translate("Error", "the store is locked by another process");
    if (code == u"store.corrupt")
        return QCoreApplication::translate("Error", "the store is corrupt");
    if (code == u"store.foreign")
        return QCoreApplication::translate("Error", "the store file is not a JobFirst store");
    if (code == u"store.unavailable")
        return QCoreApplication::translate("Error", "the shared store cannot be reached");
    if (code == u"store.open" || code == u"store.invalid")
        return QCoreApplication::translate("Error", "the store cannot be opened");
    if (code == u"store.query")
        return QCoreApplication::translate("Error", "reading the store failed");
    if (code == u"config.invalid")
        return QCoreApplication::translate("Error", "a setting has a value the engine cannot use");
    if (code == u"config.unknown_key")
        return QCoreApplication::translate("Error", "a setting the engine does not know");
    if (code == u"config.syntax")
        return QCoreApplication::translate("Error", "the config is not a valid JSON object");
    if (code == u"config.too_large")
        return QCoreApplication::translate("Error", "the config is too large");
    if (code == u"config.masked_secret")
        return QCoreApplication::translate("Error", "a secret still holds its masked value");
    if (code == u"config.invalid_secret")
        return QCoreApplication::translate("Error", "a secret is not acceptable");
    if (code == u"config.io")
        return QCoreApplication::translate("Error", "the config file cannot be read or written");
    if (code == u"file.unreadable" || code == u"import.io")
        return QCoreApplication::translate("Error", "the file cannot be read");
    if (code == u"import.format")
        return QCoreApplication::translate("Error", "the file is not users in JSON Lines or CSV");
    return {};
}
} // namespace

QString sentenceText(const Sentence &sentence)
{
    // The engine marks each wording with QT_TRANSLATE_NOOP("EngineSentence", …); translate()
    // gives back the English for one that has no translation.
    return sentence.said(
        [](const char *wording) { return QCoreApplication::translate("EngineSentence", wording); });
}

QString errorMessage(const Error &error)
{
    return error.sentence.isEmpty() ? error.message : sentenceText(error.sentence);
}

QString errorSummary(const Error &error)
{
    const QString kind = errorKindText(error.code);
    return kind.isEmpty() ? errorMessage(error) : kind;
}

QString errorText(const Error &error)
{
    const QString kind = errorKindText(error.code);
    return kind.isEmpty()
               ? errorMessage(error)
               : QCoreApplication::translate("Error", "%1 (%2)").arg(kind, errorMessage(error));
}

QString unreachableCause(const Sentence &reason)
{
    // ApiTransport's words: "cannot reach the engine at <URL>: <what the connection did>".
    const bool unreachable =
        reason.wording() == "cannot reach the engine at %1: %2" && reason.values().size() == 2;
    return sentenceText(unreachable ? reason.values().at(1) : reason);
}

} // namespace jobfirst::ui
