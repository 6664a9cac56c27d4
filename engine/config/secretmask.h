// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/clusterconfig.h"

namespace jobfirst {

/// "••••" and the last four characters: enough to tell two secrets apart, not to use one.
QString maskSecret(const QString &secret);
bool isMaskedSecret(const QString &value);

/// A copy of the config fit to show or log: every secret masked.
ClusterConfig withMaskedSecrets(const ClusterConfig &config);

/// A config that came back from a screen or an API client with masked secrets: each masked
/// value whose last four characters match the running secret of the same key keeps the
/// running secret. A masked value that matches nothing is left as is (validation refuses it).
ClusterConfig restoreMaskedSecrets(const ClusterConfig &incoming, const ClusterConfig &running);

} // namespace jobfirst
