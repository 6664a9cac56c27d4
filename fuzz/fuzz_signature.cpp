// SPDX-License-Identifier: GPL-3.0-or-later
// Signature verification: a fuzzed header is checked without crashing; what sign() makes
// always verifies; and the same header never verifies a different body.
#include "core/secrets.h"
#include "sync/webhooksignature.h"

#include <cstdint>
#include <cstdlib>

using namespace jobfirst;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    // secret \n id \n body \n header
    const QList<QByteArray> parts = input.split('\n');
    const QString secret = QString::fromUtf8(parts.value(0));
    const QByteArray id = parts.value(1);
    const QByteArray body = parts.value(2);
    const QByteArray header = parts.value(3);
    const qint64 ts = 1700000000 + qint64(size);
    WebhookSignature::verify(secret, id, ts, body, header);
    const QByteArray good = WebhookSignature::sign(secret, id, ts, body);
    if (!WebhookSignature::verify(secret, id, ts, body, good))
        std::abort();
    if (WebhookSignature::verify(secret, id, ts, body + 'x', good))
        std::abort();
    // The masking of free text copes with anything, and leaves no whsec_ value whole.
    const QString masked = maskSecretsInText(QString::fromUtf8(input));
    if (masked.contains(QStringLiteral("whsec_AAAAAAAAAAAAAAAA")))
        std::abort();
    return 0;
}
