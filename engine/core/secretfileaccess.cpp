// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/secretfileaccess.h"

#include <QFileInfo>
#include <QStringList>

namespace jobfirst {

QString readableByOthersWarning(const QString &path, const QString &what)
{
    const QFileInfo info(path);
    if (!info.exists())
        return {};
    const QFileDevice::Permissions group = QFileDevice::ReadGroup | QFileDevice::WriteGroup;
    const QFileDevice::Permissions other = QFileDevice::ReadOther | QFileDevice::WriteOther;
    QStringList who;
    if (info.permissions() & group)
        who << QStringLiteral("its group");
    if (info.permissions() & other)
        who << QStringLiteral("every user");
    if (who.isEmpty())
        return {};
    return QStringLiteral("%1 file %2 is open to %3; it should be its owner's alone, as ssh asks "
                          "of a key: chmod 600 %2")
        .arg(what, path, who.join(QStringLiteral(" and ")));
}

} // namespace jobfirst
