// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/localuser.h"

#include <pwd.h>
#include <unistd.h>

namespace jobfirst {

QString localUserName()
{
    const uid_t uid = ::getuid();
    if (const passwd *pw = ::getpwuid(uid); pw && pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
    return QStringLiteral("uid%1").arg(uid);
}

} // namespace jobfirst
