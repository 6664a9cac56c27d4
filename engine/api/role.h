// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>

namespace jobfirst {

/// Who a token (or a local user) is, for the admin API's access control.
enum class Role {
    Viewer,   ///< reads everything except secrets
    Operator, ///< also acts on nodes and sync: drain, weights, send, retry, repair, ...
    Admin,    ///< also adds and removes nodes, changes config and targets, manages tokens
    Node,     ///< a Basic Server: registers, updates and deregisters itself; publishes events
};

/// What an operation needs. One table (roleAllows) decides for the server (403) and for the
/// console (actions disabled, with the reason).
enum class Permission {
    Read,          ///< nodes, stats, queue, dead letters, config (masked), audit, metrics
    ReadSecrets,   ///< config with secrets revealed
    Operate,       ///< drain/maintenance/ready, weights, check now, send, import, retry, ...
    Administer,    ///< add/remove nodes, config apply/rollback, target edits
    ManageTokens,  ///< create, list and revoke API tokens
    RegisterSelf,  ///< a node registering, updating or deregistering itself
    Publish,       ///< publish sync events
};

QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);
bool roleAllows(Role role, Permission permission);
/// The lowest role that has `permission`, for "needs the operator role" messages.
Role lowestRoleFor(Permission permission);

} // namespace jobfirst
