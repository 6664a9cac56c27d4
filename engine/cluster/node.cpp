// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/node.h"

#include "cluster/nodeweight.h"
#include "cluster/urlfault.h"
#include "core/httpsecurity.h"
#include "core/urltext.h"

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

namespace {

/// The engine's English words for a node URL's fault (the console says its own, by the same
/// UrlFault). The URL is named without any user name or password it holds.
QString urlFaultText(UrlFault fault, const QString &url)
{
    const QUrl u(url, QUrl::StrictMode);
    const QString shown =
        u.isValid() ? u.toString(QUrl::RemoveUserInfo) : withoutUserInfo(url).left(200);
    switch (fault) {
    case UrlFault::Empty: return QStringLiteral("node URL is empty");
    case UrlFault::TooLong: return QStringLiteral("node URL is longer than 2048 bytes");
    case UrlFault::NoScheme:
    case UrlFault::UnsupportedScheme:
        return QStringLiteral("node URL \"%1\" must start with http:// or https://").arg(shown);
    case UrlFault::NoHost: return QStringLiteral("node URL \"%1\" has no host").arg(shown);
    case UrlFault::Credentials:
        return QStringLiteral("node URL %1 holds a user name or password; use --token-file or a "
                              "client certificate instead")
            .arg(shown);
    default: break;
    }
    if (u.isValid()) // port 0, or white space QUrl let through
        return fault == UrlFault::BadPort
                   ? QStringLiteral("node URL \"%1\" has port 0").arg(shown)
                   : QStringLiteral("node URL \"%1\" is malformed: it holds white space").arg(shown);
    // QUrl's reason quotes the whole URL ("; source was …"), password and all: cut there.
    const QString reason = u.errorString().section(QStringLiteral("; source was"), 0, 0);
    return QStringLiteral("node URL \"%1\" is malformed: %2").arg(shown, reason);
}

} // namespace

Status NodeSpec::validateUrl(const QString &url)
{
    // One decision for the engine and the console's node dialog: nodeUrlFault().
    const UrlFault fault = nodeUrlFault(url);
    if (fault == UrlFault::None)
        return {};
    return makeError(QStringLiteral("node.invalid_url"), urlFaultText(fault, url));
}

Status NodeSpec::validate() const
{
    static const QRegularExpression idPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (!idPattern.match(id).hasMatch())
        return makeError(
            QStringLiteral("node.invalid_id"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                       "node id \"%1\" must be 1-64 letters, digits, '.', '_' or "
                                       "'-', starting with a letter or digit"),
                     {id.left(80)}));
    if (Status s = validateUrl(url); !s)
        return s;
    if (!healthPath.startsWith(u'/') || healthPath.contains(u' '))
        return makeError(QStringLiteral("node.invalid_health_path"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "health path \"%1\" must start with '/' and "
                                                    "contain no spaces"),
                                  {healthPath}));
    static_assert(MinNodeWeight == 1 && MaxNodeWeight == 256, "the wording below says 1..256");
    if (weight < MinNodeWeight || weight > MaxNodeWeight)
        return makeError(QStringLiteral("node.invalid_weight"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                    "weight %1 is out of range (1..256)"),
                                  {Sentence::value(weight)}));
    if (healthPath.size() > 2048)
        return makeError(QStringLiteral("node.invalid_health_path"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "health path is longer than 2048 bytes")));
    if (tags.size() > 64)
        return makeError(QStringLiteral("node.invalid_tag"),
                         Sentence(QT_TRANSLATE_NOOP("EngineSentence", "a node has at most 64 tags")));
    for (const QString &t : tags)
        if (t.trimmed().isEmpty() || t.contains(u',') || t.size() > 128)
            return makeError(
                QStringLiteral("node.invalid_tag"),
                Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                           "tag \"%1\" must be 1-128 characters and contain no "
                                           "comma"),
                         {t.left(80)}));
    const std::pair<const char *, const QString *> files[] = {{"ca_file", &caFile},
                                                              {"client_cert", &clientCert},
                                                              {"client_key", &clientKey},
                                                              {"token_file", &tokenFile}};
    for (const auto &[key, value] : files) {
        if (value->size() > 4096)
            return makeError(QStringLiteral("node.invalid_tls"),
                             Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                        "node %1: %2 is longer than 4096 "
                                                        "characters"),
                                      {id, QString::fromLatin1(key)}));
        for (const QChar c : *value)
            if (c.category() == QChar::Other_Control)
                return makeError(QStringLiteral("node.invalid_tls"),
                                 Sentence(QT_TRANSLATE_NOOP("EngineSentence",
                                                            "node %1: %2 holds control characters"),
                                          {id, QString::fromLatin1(key)}));
    }
    if (clientCert.isEmpty() != clientKey.isEmpty())
        return makeError(
            QStringLiteral("node.invalid_tls"),
            Sentence(QT_TRANSLATE_NOOP("EngineSentence", "node %1: client_cert and client_key go "
                                                         "together: give both or neither"),
                     {id}));
    return {};
}

std::shared_ptr<const HttpSecurity> NodeSpec::security() const
{
    return HttpSecurity::fromSettings(caFile, clientCert, clientKey, tlsInsecure, tokenFile);
}

Status NodeSpec::checkFiles() const
{
    if (Status s = validateTlsFiles(Sentence(QT_TRANSLATE_NOOP("EngineSentence", "node %1: "), {id}),
                                    caFile, clientCert, clientKey, tokenFile);
        !s)
        return makeError(QStringLiteral("node.invalid_tls"), s.error().said());
    return {};
}

} // namespace jobfirst
