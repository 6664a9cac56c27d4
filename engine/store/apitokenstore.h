// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/sessiontypes.h"
#include "core/result.h"

#include <QByteArray>
#include <QSqlDatabase>
#include <QStringList>

#include <optional>

namespace jobfirst {

class ClusterStateStore;

/// The admin API's tokens in the cluster state (ClusterStateStore::tokenDatabase(): the
/// engine's file, or PostgreSQL, shared by every daemon on it). A token is 32 random bytes
/// ("jft_" + base64url); only its SHA-256 is kept, so a copy of the store does not hand out
/// access.
class ApiTokenStore final
{
public:
    explicit ApiTokenStore(ClusterStateStore *store) : m_store(store) {}

    /// Creates a token and answers it once. Names: 1-64 of [A-Za-z0-9._-]; a node token
    /// names the node it may register as.
    Result<CreatedToken> create(const QString &name, Role role, const QString &nodeId, const QString &createdBy);
    Result<QList<ApiToken>> list() const;
    /// Removes the token; requests carrying it are refused from then on.
    Status revoke(const QString &name);
    /// The token a bearer secret belongs to; nullopt when none (unknown or revoked).
    Result<std::optional<ApiToken>> authenticate(const QByteArray &secret) const;

    /// Moves the tokens of `from` (a daemon's own file, where tokens lived before they were
    /// shared) here, with their hashes, and removes them there: a token revoked here later
    /// does not come back from a file. One whose name is taken here by another token stays
    /// in `from` and is named in `kept`. Answers how many moved.
    Result<int> moveFrom(const ApiTokenStore &from, QStringList *kept);

    static QByteArray hash(const QByteArray &secret);

private:
    QSqlDatabase database(QString &error) const;
    Result<std::optional<ApiToken>> lookUp(const QByteArray &secret) const;
    Error failure(const QString &what, const QString &why) const;

    ClusterStateStore *m_store;
};

} // namespace jobfirst
