// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/page.h"

#include "api/enginesession.h"

#include <QAction>
#include <QCoreApplication>
#include <QDateTime>

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

} // namespace jobfirst::ui
