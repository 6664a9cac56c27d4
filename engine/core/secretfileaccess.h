// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace jobfirst {

/// A warning when the file holding a secret (a token, a key, a config with secrets) can be
/// read or written by its group or by other users, as ssh says of a key file; empty when only
/// its owner can (or it is not there). The secret is still used: whoever could read it may
/// have it already, so the warning names the file and the fix, and the operator decides on
/// rotating it. `what` names the secret: "token" gives "token file PATH …".
QString readableByOthersWarning(const QString &path, const QString &what);

} // namespace jobfirst
