// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/recorddigest.h"

namespace jobfirst {

namespace {

std::uint64_t fnv(const QString &s)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (QChar c : s) {
        h ^= c.unicode();
        h *= 0x100000001b3ull;
    }
    return h;
}

std::uint64_t mix(std::uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

} // namespace

int RecordDigest::bucketOf(const QString &userId, int buckets)
{
    return int(mix(fnv(userId)) % std::uint64_t(buckets));
}

std::uint64_t RecordDigest::entryHash(const QString &userId, qint64 version)
{
    return mix(fnv(userId) ^ (std::uint64_t(version) * 0x9e3779b97f4a7c15ull));
}

} // namespace jobfirst
