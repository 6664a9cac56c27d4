// SPDX-License-Identifier: GPL-3.0-or-later
#include "nodesimprocess.h"
#include "testprograms.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSslKey>
#include <QTimer>
#include <QtTest>

void NodeSimProcess::useTls(const QString &caFile, const QString &clientCert,
                            const QString &clientKey)
{
    m_tls = true;
    m_sslConfig = QSslConfiguration::defaultConfiguration();
    m_sslConfig.setCaCertificates(QSslCertificate::fromPath(caFile));
    if (!clientCert.isEmpty()) {
        m_sslConfig.setLocalCertificate(QSslCertificate::fromPath(clientCert).value(0));
        QFile key(clientKey);
        key.open(QIODevice::ReadOnly);
        m_sslConfig.setPrivateKey(QSslKey(&key, QSsl::Rsa));
    }
}

QByteArray NodeSimProcess::request(const QByteArray &verb, const QUrl &url, const QByteArray &body,
                                   int *status) const
{
    QNetworkAccessManager nam;
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (m_tls)
        req.setSslConfiguration(m_sslConfig);
    if (!m_controlToken.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_controlToken);
    QNetworkReply *reply = nam.sendCustomRequest(req, verb, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    reply->deleteLater();
    return data;
}

bool NodeSimProcess::start(const QString &id, quint16 port, const QStringList &extraArgs)
{
    m_id = id;
    m_extra = extraArgs;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setProcessEnvironment(m_env);
    m_process->start(
        TestPrograms::nodesim(),
        QStringList{QStringLiteral("--id"), id, QStringLiteral("--port"), QString::number(port)} +
            extraArgs);
    if (!m_process->waitForStarted(10000)) {
        qWarning("cannot start nodesim: %s", qPrintable(m_process->errorString()));
        return false;
    }
    static const QRegularExpression listening(QStringLiteral("listening on 127.0.0.1:(\\d+)"));
    QByteArray out;
    for (int i = 0; i < 100 && !out.contains('\n'); ++i) {
        if (!m_process->waitForReadyRead(100) && m_process->state() != QProcess::Running)
            break;
        out += m_process->readAllStandardOutput();
    }
    const auto m = listening.match(QString::fromUtf8(out));
    if (!m.hasMatch()) {
        qWarning("nodesim did not say where it listens: %s %s", out.constData(), m_process->readAllStandardError().constData());
        return false;
    }
    m_port = quint16(m.captured(1).toUInt());
    return true;
}

void NodeSimProcess::kill()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

bool NodeSimProcess::restart()
{
    kill();
    // The port may linger briefly in the kernel; retry for a while.
    for (int i = 0; i < 50; ++i) {
        if (start(m_id, m_port, m_extra))
            return true;
        QTest::qSleep(100);
    }
    return false;
}

bool NodeSimProcess::control(const QJsonObject &faults)
{
    int status = 0;
    request("POST", QUrl(url() + QStringLiteral("/control")), QJsonDocument(faults).toJson(), &status);
    return status == 200;
}

QJsonObject NodeSimProcess::postControl(const QByteArray &body, int *status)
{
    return QJsonDocument::fromJson(
               request("POST", QUrl(url() + QStringLiteral("/control")), body, status))
        .object();
}

QJsonObject NodeSimProcess::get(const QString &path)
{
    return QJsonDocument::fromJson(request("GET", QUrl(url() + path), {}, nullptr)).object();
}

int NodeSimProcess::del(const QString &path)
{
    int status = 0;
    request("DELETE", QUrl(url() + path), {}, &status);
    return status;
}

NodeSimProcess::~NodeSimProcess()
{
    kill();
}
