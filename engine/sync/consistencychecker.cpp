// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/consistencychecker.h"

#include "store/postgresurl.h"
#include "store/store.h"
#include "store/syncrecords.h"
#include "sync/httpdeliveryclient.h"
#include "sync/recorddigest.h"
#include "sync/webhooksignature.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QUrlQuery>
#include <QUuid>

#include <functional>
#include <vector>

namespace jobfirst {

namespace {

// Digests can be large (a bucket of a big target lists its users); more than this is refused.
constexpr qint64 MaxDigestBytes = 256 * 1024 * 1024;

// One signed GET through the same HTTP client (TLS settings, protocol limits) as deliveries.
Result<QJsonObject> getJson(const DigestEndpoint &endpoint, const QUrl &url, int timeoutMs)
{
    HttpPost get;
    get.url = url.toEncoded();
    get.get = true;
    get.timeoutMs = timeoutMs;
    get.maxBody = int(MaxDigestBytes);
    get.maxResponseBytes = MaxDigestBytes;
    get.security = endpoint.security;
    get.headers << QByteArrayLiteral("Accept: application/json");
    if (!endpoint.secret.isEmpty()) {
        const QByteArray id = "digest_" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        const qint64 ts = QDateTime::currentSecsSinceEpoch();
        const QByteArray target =
            "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
        get.headers << "webhook-id: " + id << "webhook-timestamp: " + QByteArray::number(ts)
                    << "webhook-signature: " +
                           WebhookSignature::sign(endpoint.secret, id, ts, target);
    }
    const HttpResult reply = HttpDeliveryClient::fetch(std::move(get));
    const QString shown = url.toString(QUrl::RemoveUserInfo);
    if (reply.timedOut && reply.error.startsWith("timeout"))
        return makeError(QStringLiteral("consistency.http"),
                         QStringLiteral("GET %1: timeout after %2 ms").arg(shown).arg(timeoutMs));
    if (reply.status != 200)
        return makeError(QStringLiteral("consistency.http"),
                         QStringLiteral("GET %1: %2")
                             .arg(shown, reply.status
                                             ? QStringLiteral("HTTP %1: %2")
                                                   .arg(reply.status)
                                                   .arg(QString::fromUtf8(reply.bodyHead.left(200)))
                                             : QString::fromUtf8(reply.error)));
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(reply.bodyHead, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(QStringLiteral("consistency.bad_response"),
                         QStringLiteral("GET %1: the answer is not a JSON object (%2)").arg(url.toString(), pe.errorString()));
    return doc.object();
}

/// The target's summary digest: one [count, hash] a bucket.
Result<QJsonArray> remoteDigest(const DigestEndpoint &endpoint, int buckets, int timeoutMs)
{
    QUrl summaryUrl = endpoint.url;
    summaryUrl.setQuery(QStringLiteral("buckets=%1").arg(buckets));
    auto summary = getJson(endpoint, summaryUrl, timeoutMs);
    if (!summary)
        return summary.error();
    const QJsonArray remote = summary->value(QStringLiteral("digest")).toArray();
    if (remote.size() != buckets)
        return makeError(QStringLiteral("consistency.bad_response"),
                         QStringLiteral("GET %1: expected %2 buckets, got %3")
                             .arg(summaryUrl.toString())
                             .arg(buckets)
                             .arg(remote.size()));
    return remote;
}

/// The acknowledged records of the outbox, read where the engine keeps them.
struct Ledger
{
    std::unique_ptr<Store> file; ///< the store file the records read (none for PostgreSQL)
    std::unique_ptr<SyncRecords> records;

    static Result<Ledger> open(const QString &dbPath)
    {
        // The ledger is in the outbox: the store file, or PostgreSQL (then the file is not needed).
        // The engine opened, migrated and checked the file: a check only reads it, and must not
        // quick_check it again (the whole file, on a pool thread, each time the console checks)
        // nor make a new empty store where one was moved away.
        Ledger ledger;
        if (!PostgresUrl::isUrl(dbPath)) {
            auto opened = Store::openReader(dbPath);
            if (!opened)
                return opened.error();
            ledger.file = std::move(opened).value();
        }
        auto records = SyncRecords::open(dbPath, ledger.file.get());
        if (!records)
            return records.error();
        ledger.records = std::move(records).value();
        return ledger;
    }
};

/// The buckets whose count or hash is not the ledger's; the target's counts are added up.
QSet<int> differingBuckets(const QJsonArray &remote, const std::vector<std::uint64_t> &hashes,
                           const std::vector<qint64> &counts, ConsistencyReport &report)
{
    QSet<int> differing;
    for (int b = 0; b < int(counts.size()); ++b) {
        const QJsonArray entry = remote.at(b).toArray();
        const qint64 count = entry.at(0).toInteger();
        report.targetRecords += count;
        const std::uint64_t hash = entry.at(1).toString().toULongLong(nullptr, 16);
        if (count != counts[std::size_t(b)] || hash != hashes[std::size_t(b)])
            differing.insert(b);
    }
    return differing;
}

/// A differing bucket, user by user: `mine` (user -> acknowledged version and its event)
/// against the target's `records` (user -> version held).
void compareBucket(const QHash<QString, std::pair<qint64, QString>> &mine,
                   const QJsonObject &records, ConsistencyReport &report)
{
    for (auto it = mine.cbegin(); it != mine.cend(); ++it) {
        const QJsonValue theirs = records.value(it.key());
        if (theirs.isUndefined()) {
            ++report.missing;
            report.repairEventIds << it.value().second;
            if (report.samples.size() < 20)
                report.samples << QStringLiteral("missing: user %1 (acknowledged version %2)")
                                      .arg(it.key())
                                      .arg(it.value().first);
        } else if (theirs.toInteger() < it.value().first) {
            ++report.stale;
            report.repairEventIds << it.value().second;
            if (report.samples.size() < 20)
                report.samples << QStringLiteral("stale: user %1 holds version %2, acknowledged %3")
                                      .arg(it.key())
                                      .arg(theirs.toInteger())
                                      .arg(it.value().first);
        } else if (theirs.toInteger() > it.value().first) {
            ++report.unknown;
        }
    }
    for (auto it = records.begin(); it != records.end(); ++it) {
        if (!mine.contains(it.key())) {
            ++report.unknown;
            if (report.samples.size() < 20)
                report.samples
                    << QStringLiteral(
                           "unknown: user %1 at version %2 was never sent by this engine")
                           .arg(it.key())
                           .arg(it.value().toInteger());
        }
    }
}

/// The differing buckets compared user by user: the ledger read again for their users only,
/// each bucket's records asked of the target.
Status compareBuckets(SyncRecords &ledger, const DigestEndpoint &endpoint, int buckets,
                      const QSet<int> &differing, int timeoutMs, ConsistencyReport &report)
{
    // Second pass over the ledger: keep only users of differing buckets.
    QHash<int, QHash<QString, std::pair<qint64, QString>>> local;
    const Status read = ledger.forEachLedgerRow(
        report.target, [&](const QString &user, qint64 version, const QString &eventId) {
            const int b = RecordDigest::bucketOf(user, buckets);
            if (differing.contains(b))
                local[b].insert(user, {version, eventId});
        });
    if (!read)
        return read;
    for (int b : std::as_const(differing)) {
        QUrl bucketUrl = endpoint.url;
        bucketUrl.setQuery(QStringLiteral("buckets=%1&bucket=%2").arg(buckets).arg(b));
        auto detail = getJson(endpoint, bucketUrl, timeoutMs);
        if (!detail)
            return detail.error();
        compareBucket(local.value(b), detail->value(QStringLiteral("records")).toObject(), report);
    }
    return {};
}

} // namespace

QJsonObject ConsistencyReport::toJson() const
{
    return {{QStringLiteral("target"), target},
            {QStringLiteral("ledger_records"), ledgerRecords},
            {QStringLiteral("target_records"), targetRecords},
            {QStringLiteral("missing"), missing},
            {QStringLiteral("stale"), stale},
            {QStringLiteral("unknown"), unknown},
            {QStringLiteral("buckets_compared"), bucketsCompared},
            {QStringLiteral("buckets_differing"), bucketsDiffering},
            {QStringLiteral("consistency_ratio"), ratio},
            {QStringLiteral("samples"), QJsonArray::fromStringList(samples)},
            {QStringLiteral("repaired"), repaired}};
}

Result<ConsistencyReport> ConsistencyChecker::check(const QString &dbPath, const QString &target,
                                                    const DigestEndpoint &endpoint, int buckets,
                                                    int timeoutMs)
{
    ConsistencyReport report;
    report.target = target;
    report.bucketsCompared = buckets;
    auto remote = remoteDigest(endpoint, buckets, timeoutMs);
    if (!remote)
        return remote.error();
    auto ledger = Ledger::open(dbPath);
    if (!ledger)
        return ledger.error();
    std::vector<std::uint64_t> hashes(std::size_t(buckets), 0);
    std::vector<qint64> counts(std::size_t(buckets), 0);
    Status read = ledger->records->forEachLedgerRow(
        target, [&](const QString &user, qint64 version, const QString &) {
            const int b = RecordDigest::bucketOf(user, buckets);
            hashes[std::size_t(b)] ^= RecordDigest::entryHash(user, version);
            ++counts[std::size_t(b)];
            ++report.ledgerRecords;
        });
    if (!read)
        return read.error();
    const QSet<int> differing = differingBuckets(remote.value(), hashes, counts, report);
    report.bucketsDiffering = int(differing.size());
    if (!differing.isEmpty()) {
        read = compareBuckets(*ledger->records, endpoint, buckets, differing, timeoutMs, report);
        if (!read)
            return read.error();
    }
    report.ratio = report.ledgerRecords ? double(report.ledgerRecords - report.missing - report.stale) / double(report.ledgerRecords)
                                        : (report.targetRecords == 0 ? 1.0 : 0.0);
    return report;
}

} // namespace jobfirst
