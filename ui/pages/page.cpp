// SPDX-License-Identifier: GPL-3.0-or-later
#include "pages/page.h"

#include <QCoreApplication>
#include <QDateTime>

namespace jobfirst::ui {

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
