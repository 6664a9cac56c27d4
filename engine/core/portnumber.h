// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>

namespace jobfirst {

/// A TCP port as typed in an address ("8700" of "127.0.0.1:8700"). The error names the value
/// and why: "port 99999 is out of range 1-65535", "port \"x\" is not a number".
/// lowest: 0 where 0 asks the system for a free port (a listening address), else 1.
Result<quint16> parsePort(const QString &text, int lowest);

} // namespace jobfirst
