// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

/// Certificates made by the `openssl` command inside a test's own folder: a CA, a server
/// certificate for 127.0.0.1 and localhost signed by it, a client certificate, an expired
/// server certificate, and a server certificate from a second, untrusted CA.
class TestCertificates final
{
public:
    /// Makes everything in `dir`; false (with a QWARN naming the openssl step) on failure.
    bool make(const QString &dir);

    QString caCert() const { return path(QStringLiteral("ca.pem")); }
    QString serverCert() const { return path(QStringLiteral("server.pem")); }
    QString serverKey() const { return path(QStringLiteral("server.key")); }
    QString clientCert() const { return path(QStringLiteral("client.pem")); }
    QString clientKey() const { return path(QStringLiteral("client.key")); }
    QString expiredCert() const { return path(QStringLiteral("expired.pem")); }
    QString expiredKey() const { return path(QStringLiteral("expired.key")); }
    QString otherCaServerCert() const { return path(QStringLiteral("other-server.pem")); }
    QString otherCaServerKey() const { return path(QStringLiteral("other-server.key")); }
    /// A server certificate for a host name that is not 127.0.0.1 (wrong host).
    QString wrongHostCert() const { return path(QStringLiteral("wronghost.pem")); }
    QString wrongHostKey() const { return path(QStringLiteral("wronghost.key")); }

private:
    QString path(const QString &name) const { return m_dir + u'/' + name; }
    bool openssl(const QStringList &args) const;
    bool makeCa(const QString &name, const QString &subject) const;
    bool makeLeaf(const QString &name, const QString &ca, const QString &subject, const QString &altNames,
                  const QString &usage, const QStringList &validity) const;

    QString m_dir;
};
