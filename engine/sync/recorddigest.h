// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace jobfirst {

/// Bucketed digests of "which version of each user a side holds", so two sides holding a
/// million users compare bucket summaries first and list users only in buckets that differ.
/// A bucket's digest is (count, XOR of entry hashes): order-free and cheap to update.
struct RecordDigest final
{
    static int bucketOf(const QString &userId, int buckets);
    static std::uint64_t entryHash(const QString &userId, qint64 version);
};

} // namespace jobfirst
