// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/sessiontypes.h"
#include "core/result.h"

#include <QByteArray>

#include <optional>

namespace jobfirst {

class Store;

/// The admin API's tokens in the store. A token is 32 random bytes ("jft_" + base64url);
/// only its SHA-256 is kept, so a copy of the store does not hand out access.
class ApiTokenStore final
{
public:
    explicit ApiTokenStore(Store *store) : m_store(store) {}

    /// Creates a token and answers it once. Names: 1-64 of [A-Za-z0-9._-]; a node token
    /// names the node it may register as.
    Result<CreatedToken> create(const QString &name, Role role, const QString &nodeId, const QString &createdBy);
    Result<QList<ApiToken>> list() const;
    /// Removes the token; requests carrying it are refused from then on.
    Status revoke(const QString &name);
    /// The token a bearer secret belongs to; nullopt when none (unknown or revoked).
    Result<std::optional<ApiToken>> authenticate(const QByteArray &secret) const;

    static QByteArray hash(const QByteArray &secret);

private:
    Store *m_store;
};

} // namespace jobfirst
