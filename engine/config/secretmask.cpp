// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/secretmask.h"

namespace jobfirst {

namespace {
const QString MaskPrefix = QStringLiteral("••••");

QString restored(const QString &incoming, const QString &running)
{
    if (isMaskedSecret(incoming) && !running.isEmpty() && maskSecret(running) == incoming)
        return running;
    return incoming;
}
} // namespace

QString maskSecret(const QString &secret)
{
    return secret.isEmpty() ? QString() : MaskPrefix + secret.right(4);
}

bool isMaskedSecret(const QString &value)
{
    return value.startsWith(MaskPrefix);
}

ClusterConfig withMaskedSecrets(const ClusterConfig &config)
{
    ClusterConfig c = config;
    c.clusterSecret = maskSecret(c.clusterSecret);
    for (TargetConfig &t : c.targets)
        t.secret = maskSecret(t.secret);
    return c;
}

ClusterConfig restoreMaskedSecrets(const ClusterConfig &incoming, const ClusterConfig &running)
{
    ClusterConfig c = incoming;
    c.clusterSecret = restored(c.clusterSecret, running.clusterSecret);
    for (TargetConfig &t : c.targets) {
        const TargetConfig *before = running.target(t.name);
        t.secret = restored(t.secret, before ? before->secret : QString());
    }
    return c;
}

} // namespace jobfirst
