// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/secretmask.h"

namespace jobfirst {

namespace {

QString restored(const QString &incoming, const QString &running)
{
    auto r = resolveMaskedSecret(QString(), incoming, running);
    return r ? r.value() : incoming;
}

} // namespace

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
