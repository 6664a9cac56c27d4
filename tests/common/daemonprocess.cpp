// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemonprocess.h"
#include "testprograms.h"

#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>
#include <QtTest>

#include <csignal>

#include <sys/resource.h>

bool DaemonProcess::start(const QString &db, const QString &config, const QStringList &extra, const QString &listen)
{
    m_process = std::make_unique<QProcess>();
    m_logs.clear();
    QStringList args{QStringLiteral("--db"), db, QStringLiteral("--listen"), listen.isEmpty() ? QStringLiteral("127.0.0.1:0") : listen};
    // The tests name a config file the daemon makes when it is not there yet.
    if (!config.isEmpty())
        args << QStringLiteral("--config") << config << QStringLiteral("--create-config");
    if (m_fileLimit > 0)
        m_process->setChildProcessModifier([files = rlim_t(m_fileLimit)] {
            const rlimit limit{files, files};
            ::setrlimit(RLIMIT_NOFILE, &limit); // between fork and exec: async-signal-safe
        });
    m_process->start(TestPrograms::daemon(), args + extra);
    if (!m_process->waitForStarted(10000)) {
        qWarning("cannot start jobfirstd: %s", qPrintable(m_process->errorString()));
        return false;
    }
    static const QRegularExpression listening(QStringLiteral("listening [^:]+:(\\d+)"));
    QByteArray out;
    for (int i = 0; i < 200 && !out.contains('\n'); ++i) {
        if (!m_process->waitForReadyRead(100) && m_process->state() != QProcess::Running)
            break;
        out += m_process->readAllStandardOutput();
    }
    const auto m = listening.match(QString::fromUtf8(out));
    if (!m.hasMatch()) {
        qWarning("jobfirstd did not come up: %s %s", out.constData(), logs().constData());
        return false;
    }
    m_port = quint16(m.captured(1).toUInt());
    return true;
}

QString DaemonProcess::url(const QString &scheme) const
{
    return QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(m_port);
}

int DaemonProcess::terminate(int timeoutMs)
{
    if (!running())
        return m_process ? m_process->exitCode() : -1;
    ::kill(pid_t(m_process->processId()), SIGTERM);
    if (!m_process->waitForFinished(timeoutMs))
        return -1;
    return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
}

void DaemonProcess::kill()
{
    if (running()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

bool DaemonProcess::running() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

QByteArray DaemonProcess::logs()
{
    if (m_process)
        m_logs += m_process->readAllStandardError();
    return m_logs;
}

DaemonProcess::~DaemonProcess()
{
    kill();
}

QJsonValue ApiReply::json() const
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

QString ApiReply::error() const
{
    return json().toObject().value(QStringLiteral("error")).toString();
}

ApiReply apiCall(const QString &baseUrl, const QByteArray &method, const QString &path, const QByteArray &token,
                 const QByteArray &body, const QString &caFile)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(baseUrl + path));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (!caFile.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setCaCertificates(QSslCertificate::fromPath(caFile));
        request.setSslConfiguration(ssl);
    }
    request.setTransferTimeout(30000);
    QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    ApiReply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = r.status ? reply->readAll() : reply->errorString().toUtf8();
    reply->deleteLater();
    return r;
}

CtlRun runCtl(const QStringList &args, int timeoutMs)
{
    QProcess p;
    p.start(TestPrograms::ctl(), args);
    p.waitForFinished(timeoutMs);
    return CtlRun{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

QString makeToken(const QString &db, const QString &dir, const QString &name, const QString &role, const QString &node)
{
    QStringList args{QStringLiteral("--db"), db, QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("--name"), name,
                     QStringLiteral("--role"), role};
    if (!node.isEmpty())
        args << QStringLiteral("--node") << node;
    const CtlRun run = runCtl(args);
    if (run.code != 0) {
        qWarning("token create failed: %s", run.err.constData());
        return {};
    }
    const QString path = dir + u'/' + name + QStringLiteral(".token");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(run.out.trimmed());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    return path;
}

QByteArray readToken(const QString &tokenFile)
{
    QFile f(tokenFile);
    return !tokenFile.isEmpty() && f.open(QIODevice::ReadOnly) ? f.readAll().trimmed()
                                                               : QByteArray();
}

QString DaemonFolder::writeConfig(const QString &name, const QJsonObject &extra) const
{
    QJsonObject o{{QStringLiteral("targets"), QJsonArray()}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        o.insert(it.key(), it.value());
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(QJsonDocument(o).toJson());
    return path;
}

bool writeNoTargetConfig(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(R"({"targets": []})") < 0) {
        qWarning("cannot write %s", qPrintable(path));
        return false;
    }
    return true;
}

QByteArray startWithToken(DaemonProcess &daemon, const QString &db, const QString &config,
                          const QString &local, const QString &name, const QString &role)
{
    const QByteArray token =
        readToken(makeToken(local, QFileInfo(local).absolutePath(), name, role));
    if (token.isEmpty()) {
        qWarning("no API token %s made in %s", qPrintable(name), qPrintable(local));
        return {};
    }
    if (!daemon.start(db, config, {QStringLiteral("--local-db"), local}))
        return {};
    return token;
}
