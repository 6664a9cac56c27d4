// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

namespace jobfirst {

/// Shortest signing key accepted, in bytes (decoded bytes for "whsec_" values).
constexpr int MinSecretBytes = 24;

/// A new signing secret: 32 random bytes from OpenSSL's RAND_bytes, as "whsec_<base64>".
QString generateSecret();

/// How a secret is shown anywhere but the config file: "••••" and its last 4 characters
/// ("••••" alone when it is shorter than 12 characters; "" stays ""). Masking happens when a
/// text is written (audit rows, config versions, logs, dead letters), not when it is shown.
QString maskSecret(const QString &secret);

/// True for a value maskSecret() produced (a bullet run followed by at most 4 characters).
bool isMaskedSecret(const QString &value);

/// The masked-value rule: `value` is a secret or a masked one. A masked value stands for
/// `current` when current ends in the same 4 characters; anything else masked is an error
/// naming `key`. A value that is not masked is returned as it is.
Result<QString> resolveMaskedSecret(const QString &key, const QString &value,
                                    const QString &current);

/// Masks what looks like a secret in free text (JSON, an HTTP body, an error message):
/// every occurrence of a `known` secret, every "whsec_…" value, "Bearer …" credentials and the
/// string values of JSON keys naming a secret (secret, token, password, passphrase, api_key,
/// authorization, …; not "…_file" keys, which hold paths).
QString maskSecretsInText(const QString &text, const QStringList &known = {});

/// Checks a signing secret: empty (requests go unsigned) or at least MinSecretBytes bytes of
/// key; a "whsec_" value must be valid base64. The error names `key`, never the value.
Status validateSecret(const QString &key, const QString &value);

/// Reads a secret or token from a file (first line, trimmed). Refuses an empty file, one over
/// 64 KiB and one whose value holds control characters; the error names `what` and the path.
Result<QString> readSecretFile(const QString &path, const QString &what);

} // namespace jobfirst
