// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace jobfirst {

/// How requests to one node or target are secured: which CA to trust, which client
/// certificate to present (mTLS), whether verification is off, and a bearer token. Built once
/// when a node or target is configured (the token file is read then, off the network thread)
/// and shared by every request to it.
struct HttpSecurity
{
    QByteArray caFile;      ///< PEM bundle to trust instead of the system store; empty: system
    QByteArray clientCert;  ///< PEM client certificate (with clientKey)
    QByteArray clientKey;   ///< PEM private key of clientCert
    bool insecure = false;  ///< no certificate or host name verification (tls_insecure)
    QByteArray bearerToken; ///< sent as "Authorization: Bearer …" when not empty
    QString problem;        ///< set when the settings cannot be used: requests fail with it

    bool operator==(const HttpSecurity &) const = default;

    /// Reads the token file (when given) and keeps the paths for libcurl. A token that cannot
    /// be read leaves `problem` set naming the file, so each request says why it was not sent.
    /// Null when nothing is set (plain requests). Cached: the token file is read again only
    /// when its size or modification time changed.
    static std::shared_ptr<const HttpSecurity> fromSettings(const QString &caFile,
                                                            const QString &clientCert,
                                                            const QString &clientKey, bool insecure,
                                                            const QString &tokenFile);
};

/// Checks the TLS file settings of a node or target: each file must exist and be readable,
/// and a client certificate needs its key (and the key its certificate). `what` prefixes the
/// keys in the message ("node n1: ", "targets.auth.").
Status validateTlsFiles(const Sentence &what, const QString &caFile, const QString &clientCert,
                        const QString &clientKey, const QString &tokenFile);

} // namespace jobfirst
