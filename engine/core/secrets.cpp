// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/secrets.h"

#include <QFile>
#include <QRegularExpression>

#include <openssl/rand.h>

namespace jobfirst {

namespace {

const QString Bullets = QStringLiteral("••••");

bool hasControlCharacters(const QString &s)
{
    for (const QChar c : s)
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator ||
            c == QChar::ParagraphSeparator)
            return true;
    return false;
}

} // namespace

QString generateSecret()
{
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        qFatal("OpenSSL's random generator failed: no secret can be made");
    return QStringLiteral("whsec_") +
           QString::fromLatin1(
               QByteArray(reinterpret_cast<const char *>(bytes), sizeof bytes).toBase64());
}

QString maskSecret(const QString &secret)
{
    if (secret.isEmpty())
        return secret;
    if (isMaskedSecret(secret))
        return secret;
    return secret.size() >= 12 ? Bullets + secret.right(4) : Bullets;
}

bool isMaskedSecret(const QString &value)
{
    return value.startsWith(Bullets) && value.size() <= Bullets.size() + 4;
}

Result<QString> resolveMaskedSecret(const QString &key, const QString &value,
                                    const QString &current)
{
    if (!value.startsWith(u'•'))
        return value;
    if (isMaskedSecret(value) && value.size() == Bullets.size() + 4 && current.size() >= 12 &&
        current.right(4) == value.right(4))
        return current;
    return makeError(QStringLiteral("config.masked_secret"),
                     QStringLiteral("key '%1': value %2 is a masked secret that does not match "
                                    "the current one; write the secret itself")
                         .arg(key, value));
}

QString maskSecretsInText(const QString &text, const QStringList &known)
{
    QString out = text;
    for (const QString &secret : known)
        if (secret.size() >= 8 && out.contains(secret))
            out.replace(secret, maskSecret(secret));
    // A cheap look first: most texts (HTTP bodies, errors) name no secret at all.
    static const QRegularExpression hint(
        QStringLiteral("secret|token|passw|passphrase|api_?key|authorization|bearer|whsec_|"
                       "private_key|credential"),
        QRegularExpression::CaseInsensitiveOption);
    if (!hint.match(out).hasMatch())
        return out;
    // "key": "value" for keys naming a secret, but not "…_file" keys (paths).
    static const QRegularExpression jsonValue(
        QStringLiteral(R"RX(("(?:[A-Za-z0-9_.-]*(?:secret|token|passw|passphrase|api_?key|)RX"
                       R"RX(authorization|private_key|credential)[A-Za-z0-9_.-]*)"\s*:\s*"))RX"
                       R"RX(((?:[^"\\]|\\.)*)")RX"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression bearer(QStringLiteral(R"((Bearer\s+)([^\s",;]+))"),
                                           QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression whsec(QStringLiteral(R"(whsec_[A-Za-z0-9+/=_-]+)"));
    const auto replaceAll = [&out](const QRegularExpression &re, int prefixGroup, int valueGroup) {
        QString result;
        qsizetype last = 0;
        auto it = re.globalMatch(out);
        while (it.hasNext()) {
            const auto m = it.next();
            const QString value = valueGroup ? m.captured(valueGroup) : m.captured(0);
            const QString prefix = prefixGroup ? m.captured(prefixGroup) : QString();
            if (valueGroup && prefix.endsWith(u'"')) {
                // The key ends in "_file": a path, not a secret.
                const qsizetype keyEnd = prefix.lastIndexOf(u'"', prefix.size() - 2);
                const QString key = prefix.left(keyEnd);
                if (key.endsWith(QLatin1String("_file"), Qt::CaseInsensitive))
                    continue;
            }
            result += QStringView(out).mid(last, m.capturedStart(0) - last);
            result += prefix + maskSecret(value);
            if (valueGroup && prefix.endsWith(u'"'))
                result += u'"';
            last = m.capturedEnd(0);
        }
        if (last == 0)
            return;
        result += QStringView(out).mid(last);
        out = result;
    };
    replaceAll(whsec, 0, 0);
    replaceAll(jsonValue, 1, 2);
    replaceAll(bearer, 1, 2);
    return out;
}

Status validateSecret(const QString &key, const QString &value)
{
    if (value.isEmpty())
        return {};
    if (isMaskedSecret(value) || value.startsWith(u'•'))
        return makeError(
            QStringLiteral("config.masked_secret"),
            QStringLiteral("key '%1' holds a masked value (%2), not a secret").arg(key, value));
    if (hasControlCharacters(value))
        return makeError(QStringLiteral("config.invalid_secret"),
                         QStringLiteral("key '%1': the secret holds control characters").arg(key));
    qsizetype bytes = value.toUtf8().size();
    if (value.startsWith(QLatin1String("whsec_"))) {
        const QByteArray encoded = value.mid(6).toLatin1();
        const auto decoded =
            QByteArray::fromBase64Encoding(encoded, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || encoded.isEmpty() || value.mid(6).toLatin1() != value.mid(6).toUtf8())
            return makeError(QStringLiteral("config.invalid_secret"),
                             QStringLiteral("key '%1': a whsec_ secret must be base64 after "
                                            "\"whsec_\", and this one is not")
                                 .arg(key));
        bytes = decoded.decoded.size();
    }
    if (bytes < MinSecretBytes)
        return makeError(QStringLiteral("config.weak_secret"),
                         QStringLiteral("key '%1': the secret is %2 bytes; at least %3 are "
                                        "needed (a new one: 32 random bytes as whsec_<base64>)")
                             .arg(key)
                             .arg(bytes)
                             .arg(MinSecretBytes));
    return {};
}

Result<QString> readSecretFile(const QString &path, const QString &what)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(
            QStringLiteral("secret.io"),
            QStringLiteral("cannot read %1 file %2: %3").arg(what, path, f.errorString()));
    const QByteArray content = f.read(64 * 1024 + 1);
    if (content.size() > 64 * 1024)
        return makeError(QStringLiteral("secret.invalid"),
                         QStringLiteral("%1 file %2 is larger than 64 KiB").arg(what, path));
    const QString value =
        QString::fromUtf8(
            content.left(content.indexOf('\n') < 0 ? content.size() : content.indexOf('\n')))
            .trimmed();
    if (value.isEmpty())
        return makeError(QStringLiteral("secret.invalid"),
                         QStringLiteral("%1 file %2 is empty").arg(what, path));
    if (hasControlCharacters(value))
        return makeError(QStringLiteral("secret.invalid"),
                         QStringLiteral("%1 file %2 holds control characters").arg(what, path));
    return value;
}

} // namespace jobfirst
