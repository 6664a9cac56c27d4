// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"
#include "remote/eventstreamparser.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QPromise>
#include <QSslConfiguration>
#include <QUrl>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace jobfirst {

/// Where a remote engine is and how to prove who we are.
struct RemoteOptions
{
    QUrl server;        ///< http(s)://host:port
    QByteArray token;   ///< bearer token (read from a file, never from argv)
    QString caFile;     ///< extra CA certificates (PEM) to trust for https
};

/// One admin API call.
struct ApiRequest
{
    QByteArray method = "GET";
    QString path;        ///< "/api/v1/nodes"
    QUrlQuery query;
    QByteArray body;     ///< JSON, when not empty
    QString uploadFile;  ///< sent as the body instead (imports)
    int timeoutMs = 30000;
};

/// The HTTP side of a remote session, living on the session's worker thread: JSON calls
/// answered through callbacks on that thread, and the Server-Sent Events stream with
/// reconnection.
class ApiTransport final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiTransport)

public:
    explicit ApiTransport(RemoteOptions options, QObject *parent = nullptr);
    ~ApiTransport() override;

    /// The answer's JSON or an Error that says what the server refused (its "error" text) or
    /// why it could not be reached. Called on this object's thread, once; never when this
    /// object is destroyed first.
    using Answer = std::function<void(const Result<QJsonValue> &)>;

    /// Sends the request; `answer` gets what came back.
    void send(const ApiRequest &request, Answer answer);
    /// Opens the live stream and keeps it open (reconnecting with backoff) until closeStream.
    void openStream(int intervalMs);
    void closeStream();

signals:
    void streamEvent(const QByteArray &event, const QByteArray &data);
    void streamState(bool connected, const jobfirst::Sentence &reason);
    /// The stream is down and is tried again at `nextAttemptAt` (ms since the epoch):
    /// `failedAttempts` tries to reopen it failed since it was lost (0: it was just lost), the
    /// latest for `reason`.
    void reconnectScheduled(const jobfirst::Sentence &reason, int failedAttempts,
                            qint64 nextAttemptAt);

private:
    /// How far a call got: its time limit, and how much of its body was sent.
    struct CallProgress
    {
        int timeoutMs = 0;
        qint64 sent = 0;
        qint64 total = 0;
    };

    QNetworkReply *start(const ApiRequest &request);
    void finish(QNetworkReply *reply, const Answer &answer, const CallProgress &progress);
    void streamLost(const Sentence &reason);
    /// "cannot reach the engine at URL: " and what happened to the connection.
    Sentence describe(QNetworkReply *reply, const CallProgress &progress) const;
    /// What happened to the connection, in words that name it (Qt's own for a reset by the
    /// server is "Unknown error").
    Sentence failure(QNetworkReply *reply, const CallProgress &progress) const;
    /// Why an answer's body is not JSON: not JSON, or cut off.
    Sentence notJson(QNetworkReply *reply, int status, const QJsonParseError &error) const;
    /// An error answer (`status`) for `path` without jobfirstd's "error": whose it may be.
    Sentence unexplained(int status, const QString &path) const;
    /// What an error answer (`status`) for `path` says: jobfirstd's sentence, its message, or
    /// whose it may be when it says nothing.
    Sentence refusal(const QJsonObject &answer, int status, const QString &path) const;

    RemoteOptions m_options;
    QNetworkAccessManager *m_nam;
    QSslConfiguration m_ssl;
    QNetworkReply *m_stream = nullptr;
    EventStreamParser m_parser;
    QTimer *m_reconnect;
    QTimer *m_silence;
    int m_streamInterval = 1000;
    int m_backoffMs = 500;
    int m_failedAttempts = 0; ///< tries to reopen the stream that failed since it was up
    bool m_streamWanted = false;
    bool m_streamUp = false;
    Sentence m_revoked; ///< why the engine said it ends the stream ("revoked" event), until it does
    Sentence m_streamAbortedFor; ///< why this side cut the stream, until its finished() says so
};

} // namespace jobfirst
