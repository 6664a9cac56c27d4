// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/node.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QUrl>

class QTcpSocket;
class QTimer;

namespace jobfirst {

struct CheckResult;

/// One node's health-check connection: GET over a kept-alive HTTP/1.1 connection (TLS for
/// https). Much cheaper than a QNetworkAccessManager request per check, which measured here
/// at about 1.7 ms of CPU per check with 1,000 nodes.
class HttpProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpProbe)

public:
    explicit HttpProbe(QObject *parent = nullptr);
    ~HttpProbe() override;

    /// Starts one check; `finished` follows exactly once. A check already running is abandoned.
    void check(const QUrl &url, qint64 timeoutMs);
    bool busy() const { return m_busy; }

signals:
    void finished(const jobfirst::CheckResult &result);

private:
    void connectSocket();
    void sendRequest();
    void onReadyRead();
    void onError();
    void finish(CheckOutcome outcome, int status, const QString &detail, const QByteArray &body = {});
    void resetSocket();

    QTcpSocket *m_socket = nullptr;
    QTimer *m_timeout;
    QUrl m_url;
    qint64 m_timeoutMs = 2000;
    QElapsedTimer m_clock;
    QByteArray m_buffer;
    bool m_busy = false;
    bool m_reused = false;     ///< this check went out on a kept-alive connection
    bool m_retried = false;    ///< a kept-alive connection the server had closed was replaced once
    QString m_connectedTo;
};

} // namespace jobfirst
