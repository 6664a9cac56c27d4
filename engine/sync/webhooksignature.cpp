// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/webhooksignature.h"

#include <QList>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace jobfirst {

QByteArray WebhookSignature::key(const QString &secret)
{
    if (secret.startsWith(QLatin1String("whsec_"))) {
        const auto decoded = QByteArray::fromBase64Encoding(secret.mid(6).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (decoded)
            return *decoded;
    }
    return secret.toUtf8();
}

QByteArray WebhookSignature::sign(const QString &secret, const QByteArray &id, qint64 timestamp, const QByteArray &body)
{
    return signWithKey(key(secret), id, timestamp, body);
}

QByteArray WebhookSignature::signWithKey(const QByteArray &k, const QByteArray &id, qint64 timestamp,
                                         const QByteArray &body)
{
    // OpenSSL's SHA-256 uses the CPU's SHA extensions: on bulk requests (tens of kilobytes)
    // QMessageAuthenticationCode took half of the delivery thread.
    const QByteArray message = id + '.' + QByteArray::number(timestamp) + '.' + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), k.constData(), int(k.size()), reinterpret_cast<const unsigned char *>(message.constData()),
         std::size_t(message.size()), mac, &length);
    return "v1," + QByteArray(reinterpret_cast<const char *>(mac), int(length)).toBase64();
}

bool WebhookSignature::verify(const QString &secret, const QByteArray &id, qint64 timestamp, const QByteArray &body,
                              const QByteArray &header)
{
    const QByteArray expected = sign(secret, id, timestamp, body);
    for (const QByteArray &candidate : header.split(' ')) {
        // Constant-time compare: the receiver must not leak how much of a guess was right.
        if (candidate.size() != expected.size())
            continue;
        unsigned char diff = 0;
        for (qsizetype i = 0; i < expected.size(); ++i)
            diff |= static_cast<unsigned char>(candidate.at(i) ^ expected.at(i));
        if (diff == 0)
            return true;
    }
    return false;
}

} // namespace jobfirst
