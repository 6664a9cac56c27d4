// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace jobfirst {

/// Standard Webhooks signing: HMAC-SHA256 over "id.timestamp.body", sent as
/// `webhook-signature: v1,<base64>`. A secret "whsec_<base64>" signs with the decoded bytes,
/// any other secret with its UTF-8 bytes.
class WebhookSignature final
{
public:
    static QByteArray sign(const QString &secret, const QByteArray &id, qint64 timestamp, const QByteArray &body);
    /// The same with the key already decoded by key() (once per target, not per request).
    static QByteArray signWithKey(const QByteArray &key, const QByteArray &id, qint64 timestamp,
                                  const QByteArray &body);
    /// Appends signWithKey()'s "v1,<base64>" to `out`: a request is written into one buffer.
    /// `id` may point into `out` (it is read before anything is appended).
    static void appendSignature(QByteArray &out, const QByteArray &key, QByteArrayView id,
                                qint64 timestamp, QByteArrayView body);
    /// True when one of the space-separated signatures in `header` matches.
    static bool verify(const QString &secret, const QByteArray &id, qint64 timestamp, const QByteArray &body,
                       const QByteArray &header);
    static QByteArray key(const QString &secret);
};

} // namespace jobfirst
