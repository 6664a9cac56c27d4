// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "host/engineoptions.h"

#include <QString>

namespace jobfirst {

/// Reads `--lease SECONDS` into `options.leaseMs`: a whole number from 3 to 300
/// (DeliveryLease::MinTtlMs..MaxTtlMs). The error names the option and the range
/// ("options.lease"), and leaves `options` as it was.
Status setLeaseOption(EngineOptions &options, const QString &seconds);

} // namespace jobfirst
