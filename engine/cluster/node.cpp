// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/node.h"

#include <QRegularExpression>
#include <QUrl>

namespace jobfirst {

QString adminStateName(AdminState s)
{
    switch (s) {
    case AdminState::Ready: return QStringLiteral("ready");
    case AdminState::Drain: return QStringLiteral("drain");
    case AdminState::Maintenance: return QStringLiteral("maintenance");
    }
    return {};
}

std::optional<AdminState> adminStateFromName(const QString &name)
{
    if (name == u"ready")
        return AdminState::Ready;
    if (name == u"drain")
        return AdminState::Drain;
    if (name == u"maintenance" || name == u"maint")
        return AdminState::Maintenance;
    return std::nullopt;
}

QString healthStateName(HealthState s)
{
    switch (s) {
    case HealthState::Unknown: return QStringLiteral("unknown");
    case HealthState::Up: return QStringLiteral("up");
    case HealthState::Down: return QStringLiteral("down");
    case HealthState::Failed: return QStringLiteral("failed");
    }
    return {};
}

HealthState healthStateFromName(const QString &name)
{
    if (name == u"up")
        return HealthState::Up;
    if (name == u"down")
        return HealthState::Down;
    if (name == u"failed")
        return HealthState::Failed;
    return HealthState::Unknown;
}

QString checkOutcomeName(CheckOutcome o)
{
    switch (o) {
    case CheckOutcome::Ok: return QStringLiteral("ok");
    case CheckOutcome::ConnectionRefused: return QStringLiteral("connection_refused");
    case CheckOutcome::Timeout: return QStringLiteral("timeout");
    case CheckOutcome::BadStatus: return QStringLiteral("bad_status");
    case CheckOutcome::BadBody: return QStringLiteral("bad_body");
    case CheckOutcome::NetworkError: return QStringLiteral("network_error");
    case CheckOutcome::Passive: return QStringLiteral("passive");
    }
    return {};
}

Status NodeSpec::validate() const
{
    static const QRegularExpression idPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (!idPattern.match(id).hasMatch())
        return makeError(QStringLiteral("node.invalid_id"),
                         QStringLiteral("node id \"%1\" must be 1-64 letters, digits, '.', '_' or '-', "
                                        "starting with a letter or digit").arg(id));
    const QUrl u(url, QUrl::StrictMode);
    if (url.trimmed().isEmpty())
        return makeError(QStringLiteral("node.invalid_url"), QStringLiteral("node URL is empty"));
    if (!url.contains(QLatin1String("://")))
        return makeError(QStringLiteral("node.invalid_url"),
                         QStringLiteral("node URL \"%1\" must start with http:// or https://").arg(url));
    if (!u.isValid())
        return makeError(QStringLiteral("node.invalid_url"),
                         QStringLiteral("node URL \"%1\" is malformed: %2").arg(url, u.errorString()));
    if (u.scheme() != u"http" && u.scheme() != u"https")
        return makeError(QStringLiteral("node.invalid_url"),
                         QStringLiteral("node URL \"%1\" must start with http:// or https://").arg(url));
    if (u.host().isEmpty())
        return makeError(QStringLiteral("node.invalid_url"),
                         QStringLiteral("node URL \"%1\" has no host").arg(url));
    if (u.port() == 0)
        return makeError(QStringLiteral("node.invalid_url"),
                         QStringLiteral("node URL \"%1\" has port 0").arg(url));
    if (!healthPath.startsWith(u'/') || healthPath.contains(u' '))
        return makeError(QStringLiteral("node.invalid_health_path"),
                         QStringLiteral("health path \"%1\" must start with '/' and contain no spaces").arg(healthPath));
    if (weight < 1 || weight > 256)
        return makeError(QStringLiteral("node.invalid_weight"),
                         QStringLiteral("weight %1 is out of range (1..256)").arg(weight));
    for (const QString &t : tags)
        if (t.trimmed().isEmpty() || t.contains(u','))
            return makeError(QStringLiteral("node.invalid_tag"),
                             QStringLiteral("tag \"%1\" must be non-empty and contain no comma").arg(t));
    return {};
}

} // namespace jobfirst
