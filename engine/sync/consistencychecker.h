// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/httpsecurity.h"
#include "core/result.h"

#include <QJsonObject>
#include <QMetaType>
#include <QStringList>
#include <QUrl>

namespace jobfirst {

/// What one target holds compared with the engine's ledger of acknowledged deliveries.
struct ConsistencyReport
{
    QString target;
    qint64 ledgerRecords = 0;   ///< users the engine knows this target acknowledged
    qint64 targetRecords = 0;   ///< users the target reports holding
    qint64 missing = 0;         ///< acknowledged, but the target does not have the user
    qint64 stale = 0;           ///< the target holds an older version than acknowledged
    qint64 unknown = 0;         ///< the target holds a user (or version) the engine never sent
    int bucketsCompared = 0;
    int bucketsDiffering = 0;
    double ratio = 1.0;         ///< consistent records / ledger records
    QStringList repairEventIds; ///< latest acknowledged event of each missing or stale user
    QStringList samples;        ///< a few human-readable findings
    int repaired = 0;
    QString error;              ///< why the target could not be checked (the figures are then empty)

    QJsonObject toJson() const;
};

/// Where and how a target serves its digest: the URL, the secret its requests are signed
/// with (like deliveries), and the TLS settings and token of the target or node.
struct DigestEndpoint
{
    QUrl url;
    QString secret;
    std::shared_ptr<const HttpSecurity> security;
};

/// Compares a target's digest (GET <digest url>?buckets=N, then ?bucket=k for buckets that
/// differ) with the ledger, streaming the ledger so a million users are never all in memory.
/// The store at dbPath must be one the engine has open (Store::openReader): a file gone fails
/// with "store.missing" rather than becoming a new, empty ledger. Blocking: run it off the
/// GUI thread.
class ConsistencyChecker final
{
public:
    /// Digest requests are signed with the endpoint's secret: "GET <path>?<query>" stands in
    /// for the body in the Standard Webhooks signature, so a receiver can refuse to tell an
    /// unsigned caller who it holds.
    static Result<ConsistencyReport> check(const QString &dbPath, const QString &target,
                                           const DigestEndpoint &endpoint, int buckets = 1024,
                                           int timeoutMs = 30000);
    /// Unsigned, plain: for receivers that do not check digest signatures.
    static Result<ConsistencyReport> check(const QString &dbPath, const QString &target,
                                           const QUrl &digestUrl, int buckets = 1024,
                                           int timeoutMs = 30000)
    {
        return check(dbPath, target, DigestEndpoint{digestUrl, {}, {}}, buckets, timeoutMs);
    }
};

} // namespace jobfirst

Q_DECLARE_METATYPE(jobfirst::ConsistencyReport)
