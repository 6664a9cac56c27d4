// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/webhooksignature.h"

#include <QList>
#include <QMessageAuthenticationCode>

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
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, key(secret));
    mac.addData(id);
    mac.addData(".");
    mac.addData(QByteArray::number(timestamp));
    mac.addData(".");
    mac.addData(body);
    return "v1," + mac.result().toBase64();
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
