// SPDX-License-Identifier: GPL-3.0-or-later
#include "testcertificates.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

bool TestCertificates::openssl(const QStringList &args) const
{
    QProcess p;
    p.setWorkingDirectory(m_dir);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("openssl %s failed: %s", qPrintable(args.join(u' ')), p.readAllStandardError().constData());
        return false;
    }
    return true;
}

bool TestCertificates::makeCa(const QString &name, const QString &subject) const
{
    return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                    QStringLiteral("-nodes"), QStringLiteral("-keyout"), name + QStringLiteral(".key"), QStringLiteral("-out"),
                    name + QStringLiteral(".pem"), QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"), subject,
                    QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
                    QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")});
}

bool TestCertificates::makeLeaf(const QString &name, const QString &ca, const QString &subject, const QString &altNames,
                                const QString &usage, const QStringList &validity) const
{
    QFile ext(path(name + QStringLiteral(".ext")));
    if (!ext.open(QIODevice::WriteOnly))
        return false;
    ext.write(QStringLiteral("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%1\n%2")
                  .arg(usage, altNames.isEmpty() ? QString() : QStringLiteral("subjectAltName=%1\n").arg(altNames))
                  .toUtf8());
    ext.close();
    if (!openssl({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                  QStringLiteral("-keyout"), name + QStringLiteral(".key"), QStringLiteral("-out"), name + QStringLiteral(".csr"),
                  QStringLiteral("-subj"), subject}))
        return false;
    // `openssl ca` is the one that takes explicit start and end dates (for the expired one).
    if (!validity.isEmpty()) {
        QFile(path(QStringLiteral("index.txt"))).open(QIODevice::WriteOnly);
        QFile conf(path(QStringLiteral("ca.cnf")));
        if (!conf.open(QIODevice::WriteOnly))
            return false;
        conf.write(QStringLiteral("[ca]\ndefault_ca=test\n[test]\ndir=%1\ndatabase=%1/index.txt\nnew_certs_dir=%1\n"
                                  "serial=%1/serial\ndefault_md=sha256\npolicy=any\nunique_subject=no\n[any]\ncommonName=supplied\n")
                       .arg(m_dir)
                       .toUtf8());
        conf.close();
        QFile serial(path(QStringLiteral("serial")));
        serial.open(QIODevice::WriteOnly);
        serial.write("1000\n");
        serial.close();
        return openssl(QStringList{QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-config"), QStringLiteral("ca.cnf"),
                                   QStringLiteral("-cert"), ca + QStringLiteral(".pem"), QStringLiteral("-keyfile"),
                                   ca + QStringLiteral(".key"), QStringLiteral("-in"), name + QStringLiteral(".csr"),
                                   QStringLiteral("-out"), name + QStringLiteral(".pem"), QStringLiteral("-extfile"),
                                   name + QStringLiteral(".ext"), QStringLiteral("-notext")}
                       + validity);
    }
    return openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), name + QStringLiteral(".csr"),
                    QStringLiteral("-CA"), ca + QStringLiteral(".pem"), QStringLiteral("-CAkey"), ca + QStringLiteral(".key"),
                    QStringLiteral("-CAcreateserial"), QStringLiteral("-out"), name + QStringLiteral(".pem"), QStringLiteral("-days"),
                    QStringLiteral("30"), QStringLiteral("-sha256"), QStringLiteral("-extfile"), name + QStringLiteral(".ext")});
}

bool TestCertificates::make(const QString &dir)
{
    m_dir = dir;
    const QString local = QStringLiteral("IP:127.0.0.1,DNS:localhost");
    return makeCa(QStringLiteral("ca"), QStringLiteral("/CN=JobFirst Test CA"))
           && makeCa(QStringLiteral("other-ca"), QStringLiteral("/CN=Some Other CA"))
           && makeLeaf(QStringLiteral("server"), QStringLiteral("ca"), QStringLiteral("/CN=127.0.0.1"), local, QStringLiteral("serverAuth"), {})
           && makeLeaf(QStringLiteral("client"), QStringLiteral("ca"), QStringLiteral("/CN=jobfirst-engine"), {}, QStringLiteral("clientAuth"), {})
           && makeLeaf(QStringLiteral("other-server"), QStringLiteral("other-ca"), QStringLiteral("/CN=127.0.0.1"), local,
                       QStringLiteral("serverAuth"), {})
           && makeLeaf(QStringLiteral("wronghost"), QStringLiteral("ca"), QStringLiteral("/CN=elsewhere.example"),
                       QStringLiteral("DNS:elsewhere.example"), QStringLiteral("serverAuth"), {})
           && makeLeaf(QStringLiteral("expired"), QStringLiteral("ca"), QStringLiteral("/CN=127.0.0.1"), local, QStringLiteral("serverAuth"),
                       {QStringLiteral("-startdate"), QStringLiteral("20200101000000Z"), QStringLiteral("-enddate"),
                        QStringLiteral("20200201000000Z")});
}
