// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/role.h"

namespace jobfirst {

QString roleName(Role role)
{
    switch (role) {
    case Role::Viewer: return QStringLiteral("viewer");
    case Role::Operator: return QStringLiteral("operator");
    case Role::Admin: return QStringLiteral("admin");
    case Role::Node: return QStringLiteral("node");
    }
    return {};
}

std::optional<Role> roleFromName(const QString &name)
{
    for (Role r : {Role::Viewer, Role::Operator, Role::Admin, Role::Node})
        if (roleName(r) == name)
            return r;
    return std::nullopt;
}

bool roleAllows(Role role, Permission permission)
{
    switch (role) {
    case Role::Node:
        return permission == Permission::RegisterSelf || permission == Permission::Publish;
    case Role::Viewer:
        return permission == Permission::Read;
    case Role::Operator:
        return permission == Permission::Read || permission == Permission::Operate
               || permission == Permission::Publish;
    case Role::Admin:
        return permission != Permission::RegisterSelf;
    }
    return false;
}

Role lowestRoleFor(Permission permission)
{
    for (Role r : {Role::Viewer, Role::Operator, Role::Admin})
        if (roleAllows(r, permission))
            return r;
    return Role::Node;
}

} // namespace jobfirst
