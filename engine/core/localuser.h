// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// The login name of the user running this process, from the system's user database (not
/// from $USER, which anyone can set): what local changes are attributed to in the audit log.
QString localUserName();

} // namespace jobfirst
