// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/clusterconfig.h"
#include "core/secrets.h" // maskSecret(), isMaskedSecret(): the one masking rule

namespace jobfirst {

/// A copy of the config fit to show or log: every secret masked.
ClusterConfig withMaskedSecrets(const ClusterConfig &config);

/// A config that came back from a screen or an API client with masked secrets: each masked
/// value whose last four characters match the running secret of the same key keeps the
/// running secret. A masked value that matches nothing is left as is (validation refuses it;
/// ClusterConfig::resolveMaskedSecrets names the key).
ClusterConfig restoreMaskedSecrets(const ClusterConfig &incoming, const ClusterConfig &running);

} // namespace jobfirst
