// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/httpprobe.h"

#include "cluster/healthchecker.h"

#include <QDateTime>
#include <QSslSocket>
#include <QTimer>

namespace jobfirst {

HttpProbe::HttpProbe(QObject *parent) : QObject(parent), m_timeout(new QTimer(this))
{
    m_timeout->setSingleShot(true);
    m_timeout->setTimerType(Qt::PreciseTimer);
    connect(m_timeout, &QTimer::timeout, this, [this] {
        resetSocket();
        finish(CheckOutcome::Timeout, 0, QStringLiteral("timeout after %1 ms").arg(m_timeoutMs));
    });
}

HttpProbe::~HttpProbe() = default;

void HttpProbe::resetSocket()
{
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    m_socket->abort();
    m_socket->deleteLater();
    m_socket = nullptr;
    m_connectedTo.clear();
}

void HttpProbe::check(const QUrl &url, qint64 timeoutMs)
{
    m_url = url;
    m_timeoutMs = timeoutMs;
    m_busy = true;
    m_retried = false;
    m_buffer.clear();
    m_clock.start();
    m_timeout->start(int(timeoutMs));
    const QString endpoint = url.scheme() + url.host() + QString::number(url.port());
    if (m_socket && m_connectedTo == endpoint && m_socket->state() == QAbstractSocket::ConnectedState) {
        m_reused = true;
        sendRequest();
        return;
    }
    resetSocket();
    m_reused = false;
    connectSocket();
}

void HttpProbe::connectSocket()
{
    const bool tls = m_url.scheme() == u"https";
    m_socket = tls ? new QSslSocket(this) : new QTcpSocket(this);
    m_connectedTo = m_url.scheme() + m_url.host() + QString::number(m_url.port());
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpProbe::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpProbe::onError);
    const quint16 port = quint16(m_url.port(tls ? 443 : 80));
    if (tls) {
        auto *ssl = static_cast<QSslSocket *>(m_socket);
        connect(ssl, &QSslSocket::encrypted, this, &HttpProbe::sendRequest);
        ssl->connectToHostEncrypted(m_url.host(), port);
    } else {
        connect(m_socket, &QTcpSocket::connected, this, &HttpProbe::sendRequest);
        m_socket->connectToHost(m_url.host(), port);
    }
}

void HttpProbe::sendRequest()
{
    if (!m_busy || !m_socket)
        return;
    QByteArray path = m_url.path(QUrl::FullyEncoded).toUtf8();
    if (path.isEmpty())
        path = "/";
    if (m_url.hasQuery())
        path += '?' + m_url.query(QUrl::FullyEncoded).toUtf8();
    QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: " + m_url.host().toUtf8();
    if (m_url.port() > 0)
        request += ':' + QByteArray::number(m_url.port());
    request += "\r\nUser-Agent: jobfirst-health-checker\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";
    m_socket->write(request);
}

void HttpProbe::onError()
{
    if (!m_busy || !m_socket)
        return;
    const auto error = m_socket->error();
    const QString text = m_socket->errorString();
    // A kept-alive connection the server closed while idle: try once on a new connection.
    if (m_reused && !m_retried && m_buffer.isEmpty() && error == QAbstractSocket::RemoteHostClosedError) {
        m_retried = true;
        m_reused = false;
        resetSocket();
        connectSocket();
        return;
    }
    // A server that answers and closes (no Content-Length) ends its body with the close.
    if (error == QAbstractSocket::RemoteHostClosedError && !m_buffer.isEmpty()) {
        onReadyRead();
        if (!m_busy)
            return;
    }
    resetSocket();
    if (error == QAbstractSocket::ConnectionRefusedError)
        finish(CheckOutcome::ConnectionRefused, 0, QStringLiteral("connection refused"));
    else
        finish(CheckOutcome::NetworkError, 0, text);
}

void HttpProbe::onReadyRead()
{
    if (!m_busy || !m_socket)
        return;
    m_buffer += m_socket->readAll();
    const qsizetype headerEnd = m_buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (m_buffer.size() > 64 * 1024) {
            resetSocket();
            finish(CheckOutcome::BadBody, 0, QStringLiteral("bad response: headers longer than 64 KiB"));
        }
        return;
    }
    const QList<QByteArray> lines = m_buffer.left(headerEnd).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    bool ok = false;
    const int status = statusLine.value(1).toInt(&ok);
    if (!statusLine.value(0).startsWith("HTTP/1.") || !ok) {
        resetSocket();
        finish(CheckOutcome::BadBody, 0, QStringLiteral("bad response: not HTTP (\"%1\")").arg(QString::fromLatin1(lines.value(0).left(40).trimmed())));
        return;
    }
    qint64 length = -1;
    bool chunked = false, close = false;
    for (int i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed().toLower();
        if (line.startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
        else if (line.startsWith("transfer-encoding:") && line.contains("chunked"))
            chunked = true;
        else if (line.startsWith("connection:") && line.contains("close"))
            close = true;
    }
    const QByteArray rest = m_buffer.mid(headerEnd + 4);
    QByteArray body;
    if (length >= 0) {
        if (rest.size() < std::min<qint64>(length, 64 * 1024))
            return;
        body = rest.left(std::min<qint64>(length, 64 * 1024));
        if (length > 64 * 1024)
            close = true; // do not read a huge body on a kept connection
    } else if (chunked) {
        if (!rest.contains("0\r\n\r\n") && rest.size() < 64 * 1024)
            return;
        // De-chunk enough of it to look at a small JSON status.
        qsizetype pos = 0;
        while (pos < rest.size()) {
            const qsizetype eol = rest.indexOf("\r\n", pos);
            if (eol < 0)
                break;
            const qint64 size = rest.mid(pos, eol - pos).toLongLong(nullptr, 16);
            if (size <= 0)
                break;
            body += rest.mid(eol + 2, size);
            pos = eol + 2 + size + 2;
        }
    } else if (m_socket->state() == QAbstractSocket::ConnectedState && status != 204 && status != 304) {
        return; // body ends when the server closes
    } else {
        body = rest;
        close = true;
    }
    if (close)
        resetSocket();
    finish(CheckOutcome::Ok, status, QString(), body);
}

void HttpProbe::finish(CheckOutcome outcome, int status, const QString &detail, const QByteArray &body)
{
    if (!m_busy)
        return;
    m_busy = false;
    m_timeout->stop();
    CheckResult r;
    if (outcome == CheckOutcome::Ok)
        r = classifyResponse(status, body);
    else
        r = CheckResult{QString(), outcome, status, 0, detail, 0};
    r.at = QDateTime::currentMSecsSinceEpoch();
    r.latencyMs = double(m_clock.nsecsElapsed()) / 1e6;
    emit finished(r);
}

} // namespace jobfirst
