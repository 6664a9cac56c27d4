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
    const QUrl &digestUrl = endpoint.url;
    QUrl summaryUrl = digestUrl;
    summaryUrl.setQuery(QStringLiteral("buckets=%1").arg(buckets));
    auto summary = getJson(endpoint, summaryUrl, timeoutMs);
    if (!summary)
        return summary.error();
    const QJsonArray remote = summary->value(QStringLiteral("digest")).toArray();
    if (remote.size() != buckets)
        return makeError(QStringLiteral("consistency.bad_response"),
                         QStringLiteral("GET %1: expected %2 buckets, got %3").arg(summaryUrl.toString()).arg(buckets).arg(remote.size()));

    // The ledger is in the outbox: the store file, or PostgreSQL (then the file is not needed).
    // The engine opened, migrated and checked the file: a check only reads it, and must not
    // quick_check it again (the whole file, on a pool thread, each time the console checks)
    // nor make a new empty store where one was moved away.
    std::unique_ptr<Store> file;
    if (!PostgresUrl::isUrl(dbPath)) {
        auto opened = Store::openReader(dbPath);
        if (!opened)
            return opened.error();
        file = std::move(opened).value();
    }
    auto records = SyncRecords::open(dbPath, file.get());
    if (!records)
        return records.error();
    std::vector<std::uint64_t> hashes(std::size_t(buckets), 0);
    std::vector<qint64> counts(std::size_t(buckets), 0);
    Status read = records.value()->forEachLedgerRow(target, [&](const QString &user, qint64 version, const QString &) {
        const int b = RecordDigest::bucketOf(user, buckets);
        hashes[std::size_t(b)] ^= RecordDigest::entryHash(user, version);
        ++counts[std::size_t(b)];
        ++report.ledgerRecords;
    });
    if (!read)
        return read.error();
    QSet<int> differing;
    for (int b = 0; b < buckets; ++b) {
        const QJsonArray entry = remote.at(b).toArray();
        const qint64 count = entry.at(0).toInteger();
        report.targetRecords += count;
        const std::uint64_t hash = entry.at(1).toString().toULongLong(nullptr, 16);
        if (count != counts[std::size_t(b)] || hash != hashes[std::size_t(b)])
            differing.insert(b);
    }
    report.bucketsDiffering = int(differing.size());
    if (!differing.isEmpty()) {
        // Second pass over the ledger: keep only users of differing buckets.
        QHash<int, QHash<QString, std::pair<qint64, QString>>> local;
        read = records.value()->forEachLedgerRow(target, [&](const QString &user, qint64 version, const QString &eventId) {
            const int b = RecordDigest::bucketOf(user, buckets);
            if (differing.contains(b))
                local[b].insert(user, {version, eventId});
        });
        if (!read)
            return read.error();
        for (int b : std::as_const(differing)) {
            QUrl bucketUrl = digestUrl;
            bucketUrl.setQuery(QStringLiteral("buckets=%1&bucket=%2").arg(buckets).arg(b));
            auto detail = getJson(endpoint, bucketUrl, timeoutMs);
            if (!detail)
                return detail.error();
            const QJsonObject records = detail->value(QStringLiteral("records")).toObject();
            const auto &mine = local.value(b);
            for (auto it = mine.cbegin(); it != mine.cend(); ++it) {
                const QJsonValue theirs = records.value(it.key());
                if (theirs.isUndefined()) {
                    ++report.missing;
                    report.repairEventIds << it.value().second;
                    if (report.samples.size() < 20)
                        report.samples << QStringLiteral("missing: user %1 (acknowledged version %2)").arg(it.key()).arg(it.value().first);
                } else if (theirs.toInteger() < it.value().first) {
                    ++report.stale;
                    report.repairEventIds << it.value().second;
                    if (report.samples.size() < 20)
                        report.samples << QStringLiteral("stale: user %1 holds version %2, acknowledged %3")
                                              .arg(it.key()).arg(theirs.toInteger()).arg(it.value().first);
                } else if (theirs.toInteger() > it.value().first) {
                    ++report.unknown;
                }
            }
            for (auto it = records.begin(); it != records.end(); ++it) {
                if (!mine.contains(it.key())) {
                    ++report.unknown;
                    if (report.samples.size() < 20)
                        report.samples << QStringLiteral("unknown: user %1 at version %2 was never sent by this engine")
                                              .arg(it.key()).arg(it.value().toInteger());
                }
            }
        }
    }
    report.ratio = report.ledgerRecords ? double(report.ledgerRecords - report.missing - report.stale) / double(report.ledgerRecords)
                                        : (report.targetRecords == 0 ? 1.0 : 0.0);
    return report;
}

} // namespace jobfirst
